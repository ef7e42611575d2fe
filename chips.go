package mitid

import (
	"context"
	"encoding/json"
	"errors"
	"time"

	"github.com/google/uuid"

	"github.com/go-mitid/mitid/chip/credential"
)

// The MitID chip in the domain: registration at activation (step B) and the
// chip factor of a login. The WebAuthn work is Config.Chip's (package chip);
// this file keeps its challenges single use and its counter in the user
// aggregate.

// ChipVerifier runs the two WebAuthn ceremonies of a MitID chip for the
// Service: it issues the browser's options with a Challenge, and checks the
// browser's answer to that Challenge. It keeps no state: the Service keeps
// each Challenge single use (in a session it consumes before calling
// Finish*) and each Credential, counter included, in the user.
//
// *chip.Verifier (package github.com/go-mitid/mitid/chip, built on
// go-webauthn) implements it; Config.Chip takes one. The interface lives here
// so that the root package needs only the plain chip data of package
// credential, and a relying party without chips links no WebAuthn code.
// A nil Config.Chip, or a nil *chip.Verifier in it, means no chips: every
// chip operation refuses with CodeConfigInvalid and the rest works.
//
// An implementation's errors must wrap the sentinels of package credential,
// which is how the Service tells a wrong origin, a malformed or stale answer
// and a counter that did not increase (a suspected clone) apart.
type ChipVerifier interface {
	// BeginRegistration returns the options JSON for
	// navigator.credentials.create and the Challenge to keep; exclude lists
	// the chips the browser must refuse to register again.
	BeginRegistration(user credential.User, exclude []credential.Credential) (options []byte, ch credential.Challenge, err error)
	// FinishRegistration checks the browser's answer to ch (consumed by the
	// caller) and returns the Credential to store.
	FinishRegistration(ctx context.Context, ch credential.Challenge, user credential.User, response []byte) (credential.Credential, error)
	// BeginLogin returns the options JSON for navigator.credentials.get,
	// allowing creds, and the Challenge to keep.
	BeginLogin(user credential.User, creds []credential.Credential) (options []byte, ch credential.Challenge, err error)
	// FinishLogin checks the browser's assertion against ch (consumed by the
	// caller) and creds. A valid signature whose counter did not increase
	// returns an error matching credential.ErrCounterNotIncreased.
	FinishLogin(ch credential.Challenge, user credential.User, creds []credential.Credential, response []byte) (credential.Assertion, error)
}

// chipUser is the WebAuthn identity of u: the internal UUID as user handle
// (never the CPR number), the user ID as the name the browser shows.
func chipUser(u *User) credential.User {
	id := u.ID
	return credential.User{ID: id[:], Name: u.UserID}
}

// errNoChipVerifier is returned when Config.Chip is not set.
func errNoChipVerifier() error {
	return errorf(CodeConfigInvalid, "MitID chips are not configured: set Config.Chip")
}

// prepareChip readies the chip factor of a login: WebAuthn options for the
// browser and the challenge, kept in the login session until answered. u
// is nil for a decoy, whose options ask for its decoy chip.
func (s *Service) prepareChip(u *User, st *loginState) error {
	if s.chip == nil {
		return errNoChipVerifier()
	}
	if u == nil {
		user, cred := s.decoyChip(usedBy(st.Options[st.Choice], StepChip))
		return s.beginChip(st, user, cred)
	}
	a, err := u.Authenticator(usedBy(st.Options[st.Choice], StepChip))
	if err != nil {
		return err
	}
	if a.Chip == nil {
		return errorf(CodeSecretUnreadable, "this MitID chip has no registered credential; activate it again")
	}
	return s.beginChip(st, chipUser(u), *a.Chip)
}

// beginChip asks the chip verifier for the options and challenge of login
// st's chip factor, for cred of user.
func (s *Service) beginChip(st *loginState, user credential.User, cred credential.Credential) error {
	opts, ch, err := s.chip.BeginLogin(user, []credential.Credential{cred})
	if err != nil {
		return NewError(CodeSecretUnreadable, err, "the MitID chip cannot be asked to sign")
	}
	st.ChipOptions, st.ChipChallenge = opts, encodeChallenge(ch)
	return nil
}

