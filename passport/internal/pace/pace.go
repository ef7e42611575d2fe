// Package pace holds the algebra and cryptography of PACE (ICAO 9303 Part
// 11 §4.4) that the terminal and a chip share: the group a run works in (an
// elliptic curve or a finite-field DH group), the generic, integrated and
// chip authentication mappings, nonce encryption, authentication tokens,
// and the protocol suite an OID names. The protocol steps themselves live
// with each side.
package pace

import (
	"crypto/cipher"
	"encoding/asn1"
	"errors"
	"fmt"
	"math/big"
	"slices"

	"github.com/go-mitid/mitid/passport/internal/apdu"
	"github.com/go-mitid/mitid/passport/internal/ber"
	"github.com/go-mitid/mitid/passport/internal/dh"
	"github.com/go-mitid/mitid/passport/internal/ec"
	"github.com/go-mitid/mitid/passport/internal/sm"
)

// ErrUnsupported reports a PACE variant this package cannot run
// (proprietary domain parameters, or a mapping and cipher not implemented).
var ErrUnsupported = errors.New("passport: unsupported PACE variant")

// Dynamic authentication data objects of General Authenticate (Part 11 §4.4.4).
const (
	DODynamicAuth   ber.Tag = 0x7C
	DOEncNonce      ber.Tag = 0x80
	DOMapPCD        ber.Tag = 0x81
	DOMapIC         ber.Tag = 0x82
	DOEphPCD        ber.Tag = 0x83
	DOEphIC         ber.Tag = 0x84
	DOTokenPCD      ber.Tag = 0x85
	DOTokenIC       ber.Tag = 0x86
	DOEncCAData     ber.Tag = 0x8A // PACE-CAM: encrypted chip authentication data
	DOPublicKey     ber.Tag = 0x7F49
	DOPublicKeyOID  ber.Tag = 0x06
	DOPublicKeyECPt ber.Tag = 0x86
)

// The algebra PACE runs in (ICAO 9303 Part 11 §4.4.3): an elliptic curve
// (ECDH) or a finite-field group (DH), behind one interface so the protocol
// steps, the terminal's and the virtual chip's, are written once.

// Elem is a group element: a point, or a residue mod p.
type Elem struct {
	Pt ec.Point // on a curve
	Y  *big.Int // in a DH group
}

// Domain is the group of one PACE run.
type Domain interface {
	String() string
	Order() *big.Int
	Generator() Elem
	// Exp is k·P on a curve, P^k in a DH group.
	Exp(p Elem, k *big.Int) Elem
	// Mul is P+Q on a curve, P·Q mod p in a DH group.
	Mul(p, q Elem) Elem
	// isIdentity reports the point at infinity, or 1.
	IsIdentity(p Elem) bool
	Equal(p, q Elem) bool
	// Encode is the element as GENERAL AUTHENTICATE carries it: the
	// uncompressed point, or y left-padded to the length of p.
	Encode(p Elem) []byte
	// decode parses and validates a peer's element (on the curve, in the
	// order-q subgroup).
	Decode(b []byte) (Elem, error)
	// SharedSecret is the KDF input of an agreed element: the x-coordinate,
	// or y, padded to the field length (Part 11 §9.7.1).
	SharedSecret(p Elem) []byte
	// TokenKey is the public-key data object inside 7F49 for the
	// authentication token: 86 point, or 84 y (BSI TR-03110-3 §D.3).
	TokenKey(p Elem) []byte
	// IntegratedMap is f_G of Integrated Mapping (Part 11 §4.4.3.3.2):
	// the point encoding of Appendix B for a curve, x^((p−1)/q) for DH.
	IntegratedMap(x *big.Int) (Elem, error)
	// Prime is the field or group modulus p.
	Prime() *big.Int
}

// ECDomain is an elliptic curve.
type ECDomain struct{ C *ec.Curve }

// String implements Domain for a curve.
func (d ECDomain) String() string { return d.C.String() }

