package passport

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rsa"
	"crypto/x509"
	"encoding/asn1"
	"errors"
	"fmt"
	"math/big"

	"github.com/go-mitid/mitid/passport/internal/ber"
	"github.com/go-mitid/mitid/passport/internal/ec"
)

// Object identifiers of public-key algorithms (RFC 3279, RFC 4055, RFC 5480).
var (
	oidRSAEncryption = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 1}
	oidRSASSAPSS     = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 10}
	oidECPublicKey   = asn1.ObjectIdentifier{1, 2, 840, 10045, 2, 1}

	oidNamedP224 = asn1.ObjectIdentifier{1, 3, 132, 0, 33}
	oidNamedP256 = asn1.ObjectIdentifier{1, 2, 840, 10045, 3, 1, 7}
	oidNamedP384 = asn1.ObjectIdentifier{1, 3, 132, 0, 34}
	oidNamedP521 = asn1.ObjectIdentifier{1, 3, 132, 0, 35}
)

// PublicKey is a subject public key found in a certificate or in DG15:
// exactly one of RSA and EC is set.
//
// EC keys may live on any short-Weierstrass prime curve (NIST, brainpool,
// or explicit parameters); keys on NIST P-224/256/384/521 are verified
// with crypto/ecdsa, others with this package's own curve arithmetic.
type PublicKey struct {
	Raw []byte         // the SubjectPublicKeyInfo DER this key was parsed from (nil if built in memory)
	RSA *rsa.PublicKey // set for RSA keys
	EC  *ec.PublicKey  // set for elliptic-curve keys
	// ExplicitParameters is true when the EC domain parameters were spelled
	// out in the SubjectPublicKeyInfo instead of named by OID.
	ExplicitParameters bool

	nist *ecdsa.PublicKey // the same key as a crypto/ecdsa key on a NIST curve, for speed
}

// ParsePublicKeyInfo parses a DER SubjectPublicKeyInfo holding an RSA key
// (rsaEncryption or id-RSASSA-PSS) or an elliptic-curve key (id-ecPublicKey
// with a named curve or explicit ECParameters). An unknown algorithm or curve
// yields an error wrapping ErrUnsupportedAlgorithm; anything else that is
// wrong (the structure, an RSA modulus, an EC point) one wrapping
// ErrMalformedPublicKey.
func ParsePublicKeyInfo(der []byte) (*PublicKey, error) {
	pk, err := parsePublicKeyInfo(der)
	if err != nil && !errors.Is(err, ErrUnsupportedAlgorithm) {
		return nil, fmt.Errorf("%w: %w", ErrMalformedPublicKey, err)
	}
	return pk, err
}

func parsePublicKeyInfo(der []byte) (*PublicKey, error) {
	top, err := ber.ReadAll(der)
	if err != nil {
		return nil, err
	}
	parts, err := ber.Sequence(top, "SubjectPublicKeyInfo")
	if err != nil {
		return nil, err
	}
	if len(parts) != 2 {
		return nil, fmt.Errorf("%w: SubjectPublicKeyInfo has %d elements, expected 2", ber.ErrASN1, len(parts))
	}
	alg, err := ber.Algorithm(parts[0], "SubjectPublicKeyInfo algorithm")
	if err != nil {
		return nil, err
	}
	keyBits, err := ber.BitString(parts[1])
	if err != nil {
		return nil, fmt.Errorf("subjectPublicKey: %w", err)
	}
	pk := &PublicKey{Raw: top.Full}
	switch {
	case alg.OID.Equal(oidRSAEncryption) || alg.OID.Equal(oidRSASSAPSS):
		if pk.RSA, err = pkiParseRSAKey(keyBits); err != nil {
			return nil, err
		}
	case alg.OID.Equal(oidECPublicKey):
		if alg.Params == nil {
			return nil, fmt.Errorf("%w: EC key without domain parameters (implicitlyCA)", ErrUnsupportedAlgorithm)
		}
		curve, err := ec.ParseCurveParameters(alg.Params.Full)
		if err != nil {
			return nil, fmt.Errorf("%w: EC domain parameters: %w", ErrUnsupportedAlgorithm, err)
		}
		pk.ExplicitParameters = alg.Params.IsUniversal(ber.TagSequence)
		if std := pkiNISTCurve(curve); std != nil {
			// crypto/ecdsa validates the point (on the curve, not infinity)
			// faster than math/big, and its key is what verification uses.
			if pk.nist, err = ecdsa.ParseUncompressedPublicKey(std, keyBits); err == nil {
				l := curve.ByteLen()
				pk.EC = &ec.PublicKey{Curve: curve, Point: ec.Point{
					X: new(big.Int).SetBytes(keyBits[1 : 1+l]), Y: new(big.Int).SetBytes(keyBits[1+l:]),
				}}
				break
			}
		}
		pt, err := curve.Unmarshal(keyBits)
		if err != nil {
			return nil, fmt.Errorf("%w: EC public point: %w", ber.ErrASN1, err)
		}
		pk.EC = &ec.PublicKey{Curve: curve, Point: pt}
		pk.nist = pkiNISTKey(pk.EC)
	default:
		return nil, fmt.Errorf("%w: public key algorithm %v", ErrUnsupportedAlgorithm, alg.OID)
	}
	return pk, nil
}

