package mitid

import (
	"encoding/base64"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/google/uuid"
)

// UserStatus says whether the whole MitID can be used.
type UserStatus string

// The user statuses.
const (
	UserActive UserStatus = "active"
	// UserBlocked is a temporary block of the whole MitID (mitid.dk blocking
	// help): until BlockedUntil, or until lifted when that is zero.
	UserBlocked UserStatus = "temporarily_blocked"
)

// User is a MitID holder and everything that can change about them: the
// aggregate that Store.UpdateUser reads, changes and commits as one. Every
// rule that two requests could break at once lives here, so the store's
// atomic update protects them all.
type User struct {
	ID uuid.UUID `json:"id"`
	// Version is the store's revision counter: it increases by one with each
	// committed update. Stores manage it; the domain never sets it.
	Version int64 `json:"-"`
	// UserID is the self-chosen user ID, normalised (NormalizeUserID).
	UserID string `json:"user_id"`
	// CPR is the Danish CPR number; zero for a holder without one. It is
	// never stored: a store keeps CPRAtRest, and the Service fills CPR in
	// from it at every read.
	CPR CPR `json:"-"`
	// CPRAtRest is the CPR number as stored: keyed hashes for lookups and
	// uniqueness, and a sealed copy (see IdentifierAtRest).
	CPRAtRest *IdentifierAtRest `json:"cpr_at_rest,omitempty"`
	// Document identifies a holder without a CPR number by the passport or
	// ID card they enrolled with (the P-code route).
	Document *IdentityDocument `json:"document,omitempty"`
	// BirthDate is from the CPR number or the identity document.
	BirthDate time.Time `json:"birth_date"`
	Name      string    `json:"name,omitempty"`

	Phone          string    `json:"phone,omitempty"` // E.164
	PhoneChangedAt time.Time `json:"phone_changed_at,omitzero"`
	Email          string    `json:"email,omitempty"`
	Channels       []Channel `json:"channels,omitempty"`
	Language       Language  `json:"language"`
	// NotifyEveryUse asks for a notification at every use, not only at
	// important events (mitid.dk: MitID security in general).
	NotifyEveryUse bool `json:"notify_every_use,omitempty"`

	// IAL is the identity assurance level reached at enrolment.
	IAL Level `json:"ial"`

	Status       UserStatus `json:"status"`
	BlockedUntil time.Time  `json:"blocked_until,omitzero"`
	BlockReason  string     `json:"block_reason,omitempty"`
	CreatedAt    time.Time  `json:"created_at"`

	Authenticators []Authenticator `json:"authenticators,omitempty"`
	// Codes are the activation codes, temporary PINs and P-codes issued,
	// as keyed hashes (see IssueCode).
	Codes []IssuedCode `json:"codes,omitempty"`
	// CodesSent are the times codes were sent to the person by SMS within
	// the last 24 hours, at most Policy.SMSCodesPerDay (see IssueCode): the
	// codes themselves go when their successor comes, so the count lives
	// here.
	CodesSent []time.Time `json:"codes_sent,omitempty"`
	// Failures counts wrong secret comparisons across the account since its
	// last completed login (NIST SP 800-63B §5.2.2 caps them; see
	// throttle.go).
	Failures int `json:"failures,omitempty"`

	// FreeCodeDevices counts the free code displays and audio code readers
	// ordered (Policy.FreeCodeDevices are free; a cancelled free order
	// gives its place back). It lives here so concurrent orders count it
	// atomically.
	FreeCodeDevices int `json:"free_code_devices,omitempty"`
	// WitnessActs are the acts of this person as a witness at Citizen
	// Service (at most Policy.WitnessMaxActs in any Policy.WitnessActsWindow).
	WitnessActs []WitnessAct `json:"witness_acts,omitempty"`
	// PasswordChangeFrom is when a requested password change becomes
	// possible (RequestPasswordChange); zero when none is requested.
	PasswordChangeFrom time.Time `json:"password_change_from,omitzero"`
	// QuestionFailures are the times control questions were answered wrong
	// at Citizen Service; at Policy.ControlQuestionAttempts within
	// Policy.ControlQuestionLockout no visit offers questions.
	QuestionFailures []time.Time `json:"question_failures,omitempty"`
	// DueEmitted marks the time-driven events emitted (see RunDue), so
	// each is emitted once.
	DueEmitted []string `json:"due_emitted,omitempty"`
	// Logins are the logins finished lately (see FinishedLogin).
	Logins []FinishedLogin `json:"logins,omitempty"`
}

