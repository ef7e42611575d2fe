package web

import (
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"time"

	"github.com/google/uuid"

	"github.com/go-mitid/mitid"
)

// LoginView is the JSON shape of a login in progress (see the package doc).
type LoginView struct {
	ID        string       `json:"id"`
	Action    mitid.Action `json:"action"`
	Text      string       `json:"text"`
	Level     string       `json:"level"`
	ExpiresAt time.Time    `json:"expires_at"`
	Method    mitid.Method `json:"method"`
	Next      mitid.Step   `json:"next"`
	Options   []OptionView `json:"options,omitempty"`
	Challenge string       `json:"challenge,omitempty"`
	// ChipOptions is PublicKeyCredentialRequestOptionsJSON, for
	// PublicKeyCredential.parseRequestOptionsFromJSON.
	ChipOptions json.RawMessage `json:"chip_options,omitempty"`
	// Result is the finished login, in the answer of the step that gave
	// its last factor (a code, a password, a chip; next is then "done").
	// A login whose last factor was the app's approval is done without
	// one: the browser finishes it with POST /login/{id}/finish.
	Result *ResultView `json:"result,omitempty"`
}

// OptionView is one way to log in.
type OptionView struct {
	Method        mitid.Method `json:"method"`
	Authenticator uuid.UUID    `json:"authenticator"`
	Kind          mitid.Kind   `json:"kind"`
	Label         string       `json:"label,omitempty"`
	AAL           string       `json:"aal"`
	Usable        bool         `json:"usable"`
	Reason        string       `json:"reason,omitempty"`
	Until         *time.Time   `json:"until,omitempty"`
}

// ResultView is the JSON shape of a finished login.
type ResultView struct {
	UserID   string       `json:"user_id"`
	Action   mitid.Action `json:"action"`
	TextHash string       `json:"text_hash"`
	Method   mitid.Method `json:"method"`
	Kinds    []mitid.Kind `json:"kinds"`
	IAL      string       `json:"ial"`
	AAL      string       `json:"aal"`
	LoA      string       `json:"loa"`
	At       time.Time    `json:"at"`
	// Redirect is where the relying party sends the browser next, if it
	// said (Config.Finished).
	Redirect string `json:"redirect,omitempty"`
}

// AuthenticatorView is the JSON shape of an authenticator, secrets left out.
type AuthenticatorView struct {
	ID        uuid.UUID   `json:"id"`
	Kind      mitid.Kind  `json:"kind"`
	State     mitid.State `json:"state"`
	Label     string      `json:"label,omitempty"`
	WaitUntil *time.Time  `json:"wait_until,omitempty"`
}

// NewLoginView renders l. Its chip options lose go-webauthn's
// {"publicKey": …} wrapper, so they are the JSON the browser's helper takes.
func NewLoginView(l *mitid.Login) (LoginView, error) {
	v := LoginView{ID: l.ID, Action: l.Action, Text: l.Text, Level: l.Level.String(), ExpiresAt: l.ExpiresAt.UTC(),
		Method: l.Method, Next: l.Next}
	for _, o := range l.Options {
		ov := OptionView{Method: o.Method, Authenticator: o.Authenticator, Kind: o.Kind, Label: o.Label,
			AAL: o.AAL.String(), Usable: o.Usable, Reason: o.Reason, Until: timePtr(o.Until)}
		v.Options = append(v.Options, ov)
	}
	if len(l.Challenge) > 0 {
		v.Challenge = base64.RawURLEncoding.EncodeToString(l.Challenge)
	}
	if len(l.ChipOptions) > 0 {
		pk, err := publicKey(l.ChipOptions)
		if err != nil {
			return LoginView{}, err
		}
		v.ChipOptions = pk
	}
	return v, nil
}

// NewResultView renders a finished login.
func NewResultView(r *mitid.LoginResult) ResultView {
	return ResultView{UserID: r.UserID, Action: r.Action, TextHash: hex.EncodeToString(r.TextHash[:]), Method: r.Method,
		Kinds: r.Kinds, IAL: r.IAL.String(), AAL: r.AAL.String(), LoA: r.LoA.String(), At: r.At.UTC()}
}

// NewAuthenticatorView renders a, leaving every secret out.
func NewAuthenticatorView(a *mitid.Authenticator) AuthenticatorView {
	return AuthenticatorView{ID: a.ID, Kind: a.Kind, State: a.State, Label: a.Label, WaitUntil: timePtr(a.WaitUntil)}
}

// publicKey unwraps the {"publicKey": …} of go-webauthn's options.
func publicKey(options []byte) (json.RawMessage, error) {
	var wrapped struct {
		PublicKey json.RawMessage `json:"publicKey"`
	}
	if err := json.Unmarshal(options, &wrapped); err != nil || len(wrapped.PublicKey) == 0 {
		return nil, mitid.NewError(mitid.CodeConfigInvalid, err, "the WebAuthn options are not in the shape expected")
	}
	return wrapped.PublicKey, nil
}

func timePtr(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	u := t.UTC()
	return &u
}
