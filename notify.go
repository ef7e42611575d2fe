package mitid

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"math"
	mrand "math/rand/v2"
	"sync"
	"time"
)

// Notifier delivers one notification on one channel. Implementations wrap an
// SMS gateway, an SMTP server, the app's push service, or a test recorder.
//
// Contract: Notify returns nil only when the message was handed over for
// delivery. An error matching ErrInvalid means it can never be delivered (a
// malformed address): the Dispatcher parks it at once. Any other error is
// taken as transient and the message is retried with back-off. Notify may be
// called more than once for one message (a lease can run out mid-delivery),
// so n.ID (stable across retries) is the deduplication key.
type Notifier interface {
	Notify(ctx context.Context, n Notification) error
}

// NotifierFunc adapts a function to the Notifier interface.
type NotifierFunc func(ctx context.Context, n Notification) error

// Notify calls f.
func (f NotifierFunc) Notify(ctx context.Context, n Notification) error { return f(ctx, n) }

// Notification is what a Notifier sends: the event, where to, and the text in
// the user's language.
type Notification struct {
	// ID identifies the outbox message; it is the same on every attempt.
	ID       int64
	Delivery Delivery
	Event    Event
	Subject  string
	Text     string
}

// important reports whether e is an event MitID tells the user about (seed
// 004; mitid.dk): activations, suspensions, blocks, replacements, user ID
// and contact changes, access requests; or any use when the user asked for
// that.
func important(e *Event, everyUse bool) bool {
	switch e.Type {
	case EventUserCreated, EventUserIDChanged, EventUserBlocked, EventUserUnblocked, EventContactChanged,
		EventOrderPlaced, EventPasswordChanged:
		return true
	case EventAuthenticatorAdded:
		return e.To == StateActive || e.To == StateWaitingForAccess
	case EventAuthenticatorState:
		return e.To != StatePendingActivation
	case EventAuthenticatorUsed:
		return everyUse
	}
	return false
}

// deliveries returns where u is told about e: each chosen channel, at the
// address it has now. A channel without an address is skipped (an SMS
// channel after the phone number was removed, say).
func deliveries(u *User) []Delivery {
	var out []Delivery
	for _, c := range u.Channels {
		d := Delivery{Channel: c, Language: u.Language}
		switch c {
		case ChannelSMS:
			d.Address = u.Phone
		case ChannelEmail:
			d.Address = u.Email
		case ChannelApp:
			d.Address = u.ID.String()
		}
		if d.Address != "" {
			out = append(out, d)
		}
	}
	return out
}

// Render returns the subject and text of a notification about e in the
// given language. The texts tell the person what happened and what to do if
// it was not them.
func Render(e *Event, lang Language) (subject, text string) {
	da := lang == Danish
	pick := func(dk, en string) string {
		if da {
			return dk
		}
		return en
	}
	notYou := pick(" Var det ikke dig, så spær dit MitID på MitID.dk eller ring til MitID support.",
		" If this was not you, block your MitID at MitID.dk or call MitID support.")
	subject = "MitID"
	switch e.Type {
	case EventUserCreated:
		return subject, pick("Dit MitID er oprettet.", "Your MitID has been created.") + notYou
	case EventUserIDChanged:
		return subject, pick("Dit bruger-ID er ændret til ", "Your user ID was changed to ") + e.Detail["new"] + "." + notYou
	case EventUserBlocked:
		return subject, pick("Dit MitID er midlertidigt spærret.", "Your MitID is temporarily blocked.") + notYou
	case EventUserUnblocked:
		return subject, pick("Spærringen af dit MitID er ophævet.", "The block on your MitID has been lifted.") + notYou
	case EventContactChanged:
		return subject, pick("Dine kontaktoplysninger er ændret.", "Your contact details were changed.") + notYou
	case EventPasswordChanged:
		return subject, pick("Din adgangskode er ændret.", "Your password has been changed.") + notYou
	case EventOrderPlaced:
		return subject, pick("Vi har modtaget din bestilling ", "We have received your order ") + e.Order + "."
	case EventAccessGranted:
		return subject, pick("Ventetiden er slut: du har nu adgang til at tilføje eller ændre din ", "The waiting period is over: you now have access to add or change your ") + e.Kind.Name(lang) + "." + notYou
	case EventAccessRequested:
		return subject, pick("Du har bedt om adgang til at ændre din adgangskode; om 24 timer får du adgang.", "You asked for access to change your password; you get it in 24 hours.") + notYou
	case EventAuthenticatorUsed:
		return subject, pick("Dit MitID blev brugt med din ", "Your MitID was used with your ") + e.Kind.Name(lang) + "." + notYou
	}
	verb := map[State][2]string{
		StateActive:           {"er aktiveret", "has been activated"},
		StateSuspended:        {"er midlertidigt spærret", "has been suspended"},
		StateBlocked:          {"er spærret", "has been blocked"},
		StateReplaced:         {"er erstattet", "has been replaced"},
		StateWaitingForAccess: {"afventer adgang i 24 timer", "is waiting 24 hours for access"},
	}[e.To]
	if verb[0] == "" {
		verb = [2]string{"er ændret", "has changed"}
	}
	return subject, pick("Din "+e.Kind.Name(lang)+" "+verb[0]+".", "Your "+e.Kind.Name(lang)+" "+verb[1]+".") + notYou
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
}

