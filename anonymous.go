package mitid

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/x509"
	"errors"
	"io"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/go-mitid/mitid/codedisplay"
)

// Nothing about an account before its first factor. Until a factor has
// been given, anyone may be at the keyboard, so a login shows the kinds of
// authenticator it can use and nothing more: no labels, no internal IDs, no
// suspension end times, in its view and in its refusals. A user ID that
// matches no MitID gets a decoy login of the same shape, made at the same
// cost (a lookup and a session), which no factor ever completes; so the
// answer to a user ID does not tell a stranger whether it exists.
//
// What a stranger can still tell apart, and why it stays: a MitID that is
// blocked, or whose identity level is below the level asked for, or that
// has no authenticator for it, is refused at once with the reason, because
// its holder must learn why they cannot log in; and a decoy forgets its
// wrong codes when a new login starts, where a real code display stays
// suspended.

// decoyShapes are the option lists a decoy login shows, as real MitIDs
// most often have them; each is cut to the methods that reach the level.
var decoyShapes = [][]Method{
	{MethodApp},
	{MethodApp, MethodCodeDisplay},
	{MethodCodeDisplay},
	{MethodApp, MethodAppAndChip},
}

// decoy reports whether st is a decoy login (see above).
func (st *loginState) decoy() bool { return st.User == uuid.Nil }

// decoyRefs are the options of a decoy login for the normalised user ID
// uid at level, appended to refs: their shape is fixed by a keyed hash of
// uid, so asking twice gives the same answer.
func (s *Service) decoyRefs(uid string, level Level, refs []optionRef) []optionRef {
	h := s.keys.Hash("decoy-login", []byte(uid))
	shape := decoyShapes[int(h.Sum[0])%len(decoyShapes)]
	for _, m := range shape {
		if AuthenticationLevel(m.Kinds()) >= level {
			refs = append(refs, optionRef{Method: m})
		}
	}
	if len(refs) == 0 {
		refs = append(refs, optionRef{Method: MethodAppAndChip})
	}
	return refs
}

// decoyOptions is the view of a decoy's options.
func decoyOptions(refs []optionRef) []LoginOption {
	opts := make([]LoginOption, len(refs))
	for i, ref := range refs {
		kinds := ref.Method.Kinds()
		opts[i] = LoginOption{Method: ref.Method, Kind: kinds[0], AAL: AuthenticationLevel(kinds), Usable: true}
	}
	return opts
}

// decoyStep answers a factor given to a decoy login as a wrong one would
// be answered, counting wrong codes in the login as a device would.
// compare, when not nil, compares a code as a real device would
// (decoyCompare) and may refuse it as malformed. The client limiter
// (Config.Clients) is asked first and told of the outcome, as a real
// login's attempt asks and tells it (loginAttempt): otherwise a client
// limited once would be refused at every real user ID and answered at
// every other.
func (s *Service) decoyStep(ctx context.Context, id string, version int64, st *loginState, want Step, now time.Time, compare func() error) (*Login, error) {
	if err := s.allowClient(ctx); err != nil {
		return nil, err
	}
	if compare != nil {
		if err := compare(); err != nil {
			return nil, err // malformed: a real device counts nothing, nor does the limiter
		}
	}
	l, err := s.decoyAnswer(ctx, id, version, st, want, now)
	s.tellClient(ctx, err)
	return l, err
}

// decoyAnswer is decoyStep's answer.
func (s *Service) decoyAnswer(ctx context.Context, id string, version int64, st *loginState, want Step, now time.Time) (*Login, error) {
	if want == StepApproval || want == StepChip {
		return nil, errApprovalUnverified()
	}
	kind := st.Options[st.Choice].Method.Kinds()[0]
	// The same errors a real device gives, made by the same functions, so
	// that a decoy cannot be told apart by its words; and at the same cost:
	// a device its wrong codes suspended refuses the next without counting
	// or committing anything, so the decoy writes nothing then either.
	if st.Rejected >= s.policy.WrongCodeLimit {
		return nil, errSuspended(kind)
	}
	st.Rejected++
	if _, err := s.replaceSession(ctx, id, version, now, st.marshal()); err != nil && !errors.Is(err, ErrConflict) {
		return nil, err
	}
	return nil, errWrongCode(kind)
}

