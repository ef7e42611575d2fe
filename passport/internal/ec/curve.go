package ec

import (
	"crypto/ecdh"
	"encoding/asn1"
	"errors"
	"fmt"
	"io"
	"math/big"
	"sync"
)

// ErrInvalidPoint reports an encoded point that is malformed, not on the
// curve, or the point at infinity where a public key was expected.
var ErrInvalidPoint = errors.New("passport: invalid elliptic curve point")

// ErrUnsupportedCurve reports curve parameters the package does not know or
// cannot use.
var ErrUnsupportedCurve = errors.New("passport: unsupported elliptic curve")

// Curve is a short-Weierstrass curve y² = x³ + ax + b over a prime field
// GF(p), with a base point G of prime order n and cofactor h.
//
// It exists because ePassports use the Brainpool curves (RFC 5639), which
// neither crypto/elliptic nor crypto/ecdh can express. The arithmetic is
// written on math/big in Jacobian coordinates; it is correct for every
// curve, but math/big is not constant time, so timing can leak secret
// scalars to an attacker able to measure many operations precisely.
//
// A Curve is immutable and safe for concurrent use. Accessors return copies.
type Curve struct {
	name    string
	oid     asn1.ObjectIdentifier
	p, a, b *big.Int
	gx, gy  *big.Int
	n       *big.Int
	h       int64
	byteLen int
	// aMinus3 selects the faster doubling formula for a = -3 (the NIST curves).
	aMinus3 bool
	// std is crypto/ecdh's implementation of the same curve (NIST P-256,
	// P-384, P-521), used for ECDH with the standard generator.
	std ecdh.Curve
}

// Name returns the curve's standard name, e.g. "brainpoolP256r1", or "" for
// curves built from unnamed explicit parameters.
func (c *Curve) Name() string { return c.name }

// OID returns the curve's object identifier, or nil for unnamed curves.
func (c *Curve) OID() asn1.ObjectIdentifier {
	if c.oid == nil {
		return nil
	}
	return append(asn1.ObjectIdentifier(nil), c.oid...)
}

// P returns the field prime.
func (c *Curve) P() *big.Int { return new(big.Int).Set(c.p) }

// A returns the curve coefficient a.
func (c *Curve) A() *big.Int { return new(big.Int).Set(c.a) }

// B returns the curve coefficient b.
func (c *Curve) B() *big.Int { return new(big.Int).Set(c.b) }

// N returns the order of the base point.
func (c *Curve) N() *big.Int { return new(big.Int).Set(c.n) }

// Cofactor returns h = #E / n.
func (c *Curve) Cofactor() int64 { return c.h }

// G returns the base point.
func (c *Curve) G() Point { return Point{X: new(big.Int).Set(c.gx), Y: new(big.Int).Set(c.gy)} }

// ByteLen returns the length in bytes of an encoded field element, which is
// also the length of an ECDH shared secret.
func (c *Curve) ByteLen() int { return c.byteLen }

// String returns the curve's name, or a description of unnamed parameters.
func (c *Curve) String() string {
	if c.name != "" {
		return c.name
	}
	return fmt.Sprintf("unnamed %d-bit prime curve", c.p.BitLen())
}

// Point is an affine point. The zero value (X and Y nil) is the point at
// infinity. Points returned by Curve methods never share memory with their
// inputs.
type Point struct {
	X, Y *big.Int
}

// IsInfinity reports whether p is the point at infinity.
func (p Point) IsInfinity() bool { return p.X == nil || p.Y == nil }

// Equal reports whether p and q are the same point.
func (p Point) Equal(q Point) bool {
	if p.IsInfinity() || q.IsInfinity() {
		return p.IsInfinity() == q.IsInfinity()
	}
	return p.X.Cmp(q.X) == 0 && p.Y.Cmp(q.Y) == 0
}

// IsOnCurve reports whether p is a finite point satisfying the curve
// equation with coordinates reduced modulo p. The point at infinity is
// reported as not on the curve, because no public key may be infinity.
func (c *Curve) IsOnCurve(pt Point) bool {
	if pt.IsInfinity() {
		return false
	}
	if pt.X.Sign() < 0 || pt.Y.Sign() < 0 || pt.X.Cmp(c.p) >= 0 || pt.Y.Cmp(c.p) >= 0 {
		return false
	}
	return c.RHS(pt.X).Cmp(new(big.Int).Mod(new(big.Int).Mul(pt.Y, pt.Y), c.p)) == 0
}

// RHS returns x³ + ax + b mod p.
func (c *Curve) RHS(x *big.Int) *big.Int {
	r := new(big.Int).Mul(x, x)
	r.Add(r, c.a)
	r.Mul(r, x)
	r.Add(r, c.b)
	return r.Mod(r, c.p)
}

// jacobian is a point (X/Z², Y/Z³); Z = 0 is infinity. Coordinates are
// always kept reduced to [0, p).
type jacobian struct {
	x, y, z *big.Int
}

func (c *Curve) toJacobian(pt Point) jacobian {
	if pt.IsInfinity() {
		return jacobian{new(big.Int), new(big.Int), new(big.Int)}
	}
	return jacobian{new(big.Int).Set(pt.X), new(big.Int).Set(pt.Y), big.NewInt(1)}
}

func (c *Curve) toAffine(j jacobian) Point {
	if j.z.Sign() == 0 {
		return Point{}
	}
	zinv := new(big.Int).ModInverse(j.z, c.p)
	zinv2 := new(big.Int).Mul(zinv, zinv)
	zinv2.Mod(zinv2, c.p)
	x := new(big.Int).Mul(j.x, zinv2)
	x.Mod(x, c.p)
	zinv2.Mul(zinv2, zinv)
	y := new(big.Int).Mul(j.y, zinv2)
	y.Mod(y, c.p)
	return Point{X: x, Y: y}
}