// Dispatcher moves notifications from the store's outbox to a Notifier:
// at-least-once, with retries and back-off, parking a message that cannot be
// delivered instead of dropping it. Several dispatchers may run against one
// store; leases keep them from sending the same message at the same time.
type Dispatcher struct {
	outbox Outbox
	n      Notifier
	cfg    DispatcherConfig

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
	var seed [32]byte
	_, _ = io.ReadFull(cfg.Rand, seed[:]) // a short read only weakens jitter
	return &Dispatcher{outbox: outbox, n: n, cfg: cfg, jitter: mrand.New(mrand.NewChaCha8(seed))}
}

// RoundResult counts what one dispatch round did.
type RoundResult struct {
	Delivered, Retried, Parked int
}

// RunOnce claims one batch of due messages and tries each once. It returns
// what happened; an error means the outbox itself could not be used.
func (d *Dispatcher) RunOnce(ctx context.Context) (RoundResult, error) {
	var res RoundResult
	now := d.cfg.Clock.Now()
	msgs, err := d.outbox.ClaimOutbox(ctx, now, d.cfg.Lease, d.cfg.Batch)
	if err != nil {
		return res, err
	}
	for _, m := range msgs {
		subject, text := Render(&m.Event, m.Delivery.Language)
		nerr := d.n.Notify(ctx, Notification{ID: m.ID, Delivery: m.Delivery, Event: m.Event, Subject: subject, Text: text})
		now := d.cfg.Clock.Now()
		switch {
		case nerr == nil:
			err = d.outbox.CompleteOutbox(ctx, m.ID, m.Lease, now)
			if err == nil {
				res.Delivered++
			}
		case errors.Is(nerr, ErrInvalid) || m.Attempts >= d.cfg.MaxAttempts:
			err = d.outbox.RetryOutbox(ctx, m.ID, m.Lease, now, nerr.Error(), true)
			res.Parked++
		default:
			err = d.outbox.RetryOutbox(ctx, m.ID, m.Lease, now.Add(d.backoff(m.Attempts)), nerr.Error(), false)
			res.Retried++
		}
		if err != nil && !errors.Is(err, ErrConflict) {
			// A lost lease means another dispatcher owns the message now;
			// anything else is the outbox failing.
			return res, fmt.Errorf("outbox message %d: %w", m.ID, err)
		}
	}
	return res, nil
}

// Run dispatches until ctx ends, polling every interval when idle.
func (d *Dispatcher) Run(ctx context.Context, interval time.Duration) error {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		res, err := d.RunOnce(ctx)
		if err != nil && ctx.Err() == nil && !errors.Is(err, ErrUnavailable) {
			return err
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

// backoff is exponential from Backoff with ±25% jitter, capped at MaxBackoff.
func (d *Dispatcher) backoff(attempt int) time.Duration {
	b := float64(d.cfg.Backoff) * math.Pow(2, float64(max(attempt-1, 0)))
	b = min(b, float64(d.cfg.MaxBackoff))
	d.mu.Lock()
	b *= 0.75 + d.jitter.Float64()/2
	d.mu.Unlock()
	return time.Duration(b)
}
