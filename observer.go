package mitid

import (
	"time"

	"github.com/google/uuid"
)

// Outcome names what a Service or a Dispatcher observed.
type Outcome string

// The outcomes an Observer is told of. A Service (Config.Observer) reports
// OutcomeCommit and OutcomeLogin; a Dispatcher (DispatcherConfig.Observer)
// the others.
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
	// OutcomeRound: a dispatch round (RunOnce) ended; Round counts what it
	// did and Err is the error it returned. Every round is reported, an
	// empty one too, so a count of rounds shows the dispatcher is alive.
	OutcomeRound Outcome = "round"

	// OutcomeCommit: a write of the Service committed: User is the person
	// changed (zero for an order placed without one) and Events the events
	// committed with it, stamped (none for a change that records none,
	// such as settling a code handed over). Failed attempts that count
	// against a device commit too, and are reported. A login's session
	// writes are not commits: they are reported as OutcomeLogin.
	OutcomeCommit Outcome = "commit"
	// OutcomeLogin: a call of a login (Call) returned. Code is the error's
	// stable code, empty on success; Method and Next are the login's method
	// and the factor it waits for when the call returned the login; User
	// is set when FinishLogin succeeded. Duration is how long the call took
	// by the process's monotonic clock (not the Service's Clock, which a
	// test may hold still).
	OutcomeLogin Outcome = "login"
)

// LoginCall names the Service method an OutcomeLogin is of. The values are
// stable labels, fit for a metric.
type LoginCall string

// The login calls.
const (
	CallBeginLogin     LoginCall = "begin_login"
	CallChooseMethod   LoginCall = "choose_method"
	CallSubmitCode     LoginCall = "submit_code"
	CallSubmitCodePair LoginCall = "submit_code_pair"
	CallSubmitPassword LoginCall = "submit_password"
	CallSubmitApproval LoginCall = "submit_approval"
	CallSubmitChip     LoginCall = "submit_chip"
	CallFinishLogin    LoginCall = "finish_login"
	CallCancelLogin    LoginCall = "cancel_login"
	// CallProveLogin: a Service method that needs a login (activating by
	// login, ordering identified by MitID) finished one itself.
	CallProveLogin LoginCall = "prove_login"
)

// Observation is one thing a Service or a Dispatcher observed. Only the
// fields of its Outcome are set. Message, Event and Events are the
// reporter's own: an Observer may read them during the call and must not
// keep or change them.
//
// An Observation never holds a secret: no password, code, seed, CPR number,
// session ID or user ID as a stranger typed it (a login's Observation has
// no user before FinishLogin, so a login for an unknown user ID looks like
// any other). A login's error is reported by its Code only, as its message
// may quote what was typed.
type Observation struct {
	Outcome Outcome
	// At is the reporter's clock when it happened.
	At      time.Time
	Message *OutboxMessage
	Err     error
	RetryAt time.Time
	Event   *Event
	Stats   OutboxStats
	// Round is what a dispatch round did (OutcomeRound).
	Round RoundResult

	// User is the person a commit changed, or whom a finished login
	// identified.
	User uuid.UUID
	// Events are a commit's events.
	Events []Event

	// Call, Method, Next, Code and Duration describe a login call
	// (OutcomeLogin).
	Call     LoginCall
	Method   Method
	Next     Step
	Code     Code
	Duration time.Duration
}

// OldestAge is how long the oldest waiting message has waited, for
// OutcomeQueue; zero when nothing waits.
func (o Observation) OldestAge() time.Duration {
	if o.Stats.Oldest.IsZero() {
		return 0
	}
	return o.At.Sub(o.Stats.Oldest)
}

// Observer is told of each outcome as it happens, from the goroutine that
// made it (the caller of a Service method, the dispatching goroutine):
// metrics, an alarm on a parked security notice or a growing queue. Observe
// must return quickly, as the call it reports waits for it, and must be
// safe for concurrent use: a Service is called from many goroutines.
type Observer interface {
	Observe(o Observation)
}

// ObserverFunc adapts a function to the Observer interface.
type ObserverFunc func(o Observation)

// Observe calls f.
func (f ObserverFunc) Observe(o Observation) { f(o) }