// chipFactor verifies the chip's answer on login st (at version, its
// challenge taken), then a held password, and records the factors.
func (s *Service) chipFactor(ctx context.Context, id string, version int64, st *loginState, ch credential.Challenge, response []byte, now time.Time) (*Login, error) {
	if st.decoy() {
		return nil, s.decoyChipAnswer(ctx, id, st, ch, response, now)
	}
	ref := st.Options[st.Choice]
	chipID := usedBy(ref, StepChip)
	issued := time.Unix(0, st.ChipIssued)
	u, err := s.attemptOn(ctx, st.User, chipID, reachPossession, st, func(u *User, a *Authenticator, _ *loginState, now time.Time) ([]Event, error) {
		if a.Chip == nil {
			return nil, errorf(CodeSecretUnreadable, "this MitID chip has no registered credential; activate it again")
		}
		as, err := s.chip.FinishLogin(ch, chipUser(u), []credential.Credential{*a.Chip}, response)
		switch {
		case errors.Is(err, credential.ErrCounterNotIncreased) && a.LastUsedAt.After(issued):
			return nil, errorf(CodeChipStale, "your MitID chip has been used since this login asked for it; use the chip again")
		case errors.Is(err, credential.ErrCounterNotIncreased):
			e := errorf(CodeSuspectedClone, "your MitID chip answered with a counter it has used before, as a copy of it would; it is suspended until you contact MitID support")
			evs, terr := u.Transition(&s.policy, a.ID, StateSuspended, now, TransitionOptions{Reason: "suspected clone: signature counter did not increase"})
			if terr != nil {
				return nil, terr
			}
			return evs, refusal{e}
		case err != nil:
			// Not committed, so counted against nothing; only a signature
			// that does not verify counts against the login (SubmitChip).
			return nil, chipAnswerRefusal(err)
		}
		if err := as.Apply(a.Chip); err != nil {
			return nil, err
		}
		matched(a, now)
		return nil, nil
	})
	if err != nil {
		return nil, err
	}
	if ref.Method == MethodChip {
		if err := s.heldPassword(ctx, id, u, st, now); ErrorCode(err) == CodeBusy {
			// The password could not be checked, so nothing of it was
			// counted: the login keeps it and waits for the chip again
			// (SubmitChip gives a fresh challenge, since this answer's
			// counter is in). Only busy: a store failure may come after
			// the attempt committed, and keeping a wrong password then
			// would count it twice.
			return nil, err
		} else if err != nil {
			// Back to the password, then the chip again.
			st.Done, st.Used, st.Password = 0, st.Used[:0], nil
			if _, rerr := s.replaceSession(ctx, id, version, now, st.marshal()); rerr != nil && !errors.Is(rerr, ErrConflict) {
				return nil, rerr
			}
			return nil, err
		}
		st.Used = append(st.Used, ref.Password)
	}
	st.Done++
	st.Used = append(st.Used, chipID)
	st.Password = nil
	l, err := s.advance(ctx, id, version, u, st, now)
	if err != nil || !st.finishesHere() {
		return l, err
	}
	// Here the factor committed on its own: the finish follows it.
	if l.Result, err = s.finishLogin(ctx, id, false); err != nil {
		return nil, err
	}
	return l, nil
}

// decoyChipAnswer refuses the chip's answer on decoy login st (its
// challenge ch taken) as chipFactor refuses a stranger's answer at a real
// person's chip: the client limiter asked, a read where the real attempt
// reads the user (and commits nothing for an answer that does not
// verify), the same ChipVerifier checking it against the decoy chip
// (decoyChip), and its error in the same words (chipAnswerRefusal). Nobody
// has the decoy chip's key, so nothing verifies.
func (s *Service) decoyChipAnswer(ctx context.Context, id string, st *loginState, ch credential.Challenge, response []byte, now time.Time) error {
	if err := s.allowClient(ctx); err != nil {
		return err
	}
	if _, err := s.stepUser(ctx, uuid.Nil, id, now); err != nil {
		return err
	}
	user, cred := s.decoyChip(usedBy(st.Options[st.Choice], StepChip))
	_, err := s.chip.FinishLogin(ch, user, []credential.Credential{cred}, response)
	if err == nil {
		err = credential.ErrBadSignature // never: its private key was dropped
	}
	return chipAnswerRefusal(err)
}

// stepUser reads user for a step of login id; a decoy's login (user zero)
// has nobody to read, and reads its session instead, so that its step costs
// the store what a real one's does. It returns nil for a decoy.
func (s *Service) stepUser(ctx context.Context, user uuid.UUID, id string, now time.Time) (*User, error) {
	if user == uuid.Nil {
		_, err := s.store.Session(ctx, id, now)
		return nil, err
	}
	return s.store.User(ctx, user)
}