// IdentityDocument is the passport or ID card of a holder without a CPR
// number.
type IdentityDocument struct {
	Country string `json:"country"` // issuing state, ICAO three-letter code
	// Number is the document number; like User.CPR it is never stored,
	// only NumberAtRest (its hashes and sealed copy, of "country:number").
	Number       string            `json:"-"`
	NumberAtRest *IdentifierAtRest `json:"number_at_rest,omitempty"`
	Expires      time.Time         `json:"expires,omitzero"`
	// Nationality and Holder (the name as the MRZ writes it) identify the
	// person across renewed documents; with the birth date they are a
	// unique key, so a new passport does not make a second MitID.
	Nationality string `json:"nationality,omitempty"`
	Holder      string `json:"holder,omitempty"`
}

// Clone returns a deep copy: changing the copy never changes u. Stores hand
// the update function a clone, so a function that fails leaves no trace.
//
// Clone runs twice in every update, so it is built for few allocations: the
// byte slices of all authenticators are copied into one backing array (each
// capped to its length, so an append never writes into its neighbour).
func (u *User) Clone() *User {
	c, auths := newUser(len(u.Authenticators))
	*c = *u
	if u.Document != nil {
		d := *u.Document
		d.NumberAtRest = d.NumberAtRest.clone()
		c.Document = &d
	}
	c.CPRAtRest = u.CPRAtRest.clone()
	c.Channels = slices.Clone(u.Channels)
	c.WitnessActs = slices.Clone(u.WitnessActs)
	c.DueEmitted = slices.Clone(u.DueEmitted)
	c.QuestionFailures = slices.Clone(u.QuestionFailures)
	c.CodesSent = slices.Clone(u.CodesSent)
	c.Logins = slices.Clone(u.Logins)
	for i := range c.Logins {
		c.Logins[i].Authenticators = slices.Clone(c.Logins[i].Authenticators)
	}
	if u.Codes != nil {
		c.Codes = make([]IssuedCode, len(u.Codes))
		for i, code := range u.Codes {
			code.Hash.Sum = slices.Clone(code.Hash.Sum)
			c.Codes[i] = code
		}
	}
	if u.Authenticators != nil {
		size := 0
		for i := range u.Authenticators {
			size += u.Authenticators[i].secretBytes()
		}
		arena := make([]byte, 0, size)
		c.Authenticators = auths
		for i := range u.Authenticators {
			c.Authenticators[i] = u.Authenticators[i].cloneInto(&arena)
		}
	}
	return c
}

// CloneFor returns a copy of u for a change confined to u's own fields and
// its authenticator auth, and that authenticator in the copy. Those are the
// copy's own, deeply: changing them never changes u. Everything else the
// copy reaches (the other authenticators' secrets, Document, Channels,
// Codes) is shared with u and must not be changed; appending to a shared
// slice reallocates, so it is safe. The copy's Authenticators is its own
// array, so replacing an element there is safe too.
//
// It is what a store hands to an UpdateAuthenticator function: an
// authentication attempt changes one authenticator and the account's
// counters, and a full Clone of every authenticator's secrets would be a
// large part of its cost. It fails as Authenticator does when u has no
// authenticator auth.
func (u *User) CloneFor(auth uuid.UUID) (*User, *Authenticator, error) {
	i := 0
	for i < len(u.Authenticators) && u.Authenticators[i].ID != auth {
		i++
	}
	if i == len(u.Authenticators) {
		_, err := u.Authenticator(auth)
		return nil, nil, err
	}
	c, auths := newUser(len(u.Authenticators))
	*c = *u
	copy(auths, u.Authenticators)
	c.Authenticators = auths
	c.Channels = u.Channels[:len(u.Channels):len(u.Channels)]
	c.Codes = u.Codes[:len(u.Codes):len(u.Codes)]
	c.WitnessActs = u.WitnessActs[:len(u.WitnessActs):len(u.WitnessActs)]
	c.DueEmitted = u.DueEmitted[:len(u.DueEmitted):len(u.DueEmitted)]
	c.QuestionFailures = u.QuestionFailures[:len(u.QuestionFailures):len(u.QuestionFailures)]
	c.CodesSent = u.CodesSent[:len(u.CodesSent):len(u.CodesSent)]
	c.Logins = u.Logins[:len(u.Logins):len(u.Logins)]
	arena := make([]byte, 0, auths[i].secretBytes())
	auths[i] = auths[i].cloneInto(&arena)
	return c, &auths[i], nil
}

