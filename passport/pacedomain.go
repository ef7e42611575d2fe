package passport

import (
	"crypto/cipher"
	"errors"
	"fmt"
	"math/big"

	"github.com/go-mitid/mitid/passport/internal/ber"
	"github.com/go-mitid/mitid/passport/internal/dh"
	"github.com/go-mitid/mitid/passport/internal/ec"
	"github.com/go-mitid/mitid/passport/internal/sm"
)

// The algebra PACE runs in (ICAO 9303 Part 11 §4.4.3): an elliptic curve
// (ECDH) or a finite-field group (DH), behind one interface so the protocol
// steps, the terminal's and the virtual chip's, are written once.

// paceElem is a group element: a point, or a residue mod p.
type paceElem struct {
	pt ec.Point
	y  *big.Int
}

// paceDomain is the group of one PACE run.
type paceDomain interface {
	String() string
	order() *big.Int
	generator() paceElem
	// exp is k·P on a curve, P^k in a DH group.
	exp(p paceElem, k *big.Int) paceElem
	// mul is P+Q on a curve, P·Q mod p in a DH group.
	mul(p, q paceElem) paceElem
	// isIdentity reports the point at infinity, or 1.
	isIdentity(p paceElem) bool
	equal(p, q paceElem) bool
	// encode is the element as GENERAL AUTHENTICATE carries it: the
	// uncompressed point, or y left-padded to the length of p.
	encode(p paceElem) []byte
	// decode parses and validates a peer's element (on the curve, in the
	// order-q subgroup).
	decode(b []byte) (paceElem, error)
	// sharedSecret is the KDF input of an agreed element: the x-coordinate,
	// or y, padded to the field length (Part 11 §9.7.1).
	sharedSecret(p paceElem) []byte
	// tokenKey is the public-key data object inside 7F49 for the
	// authentication token: 86 point, or 84 y (BSI TR-03110-3 §D.3).
	tokenKey(p paceElem) []byte
	// integratedMap is f_G of Integrated Mapping (Part 11 §4.4.3.3.2):
	// the point encoding of Appendix B for a curve, x^((p−1)/q) for DH.
	integratedMap(x *big.Int) (paceElem, error)
	// prime is the field or group modulus p.
	prime() *big.Int
}

// paceDomainFor returns the domain of a PACEInfo: its standardized
// parameters, or the PACEDomainParameterInfo it refers to.
func paceDomainFor(info PACEInfo, ecdh bool) (paceDomain, error) {
	if d := info.custom; d != nil {
		switch {
		case d.ParameterError != nil:
			return nil, d.ParameterError
		case ecdh && d.Curve != nil:
			return ecDomain{d.Curve}, nil
		case !ecdh && d.DHGroup != nil:
			return dhDomain{d.DHGroup}, nil
		}
		return nil, fmt.Errorf("PACEDomainParameterInfo %d does not hold %s parameters", d.ParameterID, map[bool]string{true: "ECDH", false: "DH"}[ecdh])
	}
	if !info.HasParameterID {
		return nil, errors.New("PACEInfo without domain parameters")
	}
	if ecdh {
		c, err := StandardDomainParameters(info.ParameterID)
		if err != nil {
			return nil, err
		}
		return ecDomain{c}, nil
	}
	g, err := dh.StandardDHGroup(info.ParameterID)
	if err != nil {
		return nil, err
	}
	return dhDomain{g}, nil
}

// ecDomain is an elliptic curve.
type ecDomain struct{ c *ec.Curve }

