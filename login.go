package mitid

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"

	"github.com/go-mitid/mitid/app"
	"github.com/go-mitid/mitid/chip/credential"
)

// A relying party's whole login, in the order a person meets it: BeginLogin
// names the user and what the login is for; each Submit… step answers the
// factor the returned Login says comes Next (a code, a pair of codes, the
// password, the app's approval, the chip's answer); ResumeLogin shows it again
// after a reload and ChooseMethod switches to another way in; FinishLogin
// ends it with the LoginResult the relying party acts on, and CancelLogin
// abandons it. How each step is checked and committed is in loginsteps.go;
// what makes a stranger harmless is in throttle.go and anonymous.go.

// LoginRequest is what a relying party asks for.
type LoginRequest struct {
	UserID string // as the person typed it
	Action Action
	// Text is the transaction text shown before approval: at most
	// Policy.TransactionTextLimit (130) characters of visible text, with no
	// character that is not shown as itself (see transaction.go); it is
	// NFC-normalised, and that form is what is shown, hashed and signed.
	Text string
	// Level is the least level of assurance (LoA) the relying party needs.
	Level Level
	// RelyingParty names who asks (at most 64 characters, checked as the
	// text is); the events of the login record it as "relying party: NAME".
	RelyingParty string
	// FinishAtLastFactor has the step that gives the login's last factor
	// finish it as well: that step's Login carries the LoginResult
	// FinishLogin would have returned (Login.Result), and the login is
	// finished (FinishLogin refuses it as used, ErrReplay). It holds for
	// the steps the login's page gives (a code, a password, a chip); an
	// app's approval, which the app posts, finishes nothing, so that the
	// result goes to the page that waits for it, through FinishLogin, and
	// never to the phone (MethodApp; MethodAppAndChip ends with the
	// chip, which finishes). Where the store
	// commits a login step in one (LoginUpdater, which both stores of this
	// module have) the factor and the finish commit together, and if
	// finishing refuses (the login falls below Level, the MitID was blocked
	// meanwhile) the step commits nothing and returns FinishLogin's error;
	// elsewhere (and for a chip's answer given on a record that changed
	// since it was read) the finish follows the factor's commit, and its
	// refusal leaves the login waiting for FinishLogin. It is for a relying
	// party that finishes a login as soon as its factors are in (a web
	// flow's last request): it saves a call and a commit a login.
	FinishAtLastFactor bool
}

// LoginOption is one way the person can log in to meet the level.
type LoginOption struct {
	Method        Method
	Authenticator uuid.UUID // the device (the app for MethodAppAndChip)
	Kind          Kind
	Label         string
	AAL           Level
	// Usable is false when an authenticator the method needs is suspended
	// or blocked; Reason says why and Until until when.
	Usable bool
	Reason string
	Until  time.Time

	closed *Error // why it is not usable, as an error to return
}

// Login is a login in progress, as the login page shows it.
type Login struct {
	ID        string
	Action    Action
	Text      string
	Level     Level
	ExpiresAt time.Time
	// Options are the ways to log in, listed by BeginLogin, Login and
	// ChooseMethod (nil in the result of a Submit; call Login to list them).
	Options []LoginOption
	// Method is the chosen way to log in; Next is the factor it waits for.
	Method Method
	Next   Step
	// Challenge is what the app signs, with Action and Text, when Next is
	// StepApproval (see package app).
	Challenge []byte
	// ChipOptions are the WebAuthn request options for the browser when
	// Next is StepChip.
	ChipOptions []byte
	// Result is the finished login, set by the step that gave the last
	// factor of a login begun with LoginRequest.FinishAtLastFactor (Next is
	// then StepDone), unless that was an app's approval; nil otherwise.
	Result *LoginResult
}

// LoginResult is what a finished login tells the relying party.
type LoginResult struct {
	// Login is the login's ID: within Policy.LoginSessionTTL it proves,
	// once, that the person logged in, to a Service method that asks for a
	// login (see ChipActivation.Login).
	Login          string
	User           uuid.UUID
	UserID         string
	Action         Action
	TextHash       [32]byte // SHA-256 of the transaction text the person saw
	RelyingParty   string
	Method         Method
	Authenticators []uuid.UUID
	Kinds          []Kind
	IAL, AAL, LoA  Level // LoA = min(IAL, AAL)
	At             time.Time
}

