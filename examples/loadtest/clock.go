package main

import (
	"sync"
	"sync/atomic"
	"time"
)

// clock is the wall clock plus an offset that only grows. A code display's
// code is accepted once per 30-second step, so a few thousand code logins a
// second from a few hundred devices need time to pass faster than it does:
// before a device is used again, atLeast moves the clock on to the next
// step (see login). Everything the service times (logins, challenges,
// leases, outbox messages) reads this one clock, so nothing expires early;
// While a client holds the clock (between reading a device's code and the
// service's check of it), atLeast waits: otherwise a client descheduled in
// between would find the clock moved on by more steps than the service
// accepts, and its code refused as wrong.
type clock struct {
	offset atomic.Int64 // ns added to the wall clock
	holds  sync.RWMutex // read-held by code logins in flight
	owed   atomic.Int64 // ns pace has been asked for and not yet moved

	mu       sync.Mutex
	inFlight map[uint64]time.Time // when each login in flight began (see enter)
	next     uint64
}

// maxAge is how far pace lets the clock run past the start of the oldest
// login in flight: well within a chip's challenge (5 minutes) and a login's
// life (10 minutes), so that a client the scheduler left behind while the
// others made many logins does not find its login expired.
const maxAge = 3 * time.Minute

// enter records a login beginning now, until the returned function is
// called (see maxAge).
func (c *clock) enter() (leave func()) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.inFlight == nil {
		c.inFlight = map[uint64]time.Time{}
	}
	c.next++
	k := c.next
	c.inFlight[k] = c.Now()
	return func() {
		c.mu.Lock()
		delete(c.inFlight, k)
		c.mu.Unlock()
	}
}

// limit is the latest time pace may move the clock to: maxAge past the
// oldest login in flight, or no limit.
func (c *clock) limit() (time.Time, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	var oldest time.Time
	for _, t := range c.inFlight {
		if oldest.IsZero() || t.Before(oldest) {
			oldest = t
		}
	}
	return oldest.Add(maxAge), !oldest.IsZero()
}

// paceQuantum is the least move pace makes: a code display's step, so
// that moves, each of which waits for the code logins in flight, stay
// as rare as the devices' own need of them.
const paceQuantum = 30 * time.Second

// pace moves the clock on by d, in moves of paceQuantum or more: the
// program's logins make time pass at a steady rate, whoever makes them.
// It never moves the clock more than maxAge past the oldest login in
// flight; what it could not move stays owed.
func (c *clock) pace(d time.Duration) {
	owed := c.owed.Add(int64(d))
	if owed < int64(paceQuantum) {
		return // too little yet
	}
	// While the oldest login in flight holds the clock back, nothing
	// moves, and nothing takes the lock that would stall the others.
	if limit, ok := c.limit(); ok && limit.Sub(c.Now()) < paceQuantum {
		return
	}
	if !c.owed.CompareAndSwap(owed, 0) {
		return // another caller is moving it
	}
	c.holds.Lock()
	defer c.holds.Unlock()
	move := owed
	if limit, ok := c.limit(); ok {
		move = max(0, min(move, int64(limit.Sub(c.Now()))))
	}
	// Added, not set: two moves at once must both count.
	c.offset.Add(move)
	c.owed.Add(owed - move)
}

// hold keeps atLeast from moving the clock until the returned function is
// called. The wall clock still runs (one step's skew covers that).
func (c *clock) hold() (release func()) {
	c.holds.RLock()
	return c.holds.RUnlock
}

// Now tells the service's time.
func (c *clock) Now() time.Time {
	return time.Now().Add(time.Duration(c.offset.Load())).UTC()
}

// atLeast moves the clock on to t if it is behind it, once nobody holds
// it, and no further than maxAge past the oldest login in flight: until
// that login ends, it waits. Without that wait, a run of code logins, each
// moving the clock on by up to a step for its device, carried it past the
// life of a login the scheduler had left behind (about one code login in
// 500 expired on the memory store at 4,000 logins a second). It must not
// be called while holding the clock.
func (c *clock) atLeast(t time.Time) {
	for {
		if !c.Now().Before(t) {
			return
		}
		if limit, ok := c.limit(); !ok || !t.After(limit) {
			break
		}
		time.Sleep(time.Millisecond) // the oldest login in flight holds it back
	}
	c.holds.Lock()
	defer c.holds.Unlock()
	for {
		cur := c.offset.Load()
		want := int64(time.Until(t))
		if want <= cur || c.offset.CompareAndSwap(cur, want) {
			return
		}
	}
}
