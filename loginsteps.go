package mitid

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"io"
	"slices"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"

	"github.com/go-mitid/mitid/app"
)

// The machinery behind the login steps of login.go: the state a login keeps
// in its session, the options offered, and how one step reads the login and
// its user, checks a factor and commits the attempt with the login's next
// state.

// loginState is what a login session remembers, in Session.Data (see
// loginstate.go for its encoding).
type loginState struct {
	User          uuid.UUID
	Action        Action
	Text          string
	Level         Level
	RelyingParty  string
	Options       []optionRef
	Choice        int // index in Options
	Done          int // factors completed
	Used          []uuid.UUID
	Rejected      int    // app approvals that did not verify
	Challenge     []byte // app approval
	ChipChallenge []byte // chip.Challenge, JSON
	ChipOptions   []byte
	ChipIssued    int64 // when ChipChallenge was issued, Unix nanoseconds
	// Password is the password of a chip login, sealed, held until the
	// chip has answered (see holdPassword).
	Password []byte
	// Finish is LoginRequest.FinishAtLastFactor: the step that gives the
	// last factor finishes the login too, unless the app gave it (see
	// finishesHere).
	Finish bool
	// Begun is the user ID a login was begun for by CreateLoginSession,
	// which stores the login before its user is read: until a read of the
	// user settles it (see settleBegun), it has no options, no choice and no
	// User, and Begun is set. Empty in every other state.
	Begun string

	// Room for the few options and factors a login has, so that decoding
	// a state, which every step does, allocates it in one piece.
	optionsBuf [2]optionRef
	usedBuf    [2]uuid.UUID
}

// optionRef is a LoginOption as the session stores it: which authenticators
// play which part.
type optionRef struct {
	Method   Method
	Device   uuid.UUID
	Chip     uuid.UUID
	Password uuid.UUID
}

const loginKind = "login"

// choose chooses the first usable of opts, st's options (the app first).
func choose(st *loginState, opts []LoginOption) error {
	st.Choice = -1
	for i, o := range opts {
		if o.Usable {
			st.Choice = i
			return nil
		}
	}
	// Say why the first way is closed, with its code.
	return hideUntil(opts[0].closed)
}

// startLogin chooses the first usable option of st (the app first), readies
// its first factor and stores the login. u is nil for a decoy.
func (s *Service) startLogin(ctx context.Context, u *User, st *loginState, opts []LoginOption, now time.Time) (*Login, error) {
	if err := choose(st, opts); err != nil {
		return nil, err
	}
	if err := s.prepareStep(u, st, now); err != nil {
		return nil, err
	}
	id, err := s.sessionID()
	if err != nil {
		return nil, err
	}
	// Nothing durable comes before a login's session: a crash that loses it
	// costs the person a new start, so the store need not wait for the disk.
	sess := &Session{ID: id, Kind: loginKind, User: st.User, CreatedAt: now, ExpiresAt: now.Add(s.policy.LoginSessionTTL), Disposable: true}
	sess.Data = st.marshal()
	if err := s.store.CreateSession(ctx, sess); err != nil {
		return nil, err
	}
	if u != nil && st.next() == StepCode {
		s.begun.put(sess, u, now) // see loginCache: only a right code uses it
	}
	return s.view(sess, st, opts), nil
}