// newUser allocates a User and room for n authenticators, in one block for
// the few authenticators a person has: a store copies a user at every
// update, and each allocation saved there is a fraction of every login.
func newUser(n int) (*User, []Authenticator) {
	switch n {
	case 0:
		return new(User), []Authenticator{}
	case 1:
		b := new(struct {
			u User
			a [1]Authenticator
		})
		return &b.u, b.a[:]
	case 2:
		b := new(struct {
			u User
			a [2]Authenticator
		})
		return &b.u, b.a[:]
	case 3:
		b := new(struct {
			u User
			a [3]Authenticator
		})
		return &b.u, b.a[:]
	case 4:
		b := new(struct {
			u User
			a [4]Authenticator
		})
		return &b.u, b.a[:]
	}
	return new(User), make([]Authenticator, n)
}

// UniqueKey is a value that at most one user may hold across a store: a user
// ID, a CPR number, a chip credential ID. Stores index them and refuse a
// commit that would give one to a second user.
type UniqueKey struct {
	Kind  string
	Value string
}

// The kinds of unique key.
const (
	KeyUserID     = "user_id"
	KeyCPR        = "cpr"
	KeyCredential = "credential"
	KeyDocument   = "document"
	KeyPerson     = "person"
)

// UniqueKeys returns every unique key u holds. A chip keeps its credential
// bound while it can come back into use; once blocked or replaced it lets go,
// so the chip can be added again as a new authenticator.
func (u *User) UniqueKeys() []UniqueKey {
	keys := []UniqueKey{{KeyUserID, u.UserID}}
	if u.CPRAtRest != nil {
		for _, k := range u.CPRAtRest.Keys {
			keys = append(keys, UniqueKey{KeyCPR, k})
		}
	}
	if d := u.Document; d != nil {
		if d.NumberAtRest != nil {
			for _, k := range d.NumberAtRest.Keys {
				keys = append(keys, UniqueKey{KeyDocument, k})
			}
		}
		if d.Holder != "" && d.Nationality != "" {
			keys = append(keys, UniqueKey{KeyPerson, d.Nationality + ":" + u.BirthDate.Format("20060102") + ":" + d.Holder})
		}
	}
	for _, a := range u.Authenticators {
		if len(a.CredentialID) > 0 && !a.State.Final() {
			keys = append(keys, UniqueKey{KeyCredential, base64.RawURLEncoding.EncodeToString(a.CredentialID)})
		}
	}
	return keys
}

// ConflictError returns the error a store reports when committing would give
// unique key k to a second user, in the words a person reads.
func ConflictError(k UniqueKey) error {
	switch k.Kind {
	case KeyUserID:
		return errorf(CodeUserIDTaken, "the user ID %q is taken; choose another", k.Value)
	case KeyCPR:
		return errorf(CodeCPRTaken, "a MitID already exists for this CPR number; log in with it or contact MitID support")
	case KeyCredential:
		return errorf(CodeCredentialTaken, "this chip is already registered to another MitID; block it there first")
	}
	return errorf(CodeDocumentTaken, "a MitID already exists for this person or identity document; log in with it or contact MitID support")
}

// KeyChanges returns the unique keys u holds that old did not (added) and
// those old held that u does not (removed): what a store must take and
// release when it commits u over old. Most updates change no key; they cost
// no allocation here.
func (u *User) KeyChanges(old *User) (added, removed []UniqueKey) {
	if u.SameUniqueKeys(old) {
		return nil, nil
	}
	now, before := u.UniqueKeys(), old.UniqueKeys()
	return keysNotIn(now, before), keysNotIn(before, now)
}

// keysNotIn returns the keys of a that are not in b.
func keysNotIn(a, b []UniqueKey) []UniqueKey {
	var out []UniqueKey
	for _, k := range a {
		if !slices.Contains(b, k) {
			out = append(out, k)
		}
	}
	return out
}

