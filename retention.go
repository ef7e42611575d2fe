package mitid

import (
	"context"
	"errors"
	"time"
)

// Retention says how long a Service keeps history that no rule needs any
// more: the activity log and the delivered notifications. Nothing is
// removed unless Service.Purge runs; an integrator runs it periodically
// (every hour, say, from any one process or several: purges of one store
// may overlap).
//
// What the rules read stays whatever the retention: the counts and marks
// the rules decide on (witness acts in the last 120 days, control question
// rounds, suspensions, the waiting periods and RunDue's marks of what it
// emitted) live on the person's record, which no purge touches; the one rule
// that reads the log, RunDue, reads back Policy.MinEventRetention, the
// least Retention.Events may be. Undelivered notifications are never
// removed.
type Retention struct {
	// Events keeps each event of the activity log at least this long after
	// it happened (Event.At). Zero keeps the log for good. It must be at
	// least Policy.MinEventRetention.
	Events time.Duration
	// Outbox keeps a delivered or parked notification at least this long
	// after it was settled. Zero keeps them for good. When Events is set,
	// Outbox must be set and not longer: an event stays while any of its
	// notifications does, so a longer Outbox would hold the log.
	Outbox time.Duration
	// Batch is how many records one purge statement removes at most (1000):
	// each is a short transaction of its own.
	Batch int
}

// MinEventRetention is the least time the activity log must be kept under
// p: RunDue finds the waiting periods that end in the log, reading back the
// longest wait (AccessRequestWait, PasswordChangeWait) and DueLookback. A
// shorter retention would let a purge remove a request whose access was
// never granted.
func (p Policy) MinEventRetention() time.Duration {
	return max(p.AccessRequestWait, p.PasswordChangeWait) + DueLookback
}

// Validate reports the first setting of r the Service cannot keep under
// policy p, as an *Error of code CodeConfigInvalid naming the field
// (Field "Retention.Events", say); nil when r is sound.
func (r Retention) Validate(p Policy) error {
	bad := func(field, format string, args ...any) error {
		return invalidField(CodeConfigInvalid, field, "config: "+field+" "+format, args...)
	}
	switch {
	case r.Events < 0:
		return bad("Retention.Events", "is %s; it must not be negative (zero keeps the log for good)", r.Events)
	case r.Outbox < 0:
		return bad("Retention.Outbox", "is %s; it must not be negative (zero keeps notifications for good)", r.Outbox)
	case r.Batch < 0:
		return bad("Retention.Batch", "is %d; it must not be negative (zero means 1000)", r.Batch)
	case r.Events > 0 && r.Events < p.MinEventRetention():
		return bad("Retention.Events", "is %s, shorter than the %s the rules read back in the activity log "+
			"(RunDue: the longest of AccessRequestWait and PasswordChangeWait, plus DueLookback)", r.Events, p.MinEventRetention())
	case r.Events > 0 && (r.Outbox == 0 || r.Outbox > r.Events):
		return bad("Retention.Outbox", "is %s (zero: for good), longer than Retention.Events (%s); an event stays while its notifications do, "+
			"so set Retention.Outbox to at most Retention.Events", r.Outbox, r.Events)
	}
	return nil
}

// defaultPurgeBatch is Retention.Batch when zero.
const defaultPurgeBatch = 1000

// Purged counts what one Service.Purge removed.
type Purged struct {
	Events   int `json:"events"`
	Outbox   int `json:"outbox"`
	Sessions int `json:"sessions"`
}

// Purge applies the configured Retention at the Service's now: it removes
// notifications settled more than Retention.Outbox ago, then events older
// than Retention.Events (so an event whose notifications just went goes in
// the same run), then sessions that have expired (no use can be made of
// them: every read refuses an expired session). It returns what it removed,
// including what it removed before an error.
//
// When the retention asks for a purge the store cannot do (it is no
// Purger), Purge removes nothing and fails with CodeConfigInvalid wrapping
// errors.ErrUnsupported.
//
// Purge is a method of the Service, not of the Dispatcher or RunDue,
// because it needs the policy (the retention's floor) and the Service's
// clock, and it runs at its own, slower pace: a long purge must not delay a
// notification or an access being granted.
func (s *Service) Purge(ctx context.Context) (Purged, error) {
	var out Purged
	r := s.retention
	var p Purger
	if r.Events > 0 || r.Outbox > 0 {
		var ok bool
		if p, ok = s.raw.(Purger); !ok {
			return out, NewError(CodeConfigInvalid, errors.ErrUnsupported,
				"config: the store (%T) cannot purge history (it is no mitid.Purger); set no Retention, or use a store that can", s.raw)
		}
	}
	now := s.clock.Now()
	batch := r.Batch
	if batch == 0 {
		batch = defaultPurgeBatch
	}
	loop := func(n *int, purge func(context.Context, time.Time, int) (int, error), before time.Time) error {
		for {
			k, err := purge(ctx, before, batch)
			*n += k
			if err != nil || k < batch {
				return err
			}
		}
	}
	if r.Outbox > 0 {
		if err := loop(&out.Outbox, p.PurgeOutbox, now.Add(-r.Outbox)); err != nil {
			return out, err
		}
	}
	if r.Events > 0 {
		if err := loop(&out.Events, p.PurgeEvents, now.Add(-r.Events)); err != nil {
			return out, err
		}
	}
	n, err := s.raw.PurgeSessions(ctx, now)
	out.Sessions = n
	return out, err
}