// Order implements Domain for a curve.
func (d ECDomain) Order() *big.Int { return d.C.N() }

// Prime implements Domain for a curve.
func (d ECDomain) Prime() *big.Int { return d.C.P() }

// Generator implements Domain for a curve.
func (d ECDomain) Generator() Elem { return Elem{Pt: d.C.G()} }

// Exp implements Domain for a curve.
func (d ECDomain) Exp(p Elem, k *big.Int) Elem {
	return Elem{Pt: d.C.ScalarMult(p.Pt, k)}
}

// Mul implements Domain for a curve.
func (d ECDomain) Mul(p, q Elem) Elem { return Elem{Pt: d.C.Add(p.Pt, q.Pt)} }

// IsIdentity implements Domain for a curve.
func (d ECDomain) IsIdentity(p Elem) bool { return p.Pt.IsInfinity() }

// Equal implements Domain for a curve.
func (d ECDomain) Equal(p, q Elem) bool { return p.Pt.Equal(q.Pt) }

// Encode implements Domain for a curve.
func (d ECDomain) Encode(p Elem) []byte { return d.C.Marshal(p.Pt) }

// SharedSecret implements Domain for a curve.
func (d ECDomain) SharedSecret(p Elem) []byte {
	return p.Pt.X.FillBytes(make([]byte, d.C.ByteLen()))
}

// TokenKey implements Domain for a curve.
func (d ECDomain) TokenKey(p Elem) []byte {
	return ber.EncodeTLV(DOPublicKeyECPt, d.C.Marshal(p.Pt))
}

// Decode implements Domain for a curve.
func (d ECDomain) Decode(b []byte) (Elem, error) {
	pt, err := d.C.Unmarshal(b)
	if err != nil {
		return Elem{}, err
	}
	if d.C.Cofactor() != 1 && !d.C.ScalarMult(pt, d.C.N()).IsInfinity() {
		return Elem{}, fmt.Errorf("%w: point outside the prime-order subgroup", ec.ErrInvalidPoint)
	}
	return Elem{Pt: pt}, nil
}

// IntegratedMap is the point encoding of ICAO 9303 Part 11 Appendix B
// (the simplified SWU map of Brier et al. for p ≡ 3 mod 4), in affine
// coordinates, multiplied by the cofactor.
func (d ECDomain) IntegratedMap(t *big.Int) (Elem, error) {
	c := d.C
	p := c.P()
	if new(big.Int).And(p, big.NewInt(3)).Int64() != 3 {
		return Elem{}, fmt.Errorf("%w: Integrated Mapping needs p ≡ 3 mod 4 on %s", ErrUnsupported, c)
	}
	if c.A().Sign() == 0 {
		return Elem{}, fmt.Errorf("%w: Integrated Mapping needs a ≠ 0 on %s", ErrUnsupported, c)
	}
	mod := func(v *big.Int) *big.Int { return v.Mod(v, p) }
	// α = −t² mod p
	alpha := mod(new(big.Int).Neg(new(big.Int).Mul(t, t)))
	// X2 = −b·(1 + α + α²)·(a·(α + α²))^(p−2) mod p
	aa := mod(new(big.Int).Add(alpha, new(big.Int).Mul(alpha, alpha)))
	if aa.Sign() == 0 {
		return Elem{}, fmt.Errorf("%w: Integrated Mapping hit α + α² = 0", ec.ErrInvalidPoint)
	}
	inv := new(big.Int).Exp(mod(new(big.Int).Mul(c.A(), aa)), new(big.Int).Sub(p, big.NewInt(2)), p)
	x2 := mod(new(big.Int).Mul(mod(new(big.Int).Mul(new(big.Int).Neg(c.B()), new(big.Int).Add(big.NewInt(1), aa))), inv))
	x3 := mod(new(big.Int).Mul(alpha, x2))
	h2 := c.RHS(x2)
	u := mod(new(big.Int).Mul(new(big.Int).Exp(t, big.NewInt(3), p), h2))
	// A = h2^(p − 1 − (p+1)/4) mod p
	e := new(big.Int).Sub(new(big.Int).Sub(p, big.NewInt(1)), new(big.Int).Rsh(new(big.Int).Add(p, big.NewInt(1)), 2))
	a := new(big.Int).Exp(h2, e, p)
	var pt ec.Point
	if mod(new(big.Int).Mul(new(big.Int).Mul(a, a), h2)).Cmp(big.NewInt(1)) == 0 {
		pt = ec.Point{X: x2, Y: mod(new(big.Int).Mul(a, h2))}
	} else {
		pt = ec.Point{X: x3, Y: mod(new(big.Int).Mul(a, u))}
	}
	if c.Cofactor() != 1 {
		pt = c.ScalarMult(pt, big.NewInt(c.Cofactor()))
	}
	if pt.IsInfinity() || !c.IsOnCurve(pt) {
		return Elem{}, fmt.Errorf("%w: Integrated Mapping produced no point on %s", ec.ErrInvalidPoint, c)
	}
	return Elem{Pt: pt}, nil
}