// anonymous returns opts as a login shows them before its first factor:
// kinds, levels and whether each is open, nothing more.
func anonymous(opts []LoginOption) []LoginOption {
	out := make([]LoginOption, len(opts))
	for i, o := range opts {
		out[i] = LoginOption{Method: o.Method, Kind: o.Kind, AAL: o.AAL, Usable: o.Usable}
		if o.closed != nil {
			out[i].Reason = hideUntil(o.closed).(*Error).Message //nolint:errorlint // hideUntil returns a fresh *Error, never wrapped
		}
	}
	return out
}

// hideUntil returns err without the end of the suspension or block of the
// account or its authenticator that it reports, for a refusal before the
// first factor. Other ends (a client's own limit) stay.
func hideUntil(err error) error {
	var e *Error
	if !errors.As(err, &e) || e.Until.IsZero() {
		return err
	}
	switch e.Code {
	case CodeAuthenticatorSuspended, CodeAuthenticatorBlocked, CodeUserBlocked:
	default:
		return err
	}
	c := *e
	c.Message = strings.Replace(c.Message, untilText(e.Until), "", 1)
	c.Until = time.Time{}
	return &c
}

// newDecoyDevice makes the code device a decoy login compares a code
// against, as a real login compares it against the person's device (see
// decoyCompare): a seed of the Service's own, sealed as a device's is,
// whose codes nobody is shown.
func (s *Service) newDecoyDevice() (*Authenticator, error) {
	id, err := s.newID()
	if err != nil {
		return nil, err
	}
	seed := make([]byte, 20)
	if _, err := io.ReadFull(s.rand, seed); err != nil {
		return nil, NewError(CodeConfigInvalid, err, "the random source failed")
	}
	sealed, err := s.keys.Seal(s.rand, seed, seedAAD(id))
	clear(seed)
	if err != nil {
		return nil, err
	}
	return &Authenticator{ID: id, Kind: KindCodeDisplay, OTP: &OTPSecret{Seed: sealed, Algorithm: codedisplay.MitIDParams().Algorithm.String(),
		Digits: s.policy.OTPDigits, PeriodSeconds: int(s.policy.OTPPeriod / time.Second)}}, nil
}

// decoyCompare compares a code typed at decoy login st with match, as a
// real login's code is compared, against the Service's decoy device: twice
// at the first answer of a login that began with its code (a real login's
// first code is tried on the state BeginLogin left, then on a fresh read;
// see acceptedAsBegun), once after, and once in a login that came to its
// code by ChooseMethod (which drops what BeginLogin left). A decoy's
// options are all open, so it begins with its first (Choice 0) and has
// chosen another when Choice is not 0. The difference is worth keeping
// apart for a code pair, whose search over the device's drift is the
// dearest comparison (tens of microseconds). A decoy refuses whatever the comparison says; it is there so
// that the refusal costs the work a real one does. A code that is not a
// code at all (the wrong number of digits, a letter) is refused before
// any device is asked, for a real login and a decoy alike: a real one
// answers CodeCodeMalformed and counts nothing, and so must a decoy, or
// the answer to "x" would tell which user IDs exist. decoyCompare
// returns that refusal, and nil for any code of the right form.
func (s *Service) decoyCompare(st *loginState, match func(*Authenticator, time.Time) error, now time.Time) error {
	n := 1
	if st.Rejected == 0 && s.begun != nil && st.Choice == 0 {
		n = 2
	}
	var malformed error
	for range n {
		d := *s.decoyDevice
		otp := *d.OTP
		d.OTP = &otp
		if err := match(&d, now); ErrorCode(err) == CodeCodeMalformed {
			malformed = err
		}
	}
	return malformed
}

// newDecoyAppKey makes the app key a decoy login verifies approvals
// against, as a real login verifies them against the person's app, so
// that refusing one costs the same work; the private key is dropped, so
// no approval ever verifies.
func newDecoyAppKey(r io.Reader) ([]byte, error) {
	k, err := ecdsa.GenerateKey(elliptic.P256(), r)
	if err != nil {
		return nil, NewError(CodeConfigInvalid, err, "the random source failed")
	}
	der, err := x509.MarshalPKIXPublicKey(&k.PublicKey)
	if err != nil {
		return nil, NewError(CodeConfigInvalid, err, "the decoy app key")
	}
	return der, nil
}
