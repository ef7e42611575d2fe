package mitid

import (
	"context"
	"errors"
	"time"

	"github.com/google/uuid"
)

// Throttling, on by default (mitid.dk; NIST SP 800-63B §5.2.2):
//
//   - Each authenticator counts its consecutive wrong attempts; at
//     Policy.WrongCodeLimit (3) it is suspended for SuspensionDuration (15
//     min), and a suspension that would be the SuspensionsBeforeBlock-th in
//     a row without a success blocks it instead.
//   - The password counts apart from the devices it goes with.
//   - The account counts every failed attempt, whatever the authenticator,
//     attempts on a suspended one included; at MaxConsecutiveFailures (100)
//     the whole MitID is blocked until support lifts the block, so no
//     account ever sees more than 100 consecutive failures.
//   - A success resets the authenticator's and the account's counts.

// failed records a failed attempt on a (nil when the attempt named no
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
		a.Suspensions++
		a.Failures = 0
		to, opt := StateSuspended, TransitionOptions{Until: now.Add(s.policy.SuspensionDuration), Reason: "too many wrong attempts"}
		if a.Suspensions >= s.policy.SuspensionsBeforeBlock {
			to, opt = StateBlocked, TransitionOptions{Reason: "suspended too many times in a row"}
		}
		evs, err := u.Transition(&s.policy, a.ID, to, now, opt)
		if err == nil {
			events = append(events, evs...)
		}
	}
	if u.Failures >= s.policy.MaxConsecutiveFailures && u.Status != UserBlocked {
		u.Status, u.BlockedUntil, u.BlockReason = UserBlocked, time.Time{}, "too many failed attempts"
		events = append(events, Event{Type: EventUserBlocked, Reason: u.BlockReason})
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
// committed either way; the outcome is returned after the commit.
func (s *Service) attempt(ctx context.Context, id uuid.UUID, fn func(u *User, now time.Time) ([]Event, error)) (*User, error) {
	var outcome error
	u, err := s.store.UpdateUser(ctx, id, func(u *User) ([]Event, error) {
		now := s.clock.Now()
		evs, out := fn(u, now)
		outcome = nil
		var r refusal
		if errors.As(out, &r) {
			outcome = r.err
		} else if out != nil {
			return nil, out
		}
		if err := s.stamp(ctx, u, evs, now); err != nil {
			return nil, err
		}
		return evs, nil
	})
	if err != nil {
		return nil, err
	}
	return u, outcome
}
