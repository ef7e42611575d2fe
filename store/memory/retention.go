package memory

import (
	"context"
	"slices"
	"time"

	"github.com/go-mitid/mitid"
)

// Retention: the store is a mitid.Purger. It removes history in log order,
// a prefix of the outbox and a prefix of the activity log, and stops at the
// first record it must keep. That keeps every index a plain position (the
// claim's open message, a person's events), so neither a claim nor an
// activity log pays for a purge, and a purge costs what it removes. The
// price is that one record kept holds back the removal of everything after
// it: a message still being retried, or an event whose messages are kept.
// Both are short-lived under a Retention the Service accepts (Outbox not
// longer than Events), and keeping longer is within the contract.

var _ mitid.Purger = (*Store)(nil)

// settledBefore reports whether m was delivered or parked before t (a
// parked message at the time it was parked, its AvailableAt).
func settledBefore(m *mitid.OutboxMessage, t time.Time) bool {
	return (!m.DeliveredAt.IsZero() && m.DeliveredAt.Before(t)) || (m.Dead && m.AvailableAt.Before(t))
}

// PurgeOutbox removes, oldest first, up to limit messages settled before
// `before`, together with every other delivery of their event; it stops at
// the first message that is not (one waiting, or settled later).
func (s *Store) PurgeOutbox(ctx context.Context, before time.Time, limit int) (int, error) {
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
scan:
	for n < len(s.outbox) && n < limit {
		m := s.outbox[n]
		if !settledBefore(m, before) {
			break
		}
		// The deliveries of one event are queued together; those before m
		// are settled (they are in the prefix), those after must be too,
		// or a Dispatcher parking one of them would not see that the
		// person was reached on another channel.
		for _, sib := range s.outbox[n+1:] {
			if sib.Event.ID != m.Event.ID {
				break
			}
			if !settledBefore(sib, before) {
				break scan
			}
		}
		n++
	}
	clear(s.outbox[:n]) // let the messages go
	s.outbox = clip(s.outbox[n:])
	s.open = max(0, s.open-n)
	return n, nil
}

// PurgeEvents removes, oldest first, up to limit events that happened
// before `before`; it stops at the first event that did not, or that has
// an outbox message left (messages are queued in event order, so every
// event before the oldest message's has none).
func (s *Store) PurgeEvents(ctx context.Context, before time.Time, limit int) (int, error) {
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for n < len(s.events) && n < limit {
		e := &s.events[n]
		if !e.At.Before(before) || (len(s.outbox) > 0 && e.Seq >= s.outbox[0].Event.Seq) {
			break
		}
		n++
	}
	for i := range n {
		e := &s.events[i]
		delete(s.eventIDs, e.ID)
		// Removal goes in log order, so e is the oldest event its person
		// has left: the head of their index.
		list := s.byUser[e.User]
		if len(list) > 0 && list[0] == s.eventBase+i {
			list = list[1:]
		}
		if len(list) == 0 {
			delete(s.byUser, e.User)
		} else {
			s.byUser[e.User] = clip(list)
		}
	}
	clear(s.events[:n]) // let details and deliveries go
	s.events = clip(s.events[n:])
	s.eventBase += n
	return n, nil
}

// clip returns x, copied into a fitting array when it uses less than a
// quarter of the one it is in: removing from the front keeps the array
// (and what it holds) alive until an append outgrows it, which a log
// that only shrinks would never do.
func clip[T any](x []T) []T {
	if cap(x) > 64 && len(x) < cap(x)/4 {
		return slices.Clone(x)
	}
	return x
}
