package mitid

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	mrand "math/rand/v2"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unicode/utf8"
)

// CodeUndeliverable is the code of a notification that can never be
// delivered as addressed (a malformed address, a recipient the server
// refuses for good, a channel no notifier serves). It matches ErrInvalid, so
// the Dispatcher parks the message at once and tries the person's other
// channels.
const CodeUndeliverable Code = "undeliverable"

// Undeliverable is the error a Notifier returns for a message that no retry
// can deliver; the reason is kept on the parked message for support.
func Undeliverable(cause error, format string, args ...any) error {
	return NewError(CodeUndeliverable, cause, format, args...)
}

// RetryAfter is the error a Notifier returns for a transient failure whose
// server said when to try again (HTTP 429 or 503 with Retry-After, an SMTP
// 4xx with a hint): the Dispatcher waits at least until then, within
// MaxBackoff. It matches ErrUnavailable (CodeDeliveryFailed).
func RetryAfter(cause error, until time.Time, format string, args ...any) error {
	e := NewError(CodeDeliveryFailed, cause, format, args...)
	e.Until = until
	return e
}

// DispatcherConfig tunes a Dispatcher. Zero values take the defaults noted.
type DispatcherConfig struct {
	Clock Clock // wall clock
	// Lease is how long a claimed message is reserved for one attempt (1 min).
	Lease time.Duration
	// Batch is how many messages one round claims (32).
	Batch int
	// MaxAttempts parks a message after this many failed attempts (10).
	MaxAttempts int
	// Backoff is the first retry delay, doubled per attempt with jitter, up
	// to MaxBackoff (5 s, 1 h).
	Backoff, MaxBackoff time.Duration
	// Rand seeds the jitter (crypto/rand).
	Rand io.Reader
	// Timeout bounds one Notify call (30 s, and at most half the Lease, so
	// that the first messages of a batch end before another dispatcher may
	// claim them; a batch's later messages may start after their lease
	// has passed, when the sends before them took long, and another
	// dispatcher may then send them too: choose Batch × Timeout within the
	// Lease, or deduplicate on Notification.ID).
	// A notifier that ignores its context is abandoned at the timeout and
	// the attempt counts as a transient failure.
	Timeout time.Duration
	// Logger receives a record for every failed attempt, parking and
	// rerouting (nothing is logged when nil; Service.Dispatcher passes the
	// Service's). The records, by message (attribute keys in brackets;
	// every one of them also has message, event, event_type, channel and
	// attempt, which name the outbox message and never its address or
	// text; a notifier's error is logged with the address cut out):
	//
	//	"notification sent" (Debug).
	//	"notification will be retried" (Warn) [error, retry_at].
	//	"notification parked" (Error) [error]: it failed for good.
	//	"notification rerouted to the person's other channels" (Warn)
	//	  [recorded, channels].
	//	"notification reached the person on no channel" (Error) [recorded,
	//	  channels]: the person has not been told.
	//	"outbox unavailable" (Warn) [error only]: from Run.
	Logger *slog.Logger
	// Observer is told of every outcome, of every round (OutcomeRound) and,
	// from Run, of the queue's state (nil: nobody; Service.Dispatcher
	// passes the Service's).
	Observer Observer
	// StatsEvery is how often Run reports OutboxStats to the Observer (1 min).
	StatsEvery time.Duration
	// Concurrency is how many messages of a batch are sent at once (1).
	// Sending is mostly waiting (for the server, for the commit that
	// records the send), so a few in flight multiply throughput; the
	// notifier must be safe for concurrent use.
	Concurrency int
	// Users is where a message that failed for good on one channel looks up
	// the person's other channels, and where a notice that reached nobody is
	// recorded as an EventNotificationFailed. Nil: the outbox, when it is a
	// UserStore too (both stores of this module are); without one, a parked
	// message is only parked.
	Users UserStore
}

