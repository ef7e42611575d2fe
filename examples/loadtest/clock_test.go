package main

import (
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

// TestClock_DoesNotMoveWhileACodeLoginHoldsIt: atLeast waits for every
// hold to be released, so a code read from a device is checked at the
// time step it was read in; and it moves the clock once released.
func TestClock_DoesNotMoveWhileACodeLoginHoldsIt(t *testing.T) {
	c := &clock{}
	release := c.hold()
	target := time.Now().Add(time.Hour)
	atLeastWaitsFor(t, c, target, target.Add(-time.Minute), release)
}

// atLeastWaitsFor runs c.atLeast(target) and checks that it does not move
// the clock to before, nor return, until release is called, and that it
// then moves the clock to target.
func atLeastWaitsFor(t *testing.T, c *clock, target, before time.Time, release func()) {
	t.Helper()
	moved := make(chan struct{})
	go func() {
		c.atLeast(target)
		close(moved)
	}()
	select {
	case <-moved:
		t.Fatal("atLeast moved the clock before it was released")
	case <-time.After(50 * time.Millisecond):
	}
	assert.True(t, c.Now().Before(before), "the clock is at %s, not before %s, while held", c.Now(), before)
	release()
	select {
	case <-moved:
	case <-time.After(5 * time.Second):
		t.Fatal("the clock did not move once released")
	}
	assert.False(t, c.Now().Before(target), "the clock is at %s, before %s", c.Now(), target)
}

// TestClock_AtLeastSparesALoginInFlight: atLeast, like pace, does not
// move the clock more than maxAge past the oldest login in flight; it
// waits for that login to end, then moves.
func TestClock_AtLeastSparesALoginInFlight(t *testing.T) {
	c := &clock{}
	start := c.Now()
	leave := c.enter()
	atLeastWaitsFor(t, c, start.Add(maxAge+time.Minute), start.Add(maxAge), leave)
}

// TestClock_PaceMovesItOnInWholeSteps: pace adds up what it is asked for
// and moves the clock on once a step's worth is owed, by all of it, from
// however many goroutines; nothing is lost or counted twice.
func TestClock_PaceMovesItOnInWholeSteps(t *testing.T) {
	c := &clock{}
	start := c.Now()
	c.pace(paceQuantum - time.Second)
	assert.WithinDuration(t, start, c.Now(), time.Second, "less than a step owed: the clock waits")
	c.pace(time.Second)
	assert.WithinDuration(t, start.Add(paceQuantum), c.Now(), time.Second, "a step owed: the clock moves")

	start = c.Now()
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 1000 {
				c.pace(time.Second)
			}
		}()
	}
	wg.Wait()
	moved := c.Now().Sub(start) + time.Duration(c.owed.Load())
	assert.InDelta(t, float64(8000*time.Second), float64(moved), float64(time.Second), "what was asked for, moved or owed")
}

// TestClock_PaceSparesALoginInFlight: pace moves the clock no more than
// maxAge past the start of the oldest login in flight, keeps the rest
// owed, and moves it once that login has left.
func TestClock_PaceSparesALoginInFlight(t *testing.T) {
	c := &clock{}
	start := c.Now()
	leave := c.enter()
	c.pace(time.Hour)
	assert.WithinDuration(t, start.Add(maxAge), c.Now(), time.Second, "held to maxAge past the login in flight")
	leave()
	c.pace(paceQuantum)
	assert.WithinDuration(t, start.Add(time.Hour+paceQuantum), c.Now(), time.Second, "what was owed, moved once it left")
}

// TestClock_NeverMovesBack: atLeast to a time already past changes
// nothing.
func TestClock_NeverMovesBack(t *testing.T) {
	c := &clock{}
	c.atLeast(time.Now().Add(time.Hour))
	before := c.Now()
	c.atLeast(time.Now().Add(-time.Hour))
	if c.Now().Before(before) {
		t.Fatalf("the clock went back from %s to %s", before, c.Now())
	}
}

// TestGroup_EveryFigureFollowsTheBaselineInTurn: each round of a group runs
// the baseline first and then the figures from the round's own on, so that
// the turn right after the baseline (measurably slower) falls to each
// figure alike.
func TestGroup_EveryFigureFollowsTheBaselineInTurn(t *testing.T) {
	tests := []struct {
		n, round int
		want     []int
	}{
		{1, 0, []int{0}},
		{1, 5, []int{0}},
		{4, 0, []int{0, 1, 2, 3}},
		{4, 1, []int{0, 2, 3, 1}},
		{4, 2, []int{0, 3, 1, 2}},
		{4, 3, []int{0, 1, 2, 3}},
	}
	for _, tc := range tests {
		assert.Equal(t, tc.want, turns(tc.n, tc.round), "n %d, round %d", tc.n, tc.round)
	}
}