// fe is scratch space for one chain of field operations, so a scalar
// multiplication reuses a handful of big.Ints instead of allocating per step.
type fe struct {
	p, q                           *big.Int
	t0, t1, t2, t3, t4, t5, t6, t7 *big.Int
}

func newFE(p *big.Int) *fe {
	f := &fe{p: p, q: new(big.Int)}
	for _, t := range []**big.Int{&f.t0, &f.t1, &f.t2, &f.t3, &f.t4, &f.t5, &f.t6, &f.t7} {
		*t = new(big.Int)
	}
	return f
}

// mul and sqr reduce with QuoRem into a reused quotient: inputs are
// non-negative, so the truncated remainder is the modulus, and Mod would
// allocate a fresh quotient every time.
func (f *fe) mul(z, x, y *big.Int) { z.Mul(x, y); f.q.QuoRem(z, f.p, z) }
func (f *fe) sqr(z, x *big.Int)    { z.Mul(x, x); f.q.QuoRem(z, f.p, z) }
func (f *fe) sub(z, x, y *big.Int) {
	z.Sub(x, y)
	if z.Sign() < 0 {
		z.Add(z, f.p)
	}
}
func (f *fe) add(z, x, y *big.Int) {
	z.Add(x, y)
	if z.Cmp(f.p) >= 0 {
		z.Sub(z, f.p)
	}
}

// double sets r = 2q (r may alias q), using the formulas for Jacobian
// coordinates with arbitrary a ("dbl-2007-bl" family); a = -3 saves two
// multiplications.
func (c *Curve) double(f *fe, r, q jacobian) {
	if q.z.Sign() == 0 || q.y.Sign() == 0 {
		r.z.SetInt64(0)
		r.x.SetInt64(0)
		r.y.SetInt64(0)
		return
	}
	xx, yy, yyyy, zz, s, m := f.t0, f.t1, f.t2, f.t3, f.t4, f.t5
	f.sqr(yy, q.y)
	f.sqr(yyyy, yy)
	f.sqr(zz, q.z)
	// S = 4·X·YY
	f.mul(s, q.x, yy)
	f.add(s, s, s)
	f.add(s, s, s)
	if c.aMinus3 {
		// M = 3·(X − ZZ)·(X + ZZ)
		f.sub(xx, q.x, zz)
		f.add(m, q.x, zz)
		f.mul(m, m, xx)
		f.add(xx, m, m)
		f.add(m, m, xx)
	} else {
		// M = 3·XX + a·ZZ²
		f.sqr(xx, q.x)
		f.add(m, xx, xx)
		f.add(m, m, xx)
		f.sqr(zz, zz)
		f.mul(zz, zz, c.a)
		f.add(m, m, zz)
	}
	// Z3 = 2·Y·Z (computed before Y is overwritten).
	f.mul(r.z, q.y, q.z)
	f.add(r.z, r.z, r.z)
	// X3 = M² − 2S
	f.sqr(xx, m)
	f.sub(xx, xx, s)
	f.sub(r.x, xx, s)
	// Y3 = M·(S − X3) − 8·YYYY
	f.sub(s, s, r.x)
	f.mul(s, m, s)
	f.add(yyyy, yyyy, yyyy)
	f.add(yyyy, yyyy, yyyy)
	f.add(yyyy, yyyy, yyyy)
	f.sub(r.y, s, yyyy)
}

// add sets r = p + q (r may alias p or q) for any inputs, including
// infinity, p = q and p = −q.
func (c *Curve) add(f *fe, r, p, q jacobian) {
	if p.z.Sign() == 0 {
		r.x.Set(q.x)
		r.y.Set(q.y)
		r.z.Set(q.z)
		return
	}
	if q.z.Sign() == 0 {
		r.x.Set(p.x)
		r.y.Set(p.y)
		r.z.Set(p.z)
		return
	}
	z1z1, z2z2, u1, u2, s1, s2 := f.t0, f.t1, f.t2, f.t3, f.t4, f.t5
	f.sqr(z1z1, p.z)
	f.sqr(z2z2, q.z)
	f.mul(u1, p.x, z2z2)
	f.mul(u2, q.x, z1z1)
	f.mul(s1, p.y, q.z)
	f.mul(s1, s1, z2z2)
	f.mul(s2, q.y, p.z)
	f.mul(s2, s2, z1z1)
	h, rr := u2, s2
	f.sub(h, u2, u1)
	f.sub(rr, s2, s1)
	if h.Sign() == 0 {
		if rr.Sign() == 0 {
			c.double(f, r, p)
			return
		}
		r.x.SetInt64(0)
		r.y.SetInt64(0)
		r.z.SetInt64(0)
		return
	}
	hh, hhh := z1z1, z2z2 // z1z1, z2z2 no longer needed
	f.sqr(hh, h)
	f.mul(hhh, h, hh)
	v := f.t6
	f.mul(v, u1, hh)
	// Z3 = Z1·Z2·H (before X/Y of r, which may alias p or q, change)
	z3 := f.t7
	f.mul(z3, p.z, q.z)
	f.mul(z3, z3, h)
	// X3 = r² − HHH − 2V
	x3 := u1 // u1 done after V
	f.sqr(x3, rr)
	f.sub(x3, x3, hhh)
	f.sub(x3, x3, v)
	f.sub(x3, x3, v)
	// Y3 = r·(V − X3) − S1·HHH
	f.sub(v, v, x3)
	f.mul(v, rr, v)
	f.mul(s1, s1, hhh)
	f.sub(r.y, v, s1)
	r.x.Set(x3)
	r.z.Set(z3)
}

