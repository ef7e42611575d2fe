// Package codedisplay implements the one-time codes of MitID's code display and audio
// code reader: TOTP (RFC 6238) over HOTP (RFC 4226), a stateless verifier that enforces
// single use and learns clock drift, device serial numbers with a check digit, and the
// audio code reader's spoken code as a WAV file. Package codedisplaytest simulates both
// devices for tests.
//
// # Stateless verification
//
// [Params.Verify] holds no per-device state. The caller keeps a [State] per device (the
// last accepted time step and the learned drift) next to the device's seed, passes it
// in, and stores [Match.NewState] back in the same atomic update that accepted the code.
// That keeps the one-time property (RFC 6238 §5.2: a code is accepted once) as strong as
// the caller's storage: two concurrent logins with the same code cannot both commit.
//
// # Parameters
//
// MitID does not publish the code display's time step or HMAC algorithm. [MitIDParams]
// is this package's choice of default (6 digits, 30 s, HMAC-SHA-1, ±1 step of skew, at
// most 20 steps of learned drift); every field is configurable.
//
// # What is computed where
//
// Codes are computed by github.com/pquerna/otp (HOTP with the RFC 4226 dynamic
// truncation); this package adds the time-step arithmetic, the window search around the
// learned drift, single use, resynchronisation, input normalisation, constant-time
// comparison and the device model.
//
// Package codedisplay imports nothing else of its module and can be used on its own.
package codedisplay
