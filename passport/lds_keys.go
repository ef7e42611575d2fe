package passport

import (
	"crypto"
	"fmt"

	"github.com/go-mitid/mitid/passport/internal/ber"
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
// *ecdsa.PublicKey or *ec.PublicKey); explicit writes EC domain parameters
// in full, as many chips do.
func MarshalDG15(pub crypto.PublicKey, explicit bool) ([]byte, error) {
	spki, err := MarshalPublicKeyInfo(pub, explicit)
	if err != nil {
		return nil, err
	}
	return ber.EncodeTLV(0x6F, spki), nil
}

// DG14 holds the SecurityInfos of Chip Authentication (keys and protocol
// infos), and optionally PACE and Active Authentication infos.
type DG14 struct {
	SecurityInfos *SecurityInfos // parsed with ParseSecurityInfos
}

// ParseDG14 parses DG14 (tag 6E wrapping a SET OF SecurityInfo). Errors
// wrap ErrMalformedLDS and ErrMalformedSecurityInfos.
func ParseDG14(b []byte) (*DG14, error) {
	top, err := ldsOpen(b, 0x6E, "DG14")
	if err != nil {
		return nil, err
	}
	si, err := ParseSecurityInfos(top.Value)
	if err != nil {
		return nil, fmt.Errorf("%w: DG14: %w", ErrMalformedLDS, err)
	}
	return &DG14{SecurityInfos: si}, nil
}

// Marshal encodes DG14.
func (d *DG14) Marshal() ([]byte, error) {
	if d.SecurityInfos == nil {
		return nil, fmt.Errorf("%w: DG14 without SecurityInfos", ErrMalformedLDS)
	}
	set, err := d.SecurityInfos.Marshal()
	if err != nil {
		return nil, err
	}
	return ber.EncodeTLV(0x6E, set), nil
}

// ActiveAuthenticationHash returns the hash DG14's ActiveAuthenticationInfo
// names for ECDSA Active Authentication, or 0 when DG14 has none (then
// VerifyActive picks the hash by curve size).
func (d *DG14) ActiveAuthenticationHash() (crypto.Hash, error) {
	if d == nil || d.SecurityInfos == nil || len(d.SecurityInfos.ActiveAuthentication) == 0 {
		return 0, nil
	}
	return ActiveAuthenticationHash(d.SecurityInfos.ActiveAuthentication[0].SignatureAlgorithm)
}
