package mitid

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"slices"
	"time"

	"github.com/google/uuid"
)

// A change that needs the person to have logged in (activating an
// authenticator by login, replacing one, ordering identified by MitID, a
// witness confirming) takes the ID of a login whose factors are all in and
// finishes it itself. The proof is then this Service's own record, never
// a flag or a result the caller could make up, and it serves once:
// FinishLogin consumes the login.

// proveLogin finishes login id and checks it is by user (when user is not
// zero), did not use the authenticator not (when not zero), and, when text
// is not empty, showed exactly that transaction text.
func (s *Service) proveLogin(ctx context.Context, id string, user, not uuid.UUID, text string) (proved *LoginResult, gotErr error) {
	defer s.observeFinish(ctx, CallProveLogin, time.Now(), &proved, &gotErr)
	if id == "" {
		return nil, invalidField(CodeLoginInvalid, "login", "log in with MitID first")
	}
	res, err := s.finishLogin(ctx, id, true)
	if ErrorCode(err) == CodeSessionUsed && user != uuid.Nil {
		// Finished already, by the site the person logged on to: it
		// proves the login once, within the session's lifetime.
		res, err = s.proveFinished(ctx, id, user)
	}
	if err != nil {
		return nil, err
	}
	if user != uuid.Nil && res.User != user {
		return nil, invalidField(CodeIdentificationFailed, "login", "this login is another person's; log in with your own MitID")
	}
	if not != uuid.Nil {
		for _, a := range res.Authenticators {
			if a == not {
				return nil, invalidField(CodeIdentificationFailed, "login", "log in with another authenticator than this one")
			}
		}
	}
	if text != "" {
		want := sha256.Sum256([]byte(text))
		if subtle.ConstantTimeCompare(want[:], res.TextHash[:]) != 1 {
			return nil, invalidField(CodeIdentificationFailed, "login", "the login did not show the text of this act; log in again with the text given")
		}
	}
	return res, nil
}

// proveFinished is proveLogin for login id that user finished with this
// Service within Policy.LoginSessionTTL and that has proved nothing yet:
// it marks it used, atomically, and returns what it recorded.
func (s *Service) proveFinished(ctx context.Context, id string, user uuid.UUID) (*LoginResult, error) {
	var res *LoginResult
	_, _, err := s.update(ctx, user, func(u *User, now time.Time) ([]Event, error) {
		l := u.finishedLogin(id, now, s.policy.LoginSessionTTL)
		if l == nil || l.Proved {
			return nil, errorf(CodeSessionUsed, "this login has been used already; log in again")
		}
		l.Proved = true
		res = &LoginResult{Login: id, User: u.ID, Action: l.Action, TextHash: l.TextHash, Method: l.Method,
			Authenticators: slices.Clone(l.Authenticators), LoA: l.LoA, At: l.At}
		return nil, nil
	})
	return res, err
}

// loginProvable reports whether login id could prove itself for user u (as
// read) at now, changing nothing: a login of u whose every factor is in, or
// one that u finished within Policy.LoginSessionTTL and that has proved
// nothing yet. A method whose proof is a login asks it before dear work
// (argon2id), so that a made-up login, or another person's, is refused for
// the price of a read; and it uses the login (proveLogin) only once that
// work is done, so that a refusal as busy costs the person nothing. A
// begun login is not settled and so not complete, whoever's it is.
//
// It also refuses, for the person's own login, what proving it would
// refuse: a MitID blocked or suspended since, and for a login not yet
// finished an authenticator it used that is closed since, or a level
// below the one it asked for (as decideFinish refuses them). Otherwise a
// login that can never be used up would pass here again and again, each
// time for argon2id's price.
func (s *Service) loginProvable(ctx context.Context, id string, u *User, now time.Time) error {
	if id == "" {
		return invalidField(CodeLoginInvalid, "login", "log in with MitID first")
	}
	sess, err := s.store.Session(ctx, id, now)
	if ErrorCode(err) == CodeSessionUsed {
		if l := u.finishedLogin(id, now, s.policy.LoginSessionTTL); l != nil && !l.Proved {
			return u.Usable(now)
		}
	}
	if err != nil {
		return err
	}
	st, err := rawLogin(sess)
	if err != nil {
		return err
	}
	if st.Begun != "" || st.next() != StepDone {
		return errorf(CodeLoginOrder, "the login is not complete; give every factor it asks for first")
	}
	if st.User != u.ID {
		return invalidField(CodeIdentificationFailed, "login", "this login is another person's; log in with your own MitID")
	}
	_, _, err = finishable(u, st, nil, now)
	return err
}
