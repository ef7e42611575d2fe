package mitid

import "time"

// Clock tells the time. The Service reads time only through its Clock, so
// tests drive every waiting period and expiry without sleeping.
type Clock interface {
	Now() time.Time
}

// ClockFunc adapts a function to the Clock interface.
type ClockFunc func() time.Time

// Now calls f.
func (f ClockFunc) Now() time.Time { return f() }

// systemClock is the wall clock, used when Config.Clock is nil.
type systemClock struct{}

func (systemClock) Now() time.Time { return time.Now() }
