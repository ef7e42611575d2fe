package mitid

import (
	"context"
	"errors"
	"time"

	"github.com/google/uuid"
)

// How the Service uses a store's optional capabilities (see Store): each
// method here uses one when the store has it and otherwise does the same
// work through the core contract. The capabilities are looked up on the
// configured store (s.raw), since the Service's view of it (identifierStore)
// embeds only the core contract; identifiers are opened here as that view
// opens them.

// ids is the Service's identifier view of its store.
func (s *Service) ids() identifierStore {
	return identifierStore{Store: s.raw, keys: s.keys, rand: s.rand, watch: s.watch}
}

// updateAuthenticator is AuthenticatorUpdater.UpdateAuthenticator, or
// UpdateUser passing fn the user's authenticator auth.
func (s *Service) updateAuthenticator(ctx context.Context, id, auth uuid.UUID, fn func(u *User, a *Authenticator) ([]Event, error)) (*User, error) {
	if c, ok := s.raw.(AuthenticatorUpdater); ok {
		evs := s.watch.events()
		u, err := s.ids().opened(c.UpdateAuthenticator(ctx, id, auth, func(u *User, a *Authenticator) ([]Event, error) {
			// u's own fields are private here (User.CloneFor); Document is
			// shared, and openIdentifiers replaces it rather than change it.
			s.keys.openIdentifiers(u)
			return keep(evs)(fn(u, a))
		}))
		s.watch.committed(ctx, "update_authenticator", id, evs, err)
		return u, err
	}
	return s.store.UpdateUser(ctx, id, func(u *User) ([]Event, error) {
		a, err := u.Authenticator(auth)
		if err != nil {
			return nil, err
		}
		return fn(u, a)
	})
}

// replaceSession is SessionReplacer.ReplaceSession, or UpdateSession with
// a function that refuses any version but version.
func (s *Service) replaceSession(ctx context.Context, id string, version int64, now time.Time, data []byte) (*Session, error) {
	if c, ok := s.raw.(SessionReplacer); ok {
		return c.ReplaceSession(ctx, id, version, now, data)
	}
	return s.store.UpdateSession(ctx, id, now, func(sess *Session) ([]byte, error) {
		if sess.Version != version {
			return nil, ConcurrentSessionUpdate()
		}
		return data, nil
	})
}

// sessionUser is SessionUserReader.SessionUser, or Session then User.
func (s *Service) sessionUser(ctx context.Context, id string, now time.Time) (*Session, *User, error) {
	if c, ok := s.raw.(SessionUserReader); ok {
		sess, u, err := c.SessionUser(ctx, id, now)
		if err != nil {
			return nil, nil, err
		}
		u, _ = s.ids().opened(u, nil)
		return sess, u, nil
	}
	sess, err := s.store.Session(ctx, id, now)
	if err != nil || sess.User == uuid.Nil {
		return sess, nil, err
	}
	u, err := s.store.User(ctx, sess.User)
	if err != nil {
		return nil, nil, err
	}
	return sess, u, nil
}

// hasLoginUpdater reports whether the store commits a user and a session
// together.
func (s *Service) hasLoginUpdater() bool {
	_, ok := s.raw.(LoginUpdater)
	return ok
}