// Dispatcher moves notifications from the store's outbox to a Notifier:
// at least once, with retries and back-off, parking a message that cannot be
// delivered instead of dropping it, and sending a message that failed for
// good on one channel to the person's other channels. Several dispatchers,
// in one process or many, may run against one store: a lease keeps a
// claimed message from being claimed again until it passes (see
// DispatcherConfig.Timeout for when a slow batch outlives it), so with a
// notifier that deduplicates on Notification.ID (see Notifier) each message
// is delivered once.
//
// A Dispatcher is not a daemon of its own: an integrator runs Run in a
// goroutine of its own process, one or more per process.
type Dispatcher struct {
	outbox Outbox
	n      Notifier
	cfg    DispatcherConfig
	log    *slog.Logger

	mu     sync.Mutex // guards jitter: RunOnce may be called concurrently
	jitter *mrand.Rand
}

// NewDispatcher returns a dispatcher from outbox to n.
func NewDispatcher(outbox Outbox, n Notifier, cfg DispatcherConfig) *Dispatcher {
	if cfg.Clock == nil {
		cfg.Clock = systemClock{}
	}
	if cfg.Lease <= 0 {
		cfg.Lease = time.Minute
	}
	if cfg.Batch <= 0 {
		cfg.Batch = 32
	}
	if cfg.MaxAttempts <= 0 {
		cfg.MaxAttempts = 10
	}
	if cfg.Backoff <= 0 {
		cfg.Backoff = 5 * time.Second
	}
	if cfg.MaxBackoff <= 0 {
		cfg.MaxBackoff = time.Hour
	}
	if cfg.Rand == nil {
		cfg.Rand = rand.Reader
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = 30 * time.Second
	}
	cfg.Timeout = min(cfg.Timeout, cfg.Lease/2)
	if cfg.StatsEvery <= 0 {
		cfg.StatsEvery = time.Minute
	}
	if cfg.Users == nil {
		cfg.Users, _ = outbox.(UserStore)
	}
	log := cfg.Logger
	if log == nil {
		log = discardLogger()
	}
	var seed [32]byte
	_, _ = io.ReadFull(cfg.Rand, seed[:])                                                                   // a short read only weakens jitter
	return &Dispatcher{outbox: outbox, n: n, cfg: cfg, log: log, jitter: mrand.New(mrand.NewChaCha8(seed))} //nolint:gosec // G404: back-off jitter, seeded from cfg.Rand; nothing secret
}

// RoundResult counts what one dispatch round did.
type RoundResult struct {
	Delivered, Retried, Parked int
}

// RunOnce claims one batch of due messages and tries each once. It returns
// what happened; an error means the outbox itself could not be used. The
// Observer is told of the round (OutcomeRound) when it ends.
func (d *Dispatcher) RunOnce(ctx context.Context) (res RoundResult, err error) {
	now := d.cfg.Clock.Now()
	defer func() { d.observe(Observation{Outcome: OutcomeRound, Round: res, Err: err, At: now}) }()
	msgs, err := d.outbox.ClaimOutbox(ctx, now, d.cfg.Lease, d.cfg.Batch)
	if err != nil {
		return res, err
	}
	var mu sync.Mutex // guards res and err
	work := func(m *OutboxMessage) bool {
		outcome, derr := d.dispatch(ctx, m)
		mu.Lock()
		defer mu.Unlock()
		switch outcome {
		case OutcomeSent:
			res.Delivered++
		case OutcomeParked:
			res.Parked++
		case OutcomeRetried:
			res.Retried++
		}
		if derr != nil && err == nil {
			err = derr
		}
		return err == nil
	}
	if d.cfg.Concurrency <= 1 {
		for i := range msgs {
			if !work(&msgs[i]) {
				break
			}
		}
		return res, err
	}
	var next atomic.Int64
	var wg sync.WaitGroup
	for range min(d.cfg.Concurrency, len(msgs)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := next.Add(1) - 1; i < int64(len(msgs)); i = next.Add(1) - 1 {
				if !work(&msgs[i]) {
					return // the rest of the batch waits for its leases to pass
				}
			}
		}()
	}
	wg.Wait()
	return res, err
}