// pkiParseRSAKey decodes RSAPublicKey ::= SEQUENCE { modulus, publicExponent }.
func pkiParseRSAKey(b []byte) (*rsa.PublicKey, error) {
	e, err := ber.ReadAll(b)
	if err != nil {
		return nil, err
	}
	kids, err := ber.Sequence(e, "RSAPublicKey")
	if err != nil {
		return nil, err
	}
	if len(kids) != 2 {
		return nil, fmt.Errorf("%w: RSAPublicKey has %d elements", ber.ErrASN1, len(kids))
	}
	n, err := ber.Integer(kids[0], false)
	if err != nil {
		return nil, err
	}
	exp, err := ber.Integer(kids[1], false)
	if err != nil {
		return nil, err
	}
	if n.Sign() <= 0 || n.Bit(0) == 0 || n.BitLen() < 512 {
		return nil, fmt.Errorf("%w: RSA modulus is not a positive odd number of at least 512 bits", ber.ErrASN1)
	}
	if exp.Cmp(big.NewInt(3)) < 0 || !exp.IsInt64() || exp.Int64() > 1<<31-1 || exp.Bit(0) == 0 {
		return nil, fmt.Errorf("%w: RSA public exponent %s unsupported", ErrUnsupportedAlgorithm, exp)
	}
	return &rsa.PublicKey{N: n, E: int(exp.Int64())}, nil
}

// pkiNISTCurve returns crypto/elliptic's implementation of c when it is
// one of the NIST curves crypto/ecdsa supports, or nil.
func pkiNISTCurve(c *ec.Curve) elliptic.Curve {
	switch oid := c.OID(); {
	case oid.Equal(oidNamedP224):
		return elliptic.P224()
	case oid.Equal(oidNamedP256):
		return elliptic.P256()
	case oid.Equal(oidNamedP384):
		return elliptic.P384()
	case oid.Equal(oidNamedP521):
		return elliptic.P521()
	}
	return nil
}

// pkiNISTKey returns k as a crypto/ecdsa key when it is on a NIST curve
// crypto/ecdsa implements, or nil.
func pkiNISTKey(k *ec.PublicKey) *ecdsa.PublicKey {
	c := pkiNISTCurve(k.Curve)
	if c == nil {
		return nil
	}
	pub, err := ecdsa.ParseUncompressedPublicKey(c, k.Curve.Marshal(k.Point))
	if err != nil {
		return nil
	}
	return pub
}

// NewPublicKey wraps a Go public key (*rsa.PublicKey, *ecdsa.PublicKey, or
// this package's *ec.PublicKey) so it can be used with VerifyActive and the
// signature checks of this package.
func NewPublicKey(pub crypto.PublicKey) (*PublicKey, error) {
	switch k := pub.(type) {
	case *rsa.PublicKey:
		return &PublicKey{RSA: k}, nil
	case *ec.PublicKey:
		return &PublicKey{EC: k, nist: pkiNISTKey(k)}, nil
	case *ecdsa.PublicKey:
		raw, err := k.Bytes()
		if err != nil {
			return nil, fmt.Errorf("%w: %w", ErrUnsupportedAlgorithm, err)
		}
		var curve *ec.Curve
		switch k.Curve {
		case elliptic.P224():
			curve = ec.NISTP224()
		case elliptic.P256():
			curve = ec.NISTP256()
		case elliptic.P384():
			curve = ec.NISTP384()
		case elliptic.P521():
			curve = ec.NISTP521()
		default:
			return nil, fmt.Errorf("%w: crypto/ecdsa curve %s", ErrUnsupportedAlgorithm, k.Curve.Params().Name)
		}
		pt, err := curve.Unmarshal(raw)
		if err != nil {
			return nil, err
		}
		return &PublicKey{EC: &ec.PublicKey{Curve: curve, Point: pt}, nist: k}, nil
	default:
		return nil, fmt.Errorf("%w: public key type %T", ErrUnsupportedAlgorithm, pub)
	}
}

// String names the key type and size, e.g. "RSA-2048" or "EC brainpoolP256r1".
func (k *PublicKey) String() string {
	switch {
	case k == nil:
		return "<nil key>"
	case k.RSA != nil:
		return fmt.Sprintf("RSA-%d", k.RSA.N.BitLen())
	case k.EC != nil:
		s := "EC " + k.EC.Curve.String()
		if k.ExplicitParameters {
			s += " (explicit parameters)"
		}
		return s
	}
	return "<empty key>"
}

// MarshalPublicKeyInfo encodes pub (*rsa.PublicKey, *ecdsa.PublicKey or
// *ec.PublicKey) as a DER SubjectPublicKeyInfo. With explicit, EC domain
// parameters are written out in full instead of as a curve OID — the form
// crypto/x509 cannot read and many ePassports use.
func MarshalPublicKeyInfo(pub crypto.PublicKey, explicit bool) ([]byte, error) {
	if k, ok := pub.(*rsa.PublicKey); ok {
		return x509.MarshalPKIXPublicKey(k)
	}
	pk, err := NewPublicKey(pub)
	if err != nil {
		return nil, err
	}
	if pk.EC == nil {
		return nil, fmt.Errorf("%w: %T", ErrUnsupportedAlgorithm, pub)
	}
	params, err := pk.EC.Curve.MarshalParameters(explicit)
	if err != nil {
		return nil, err
	}
	oid, _ := asn1.Marshal(oidECPublicKey)
	point := pk.EC.Curve.Marshal(pk.EC.Point)
	return ber.DER(0x30, ber.DER(0x30, oid, params), ber.DER(0x03, []byte{0}, point)), nil
}
