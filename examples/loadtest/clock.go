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
}

// paceQuantum is the least move pace makes: a code display's step, so
// that moves, each of which waits for the code logins in flight, stay
// as rare as the devices' own need of them.
const paceQuantum = 30 * time.Second

// pace moves the clock on by d, in moves of paceQuantum or more: the
// program's logins make time pass at a steady rate, whoever makes them,
// so that no one client's pace ages another's login in flight.
func (c *clock) pace(d time.Duration) {
	owed := c.owed.Add(int64(d))
	if owed < int64(paceQuantum) || !c.owed.CompareAndSwap(owed, 0) {
		return // too little yet, or another caller is moving it
	}
	// Added, not set: two moves at once must both count.
	c.holds.Lock()
	defer c.holds.Unlock()
	c.offset.Add(owed)
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
// it. It must not be called while holding the clock.
func (c *clock) atLeast(t time.Time) {
	if !c.Now().Before(t) {
		return
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