// dispatch tries one claimed message once and records what happened. It
// returns the outcome recorded ("" when none: the lease was lost, or the
// dispatcher is stopping), and an error when the round must stop.
func (d *Dispatcher) dispatch(ctx context.Context, m *OutboxMessage) (Outcome, error) {
	nerr := m.Unreadable // nothing to render: the attempt fails, as a delivery would
	if nerr == nil {
		subject, text := Render(&m.Event, m.Delivery.Language)
		nerr = d.notify(ctx, Notification{ID: m.ID, Delivery: m.Delivery, Event: m.Event, Subject: subject, Text: text})
	}
	if ctx.Err() != nil && nerr != nil {
		// Shutting down: the attempt is not the message's fault. The
		// lease runs out and the message is claimed again.
		return "", ctx.Err()
	}
	now := d.cfg.Clock.Now()
	var outcome Outcome
	var err error
	switch {
	case nerr == nil:
		// Record a send even while shutting down, so that it is not
		// repeated when the lease runs out.
		sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), settleTimeout)
		err = d.outbox.CompleteOutbox(sctx, m.ID, m.Lease, now)
		cancel()
		if err == nil {
			outcome = OutcomeSent
			d.log.LogAttrs(ctx, slog.LevelDebug, "notification sent", msgAttrs(m)...)
			d.observe(Observation{Outcome: OutcomeSent, Message: m, At: now})
		}
	case errors.Is(nerr, ErrInvalid) || m.Attempts >= d.cfg.MaxAttempts:
		last := lastError(nerr)
		err = d.outbox.RetryOutbox(ctx, m.ID, m.Lease, now, last, true)
		if err == nil {
			outcome = OutcomeParked
			m.Dead, m.LastError = true, last
			d.log.LogAttrs(ctx, slog.LevelError, "notification parked", append(msgAttrs(m), slog.String(logKeyError, redact(nerr.Error(), m.Delivery.Address)))...)
			d.observe(Observation{Outcome: OutcomeParked, Message: m, Err: nerr, At: now})
			err = d.reroute(ctx, m, nerr, now)
		}
	default:
		retryAt := d.retryAt(m.Attempts, nerr, now)
		err = d.outbox.RetryOutbox(ctx, m.ID, m.Lease, retryAt, lastError(nerr), false)
		if err == nil {
			outcome = OutcomeRetried
			d.log.LogAttrs(ctx, slog.LevelWarn, "notification will be retried", append(msgAttrs(m),
				slog.String(logKeyError, redact(nerr.Error(), m.Delivery.Address)), slog.Time(logKeyRetryAt, retryAt))...)
			d.observe(Observation{Outcome: OutcomeRetried, Message: m, Err: nerr, At: now, RetryAt: retryAt})
		}
	}
	if err != nil && !errors.Is(err, ErrConflict) {
		// A lost lease means another dispatcher owns the message now;
		// anything else is the outbox failing.
		return outcome, fmt.Errorf("outbox message %d: %w", m.ID, err)
	}
	return outcome, ctx.Err()
}

// lastError is the text of a failed send as the outbox keeps it: valid
// UTF-8 without NUL bytes, at most maxLastError bytes. A notifier's error
// may quote a gateway's or an SMTP server's reply, cut anywhere; PostgreSQL
// refuses such text, and a message whose failure could not be recorded
// would be claimed first again at every round, never parked, holding back
// the messages behind it.
func lastError(err error) string {
	s := strings.ReplaceAll(strings.ToValidUTF8(err.Error(), "\uFFFD"), "\x00", "")
	if len(s) > maxLastError {
		s = s[:maxLastError]
		for !utf8.ValidString(s) {
			s = s[:len(s)-1] // cut inside a character: back to its start
		}
	}
	return s
}