// chipAnswerRefusal is the refusal of a login's chip answer that the chip
// verifier refused with err, other than for its counter (see chipFactor).
func chipAnswerRefusal(err error) *Error {
	return chipRefusal(err, "the MitID chip's answer does not verify; try again")
}

// heldPassword checks the password a chip's login held (see holdPassword)
// now that the chip has answered, as an attempt on the password.
func (s *Service) heldPassword(ctx context.Context, id string, u *User, st *loginState, now time.Time) error {
	sealed, err := decodeSealed(st.Password)
	if err != nil {
		return errorf(CodeLoginInvalid, "the login session is damaged; start again")
	}
	plain, err := s.keys.Open(sealed, []byte(id))
	if err != nil {
		return errorf(CodeLoginInvalid, "the password of this login cannot be read any more; start again")
	}
	checked, ok, err := s.checkLoginPassword(ctx, u, st, string(plain), now)
	clear(plain)
	if err != nil {
		return err
	}
	_, err = s.attemptOn(ctx, st.User, st.Options[st.Choice].Password, reachPossession, st, func(u *User, a *Authenticator, _ *loginState, now time.Time) ([]Event, error) {
		return s.passwordAttempt(u, a, checked, ok, now)
	})
	return err
}

// renewChip gives login id a fresh chip challenge when it waits for the
// chip and has none (its last one was spent).
func (s *Service) renewChip(ctx context.Context, id string, now time.Time) error {
	_, err := s.store.UpdateSession(ctx, id, now, func(sess *Session) ([]byte, error) {
		st, err := decodeLogin(sess)
		switch {
		case errors.Is(err, errUnsettled): // a chip is never a first factor
			return sess.Data, nil
		case err != nil:
			return nil, err
		case st.next() != StepChip || len(st.ChipChallenge) > 0:
			return sess.Data, nil // nothing to renew
		}
		u, err := s.stepUser(ctx, st.User, id, now)
		if err != nil {
			return nil, err
		}
		if err := s.prepareStep(u, st, now); err != nil {
			return nil, err
		}
		return st.marshal(), nil
	})
	return err
}

// chipRegistration is what a chip registration session remembers.
type chipRegistration struct {
	Authenticator uuid.UUID `json:"authenticator"`
	Challenge     []byte    `json:"challenge"`
	// ByCode says an activation code opened the registration (its proof);
	// otherwise FinishChipRegistration needs a login (step B).
	ByCode bool `json:"by_code,omitempty"`
}

const chipRegistrationKind = "chip-registration"

// BeginChipRegistration starts step B of adding a chip through a login to
// MitID.dk (mitid.dk, "Activate your MitID chip"): connecting a chip whose
// access request has waited its 24 hours. FinishChipRegistration then
// needs the person's login (ChipActivation.Login). It returns the WebAuthn creation options for the browser
// and the ID of the single-use registration session. A chip that arrived
// by mail (pending activation) is not connected this way: it needs its
// activation code first (BeginChipActivationWithCode), or an access
// request and the wait.
func (s *Service) BeginChipRegistration(ctx context.Context, user, auth uuid.UUID) (options []byte, session string, err error) {
	if s.chip == nil {
		return nil, "", errNoChipVerifier()
	}
	u, err := s.store.User(ctx, user)
	if err != nil {
		return nil, "", err
	}
	now := s.clock.Now()
	if err := u.Usable(now); err != nil {
		return nil, "", err
	}
	a, err := u.Authenticator(auth)
	if err != nil {
		return nil, "", err
	}
	if a.Kind != KindChip {
		return nil, "", errorf(CodeTransitionForbidden, "this is a %s, not a MitID chip", a.Kind)
	}
	switch st := a.EffectiveState(now); {
	case st == StateWaitingForAccess && now.Before(a.WaitUntil):
		e := errorf(CodeWaitingPeriod, "you can connect your MitID chip from %s, when the 24-hour wait ends", a.WaitUntil.UTC().Format(time.RFC3339))
		e.Until = a.WaitUntil
		return nil, "", e
	case st == StatePendingActivation:
		return nil, "", errorf(CodeActivationInvalid, "activate this MitID chip with an activation code (from the app's passport scan or Citizen Service), or request access and wait 24 hours")
	case st != StateWaitingForAccess:
		return nil, "", errorf(CodeTransitionForbidden, "this MitID chip is %s; only a chip waiting for activation can be connected", st)
	}
	return s.chipSession(ctx, u, auth, now, false)
}

