// Package chiptest is a test kit for MitID chips: Simulator, a software FIDO
// U2F chip with the part of a browser that talks to it, so that a test of a
// relying party needs no hardware and no browser.
//
// The chip half has real cryptography: a P-256 attestation key certified by
// a small test CA (AttestationRoot), one global signature counter, and each
// credential's private key sealed into its key handle and bound to the RP ID
// or AppID it was registered under. The browser half answers the options
// JSON of navigator.credentials.create and get (as package chip's Verifier
// issues them) with the JSON a browser would post, built from raw U2F
// messages as browsers build it. A test can clone a chip, roll its counter
// back, connect it over NFC or Bluetooth, leave it unpressed, or drop the
// browser's origin rule (SimOption).
//
// Seeded gives the deterministic randomness a replayable test wants.
//
// The kit imports only the standard library and package credential: its
// CBOR, COSE and U2F encoders are its own, so that a bug in the verifier's
// decoders cannot be hidden by the same bug here. It is for tests only.
package chiptest