// maxLastError bounds the kept text of a failed send.
const maxLastError = 2048

// settleTimeout bounds recording a completed send after the dispatcher's
// context has ended.
const settleTimeout = 5 * time.Second

// notify calls the notifier under the per-message timeout. A notifier that
// does not return by then is left to finish on its own; its late result is
// ignored.
func (d *Dispatcher) notify(parent context.Context, n Notification) error {
	ctx, cancel := context.WithTimeout(parent, d.cfg.Timeout)
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- d.n.Notify(ctx, n) }()
	select {
	case err := <-done:
		if err != nil && ctx.Err() != nil && !errors.Is(err, ErrInvalid) {
			return fmt.Errorf("notifier timed out after %s: %w", d.cfg.Timeout, err)
		}
		return err
	case <-ctx.Done():
		if parent.Err() != nil {
			// Shutting down: let the send say whether it went out, so a
			// finished send is recorded rather than repeated.
			t := time.NewTimer(settleTimeout)
			defer t.Stop()
			select {
			case err := <-done:
				return err
			case <-t.C:
			}
		}
		return fmt.Errorf("notifier did not return within %s: %w", d.cfg.Timeout, ctx.Err())
	}
}

// Run dispatches until ctx ends, polling every interval when idle, and
// reports the queue to the Observer every StatsEvery.
func (d *Dispatcher) Run(ctx context.Context, interval time.Duration) error {
	t := time.NewTicker(interval)
	defer t.Stop()
	var lastStats time.Time
	for {
		if now := d.cfg.Clock.Now(); d.cfg.Observer != nil && now.Sub(lastStats) >= d.cfg.StatsEvery {
			lastStats = now
			if st, err := d.outbox.OutboxStats(ctx); err == nil {
				d.observe(Observation{Outcome: OutcomeQueue, Stats: st, At: now})
			}
		}
		res, err := d.RunOnce(ctx)
		if err != nil && ctx.Err() == nil && !errors.Is(err, ErrUnavailable) {
			return err
		}
		if err != nil && ctx.Err() == nil {
			d.log.LogAttrs(ctx, slog.LevelWarn, "outbox unavailable", slog.String(logKeyError, err.Error()))
		}
		if res.Delivered+res.Retried+res.Parked > 0 && err == nil {
			continue // more may be waiting
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-t.C:
		}
	}
}

// retryAt is when a message that failed transiently becomes due again: the
// back-off, or later if the server asked for more time (RetryAfter), never
// later than MaxBackoff.
func (d *Dispatcher) retryAt(attempt int, nerr error, now time.Time) time.Time {
	at := now.Add(d.backoff(attempt))
	var e *Error
	if errors.As(nerr, &e) && e.Until.After(at) {
		at = e.Until
		if limit := now.Add(d.cfg.MaxBackoff); at.After(limit) {
			at = limit
		}
	}
	return at
}

// backoff is exponential from Backoff with ±25% jitter, capped at MaxBackoff.
func (d *Dispatcher) backoff(attempt int) time.Duration {
	b := float64(d.cfg.Backoff) * math.Pow(2, float64(max(attempt-1, 0)))
	b = min(b, float64(d.cfg.MaxBackoff))
	d.mu.Lock()
	b *= 0.75 + d.jitter.Float64()/2
	d.mu.Unlock()
	return time.Duration(b)
}

func (d *Dispatcher) observe(o Observation) {
	if d.cfg.Observer != nil {
		d.cfg.Observer.Observe(o)
	}
}

func msgAttrs(m *OutboxMessage) []slog.Attr {
	return []slog.Attr{slog.Int64(logKeyMessage, m.ID), slog.String(logKeyEvent, m.Event.ID.String()),
		slog.String(logKeyEventType, string(m.Event.Type)), slog.String(logKeyChannel, string(m.Delivery.Channel)),
		slog.Int(logKeyAttempt, m.Attempts)}
}