// options lists the login options of u at now that reach level, and stores
// their references in refs.
func (s *Service) options(u *User, now time.Time, level Level, refs *[]optionRef) []LoginOption {
	pw := activePassword(u, now)
	var chip *Authenticator
	for i := range u.Authenticators {
		if a := &u.Authenticators[i]; a.Kind == KindChip && a.EffectiveState(now).InUse() {
			chip = a
		}
	}
	var out []LoginOption
	add := func(m Method, dev *Authenticator, ref optionRef) {
		aal := AuthenticationLevel(m.Kinds())
		if min(u.IAL, aal) < level {
			return
		}
		o := LoginOption{Method: m, Authenticator: dev.ID, Kind: dev.Kind, Label: dev.Label, AAL: aal, Usable: true}
		for _, id := range []uuid.UUID{ref.Device, ref.Chip, ref.Password} {
			if id == uuid.Nil {
				continue
			}
			a, _ := u.Authenticator(id)
			if err := a.usable(now); err != nil {
				o.closed = err.(*Error) //nolint:errorlint // usable always says why as a bare *Error
				o.Usable, o.Reason, o.Until = false, o.closed.Message, o.closed.Until
				break
			}
		}
		out = append(out, o)
		*refs = append(*refs, ref)
	}
	// The app first: MitID is primarily an app (mitid.dk: Questions and answers about MitID).
	for i := range u.Authenticators {
		if a := &u.Authenticators[i]; a.Kind == KindApp && a.EffectiveState(now).InUse() {
			add(MethodApp, a, optionRef{Method: MethodApp, Device: a.ID})
			if chip != nil {
				add(MethodAppAndChip, a, optionRef{Method: MethodAppAndChip, Device: a.ID, Chip: chip.ID})
			}
		}
	}
	if pw != nil {
		for i := range u.Authenticators {
			a := &u.Authenticators[i]
			if !a.EffectiveState(now).InUse() {
				continue
			}
			switch a.Kind {
			case KindCodeDisplay:
				add(MethodCodeDisplay, a, optionRef{Method: MethodCodeDisplay, Device: a.ID, Password: pw.ID})
			case KindAudioReader:
				add(MethodAudioReader, a, optionRef{Method: MethodAudioReader, Device: a.ID, Password: pw.ID})
			case KindChip:
				// Without a chip verifier the chip's step could not be
				// readied once the password is in, at which a stranger
				// could tell a chip's holder (decoys show no chip then;
				// see decoyShapesFor).
				if s.chip != nil {
					add(MethodChip, a, optionRef{Method: MethodChip, Device: a.ID, Password: pw.ID})
				}
			}
		}
	}
	return out
}

