package mitid

import (
	"context"
	"errors"
	"log/slog"
	"strings"
	"time"

	"github.com/google/uuid"
)

// The keys of the attributes the Service and the Dispatcher log, in one
// place: they are stable, as an operator's alerts and dashboards match
// them. Config.Logger lists the records that use them.
//
// No value logged under any key is a secret or something a stranger typed:
// users are the Service's own UUIDs, never a user ID; errors are logged as
// text only where they come from a backend (a store, a notifier), never
// from a login's checks, whose messages may quote what was typed.
const (
	logKeyOp            = "op"            // the store operation that failed
	logKeyError         = "error"         // a backend's error, as text
	logKeyCall          = "call"          // a LoginCall
	logKeyMethod        = "method"        // a login's Method
	logKeyNext          = "next"          // the Step a login waits for
	logKeyCode          = "code"          // an error's stable Code
	logKeyUser          = "user"          // a user's UUID
	logKeyAuthenticator = "authenticator" // an authenticator's UUID
	logKeyKind          = "kind"          // an authenticator's Kind
	logKeyReason        = "reason"        // the reason an event records
	logKeyUntil         = "until"         // when a suspension ends
	logKeyChannel       = "channel"       // a notification's Channel
	logKeyEventType     = "event_type"    // an event's type
	logKeyEvent         = "event"         // an event's UUID
	logKeyMessage       = "message"       // an outbox message's ID
	logKeyAttempt       = "attempt"       // a message's attempts so far
	logKeyRetryAt       = "retry_at"      // when a message is tried again
	logKeyRecorded      = "recorded"      // the UUID of a recorded failure event
	logKeyChannels      = "channels"      // the channels a notice was tried on
)

// The messages of the records logged at Warn or Error, also stable.
const (
	logStoreUnavailable = "store unavailable"
	logSecretUnreadable = "secret unreadable"
	logRecordUnreadable = "record unreadable"
	logSuspectedClone   = "suspected cloned chip"
	logSuspended        = "authenticator suspended"
	logNotifierFailed   = "notifier failed"
	logLoginStep        = "login step"
)

// discardLogger is the logger of a Service or a Dispatcher configured
// without one.
func discardLogger() *slog.Logger { return slog.New(slog.DiscardHandler) }

// watch is where a Service reports what happens: its Observer and its
// logger.
type watch struct {
	obs   Observer     // nil: nobody
	log   *slog.Logger // never nil
	clock Clock
}

func (w *watch) observe(o Observation) {
	if w.obs != nil {
		o.At = w.clock.Now()
		w.obs.Observe(o)
	}
}

// events returns where a write keeps the events it commits, for
// committed; nil when nobody hears of commits, so that a write costs
// nothing more then.
func (w *watch) events() *[]Event {
	if w == nil || (w.obs == nil && !w.log.Enabled(context.Background(), slog.LevelWarn)) {
		return nil
	}
	return new([]Event)
}

// keep returns a function that passes a change's result through, keeping
// its events in *evs when evs is not nil.
func keep(evs *[]Event) func([]Event, error) ([]Event, error) {
	return func(e []Event, err error) ([]Event, error) {
		if evs != nil {
			*evs = e
		}
		return e, err
	}
}

// committed reports a write of user's events (*evs; op names the store
// method), or logs why it failed when the store could not be used. A
// suspension is logged: three wrong codes in a row, or a chip that looked
// cloned. evs is nil when nobody hears (see events).
func (w *watch) committed(ctx context.Context, op string, user uuid.UUID, evs *[]Event, err error) {
	if w == nil {
		return // an identifierStore a test built by hand
	}
	if err != nil {
		switch ErrorCode(err) {
		case CodeStoreUnavailable:
			w.log.LogAttrs(ctx, slog.LevelError, logStoreUnavailable, slog.String(logKeyOp, op), slog.String(logKeyError, err.Error()))
		case CodeRecordUnreadable:
			w.log.LogAttrs(ctx, slog.LevelError, logRecordUnreadable, slog.String(logKeyOp, op), slog.String(logKeyError, err.Error()))
		}
		return
	}
	if evs == nil {
		return
	}
	for i := range *evs {
		if e := &(*evs)[i]; e.Type == EventAuthenticatorState && e.To == StateSuspended {
			w.log.LogAttrs(ctx, slog.LevelWarn, logSuspended, slog.String(logKeyUser, e.User.String()),
				slog.String(logKeyAuthenticator, e.Authenticator.String()), slog.String(logKeyKind, string(e.Kind)),
				slog.String(logKeyReason, e.Reason), slog.Time(logKeyUntil, e.Until))
		}
	}
	w.observe(Observation{Outcome: OutcomeCommit, User: user, Events: *evs})
}