// String describes the result in one line.
func (r *LoginResult) String() string {
	return fmt.Sprintf("%s by %q with %s: IAL %s, AAL %s, LoA %s", r.Action, r.UserID, r.Method, r.IAL, r.AAL, r.LoA)
}

// BeginLogin starts a login: it checks the request, finds the user, lists
// the ways they can meet the level and chooses the first usable one (the
// app first). The login lives Policy.LoginSessionTTL (10 minutes) and is
// finished once.
func (s *Service) BeginLogin(ctx context.Context, r LoginRequest) (got *Login, gotErr error) {
	defer s.observeLogin(ctx, CallBeginLogin, time.Now(), &got, &gotErr)
	if !r.Action.Valid() {
		return nil, invalidField(CodeLoginInvalid, "action", "the action must be LOG_ON, APPROVE, CONFIRM, ACCEPT or SIGN, not %q", r.Action)
	}
	text, err := shownText(r.Text, s.policy.TransactionTextLimit, "text", "transaction text")
	if err != nil {
		return nil, err
	}
	rp := r.RelyingParty
	if rp != "" {
		if rp, err = shownText(rp, maxRelyingPartyName, "relying_party", "relying party's name"); err != nil {
			return nil, err
		}
	}
	if !r.Level.Valid() {
		return nil, invalidField(CodeLevelInvalid, "level", "the level must be Low, Substantial or High")
	}
	uid, err := NormalizeUserID(&s.policy, r.UserID)
	if err != nil {
		return nil, err
	}
	st := &loginState{Action: r.Action, Text: text, Level: r.Level, RelyingParty: rp, Finish: r.FinishAtLastFactor}
	if lb, ok := s.raw.(LoginBeginner); ok {
		return s.beginInOne(ctx, lb, st, uid)
	}
	u, err := s.store.FindUser(ctx, UniqueKey{KeyUserID, uid})
	if errors.Is(err, ErrNotFound) {
		st.Options = s.decoyRefs(uid, st.Level, nil)
		return s.startLogin(ctx, nil, st, decoyOptions(st.Options), s.clock.Now())
	}
	if err != nil {
		return nil, err
	}
	now := s.clock.Now()
	st.User = u.ID
	opts, err := s.firstOptions(u, st, now)
	if err != nil {
		return nil, err
	}
	return s.startLogin(ctx, u, st, opts, now)
}

// firstOptions lists the options of login st, for u at now, into
// st.Options, refusing a login u cannot make: a MitID not usable, an
// identity below the level, no authenticator that reaches it.
func (s *Service) firstOptions(u *User, st *loginState, now time.Time) ([]LoginOption, error) {
	if err := u.Usable(now); err != nil {
		return nil, hideUntil(err)
	}
	if u.IAL < st.Level {
		return nil, errorf(CodeLevelTooLow, "this service requires the level %s, and your MitID identity is registered at %s; to reach %s, visit Citizen Service with picture ID",
			st.Level, u.IAL, st.Level)
	}
	opts := s.options(u, now, st.Level, &st.Options)
	if len(opts) == 0 {
		// Say why, if a device the user had is what is missing.
		for i := len(u.Authenticators) - 1; i >= 0; i-- {
			if a := &u.Authenticators[i]; a.State == StateBlocked && a.Kind != KindPassword {
				return nil, a.usable(now)
			}
		}
		return nil, errorf(CodeNoAuthenticator, "you have no authenticator that reaches the level %s; add a MitID app or a chip", st.Level)
	}
	return opts, nil
}

// ResumeLogin returns a login in progress as the page shows it.
func (s *Service) ResumeLogin(ctx context.Context, id string) (*Login, error) {
	now := s.clock.Now()
	sess, st, u, err := s.loadLoginUser(ctx, id, now)
	if err != nil {
		return nil, err
	}
	if st.next() == StepChip && len(st.ChipChallenge) == 0 {
		// The last challenge was spent on an answer that could not be
		// recorded: the reload offers a fresh one.
		if err := s.renewChip(ctx, id, now); err != nil {
			return nil, err
		}
		if sess, st, u, err = s.loadLoginUser(ctx, id, now); err != nil {
			return nil, err
		}
	}
	if st.decoy() {
		return s.view(sess, st, decoyOptions(st.Options)), nil
	}
	var refs []optionRef
	return s.view(sess, st, s.options(u, now, st.Level, &refs)), nil
}

