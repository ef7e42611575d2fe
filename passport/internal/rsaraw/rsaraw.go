package rsaraw

import (
	"crypto"
	"crypto/rsa"
	"crypto/subtle"
	"errors"
	"math/big"
)

// This file holds the raw RSA operations crypto/rsa does not expose:
// the public-key primitive (needed for ISO/IEC 9796-2 message recovery and
// for RSASSA-PSS with an MGF1 hash different from the message hash) and the
// private-key primitive (needed to produce ISO/IEC 9796-2 signatures on the
// card side). They run on math/big and are NOT constant time; the private
// operation is meant for virtual chips and tests, never for real card keys.

// Public computes sig^e mod n and returns it left-padded to the
// modulus byte length. It rejects signatures of the wrong length or ≥ n.
func Public(pub *rsa.PublicKey, sig []byte) ([]byte, error) {
	k := (pub.N.BitLen() + 7) / 8
	if len(sig) != k {
		return nil, errors.New("signature length differs from the modulus length")
	}
	s := new(big.Int).SetBytes(sig)
	if s.Cmp(pub.N) >= 0 {
		return nil, errors.New("signature representative out of range")
	}
	m := new(big.Int).Exp(s, big.NewInt(int64(pub.E)), pub.N)
	return m.FillBytes(make([]byte, k)), nil
}

// Private computes m^d mod n (with CRT when the key is precomputed)
// and returns it left-padded to the modulus byte length.
func Private(priv *rsa.PrivateKey, m []byte) ([]byte, error) {
	k := (priv.N.BitLen() + 7) / 8
	x := new(big.Int).SetBytes(m)
	if x.Cmp(priv.N) >= 0 {
		return nil, errors.New("message representative out of range")
	}
	var y *big.Int
	if len(priv.Primes) == 2 && priv.Precomputed.Dp != nil && priv.Precomputed.Qinv != nil {
		p, q := priv.Primes[0], priv.Primes[1]
		m1 := new(big.Int).Exp(x, priv.Precomputed.Dp, p)
		m2 := new(big.Int).Exp(x, priv.Precomputed.Dq, q)
		h := new(big.Int).Sub(m1, m2)
		h.Mul(h, priv.Precomputed.Qinv).Mod(h, p)
		y = h.Mul(h, q).Add(h, m2)
	} else {
		y = new(big.Int).Exp(x, priv.D, priv.N)
	}
	// Check the result with the public key: a fault here must not leak a
	// wrong signature (the Bellcore attack on CRT).
	if new(big.Int).Exp(y, big.NewInt(int64(priv.E)), priv.N).Cmp(x) != 0 {
		return nil, errors.New("RSA private operation failed its consistency check")
	}
	return y.FillBytes(make([]byte, k)), nil
}

// MGF1 is the mask generation function MGF1 of RFC 8017 B.2.1.
func MGF1(h crypto.Hash, seed []byte, n int) []byte {
	out := make([]byte, 0, n+h.Size())
	var ctr [4]byte
	for c := uint32(0); len(out) < n; c++ {
		ctr[0], ctr[1], ctr[2], ctr[3] = byte(c>>24), byte(c>>16), byte(c>>8), byte(c)
		d := h.New()
		d.Write(seed)
		d.Write(ctr[:])
		out = d.Sum(out)
	}
	return out[:n]
}

// VerifyPSS is EMSA-PSS-VERIFY (RFC 8017 §9.1.2) with independent
// message and MGF1 hashes, for the parameter sets crypto/rsa does not
// accept.
func VerifyPSS(pub *rsa.PublicKey, hash, mgf crypto.Hash, saltLen int, digest, sig []byte) error {
	if !mgf.Available() {
		return errors.New("MGF1 hash unavailable")
	}
	modBits := pub.N.BitLen()
	em, err := Public(pub, sig)
	if err != nil {
		return err
	}
	emBits := modBits - 1
	emLen := (emBits + 7) / 8
	if len(em) > emLen {
		if em[0] != 0 {
			return errors.New("encoded message too long")
		}
		em = em[1:]
	}
	hLen := hash.Size()
	if len(digest) != hLen {
		return errors.New("digest length does not match the hash")
	}
	sLen := saltLen
	if emLen < hLen+sLen+2 || em[emLen-1] != 0xbc {
		return errors.New("inconsistent PSS encoding")
	}
	maskedDB, h := em[:emLen-hLen-1], em[emLen-hLen-1:emLen-1]
	topMask := byte(0xff >> (8*emLen - emBits))
	if maskedDB[0]&^topMask != 0 {
		return errors.New("inconsistent PSS encoding")
	}
	db := MGF1(mgf, h, len(maskedDB))
	for i := range db {
		db[i] ^= maskedDB[i]
	}
	db[0] &= topMask
	ps := emLen - hLen - sLen - 2
	for _, b := range db[:ps] {
		if b != 0 {
			return errors.New("inconsistent PSS padding")
		}
	}
	if db[ps] != 0x01 {
		return errors.New("inconsistent PSS padding")
	}
	salt := db[len(db)-sLen:]
	mp := hash.New()
	mp.Write(make([]byte, 8))
	mp.Write(digest)
	mp.Write(salt)
	if subtle.ConstantTimeCompare(mp.Sum(nil), h) != 1 {
		return errors.New("PSS hash mismatch")
	}
	return nil
}