// SameUniqueKeys reports whether u and o hold the same unique keys, without
// building them: stores call it to skip the unique-key bookkeeping of the
// many updates that change none.
func (u *User) SameUniqueKeys(o *User) bool {
	if u.UserID != o.UserID || !sameAtRest(u.CPRAtRest, o.CPRAtRest) || (u.Document == nil) != (o.Document == nil) ||
		(u.Document != nil && *u.Document != *o.Document) || !u.BirthDate.Equal(o.BirthDate) ||
		len(u.Authenticators) != len(o.Authenticators) {
		return false
	}
	for i := range u.Authenticators {
		a, b := &u.Authenticators[i], &o.Authenticators[i]
		if a.State.Final() != b.State.Final() || string(a.CredentialID) != string(b.CredentialID) {
			return false
		}
	}
	return true
}

// sameAtRest reports whether a and b hold the same hashes.
func sameAtRest(a, b *IdentifierAtRest) bool {
	if a == nil || b == nil {
		return a == b
	}
	return slices.Equal(a.Keys, b.Keys)
}

// Authenticator returns the authenticator with the given ID.
func (u *User) Authenticator(id uuid.UUID) (*Authenticator, error) {
	for i := range u.Authenticators {
		if u.Authenticators[i].ID == id {
			return &u.Authenticators[i], nil
		}
	}
	return nil, errorf(CodeAuthenticatorNotFound, "this MitID has no authenticator %s", id)
}

// Usable returns nil when the MitID can be used at now, or an error saying
// it is blocked and until when.
func (u *User) Usable(now time.Time) error {
	if u.Status != UserBlocked {
		return nil
	}
	if !u.BlockedUntil.IsZero() && !now.Before(u.BlockedUntil) {
		return nil
	}
	e := errorf(CodeUserBlocked, "this MitID is temporarily blocked")
	if !u.BlockedUntil.IsZero() {
		e.endsAt(u.BlockedUntil)
	} else {
		e.Message += "; contact MitID support or Citizen Service to lift the block"
	}
	return e
}

// inUse counts the authenticators of group g in use at now, other than
// except.
func (u *User) inUse(g Group, now time.Time, except uuid.UUID) int {
	n := 0
	for i := range u.Authenticators {
		a := &u.Authenticators[i]
		if a.ID != except && a.Kind.Group() == g && a.EffectiveState(now).InUse() {
			n++
		}
	}
	return n
}

// checkLimit reports ErrLimit when one more authenticator of kind k in use
// would exceed the policy's limit for its group.
func (u *User) checkLimit(p *Policy, k Kind, now time.Time, except uuid.UUID) error {
	limit := p.Limit(k.Group())
	if u.inUse(k.Group(), now, except) < limit {
		return nil
	}
	switch k.Group() {
	case GroupCodeDevice:
		return errorf(CodeAuthenticatorLimit,
			"you can have only %d code display or audio code reader in use; block or replace the one you have first", limit)
	case GroupApp:
		return errorf(CodeAuthenticatorLimit, "you can have at most %d MitID apps; remove one first", limit)
	}
	return errorf(CodeAuthenticatorLimit, "you can have only %d %s in use; block the one you have first", limit, k)
}

// AddAuthenticator adds a to u in its starting state, which must be Ordered,
// PendingActivation, WaitingForAccess or Active; a new Active one must fit
// the per-kind limit. It returns the event to record.
func (u *User) AddAuthenticator(p *Policy, a Authenticator, now time.Time) (Event, error) {
	if !a.Kind.Valid() {
		return Event{}, errorf(CodeTransitionForbidden, "unknown authenticator kind %q", a.Kind)
	}
	if a.ID == uuid.Nil {
		return Event{}, errorf(CodeTransitionForbidden, "the new authenticator needs an ID")
	}
	if _, err := u.Authenticator(a.ID); err == nil {
		return Event{}, errorf(CodeTransitionForbidden, "this MitID already has an authenticator %s", a.ID)
	}
	switch a.State {
	case StateOrdered, StatePendingActivation, StateWaitingForAccess:
	case StateActive:
		// Only a password starts active: it is created, not proven. A
		// device or an app becomes active through activation (Transition),
		// after its proof.
		if a.Kind != KindPassword || a.Password == nil {
			return Event{}, errorf(CodeTransitionForbidden, "a new %s starts pending activation; activation makes it active", a.Kind)
		}
		if err := u.checkLimit(p, a.Kind, now, uuid.Nil); err != nil {
			return Event{}, err
		}
		a.ActivatedAt = now
	default:
		return Event{}, errorf(CodeTransitionForbidden, "a new %s cannot start %s", a.Kind, a.State)
	}
	a.CreatedAt, a.StateChangedAt = now, now
	u.Authenticators = append(u.Authenticators, a)
	return Event{Type: EventAuthenticatorAdded, Authenticator: a.ID, Kind: a.Kind, To: a.State, Until: a.WaitUntil}, nil
}

