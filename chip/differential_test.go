package chip

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"testing"

	"github.com/descope/virtualwebauthn"
	"github.com/go-webauthn/webauthn/protocol"
	"github.com/go-webauthn/webauthn/webauthn"
	"github.com/stretchr/testify/require"
)

// goWebAuthnVerdict runs go-webauthn's own login validation (ValidateLogin,
// with its own parser) on the same inputs FinishLogin gets, as the reference
// FinishLogin's verdicts are compared against. go-webauthn does not refuse a
// counter that did not increase (it sets CloneWarning), so neither does this.
func goWebAuthnVerdict(v *Verifier, ch Challenge, user User, creds []Credential, resp []byte) error {
	parsed, err := protocol.ParseCredentialRequestResponseBytes(resp)
	if err != nil {
		return err
	}
	var wcreds []webauthn.Credential
	for _, c := range creds {
		key := c.PublicKey
		if c.LegacyAppID && parsed.ClientExtensionResults.AppID != nil && *parsed.ClientExtensionResults.AppID {
			_, point, err := parseCOSEP256(c.PublicKey)
			if err != nil {
				return err
			}
			key = point
		}
		wcreds = append(wcreds, webauthn.Credential{
			ID: c.ID, PublicKey: key, AttestationFormat: c.Format,
			Authenticator: webauthn.Authenticator{AAGUID: c.AAGUID, SignCount: c.SignCount},
		})
	}
	session := webauthn.SessionData{
		Challenge:            base64.RawURLEncoding.EncodeToString(ch.Value),
		RelyingPartyID:       v.rpID,
		UserID:               ch.UserID,
		AllowedCredentialIDs: ch.CredentialIDs,
		UserVerification:     protocol.VerificationDiscouraged,
		Extensions:           protocol.AuthenticationExtensions{AppID: ch.AppID}.Session(),
	}
	_, err = v.wa.ValidateLogin(&waUser{user: user, creds: wcreds}, session, parsed)
	return err
}

// editClientData rewrites the client data JSON inside a response.
func editClientData(t testing.TB, r map[string]any, f func(cd map[string]any)) {
	editBinary(t, r, "clientDataJSON", func(b []byte) []byte {
		var cd map[string]any
		require.NoError(t, json.Unmarshal(b, &cd))
		f(cd)
		out, err := json.Marshal(cd)
		require.NoError(t, err)
		return out
	})
}

type respEdit struct {
	name string
	edit func(t testing.TB, m, r map[string]any)
}

func authDataEdit(name string, f func(b []byte) []byte) respEdit {
	return respEdit{name, func(t testing.TB, _, r map[string]any) { editBinary(t, r, "authenticatorData", f) }}
}

var loginEdits = []respEdit{
	{"unchanged", func(testing.TB, map[string]any, map[string]any) {}},
	{"signature flipped", func(t testing.TB, _, r map[string]any) {
		editBinary(t, r, "signature", func(b []byte) []byte { b[len(b)-1] ^= 1; return b })
	}},
	{"signature with trailing byte", func(t testing.TB, _, r map[string]any) {
		editBinary(t, r, "signature", func(b []byte) []byte { return append(b, 0) })
	}},
	{"signature empty", func(t testing.TB, _, r map[string]any) { r["signature"] = "" }},
	authDataEdit("rp id hash", func(b []byte) []byte { b[5] ^= 0x80; return b }),
	authDataEdit("UP cleared", func(b []byte) []byte { b[32] &^= 0x01; return b }),
	authDataEdit("UV set", func(b []byte) []byte { b[32] |= 0x04; return b }),
	authDataEdit("BE set", func(b []byte) []byte { b[32] |= 0x08; return b }),
	authDataEdit("BS set", func(b []byte) []byte { b[32] |= 0x10; return b }),
	authDataEdit("ED set without data", func(b []byte) []byte { b[32] |= 0x80; return b }),
	authDataEdit("counter changed", func(b []byte) []byte { b[36] ^= 0x40; return b }),
	authDataEdit("truncated", func(b []byte) []byte { return b[:36] }),
	authDataEdit("trailing byte", func(b []byte) []byte { return append(b, 0) }),
	{"challenge changed", func(t testing.TB, _, r map[string]any) {
		editClientData(t, r, func(cd map[string]any) { cd["challenge"] = "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA" })
	}},
	{"origin changed", func(t testing.TB, _, r map[string]any) {
		editClientData(t, r, func(cd map[string]any) { cd["origin"] = "https://evil.example" })
	}},
	{"origin upper case", func(t testing.TB, _, r map[string]any) {
		editClientData(t, r, func(cd map[string]any) { cd["origin"] = "HTTPS://MITID.DK" })
	}},
	{"type create", func(t testing.TB, _, r map[string]any) {
		editClientData(t, r, func(cd map[string]any) { cd["type"] = "webauthn.create" })
	}},
	{"cross origin", func(t testing.TB, _, r map[string]any) {
		editClientData(t, r, func(cd map[string]any) { cd["crossOrigin"] = true; cd["topOrigin"] = "https://evil.example" })
	}},
	{"top origin without cross origin", func(t testing.TB, _, r map[string]any) {
		editClientData(t, r, func(cd map[string]any) { cd["topOrigin"] = "https://mitid.dk" })
	}},
	{"token binding bad status", func(t testing.TB, _, r map[string]any) {
		editClientData(t, r, func(cd map[string]any) { cd["tokenBinding"] = map[string]any{"status": "bogus"} })
	}},
	{"id does not match rawId", func(t testing.TB, m, _ map[string]any) { m["id"] = "AAAA" }},
	{"type not public-key", func(t testing.TB, m, _ map[string]any) { m["type"] = "password" }},
	{"user handle of another user", func(t testing.TB, _, r map[string]any) { r["userHandle"] = b64([]byte("someone-else")) }},
	{"user handle of this user", func(t testing.TB, _, r map[string]any) { r["userHandle"] = b64(testUser.ID) }},
	{"appid output true", func(t testing.TB, m, _ map[string]any) { m["clientExtensionResults"] = map[string]any{"appid": true} }},
	{"appid output false", func(t testing.TB, m, _ map[string]any) { m["clientExtensionResults"] = map[string]any{"appid": false} }},
	{"unsolicited credProps", func(t testing.TB, m, _ map[string]any) {
		m["clientExtensionResults"] = map[string]any{"credProps": map[string]any{"rk": true}}
	}},
	{"unknown extension output", func(t testing.TB, m, _ map[string]any) { m["clientExtensionResults"] = map[string]any{"x-vendor": 1} }},
	{"extension results null", func(t testing.TB, m, _ map[string]any) { m["clientExtensionResults"] = nil }},
}

