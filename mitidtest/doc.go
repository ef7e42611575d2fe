// Package mitidtest is the test kit for programs that use go-mitid: a
// Service on the in-memory store, with a clock the test moves by hand,
// seeded randomness, a notifier that records what it was asked to send,
// the store contract's snapshot checks, and helpers that enrol a person
// with any authenticator kind and answer every factor of a login with the
// simulated devices.
//
// Everything here is deterministic: the same test, run twice, draws the
// same keys, codes and IDs. Nothing here belongs in production: the
// randomness is predictable by design and the password hashing is made
// cheap so that a test suite runs in seconds.
//
//	env := mitidtest.New(t)
//	anna := env.Enrol(t, "anna", mitid.LevelSubstantial, mitid.KindCodeDisplay)
//	res := env.LogIn(t, anna, mitid.LevelSubstantial)
//
// The clock and the random source alone are in the leaf package
// mitidtest/fake, which the protocol packages' tests use too.
package mitidtest
