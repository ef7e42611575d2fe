package app

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/sha256"
	"crypto/x509"
	"errors"
	"fmt"
)

// ChallengeSize is the length in bytes of a login's approval challenge.
const ChallengeSize = 32

// domain separates approval signatures from any other use of the device key.
const domain = "MitID app approval v1\x00"

// Errors reported by this package; test with errors.Is.
var (
	// ErrMalformedKey: a registered device key is not a P-256 public key.
	ErrMalformedKey = errors.New("app: malformed device key")
	// ErrBadSignature: the approval does not verify under the device key.
	ErrBadSignature = errors.New("app: the approval signature does not verify")
	// ErrMalformedRequest: a challenge of the wrong size or an empty action.
	ErrMalformedRequest = errors.New("app: malformed approval request")
	// ErrDeclined: the person declined the request in the app.
	ErrDeclined = errors.New("app: the request was declined in the app")
)

// Request is what the app is asked to approve.
type Request struct {
	Challenge []byte // ChallengeSize random bytes from the login
	Action    string // LOG_ON, APPROVE, CONFIRM, ACCEPT or SIGN
	Text      string // the transaction text shown to the person
}

// TextHash returns SHA-256 of the transaction text as UTF-8.
func TextHash(text string) [32]byte { return sha256.Sum256([]byte(text)) }

// Message returns the bytes the device signs: a domain label, the
// challenge, the hash of the text and the action. Lengths are fixed or
// prefixed, so no two requests share a message.
func (r Request) Message() ([]byte, error) {
	if len(r.Challenge) != ChallengeSize {
		return nil, fmt.Errorf("%w: the challenge has %d bytes, want %d", ErrMalformedRequest, len(r.Challenge), ChallengeSize)
	}
	if r.Action == "" || len(r.Action) > 255 {
		return nil, fmt.Errorf("%w: the action must be 1 to 255 bytes", ErrMalformedRequest)
	}
	h := TextHash(r.Text)
	m := make([]byte, 0, len(domain)+ChallengeSize+32+1+len(r.Action))
	m = append(m, domain...)
	m = append(m, r.Challenge...)
	m = append(m, h[:]...)
	m = append(m, byte(len(r.Action))) //nolint:gosec // G115: len(r.Action) ≤ 255, checked above
	m = append(m, r.Action...)
	return m, nil
}

// ParsePublicKey parses a device key as the app registers it: a PKIX
// (SubjectPublicKeyInfo) DER encoding of a P-256 public key.
func ParsePublicKey(der []byte) (*ecdsa.PublicKey, error) {
	k, err := x509.ParsePKIXPublicKey(der)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrMalformedKey, err)
	}
	pub, ok := k.(*ecdsa.PublicKey)
	if !ok || pub.Curve != elliptic.P256() {
		return nil, fmt.Errorf("%w: want an ECDSA P-256 key, got %T", ErrMalformedKey, k)
	}
	return pub, nil
}

// Verify checks an approval: sig must be an ASN.1 DER ECDSA signature by
// the device key over SHA-256 of r.Message().
func Verify(pub *ecdsa.PublicKey, r Request, sig []byte) error {
	m, err := r.Message()
	if err != nil {
		return err
	}
	digest := sha256.Sum256(m)
	if !ecdsa.VerifyASN1(pub, digest[:], sig) {
		return ErrBadSignature
	}
	return nil
}
