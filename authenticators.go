package mitid

import (
	"context"
	"time"

	"github.com/google/uuid"
)

// Authenticators returns the user's authenticators as they stand now, with
// suspensions that have run out shown as active.
func (s *Service) Authenticators(ctx context.Context, user uuid.UUID) ([]Authenticator, error) {
	u, err := s.store.User(ctx, user)
	if err != nil {
		return nil, err
	}
	now := s.clock.Now()
	out := make([]Authenticator, len(u.Authenticators))
	for i, a := range u.Clone().Authenticators {
		if st := a.EffectiveState(now); st != a.State {
			a.State, a.SuspendedUntil = st, time.Time{}
		}
		out[i] = a
	}
	return out, nil
}

// AuthenticatorRequest describes an authenticator being registered.
type AuthenticatorRequest struct {
	Kind   Kind
	Label  string
	Serial string
	// State is the starting state: Ordered (a device on its way),
	// PendingActivation (in the holder's hands or being set up) or
	// WaitingForAccess (access requested; use RequestAccess for that).
	State State
}

// AddAuthenticator registers an authenticator that is not yet usable: a
// device ordered or received, an app being set up. It becomes usable only
// through activation. It returns the new authenticator's ID in the event.
func (s *Service) AddAuthenticator(ctx context.Context, user uuid.UUID, n AuthenticatorRequest) (*User, []Event, error) {
	if n.State != StateOrdered && n.State != StatePendingActivation {
		return nil, nil, errorf(CodeTransitionForbidden,
			"a new authenticator starts ordered or pending activation, not %s; activation makes it usable", n.State)
	}
	return s.register(ctx, user, Authenticator{Kind: n.Kind, State: n.State, Label: n.Label, Serial: n.Serial}, nil)
}

// register adds a (given a fresh ID, unless it has one) to a user whose
// MitID is usable, after check, if any, allows it. The event names the new
// authenticator.
func (s *Service) register(ctx context.Context, user uuid.UUID, a Authenticator, check func(u *User, now time.Time) error) (*User, []Event, error) {
	if a.ID == uuid.Nil {
		id, err := s.newID()
		if err != nil {
			return nil, nil, err
		}
		a.ID = id
	}
	return s.update(ctx, user, func(u *User, now time.Time) ([]Event, error) {
		if err := u.Usable(now); err != nil {
			return nil, err
		}
		if check != nil {
			if err := check(u, now); err != nil {
				return nil, err
			}
		}
		a := a
		if a.State == StateWaitingForAccess {
			a.WaitUntil = now.Add(s.policy.AccessRequestWait)
		}
		ev, err := u.AddAuthenticator(&s.policy, a, now)
		return []Event{ev}, err
	})
}

// RequestAccess is step A of adding an authenticator through a login to
// MitID.dk (mitid.dk: Activate your MitID chip): it registers the authenticator in WaitingForAccess,
// and activation is refused until Policy.AccessRequestWait (24 hours) has
// passed. The user is notified of the request.
func (s *Service) RequestAccess(ctx context.Context, user uuid.UUID, kind Kind, label string) (*User, []Event, error) {
	if kind != KindChip {
		return nil, nil, invalidField(CodeTransitionForbidden, "kind", "access is requested for a MitID chip only; a %s is activated with an activation code or while logged in", kind)
	}
	return s.register(ctx, user, Authenticator{Kind: kind, State: StateWaitingForAccess, Label: label}, nil)
}

// ActivateOptions qualify an activation.
type ActivateOptions struct {
	// Login is the proof: the ID of a login of the same person, with all
	// its factors in and made with another authenticator (MitID.dk's
	// "Add authenticator" while logged in). The Service finishes it.
	Login string
	// Replaces is an authenticator of the same group that the new one
	// replaces in the same change (mitid.dk: Ordering and activating a new MitID authenticator, process 1 and 2).
	Replaces uuid.UUID
	Reason   string
}

// ActivateAuthenticator makes a pending (or waited-for) authenticator usable
// for a person who is logged in with another of their authenticators:
// opt.Login is that login, which the Service finishes and checks (its
// person, and that it did not use this authenticator). Without it nothing
// is activated: a device taken from the mailbox is useless to whoever took
// it. The other way is an activation code (ActivateWithCode). The per-kind
// limits apply; a replacement moves the old authenticator to Replaced in
// the same commit.
//
// The authenticator must hold its secret: a code device its seed, an app
// its device key, a chip its credential (a chip is activated by connecting
// it: FinishChipRegistration).
func (s *Service) ActivateAuthenticator(ctx context.Context, user, auth uuid.UUID, opt ActivateOptions) (*User, []Event, error) {
	if _, err := s.proveLogin(ctx, opt.Login, user, auth, ""); err != nil {
		return nil, nil, err
	}
	return s.update(ctx, user, func(u *User, now time.Time) ([]Event, error) {
		if err := u.Usable(now); err != nil {
			return nil, err
		}
		a, err := u.Authenticator(auth)
		if err != nil {
			return nil, err
		}
		if err := a.missingSecret(); err != nil {
			return nil, err
		}
		return u.Transition(&s.policy, auth, StateActive, now, TransitionOptions{Replaces: opt.Replaces, Reason: opt.Reason})
	})
}

// MarkDelivered records that an ordered device reached its holder; it can
// then be activated.
func (s *Service) MarkDelivered(ctx context.Context, user, auth uuid.UUID) (*User, []Event, error) {
	return s.transition(ctx, user, auth, StatePendingActivation, TransitionOptions{Reason: "delivered"})
}

// SuspendAuthenticator suspends an authenticator until the given time or,
// when until is zero, until UnblockAuthenticator.
func (s *Service) SuspendAuthenticator(ctx context.Context, user, auth uuid.UUID, until time.Time, reason string) (*User, []Event, error) {
	if !until.IsZero() && !until.After(s.clock.Now()) {
		return nil, nil, invalidField(CodeTransitionForbidden, "until", "a suspension must end in the future")
	}
	return s.transition(ctx, user, auth, StateSuspended, TransitionOptions{Until: until, Reason: reason})
}

// BlockAuthenticator blocks an authenticator for good. A blocked code display
// or audio code reader must be re-ordered; a blocked chip may be added again
// as a new authenticator (its credential is released).
func (s *Service) BlockAuthenticator(ctx context.Context, user, auth uuid.UUID, reason string) (*User, []Event, error) {
	return s.transition(ctx, user, auth, StateBlocked, TransitionOptions{Reason: reason})
}

// UnblockAuthenticator lifts a suspension. Blocks are permanent and cannot be
// lifted; the error says what to do instead.
func (s *Service) UnblockAuthenticator(ctx context.Context, user, auth uuid.UUID, reason string) (*User, []Event, error) {
	return s.update(ctx, user, func(u *User, now time.Time) ([]Event, error) {
		a, err := u.Authenticator(auth)
		if err != nil {
			return nil, err
		}
		if st := a.EffectiveState(now); st != StateSuspended {
			if st.Final() {
				return nil, a.usable(now)
			}
			return nil, errorf(CodeTransitionForbidden, "your %s is not suspended (it is %s)", a.Kind, st)
		}
		evs, err := u.Transition(&s.policy, auth, StateActive, now, TransitionOptions{Reason: reason})
		if err == nil {
			a.Suspensions = 0
		}
		return evs, err
	})
}

func (s *Service) transition(ctx context.Context, user, auth uuid.UUID, to State, opt TransitionOptions) (*User, []Event, error) {
	return s.update(ctx, user, func(u *User, now time.Time) ([]Event, error) {
		return u.Transition(&s.policy, auth, to, now, opt)
	})
}