// chipSession opens the registration session of chip auth of u.
func (s *Service) chipSession(ctx context.Context, u *User, auth uuid.UUID, now time.Time, byCode bool) ([]byte, string, error) {
	var exclude []credential.Credential
	for _, o := range u.Authenticators {
		if o.Chip != nil && !o.State.Final() {
			exclude = append(exclude, *o.Chip)
		}
	}
	options, ch, err := s.chip.BeginRegistration(chipUser(u), exclude)
	if err != nil {
		return nil, "", NewError(CodeConfigInvalid, err, "the chip registration cannot start")
	}
	cj, err := json.Marshal(ch)
	if err != nil {
		return nil, "", err
	}
	data, err := json.Marshal(chipRegistration{Authenticator: auth, Challenge: cj, ByCode: byCode})
	if err != nil {
		return nil, "", err
	}
	session, err := s.sessionID()
	if err != nil {
		return nil, "", err
	}
	sess := &Session{ID: session, Kind: chipRegistrationKind, User: u.ID, Data: data, CreatedAt: now, ExpiresAt: ch.Expires}
	if err := s.store.CreateSession(ctx, sess); err != nil {
		return nil, "", err
	}
	return options, session, nil
}

// BeginChipActivationWithCode activates a chip with an activation code
// (mitid.dk, "Activate your MitID chip": from the app's passport scan, valid 30 minutes, or on paper
// from Citizen Service, valid 48 hours): "enter user ID → activation code",
// then connect the chip (FinishChipRegistration, with the new password).
// The code is redeemed here, counted as ActivateWithCode counts it; the
// registration session it opens is the proof FinishChipRegistration needs.
//
// The session is opened before the code is redeemed, and closed again if
// the code is not: opened after, a fault between the two (or a chip
// verifier that cannot begin) would spend the code, a paper one a visit to
// Citizen Service, on a registration that never opened. An open session
// whose code was not redeemed is no proof to anyone: its ID is returned
// only once the code is. It is opened only for a code that matches the
// person's as read, once nothing the redemption refuses before comparing
// refuses it (as ResetForgottenPassword hashes only then), so a stranger's
// wrong code costs no session. The client limiter is the exception: it is
// asked once a call, by the redemption, as its contract says.
func (s *Service) BeginChipActivationWithCode(ctx context.Context, userID string, auth uuid.UUID, code string) (options []byte, session string, err error) {
	if s.chip == nil {
		return nil, "", errNoChipVerifier()
	}
	found, err := s.findByUserID(ctx, userID)
	if err != nil {
		return nil, "", err
	}
	now := s.clock.Now()
	// The client limiter is asked once, by the attempt below.
	if found.Usable(now) == nil && s.budget(found, reachAnyone) == nil && chipAwaitsCode(found, auth, now) == nil {
		if c, _, err := s.matchingCode(found, PurposeActivation, code, now); err == nil && c != nil {
			if options, session, err = s.chipSession(ctx, found, auth, now, true); err != nil {
				return nil, "", err
			}
		}
	}
	_, _, err = s.attemptByUserID(ctx, userID, func(u *User, now time.Time) ([]Event, error) {
		if err := chipAwaitsCode(u, auth, now); err != nil {
			return nil, err
		}
		evs, err := s.redeemCode(u, PurposeActivation, code, now)
		if err == nil && session == "" {
			// A code that matches now and did not when it was read: a new
			// one was issued in between. Nothing is committed, the code
			// not used up.
			return nil, errorf(CodeConcurrentUpdate, "your MitID changed while the chip was being readied; try again")
		}
		return evs, err
	})
	if err != nil {
		if session != "" {
			_, _ = s.store.ConsumeSession(context.WithoutCancel(ctx), session, now)
		}
		return nil, "", err
	}
	return options, session, nil
}

// chipAwaitsCode refuses, as redeeming its activation code does, an
// authenticator auth of u that is not a chip waiting for activation at now.
func chipAwaitsCode(u *User, auth uuid.UUID, now time.Time) error {
	a, err := u.Authenticator(auth)
	if err != nil {
		return err
	}
	if a.Kind != KindChip {
		return errorf(CodeTransitionForbidden, "this is a %s, not a MitID chip: use ActivateWithCode", a.Kind)
	}
	if st := a.EffectiveState(now); st != StatePendingActivation && st != StateWaitingForAccess {
		return errorf(CodeTransitionForbidden, "this MitID chip is %s, not waiting for activation", st)
	}
	return nil
}