// Add returns p + q.
func (c *Curve) Add(p, q Point) Point {
	f := newFE(c.p)
	r := c.toJacobian(p)
	c.add(f, r, r, c.toJacobian(q))
	return c.toAffine(r)
}

// Double returns 2p.
func (c *Curve) Double(p Point) Point {
	f := newFE(c.p)
	r := c.toJacobian(p)
	c.double(f, r, r)
	return c.toAffine(r)
}

// Neg returns −p.
func (c *Curve) Neg(p Point) Point {
	if p.IsInfinity() {
		return Point{}
	}
	y := new(big.Int).Neg(p.Y)
	return Point{X: new(big.Int).Set(p.X), Y: y.Mod(y, c.p)}
}

// ScalarMult returns k·p. It runs a Montgomery ladder, one addition and one
// doubling per bit of max(n, k), so the sequence of group operations does
// not depend on the bits of k (math/big itself still varies in time). k must
// be non-negative; it is not reduced modulo n, so the result is right even
// for points outside the prime-order subgroup.
func (c *Curve) ScalarMult(p Point, k *big.Int) Point {
	if k.Sign() < 0 {
		return c.ScalarMult(c.Neg(p), new(big.Int).Neg(k))
	}
	f := newFE(c.p)
	r0 := c.toJacobian(Point{})
	r1 := c.toJacobian(p)
	bits := max(c.n.BitLen(), k.BitLen())
	for i := bits - 1; i >= 0; i-- {
		if k.Bit(i) == 0 {
			c.add(f, r1, r0, r1)
			c.double(f, r0, r0)
		} else {
			c.add(f, r0, r0, r1)
			c.double(f, r1, r1)
		}
	}
	return c.toAffine(r0)
}

// ScalarBaseMult returns k·G.
func (c *Curve) ScalarBaseMult(k *big.Int) Point {
	return c.ScalarMult(Point{X: c.gx, Y: c.gy}, k)
}

// CombinedMult returns s·G + t·q with Shamir's trick. It runs in variable
// time and is meant for public inputs, such as ECDSA verification.
func (c *Curve) CombinedMult(q Point, s, t *big.Int) Point {
	if s.Sign() < 0 || t.Sign() < 0 {
		return c.Add(c.ScalarBaseMult(s), c.ScalarMult(q, t))
	}
	f := newFE(c.p)
	g := c.toJacobian(Point{X: c.gx, Y: c.gy})
	qj := c.toJacobian(q)
	gq := c.toJacobian(Point{})
	c.add(f, gq, g, qj)
	r := c.toJacobian(Point{})
	for i := max(s.BitLen(), t.BitLen()) - 1; i >= 0; i-- {
		c.double(f, r, r)
		switch {
		case s.Bit(i) == 1 && t.Bit(i) == 1:
			c.add(f, r, r, gq)
		case s.Bit(i) == 1:
			c.add(f, r, r, g)
		case t.Bit(i) == 1:
			c.add(f, r, r, qj)
		}
	}
	return c.toAffine(r)
}

// Marshal encodes p uncompressed (0x04 ‖ X ‖ Y, SEC 1 §2.3.3), the form
// ICAO 9303 uses on the wire. The point at infinity encodes as the single
// byte 0x00.
func (c *Curve) Marshal(p Point) []byte {
	if p.IsInfinity() {
		return []byte{0}
	}
	out := make([]byte, 1+2*c.byteLen)
	out[0] = 4
	p.X.FillBytes(out[1 : 1+c.byteLen])
	p.Y.FillBytes(out[1+c.byteLen:])
	return out
}

// MarshalCompressed encodes p compressed (0x02/0x03 ‖ X).
func (c *Curve) MarshalCompressed(p Point) []byte {
	if p.IsInfinity() {
		return []byte{0}
	}
	out := make([]byte, 1+c.byteLen)
	out[0] = 2 | byte(p.Y.Bit(0)) //nolint:gosec // G115: Bit returns 0 or 1
	p.X.FillBytes(out[1:])
	return out
}

// Unmarshal decodes an uncompressed or compressed point and checks that it
// lies on the curve. The point at infinity is rejected.
func (c *Curve) Unmarshal(b []byte) (Point, error) {
	switch {
	case len(b) == 1+2*c.byteLen && b[0] == 4:
		p := Point{
			X: new(big.Int).SetBytes(b[1 : 1+c.byteLen]),
			Y: new(big.Int).SetBytes(b[1+c.byteLen:]),
		}
		if !c.IsOnCurve(p) {
			return Point{}, fmt.Errorf("%w: not on %s", ErrInvalidPoint, c)
		}
		return p, nil
	case len(b) == 1+c.byteLen && (b[0] == 2 || b[0] == 3):
		x := new(big.Int).SetBytes(b[1:])
		if x.Cmp(c.p) >= 0 {
			return Point{}, fmt.Errorf("%w: x not reduced modulo p", ErrInvalidPoint)
		}
		y := new(big.Int).ModSqrt(c.RHS(x), c.p)
		if y == nil {
			return Point{}, fmt.Errorf("%w: x has no point on %s", ErrInvalidPoint, c)
		}
		if y.Bit(0) != uint(b[0]&1) {
			y.Sub(c.p, y)
		}
		p := Point{X: x, Y: y.Mod(y, c.p)}
		if !c.IsOnCurve(p) {
			return Point{}, fmt.Errorf("%w: not on %s", ErrInvalidPoint, c)
		}
		return p, nil
	default:
		return Point{}, fmt.Errorf("%w: %d bytes with prefix 0x%02X do not encode a point on %s", ErrInvalidPoint, len(b), firstOr0(b), c)
	}
}