func (d ecDomain) String() string      { return d.c.String() }
func (d ecDomain) order() *big.Int     { return d.c.N() }
func (d ecDomain) prime() *big.Int     { return d.c.P() }
func (d ecDomain) generator() paceElem { return paceElem{pt: d.c.G()} }
func (d ecDomain) exp(p paceElem, k *big.Int) paceElem {
	return paceElem{pt: d.c.ScalarMult(p.pt, k)}
}
func (d ecDomain) mul(p, q paceElem) paceElem { return paceElem{pt: d.c.Add(p.pt, q.pt)} }
func (d ecDomain) isIdentity(p paceElem) bool { return p.pt.IsInfinity() }
func (d ecDomain) equal(p, q paceElem) bool   { return p.pt.Equal(q.pt) }
func (d ecDomain) encode(p paceElem) []byte   { return d.c.Marshal(p.pt) }
func (d ecDomain) sharedSecret(p paceElem) []byte {
	return p.pt.X.FillBytes(make([]byte, d.c.ByteLen()))
}
func (d ecDomain) tokenKey(p paceElem) []byte {
	return ber.EncodeTLV(doPublicKeyECPt, d.c.Marshal(p.pt))
}
func (d ecDomain) decode(b []byte) (paceElem, error) {
	pt, err := d.c.Unmarshal(b)
	if err != nil {
		return paceElem{}, err
	}
	if d.c.Cofactor() != 1 && !d.c.ScalarMult(pt, d.c.N()).IsInfinity() {
		return paceElem{}, fmt.Errorf("%w: point outside the prime-order subgroup", ec.ErrInvalidPoint)
	}
	return paceElem{pt: pt}, nil
}

// integratedMap is the point encoding of ICAO 9303 Part 11 Appendix B
// (the simplified SWU map of Brier et al. for p ≡ 3 mod 4), in affine
// coordinates, multiplied by the cofactor.
func (d ecDomain) integratedMap(t *big.Int) (paceElem, error) {
	c := d.c
	p := c.P()
	if new(big.Int).And(p, big.NewInt(3)).Int64() != 3 {
		return paceElem{}, fmt.Errorf("%w: Integrated Mapping needs p ≡ 3 mod 4 on %s", ErrPACEUnsupported, c)
	}
	if c.A().Sign() == 0 {
		return paceElem{}, fmt.Errorf("%w: Integrated Mapping needs a ≠ 0 on %s", ErrPACEUnsupported, c)
	}
	mod := func(v *big.Int) *big.Int { return v.Mod(v, p) }
	// α = −t² mod p
	alpha := mod(new(big.Int).Neg(new(big.Int).Mul(t, t)))
	// X2 = −b·(1 + α + α²)·(a·(α + α²))^(p−2) mod p
	aa := mod(new(big.Int).Add(alpha, new(big.Int).Mul(alpha, alpha)))
	if aa.Sign() == 0 {
		return paceElem{}, fmt.Errorf("%w: Integrated Mapping hit α + α² = 0", ec.ErrInvalidPoint)
	}
	inv := new(big.Int).Exp(mod(new(big.Int).Mul(c.A(), aa)), new(big.Int).Sub(p, big.NewInt(2)), p)
	x2 := mod(new(big.Int).Mul(mod(new(big.Int).Mul(new(big.Int).Neg(c.B()), new(big.Int).Add(big.NewInt(1), aa))), inv))
	x3 := mod(new(big.Int).Mul(alpha, x2))
	h2 := c.Rhs(x2)
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
		return paceElem{}, fmt.Errorf("%w: Integrated Mapping produced no point on %s", ec.ErrInvalidPoint, c)
	}
	return paceElem{pt: pt}, nil
}

// dhDomain is a finite-field group.
type dhDomain struct{ g *dh.DHGroup }

func (d dhDomain) String() string      { return d.g.String() }
func (d dhDomain) order() *big.Int     { return d.g.Q() }
func (d dhDomain) prime() *big.Int     { return d.g.P() }
func (d dhDomain) generator() paceElem { return paceElem{y: d.g.G()} }
func (d dhDomain) exp(p paceElem, k *big.Int) paceElem {
	return paceElem{y: new(big.Int).Exp(p.y, k, d.g.P())}
}
func (d dhDomain) mul(p, q paceElem) paceElem {
	v := new(big.Int).Mul(p.y, q.y)
	return paceElem{y: v.Mod(v, d.g.P())}
}
func (d dhDomain) isIdentity(p paceElem) bool     { return p.y == nil || p.y.Cmp(big.NewInt(1)) == 0 }
func (d dhDomain) equal(p, q paceElem) bool       { return p.y != nil && q.y != nil && p.y.Cmp(q.y) == 0 }
func (d dhDomain) encode(p paceElem) []byte       { return d.g.Encode(p.y) }
func (d dhDomain) sharedSecret(p paceElem) []byte { return d.g.Encode(p.y) }
func (d dhDomain) tokenKey(p paceElem) []byte     { return ber.EncodeTLV(0x84, p.y.Bytes()) }
func (d dhDomain) decode(b []byte) (paceElem, error) {
	y, err := d.g.Decode(b)
	if err != nil {
		return paceElem{}, err
	}
	return paceElem{y: y}, nil
}

