package fake

import (
	"sync"
	"time"
)

// Start is the instant a Clock made by NewClock(time.Time{}) starts at: a
// fixed, ordinary weekday morning, so tests that do not care about the date
// still replay exactly.
var Start = time.Date(2026, 11, 21, 10, 0, 0, 0, time.UTC)

// Clock is a clock a test moves by hand. It never sleeps and never moves by
// itself; it is safe for concurrent use, so goroutines under test may read
// it while the test advances it. It satisfies mitid.Clock, and its Now
// method value fits every `func() time.Time` a protocol package takes.
type Clock struct {
	mu  sync.Mutex
	now time.Time
}

// NewClock returns a Clock showing t, or Start when t is the zero time.
func NewClock(t time.Time) *Clock {
	if t.IsZero() {
		t = Start
	}
	return &Clock{now: t}
}

// Now returns the time the clock shows.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// Advance moves the clock forward by d (backward when d is negative, which
// tests of clock skew need) and returns the new time.
func (c *Clock) Advance(d time.Duration) time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
	return c.now
}

// Set makes the clock show t.
func (c *Clock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = t
}
