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

	"github.com/go-mitid/mitid/chip/credential"
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
// A decoy takes the shape of a person with at most one device of each
// kind (decoyShapes), the audio code reader and the chip included, and
// answers every step a stranger can take as such a person's login answers
// one who lacks the device: a code through the decoy code device
// (decoyCompare), an app's approval against the decoy app key, and a
// chip's login by holding the password, unchecked, and asking for a decoy
// chip through the same ChipVerifier (decoyChip), whose answers it checks
// and refuses as a real chip's step does.
//
// What a stranger can still tell apart, and why it stays: a MitID that is
// blocked, or whose identity level is below the level asked for, or that
// has no authenticator for it (a holder of only a chip, on a Service
// without Config.Chip), is refused at once with the reason, because its
// holder must learn why they cannot log in; a decoy forgets its wrong
// codes when a new login starts, where a real code display stays
// suspended. Rarer shapes are not mimicked: several apps (up to three)
// or code devices show several options, a suspended device shows a closed
// one, and a chip added before a code device is listed before it; and the
// decoys' shapes are spread evenly, not as the population's are. A decoy's
// shape and chip follow the key ring's primary key, so they change when
// it is rotated, where a real person's stay. A decoy chip's credential ID
// is as long as package chiptest's (60 bytes) and it reports one transport:
// a real chip whose key handle is longer, or that reported several, shows
// more.

// decoyShapes are the option lists a decoy login shows: those a person
// with at most one device of each kind has (one app, one code display or
// audio code reader, one chip, with the password the latter need; see
// Service.options, which lists them in this order); each is cut to the
// methods that reach the level. A Service without Config.Chip shows no
// chip method (see decoyShapesFor).
var decoyShapes = [][]Method{
	{MethodApp},
	{MethodApp, MethodCodeDisplay},
	{MethodCodeDisplay},
	{MethodApp, MethodAppAndChip},
	{MethodAudioReader},
	{MethodApp, MethodAudioReader},
	{MethodChip},
	{MethodCodeDisplay, MethodChip},
	{MethodAudioReader, MethodChip},
	{MethodApp, MethodAppAndChip, MethodChip},
	{MethodApp, MethodAppAndChip, MethodCodeDisplay, MethodChip},
	{MethodApp, MethodAppAndChip, MethodAudioReader, MethodChip},
}

// decoyShapesFor is decoyShapes as a Service shows them: without a chip
// verifier (chips false) a real login lists no chip method (its password
// step could not ready the chip; see Service.options), so neither does a
// decoy, and a shape that is a chip alone is dropped: a real holder of
// only a chip is refused then, for want of an authenticator.
func decoyShapesFor(chips bool) [][]Method {
	if chips {
		return decoyShapes
	}
	var out [][]Method
	for _, shape := range decoyShapes {
		var cut []Method
		for _, m := range shape {
			if m != MethodChip {
				cut = append(cut, m)
			}
		}
		if len(cut) > 0 {
			out = append(out, cut)
		}
	}
	return out
}

// decoy reports whether st is a decoy login (see above).
func (st *loginState) decoy() bool { return st.User == uuid.Nil }

// decoyRefs are the options of a decoy login for the normalised user ID
// uid at level, appended to refs: their shape is fixed by a keyed hash of
// uid, so asking twice gives the same answer. An option with a chip names
// the decoy chip of uid (see decoyChip), as a real one names the person's.
func (s *Service) decoyRefs(uid string, level Level, refs []optionRef) []optionRef {
	h := s.keys.Hash("decoy-login", []byte(uid))
	shape := s.decoyShapes[int(h.Sum[0])%len(s.decoyShapes)]
	chip := uuid.UUID(h.Sum[16:32])
	for _, m := range shape {
		if AuthenticationLevel(m.Kinds()) >= level {
			refs = append(refs, decoyRef(m, chip))
		}
	}
	if len(refs) == 0 {
		refs = append(refs, decoyRef(MethodAppAndChip, chip))
	}
	return refs
}