func firstOr0(b []byte) byte {
	if len(b) == 0 {
		return 0
	}
	return b[0]
}

// PublicKey is an elliptic curve public key on any Curve, including the
// Brainpool curves that crypto/ecdsa cannot hold.
type PublicKey struct {
	Curve *Curve
	Point Point
}

// Bytes returns the uncompressed encoding of the public point.
func (k *PublicKey) Bytes() []byte { return k.Curve.Marshal(k.Point) }

// PrivateKey is an elliptic curve private scalar D with its public key.
type PrivateKey struct {
	PublicKey
	D *big.Int
}

// GenerateKey draws a private scalar uniformly from [1, n−1] by rejection
// sampling ByteLen-sized big-endian strings from rand (top bits masked to
// the size of n). Because an in-range string is taken as it is, a test can
// replay a published key by passing its bytes as rand.
func (c *Curve) GenerateKey(rand io.Reader) (*PrivateKey, error) {
	d, err := RandScalar(rand, c.n)
	if err != nil {
		return nil, err
	}
	return c.NewPrivateKey(d)
}

// NewPrivateKey returns the key pair for scalar d, which must lie in [1, n−1].
func (c *Curve) NewPrivateKey(d *big.Int) (*PrivateKey, error) {
	if d.Sign() <= 0 || d.Cmp(c.n) >= 0 {
		return nil, fmt.Errorf("passport: private scalar out of range for %s", c)
	}
	return &PrivateKey{
		PublicKey: PublicKey{Curve: c, Point: c.ScalarBaseMult(d)},
		D:         new(big.Int).Set(d),
	}, nil
}

// RandScalar draws a uniform integer in [1, n−1] from rand.
func RandScalar(rand io.Reader, n *big.Int) (*big.Int, error) {
	if rand == nil {
		return nil, errors.New("passport: no random source")
	}
	bitLen := n.BitLen()
	buf := make([]byte, (bitLen+7)/8)
	for tries := 0; tries < 128; tries++ {
		if _, err := io.ReadFull(rand, buf); err != nil {
			return nil, fmt.Errorf("passport: reading randomness: %w", err)
		}
		if excess := len(buf)*8 - bitLen; excess > 0 {
			buf[0] &= byte(0xFF >> excess)
		}
		d := new(big.Int).SetBytes(buf)
		if d.Sign() > 0 && d.Cmp(n) < 0 {
			return d, nil
		}
	}
	return nil, errors.New("passport: random source keeps producing out-of-range scalars")
}

// ECDH returns the x-coordinate of D·peer, ByteLen bytes long (the shared
// secret of ECKA-DH, BSI TR-03111 §4.3.1). It rejects a peer point that is
// not on the curve and a result at infinity.
func (k *PrivateKey) ECDH(peer Point) ([]byte, error) {
	c := k.Curve
	if !c.IsOnCurve(peer) {
		return nil, fmt.Errorf("%w: peer key not on %s", ErrInvalidPoint, c)
	}
	if c.std != nil {
		return k.stdECDH(peer)
	}
	if c.h != 1 && !c.ScalarMult(peer, c.n).IsInfinity() {
		// A peer point outside the prime-order subgroup would leak D mod h.
		return nil, fmt.Errorf("%w: peer key outside the prime-order subgroup of %s", ErrInvalidPoint, c)
	}
	s := c.ScalarMult(peer, k.D)
	if s.IsInfinity() {
		return nil, fmt.Errorf("%w: shared point is infinity", ErrInvalidPoint)
	}
	return s.X.FillBytes(make([]byte, c.byteLen)), nil
}

// stdECDH runs the key agreement in crypto/ecdh, which is constant time.
func (k *PrivateKey) stdECDH(peer Point) ([]byte, error) {
	c := k.Curve
	priv, err := c.std.NewPrivateKey(k.D.FillBytes(make([]byte, c.byteLen)))
	if err != nil {
		return nil, fmt.Errorf("passport: %s private key: %w", c, err)
	}
	pub, err := c.std.NewPublicKey(c.Marshal(peer))
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalidPoint, err)
	}
	return priv.ECDH(pub)
}

// NewCurve builds a curve from explicit domain parameters, as found in
// certificates and DG14 keys that spell the curve out instead of naming it.
// It checks that p and n are prime, that the curve is not singular, and that
// G lies on the curve with order n. When the parameters are those of a named
// curve, that named curve is returned, so callers can compare pointers.
func NewCurve(p, a, b, gx, gy, n *big.Int, h int64) (*Curve, error) {
	for _, v := range []*big.Int{p, a, b, gx, gy, n} {
		if v == nil || v.Sign() < 0 {
			return nil, fmt.Errorf("%w: missing or negative parameter", ErrUnsupportedCurve)
		}
	}
	for _, named := range namedCurves() {
		if named.p.Cmp(p) == 0 && named.a.Cmp(a) == 0 && named.b.Cmp(b) == 0 &&
			named.gx.Cmp(gx) == 0 && named.gy.Cmp(gy) == 0 && named.n.Cmp(n) == 0 && (h == 0 || h == named.h) {
			return named, nil
		}
	}
	if p.BitLen() < 160 || p.BitLen() > 1024 {
		return nil, fmt.Errorf("%w: %d-bit field is outside 160..1024 bits", ErrUnsupportedCurve, p.BitLen())
	}
	if err := orderWithinHasseBound(p, n); err != nil {
		return nil, err
	}
	if h <= 0 {
		h = 1
	}
	c := newCurve("", nil, p, a, b, gx, gy, n, h)
	if err := c.validate(); err != nil {
		return nil, err
	}
	return c, nil
}

