package mitid

import (
	"bytes"
	"context"
	"crypto/subtle"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"
	"golang.org/x/crypto/argon2"
	"golang.org/x/text/unicode/norm"

	"github.com/go-mitid/mitid/weakpassword"
)

// PasswordHash is an argon2id hash of a password with the parameters it was
// made with, so that a change of Policy.Argon2 applies to new passwords
// while old ones still verify.
type PasswordHash struct {
	Salt    []byte `json:"salt"`
	Hash    []byte `json:"hash"`
	Time    uint32 `json:"t"`
	Memory  uint32 `json:"m"` // KiB
	Threads uint8  `json:"p"`
	// NFKC is set on every hash made since passwords are normalised to
	// Unicode NFKC before hashing (NIST SP 800-63B §5.1.1.2), so that "å"
	// typed precomposed or as "a" and a combining ring is one password. A
	// hash made before (NFKC false) verifies the bytes as typed, as it was
	// made, so that no stored password stops working.
	NFKC bool `json:"nfkc,omitempty"`
}

// maxPasswordBytes bounds what is fed to argon2: a long password is fine,
// a megabyte is an attack on the server.
const maxPasswordBytes = 1024

// checkPassword applies the password rules to pw in NFKC, the form it is
// hashed in: at least PasswordMinLength characters (NIST SP 800-63B
// §5.1.1.2; mitid.dk), valid text, not a common or breached password, not
// a repetition or a sequence, not containing the user ID, the user's name,
// "MitID" or the CPR number (package weakpassword). NIST advises against
// composition rules, so there are none.
func (p *Policy) checkPassword(pw string, u *User) error {
	bad := func(format string, args ...any) error {
		return invalidField(CodePasswordInvalid, "password", format, args...)
	}
	if !utf8.ValidString(pw) {
		return bad("the password is not valid text")
	}
	if len(pw) <= maxPasswordBytes { // else refused below, without normalising a megabyte
		pw = norm.NFKC.String(pw)
	}
	switch n := utf8.RuneCountInString(pw); {
	case n < p.PasswordMinLength:
		return bad("the password has %d characters; use at least %d", n, p.PasswordMinLength)
	case len(pw) > maxPasswordBytes:
		return bad("the password is longer than %d bytes", maxPasswordBytes)
	}
	if err := weakPassword(pw, u); err != nil {
		return err
	}
	if err := errIdentifierUnreadable(u); err != nil {
		return err
	}
	if !u.CPR.IsZero() && strings.Contains(strings.NewReplacer("-", "", " ", "").Replace(pw), u.CPR.Digits()) {
		return bad("the password cannot contain your CPR number")
	}
	return nil
}

// weakPassword refuses a password that package weakpassword finds weak,
// with a message that tells the person what to choose instead. The message
// never quotes the password: errors get logged.
func weakPassword(pw string, u *User) error {
	var w *weakpassword.Weakness
	if !errors.As(weakpassword.Check(pw, u.UserID, u.Name, "mitid"), &w) {
		return nil
	}
	const instead = "choose a few words that are not about you, such as a short sentence only you would think of"
	var msg string
	switch w.Rule {
	case weakpassword.ContextWord:
		what := [...]string{"your user ID", "your name", "the word MitID"}[w.Context]
		msg = fmt.Sprintf("the password contains %s, which attackers try first; leave it out and %s", what, instead)
	case weakpassword.Common:
		msg = "the password is on a list of common and leaked passwords that attackers try first; " + instead
	case weakpassword.Repetition:
		msg = "the password repeats a few characters (like aaaaaaaa or abcabcabc); " + instead
	default: // weakpassword.Sequence
		msg = "the password is a sequence of neighbouring characters (like 12345678, abcdefgh or qwertyui); " + instead
	}
	return invalidField(CodePasswordInvalid, "password", "%s", msg)
}

// hashPassword hashes pw in NFKC with argon2id under the policy's
// parameters and a fresh salt.
func hashPassword(a Argon2Params, rand io.Reader, pw string) (*PasswordHash, error) {
	salt := make([]byte, a.SaltLen)
	if _, err := io.ReadFull(rand, salt); err != nil {
		return nil, fmt.Errorf("password: reading randomness: %w", err)
	}
	return &PasswordHash{
		Salt: salt, Time: a.Time, Memory: a.Memory, Threads: a.Threads, NFKC: true,
		Hash: argon2.IDKey([]byte(norm.NFKC.String(pw)), salt, a.Time, a.Memory, a.Threads, a.KeyLen),
	}, nil
}

// verify reports, in constant time, whether pw matches the hash: in NFKC
// for a hash made in NFKC, as typed for an older one.
func (h *PasswordHash) verify(pw string) bool {
	if h == nil || len(h.Hash) == 0 || len(pw) > maxPasswordBytes {
		return false
	}
	if h.NFKC {
		pw = norm.NFKC.String(pw)
	}
	got := argon2.IDKey([]byte(pw), h.Salt, h.Time, h.Memory, h.Threads, uint32(len(h.Hash))) //nolint:gosec // G115: a stored hash is KeyLen bytes (a uint32)
	return subtle.ConstantTimeCompare(got, h.Hash) == 1
}

// passwordAttempt applies a password check made before the update (argon2
// runs outside it) to the password authenticator a: the hash must still be
// the one checked, a wrong password counts as a failure, a right one resets
// the counts. It returns the events and the refusal, as an attempt wants.
func (s *Service) passwordAttempt(u *User, a *Authenticator, checked *PasswordHash, ok bool, now time.Time) ([]Event, error) {
	if a.Password == nil {
		return nil, errorf(CodeSecretUnreadable, "this password has no hash and cannot be verified; set it again")
	}
	if !a.Password.same(checked) {
		return nil, errorf(CodeConcurrentUpdate, "your password changed meanwhile; enter it again")
	}
	if !ok {
		e := errorf(CodeWrongPassword, "the password is wrong")
		return s.failed(u, a, now, e), refusal{e}
	}
	passed(a)
	return nil, nil
}