// ChooseMethod switches the login to another of its options (MitID's "switch
// authenticator"). Factors already given for the old choice are dropped.
func (s *Service) ChooseMethod(ctx context.Context, id string, m Method, authenticator uuid.UUID) (got *Login, gotErr error) {
	defer s.observeLogin(ctx, CallChooseMethod, time.Now(), &got, &gotErr)
	if m == MethodChip && s.chip == nil {
		return nil, errNoChipVerifier() // never listed then (see options); said before any login is read
	}
	s.logins.drop(id) // the login starts over: its kept state would be stale
	s.begun.drop(id)
	now := s.clock.Now()
	var opts []LoginOption
	var state *loginState
	sess, err := s.store.UpdateSession(ctx, id, now, func(sess *Session) ([]byte, error) {
		u, err := s.stepUser(ctx, sess.User, id, now)
		if err != nil {
			return nil, err
		}
		st, err := s.decodeLoginOn(sess, u, now)
		if err != nil {
			return nil, err
		}
		var refs []optionRef
		if st.decoy() {
			refs, opts = st.Options, decoyOptions(st.Options)
		} else {
			opts = s.options(u, now, st.Level, &refs)
		}
		// The named authenticator, or else the first usable one of the
		// method, or else the first of the method (to say why it is closed).
		choice, closed := -1, -1
		for i, o := range opts {
			if o.Method != m || (authenticator != uuid.Nil && o.Authenticator != authenticator) {
				continue
			}
			if o.Usable {
				choice = i
				break
			}
			if closed < 0 {
				closed = i
			}
		}
		if choice < 0 && closed >= 0 {
			return nil, hideUntil(opts[closed].closed)
		}
		if choice < 0 {
			return nil, invalidField(CodeLoginInvalid, "method", "%s is not a way you can log in here", m)
		}
		st.Options, st.Choice, st.Done, st.Used = refs, choice, 0, nil
		if err := s.prepareStep(u, st, now); err != nil {
			return nil, err
		}
		state = st
		return st.marshal(), nil
	})
	if err != nil {
		return nil, err
	}
	return s.view(sess, state, opts), nil
}

// SubmitCode enters the code of a code display or audio code reader. A
// wrong code counts against the device; three in a row suspend it (see
// throttle.go). Only a code that was compared and did not match counts: a
// malformed code, a code used already, or a device the verifier cannot use
// count for nothing.
func (s *Service) SubmitCode(ctx context.Context, id, code string) (got *Login, gotErr error) {
	defer s.observeLogin(ctx, CallSubmitCode, time.Now(), &got, &gotErr)
	return s.codeStep(ctx, id, func(a *Authenticator, now time.Time) error {
		_, err := s.checkCode(a, code, now)
		return err
	})
}

// SubmitCodePair enters two codes the code display or audio code reader
// showed one after the other, in place of one code: for a device whose
// clock has drifted minutes out of step (one rarely used), which its one
// right code no longer matches. The pair is searched across all the drift
// the device may have and, when found, the device is back in step. A
// stranger gains nothing from the wide search: two codes in a row are
// about 10^-12 to guess. A pair that does not match counts as one wrong
// code.
func (s *Service) SubmitCodePair(ctx context.Context, id, code1, code2 string) (got *Login, gotErr error) {
	defer s.observeLogin(ctx, CallSubmitCodePair, time.Now(), &got, &gotErr)
	return s.codeStep(ctx, id, func(a *Authenticator, now time.Time) error {
		_, err := s.checkCodePair(a, code1, code2, now)
		return err
	})
}