// orderWithinHasseBound refuses an order n that no curve over the field of
// p can have: the group has at most p + 1 + 2√p < 2p points, so n has at
// most one bit more than p. Checked before n's primality, whose cost grows
// with the cube of its length: a certificate could otherwise spend minutes
// of CPU with a few kilobytes of order.
func orderWithinHasseBound(p, n *big.Int) error {
	if n.BitLen() > p.BitLen()+1 {
		return fmt.Errorf("%w: order of %d bits on a %d-bit field", ErrUnsupportedCurve, n.BitLen(), p.BitLen())
	}
	return nil
}

func newCurve(name string, oid asn1.ObjectIdentifier, p, a, b, gx, gy, n *big.Int, h int64) *Curve {
	c := &Curve{
		name: name, oid: oid,
		p: p, a: a, b: b, gx: gx, gy: gy, n: n, h: h,
		byteLen: (p.BitLen() + 7) / 8,
	}
	c.aMinus3 = new(big.Int).Sub(p, a).Cmp(big.NewInt(3)) == 0
	return c
}

// validate checks the domain parameters (SEC 1 §3.1.1.2.1, without the
// MOV and anomalous checks, which matter for choosing curves, not using them).
func (c *Curve) validate() error {
	if !c.p.ProbablyPrime(20) {
		return fmt.Errorf("%w: p is not prime", ErrUnsupportedCurve)
	}
	if c.a.Cmp(c.p) >= 0 || c.b.Cmp(c.p) >= 0 {
		return fmt.Errorf("%w: coefficients not reduced modulo p", ErrUnsupportedCurve)
	}
	// 4a³ + 27b² ≠ 0 (mod p)
	d := new(big.Int).Exp(c.a, big.NewInt(3), c.p)
	d.Mul(d, big.NewInt(4))
	b2 := new(big.Int).Mul(c.b, c.b)
	d.Add(d, b2.Mul(b2, big.NewInt(27)))
	if d.Mod(d, c.p).Sign() == 0 {
		return fmt.Errorf("%w: singular curve", ErrUnsupportedCurve)
	}
	if !c.n.ProbablyPrime(20) {
		return fmt.Errorf("%w: order n is not prime", ErrUnsupportedCurve)
	}
	g := Point{X: c.gx, Y: c.gy}
	if !c.IsOnCurve(g) {
		return fmt.Errorf("%w: base point not on curve", ErrUnsupportedCurve)
	}
	if !c.ScalarMult(g, c.n).IsInfinity() {
		return fmt.Errorf("%w: base point does not have order n", ErrUnsupportedCurve)
	}
	return nil
}

func hexInt(s string) *big.Int {
	v, ok := new(big.Int).SetString(s, 16)
	if !ok {
		panic("passport: bad curve constant " + s) // only reachable by editing the constants below
	}
	return v
}

func mkCurve(name string, oid asn1.ObjectIdentifier, std ecdh.Curve, p, a, b, gx, gy, n string) func() *Curve {
	return sync.OnceValue(func() *Curve {
		pp := hexInt(p)
		aa := hexInt(a)
		if a == "-3" {
			aa = new(big.Int).Sub(pp, big.NewInt(3))
		}
		c := newCurve(name, oid, pp, aa, hexInt(b), hexInt(gx), hexInt(gy), hexInt(n), 1)
		c.std = std
		return c
	})
}

