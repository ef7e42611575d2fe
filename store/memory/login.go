package memory

import (
	"context"
	"time"

	"github.com/google/uuid"

	"github.com/go-mitid/mitid"
)

// The optional capabilities a login step uses (see mitid.Store): the
// session and its user read under one lock, and the user's change and the
// session's committed in one.

var (
	_ mitid.AuthenticatorUpdater = (*Store)(nil)
	_ mitid.SessionReplacer      = (*Store)(nil)
	_ mitid.SessionUserReader    = (*Store)(nil)
	_ mitid.LoginUpdater         = (*Store)(nil)
)

// SessionUser returns the live session and the user it names, both
// committed snapshots read at one moment.
func (s *Store) SessionUser(ctx context.Context, id string, now time.Time) (*mitid.Session, *mitid.User, error) {
	if err := ctx.Err(); err != nil {
		return nil, nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	sess, err := s.liveSession(id, now)
	if err != nil {
		return nil, nil, err
	}
	if sess.User == uuid.Nil {
		return sess, nil, nil
	}
	u, err := s.committedUser(sess.User)
	if err != nil {
		return nil, nil, err
	}
	return sess, u, nil
}

// UpdateLogin is UpdateAuthenticator (UpdateUser when auth is uuid.Nil)
// whose commit also applies the session change fn asked for, if the
// session is still live and at at.Version. The user's lock makes reading
// it again free, so seen is not needed.
func (s *Store) UpdateLogin(ctx context.Context, seen *mitid.User, auth uuid.UUID, at mitid.SessionAt, fn mitid.LoginChange) (*mitid.User, *mitid.Session, error) {
	var change *mitid.SessionChange
	var applied *mitid.Session
	u, err := s.update(ctx, seen.ID, auth, func(u *mitid.User, a *mitid.Authenticator) ([]mitid.Event, error) {
		if at.Exact && u.Version != seen.Version {
			return nil, mitid.ConcurrentSessionUpdate() // decided on an older user: nothing
		}
		evs, c, err := fn(u, a)
		change = c
		return evs, err
	}, func() error {
		if change == nil && !at.Exact {
			return nil
		}
		cur, err := s.liveSession(at.ID, at.Now)
		if err != nil || cur.Version != at.Version {
			if at.Exact {
				return mitid.ConcurrentSessionUpdate()
			}
			return nil // expired, consumed or moved on: the user's change alone
		}
		if change == nil {
			return nil
		}
		applied = s.replaceSession(cur, func(next *mitid.Session) {
			if change.Consume {
				next.ConsumedAt = at.Now
			} else {
				next.Data = change.Data
			}
		})
		return nil
	})
	if err != nil {
		return nil, nil, err
	}
	return u, applied, nil
}