// ChipActivation completes a chip's activation.
type ChipActivation struct {
	// Password creates the MitID password, entered with the chip at every
	// use (mitid.dk: MitID chip), when the user has none yet; ignored otherwise.
	Password string
	// Replaces names a chip this one replaces.
	Replaces uuid.UUID
	// Login is step B's proof when the registration was opened after an
	// access request (BeginChipRegistration): a login of the person with
	// all factors in, made with another authenticator, which the Service
	// finishes. A registration opened with an activation code
	// (BeginChipActivationWithCode) needs none.
	Login string
}

// FinishChipRegistration verifies the browser's registration response,
// binds the chip's credential to the authenticator and activates it. The
// session is consumed before the response is verified, so a response is
// accepted once. What needs no response is checked before the session is
// used up: the session itself, that a login is given (step B), and the
// first password, its rules and its hash; so a password refused, a server
// too busy to hash it (CodeBusy) or a store that cannot be read costs the
// person nothing, least of all an activation code the session was opened
// with. A credential already bound to another MitID is refused
// (ErrConflict).
func (s *Service) FinishChipRegistration(ctx context.Context, session string, response []byte, act ChipActivation) (*User, []Event, error) {
	if s.chip == nil {
		return nil, nil, errNoChipVerifier()
	}
	now := s.clock.Now()
	sess, err := s.store.Session(ctx, session, now)
	if err != nil {
		return nil, nil, err
	}
	var reg chipRegistration
	var ch credential.Challenge
	if sess.Kind != chipRegistrationKind || json.Unmarshal(sess.Data, &reg) != nil || json.Unmarshal(reg.Challenge, &ch) != nil {
		return nil, nil, NotFoundSession()
	}
	u, err := s.store.User(ctx, sess.User)
	if err != nil {
		return nil, nil, err
	}
	if !reg.ByCode {
		if err := s.loginProvable(ctx, act.Login, u, now); err != nil {
			return nil, nil, err // before argon2id: a made-up login costs a read
		}
	}
	pw, pwID, err := s.firstPassword(u, act.Password, "chip")
	if err != nil {
		return nil, nil, err
	}
	if _, err := s.store.ConsumeSession(ctx, session, now); err != nil {
		return nil, nil, err
	}
	if !reg.ByCode {
		if _, err := s.proveLogin(ctx, act.Login, sess.User, reg.Authenticator, ""); err != nil {
			return nil, nil, err
		}
	}
	cred, err := s.chip.FinishRegistration(ctx, ch, chipUser(u), response)
	if err != nil {
		return nil, nil, chipRefusal(err, "the MitID chip's registration does not verify; connect it again")
	}
	return s.update(ctx, sess.User, func(u *User, now time.Time) ([]Event, error) {
		if err := u.Usable(now); err != nil {
			return nil, err
		}
		a, err := u.Authenticator(reg.Authenticator)
		if err != nil {
			return nil, err
		}
		c := cred
		a.Chip, a.CredentialID = &c, append([]byte(nil), cred.ID...)
		events, err := u.Transition(&s.policy, a.ID, StateActive, now, TransitionOptions{Replaces: act.Replaces})
		if err != nil {
			return nil, err
		}
		more, err := s.addFirstPassword(u, pw, pwID, now)
		return append(events, more...), err
	})
}

// chipRefusal names why package chip refused a browser's answer, so that a
// page can say what to do: a wrong origin is a phishing signal (the person is
// not on the real site), a malformed answer is the page's fault, an answer to
// another or an expired challenge is a replay or a stale page to reload.
// Everything else is a signature that does not verify (fallback).
func chipRefusal(err error, fallback string) *Error {
	switch {
	case errors.Is(err, credential.ErrOriginMismatch), errors.Is(err, credential.ErrRPIDMismatch):
		return NewError(CodeChipWrongOrigin, err, "the MitID chip answered a page that is not this site's; use the chip only on the site's own address")
	case errors.Is(err, credential.ErrInvalidResponse):
		return NewError(CodeChipMalformed, err, "the browser's answer from the MitID chip is malformed; reload the page and try again")
	case errors.Is(err, credential.ErrChallengeMismatch), errors.Is(err, credential.ErrChallengeExpired), errors.Is(err, credential.ErrInvalidChallenge):
		return NewError(CodeChipStale, err, "the MitID chip answered an earlier or expired request; use the chip again")
	}
	return NewError(CodeWrongSignature, err, "%s", fallback)
}
