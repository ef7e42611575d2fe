package mitid

import (
	"context"
	"errors"
	"slices"
	"time"

	"github.com/google/uuid"

	"github.com/go-mitid/mitid/chip/credential"
)

// A chip's answer that verifies commits in one change where the store can
// (LoginUpdater): the chip's counter, the held password's attempt (in a
// chip's login) and the login's next state together. The answer is
// verified on the user as the step read it, and the change commits only on
// that same state (its version), so that a concurrent change (the same
// answer submitted twice, a second tab) makes the step read the login
// again rather than judge the answer on a state it was not checked on:
// the login has then moved on, and the answer is refused as a replay,
// never taken for a cloned chip. Everything else (an answer that does not
// verify, a stale counter, a suspected clone, a decoy) goes the way of
// SubmitChip, which takes the challenge out of the login first.

// errChipRetry says the user changed between the step's read and its
// commit: read the login again.
var errChipRetry = errors.New("the user changed since the chip's answer was checked")

// chipRetries bounds how often submitChipAtOnce reads the login again
// before it leaves the answer to SubmitChip's way.
const chipRetries = 4

// submitChipAtOnce is SubmitChip for an answer that verifies; done is false
// when SubmitChip must take the answer its own way (nothing was committed).
func (s *Service) submitChipAtOnce(ctx context.Context, id string, response []byte) (l *Login, done bool, err error) {
	for range chipRetries {
		l, done, err = s.chipAtOnce(ctx, id, response)
		if !errors.Is(err, errChipRetry) {
			return l, done, err
		}
	}
	return nil, false, nil
}

func (s *Service) chipAtOnce(ctx context.Context, id string, response []byte) (*Login, bool, error) {
	now := s.clock.Now()
	sess, st, seen, err := s.loadLoginUser(ctx, id, now)
	if err != nil {
		return nil, true, err
	}
	if next := st.next(); next != StepChip {
		return nil, true, errorf(CodeLoginOrder, "this login waits for the %s, not the chip", next)
	}
	if len(st.ChipChallenge) == 0 {
		return nil, false, nil
	}
	ch, err := decodeChallenge(st.ChipChallenge)
	if err != nil {
		return nil, false, nil
	}
	ref := st.Options[st.Choice]
	chipID := usedBy(ref, StepChip)
	if st.decoy() {
		// Checked as a real chip's answer is checked here, against the
		// decoy chip, which nothing answers: SubmitChip's way refuses it.
		user, cred := s.decoyChip(chipID)
		_, _ = s.chip.FinishLogin(ch, user, []credential.Credential{cred}, response)
		return nil, false, nil
	}
	c, err := seen.Authenticator(chipID)
	if err != nil || c.Chip == nil {
		return nil, false, nil
	}
	as, err := s.chip.FinishLogin(ch, chipUser(seen), []credential.Credential{*c.Chip}, response)
	if err != nil {
		return nil, false, nil
	}
	if err := s.allowClient(ctx); err != nil {
		return nil, true, err
	}
	// The held password is checked now, behind the chip's proof, and
	// outside any lock (see holdPassword).
	auth := chipID
	var checked *PasswordHash
	var ok bool
	var pwErr error
	if ref.Method == MethodChip {
		auth = uuid.Nil // the chip and the password change
		sealed, err := decodeSealed(st.Password)
		if err != nil {
			return nil, false, nil
		}
		plain, err := s.keys.Open(sealed, []byte(id))
		if err != nil {
			return nil, false, nil
		}
		checked, ok, pwErr = s.checkLoginPassword(ctx, seen, st, string(plain), now)
		clear(plain)
		if serverSide(pwErr) {
			// The password could not be checked (the server is at its
			// limit of checks): nothing commits, and the login waits for
			// the same answer again, with the password it holds.
			return nil, true, pwErr
		}
	}
	var outcome, pwOutcome error
	var next *loginState
	var res *LoginResult
	committed, after, err := s.updateLogin(ctx, seen, auth, SessionAt{ID: id, Version: sess.Version, Now: now}, func(u *User, a *Authenticator) ([]Event, *SessionChange, error) {
		if u.Version != seen.Version {
			return nil, nil, errChipRetry
		}
		if a == nil {
			var err error
			if a, err = u.Authenticator(chipID); err != nil {
				return nil, nil, err
			}
		}
		evs, err := s.decideAttempt(ctx, u, a, reachPossession, st, func(u *User, a *Authenticator, _ *loginState, now time.Time) ([]Event, error) {
			if a.Chip == nil {
				return nil, errorf(CodeSecretUnreadable, "this MitID chip has no registered credential; activate it again")
			}
			// The state is the one the answer was verified on, so the
			// counter it carries is accepted here as it was there.
			if err := as.Apply(a.Chip); err != nil {
				return nil, chipRefusal(err, "the MitID chip's answer does not verify; try again")
			}
			matched(a, now)
			return nil, nil
		}, &outcome)
		if err != nil || outcome != nil {
			return evs, nil, err
		}
		if ref.Method != MethodChip {
			next = st.with(chipID)
			next.ChipChallenge, next.ChipOptions = nil, nil
			if err := s.prepareStep(u, next, now); err != nil {
				return nil, nil, err
			}
			return s.stepChange(ctx, u, id, next, now, false, evs, &res) // the chip's counter: durable
		}
		back := func(out error) ([]Event, *SessionChange, error) {
			// Back to the password, then the chip again.
			pwOutcome = out
			ns := *st
			ns.Done, ns.Used, ns.Password, ns.ChipChallenge, ns.ChipOptions = 0, nil, nil, nil, nil
			return evs, &SessionChange{Data: ns.marshal()}, nil
		}
		if pwErr != nil {
			return back(pwErr)
		}
		pw, err := u.Authenticator(ref.Password)
		if err != nil {
			return back(err)
		}
		var pwOut error
		pevs, err := s.decideAttempt(ctx, u, pw, reachPossession, st, func(u *User, a *Authenticator, _ *loginState, now time.Time) ([]Event, error) {
			return s.passwordAttempt(u, a, checked, ok, now)
		}, &pwOut)
		evs = append(evs, pevs...)
		if err != nil {
			return back(err)
		}
		if pwOut != nil {
			return back(pwOut)
		}
		ns := *st
		ns.Done++
		ns.Used = append(slices.Clip(st.Used), ref.Password, chipID)
		ns.Password, ns.ChipChallenge, ns.ChipOptions = nil, nil, nil
		next = &ns
		if err := s.prepareStep(u, next, now); err != nil {
			return nil, nil, err
		}
		return s.stepChange(ctx, u, id, next, now, false, evs, &res) // the chip's counter: durable
	})
	if errors.Is(err, errChipRetry) {
		return nil, false, err
	}
	if err != nil {
		return nil, true, err
	}
	s.tellClient(ctx, outcome)
	s.tellClient(ctx, pwOutcome)
	switch {
	case outcome != nil:
		return nil, true, outcome
	case pwOutcome != nil:
		return nil, true, pwOutcome
	case after == nil:
		return nil, true, s.movedOn(ctx, id, now)
	}
	// The chip has proved possession: what follows (FinishLogin) may be
	// decided on what this step committed (see logincache.go).
	return s.stepped(after, committed, next, res, now), true, nil
}