// DHDomain is a finite-field group.
type DHDomain struct{ G *dh.Group }

// String implements Domain for a DH group.
func (d DHDomain) String() string { return d.G.String() }

// Order implements Domain for a DH group.
func (d DHDomain) Order() *big.Int { return d.G.Q() }

// Prime implements Domain for a DH group.
func (d DHDomain) Prime() *big.Int { return d.G.P() }

// Generator implements Domain for a DH group.
func (d DHDomain) Generator() Elem { return Elem{Y: d.G.G()} }

// Exp implements Domain for a DH group.
func (d DHDomain) Exp(p Elem, k *big.Int) Elem {
	return Elem{Y: new(big.Int).Exp(p.Y, k, d.G.P())}
}

// Mul implements Domain for a DH group.
func (d DHDomain) Mul(p, q Elem) Elem {
	v := new(big.Int).Mul(p.Y, q.Y)
	return Elem{Y: v.Mod(v, d.G.P())}
}

// IsIdentity implements Domain for a DH group.
func (d DHDomain) IsIdentity(p Elem) bool { return p.Y == nil || p.Y.Cmp(big.NewInt(1)) == 0 }

// Equal implements Domain for a DH group.
func (d DHDomain) Equal(p, q Elem) bool { return p.Y != nil && q.Y != nil && p.Y.Cmp(q.Y) == 0 }

// Encode implements Domain for a DH group.
func (d DHDomain) Encode(p Elem) []byte { return d.G.Encode(p.Y) }

// SharedSecret implements Domain for a DH group.
func (d DHDomain) SharedSecret(p Elem) []byte { return d.G.Encode(p.Y) }

// TokenKey implements Domain for a DH group.
func (d DHDomain) TokenKey(p Elem) []byte { return ber.EncodeTLV(0x84, p.Y.Bytes()) }

// Decode implements Domain for a DH group.
func (d DHDomain) Decode(b []byte) (Elem, error) {
	y, err := d.G.Decode(b)
	if err != nil {
		return Elem{}, err
	}
	return Elem{Y: y}, nil
}

// IntegratedMap is g' = x^((p−1)/q) mod p (Part 11 §4.4.3.3.2).
func (d DHDomain) IntegratedMap(x *big.Int) (Elem, error) {
	j := new(big.Int).Div(new(big.Int).Sub(d.G.P(), big.NewInt(1)), d.G.Q())
	y := new(big.Int).Exp(x, j, d.G.P())
	if y.Cmp(big.NewInt(1)) <= 0 {
		return Elem{}, fmt.Errorf("%w: Integrated Mapping produced the identity", dh.ErrInvalidDHKey)
	}
	return Elem{Y: y}, nil
}