// Domain parameters: RFC 5639 §3 (Brainpool), FIPS 186-4 / SEC 2 (NIST).
// Their consistency (primes, G on the curve, n·G = O) is proven by
// TestCurves_DomainParametersAreConsistent.
var (
	brainpoolP160r1 = mkCurve("brainpoolP160r1", asn1.ObjectIdentifier{1, 3, 36, 3, 3, 2, 8, 1, 1, 1}, nil,
		"E95E4A5F737059DC60DFC7AD95B3D8139515620F",
		"340E7BE2A280EB74E2BE61BADA745D97E8F7C300",
		"1E589A8595423412134FAA2DBDEC95C8D8675E58",
		"BED5AF16EA3F6A4F62938C4631EB5AF7BDBCDBC3",
		"1667CB477A1A8EC338F94741669C976316DA6321",
		"E95E4A5F737059DC60DF5991D45029409E60FC09")
	brainpoolP192r1 = mkCurve("brainpoolP192r1", asn1.ObjectIdentifier{1, 3, 36, 3, 3, 2, 8, 1, 1, 3}, nil,
		"C302F41D932A36CDA7A3463093D18DB78FCE476DE1A86297",
		"6A91174076B1E0E19C39C031FE8685C1CAE040E5C69A28EF",
		"469A28EF7C28CCA3DC721D044F4496BCCA7EF4146FBF25C9",
		"C0A0647EAAB6A48753B033C56CB0F0900A2F5C4853375FD6",
		"14B690866ABD5BB88B5F4828C1490002E6773FA2FA299B8F",
		"C302F41D932A36CDA7A3462F9E9E916B5BE8F1029AC4ACC1")
	brainpoolP224r1 = mkCurve("brainpoolP224r1", asn1.ObjectIdentifier{1, 3, 36, 3, 3, 2, 8, 1, 1, 5}, nil,
		"D7C134AA264366862A18302575D1D787B09F075797DA89F57EC8C0FF",
		"68A5E62CA9CE6C1C299803A6C1530B514E182AD8B0042A59CAD29F43",
		"2580F63CCFE44138870713B1A92369E33E2135D266DBB372386C400B",
		"0D9029AD2C7E5CF4340823B2A87DC68C9E4CE3174C1E6EFDEE12C07D",
		"58AA56F772C0726F24C6B89E4ECDAC24354B9E99CAA3F6D3761402CD",
		"D7C134AA264366862A18302575D0FB98D116BC4B6DDEBCA3A5A7939F")
	brainpoolP256r1 = mkCurve("brainpoolP256r1", asn1.ObjectIdentifier{1, 3, 36, 3, 3, 2, 8, 1, 1, 7}, nil,
		"A9FB57DBA1EEA9BC3E660A909D838D726E3BF623D52620282013481D1F6E5377",
		"7D5A0975FC2C3057EEF67530417AFFE7FB8055C126DC5C6CE94A4B44F330B5D9",
		"26DC5C6CE94A4B44F330B5D9BBD77CBF958416295CF7E1CE6BCCDC18FF8C07B6",
		"8BD2AEB9CB7E57CB2C4B482FFC81B7AFB9DE27E1E3BD23C23A4453BD9ACE3262",
		"547EF835C3DAC4FD97F8461A14611DC9C27745132DED8E545C1D54C72F046997",
		"A9FB57DBA1EEA9BC3E660A909D838D718C397AA3B561A6F7901E0E82974856A7")
	brainpoolP320r1 = mkCurve("brainpoolP320r1", asn1.ObjectIdentifier{1, 3, 36, 3, 3, 2, 8, 1, 1, 9}, nil,
		"D35E472036BC4FB7E13C785ED201E065F98FCFA6F6F40DEF4F92B9EC7893EC28FCD412B1F1B32E27",
		"3EE30B568FBAB0F883CCEBD46D3F3BB8A2A73513F5EB79DA66190EB085FFA9F492F375A97D860EB4",
		"520883949DFDBC42D3AD198640688A6FE13F41349554B49ACC31DCCD884539816F5EB4AC8FB1F1A6",
		"43BD7E9AFB53D8B85289BCC48EE5BFE6F20137D10A087EB6E7871E2A10A599C710AF8D0D39E20611",
		"14FDD05545EC1CC8AB4093247F77275E0743FFED117182EAA9C77877AAAC6AC7D35245D1692E8EE1",
		"D35E472036BC4FB7E13C785ED201E065F98FCFA5B68F12A32D482EC7EE8658E98691555B44C59311")
	brainpoolP384r1 = mkCurve("brainpoolP384r1", asn1.ObjectIdentifier{1, 3, 36, 3, 3, 2, 8, 1, 1, 11}, nil,
		"8CB91E82A3386D280F5D6F7E50E641DF152F7109ED5456B412B1DA197FB71123ACD3A729901D1A71874700133107EC53",
		"7BC382C63D8C150C3C72080ACE05AFA0C2BEA28E4FB22787139165EFBA91F90F8AA5814A503AD4EB04A8C7DD22CE2826",
		"04A8C7DD22CE28268B39B55416F0447C2FB77DE107DCD2A62E880EA53EEB62D57CB4390295DBC9943AB78696FA504C11",
		"1D1C64F068CF45FFA2A63A81B7C13F6B8847A3E77EF14FE3DB7FCAFE0CBD10E8E826E03436D646AAEF87B2E247D4AF1E",
		"8ABE1D7520F9C2A45CB1EB8E95CFD55262B70B29FEEC5864E19C054FF99129280E4646217791811142820341263C5315",
		"8CB91E82A3386D280F5D6F7E50E641DF152F7109ED5456B31F166E6CAC0425A7CF3AB6AF6B7FC3103B883202E9046565")
	brainpoolP512r1 = mkCurve("brainpoolP512r1", asn1.ObjectIdentifier{1, 3, 36, 3, 3, 2, 8, 1, 1, 13}, nil,
		"AADD9DB8DBE9C48B3FD4E6AE33C9FC07CB308DB3B3C9D20ED6639CCA703308717D4D9B009BC66842AECDA12AE6A380E62881FF2F2D82C68528AA6056583A48F3",
		"7830A3318B603B89E2327145AC234CC594CBDD8D3DF91610A83441CAEA9863BC2DED5D5AA8253AA10A2EF1C98B9AC8B57F1117A72BF2C7B9E7C1AC4D77FC94CA",
		"3DF91610A83441CAEA9863BC2DED5D5AA8253AA10A2EF1C98B9AC8B57F1117A72BF2C7B9E7C1AC4D77FC94CADC083E67984050B75EBAE5DD2809BD638016F723",
		"81AEE4BDD82ED9645A21322E9C4C6A9385ED9F70B5D916C1B43B62EEF4D0098EFF3B1F78E2D0D48D50D1687B93B97D5F7C6D5047406A5E688B352209BCB9F822",
		"7DDE385D566332ECC0EABFA9CF7822FDF209F70024A57B1AA000C55B881F8111B2DCDE494A5F485E5BCA4BD88A2763AED1CA2B2FA8F0540678CD1E0F3AD80892",
		"AADD9DB8DBE9C48B3FD4E6AE33C9FC07CB308DB3B3C9D20ED6639CCA70330870553E5C414CA92619418661197FAC10471DB1D381085DDADDB58796829CA90069")
	nistP192 = mkCurve("P-192", asn1.ObjectIdentifier{1, 2, 840, 10045, 3, 1, 1}, nil,
		"FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEFFFFFFFFFFFFFFFF", "-3",
		"64210519E59C80E70FA7E9AB72243049FEB8DEECC146B9B1",
		"188DA80EB03090F67CBF20EB43A18800F4FF0AFD82FF1012",
		"07192B95FFC8DA78631011ED6B24CDD573F977A11E794811",
		"FFFFFFFFFFFFFFFFFFFFFFFF99DEF836146BC9B1B4D22831")
	nistP224 = mkCurve("P-224", asn1.ObjectIdentifier{1, 3, 132, 0, 33}, nil,
		"FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF000000000000000000000001", "-3",
		"B4050A850C04B3ABF54132565044B0B7D7BFD8BA270B39432355FFB4",
		"B70E0CBD6BB4BF7F321390B94A03C1D356C21122343280D6115C1D21",
		"BD376388B5F723FB4C22DFE6CD4375A05A07476444D5819985007E34",
		"FFFFFFFFFFFFFFFFFFFFFFFFFFFF16A2E0B8F03E13DD29455C5C2A3D")
	nistP256 = mkCurve("P-256", asn1.ObjectIdentifier{1, 2, 840, 10045, 3, 1, 7}, ecdh.P256(),
		"FFFFFFFF00000001000000000000000000000000FFFFFFFFFFFFFFFFFFFFFFFF", "-3",
		"5AC635D8AA3A93E7B3EBBD55769886BC651D06B0CC53B0F63BCE3C3E27D2604B",
		"6B17D1F2E12C4247F8BCE6E563A440F277037D812DEB33A0F4A13945D898C296",
		"4FE342E2FE1A7F9B8EE7EB4A7C0F9E162BCE33576B315ECECBB6406837BF51F5",
		"FFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551")
	nistP384 = mkCurve("P-384", asn1.ObjectIdentifier{1, 3, 132, 0, 34}, ecdh.P384(),
		"FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEFFFFFFFF0000000000000000FFFFFFFF", "-3",
		"B3312FA7E23EE7E4988E056BE3F82D19181D9C6EFE8141120314088F5013875AC656398D8A2ED19D2A85C8EDD3EC2AEF",
		"AA87CA22BE8B05378EB1C71EF320AD746E1D3B628BA79B9859F741E082542A385502F25DBF55296C3A545E3872760AB7",
		"3617DE4A96262C6F5D9E98BF9292DC29F8F41DBD289A147CE9DA3113B5F0B8C00A60B1CE1D7E819D7A431D7C90EA0E5F",
		"FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFC7634D81F4372DDF581A0DB248B0A77AECEC196ACCC52973")
	nistP521 = mkCurve("P-521", asn1.ObjectIdentifier{1, 3, 132, 0, 35}, ecdh.P521(),
		"1FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF", "-3",
		"0051953EB9618E1C9A1F929A21A0B68540EEA2DA725B99B315F3B8B489918EF109E156193951EC7E937B1652C0BD3BB1BF073573DF883D2C34F1EF451FD46B503F00",
		"00C6858E06B70404E9CD9E3ECB662395B4429C648139053FB521F828AF606B4D3DBAA14B5E77EFE75928FE1DC127A2FFA8DE3348B3C1856A429BF97E7E31C2E5BD66",
		"011839296A789A3BC0045C8A5FB42C7D1BD998F54449579B446817AFBD17273E662C97EE72995EF42640C550B9013FAD0761353C7086A272C24088BE94769FD16650",
		"1FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFA51868783BF2F966B7FCC0148F709A5D03BB5C9B8899C47AEBB6FB71E91386409")
)