// updateLogin is LoginUpdater.UpdateLogin. Without it the user commits
// first (UpdateAuthenticator or UpdateUser) and the session after
// (ReplaceSession or UpdateSession, or ConsumeSession): the order in which
// a fault half-way leaves nothing unsafe (a login finished in the user's
// record is refused again even if its session survives). Then u is the
// committed user even when err, the session's error, is not nil; callers
// look at u to know whether the user's change is in.
func (s *Service) updateLogin(ctx context.Context, seen *User, auth uuid.UUID, at SessionAt, fn LoginChange) (*User, *Session, error) {
	if c, ok := s.raw.(LoginUpdater); ok {
		evs := s.watch.events()
		u, sess, err := c.UpdateLogin(ctx, seen, auth, at, func(u *User, a *Authenticator) ([]Event, *SessionChange, error) {
			s.keys.openIdentifiers(u)
			e, change, err := fn(u, a)
			if evs != nil {
				*evs = e
			}
			return e, change, err
		})
		s.watch.committed(ctx, "update_login", seen.ID, evs, err)
		if err != nil {
			return nil, nil, err
		}
		u, _ = s.ids().opened(u, nil)
		return u, sess, nil
	}
	var change *SessionChange
	decide := func(u *User, a *Authenticator) ([]Event, error) {
		evs, c, err := fn(u, a)
		change = c
		return evs, err
	}
	var u *User
	var err error
	if auth == uuid.Nil {
		u, err = s.store.UpdateUser(ctx, seen.ID, func(u *User) ([]Event, error) { return decide(u, nil) })
	} else {
		u, err = s.updateAuthenticator(ctx, seen.ID, auth, decide)
	}
	if err != nil || change == nil {
		return u, nil, err
	}
	var sess *Session
	if change.Consume {
		sess, err = s.store.ConsumeSession(ctx, at.ID, at.Now)
	} else {
		sess, err = s.replaceSession(ctx, at.ID, at.Version, at.Now, change.Data)
	}
	if errors.Is(err, ErrConflict) {
		return u, nil, nil // moved on: not applied, as UpdateLogin says
	}
	return u, sess, err
}

// loadLoginUser reads a live login session, its state and its user (nil
// for a decoy), in one read when the store can.
func (s *Service) loadLoginUser(ctx context.Context, id string, now time.Time) (*Session, *loginState, *User, error) {
	sess, u, err := s.sessionUser(ctx, id, now)
	if err != nil {
		return nil, nil, nil, err
	}
	st, err := s.decodeLoginOn(sess, u, now)
	if err != nil {
		return nil, nil, nil, err
	}
	if st.User != sess.User || (u == nil) != st.decoy() {
		return nil, nil, nil, errorf(CodeLoginInvalid, "the login session is damaged; start again")
	}
	return sess, st, u, nil
}

// loginAttempt is attemptOn for the factor of a login: the attempt on
// authenticator auth of seen (the user as the step read it) and, when it
// succeeds, next's change of the login session at (and next's events),
// commit together when the store can (LoginUpdater). A refusal commits the
// attempt's failures and leaves the session alone. It returns the
// committed user, the session's new state (nil when next asked for nothing
// or the session moved on meanwhile) and the attempt's outcome.
func (s *Service) loginAttempt(ctx context.Context, seen *User, auth uuid.UUID, r reach, st *loginState, at SessionAt, verify verifier,
	next func(u *User) ([]Event, *SessionChange, error)) (*User, *Session, error) {
	if err := s.allowClient(ctx); err != nil {
		return nil, nil, err
	}
	var outcome error
	u, sess, err := s.updateLogin(ctx, seen, auth, at, func(u *User, a *Authenticator) ([]Event, *SessionChange, error) {
		evs, err := s.decideAttempt(ctx, u, a, r, st, verify, &outcome)
		if err != nil || outcome != nil {
			return evs, nil, err
		}
		more, change, err := next(u)
		if err != nil {
			return nil, nil, err
		}
		return append(evs, more...), change, nil
	})
	if u == nil {
		return nil, nil, again(at, err) // nothing committed
	}
	s.tellClient(ctx, outcome)
	if outcome != nil {
		return u, nil, outcome
	}
	return u, sess, err
}

// movedOn is the error of a login step whose factor is in the user's
// record but whose session changed meanwhile: it says why, reading the
// session (expired, consumed), or that the login moved on.
func (s *Service) movedOn(ctx context.Context, id string, now time.Time) error {
	if _, err := s.store.Session(ctx, id, now); err != nil {
		return err
	}
	return errorf(CodeLoginOrder, "this login moved on meanwhile; reload it")
}