// GenericMap is Ĝ = s·G + H (or ĝ = g^s·h), Part 11 §4.4.3.3.1, with H the
// agreed mapping element. H must not be the identity, or the password
// would not be bound to the generator.
func GenericMap(d Domain, nonce *big.Int, h Elem) (Elem, error) {
	if d.IsIdentity(h) {
		return Elem{}, fmt.Errorf("%w: PACE mapping element H is the identity", ec.ErrInvalidPoint)
	}
	g := d.Mul(d.Exp(d.Generator(), nonce), h)
	if d.IsIdentity(g) {
		return Elem{}, fmt.Errorf("%w: PACE mapped generator is the identity", ec.ErrInvalidPoint)
	}
	return g, nil
}

// Constants c0 and c1 of the pseudo-random function of Integrated Mapping
// for 128-bit keys (ICAO 9303 Part 11 §4.4.3.3.2).
var (
	imC0AES128 = []byte{0xa6, 0x68, 0x89, 0x2a, 0x7c, 0x41, 0xe3, 0xca, 0x73, 0x9f, 0x40, 0xb0, 0x57, 0xd8, 0x59, 0x04}
	imC1AES128 = []byte{0xa4, 0xe1, 0x36, 0xac, 0x72, 0x5f, 0x73, 0x8b, 0x01, 0xc1, 0xf6, 0x02, 0x17, 0xc1, 0x88, 0xad}
)

// IMPRF is R_p(s, t) of Integrated Mapping: k_0 = E(t, s); then for
// i = 1..n, x_i = E(k_{i−1}, c1) and k_i = E(k_{i−1}, c0); the output is
// x_1‖…‖x_n mod p with n = ⌈(log2 p + 64)/l⌉. Only AES-128 is run: there
// the worked example of Part 11 fixes every byte, while the key and
// constant lengths for AES-192/256 and 3DES are left to a reading of the
// text this package does not risk.
func IMPRF(alg sm.Cipher, s, t []byte, p *big.Int) (*big.Int, error) {
	if alg != sm.CipherAES128 {
		return nil, fmt.Errorf("%w: Integrated Mapping is implemented with AES-128 only", ErrUnsupported)
	}
	if len(s) != 16 || len(t) != 16 {
		return nil, fmt.Errorf("%w: Integrated Mapping nonces of %d and %d bytes", apdu.ErrAuthenticationFailed, len(s), len(t))
	}
	enc := func(key, msg []byte) []byte {
		b, _ := sm.NewBlockCipher(sm.CipherAES128, key) // 16-byte keys always make a cipher
		out := make([]byte, len(msg))
		cipher.NewCBCEncrypter(b, make([]byte, 16)).CryptBlocks(out, msg) //nolint:gosec // G407: ICAO 9303 Part 11 §4.4.3.3.2 (Integrated Mapping) mandates AES-CBC with a zero IV
		return out
	}
	n := (p.BitLen() + 64 + 127) / 128
	k := enc(t, s)
	x := make([]byte, 0, 16*n)
	for range n {
		x = append(x, enc(k, imC1AES128)...)
		k = enc(k, imC0AES128)
	}
	v := new(big.Int).SetBytes(x)
	return v.Mod(v, p), nil
}

// Supported says whether this package runs the suite: every mapping on
// ECDH and DH, except chip authentication mapping on DH (which ICAO 9303
// does not define) and Integrated Mapping with another cipher than AES-128.
func (s Suite) Supported() error {
	switch {
	case s.Mapping == MappingCAM && !s.ECDH:
		return errors.New("chip authentication mapping is defined for ECDH only")
	case s.Mapping == MappingIM && s.Cipher != sm.CipherAES128:
		return errors.New("integrated mapping runs with AES-128 only here")
	}
	return nil
}

// Suite describes what a PACE protocol OID selects.
type Suite struct {
	Mapping Mapping   // generic, integrated or chip authentication mapping
	Cipher  sm.Cipher // the secure-messaging cipher that follows
	ECDH    bool      // elliptic curve (true) or finite-field (false) Diffie-Hellman
}