// SubmitPassword enters the password. In a code display's or audio code
// reader's login it follows the right code and is checked at once; in a
// chip's login it is held, sealed, until the chip has answered, and checked
// then (see SubmitChip), so a stranger who has no chip never learns whether
// a password is right and never spends the holder's attempts. What would be
// refused without comparing is refused before argon2id runs, and argon2id
// runs outside any lock.
func (s *Service) SubmitPassword(ctx context.Context, id, password string) (got *Login, gotErr error) {
	defer s.observeLogin(ctx, CallSubmitPassword, time.Now(), &got, &gotErr)
	now := s.clock.Now()
	// A login this Service's last step left in the login cache is decided
	// on as it was left (see checkedStep); a chip's login holds the password
	// rather than commit a step, so it reads.
	if at, st, u, ok := s.logins.take(id, now, StepPassword); ok && st.Options[st.Choice].Method != MethodChip {
		if l, err := s.checkPasswordStep(ctx, at, u, st, password); !errors.Is(err, errDecideAgain) {
			return l, err
		}
	}
	sess, st, u, err := s.loadLoginUser(ctx, id, now)
	if err != nil {
		return nil, err
	}
	if next := st.next(); next != StepPassword {
		return nil, orderError(next)
	}
	if st.Options[st.Choice].Method == MethodChip { // a decoy's too
		return s.holdPassword(ctx, id, sess.Version, u, st, now, password)
	}
	if st.decoy() {
		return s.decoyStep(ctx, id, sess.Version, st, StepPassword, now, nil)
	}
	return s.checkPasswordStep(ctx, SessionAt{ID: id, Version: sess.Version, Now: now}, u, st, password)
}

// checkPasswordStep is SubmitPassword's step in a login that checks the
// password at once: argon2id runs before, and outside, the step's commit.
func (s *Service) checkPasswordStep(ctx context.Context, at SessionAt, u *User, st *loginState, password string) (*Login, error) {
	checked, ok, err := s.checkLoginPassword(ctx, u, st, password, at.Now)
	if err != nil {
		return nil, again(at, err)
	}
	return s.stepOn(ctx, at, u, st, StepPassword, nil, func(u *User, a *Authenticator, _ *loginState, now time.Time) ([]Event, error) {
		return s.passwordAttempt(u, a, checked, ok, now)
	}, nil)
}

// SubmitApproval delivers the app's signature over the login's challenge,
// action and text (see package app). A signature that does not verify
// guesses nothing, so it does not count against the app or the account;
// it counts against the login, which ends after Policy.WrongCodeLimit of
// them.
func (s *Service) SubmitApproval(ctx context.Context, id string, signature []byte) (got *Login, gotErr error) {
	defer s.observeLogin(ctx, CallSubmitApproval, time.Now(), &got, &gotErr)
	// The signature is verified on the login as read, before the attempt:
	// one that does not verify is refused there, with no write to the
	// person's record, as a decoy refuses it (anonymous.go), and a decoy
	// verifies it too, against a key of the Service's own, so that the two
	// cost the same. The attempt verifies again only if the app's key
	// changed meanwhile.
	var verified []byte // the app key the signature verified against
	l, err := s.checkedStep(ctx, id, StepApproval, func(u *User, st *loginState) error {
		verified = nil
		key := s.decoyAppKey
		if u != nil {
			a, err := u.Authenticator(usedBy(st.Options[st.Choice], StepApproval))
			if err != nil {
				return nil // the attempt says why
			}
			key = a.DeviceKey
		}
		err := checkApproval(key, st, signature)
		if ErrorCode(err) == CodeWrongSignature {
			return err
		}
		if err == nil && u != nil {
			verified = key
		}
		return nil // an unreadable key: the attempt says so
	}, func(u *User, a *Authenticator, st *loginState, now time.Time) ([]Event, error) {
		if verified == nil || !bytes.Equal(a.DeviceKey, verified) {
			if err := checkApproval(a.DeviceKey, st, signature); ErrorCode(err) == CodeWrongSignature {
				return nil, refusal{err}
			} else if err != nil {
				return nil, err
			}
		}
		passed(a)
		return nil, nil
	}, nil)
	if ErrorCode(err) == CodeWrongSignature {
		return nil, s.rejectSignature(ctx, id, err)
	}
	return l, err
}

// checkApproval verifies an app's signature over login st with the app
// key der: nil when it verifies, CodeWrongSignature when it does not,
// CodeSecretUnreadable when the key cannot be read.
func checkApproval(der []byte, st *loginState, signature []byte) error {
	pub, err := app.ParsePublicKey(der)
	if err != nil {
		return NewError(CodeSecretUnreadable, err, "this MitID app cannot be verified; activate it again")
	}
	if app.Verify(pub, app.Request{Challenge: st.Challenge, Action: string(st.Action), Text: st.Text}, signature) != nil {
		return errApprovalUnverified()
	}
	return nil
}