// integratedMap is g' = x^((p−1)/q) mod p (Part 11 §4.4.3.3.2).
func (d dhDomain) integratedMap(x *big.Int) (paceElem, error) {
	j := new(big.Int).Div(new(big.Int).Sub(d.g.P(), big.NewInt(1)), d.g.Q())
	y := new(big.Int).Exp(x, j, d.g.P())
	if y.Cmp(big.NewInt(1)) <= 0 {
		return paceElem{}, fmt.Errorf("%w: Integrated Mapping produced the identity", dh.ErrInvalidDHKey)
	}
	return paceElem{y: y}, nil
}

// genericMap is Ĝ = s·G + H (or ĝ = g^s·h), Part 11 §4.4.3.3.1, with H the
// agreed mapping element. H must not be the identity, or the password
// would not be bound to the generator.
func genericMap(d paceDomain, nonce *big.Int, h paceElem) (paceElem, error) {
	if d.isIdentity(h) {
		return paceElem{}, fmt.Errorf("%w: PACE mapping element H is the identity", ec.ErrInvalidPoint)
	}
	g := d.mul(d.exp(d.generator(), nonce), h)
	if d.isIdentity(g) {
		return paceElem{}, fmt.Errorf("%w: PACE mapped generator is the identity", ec.ErrInvalidPoint)
	}
	return g, nil
}

// Constants c0 and c1 of the pseudo-random function of Integrated Mapping
// for 128-bit keys (ICAO 9303 Part 11 §4.4.3.3.2).
var (
	imC0AES128 = []byte{0xa6, 0x68, 0x89, 0x2a, 0x7c, 0x41, 0xe3, 0xca, 0x73, 0x9f, 0x40, 0xb0, 0x57, 0xd8, 0x59, 0x04}
	imC1AES128 = []byte{0xa4, 0xe1, 0x36, 0xac, 0x72, 0x5f, 0x73, 0x8b, 0x01, 0xc1, 0xf6, 0x02, 0x17, 0xc1, 0x88, 0xad}
)

// imPRF is R_p(s, t) of Integrated Mapping: k_0 = E(t, s); then for
// i = 1..n, x_i = E(k_{i−1}, c1) and k_i = E(k_{i−1}, c0); the output is
// x_1‖…‖x_n mod p with n = ⌈(log2 p + 64)/l⌉. Only AES-128 is run: there
// the worked example of Part 11 fixes every byte, while the key and
// constant lengths for AES-192/256 and 3DES are left to a reading of the
// text this package does not risk.
func imPRF(alg sm.Cipher, s, t []byte, p *big.Int) (*big.Int, error) {
	if alg != sm.CipherAES128 {
		return nil, fmt.Errorf("%w: Integrated Mapping is implemented with AES-128 only", ErrPACEUnsupported)
	}
	if len(s) != 16 || len(t) != 16 {
		return nil, fmt.Errorf("%w: Integrated Mapping nonces of %d and %d bytes", ErrAuthenticationFailed, len(s), len(t))
	}
	enc := func(key, msg []byte) []byte {
		b, _ := sm.NewBlockCipher(sm.CipherAES128, key) // 16-byte keys always make a cipher
		out := make([]byte, len(msg))
		cipher.NewCBCEncrypter(b, make([]byte, 16)).CryptBlocks(out, msg)
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