// Mapping is the way a PACE run maps the nonce to a new generator.
type Mapping int

// The mappings of ICAO 9303 Part 11 §4.4.3.3.
const (
	MappingGM  Mapping = iota + 1 // generic mapping
	MappingIM                     // integrated mapping
	MappingCAM                    // chip authentication mapping
)

// String is the mapping's abbreviation in TR-03110 protocol names.
func (m Mapping) String() string {
	return map[Mapping]string{MappingGM: "GM", MappingIM: "IM", MappingCAM: "CAM"}[m]
}

// oidPACE is id-PACE of BSI TR-03110-3 (ICAO 9303 Part 11 §9.2.1).
var oidPACE = asn1.ObjectIdentifier{0, 4, 0, 127, 0, 7, 2, 2, 4}

// SuiteFor decodes a PACE protocol OID (id-PACE-<kind>-<mapping>-<cipher>).
func SuiteFor(protocol asn1.ObjectIdentifier) (Suite, error) {
	if len(protocol) != len(oidPACE)+2 || !slices.Equal(protocol[:len(oidPACE)], oidPACE) {
		return Suite{}, fmt.Errorf("passport: %s is not a PACE protocol", protocol)
	}
	var s Suite
	switch protocol[9] {
	case 1:
		s.Mapping = MappingGM
	case 2:
		s.Mapping, s.ECDH = MappingGM, true
	case 3:
		s.Mapping = MappingIM
	case 4:
		s.Mapping, s.ECDH = MappingIM, true
	case 6:
		s.Mapping, s.ECDH = MappingCAM, true
	default:
		return Suite{}, fmt.Errorf("passport: unknown PACE mapping in %s", protocol)
	}
	c, err := CipherFromArc(protocol[10])
	if err != nil {
		return Suite{}, err
	}
	s.Cipher = c
	return s, nil
}

// CipherFromArc is the cipher the last arc of a PACE or CA protocol OID names.
func CipherFromArc(arc int) (sm.Cipher, error) {
	switch arc {
	case 1:
		return sm.Cipher3DES, nil
	case 2:
		return sm.CipherAES128, nil
	case 3:
		return sm.CipherAES192, nil
	case 4:
		return sm.CipherAES256, nil
	}
	return 0, fmt.Errorf("passport: unknown cipher arc %d", arc)
}

// DecryptNonce recovers s = D(K_π, z) with a zero IV.
func DecryptNonce(alg sm.Cipher, kPi, z []byte) (*big.Int, error) {
	b, err := sm.NewBlockCipher(alg, kPi)
	if err != nil {
		return nil, err
	}
	if len(z) == 0 || len(z)%b.BlockSize() != 0 {
		return nil, fmt.Errorf("passport: PACE encrypted nonce of %d bytes", len(z))
	}
	out := make([]byte, len(z))
	cipher.NewCBCDecrypter(b, make([]byte, b.BlockSize())).CryptBlocks(out, z)
	return new(big.Int).SetBytes(out), nil
}

// EncryptNonce is the chip's half of DecryptNonce.
func EncryptNonce(alg sm.Cipher, kPi, nonce []byte) ([]byte, error) {
	b, err := sm.NewBlockCipher(alg, kPi)
	if err != nil {
		return nil, err
	}
	out := make([]byte, len(nonce))
	cipher.NewCBCEncrypter(b, make([]byte, b.BlockSize())).CryptBlocks(out, nonce) //nolint:gosec // G407: ICAO 9303 Part 11 §4.4 (PACE) mandates the nonce be encrypted in CBC mode with a zero IV
	return out, nil
}