// firstPassword prepares the MitID password that comes with a user's first
// code device or chip: nil when the user has one already, else its hash
// and ID, made before the update so that no lock waits for argon2. what
// names the device for the message.
func (s *Service) firstPassword(u *User, password, what string) (*PasswordHash, uuid.UUID, error) {
	if activePassword(u, s.clock.Now()) != nil {
		return nil, uuid.Nil, nil
	}
	if password == "" {
		return nil, uuid.Nil, invalidField(CodePasswordInvalid, "password", "create a password: you will enter it with the %s at every use", what)
	}
	if err := s.policy.checkPassword(password, u); err != nil {
		return nil, uuid.Nil, err
	}
	h, err := s.hashNew(password)
	if err != nil {
		return nil, uuid.Nil, err
	}
	id, err := s.newID()
	return h, id, err
}

// addFirstPassword adds the password made by firstPassword, unless one
// appeared meanwhile.
func (s *Service) addFirstPassword(u *User, h *PasswordHash, id uuid.UUID, now time.Time) ([]Event, error) {
	if h == nil || activePassword(u, now) != nil {
		return nil, nil
	}
	ev, err := u.AddAuthenticator(&s.policy, Authenticator{ID: id, Kind: KindPassword, State: StateActive, Password: h}, now)
	return []Event{ev}, err
}

// same reports whether h and o are the same stored hash (not whether they
// hash the same password).
func (h *PasswordHash) same(o *PasswordHash) bool {
	return h != nil && o != nil && bytes.Equal(h.Salt, o.Salt) && bytes.Equal(h.Hash, o.Hash)
}

// SetPassword creates the user's MitID password when there is none (the
// password goes with a code display, an audio code reader or a chip). To
// replace a password, use ChangePassword. It takes no proof: the caller
// must have identified the person (a clerk of Citizen Service, or a
// session of the person's own), for whoever sets the first password holds
// it.
func (s *Service) SetPassword(ctx context.Context, user uuid.UUID, password string) (*User, []Event, error) {
	u, err := s.store.User(ctx, user)
	if err != nil {
		return nil, nil, err
	}
	if activePassword(u, s.clock.Now()) != nil {
		// Refused before argon2id, and again in the update (one may
		// have appeared meanwhile).
		return nil, nil, errHasPassword()
	}
	if err := s.policy.checkPassword(password, u); err != nil {
		return nil, nil, err
	}
	h, err := s.hashNew(password)
	if err != nil {
		return nil, nil, err
	}
	return s.register(ctx, user, Authenticator{Kind: KindPassword, State: StateActive, Password: h}, func(u *User, now time.Time) error {
		if activePassword(u, now) != nil {
			return errHasPassword()
		}
		return nil
	})
}

// errHasPassword refuses a second password.
func errHasPassword() error {
	return errorf(CodeTransitionForbidden, "you have a password already; change it instead")
}

// ChangePassword replaces the password, for the person logged in (login,
// the ID of a login of theirs whose factors are all in, which the change
// uses up, as in RequestPasswordChange) who also gives the current one. A
// wrong current password counts as a failed attempt, as a password after
// another factor does at login, and leaves the login to try again with.
// The change is notified.
//
// The login comes first: without it anyone who knew the person's internal
// ID (which every relying party is given) could guess at the password, 90
// times between two completed logins, and suspend it with three wrong
// ones, where throttle.go promises a stranger never reaches the password.
// A made-up login, or another person's, is refused before argon2id runs.
func (s *Service) ChangePassword(ctx context.Context, user uuid.UUID, login, current, next string) (*User, []Event, error) {
	u, err := s.store.User(ctx, user)
	if err != nil {
		return nil, nil, err
	}
	now := s.clock.Now()
	pw := activePassword(u, now)
	if pw == nil {
		return nil, nil, errorf(CodeAuthenticatorNotFound, "you have no password yet; create one")
	}
	// Whatever would be refused without comparing is refused before
	// argon2id runs.
	if err := u.Usable(now); err != nil {
		return nil, nil, err
	}
	if err := pw.usable(now); err != nil {
		return nil, nil, err
	}
	if err := s.loginProvable(ctx, login, u, now); err != nil {
		return nil, nil, err
	}
	if err := s.budget(u, reachPossession); err != nil {
		return nil, nil, err
	}
	if err := s.allowClient(ctx); err != nil {
		return nil, nil, err
	}
	checked := pw.Password
	ok, err := s.checkHash(checked, current)
	if err != nil {
		return nil, nil, err
	}
	var h *PasswordHash
	if ok {
		if err := s.policy.checkPassword(next, u); err != nil {
			return nil, nil, err
		}
		if h, err = s.hashNew(next); err != nil {
			return nil, nil, err
		}
		// Used up by the change alone: a wrong current password leaves the
		// login to try again with, and counts, as after a login's code.
		if _, err := s.proveLogin(ctx, login, user, uuid.Nil, ""); err != nil {
			return nil, nil, err
		}
	}
	var events []Event
	u, err = s.attemptOn(ctx, user, pw.ID, reachPossession, nil, func(u *User, a *Authenticator, _ *loginState, now time.Time) ([]Event, error) {
		if evs, err := s.passwordAttempt(u, a, checked, ok, now); err != nil {
			return evs, err
		}
		a.Password = h
		events = []Event{{Type: EventPasswordChanged, Authenticator: a.ID, Kind: KindPassword}}
		return events, nil
	})
	if err != nil {
		return nil, nil, err
	}
	return u.Clone(), events, nil
}
