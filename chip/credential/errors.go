package credential

import (
	"encoding/base64"
	"errors"
	"fmt"
)

// Sentinel errors of a chip verifier. Every error the verifier returns about a
// user, a challenge, a browser response or a credential wraps exactly one of
// them, so a caller tells failures apart with errors.Is and never by the
// message text, without importing the verifier. Typed errors (CounterError,
// CredentialError) add the data a caller needs.
var (
	// ErrInvalidUser: the User is missing its ID or the ID is longer than the
	// 64 bytes WebAuthn allows for a user handle.
	ErrInvalidUser = errors.New("chip: invalid user")

	// ErrNoCredentials: a login was begun for a user with no chip credential.
	ErrNoCredentials = errors.New("chip: the user has no chip registered")

	// ErrInvalidChallenge: the Challenge handed to a Finish call is malformed,
	// belongs to the other ceremony, or was issued to another user.
	ErrInvalidChallenge = errors.New("chip: invalid challenge")

	// ErrChallengeExpired: the Challenge's expiry has passed; begin again.
	ErrChallengeExpired = errors.New("chip: challenge expired")

	// ErrInvalidResponse: what the browser posted is not a well-formed
	// WebAuthn response (bad JSON, base64, CBOR, authenticator data, ...).
	ErrInvalidResponse = errors.New("chip: malformed WebAuthn response")

	// ErrChallengeMismatch: the response answers a different challenge than
	// the one issued, e.g. a replayed response from an earlier ceremony.
	ErrChallengeMismatch = errors.New("chip: response does not answer this challenge")

	// ErrOriginMismatch: the browser reports an origin that is not one of
	// the verifier's allowed origins (a phishing page, or a misconfigured deployment).
	ErrOriginMismatch = errors.New("chip: response comes from an origin that is not allowed")

	// ErrRPIDMismatch: the authenticator data is scoped to another relying
	// party ID (or, for a legacy credential, another AppID).
	ErrRPIDMismatch = errors.New("chip: response is scoped to another relying party")

	// ErrUserPresence: the chip did not assert user presence (the button was
	// not pressed, or the chip was not held to the reader).
	ErrUserPresence = errors.New("chip: user presence was not confirmed on the chip")

	// ErrBadSignature: the assertion or attestation signature does not verify.
	ErrBadSignature = errors.New("chip: signature does not verify")

	// ErrAttestation: the attestation statement is invalid, not of an
	// accepted format, or does not chain to the verifier's attestation roots.
	ErrAttestation = errors.New("chip: attestation not accepted")

	// ErrNotDeviceBound: the credential is backup eligible (a synced passkey);
	// a MitID chip key never leaves the chip.
	ErrNotDeviceBound = errors.New("chip: credential is not bound to a device")

	// ErrInvalidKey: a public key (stored or received) is not an ES256 P-256
	// key or is not a valid point.
	ErrInvalidKey = errors.New("chip: invalid public key")

	// ErrUnknownCredential: the response was made with a credential that is
	// not one of this user's (it may belong to someone else, or be removed).
	ErrUnknownCredential = errors.New("chip: credential is not registered to this user")

	// ErrCredentialExists: registration produced a credential this user has
	// already registered.
	ErrCredentialExists = errors.New("chip: chip is already registered to this user")

	// ErrCredentialInUse: registration produced a credential that is already
	// bound to another user.
	ErrCredentialInUse = errors.New("chip: chip is registered to another user")

	// ErrCounterNotIncreased: the signature is valid but the chip's signature
	// counter did not increase. Two copies of the key may exist (a cloned
	// chip); the caller should suspend the chip. Returned as *CounterError.
	ErrCounterNotIncreased = errors.New("chip: signature counter did not increase (possible cloned chip)")

	// ErrVerification: the WebAuthn verification refused the response for a reason none of
	// the more specific errors covers. The message carries its detail.
	ErrVerification = errors.New("chip: WebAuthn verification failed")
)

// CounterError reports a valid assertion whose signature counter did not
// increase. It matches ErrCounterNotIncreased with errors.Is. The caller
// should suspend the credential named by CredentialID and emit an event; it
// must not store Received as the new counter.
type CounterError struct {
	CredentialID []byte // the chip credential to suspend
	Stored       uint32 // counter stored from the last accepted use
	Received     uint32 // counter in the refused assertion
}

// Error says which chip to suspend and why, in words a support agent can act on.
func (e *CounterError) Error() string {
	return fmt.Sprintf("%v: credential %s sent counter %d, stored counter is %d; suspend the chip and ask the user to contact support",
		ErrCounterNotIncreased, base64.RawURLEncoding.EncodeToString(e.CredentialID), e.Received, e.Stored)
}

// Is makes errors.Is(err, ErrCounterNotIncreased) true.
func (e *CounterError) Is(target error) bool { return target == ErrCounterNotIncreased }

// CredentialError names the credential an ErrUnknownCredential,
// ErrCredentialExists or ErrCredentialInUse is about, so a caller can log it
// or signal the browser that the credential is unknown.
type CredentialError struct { //nolint:revive // exported: renaming to credential.Error changes the public API (chip aliases it as chip.CredentialError); the lead's call
	Err          error  // one of the sentinels above
	CredentialID []byte // the credential ID the browser sent
}

// Error names the sentinel and the credential ID (base64url).
func (e *CredentialError) Error() string {
	return fmt.Sprintf("%v (credential %s)", e.Err, base64.RawURLEncoding.EncodeToString(e.CredentialID))
}

// Unwrap returns the sentinel.
func (e *CredentialError) Unwrap() error { return e.Err }