// sessionID returns a fresh unguessable session ID.
func (s *Service) sessionID() (string, error) {
	b := make([]byte, 32)
	if _, err := io.ReadFull(s.rand, b); err != nil {
		return "", NewError(CodeConfigInvalid, err, "the random source failed")
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}

// next returns the factor the login waits for.
func (st *loginState) next() Step {
	steps := st.Options[st.Choice].Method.steps()
	if st.Done >= len(steps) {
		return StepDone
	}
	return steps[st.Done]
}

// prepareStep readies what the next factor needs: a fresh challenge for the
// app, the WebAuthn options for the chip.
func (s *Service) prepareStep(u *User, st *loginState, now time.Time) error {
	st.Challenge, st.ChipChallenge, st.ChipOptions = nil, nil, nil
	switch st.next() {
	case StepApproval:
		st.Challenge = make([]byte, app.ChallengeSize)
		if _, err := io.ReadFull(s.rand, st.Challenge); err != nil {
			return NewError(CodeConfigInvalid, err, "the random source failed")
		}
	case StepChip:
		st.ChipIssued = now.UnixNano()
		return s.prepareChip(u, st)
	}
	return nil
}

// view renders the login for the page.
func (s *Service) view(sess *Session, st *loginState, opts []LoginOption) *Login {
	// A held password (a chip's login) is no factor yet: it was not checked.
	if (st.Done == 0 || len(st.Password) > 0) && opts != nil {
		opts = anonymous(opts)
	}
	l := &Login{ID: sess.ID, Action: st.Action, Text: st.Text, Level: st.Level, ExpiresAt: sess.ExpiresAt,
		Options: opts, Method: st.Options[st.Choice].Method, Next: st.next(),
		Challenge: st.Challenge, ChipOptions: st.ChipOptions}
	return l
}

// beginInOne is BeginLogin on a store that reads the user and stores the
// login in one round trip (LoginBeginner): the login is stored as begun,
// before its user is known (loginState.Begun), and settled on the user
// the store returns, with BeginLogin's checks; a refusal leaves a session
// whose ID nobody is given, which expires. A user ID nobody has gets a
// decoy's login, stored by the same call.
func (s *Service) beginInOne(ctx context.Context, lb LoginBeginner, st *loginState, uid string) (*Login, error) {
	now := s.clock.Now()
	st.Begun = uid
	// The challenge of a login whose first factor is the app's approval,
	// made before anyone knows whether it is one.
	st.Challenge = make([]byte, app.ChallengeSize)
	if _, err := io.ReadFull(s.rand, st.Challenge); err != nil {
		return nil, NewError(CodeConfigInvalid, err, "the random source failed")
	}
	id, err := s.sessionID()
	if err != nil {
		return nil, err
	}
	sess := &Session{ID: id, Kind: loginKind, CreatedAt: now, ExpiresAt: now.Add(s.policy.LoginSessionTTL), Disposable: true, Data: st.marshal()}
	u, err := lb.CreateLoginSession(ctx, UniqueKey{KeyUserID, uid}, sess)
	if err != nil && !errors.Is(err, ErrNotFound) {
		return nil, err
	}
	u, _ = s.ids().opened(u, nil)
	if u != nil && sess.User != u.ID {
		return nil, errorf(CodeLoginInvalid, "the store stored the login for another user than it read")
	}
	opts, err := s.settleBegun(sess, st, u, now, true)
	if err != nil {
		return nil, err
	}
	if u != nil && st.next() == StepCode {
		s.begun.put(sess, u, now) // see loginCache: only a right code uses it
	}
	return s.view(sess, st, opts), nil
}

// settleBegun works out the options and the first choice of login st,
// which CreateLoginSession stored before its user was read (st.Begun), on
// u, the user its session sess names as read at now (nil for nobody: a
// decoy's login); st is then the state BeginLogin stores on a store
// without LoginBeginner (the challenge made at the begin kept if the first
// factor is the app's). It returns the options.
//
// BeginLogin settles a login strictly, refusing as it refuses on a store
// without LoginBeginner. A later read settles it on the choice BeginLogin
// made (begunChoice), whatever has changed since, so that the login is the
// one the page showed and each step refuses what is closed now, as on a
// login stored settled.
func (s *Service) settleBegun(sess *Session, st *loginState, u *User, now time.Time, strict bool) ([]LoginOption, error) {
	challenge := st.Challenge
	st.User = sess.User
	var opts []LoginOption
	var err error
	switch {
	case u == nil:
		st.Options = s.decoyRefs(st.Begun, st.Level, st.optionsBuf[:0])
		opts = decoyOptions(st.Options)
	case strict:
		opts, err = s.firstOptions(u, st, now)
	default:
		st.Options = st.optionsBuf[:0]
		if opts = s.options(u, sess.CreatedAt, st.Level, &st.Options); len(opts) == 0 {
			_, err = s.firstOptions(u, st, now) // why there is none
			if err == nil {
				err = errorf(CodeLoginInvalid, "the login session is damaged; start again")
			}
		}
	}
	if err != nil {
		return nil, err
	}
	if strict || u == nil {
		if err := choose(st, opts); err != nil {
			return nil, err
		}
	} else {
		st.Choice = begunChoice(u, st.Options, sess.CreatedAt)
	}
	st.Begun, st.Challenge = "", nil
	if st.next() == StepApproval {
		st.Challenge = challenge
	}
	return opts, nil
}

// begunChoice is the choice BeginLogin made at begun, for a login settled
// later on u as it is now, refs being u's options as listed at begun: the
// first option usable then. An authenticator added since was not there; one
// whose state changed since (the login's own wrong codes suspended the code
// display, the person blocked it) is taken as it was then, in use, since
// the record keeps no earlier state: the step then says what is closed, as
// it would on a login stored settled.
func begunChoice(u *User, refs []optionRef, begun time.Time) int {
	for i, ref := range refs {
		usable := true
		for _, id := range []uuid.UUID{ref.Device, ref.Chip, ref.Password} {
			if id == uuid.Nil {
				continue
			}
			a, err := u.Authenticator(id)
			switch {
			case err != nil || a.CreatedAt.After(begun):
				usable = false // not there when the login began
			case !a.StateChangedAt.Before(begun):
				// Changed at the begin or since: its state then is not
				// kept; in use, as it had to be for any choice of it.
			case a.usable(begun) != nil:
				usable = false
			}
		}
		if usable {
			return i
		}
	}
	return 0
}

// errUnsettled is the cause of decodeLogin's refusal of a login still as
// begun (see settleBegun) where the caller has not read its user: only a
// first factor, or a read of the login, can come first. The refusal is a
// fresh *Error each time (a caller may change the one it gets).
var errUnsettled = errors.New("a login as begun, its user not read")

func unsettled() *Error {
	return NewError(CodeLoginOrder, errUnsettled, "this login waits for its first factor")
}

// loadLogin reads a live login session and its state, without its user:
// a login still as begun is errUnsettled (see decodeLogin).
func (s *Service) loadLogin(ctx context.Context, id string, now time.Time) (*Session, *loginState, error) {
	sess, err := s.store.Session(ctx, id, now)
	if err != nil {
		return nil, nil, err
	}
	st, err := decodeLogin(sess)
	return sess, st, err
}

// decodeLogin is the login state of sess for a caller that has not read
// its user: a login still as begun is errUnsettled, a real person's and a
// decoy's alike, so that the answer tells a stranger nothing.
func decodeLogin(sess *Session) (*loginState, error) {
	st, err := rawLogin(sess)
	if err == nil && st.Begun != "" {
		return nil, unsettled()
	}
	return st, err
}

// decodeLoginOn is the login state of sess, settled (see settleBegun) on
// u, the user sess names as read at now (nil when it names nobody: a
// decoy's login).
func (s *Service) decodeLoginOn(sess *Session, u *User, now time.Time) (*loginState, error) {
	st, err := rawLogin(sess)
	if err != nil || st.Begun == "" {
		return st, err
	}
	if (u == nil) != (sess.User == uuid.Nil) || u != nil && u.ID != sess.User {
		return nil, errorf(CodeLoginInvalid, "the login session is damaged; start again")
	}
	if _, err := s.settleBegun(sess, st, u, now, false); err != nil {
		return nil, err
	}
	return st, nil
}

// rawLogin is the login state of sess as stored, settled or not.
func rawLogin(sess *Session) (*loginState, error) {
	if sess.Kind != loginKind {
		return nil, NotFoundSession()
	}
	st, err := unmarshalLoginState(sess.Data)
	if err != nil || st.Choice < 0 {
		return nil, errorf(CodeLoginInvalid, "the login session is damaged; start again")
	}
	return st, nil
}

// codeStep is checkedStep for a code device's factor: match compares what was
// typed with what a (a private copy) shows at now (checkCode,
// checkCodePair), recording the time step it accepts.
func (s *Service) codeStep(ctx context.Context, id string, match func(a *Authenticator, now time.Time) error) (*Login, error) {
	return s.checkedStep(ctx, id, StepCode, nil, func(u *User, a *Authenticator, _ *loginState, now time.Time) ([]Event, error) {
		return s.codeAttempt(u, a, now, match(a, now))
	}, match)
}

// precheck refuses a factor on the login st of user u as read, before any
// commit: for an answer whose refusal counts against nothing of the user
// (an app's signature that does not verify), so that refusing it writes to
// the user's record no more than a decoy's refusal does. nil lets the
// attempt decide. A decoy's login runs it too, with u nil, so that a decoy
// does the same work as a real refusal; its answer is not used.
type precheck func(u *User, st *loginState) error

// checkedStep runs one factor of login id: it checks the login waits for
// want, runs check on the login's state (nil: none; see precheck), runs
// verify as an attempt on the user (its failures count and commit), and
// on success records the factor and prepares the next.
//
// A login this Service's last step left in the login cache is decided on
// as it was left, exactly (see logincache.go); if that commits nothing the
// step reads the login and decides again. A code's step gives match
// (codeStep), with which its first code is tried on the state BeginLogin
// left (the begun cache, see acceptedAsBegun).
func (s *Service) checkedStep(ctx context.Context, id string, want Step, check precheck, verify verifier, match func(*Authenticator, time.Time) error) (*Login, error) {
	now := s.clock.Now()
	if at, st, u, ok := s.logins.take(id, now, want); ok {
		if l, err := s.stepOn(ctx, at, u, st, want, check, verify, match); !errors.Is(err, errDecideAgain) {
			return l, err
		}
	} else if match != nil { // only a code's step uses the begun cache
		if at, st, u, ok := s.begun.take(id, now, want); ok && s.acceptedAsBegun(u, st, want, match, now) {
			if l, err := s.stepOn(ctx, at, u, st, want, check, verify, match); !errors.Is(err, errDecideAgain) {
				return l, err
			}
		}
	}
	loaded, st, u, err := s.loadLoginUser(ctx, id, now)
	if err != nil {
		return nil, err
	}
	return s.stepOn(ctx, SessionAt{ID: id, Version: loaded.Version, Now: now}, u, st, want, check, verify, match)
}

// acceptedAsBegun reports whether the first code, compared by match on a
// private copy of the device, matches on login st of user u as BeginLogin
// left them (the begun cache); nothing is counted or committed. Only then
// does the step commit on that state (exactly, SessionAt.Exact, where the
// attempt checks the rest: a MitID or device blocked, a spent budget, and
// if it refuses, reads and decides again); a wrong code is decided on a
// fresh read, as a decoy's answer is, so that a stranger's wrong code
// costs the store the same calls at a real person as at a user ID nobody
// has (see loginCache; decoyCompare does the comparisons a real one does).
//
// The private copy is of the device and its code state alone, as
// decoyCompare's is: a comparison changes nothing else (see verifyOTP),
// and u is not copied for it.
func (s *Service) acceptedAsBegun(u *User, st *loginState, want Step, match func(*Authenticator, time.Time) error, now time.Time) bool {
	a, err := u.Authenticator(usedBy(st.Options[st.Choice], want))
	if err != nil {
		return false
	}
	c := *a
	if a.OTP != nil {
		otp := *a.OTP
		c.OTP = &otp
	}
	return match(&c, now) == nil
}

// verifier decides an attempt on authenticator a of user u (see attempt):
// u and a are the update's private copies. In a login step a answers the
// factor and st is the login; outside a login st is nil.
type verifier func(u *User, a *Authenticator, st *loginState, now time.Time) ([]Event, error)

// stepOn is step on a login state already loaded at at, with its user u
// as read then (nil for a decoy); match is a code's comparison (codeStep).
func (s *Service) stepOn(ctx context.Context, at SessionAt, u *User, st *loginState, want Step, check precheck, verify verifier, match func(*Authenticator, time.Time) error) (*Login, error) {
	if next := st.next(); next != want {
		return nil, orderError(next) // never on a kept login: take checked it
	}
	if st.decoy() {
		if check != nil {
			_ = check(nil, st) // the work of a real refusal; a decoy refuses anyway
		}
		var compare func() error
		if match != nil {
			compare = func() error { return s.decoyCompare(st, match, at.Now) }
		}
		return s.decoyStep(ctx, at.ID, at.Version, st, want, at.Now, compare)
	}
	var l *Login
	var err error
	if check != nil {
		err = again(at, check(u, st)) // a kept state may be stale: read and check again
	}
	if err == nil {
		l, err = s.stepOnUser(ctx, at, u, st, want, verify)
	}
	if err != nil && st.Done == 0 && !errors.Is(err, errDecideAgain) {
		return nil, hideUntil(err) // nothing about the account before a factor
	}
	return l, err
}

// stepOnUser is stepOn for a login of a real user, seen as the step read
// it. The attempt and, when it succeeds, the login's next state commit
// together where the store can (see loginAttempt); the committed state is
// kept for the next step (the login cache).
func (s *Service) stepOnUser(ctx context.Context, at SessionAt, seen *User, st *loginState, want Step, verify verifier) (*Login, error) {
	now := at.Now
	used := usedBy(st.Options[st.Choice], want)
	// The first factor is open to anyone who knows the user ID; a later one
	// follows a proof of possession.
	r := reachAnyone
	if st.Done > 0 {
		r = reachPossession
	}
	var next *loginState
	var res *LoginResult
	u, sess, err := s.loginAttempt(ctx, seen, used, r, st, at, verify, func(u *User) ([]Event, *SessionChange, error) {
		// The factor is in; the function may run again, so st stays as read.
		ns := st.with(used)
		if err := s.prepareStep(u, ns, now); err != nil {
			return nil, nil, err
		}
		next = ns
		// A factor's progress is given again if a crash loses it.
		return s.stepChange(ctx, u, at.ID, ns, now, true, nil, &res)
	})
	if err != nil {
		return nil, err
	}
	if sess == nil {
		return nil, s.movedOn(ctx, at.ID, now)
	}
	return s.stepped(sess, u, next, res, now), nil
}

// with returns a copy of st with the factor given by used in. st is left
// as it is: the copy's list of factors is its own (in its own room, for
// the two factors a login has).
func (st *loginState) with(used uuid.UUID) *loginState {
	ns := *st
	ns.Done++
	ns.Used = append(append(ns.usedBuf[:0:len(ns.usedBuf)], st.Used...), used)
	return &ns
}

// advance records login st, whose factor has just been given, over the
// version it was read at: it readies the next factor and replaces the
// session, unless the login moved on meanwhile (its version tells, without
// decoding it again).
func (s *Service) advance(ctx context.Context, id string, version int64, u *User, st *loginState, now time.Time) (*Login, error) {
	if err := s.prepareStep(u, st, now); err != nil {
		return nil, err
	}
	sess, err := s.replaceSession(ctx, id, version, now, st.marshal())
	if errors.Is(err, ErrConflict) {
		return nil, errorf(CodeLoginOrder, "this login moved on meanwhile; reload it")
	}
	if err != nil {
		return nil, err
	}
	return s.view(sess, st, nil), nil
}

// orderError says what a login that waits for next waits for.
func orderError(next Step) error {
	if next == StepDone {
		return errorf(CodeLoginOrder, "every factor is in; the relying party finishes the login")
	}
	return errorf(CodeLoginOrder, "this login waits for the %s first", next)
}

// usedBy returns the authenticator that answers step in option ref.
func usedBy(ref optionRef, step Step) uuid.UUID {
	switch {
	case step == StepPassword:
		return ref.Password
	case step == StepChip && ref.Method == MethodAppAndChip:
		return ref.Chip
	}
	return ref.Device
}

// codeAttempt turns the outcome of a code check into an attempt's events
// and refusal.
func (s *Service) codeAttempt(u *User, a *Authenticator, now time.Time, err error) ([]Event, error) {
	switch {
	case err == nil:
		matched(a, now)
		return nil, nil
	case ErrorCode(err) == CodeWrongCode:
		return s.failed(u, a, now, err), refusal{err}
	}
	return nil, err // nothing was compared, or nothing guessed
}

// checkLoginPassword runs argon2id on password for login st, after
// refusing what would be refused without a comparison: a blocked MitID, a
// suspended password, a spent budget. It returns the hash it checked.
func (s *Service) checkLoginPassword(ctx context.Context, u *User, st *loginState, password string, now time.Time) (*PasswordHash, bool, error) {
	if err := u.Usable(now); err != nil {
		return nil, false, err
	}
	pw, err := u.Authenticator(st.Options[st.Choice].Password)
	if err != nil {
		return nil, false, err
	}
	if err := pw.usable(now); err != nil {
		return nil, false, err
	}
	if err := s.budget(u, reachPossession); err != nil {
		return nil, false, err
	}
	if err := s.allowClient(ctx); err != nil {
		return nil, false, err
	}
	ok, err := s.checkHash(pw.Password, password)
	return pw.Password, ok, err
}

// holdPassword keeps the password of a chip's login, sealed under the key
// ring and bound to the login, until the chip answers. A decoy's login (u
// nil) holds it alike and asks for its decoy chip (see decoyChip): a
// stranger's password is answered at a user ID nobody has as at a real
// chip's holder, in one statement.
func (s *Service) holdPassword(ctx context.Context, id string, version int64, u *User, st *loginState, now time.Time, password string) (*Login, error) {
	if password == "" || len(password) > maxPasswordBytes || !utf8.ValidString(password) {
		return nil, invalidField(CodeWrongPassword, "password", "enter your MitID password")
	}
	sealed, err := s.keys.Seal(s.rand, []byte(password), []byte(id))
	if err != nil {
		return nil, err
	}
	st.Password = encodeSealed(sealed)
	st.Done++
	if !s.hasLoginUpdater() {
		return s.advance(ctx, id, version, u, st, now)
	}
	if u == nil {
		// UpdateLogin's one statement, for a login with no user: the
		// session alone, at the version read.
		if err := s.prepareStep(nil, st, now); err != nil {
			return nil, err
		}
		sess, err := s.replaceSession(ctx, id, version, now, st.marshal())
		if errors.Is(err, ErrConflict) {
			return nil, s.movedOn(ctx, id, now) // as a real login's says why, with the same read
		}
		if err != nil {
			return nil, err
		}
		return s.view(sess, st, nil), nil
	}
	// Holding the password changes nothing of the user: through UpdateLogin
	// the store commits the session alone, gated on the user the chip's
	// challenge is made for (made again if the user changed meanwhile), and
	// need not wait for the disk (a crash loses only the held password,
	// which the person types again).
	var next *loginState
	_, sess, err := s.updateLogin(ctx, u, uuid.Nil, SessionAt{ID: id, Version: version, Now: now}, func(u *User, _ *Authenticator) ([]Event, *SessionChange, error) {
		ns := *st
		if err := s.prepareStep(u, &ns, now); err != nil {
			return nil, nil, err
		}
		next = &ns
		return nil, &SessionChange{Data: ns.marshal(), Disposable: true}, nil
	})
	if err != nil {
		return nil, err
	}
	if sess == nil {
		return nil, s.movedOn(ctx, id, now)
	}
	return s.view(sess, next, nil), nil
}

// errApprovalUnverified is the refusal of an app approval that does not
// verify (decoy logins give it too).
func errApprovalUnverified() *Error {
	return errorf(CodeWrongSignature, "the approval from your MitID app does not verify; approve again in the app")
}

// rejectSignature counts an app approval or a chip answer that did not
// verify against the login, and ends the login at Policy.WrongCodeLimit.
// Nobody can guess a signature, so the app, the chip and the account are
// not charged. It returns the error to show.
func (s *Service) rejectSignature(ctx context.Context, id string, cause error) error {
	now := s.clock.Now()
	ended := false
	_, err := s.store.UpdateSession(ctx, id, now, func(sess *Session) ([]byte, error) {
		st, err := rawLogin(sess) // settled or not, it counts
		if err != nil {
			return nil, err
		}
		st.Rejected++
		ended = st.Rejected >= s.policy.WrongCodeLimit
		return st.marshal(), nil
	})
	if err != nil {
		return err
	}
	if ended {
		if _, err := s.store.ConsumeSession(ctx, id, now); err != nil && !errors.Is(err, ErrReplay) {
			return err
		}
		return errorf(CodeSessionUsed, "the login ended after %d answers that did not verify; start again", s.policy.WrongCodeLimit)
	}
	return cause
}

// finishLogin is FinishLogin; proof records that the Service finished the
// login itself as the proof of an act (see proveLogin), so it proves no
// second one.
//
// A login its last step left in the login cache is finished as it was left,
// exactly, as step does; if that commits nothing it reads and decides again.
func (s *Service) finishLogin(ctx context.Context, id string, proof bool) (*LoginResult, error) {
	now := s.clock.Now()
	if at, st, u, ok := s.logins.take(id, now, StepDone); ok {
		if res, err := s.finishOn(ctx, at, st, u, proof); !errors.Is(err, errDecideAgain) {
			return res, err
		}
	}
	sess, st, seen, err := s.loadLoginUser(ctx, id, now)
	if err != nil {
		return nil, err
	}
	return s.finishOn(ctx, SessionAt{ID: id, Version: sess.Version, Now: now}, st, seen, proof)
}

// finishOn is finishLogin on a login state loaded at at, with its user seen
// as read then (nil for a decoy).
func (s *Service) finishOn(ctx context.Context, at SessionAt, st *loginState, seen *User, proof bool) (*LoginResult, error) {
	if next := st.next(); next != StepDone || seen == nil {
		return nil, errorf(CodeLoginOrder, "the login is not complete: it waits for the %s", next) // never on a kept login
	}
	if !st.complete() {
		return nil, again(at, errorf(CodeLoginOrder, "the login is damaged; start again"))
	}
	res := newLoginResult(at.ID, st, at.Now)
	ctx = WithActor(ctx, relyingPartyActor(st.RelyingParty))
	// The effects, the record that the login was finished and the consumed
	// session commit together where the store can (LoginUpdater); else the
	// user's record first and the session after. If the session's part
	// fails then, the session expires by itself, and the record refuses it.
	u, _, err := s.updateLogin(ctx, seen, uuid.Nil, at, func(u *User, _ *Authenticator) ([]Event, *SessionChange, error) {
		evs, err := s.decideFinish(ctx, u, at.ID, st, res, proof, s.clock.Now())
		if err != nil {
			return nil, nil, err
		}
		return evs, &SessionChange{Consume: true}, nil
	})
	if u == nil {
		return nil, again(at, err) // nothing committed
	}
	res.settle(u)
	return res, nil
}

// complete reports whether st has every factor of its choice in, each
// given by the authenticator the choice names for it.
func (st *loginState) complete() bool {
	ref := st.Options[st.Choice]
	steps := ref.Method.steps()
	if len(st.Used) != len(steps) {
		return false
	}
	for i, step := range steps {
		if st.Used[i] != usedBy(ref, step) {
			return false
		}
	}
	return true
}

// newLoginResult is the result of finishing login id, in state st, at now,
// before the user's part is known (see decideFinish and settle).
func newLoginResult(id string, st *loginState, now time.Time) *LoginResult {
	return &LoginResult{Login: id, User: st.User, Action: st.Action, TextHash: sha256.Sum256([]byte(st.Text)), RelyingParty: st.RelyingParty,
		Method: st.Options[st.Choice].Method, Authenticators: st.Used, At: now}
}

// settle fills in what r takes from u, the user as the finish committed it.
func (r *LoginResult) settle(u *User) {
	r.UserID, r.IAL = u.UserID, u.IAL
	r.AAL = AuthenticationLevel(r.Kinds)
	r.LoA = TransactionLevel(r.IAL, r.AAL)
}

// finishable refuses login st of u at now as finishing it refuses: a
// MitID or an authenticator it used blocked while the login ran (whatever
// was blocked then is blocked now), and a level below the one it asked
// for. It appends the kinds of the authenticators it used to kinds, and
// returns them and the level the login reached. It changes nothing, so
// that loginProvable can ask it before dear work, and decideFinish on its
// private copy.
func finishable(u *User, st *loginState, kinds []Kind, now time.Time) ([]Kind, Level, error) {
	if err := u.Usable(now); err != nil {
		return nil, 0, err
	}
	for _, id := range st.Used {
		a, err := u.Authenticator(id)
		if err != nil {
			return nil, 0, err
		}
		if err := a.usable(now); err != nil {
			return nil, 0, err
		}
		kinds = append(kinds, a.Kind)
	}
	loa := TransactionLevel(u.IAL, AuthenticationLevel(kinds))
	if loa < st.Level {
		return nil, 0, errorf(CodeLevelTooLow, "the login reached %s, below the %s required", loa, st.Level)
	}
	return kinds, loa, nil
}

// decideFinish finishes login id, in state st with every factor in, on u
// (an update's private copy) at now: it refuses a login finished already,
// a MitID or authenticator blocked meanwhile and a level below the one
// asked for, and otherwise records the use of the authenticators, the
// FinishedLogin (Proved when proof) and the use event, as the relying
// party's act. It fills in res.Kinds and returns the events. It is a pure
// decision on its arguments, as an update function must be.
func (s *Service) decideFinish(ctx context.Context, u *User, id string, st *loginState, res *LoginResult, proof bool, now time.Time) ([]Event, error) {
	ctx = WithActor(ctx, relyingPartyActor(st.RelyingParty))
	ref := st.Options[st.Choice]
	session := Digest(sha256.Sum256([]byte(id))) // hashed once, for the check and the record
	if u.finishedSession(session, now, s.policy.LoginSessionTTL) != nil {
		return nil, errorf(CodeSessionUsed, "this login has been finished already")
	}
	kinds, loa, err := finishable(u, st, res.Kinds[:0], now)
	if err != nil {
		return nil, err
	}
	res.Kinds = kinds
	for _, id := range st.Used {
		if a, _ := u.Authenticator(id); a.Kind == KindPassword || a.Kind == KindApp {
			// A code device's or chip's use is in from its step
			// (matched), which the chip's clone check reads.
			a.LastUsedAt = now // see passed
		}
	}
	// One use event per login, on the device that carried it, so that
	// "notify every use" sends one message per login, not per factor.
	dev, _ := u.Authenticator(ref.Device)
	evs := []Event{{Type: EventAuthenticatorUsed, Authenticator: dev.ID, Kind: dev.Kind,
		Detail: map[string]string{"action": string(st.Action), "method": string(ref.Method)}}}
	u.recordLogin(FinishedLogin{Session: session, At: now, Method: ref.Method, Action: st.Action,
		TextHash: res.TextHash, LoA: loa, Authenticators: slices.Clone(st.Used), Proved: proof}, s.policy.LoginSessionTTL)
	evs = append(evs, s.completed(u, now)...)
	if err := s.stamp(ctx, u, evs, now); err != nil {
		return nil, err
	}
	return evs, nil
}

// stepChange is what a step that leaves login ns (id) with its factor in
// commits, decided on u (the step's private copy) at now, after the
// attempt's events evs: for a login begun with FinishAtLastFactor whose
// last factor this was, the login's finish in the same commit
// (decideFinish's events, the session consumed, and in *res the result,
// filled in once committed by stepped); otherwise ns's new state, marked
// Disposable as the step says.
func (s *Service) stepChange(ctx context.Context, u *User, id string, ns *loginState, now time.Time, disposable bool, evs []Event, res **LoginResult) ([]Event, *SessionChange, error) {
	*res = nil // the update function may run again
	if !ns.finishesHere() {
		return evs, &SessionChange{Data: ns.marshal(), Disposable: disposable}, nil
	}
	r := newLoginResult(id, ns, now)
	more, err := s.decideFinish(ctx, u, id, ns, r, false, now)
	if err != nil {
		return nil, nil, err
	}
	*res = r
	return append(evs, more...), &SessionChange{Consume: true}, nil
}

// finishesHere reports whether the step that left st as it is finishes
// the login as well: the login was begun with FinishAtLastFactor, every
// factor is in, and the last was given on the relying party's page. An
// app's approval is not: the app posts it, and the result belongs to the
// page that waits for it, which finishes the login (FinishLogin) as it
// would without the flag; handed to the approval's caller, it would reach
// the phone instead.
func (st *loginState) finishesHere() bool {
	steps := st.Options[st.Choice].Method.steps()
	return st.Finish && st.Done >= len(steps) && steps[len(steps)-1] != StepApproval
}

// stepped is the Login a step shows once it has committed sess and u,
// leaving the login in state next: with the result of a login it finished
// (res, settled on u), or else kept in the login cache for its next step.
func (s *Service) stepped(sess *Session, u *User, next *loginState, res *LoginResult, now time.Time) *Login {
	// The options are listed by BeginLogin, Login and ChooseMethod; a step
	// leaves them out rather than work them out again at every factor.
	l := s.view(sess, next, nil)
	if res != nil {
		res.settle(u)
		l.Result = res
		return l
	}
	s.logins.put(sess, u, now)
	return l
}