// BrainpoolP160r1 returns brainpoolP160r1 (RFC 5639), too weak for new keys
// but found in early documents.
func BrainpoolP160r1() *Curve { return brainpoolP160r1() }

// BrainpoolP192r1 returns brainpoolP192r1 (RFC 5639; PACE parameter ID 9).
func BrainpoolP192r1() *Curve { return brainpoolP192r1() }

// BrainpoolP224r1 returns brainpoolP224r1 (RFC 5639; PACE parameter ID 11).
func BrainpoolP224r1() *Curve { return brainpoolP224r1() }

// BrainpoolP256r1 returns brainpoolP256r1 (RFC 5639; PACE parameter ID 13).
func BrainpoolP256r1() *Curve { return brainpoolP256r1() }

// BrainpoolP320r1 returns brainpoolP320r1 (RFC 5639; PACE parameter ID 14).
func BrainpoolP320r1() *Curve { return brainpoolP320r1() }

// BrainpoolP384r1 returns brainpoolP384r1 (RFC 5639; PACE parameter ID 16).
func BrainpoolP384r1() *Curve { return brainpoolP384r1() }

// BrainpoolP512r1 returns brainpoolP512r1 (RFC 5639; PACE parameter ID 17).
func BrainpoolP512r1() *Curve { return brainpoolP512r1() }

// NISTP192 returns NIST P-192 / secp192r1 (PACE parameter ID 8).
func NISTP192() *Curve { return nistP192() }

// NISTP224 returns NIST P-224 / secp224r1 (PACE parameter ID 10).
func NISTP224() *Curve { return nistP224() }

// NISTP256 returns NIST P-256 / secp256r1 (PACE parameter ID 12). ECDH on
// it runs in crypto/ecdh.
func NISTP256() *Curve { return nistP256() }

// NISTP384 returns NIST P-384 / secp384r1 (PACE parameter ID 15). ECDH on
// it runs in crypto/ecdh.
func NISTP384() *Curve { return nistP384() }

// NISTP521 returns NIST P-521 / secp521r1 (PACE parameter ID 18). ECDH on
// it runs in crypto/ecdh.
func NISTP521() *Curve { return nistP521() }