// SubmitChip delivers the browser's WebAuthn assertion for the chip factor.
// The login's chip challenge is taken out of the session before the
// assertion is verified, so an assertion submitted twice is refused as a
// replay (ErrReplay) and never mistaken for a cloned chip.
//
// An answer that does not verify counts against the login only (nobody can
// guess a chip's signature; the login ends after Policy.WrongCodeLimit of
// them). A counter that did not increase is stale (CodeStaleAnswer, nothing
// counted) when the chip has been used since this challenge was issued (a
// second tab, a retrying proxy), and otherwise suspends the chip as a
// possible clone until MitID support lifts it.
//
// In a chip's login the password entered before (see SubmitPassword) is
// checked now, after the chip has proved possession; a wrong one sends the
// login back to the password. When the server cannot check it now (CodeBusy:
// at its limit of argon2id runs) nothing of it is counted, and the login
// keeps the password and waits for the chip again.
func (s *Service) SubmitChip(ctx context.Context, id string, response []byte) (got *Login, gotErr error) {
	defer s.observeLogin(ctx, CallSubmitChip, time.Now(), &got, &gotErr)
	s.logins.drop(id) // a chip's step reads the login (see chiponce.go)
	if s.chip == nil {
		return nil, errNoChipVerifier()
	}
	if s.hasLoginUpdater() {
		if l, done, err := s.submitChipAtOnce(ctx, id, response); done {
			return l, err
		}
	}
	now := s.clock.Now()
	var ch credential.Challenge
	var st *loginState
	taken, err := s.store.UpdateSession(ctx, id, now, func(sess *Session) ([]byte, error) {
		cur, err := decodeLogin(sess) // a chip is never a first factor
		if err != nil {
			return nil, err
		}
		if next := cur.next(); next != StepChip {
			return nil, errorf(CodeLoginOrder, "this login waits for the %s, not the chip", next)
		}
		if len(cur.ChipChallenge) == 0 {
			return nil, errorf(CodeSessionUsed, "the chip's answer to this challenge has been received already; reload the login")
		}
		if ch, err = decodeChallenge(cur.ChipChallenge); err != nil {
			return nil, errorf(CodeLoginInvalid, "the login session is damaged; start again")
		}
		cur.ChipChallenge, cur.ChipOptions = nil, nil
		st = cur
		return cur.marshal(), nil
	})
	if err != nil {
		return nil, err
	}
	l, err := s.chipFactor(ctx, id, taken.Version, st, ch, response, now)
	if err != nil {
		if ErrorCode(err) == CodeWrongSignature {
			err = s.rejectSignature(ctx, id, err)
		}
		// The challenge is spent: give the login a fresh one, even when
		// the client has gone away, so a reload can try again.
		if perr := s.renewChip(context.WithoutCancel(ctx), id, now); perr != nil && !errors.Is(perr, ErrExpired) && !errors.Is(perr, ErrReplay) && !errors.Is(perr, ErrNotFound) {
			return nil, perr
		}
	}
	return l, err
}

// FinishLogin ends a login whose factors are all in and returns its result.
// A login is finished once: a second call fails with ErrReplay. Its effects
// commit in one change of the user's record: the use in the activity log
// (notified when the user asked to hear of every use), the record that it
// was finished (see FinishedLogin), and, since the holder has now proved
// who they are, the reset of every count of failed attempts and the end of
// every suspension for wrong attempts (see throttle.go). If that change
// fails, nothing happened and the login can be finished again.
func (s *Service) FinishLogin(ctx context.Context, id string) (got *LoginResult, gotErr error) {
	defer s.observeFinish(ctx, CallFinishLogin, time.Now(), &got, &gotErr)
	return s.finishLogin(ctx, id, false)
}

// CancelLogin ends a login the person gave up on (MitID's "cancel" in the
// login box): the session is consumed, so no factor can be given to it and
// FinishLogin refuses it as a replay. Cancelling a login that is finished,
// cancelled or expired fails as reading it would (ErrReplay, ErrExpired).
// Nothing about the user changes: a cancel is not a failed attempt.
func (s *Service) CancelLogin(ctx context.Context, id string) (gotErr error) {
	defer s.observeLogin(ctx, CallCancelLogin, time.Now(), nil, &gotErr)
	s.logins.drop(id)
	s.begun.drop(id)
	now := s.clock.Now()
	if _, _, err := s.loadLogin(ctx, id, now); err != nil && !errors.Is(err, errUnsettled) {
		return err // not a login session, or gone: consume nothing
	}
	_, err := s.store.ConsumeSession(ctx, id, now)
	return err
}