// TransitionOptions qualify a state change.
type TransitionOptions struct {
	// Until ends a suspension (zero: until lifted).
	Until time.Time
	// Reason is recorded on the authenticator and in the event.
	Reason string
	// Replaces names an authenticator that the one being activated replaces;
	// it moves to Replaced in the same change, so the limit counts the new
	// one only.
	Replaces uuid.UUID
}

// Transition moves authenticator id to state to, if the transition table
// allows it, the waiting period has passed and the per-kind limit holds. It
// returns the events to record (two when a replacement happens).
func (u *User) Transition(p *Policy, id uuid.UUID, to State, now time.Time, opt TransitionOptions) ([]Event, error) {
	a, err := u.Authenticator(id)
	if err != nil {
		return nil, err
	}
	from := a.EffectiveState(now)
	if from == StateActive && a.State == StateSuspended {
		// The suspension ran out; make that explicit before moving on.
		a.State, a.SuspendedUntil = StateActive, time.Time{}
	}
	if !CanTransition(from, to) {
		return nil, forbiddenTransition(a, from, to)
	}
	if to == StateActive {
		// Nothing becomes usable without the secret it is verified
		// against: it could not be checked, or a check could be skipped.
		if err := a.missingSecret(); err != nil {
			return nil, err
		}
	}
	if from == StateWaitingForAccess && to == StateActive && now.Before(a.WaitUntil) {
		e := errorf(CodeWaitingPeriod, "you can activate your %s from %s, when the waiting period ends",
			a.Kind, a.WaitUntil.UTC().Format(time.RFC3339))
		e.Until = a.WaitUntil
		return nil, e
	}
	var events []Event
	if opt.Replaces != uuid.Nil {
		if to != StateActive {
			return nil, errorf(CodeTransitionForbidden, "only an activation can replace another authenticator")
		}
		old, err := u.Authenticator(opt.Replaces)
		if err != nil {
			return nil, err
		}
		if old.Kind.Group() != a.Kind.Group() || old.ID == a.ID {
			return nil, errorf(CodeTransitionForbidden, "a %s cannot replace a %s", a.Kind, old.Kind)
		}
		oldFrom := old.EffectiveState(now)
		if !CanTransition(oldFrom, StateReplaced) {
			return nil, forbiddenTransition(old, oldFrom, StateReplaced)
		}
		old.State, old.StateChangedAt, old.ReplacedBy, old.SuspendedUntil = StateReplaced, now, a.ID, time.Time{}
		old.Reason = opt.Reason
		events = append(events, Event{Type: EventAuthenticatorState, Authenticator: old.ID, Kind: old.Kind,
			From: oldFrom, To: StateReplaced, Reason: opt.Reason})
	}
	if to.InUse() && !from.InUse() {
		if err := u.checkLimit(p, a.Kind, now, a.ID); err != nil {
			return nil, err
		}
	}
	switch to {
	case StateSuspended:
		a.SuspendedUntil = opt.Until
	case StateActive:
		a.SuspendedUntil = time.Time{}
		if a.ActivatedAt.IsZero() {
			a.ActivatedAt = now
		}
		a.Failures = 0
	case StateWaitingForAccess:
		a.WaitUntil = opt.Until
	}
	a.State, a.StateChangedAt, a.Reason, a.Throttled = to, now, opt.Reason, false
	events = append(events, Event{Type: EventAuthenticatorState, Authenticator: a.ID, Kind: a.Kind,
		From: from, To: to, Until: opt.Until, Reason: opt.Reason})
	return events, nil
}

func forbiddenTransition(a *Authenticator, from, to State) *Error {
	if from.Final() {
		if err := a.usable(time.Time{}); err != nil {
			var e *Error
			if errors.As(err, &e) {
				return e
			}
		}
	}
	return errorf(CodeTransitionForbidden, "a %s that is %s cannot become %s", a.Kind, from, to)
}

// String gives a one-line description for logs.
func (u *User) String() string {
	return fmt.Sprintf("MitID %s (user ID %q, %s)", u.ID, u.UserID, u.Status)
}