// TestFinishLogin_AgreesWithGoWebAuthn holds FinishLogin (go-webauthn's parts
// plus its own signature check) to the verdicts of go-webauthn's ValidateLogin
// over a corpus of valid and mutated responses from three authenticators.
func TestFinishLogin_AgreesWithGoWebAuthn(t *testing.T) {
	type scenario struct {
		name  string
		creds []Credential
		resp  func(options []byte) []byte
	}
	v, _ := newTestVerifier(t)
	sim := newTestSimulator(t, 70)
	u2f := register(t, v, sim, testUser)
	legacySim := newTestSimulator(t, 71)
	legacy := legacyCredential(t, legacySim)
	key := newVirtualKey(virtualwebauthn.AuthenticatorOptions{})
	packed := registerVirtual(t, v, key, testUser)

	scenarios := []scenario{
		{"fido-u2f", []Credential{u2f}, func(o []byte) []byte { r, err := sim.Login(o, testOrigin); require.NoError(t, err); return r }},
		{"legacy appid", []Credential{u2f, legacy}, func(o []byte) []byte { r, err := legacySim.Login(o, testOrigin); require.NoError(t, err); return r }},
		{"packed", []Credential{packed}, func(o []byte) []byte { return key.login(t, o, 5) }},
	}
	for _, sc := range scenarios {
		for _, e := range loginEdits {
			t.Run(sc.name+"/"+e.name, func(t *testing.T) {
				options, ch, err := v.BeginLogin(testUser, sc.creds)
				require.NoError(t, err)
				resp := editResponse(t, sc.resp(options), func(m, r map[string]any) { e.edit(t, m, r) })
				ours := ignoreCounter(v.FinishLogin(ch, testUser, sc.creds, resp))
				theirs := goWebAuthnVerdict(v, ch, testUser, sc.creds, resp)
				if (ours == nil) != (theirs == nil) {
					t.Fatalf("verdicts differ: FinishLogin: %v; go-webauthn: %v", ours, theirs)
				}
				t.Logf("verdict: %v", ours)
				if ours != nil {
					requireOurSentinel(t, ours)
				}
			})
		}
	}
}

func ignoreCounter(_ Assertion, err error) error {
	if errors.Is(err, ErrCounterNotIncreased) {
		return nil
	}
	return err
}

var sentinels = []error{
	ErrInvalidConfig, ErrInvalidUser, ErrNoCredentials, ErrInvalidChallenge, ErrChallengeExpired,
	ErrInvalidResponse, ErrChallengeMismatch, ErrOriginMismatch, ErrRPIDMismatch, ErrUserPresence,
	ErrBadSignature, ErrAttestation, ErrNotDeviceBound, ErrInvalidKey, ErrUnknownCredential,
	ErrCredentialExists, ErrCredentialInUse, ErrCounterNotIncreased, ErrVerification,
}

// requireOurSentinel checks an error is one a caller can tell apart with
// errors.Is, and that its message is readable.
func requireOurSentinel(t testing.TB, err error) {
	t.Helper()
	for _, s := range sentinels {
		if errors.Is(err, s) {
			if bytes.Contains([]byte(err.Error()), []byte("%!")) {
				t.Fatalf("badly formatted error message: %q", err)
			}
			return
		}
	}
	t.Fatalf("error wraps none of the package's sentinels: %v", err)
}
