package ec

import (
	"crypto"
	"encoding/asn1"
	"errors"
	"fmt"
	"io"
	"math/big"
)

// ECDSA (FIPS 186-4 / BSI TR-03111) on any curve of curve.go. crypto/ecdsa
// covers only the NIST curves; eMRTDs widely use brainpool curves and
// certificates with explicit domain parameters, so verification and (for
// the synthetic PKI and virtual chip) signing are implemented here on the
// curve arithmetic of curve.go. Keys on NIST curves found in certificates
// are still verified with crypto/ecdsa (see PublicKey).

// VerifyECDSA reports whether (r, s) is a valid ECDSA signature of digest
// under pub. The digest is truncated to the bit length of the group order
// as the standard requires. It runs in variable time, which is fine for
// verification: all inputs are public.
func VerifyECDSA(pub *PublicKey, digest []byte, r, s *big.Int) bool {
	if pub == nil || pub.Curve == nil || r == nil || s == nil {
		return false
	}
	c := pub.Curve
	n := c.N()
	if r.Sign() <= 0 || s.Sign() <= 0 || r.Cmp(n) >= 0 || s.Cmp(n) >= 0 {
		return false
	}
	if pub.Point.IsInfinity() || !c.IsOnCurve(pub.Point) {
		return false
	}
	e := pkiHashToInt(digest, n)
	w := new(big.Int).ModInverse(s, n)
	if w == nil {
		return false
	}
	u1 := new(big.Int).Mul(e, w)
	u1.Mod(u1, n)
	u2 := new(big.Int).Mul(r, w)
	u2.Mod(u2, n)
	x := c.CombinedMult(pub.Point, u1, u2)
	if x.IsInfinity() {
		return false
	}
	v := new(big.Int).Mod(x.X, n)
	return v.Cmp(r) == 0
}

// pkiHashToInt converts a digest to an integer modulo-ready for ECDSA:
// the leftmost bitlen(n) bits of the digest.
func pkiHashToInt(digest []byte, n *big.Int) *big.Int {
	bits := n.BitLen()
	if len(digest)*8 > bits {
		digest = digest[:(bits+7)/8]
	}
	e := new(big.Int).SetBytes(digest)
	if excess := len(digest)*8 - bits; excess > 0 {
		e.Rsh(e, uint(excess))
	}
	return e
}

// Public returns the public half of k, as *ECPublicKey. With Sign it makes
// *PrivateKey a crypto.Signer.
func (k *PrivateKey) Public() crypto.PublicKey {
	return &k.PublicKey
}

// Sign signs digest (already hashed by the caller, as crypto.Signer
// requires) with ECDSA and returns the ASN.1 DER Ecdsa-Sig-Value. The nonce
// is drawn from rand; the arithmetic is math/big and not constant time, so
// this signer is for synthetic documents, virtual chips and tests — not for
// protecting real keys. opts is ignored apart from being allowed to be nil.
func (k *PrivateKey) Sign(rand io.Reader, digest []byte, opts crypto.SignerOpts) ([]byte, error) {
	r, s, err := k.signRS(rand, digest)
	if err != nil {
		return nil, err
	}
	return asn1.Marshal(struct{ R, S *big.Int }{r, s})
}

// PlainSignature encodes r‖s, each left-padded to the order's byte length.
func PlainSignature(r, s, n *big.Int) []byte {
	l := (n.BitLen() + 7) / 8
	out := make([]byte, 2*l)
	r.FillBytes(out[:l])
	s.FillBytes(out[l:])
	return out
}

func (k *PrivateKey) signRS(rand io.Reader, digest []byte) (r, s *big.Int, err error) {
	if rand == nil {
		return nil, nil, errors.New("passport: ECDSA signing needs a random source")
	}
	if k == nil || k.Curve == nil || k.D == nil {
		return nil, nil, errors.New("passport: ECDSA signing with an empty key")
	}
	c := k.Curve
	n := c.N()
	if k.D.Sign() <= 0 || k.D.Cmp(n) >= 0 {
		return nil, nil, errors.New("passport: ECDSA private scalar out of range")
	}
	e := pkiHashToInt(digest, n)
	buf := make([]byte, (n.BitLen()+7)/8+8) // 64 extra bits make the modular bias negligible
	nm1 := new(big.Int).Sub(n, big.NewInt(1))
	for range 100 {
		if _, err := io.ReadFull(rand, buf); err != nil {
			return nil, nil, fmt.Errorf("passport: reading ECDSA nonce: %w", err)
		}
		kk := new(big.Int).SetBytes(buf)
		kk.Mod(kk, nm1).Add(kk, big.NewInt(1)) // 1 ≤ k ≤ n-1
		p := c.ScalarBaseMult(kk)
		if p.IsInfinity() {
			continue
		}
		r = new(big.Int).Mod(p.X, n)
		if r.Sign() == 0 {
			continue
		}
		kinv := new(big.Int).ModInverse(kk, n)
		s = new(big.Int).Mul(r, k.D)
		s.Add(s, e).Mul(s, kinv).Mod(s, n)
		if s.Sign() == 0 {
			continue
		}
		return r, s, nil
	}
	return nil, nil, errors.New("passport: ECDSA signing found no valid nonce (broken random source?)")
}