// decoyRef is a decoy's option of method m, with chip as its chip where
// it has one (where usedBy looks for it).
func decoyRef(m Method, chip uuid.UUID) optionRef {
	switch m {
	case MethodChip:
		return optionRef{Method: m, Device: chip}
	case MethodAppAndChip:
		return optionRef{Method: m, Chip: chip}
	}
	return optionRef{Method: m}
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
// (decoyCompare) and may refuse it as malformed. Each refusal comes where
// a real login's would, in the same order: an app's approval is refused
// by its precheck, before anything else is asked (SubmitApproval); a code
// first meets the client limiter (Config.Clients), then the device's
// suspension, then the code's form, as a real login's attempt does
// (loginAttempt, decideAttempt), and the limiter is told of a wrong one.
// Otherwise a client limited once, or a login suspended, would be answered
// one way at every real user ID and another at every other. A chip's
// answer is decoyChipAnswer's.
func (s *Service) decoyStep(ctx context.Context, id string, version int64, st *loginState, want Step, now time.Time, compare func() error) (*Login, error) {
	if want == StepApproval {
		return nil, errApprovalUnverified()
	}
	if err := s.allowClient(ctx); err != nil {
		return nil, err
	}
	kind := st.Options[st.Choice].Method.Kinds()[0]
	// The same errors a real device gives, made by the same functions, so
	// that a decoy cannot be told apart by its words; and at the same cost:
	// a device its wrong codes suspended refuses the next without reading
	// it, counting or committing anything, so the decoy does none of that
	// either.
	if st.Rejected >= s.policy.WrongCodeLimit {
		return nil, errSuspended(kind)
	}
	if compare != nil {
		if err := compare(); err != nil {
			return nil, err // malformed: a real device counts nothing, nor does the limiter
		}
	}
	st.Rejected++
	if _, err := s.replaceSession(ctx, id, version, now, st.marshal()); err != nil && !errors.Is(err, ErrConflict) {
		return nil, err
	}
	out := errWrongCode(kind)
	s.tellClient(ctx, out)
	return nil, out
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
// dearest comparison (tens of microseconds). A decoy refuses whatever the
// comparison says; it is there so that the refusal costs the work a real
// one does. A code that is not a
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

// decoyChipIDLen is the length of a decoy chip's credential ID: that of a
// U2F key handle sealing a P-256 key with AES-256-GCM (nonce, key, tag),
// as package chiptest's chip makes them.
const decoyChipIDLen = 12 + 32 + 16

// decoyChip is the chip a decoy login's chip option asks for, id being
// the chip its option names (decoyRefs): the user handle and credential
// the Service's ChipVerifier issues its challenge for and checks the
// answer against, as it does for a real person's chip (prepareChip,
// chipFactor), so that a stranger's answer is refused in the same words
// at the same cost. Its credential ID comes from a keyed hash of id, so
// the same user ID is asked for the same chip each time; its public key
// is the Service's own (newDecoyChipKey), whose private half nobody has.
func (s *Service) decoyChip(id uuid.UUID) (credential.User, credential.Credential) {
	a := s.keys.Hash("decoy-chip-id", id[:]).Sum
	b := s.keys.Hash("decoy-chip-id-more", id[:]).Sum
	transports := [...]string{credential.TransportUSB, credential.TransportNFC, credential.TransportBLE}
	return credential.User{ID: id[:], Name: "decoy"}, credential.Credential{
		ID:         append(a, b...)[:decoyChipIDLen],
		PublicKey:  s.decoyChipKey,
		Format:     credential.FormatFIDOU2F,
		AAGUID:     make([]byte, 16),
		Transports: []string{transports[int(b[len(b)-1])%len(transports)]},
	}
}

// newDecoyChipKey makes the public key of the decoy chips (decoyChip), as
// a chip's credential stores it (a COSE_Key, ES256 on P-256); the private
// key is dropped, so no answer ever verifies.
func newDecoyChipKey(r io.Reader) ([]byte, error) {
	k, err := ecdsa.GenerateKey(elliptic.P256(), r)
	if err != nil {
		return nil, NewError(CodeConfigInvalid, err, "the random source failed")
	}
	point, err := k.PublicKey.Bytes() // 0x04 || X || Y
	if err != nil {
		return nil, NewError(CodeConfigInvalid, err, "the decoy chip key")
	}
	// {1: 2 (EC2), 3: -7 (ES256), -1: 1 (P-256), -2: X, -3: Y}, in the
	// canonical CBOR a chip's registration is stored in.
	cose := append([]byte{0xa5, 0x01, 0x02, 0x03, 0x26, 0x20, 0x01, 0x21, 0x58, 0x20}, point[1:33]...)
	cose = append(cose, 0x22, 0x58, 0x20)
	return append(cose, point[33:65]...), nil
}
