package mitid

import (
	"context"
	"time"

	"github.com/google/uuid"
)

// Changing the password through MitID.dk (mitid.dk password help): the
// person logged in asks for access, waits Policy.PasswordChangeWait (24
// hours; RunDue tells them when access is granted), then logs in again and
// sets the new password. A person who forgot it gets an activation code
// (passport scan in the app, or on paper at Citizen Service) and sets a new
// one with it.

// RequestPasswordChange is "request access" for a password change, by a
// person logged in (login: a login of theirs with all factors in, which the
// Service finishes). The change is possible from now plus
// Policy.PasswordChangeWait; the person is notified of the request at once.
func (s *Service) RequestPasswordChange(ctx context.Context, user uuid.UUID, login string) (*User, []Event, error) {
	if _, err := s.proveLogin(ctx, login, user, uuid.Nil, ""); err != nil {
		return nil, nil, err
	}
	return s.update(ctx, user, func(u *User, now time.Time) ([]Event, error) {
		if err := u.Usable(now); err != nil {
			return nil, err
		}
		if activePassword(u, now) == nil {
			return nil, errorf(CodeAuthenticatorNotFound, "you have no password to change")
		}
		u.PasswordChangeFrom = now.Add(s.policy.PasswordChangeWait)
		return []Event{{Type: EventAccessRequested, Kind: KindPassword, Until: u.PasswordChangeFrom, Notify: deliveries(u),
			Reason: "password change requested"}}, nil
	})
}

// ChangePasswordAfterWait sets a new password once the wait after
// RequestPasswordChange has passed (at Policy.PasswordChangeWait exactly,
// not a second before), for the person logged in again (login, as in
// RequestPasswordChange). The request is then used up.
func (s *Service) ChangePasswordAfterWait(ctx context.Context, user uuid.UUID, login, password string) (*User, []Event, error) {
	u, err := s.store.User(ctx, user)
	if err != nil {
		return nil, nil, err
	}
	now := s.clock.Now()
	if err := passwordWaitOver(u, now); err != nil {
		return nil, nil, err
	}
	if err := s.loginProvable(ctx, login, u, now); err != nil {
		return nil, nil, err // before argon2id: a made-up login costs a read
	}
	h, err := s.newPassword(u, password)
	if err != nil {
		return nil, nil, err
	}
	if _, err := s.proveLogin(ctx, login, user, uuid.Nil, ""); err != nil {
		return nil, nil, err
	}
	return s.update(ctx, user, func(u *User, now time.Time) ([]Event, error) {
		if err := u.Usable(now); err != nil {
			return nil, err
		}
		if err := passwordWaitOver(u, now); err != nil {
			return nil, err
		}
		pw := activePassword(u, now)
		if pw == nil {
			return nil, errorf(CodeAuthenticatorNotFound, "you have no password to change")
		}
		pw.Password, pw.Failures = h, 0
		u.PasswordChangeFrom = time.Time{}
		return []Event{{Type: EventPasswordChanged, Authenticator: pw.ID, Kind: KindPassword, Reason: "changed after the waiting period"}}, nil
	})
}

// passwordWaitOver reports whether u may change the password at now.
func passwordWaitOver(u *User, now time.Time) error {
	if u.PasswordChangeFrom.IsZero() {
		return errorf(CodeWaitingPeriod, "request access to change your password first; you can change it 24 hours later")
	}
	if now.Before(u.PasswordChangeFrom) {
		e := errorf(CodeWaitingPeriod, "you can change your password from %s, when the waiting period ends", u.PasswordChangeFrom.UTC().Format(time.RFC3339))
		e.Until = u.PasswordChangeFrom
		return e
	}
	return nil
}

// ResetForgottenPassword sets a new password for a person who forgot it,
// with an activation code as the proof (from the app's passport scan or on
// paper from Citizen Service; not one by SMS, which a thief of the phone
// could have). Wrong codes count as in ActivateWithCode.
//
// Anyone who knows a user ID can call it, so the new password is hashed
// (argon2id, the dearest work here, and within Policy.Argon2MemoryBudget,
// which the logins' password checks share) only when the code matches one
// of the person's as last read: a wrong code is refused and counted
// without a hash, so a stranger's guesses cost what a wrong code costs,
// and cannot keep the budget full to turn the logins' passwords away.
func (s *Service) ResetForgottenPassword(ctx context.Context, userID, code, password string) (*User, []Event, error) {
	found, err := s.findByUserID(ctx, userID)
	if err != nil {
		return nil, nil, err
	}
	if err := s.policy.checkPassword(password, found); err != nil {
		return nil, nil, err
	}
	// What the attempt would refuse before it compares is refused before
	// this comparison too: past the budget or the client's limit, nothing
	// more is compared, not even here, where it would count for nothing.
	now := s.clock.Now()
	if err := s.allowClient(ctx); err != nil {
		return nil, nil, err
	}
	if err := found.Usable(now); err != nil {
		return nil, nil, err
	}
	if err := s.budget(found, reachAnyone); err != nil {
		return nil, nil, err
	}
	var h *PasswordHash
	if c, _, err := s.matchingCode(found, PurposeActivation, code, now, CodeBySMS); err == nil && c != nil {
		if h, err = s.hashNew(password); err != nil {
			return nil, nil, err
		}
	}
	id, err := s.newID()
	if err != nil {
		return nil, nil, err
	}
	return s.attemptByUserID(ctx, userID, func(u *User, now time.Time) ([]Event, error) {
		evs, err := s.redeemCode(u, PurposeActivation, code, now, CodeBySMS)
		if err != nil {
			return evs, err
		}
		if h == nil {
			// A code that matches now and did not when it was read: a new
			// one was issued in between. Nothing is committed, the code
			// not used up.
			return nil, errorf(CodeConcurrentUpdate, "your MitID changed while the password was being reset; try again")
		}
		if pw := activePassword(u, now); pw != nil {
			pw.Password, pw.Failures = h, 0
			if pw.EffectiveState(now) == StateSuspended {
				moved, err := u.Transition(&s.policy, pw.ID, StateActive, now, TransitionOptions{Reason: "new password"})
				if err != nil {
					return nil, err
				}
				evs = append(evs, moved...)
			}
			return append(evs, Event{Type: EventPasswordChanged, Authenticator: pw.ID, Kind: KindPassword, Reason: "forgotten password reset with an activation code"}), nil
		}
		ev, err := u.AddAuthenticator(&s.policy, Authenticator{ID: id, Kind: KindPassword, State: StateActive, Password: h}, now)
		return append(evs, ev), err
	})
}

// newPassword checks a new password for u against the policy and hashes it
// within the hash gate (outside any update: argon2 is slow, and an update
// may run twice).
func (s *Service) newPassword(u *User, password string) (*PasswordHash, error) {
	if err := s.policy.checkPassword(password, u); err != nil {
		return nil, err
	}
	return s.hashNew(password)
}
