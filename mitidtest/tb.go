package mitidtest

import "context"

// TB is the part of testing.TB the kit uses. *testing.T, *testing.B and
// *testing.F satisfy it; a program that wants a faithful MitID outside a
// test (a demo, a load generator) can pass its own.
type TB interface {
	Helper()
	Errorf(format string, args ...any)
	Fatalf(format string, args ...any)
	Cleanup(func())
	Context() context.Context
}
