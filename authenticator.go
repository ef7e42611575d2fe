package mitid

import (
	"time"

	"github.com/google/uuid"

	"github.com/go-mitid/mitid/chip/credential"
)

// Kind is what an authenticator is.
type Kind string

// The authenticator kinds. KindPassword is the knowledge factor that goes
// with the code display, the audio code reader and the chip (never with the
// app); it lives in the same list so that it is suspended, blocked and
// audited like the devices.
const (
	KindApp         Kind = "app"
	KindCodeDisplay Kind = "code_display"
	KindAudioReader Kind = "audio_code_reader"
	KindChip        Kind = "chip"
	KindPassword    Kind = "password"
)

// Kinds lists every kind, in the order MitID presents them.
func Kinds() []Kind {
	return []Kind{KindApp, KindCodeDisplay, KindAudioReader, KindChip, KindPassword}
}

// Valid reports whether k is a known kind.
func (k Kind) Valid() bool {
	switch k {
	case KindApp, KindCodeDisplay, KindAudioReader, KindChip, KindPassword:
		return true
	}
	return false
}

// Physical reports whether the kind is a device that is ordered and shipped.
func (k Kind) Physical() bool {
	return k == KindCodeDisplay || k == KindAudioReader || k == KindChip
}

// Name returns the kind's name in the given language, as MitID writes it.
func (k Kind) Name(l Language) string {
	if l != Danish {
		return k.String()
	}
	switch k {
	case KindCodeDisplay:
		return "kodeviser"
	case KindAudioReader:
		return "kodeoplæser"
	case KindPassword:
		return "adgangskode"
	}
	return k.String()
}

// String returns the English name a person reads.
func (k Kind) String() string {
	switch k {
	case KindApp:
		return "MitID app"
	case KindCodeDisplay:
		return "code display"
	case KindAudioReader:
		return "audio code reader"
	case KindChip:
		return "MitID chip"
	case KindPassword:
		return "password"
	}
	return string(k)
}

// State is where an authenticator is in its life.
type State string

// The authenticator states. A suspension is temporary (it has an end, or is
// lifted); a block is permanent. Blocked and Replaced are final.
const (
	StateOrdered           State = "ordered"            // a physical device is ordered, not yet in the user's hands
	StatePendingActivation State = "pending_activation" // in the user's hands (or being set up), waiting to be activated
	StateWaitingForAccess  State = "waiting_for_access" // access requested; activation allowed once the waiting period ends
	StateActive            State = "active"             // usable
	StateSuspended         State = "suspended"          // temporarily unusable, until SuspendedUntil or until lifted
	StateBlocked           State = "blocked"            // permanently unusable
	StateReplaced          State = "replaced"           // superseded by a new authenticator of its kind
)

// States lists every state in life order.
func States() []State {
	return []State{StateOrdered, StatePendingActivation, StateWaitingForAccess,
		StateActive, StateSuspended, StateBlocked, StateReplaced}
}

// Final reports whether no transition leaves s.
func (s State) Final() bool { return s == StateBlocked || s == StateReplaced }

// transitionTable is the one place the allowed state changes are written.
// Every change of Authenticator.State goes through Transition, which consults
// it; anything not listed is forbidden.
var transitionTable = [...]struct {
	From, To State
	Why      string
}{
	{StateOrdered, StatePendingActivation, "delivered or picked up"},
	{StateOrdered, StateBlocked, "lost in the post or cancelled"},
	{StatePendingActivation, StateWaitingForAccess, "access requested (chip: step A)"},
	{StatePendingActivation, StateActive, "activated"},
	{StatePendingActivation, StateBlocked, "blocked before activation"},
	{StateWaitingForAccess, StateActive, "activated after the waiting period"},
	{StateWaitingForAccess, StateBlocked, "blocked while waiting"},
	{StateActive, StateSuspended, "suspended (wrong codes, suspected clone, by the user or support)"},
	{StateActive, StateBlocked, "blocked (lost, broken, by the user or support)"},
	{StateActive, StateReplaced, "replaced by a new authenticator"},
	{StateSuspended, StateActive, "suspension lifted or ended"},
	{StateSuspended, StateBlocked, "blocked while suspended (repeated suspensions)"},
	{StateSuspended, StateReplaced, "replaced while suspended"},
}

