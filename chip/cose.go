package chip

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"fmt"

	"github.com/go-webauthn/webauthn/protocol/webauthncose"
)

// COSE identifiers (RFC 9053) for the only key a MitID chip has: an ECDSA
// P-256 key used with SHA-256.
const (
	coseKeyTypeEC2 = 2
	coseAlgES256   = -7
	coseCurveP256  = 1
)

// p256PointLen is the length of an uncompressed SEC 1 P-256 point,
// 0x04 || X || Y, the form FIDO U2F uses on the wire.
const p256PointLen = 65

// coseFromPoint encodes an uncompressed P-256 point as a COSE_Key in CTAP2
// canonical form, after checking that the point is on the curve.
func coseFromPoint(point []byte) ([]byte, error) {
	if _, err := ecdsa.ParseUncompressedPublicKey(elliptic.P256(), point); err != nil {
		return nil, fmt.Errorf("%w: not an uncompressed P-256 point: %w", ErrInvalidKey, err)
	}
	var w cborWriter
	w.mapHeader(5)
	w.int(1) // kty
	w.int(coseKeyTypeEC2)
	w.int(3) // alg
	w.int(coseAlgES256)
	w.int(-1) // crv
	w.int(coseCurveP256)
	w.int(-2) // x
	w.bytes(point[1:33])
	w.int(-3) // y
	w.bytes(point[33:65])
	return w.b, nil
}

// coseP256Prefix is how every ES256 P-256 COSE_Key in CTAP2 canonical CBOR
// begins: map(5) {1: 2, 3: -7, -1: 1, -2: bstr(32) ...}. go-webauthn stores
// credential keys re-encoded canonically, so this layout is what a stored
// key almost always is.
var coseP256Prefix = []byte{0xa5, 0x01, 0x02, 0x03, 0x26, 0x20, 0x01, 0x21, 0x58, 0x20}

// coseP256Len is the length of that canonical encoding.
const coseP256Len = 10 + 32 + 3 + 32 // prefix, X, header of Y, Y

// publicKeyFromCOSE returns the ECDSA key of a stored credential. A key in
// the exact canonical layout is read in place, which makes decoding it on
// every login cost no more than validating the point; anything else goes
// through the general COSE parser.
func publicKeyFromCOSE(cose []byte) (*ecdsa.PublicKey, error) {
	if len(cose) == coseP256Len && bytes.HasPrefix(cose, coseP256Prefix) && cose[42] == 0x22 && cose[43] == 0x58 && cose[44] == 0x20 {
		var point [p256PointLen]byte
		point[0] = 0x04
		copy(point[1:33], cose[10:42])
		copy(point[33:], cose[45:77])
		key, err := ecdsa.ParseUncompressedPublicKey(elliptic.P256(), point[:])
		if err != nil {
			return nil, fmt.Errorf("%w: %w", ErrInvalidKey, err)
		}
		return key, nil
	}
	key, _, err := parseCOSEP256(cose)
	return key, err
}

// parseCOSEP256 decodes a COSE_Key and accepts it only if it is an ES256 key
// on P-256, the one algorithm the MitID chip (FIDO U2F) has. It returns the
// key and its uncompressed point.
func parseCOSEP256(cose []byte) (*ecdsa.PublicKey, []byte, error) {
	parsed, err := webauthncose.ParsePublicKey(cose)
	if err != nil {
		return nil, nil, fmt.Errorf("%w: %v", ErrInvalidKey, err) //nolint:errorlint // go-webauthn's errors stay out of this package's API: its detail is kept in the message only
	}
	ec, ok := parsed.(webauthncose.EC2PublicKeyData)
	if !ok {
		return nil, nil, fmt.Errorf("%w: key type %T is not an EC2 key", ErrInvalidKey, parsed)
	}
	if ec.Algorithm != coseAlgES256 || ec.Curve != coseCurveP256 {
		return nil, nil, fmt.Errorf("%w: algorithm %d on curve %d, want ES256 (-7) on P-256 (1)", ErrInvalidKey, ec.Algorithm, ec.Curve)
	}
	point := make([]byte, 0, p256PointLen)
	point = append(point, 0x04)
	point = append(point, ec.XCoord...)
	point = append(point, ec.YCoord...)
	key, err := ecdsa.ParseUncompressedPublicKey(elliptic.P256(), point)
	if err != nil {
		return nil, nil, fmt.Errorf("%w: %w", ErrInvalidKey, err)
	}
	return key, point, nil
}
