package mitid

import (
	"context"
	"errors"
	"slices"
	"strconv"
	"time"

	"github.com/google/uuid"
)

// Time-driven events: what happens because time passed, not because
// someone acted. Today that is the end of a waiting period after "request
// access" (a chip's step A, mitid.dk "Activate your MitID chip": "you will be notified when you gain
// access"; a password change through MitID.dk): the person is told that
// access is granted.
//
// One mechanism serves every such event. RunDue, which an integrator runs
// periodically (every minute, say, from any number of processes), finds
// candidates in the activity log (the requests made in the last wait plus
// DueLookback) and, for each person, decides on their record, in one
// atomic update, which events are due and not yet emitted; the record keeps
// a mark for each emitted one. Two runners deciding on one person are
// serialised by the store, so the second finds the mark: every event is
// emitted once, on either store, however many runners there are. A runner
// that was down catches up with what fell due within DueLookback.

// EventAccessGranted says a waiting period has ended: the chip can be
// connected, or the password changed.
const EventAccessGranted EventType = "access.granted"

// EventAccessRequested records a "request access" for a password change.
const EventAccessRequested EventType = "access.requested"

// DueLookback is how far back RunDue looks beyond the longest wait: a
// runner stopped for less than this misses nothing.
const DueLookback = 7 * 24 * time.Hour

// errNothingDue ends an update that found nothing to emit, so nothing is
// written.
var errNothingDue = errors.New("nothing due")

// RunDue emits every time-driven event that is due at the Service's now
// and returns how many it emitted. It is safe to run from several
// processes at once: each event is emitted exactly once.
func (s *Service) RunDue(ctx context.Context) (int, error) {
	now := s.clock.Now()
	wait := max(s.policy.AccessRequestWait, s.policy.PasswordChangeWait)
	evs, err := s.store.Events(ctx, EventFilter{Types: []EventType{EventAuthenticatorAdded, EventAccessRequested},
		Since: now.Add(-wait - DueLookback), Before: now.Add(time.Nanosecond)})
	if err != nil {
		return 0, err
	}
	var users []uuid.UUID
	for i := range evs {
		if e := &evs[i]; (e.Type == EventAccessRequested || e.To == StateWaitingForAccess) && !e.Until.After(now) && !slices.Contains(users, e.User) {
			users = append(users, e.User)
		}
	}
	n := 0
	for _, id := range users {
		_, emitted, err := s.commit(WithActor(ctx, "system"), id, func(u *User, now time.Time) ([]Event, error) {
			evs := s.due(u, now)
			if len(evs) == 0 {
				return nil, errNothingDue
			}
			return evs, nil
		})
		switch {
		case errors.Is(err, errNothingDue), errors.Is(err, ErrNotFound):
		case err != nil:
			return n, err
		default:
			n += len(emitted)
		}
	}
	return n, nil
}

// due returns the events due on u at now and marks them emitted; marks
// whose subject has moved on are dropped.
func (s *Service) due(u *User, now time.Time) []Event {
	var evs []Event
	var keep []string
	for i := range u.Authenticators {
		a := &u.Authenticators[i]
		if a.State != StateWaitingForAccess {
			continue
		}
		mark := "access:" + a.ID.String()
		if now.Before(a.WaitUntil) {
			continue
		}
		keep = append(keep, mark)
		if !slices.Contains(u.DueEmitted, mark) {
			evs = append(evs, Event{Type: EventAccessGranted, Authenticator: a.ID, Kind: a.Kind, Until: a.WaitUntil,
				Notify: deliveries(u), Reason: "the waiting period has ended: the " + a.Kind.String() + " can be activated"})
		}
	}
	if !u.PasswordChangeFrom.IsZero() && !now.Before(u.PasswordChangeFrom) {
		mark := "password:" + strconv.FormatInt(u.PasswordChangeFrom.Unix(), 10)
		keep = append(keep, mark)
		if !slices.Contains(u.DueEmitted, mark) {
			evs = append(evs, Event{Type: EventAccessGranted, Kind: KindPassword, Until: u.PasswordChangeFrom,
				Notify: deliveries(u), Reason: "the waiting period has ended: the password can be changed"})
		}
	}
	if len(evs) > 0 {
		u.DueEmitted = keep
	}
	return evs
}
