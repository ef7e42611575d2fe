// Package credential holds what a relying party stores about a MitID chip,
// as plain data: the registered Credential (credential ID, COSE public key,
// signature counter, transports, AAGUID, attestation), the Challenge of a
// ceremony in flight, the Assertion an accepted login yields and the errors a
// chip verifier returns.
//
// It imports only the standard library, so a program can keep users that own
// chips (decode them, store them, count their signatures) without linking the
// WebAuthn verifier. The verifier, package chip, builds and checks these
// values with go-webauthn; its Credential, Challenge, Assertion and error
// names are aliases of the ones here, so values and errors.Is work across the
// two packages.
package credential
