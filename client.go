package mitid

import (
	"container/list"
	"context"
	"sync"
	"time"
)

// Client is where an attempt comes from, as the integrator knows it: the
// source address, and a device or browser it recognises. The Service passes
// it to the ClientLimiter; it is never stored.
type Client struct {
	Address string
	Device  string
}

type clientKey struct{}

// WithClient returns a context that says the attempts made with it come
// from c (the web package sets it from each request).
func WithClient(ctx context.Context, c Client) context.Context {
	return context.WithValue(ctx, clientKey{}, c)
}

// ClientOf returns the client recorded in ctx, the zero Client when none.
func ClientOf(ctx context.Context) Client {
	c, _ := ctx.Value(clientKey{}).(Client)
	return c
}

// ClientLimiter throttles attempts by where they come from, beside the
// account's own throttling (throttle.go). The account's budget bounds what
// any number of strangers get at one MitID; a client limit slows one
// stranger guessing at many MitIDs, or keeps a stranger's guesses from
// spending a MitID's budget at all, and it touches no account. It is
// optional (Config.Clients).
//
// Contract: Allow is asked before an attempt compares a secret; an error it
// returns refuses the attempt, which then compares and counts nothing (use
// CodeClientLimited). Failed is told, after the attempt's commit, of each
// attempt that compared a secret and did not match. Both are called from
// many goroutines at once and must not block for long.
type ClientLimiter interface {
	Allow(ctx context.Context, c Client) error
	Failed(ctx context.Context, c Client)
}

// allowClient asks the ClientLimiter, if any, about the client of ctx.
func (s *Service) allowClient(ctx context.Context) error {
	if s.clients == nil {
		return nil
	}
	return s.clients.Allow(ctx, ClientOf(ctx))
}

// tellClient tells the ClientLimiter, if any, of an attempt's outcome.
func (s *Service) tellClient(ctx context.Context, outcome error) {
	if s.clients == nil || outcome == nil {
		return
	}
	switch ErrorCode(outcome) {
	case CodeWrongCode, CodeWrongPassword, CodeWrongActivationCode, CodeActivationBlocked,
		CodeIdentificationFailed: // a wrong passport number with a CPR number (ordering)
		s.clients.Failed(ctx, ClientOf(ctx))
	}
}

// ClientWindow is a ClientLimiter in memory: a client with Limit failed
// attempts within Window is refused until the oldest of them is Window old.
// A client is its address and device together; the zero Client (nothing
// known) is never limited. It remembers at most MaxClients clients (all when
// zero), forgetting the one that failed longest ago, so a flood of addresses
// cannot exhaust memory.
// For several processes, implement ClientLimiter on a shared store.
type ClientWindow struct {
	Limit      int
	Window     time.Duration
	MaxClients int
	Clock      Clock

	mu      sync.Mutex
	clients map[Client]*list.Element // of *clientFailures
	order   list.List                // least recently failed first
}

type clientFailures struct {
	client Client
	at     []time.Time // failure times within the window, oldest first
}

// Allow refuses c while it has Limit failures within Window.
func (w *ClientWindow) Allow(_ context.Context, c Client) error {
	now := w.now()
	w.mu.Lock()
	defer w.mu.Unlock()
	el := w.clients[c]
	if el == nil {
		return nil
	}
	f := el.Value.(*clientFailures)
	f.trim(now, w.Window)
	if len(f.at) < w.Limit {
		return nil
	}
	e := errorf(CodeClientLimited, "too many failed attempts from here; try again later")
	e.Until = f.at[0].Add(w.Window)
	return e
}

// Failed records a failure of c.
func (w *ClientWindow) Failed(_ context.Context, c Client) {
	if c == (Client{}) {
		return
	}
	now := w.now()
	w.mu.Lock()
	defer w.mu.Unlock()
	w.record(c, now)
}

// take records a use of c, as Failed does, unless c has Limit uses within
// Window already: one decision under one lock, so that calls at once
// never take more than Limit between them (Allow, then Failed, could).
// It reports whether the use was taken.
func (w *ClientWindow) take(c Client) bool {
	now := w.now()
	w.mu.Lock()
	defer w.mu.Unlock()
	if el := w.clients[c]; el != nil {
		f := el.Value.(*clientFailures)
		f.trim(now, w.Window)
		if len(f.at) >= w.Limit {
			return false
		}
	}
	w.record(c, now)
	return true
}

// record adds a failure (or use) of c at now. Callers hold w.mu.
func (w *ClientWindow) record(c Client, now time.Time) {
	if w.clients == nil {
		w.clients = map[Client]*list.Element{}
	}
	el := w.clients[c]
	if el == nil {
		if most := w.MaxClients; most > 0 && len(w.clients) >= most {
			// Forget the client that failed longest ago: constant time,
			// so a flood of new addresses costs each failure no more.
			oldest := w.order.Front()
			delete(w.clients, oldest.Value.(*clientFailures).client)
			w.order.Remove(oldest)
		}
		el = w.order.PushBack(&clientFailures{client: c})
		w.clients[c] = el
	} else {
		w.order.MoveToBack(el)
	}
	f := el.Value.(*clientFailures)
	f.trim(now, w.Window)
	f.at = append(f.at, now)
}

func (w *ClientWindow) now() time.Time {
	if w.Clock == nil {
		return time.Now()
	}
	return w.Clock.Now()
}

// trim drops the failures older than window.
func (f *clientFailures) trim(now time.Time, window time.Duration) {
	i := 0
	for i < len(f.at) && now.Sub(f.at[i]) >= window {
		i++
	}
	f.at = f.at[i:]
}