// loginCode is the code an OutcomeLogin reports for err: its stable code,
// "canceled" when the caller's context ended, "error" for anything else
// without a code.
func loginCode(err error) Code {
	if err == nil {
		return "" // before ErrorCode, whose errors.As costs an allocation
	}
	switch c := ErrorCode(err); {
	case c != "":
		return c
	case errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded):
		return "canceled"
	}
	return "error"
}

// observeLogin reports a login call that began at start and returned
// *l and *err. Each exported login method calls it deferred, on its named
// results, so that every return is reported without the body knowing.
func (s *Service) observeLogin(ctx context.Context, call LoginCall, start time.Time, l **Login, err *error) {
	o := Observation{Outcome: OutcomeLogin, Call: call}
	if l != nil && *l != nil {
		o.Method, o.Next = (*l).Method, (*l).Next
	}
	s.loginReturned(ctx, o, start, *err)
}

// observeFinish is observeLogin for a call that finishes a login.
func (s *Service) observeFinish(ctx context.Context, call LoginCall, start time.Time, r **LoginResult, err *error) {
	o := Observation{Outcome: OutcomeLogin, Call: call}
	if *r != nil && *err == nil {
		o.Method, o.Next, o.User = (*r).Method, StepDone, (*r).User
	}
	s.loginReturned(ctx, o, start, *err)
}

func (s *Service) loginReturned(ctx context.Context, o Observation, start time.Time, err error) {
	o.Duration, o.Code = time.Since(start), loginCode(err)
	level, msg := slog.LevelDebug, logLoginStep
	attrs := []slog.Attr{slog.String(logKeyCall, string(o.Call)), slog.String(logKeyMethod, string(o.Method)),
		slog.String(logKeyNext, string(o.Next)), slog.String(logKeyCode, string(o.Code))}
	switch o.Code {
	case CodeSuspectedClone:
		level, msg = slog.LevelError, logSuspectedClone
	case CodeSecretUnreadable:
		// A key gone from the ring, or a device stored without its
		// secret: the holder cannot log in until support acts.
		level, msg = slog.LevelError, logSecretUnreadable
	case CodeStoreUnavailable:
		level, msg = slog.LevelError, logStoreUnavailable
		attrs = append(attrs, slog.String(logKeyError, err.Error()))
	case CodeRecordUnreadable:
		level, msg = slog.LevelError, logRecordUnreadable
		attrs = append(attrs, slog.String(logKeyError, err.Error()))
	}
	s.watch.log.LogAttrs(ctx, level, msg, attrs...)
	s.watch.observe(o)
}

// notifierFailed logs a direct hand-over to the Notifier that failed (a
// code by SMS). The notification's text holds the code and its address
// the person's phone: neither is logged, even when the notifier's error
// quotes them.
func (w *watch) notifierFailed(ctx context.Context, n *Notification, secret string, err error) {
	secrets := append([]string{secret, n.Text}, phoneForms(n.Delivery.Address)...)
	msg := redact(err.Error(), secrets...)
	w.log.LogAttrs(ctx, slog.LevelWarn, logNotifierFailed, slog.String(logKeyUser, n.Event.User.String()), slog.String(logKeyChannel, string(n.Delivery.Channel)),
		slog.String(logKeyEventType, string(n.Event.Type)), slog.String(logKeyCode, string(loginCode(err))),
		slog.String(logKeyError, msg))
}

// redactedError is err told without secrets: its code (CodeDeliveryFailed
// when it has none) and its text with each secret taken out, and of its
// chain only context's errors, which hold no text of anyone's, so that
// errors.Is still tells a timeout. The chain itself is not kept: any error
// in it could still tell a secret.
func redactedError(err error, secrets ...string) error {
	c := ErrorCode(err)
	if c == "" {
		c = CodeDeliveryFailed
	}
	var cause error
	msg := strings.TrimPrefix(err.Error(), string(c)+": ") // NewError puts the code back
	for _, ce := range []error{context.DeadlineExceeded, context.Canceled} {
		if errors.Is(err, ce) {
			cause = ce
			msg = strings.TrimSuffix(msg, ": "+ce.Error()) // and the cause
		}
	}
	return NewError(c, cause, "%s", redact(msg, secrets...))
}

// phoneForms are the ways a gateway may write back E.164 number phone:
// as given, without its "+", and a Danish one without its country code.
func phoneForms(phone string) []string {
	forms := []string{phone, strings.TrimPrefix(phone, "+")}
	if national, ok := strings.CutPrefix(phone, "+45"); ok {
		forms = append(forms, national)
	}
	return forms
}

// redact cuts each non-empty string of secrets out of msg: a backend's
// error may quote what it was given.
func redact(msg string, secrets ...string) string {
	for _, s := range secrets {
		if s != "" {
			msg = strings.ReplaceAll(msg, s, "[redacted]")
		}
	}
	return msg
}
