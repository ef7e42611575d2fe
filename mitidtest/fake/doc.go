// Package fake holds the two things every deterministic test of go-mitid
// needs and no production code may have: a clock that moves only when the
// test moves it, and a random source that replays the same bytes for the
// same seed.
//
// It imports only the standard library, so the protocol packages (chip,
// app, codedisplay, passport) and their test kits use it as freely as the
// root package's test kit, mitidtest, does.
package fake