// CanTransition reports whether the table allows from → to.
func CanTransition(from, to State) bool {
	for _, t := range transitionTable {
		if t.From == from && t.To == to {
			return true
		}
	}
	return false
}

// Group is a set of kinds that share a limit on how many may be in use.
type Group string

// The limit groups: the code display and the audio code reader share one
// (at most one of the two in use at a time).
const (
	GroupApp        Group = "app"
	GroupCodeDevice Group = "code_device"
	GroupChip       Group = "chip"
	GroupPassword   Group = "password"
)

// Group returns the limit group of k.
func (k Kind) Group() Group {
	switch k {
	case KindApp:
		return GroupApp
	case KindCodeDisplay, KindAudioReader:
		return GroupCodeDevice
	case KindChip:
		return GroupChip
	}
	return GroupPassword
}

// InUse reports whether an authenticator in state s counts against its
// group's limit: an active one, and a suspended one, which can come back.
func (s State) InUse() bool { return s == StateActive || s == StateSuspended }

// Authenticator is one of a user's means of authentication. It lives inside
// the User aggregate and changes only through the User's methods, so every
// change is checked against the transition table and the per-kind limits.
type Authenticator struct {
	ID    uuid.UUID `json:"id"`
	Kind  Kind      `json:"kind"`
	State State     `json:"state"`
	// Label is the user's name for it ("Anna's iPhone").
	Label string `json:"label,omitempty"`
	// Serial is the printed serial number of a physical device.
	Serial string `json:"serial,omitempty"`
	// SuspendedUntil ends a suspension; zero means until lifted.
	SuspendedUntil time.Time `json:"suspended_until,omitzero"`
	// WaitUntil ends the waiting period of StateWaitingForAccess.
	WaitUntil time.Time `json:"wait_until,omitzero"`
	// Reason says why the last suspension, block or replacement happened.
	Reason         string    `json:"reason,omitempty"`
	CreatedAt      time.Time `json:"created_at"`
	ActivatedAt    time.Time `json:"activated_at,omitzero"`
	StateChangedAt time.Time `json:"state_changed_at"`
	// ReplacedBy names the authenticator that replaced this one.
	ReplacedBy uuid.UUID `json:"replaced_by,omitzero"`
	// Suspensions counts suspensions for wrong attempts since the last
	// completed login; each lasts twice as long as the one before (see
	// throttle.go). Throttled marks the current suspension as one for wrong
	// attempts, which a completed login lifts.
	Suspensions int  `json:"suspensions,omitempty"`
	Throttled   bool `json:"throttled,omitempty"`
	// Failures counts wrong attempts in a row at this authenticator.
	Failures int `json:"failures,omitempty"`
	// CredentialID is the chip's credential ID; it is unique across all users.
	CredentialID []byte `json:"credential_id,omitempty"`
	// LastUsedAt is the time of the last successful use: for a password or
	// an app, the completion of a login it took part in; for a code device
	// or a chip, its last right answer, which records the code or counter
	// it used at once.
	LastUsedAt time.Time `json:"last_used_at,omitzero"`

	// The secret each kind verifies against; only the one of its kind is set.
	Password  *PasswordHash `json:"password,omitempty"`   // KindPassword
	OTP       *OTPSecret    `json:"otp,omitempty"`        // KindCodeDisplay, KindAudioReader
	DeviceKey []byte        `json:"device_key,omitempty"` // KindApp: the app's P-256 key, PKIX DER
	// Chip is the chip's WebAuthn credential, its exact signature counter
	// included (KindChip).
	Chip *credential.Credential `json:"chip,omitempty"`
}

// EffectiveState is the state at time now: a suspension whose end has passed
// reads as active.
func (a *Authenticator) EffectiveState(now time.Time) State {
	if a.State == StateSuspended && !a.SuspendedUntil.IsZero() && !now.Before(a.SuspendedUntil) {
		return StateActive
	}
	return a.State
}

