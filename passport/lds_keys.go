package passport

import (
	"crypto"
	"fmt"
)

// DG15 (Active Authentication public key) and DG14 (security options for
// Chip Authentication, PACE and Active Authentication), ICAO 9303 Part 10
// §4.7.14–15.

// DG15 holds the chip's Active Authentication public key.
type DG15 struct {
	// PublicKey is the key: RSA, or EC on any supported curve with named or
	// explicit domain parameters. Pass it to VerifyActive.
	PublicKey *PublicKey
}

// ParseDG15 parses DG15 (tag 6F wrapping a SubjectPublicKeyInfo). Errors
// wrap ErrMalformedLDS, or ErrUnsupportedAlgorithm for a key type this
// package cannot use.
func ParseDG15(b []byte) (*DG15, error) {
	top, err := ldsOpen(b, 0x6F, "DG15")
	if err != nil {
		return nil, err
	}
	pk, err := ParsePublicKeyInfo(top.Value)
	if err != nil {
		return nil, fmt.Errorf("%w: DG15: %w", ErrMalformedLDS, err)
	}
	return &DG15{PublicKey: pk}, nil
}

// MarshalDG15 encodes DG15 for a public key (*rsa.PublicKey,
// *ecdsa.PublicKey or *ECPublicKey); explicit writes EC domain parameters
// in full, as many chips do.
func MarshalDG15(pub crypto.PublicKey, explicit bool) ([]byte, error) {
	spki, err := MarshalPublicKeyInfo(pub, explicit)
	if err != nil {
		return nil, err
	}
	return EncodeTLV(0x6F, spki), nil
}