// TokenIn is the authentication token of §4.4.3.4: the MAC over the
// public-key data object 7F49 {06 OID, 86 point | 84 y} of the other
// side's ephemeral key. AES uses CMAC over the raw object, 3DES the retail
// MAC over the padded object; both keep 8 bytes.
func TokenIn(alg sm.Cipher, ksMAC []byte, oid asn1.ObjectIdentifier, d Domain, pk Elem) []byte {
	body := ber.AppendTLV(nil, DOPublicKeyOID, ber.OIDContent(oid))
	body = append(body, d.TokenKey(pk)...)
	data := ber.EncodeTLV(DOPublicKey, body)
	if alg == sm.Cipher3DES {
		m, _ := sm.RetailMAC(ksMAC, sm.Pad(data, 8))
		return m
	}
	b, _ := sm.NewBlockCipher(alg, ksMAC)
	return sm.CMAC(b, data)[:8]
}

// Token is TokenIn on a curve.
func Token(alg sm.Cipher, ksMAC []byte, oid asn1.ObjectIdentifier, c *ec.Curve, pk ec.Point) []byte {
	return TokenIn(alg, ksMAC, oid, ECDomain{c}, Elem{Pt: pk})
}

// caDataIV is the IV of PACE-CAM's chip authentication data: E(KS_enc, −1),
// the all-ones block (Part 11 §4.4.3.5.1).
func caDataIV(b cipher.Block) []byte {
	iv := make([]byte, b.BlockSize())
	for i := range iv {
		iv[i] = 0xFF
	}
	b.Encrypt(iv, iv)
	return iv
}

// DecryptCAData recovers the chip authentication data CA_IC of PACE-CAM
// (Part 11 §4.4.3.5.1).
func DecryptCAData(alg sm.Cipher, ksEnc, ct []byte) ([]byte, error) {
	b, err := sm.NewBlockCipher(alg, ksEnc)
	if err != nil {
		return nil, err
	}
	if len(ct) == 0 || len(ct)%b.BlockSize() != 0 {
		return nil, fmt.Errorf("%w: chip authentication data of %d bytes", apdu.ErrAuthenticationFailed, len(ct))
	}
	p := make([]byte, len(ct))
	cipher.NewCBCDecrypter(b, caDataIV(b)).CryptBlocks(p, ct)
	out, err := sm.Unpad(p)
	if err != nil {
		return nil, fmt.Errorf("%w: chip authentication data: %w", apdu.ErrAuthenticationFailed, err)
	}
	return out, nil
}

// EncryptCAData is the chip's half of DecryptCAData.
func EncryptCAData(alg sm.Cipher, ksEnc, plain []byte) ([]byte, error) {
	b, err := sm.NewBlockCipher(alg, ksEnc)
	if err != nil {
		return nil, err
	}
	p := sm.Pad(plain, b.BlockSize())
	cipher.NewCBCEncrypter(b, caDataIV(b)).CryptBlocks(p, p) //nolint:gosec // G407: the IV is E(KS_enc, −1), not a fixed one, as ICAO 9303 Part 11 §4.4.3.5.1 (PACE-CAM) mandates
	return p, nil
}

// StandardCurve returns the elliptic curve of a standardized
// domain parameter ID (ICAO 9303 Part 11 §9.5.1). IDs 0–2 are finite-field
// DH groups: see dh.StandardGroup.
func StandardCurve(id int) (*ec.Curve, error) {
	switch id {
	case 8:
		return ec.NISTP192(), nil
	case 9:
		return ec.BrainpoolP192r1(), nil
	case 10:
		return ec.NISTP224(), nil
	case 11:
		return ec.BrainpoolP224r1(), nil
	case 12:
		return ec.NISTP256(), nil
	case 13:
		return ec.BrainpoolP256r1(), nil
	case 14:
		return ec.BrainpoolP320r1(), nil
	case 15:
		return ec.NISTP384(), nil
	case 16:
		return ec.BrainpoolP384r1(), nil
	case 17:
		return ec.BrainpoolP512r1(), nil
	case 18:
		return ec.NISTP521(), nil
	}
	return nil, fmt.Errorf("%w: standardized domain parameters %d are not an elliptic curve (0-2 are DH groups, see the DH groups)", ec.ErrUnsupportedCurve, id)
}
