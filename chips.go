package mitid

import (
	"context"
	"encoding/json"
	"errors"
	"time"

	"github.com/google/uuid"

	"github.com/go-mitid/mitid/chip"
)

// The MitID chip in the domain: registration at activation (step B of seed
// 001) and the chip factor of a login. The WebAuthn work is package chip's;
// this file keeps its challenges single use and its counter in the user
// aggregate.

// chipUser is the WebAuthn identity of u: the internal UUID as user handle
// (never the CPR number), the user ID as the name the browser shows.
func chipUser(u *User) chip.User {
	id := u.ID
	return chip.User{ID: id[:], Name: u.UserID}
}

// errNoChipVerifier is returned when Config.Chip is not set.
func errNoChipVerifier() error {
	return errorf(CodeConfigInvalid, "MitID chips are not configured: set Config.Chip")
}

// prepareChip readies the chip factor of a login: WebAuthn options for the
// browser and the challenge, kept in the login session until answered.
func (s *Service) prepareChip(u *User, st *loginState) error {
	if s.chip == nil {
		return errNoChipVerifier()
	}
	a, err := u.Authenticator(usedBy(st.Options[st.Choice], StepChip))
	if err != nil {
		return err
	}
	if a.Chip == nil {
		return errorf(CodeSecretUnreadable, "this MitID chip has no registered credential; activate it again")
	}
	opts, ch, err := s.chip.BeginLogin(chipUser(u), []chip.Credential{*a.Chip})
	if err != nil {
		return NewError(CodeSecretUnreadable, err, "the MitID chip cannot be asked to sign")
	}
	st.ChipOptions, st.ChipChallenge = opts, encodeChallenge(ch)
	return nil
}

// SubmitChip delivers the browser's WebAuthn assertion for the chip factor.
// The login's chip challenge is taken out of the session before the
// assertion is verified, so an assertion submitted twice is refused as a
// replay (ErrReplay) and never mistaken for a cloned chip. A chip whose
// counter does not increase is suspended as a possible clone.
func (s *Service) SubmitChip(ctx context.Context, id string, response []byte) (*Login, error) {
	if s.chip == nil {
		return nil, errNoChipVerifier()
	}
	now := s.clock.Now()
	var ch chip.Challenge
	var st *loginState
	taken, err := s.store.UpdateSession(ctx, id, now, func(sess *Session) ([]byte, error) {
		cur, err := decodeLogin(sess)
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
	l, err := s.stepOn(ctx, id, taken.Version, st, StepChip, now, func(u *User, a *Authenticator, _ *loginState, now time.Time) ([]Event, error) {
		if a.Chip == nil {
			return nil, errorf(CodeSecretUnreadable, "this MitID chip has no registered credential; activate it again")
		}
		as, err := s.chip.FinishLogin(ch, chipUser(u), []chip.Credential{*a.Chip}, response)
		if errors.Is(err, chip.ErrCounterNotIncreased) {
			e := errorf(CodeSuspectedClone, "your MitID chip answered with a counter it has used before, as a copy of it would; it is suspended until you contact MitID support")
			evs := s.failed(u, a, now, e)
			if a.EffectiveState(now) == StateActive {
				if more, err := u.Transition(&s.policy, a.ID, StateSuspended, now, TransitionOptions{Reason: "suspected clone: signature counter did not increase"}); err == nil {
					evs = append(evs, more...)
				}
			}
			return evs, refusal{e}
		}
		if err != nil {
			e := NewError(CodeWrongSignature, err, "the MitID chip's answer does not verify; try again")
			return s.failed(u, a, now, e), refusal{e}
		}
		if err := as.Apply(a.Chip); err != nil {
			return nil, err
		}
		succeeded(u, a, now)
		return nil, nil
	})
	if err != nil && !errors.Is(err, ErrReplay) {
		// The challenge is spent; give the login a fresh one so the person
		// can try again (unless the chip is now unusable).
		if _, perr := s.store.UpdateSession(ctx, id, now, func(sess *Session) ([]byte, error) {
			st, err := decodeLogin(sess)
			if err != nil || st.next() != StepChip || len(st.ChipChallenge) > 0 {
				return sess.Data, err // nothing to renew
			}
			u, err := s.store.User(ctx, st.User)
			if err != nil {
				return nil, err
			}
			if err := s.prepareChip(u, st); err != nil {
				return nil, err
			}
			return st.marshal(), nil
		}); perr != nil && !errors.Is(perr, ErrExpired) && !errors.Is(perr, ErrReplay) {
			return nil, perr
		}
	}
	return l, err
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
	var exclude []chip.Credential
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
func (s *Service) BeginChipActivationWithCode(ctx context.Context, userID string, auth uuid.UUID, code string) (options []byte, session string, err error) {
	if s.chip == nil {
		return nil, "", errNoChipVerifier()
	}
	u, _, err := s.attemptByUserID(ctx, userID, func(u *User, now time.Time) ([]Event, error) {
		a, err := u.Authenticator(auth)
		if err != nil {
			return nil, err
		}
		if a.Kind != KindChip {
			return nil, errorf(CodeTransitionForbidden, "this is a %s, not a MitID chip: use ActivateWithCode", a.Kind)
		}
		if st := a.EffectiveState(now); st != StatePendingActivation && st != StateWaitingForAccess {
			return nil, errorf(CodeTransitionForbidden, "this MitID chip is %s, not waiting for activation", st)
		}
		return s.redeemCode(u, PurposeActivation, code, now)
	})
	if err != nil {
		return nil, "", err
	}
	return s.chipSession(ctx, u, auth, s.clock.Now(), true)
}

// ChipActivation completes a chip's activation.
type ChipActivation struct {
	// Password creates the MitID password, entered with the chip at every
	// use (seed 003), when the user has none yet; ignored otherwise.
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
// session is consumed first, so a response is accepted once. A credential
// already bound to another MitID is refused (ErrConflict).
func (s *Service) FinishChipRegistration(ctx context.Context, session string, response []byte, act ChipActivation) (*User, []Event, error) {
	if s.chip == nil {
		return nil, nil, errNoChipVerifier()
	}
	now := s.clock.Now()
	sess, err := s.store.ConsumeSession(ctx, session, now)
	if err != nil {
		return nil, nil, err
	}
	var reg chipRegistration
	var ch chip.Challenge
	if sess.Kind != chipRegistrationKind || json.Unmarshal(sess.Data, &reg) != nil || json.Unmarshal(reg.Challenge, &ch) != nil {
		return nil, nil, NotFoundSession()
	}
	if !reg.ByCode {
		if _, err := s.proveLogin(ctx, act.Login, sess.User, reg.Authenticator, ""); err != nil {
			return nil, nil, err
		}
	}
	u, err := s.store.User(ctx, sess.User)
	if err != nil {
		return nil, nil, err
	}
	cred, err := s.chip.FinishRegistration(ctx, ch, chipUser(u), response)
	if err != nil {
		return nil, nil, NewError(CodeWrongSignature, err, "the MitID chip's registration does not verify; connect it again")
	}
	pw, pwID, err := s.firstPassword(u, act.Password, "chip")
	if err != nil {
		return nil, nil, err
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
