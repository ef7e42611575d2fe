package mitid

import (
	"context"
	"time"

	"github.com/google/uuid"
)

// Throttling, on by default (mitid.dk; NIST SP 800-63B §5.2.2):
//
//   - Each authenticator counts its consecutive wrong attempts; at
//     Policy.WrongCodeLimit (3) it is suspended for SuspensionDuration (15
//     min). A suspension that is the SuspensionsBeforeBlock-th in a row, each
//     within SuspensionWindow (24 h) of the last, blocks it instead; older
//     suspensions are forgotten, so nobody can walk a device to a block over
//     weeks.
//   - The password counts apart from the devices it goes with.
//   - Only a guess counts: a wrong code, a wrong password, a chip answer
//     that does not verify. An app approval that does not verify guesses
//     nothing (the PIN is checked on the phone and never leaves it), so it
//     counts against the login, which ends after WrongCodeLimit of them,
//     and never against the app or the account.
//   - The account counts every failed guess, attempts on a suspended
//     authenticator included; at MaxConsecutiveFailures (100) the whole
//     MitID is blocked for AccountLockout (1 hour), so no account ever sees
//     more than 100 consecutive failures (NIST), and a stranger who knows
//     only the user ID cannot block it for good. The count is not reset by
//     the lockout: after it, each further failure locks again, so guessing
//     proceeds at one try per lockout.
//   - A success resets the authenticator's and the account's counts.

// failed records a failed guess against a (nil when the attempt named no
// usable authenticator) and returns the events to commit. cause is why the
// attempt failed; it goes into the event.
func (s *Service) failed(u *User, a *Authenticator, now time.Time, cause error) []Event {
	reason := string(ErrorCode(cause))
	u.Failures++
	ev := Event{Type: EventAuthenticatorFailed, Reason: reason}
	var events []Event
	if a != nil {
		ev.Authenticator, ev.Kind = a.ID, a.Kind
		if a.EffectiveState(now) == StateActive {
			a.Failures++
		}
	}
	events = append(events, ev)
	if a != nil && a.EffectiveState(now) == StateActive && a.Failures >= s.policy.WrongCodeLimit {
		if !a.LastSuspendedAt.IsZero() && now.Sub(a.LastSuspendedAt) > s.policy.SuspensionWindow {
			a.Suspensions = 0
		}
		a.Suspensions++
		a.Failures, a.LastSuspendedAt = 0, now
		to, opt := StateSuspended, TransitionOptions{Until: now.Add(s.policy.SuspensionDuration), Reason: "too many wrong attempts"}
		if a.Suspensions >= s.policy.SuspensionsBeforeBlock {
			to, opt = StateBlocked, TransitionOptions{Reason: "suspended too many times in a row"}
		}
		evs, err := u.Transition(&s.policy, a.ID, to, now, opt)
		if err == nil {
			events = append(events, evs...)
		}
	}
	if u.Failures >= s.policy.MaxConsecutiveFailures && u.Usable(now) == nil {
		until := now.Add(s.policy.AccountLockout)
		// The count stays: after the lockout, each further failure locks
		// again, so guessing goes at one try an hour.
		u.Status, u.BlockedUntil, u.BlockReason = UserBlocked, until, "too many failed attempts"
		events = append(events, Event{Type: EventUserBlocked, Until: until, Reason: u.BlockReason})
	}
	return events
}

// succeeded records a successful use of a at now.
func succeeded(u *User, a *Authenticator, now time.Time) {
	a.Failures, a.Suspensions, a.LastUsedAt = 0, 0, now
	u.Failures = 0
}

// refusal is an error that nonetheless commits: the attempt failed, and the
// failure counts must be stored. attempt returns it after the commit.
type refusal struct{ err error }

func (r refusal) Error() string { return r.err.Error() }

// attempt runs one authentication attempt on user id as an update: fn
// returns the events to commit and the attempt's outcome. The events are
// committed either way; the outcome is returned after the commit. The user
// it returns is the store's read-only snapshot (a login step only reads
// it), so a caller returning it from a public method clones it.
func (s *Service) attempt(ctx context.Context, id uuid.UUID, fn func(u *User, now time.Time) ([]Event, error)) (*User, error) {
	var outcome error
	u, err := s.store.UpdateUser(ctx, id, func(u *User) ([]Event, error) {
		now := s.clock.Now()
		evs, out := fn(u, now)
		return s.settle(ctx, u, now, evs, out, &outcome)
	})
	if err != nil {
		return nil, err
	}
	return u, outcome
}

// attemptOn is attempt for an attempt that changes only authenticator auth
// and the account's counters (a login factor, a password change): the store
// copies that one authenticator for fn, not the whole user (see
// Store.UpdateAuthenticator), and fn gets it as a, with st, the login the
// attempt is part of (nil outside a login), passed through so a login step
// needs no closure of its own.
//
// fn runs only on a usable authenticator of a usable MitID. A blocked MitID
// is refused and nothing counts. A guess (a code, a password, a chip's
// answer) at a suspended or blocked authenticator is refused and counts as
// a failure; an app's approval guesses nothing (its PIN is checked on the
// phone), so there it does not count.
func (s *Service) attemptOn(ctx context.Context, id, auth uuid.UUID, st *loginState, fn verifier) (*User, error) {
	var outcome error
	u, err := s.store.UpdateAuthenticator(ctx, id, auth, func(u *User, a *Authenticator) ([]Event, error) {
		now := s.clock.Now()
		if err := u.Usable(now); err != nil {
			return nil, err // nothing to count, so nothing to commit
		}
		var evs []Event
		out := a.usable(now)
		switch {
		case out != nil && a.Kind == KindApp:
			out = refusal{out}
		case out != nil:
			evs, out = s.failed(u, a, now, out), refusal{out}
		default:
			evs, out = fn(u, a, st, now)
		}
		return s.settle(ctx, u, now, evs, out, &outcome)
	})
	if err != nil {
		return nil, err
	}
	return u, outcome
}

// settle turns what an attempt's decision returned into what its update
// commits: a refusal commits the events and becomes the outcome; any other
// error commits nothing.
func (s *Service) settle(ctx context.Context, u *User, now time.Time, evs []Event, out error, outcome *error) ([]Event, error) {
	// A refusal is returned as it is, never wrapped, so a type assertion
	// finds it (errors.As would cost an allocation a try).
	*outcome = nil
	if r, ok := out.(refusal); ok {
		*outcome = r.err
	} else if out != nil {
		return nil, out
	}
	if err := s.stamp(ctx, u, evs, now); err != nil {
		return nil, err
	}
	return evs, nil
}
