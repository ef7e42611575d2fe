// Package chip verifies the MitID chip, a FIDO U2F security key (ECDSA P-256,
// SHA-256; USB, NFC, Bluetooth), over WebAuthn with go-webauthn.
//
// A Verifier runs the two ceremonies. It holds configuration only: the
// caller stores each user's Credentials (with the user, updated atomically)
// and each ceremony's Challenge (in a single-use, expiring session row).
//
//	registration: BeginRegistration -> browser create() -> FinishRegistration -> store Credential
//	login:        BeginLogin -> browser get() -> FinishLogin -> Assertion.Apply on the stored Credential
//
// What it enforces:
//
//   - registration asks for direct attestation and accepts "fido-u2f" and
//     "packed" (never "none"), optionally chained to AttestationRoots;
//     ES256 on P-256 only; no synced passkeys (backup flags);
//   - challenges expire (Config.Timeout, injected clock); single use is the
//     caller's contract, see Challenge;
//   - origin, RP ID, user presence, the credential belongs to the user;
//   - legacy chips registered with the old U2F API under Config.AppID log in
//     through the WebAuthn AppID extension (LegacyCredential imports them);
//   - the signature counter must strictly increase: otherwise FinishLogin
//     returns a *CounterError (ErrCounterNotIncreased) naming the chip, which
//     the caller suspends as a possible clone. go-webauthn by itself only
//     sets a CloneWarning flag.
//
// Supports answers whether a chip connection works on a platform and browser,
// following the MitID chip page.
//
// The data a caller stores (Credential, Challenge) and the sentinel errors
// are package credential's (github.com/go-mitid/mitid/chip/credential,
// standard library only), aliased here: a program can keep users with chips
// without linking go-webauthn, and *Verifier is what the root package's
// Config.Chip takes. Package chiptest holds a software chip for tests.
package chip