func namedCurves() []*Curve {
	return []*Curve{
		brainpoolP160r1(), brainpoolP192r1(), brainpoolP224r1(), brainpoolP256r1(),
		brainpoolP320r1(), brainpoolP384r1(), brainpoolP512r1(),
		nistP192(), nistP224(), nistP256(), nistP384(), nistP521(),
	}
}

// CurveByOID returns the named curve with the given object identifier.
func CurveByOID(oid asn1.ObjectIdentifier) (*Curve, error) {
	for _, c := range namedCurves() {
		if c.oid.Equal(oid) {
			return c, nil
		}
	}
	return nil, fmt.Errorf("%w: no curve with OID %s", ErrUnsupportedCurve, oid)
}

// ASN.1 of SEC 1 / RFC 3279 §2.3.5 ECParameters (the specifiedCurve choice).
var oidPrimeField = asn1.ObjectIdentifier{1, 2, 840, 10045, 1, 1}

type asn1FieldID struct {
	FieldType asn1.ObjectIdentifier
	Prime     *big.Int
}

type asn1CurveCoeffs struct {
	A, B []byte
	Seed asn1.BitString `asn1:"optional"`
}

type asn1ECParameters struct {
	Version  int
	FieldID  asn1FieldID
	Curve    asn1CurveCoeffs
	Base     []byte
	Order    *big.Int
	Cofactor *big.Int `asn1:"optional"`
}

// ParseCurveParameters decodes the parameters field of an id-ecPublicKey
// AlgorithmIdentifier (RFC 5480): either a namedCurve OID or the explicit
// ECParameters SEQUENCE that many ePassport certificates and DG14 keys carry.
func ParseCurveParameters(der []byte) (*Curve, error) {
	if len(der) > 0 && der[0] == 0x06 {
		var oid asn1.ObjectIdentifier
		rest, err := asn1.Unmarshal(der, &oid)
		if err != nil || len(rest) != 0 {
			return nil, fmt.Errorf("%w: malformed curve OID", ErrUnsupportedCurve)
		}
		return CurveByOID(oid)
	}
	var ep asn1ECParameters
	rest, err := asn1.Unmarshal(der, &ep)
	if err != nil {
		return nil, fmt.Errorf("%w: malformed ECParameters: %w", ErrUnsupportedCurve, err)
	}
	if len(rest) != 0 {
		return nil, fmt.Errorf("%w: trailing bytes after ECParameters", ErrUnsupportedCurve)
	}
	if !ep.FieldID.FieldType.Equal(oidPrimeField) || ep.FieldID.Prime == nil {
		return nil, fmt.Errorf("%w: only prime fields are supported, got field type %s", ErrUnsupportedCurve, ep.FieldID.FieldType)
	}
	if ep.Order == nil {
		return nil, fmt.Errorf("%w: ECParameters without order", ErrUnsupportedCurve)
	}
	p := ep.FieldID.Prime
	// Every named curve has a field of 160 to 1024 bits; refusing others
	// before the base point is decoded keeps the square root below from
	// fields it cannot handle (2 and 3 made math/big panic).
	if p.Sign() <= 0 || p.BitLen() < 160 || p.BitLen() > 1024 {
		return nil, fmt.Errorf("%w: field prime of %d bits is outside 160..1024 bits", ErrUnsupportedCurve, p.BitLen())
	}
	if err := orderWithinHasseBound(p, ep.Order); err != nil {
		return nil, err
	}
	var h int64 = 1
	if ep.Cofactor != nil {
		if !ep.Cofactor.IsInt64() || ep.Cofactor.Int64() <= 0 || ep.Cofactor.Int64() > 1<<16 {
			return nil, fmt.Errorf("%w: cofactor %s", ErrUnsupportedCurve, ep.Cofactor)
		}
		h = ep.Cofactor.Int64()
	}
	a := new(big.Int).SetBytes(ep.Curve.A)
	b := new(big.Int).SetBytes(ep.Curve.B)
	// Decode the base point against a provisional curve to learn its coordinates.
	tmp := newCurve("", nil, p, a, b, new(big.Int), new(big.Int), ep.Order, h)
	if a.Cmp(p) >= 0 || b.Cmp(p) >= 0 {
		return nil, fmt.Errorf("%w: coefficients not reduced modulo p", ErrUnsupportedCurve)
	}
	if !p.ProbablyPrime(20) {
		return nil, fmt.Errorf("%w: p is not prime", ErrUnsupportedCurve)
	}
	g, err := tmp.Unmarshal(ep.Base)
	if err != nil {
		return nil, fmt.Errorf("%w: base point: %w", ErrUnsupportedCurve, err)
	}
	return NewCurve(p, a, b, g.X, g.Y, ep.Order, h)
}

// MarshalParameters returns the DER parameters of id-ecPublicKey for this
// curve: the namedCurve OID, or (when explicit is true, or the curve has no
// name) the explicit ECParameters with an uncompressed base point.
func (c *Curve) MarshalParameters(explicit bool) ([]byte, error) {
	if !explicit && c.oid != nil {
		return asn1.Marshal(c.oid)
	}
	fe := func(v *big.Int) []byte { return v.FillBytes(make([]byte, c.byteLen)) }
	return asn1.Marshal(asn1ECParameters{
		Version:  1,
		FieldID:  asn1FieldID{FieldType: oidPrimeField, Prime: c.p},
		Curve:    asn1CurveCoeffs{A: fe(c.a), B: fe(c.b)},
		Base:     c.Marshal(Point{X: c.gx, Y: c.gy}),
		Order:    c.n,
		Cofactor: big.NewInt(c.h),
	})
}