// usable returns nil when the authenticator can be used at now, or an error
// that says why not and until when.
func (a *Authenticator) usable(now time.Time) error {
	switch a.EffectiveState(now) {
	case StateActive:
		return nil
	case StateSuspended:
		e := errSuspended(a.Kind)
		if !a.SuspendedUntil.IsZero() {
			e.endsAt(a.SuspendedUntil)
		} else {
			e.Message += "; it can be reactivated on MitID.dk or by MitID support"
		}
		return e
	case StateBlocked:
		if a.Kind == KindChip {
			return errorf(CodeAuthenticatorBlocked, "your %s is blocked; you can add it again as a new authenticator", a.Kind)
		}
		return errorf(CodeAuthenticatorBlocked, "your %s is blocked; order a new one", a.Kind)
	case StateReplaced:
		return errorf(CodeAuthenticatorBlocked, "this %s has been replaced by a newer one", a.Kind)
	}
	return errorf(CodeTransitionForbidden, "your %s is not activated yet (it is %s)", a.Kind, a.State)
}

// missingSecret returns an error when a lacks the secret its kind verifies
// against, saying which way of activating provides it; nil when it has it.
// An authenticator without its secret must never become active: it could
// not be verified, or, worse, a check on it could be skipped.
func (a *Authenticator) missingSecret() error {
	switch {
	case (a.Kind == KindCodeDisplay || a.Kind == KindAudioReader) && a.OTP == nil:
		return errorf(CodeTransitionForbidden, "this %s has no seed: register it with AddCodeDevice", a.Kind)
	case a.Kind == KindApp && len(a.DeviceKey) == 0:
		return errorf(CodeTransitionForbidden, "this MitID app has no device key: register it with AddApp")
	case a.Kind == KindChip && a.Chip == nil:
		return errorf(CodeTransitionForbidden, "this MitID chip is not connected yet: activate it by connecting it (BeginChipRegistration)")
	case a.Kind == KindPassword && a.Password == nil:
		return errorf(CodeTransitionForbidden, "this password has no hash: set it with SetPassword")
	}
	return nil
}

// secretBytes is how many bytes cloneInto copies into the arena.
func (a *Authenticator) secretBytes() int {
	n := len(a.CredentialID) + len(a.DeviceKey)
	if a.Password != nil {
		n += len(a.Password.Salt) + len(a.Password.Hash)
	}
	if a.OTP != nil {
		n += len(a.OTP.Seed.Nonce) + len(a.OTP.Seed.Ciphertext)
	}
	return n
}

// cloneInto returns a deep copy of a whose byte slices live in arena.
func (a Authenticator) cloneInto(arena *[]byte) Authenticator {
	a.CredentialID = carve(arena, a.CredentialID)
	a.DeviceKey = carve(arena, a.DeviceKey)
	if a.Password != nil {
		p := *a.Password
		p.Salt, p.Hash = carve(arena, p.Salt), carve(arena, p.Hash)
		a.Password = &p
	}
	if a.OTP != nil {
		o := *a.OTP
		o.Seed.Nonce, o.Seed.Ciphertext = carve(arena, o.Seed.Nonce), carve(arena, o.Seed.Ciphertext)
		a.OTP = &o
	}
	if a.Chip != nil {
		c := a.Chip.Clone()
		a.Chip = &c
	}
	return a
}

// carve copies b to the end of arena and returns the copy, capped so that
// appending to it reallocates. nil stays nil.
func carve(arena *[]byte, b []byte) []byte {
	if b == nil {
		return nil
	}
	start := len(*arena)
	*arena = append(*arena, b...)
	return (*arena)[start:len(*arena):len(*arena)]
}

// errSuspended is the refusal of a suspended authenticator of kind k, before
// its end is added (decoy logins give it too).
func errSuspended(k Kind) *Error {
	return errorf(CodeAuthenticatorSuspended, "your %s is temporarily suspended", k)
}
