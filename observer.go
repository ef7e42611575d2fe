package mitid

import "time"

// Outcome names what a Dispatcher observed.
type Outcome string

// The outcomes an Observer is told of.
const (
	// OutcomeSent: the notifier accepted the message.
	OutcomeSent Outcome = "sent"
	// OutcomeRetried: the attempt failed transiently; RetryAt says when
	// the next one is due.
	OutcomeRetried Outcome = "retried"
	// OutcomeParked: the message failed for good (Err says why) and is
	// kept, never claimed again.
	OutcomeParked Outcome = "parked"
	// OutcomeRerouted: every channel of an event failed for good and the
	// notice was queued on the person's other channels; Event is the
	// EventNotificationRerouted recorded.
	OutcomeRerouted Outcome = "rerouted"
	// OutcomeUnreached: every channel failed and none is left to try: the
	// person has not been told. Event is the EventNotificationFailed
	// recorded in the person's activity log. A security notice ending here
	// is the alarm an operator must not miss.
	OutcomeUnreached Outcome = "unreached"
	// OutcomeQueue: a periodic report of the outbox (Stats), from Run.
	OutcomeQueue Outcome = "queue"
)

// Observation is one thing a Dispatcher observed. Only the fields of its
// Outcome are set. Message and Event are the dispatcher's copies: an
// Observer may read them during the call and must not keep or change them.
type Observation struct {
	Outcome Outcome
	// At is the dispatcher's clock when it happened.
	At      time.Time
	Message *OutboxMessage
	Err     error
	RetryAt time.Time
	Event   *Event
	Stats   OutboxStats
}

// OldestAge is how long the oldest waiting message has waited, for
// OutcomeQueue; zero when nothing waits.
func (o Observation) OldestAge() time.Duration {
	if o.Stats.Oldest.IsZero() {
		return 0
	}
	return o.At.Sub(o.Stats.Oldest)
}

// Observer is told of each outcome as it happens, from the dispatching
// goroutine: metrics, an alarm on a parked security notice or a growing
// queue. Observe must return quickly and must be safe for concurrent use
// when several dispatchers share it.
type Observer interface {
	Observe(o Observation)
}

// ObserverFunc adapts a function to the Observer interface.
type ObserverFunc func(o Observation)

// Observe calls f.
func (f ObserverFunc) Observe(o Observation) { f(o) }
