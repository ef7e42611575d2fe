package rsaraw

import (
	"crypto"
	"crypto/rsa"
	"crypto/subtle"
	"errors"
	"fmt"
	"io"
	"math/big"
)

// ISO/IEC 9796-2 digital signature scheme 1 with partial message recovery,
// the RSA signature of Active Authentication (ICAO 9303 Part 11 §6.1). The
// message representative F (as long as the modulus) is
//
//	header/padding ‖ M1 ‖ H(M1 ‖ M2) ‖ trailer
//
// where the first byte's top bits are 01 (header) and 1 (more data: partial
// recovery), padding is 0xB nibbles ending in the border nibble 0xA (so a
// message filling the capacity starts with 0x6A), M1 is the recoverable
// part (the chip's nonce), M2 the non-recoverable part (the terminal's
// challenge), and the trailer is 0xBC (SHA-1, implicit) or the two bytes
// hashID ‖ 0xCC.

// Hash identifiers of the explicit ISO/IEC 9796-2 trailer (ISO/IEC 10118-3 numbering).
const (
	ISO9796TrailerImplicitSHA1 uint16 = 0xBC   // one-byte trailer, SHA-1
	ISO9796TrailerSHA1         uint16 = 0x33CC // explicit SHA-1
	ISO9796TrailerSHA256       uint16 = 0x34CC
	ISO9796TrailerSHA512       uint16 = 0x35CC
	ISO9796TrailerSHA384       uint16 = 0x36CC
	ISO9796TrailerSHA224       uint16 = 0x38CC
)

// ISO9796HashByID maps the trailer's hash identifier byte to a hash.
func ISO9796HashByID(id byte) (crypto.Hash, bool) {
	switch id {
	case 0x33:
		return crypto.SHA1, true
	case 0x34:
		return crypto.SHA256, true
	case 0x35:
		return crypto.SHA512, true
	case 0x36:
		return crypto.SHA384, true
	case 0x38:
		return crypto.SHA224, true
	}
	return 0, false
}

// ISO9796Trailer returns the trailer for h, implicit (0xBC) only for SHA-1
// when explicit is false.
func ISO9796Trailer(h crypto.Hash, explicit bool) ([]byte, error) {
	if h == crypto.SHA1 && !explicit {
		return []byte{0xBC}, nil
	}
	for id := byte(0x33); id <= 0x38; id++ {
		if hh, ok := ISO9796HashByID(id); ok && hh == h {
			return []byte{id, 0xCC}, nil
		}
	}
	return nil, fmt.Errorf("%w: no ISO/IEC 9796-2 trailer for %v", ErrUnsupportedAlgorithm, h)
}

// ISO9796Result is what verification recovers.
type ISO9796Result struct {
	Hash      crypto.Hash // the hash the trailer names
	Trailer   uint16      // the trailer, 0xBC or hashID‖0xCC
	Recovered []byte      // M1, the recovered part
}

// VerifyISO9796 checks an ISO/IEC 9796-2 scheme 1 signature with partial
// recovery over the non-recoverable message m2 and returns the recovered
// M1. Errors describe the first inconsistency found.
func VerifyISO9796(pub *rsa.PublicKey, m2, sig []byte) (*ISO9796Result, error) {
	if pub.N.BitLen()%8 != 0 {
		return nil, fmt.Errorf("%w: ISO/IEC 9796-2 with a %d-bit modulus (only whole bytes are supported)", ErrUnsupportedAlgorithm, pub.N.BitLen())
	}
	f, err := Public(pub, sig)
	if err != nil {
		return nil, err
	}
	// ISO/IEC 9796-2 lets the signer send min(J, n−J); the recovered value
	// then ends in 0xC only for one of the two.
	if f[len(f)-1]&0x0F != 0x0C {
		alt := new(big.Int).Sub(pub.N, new(big.Int).SetBytes(f)).FillBytes(make([]byte, len(f)))
		if alt[len(alt)-1]&0x0F != 0x0C {
			return nil, errors.New("recovered representative does not end in a trailer nibble 0xC")
		}
		f = alt
	}
	res := &ISO9796Result{}
	var tl int
	switch {
	case f[len(f)-1] == 0xBC:
		res.Hash, res.Trailer, tl = crypto.SHA1, ISO9796TrailerImplicitSHA1, 1
	case f[len(f)-1] == 0xCC:
		h, ok := ISO9796HashByID(f[len(f)-2])
		if !ok {
			return nil, fmt.Errorf("%w: ISO/IEC 9796-2 hash identifier 0x%02X", ErrUnsupportedAlgorithm, f[len(f)-2])
		}
		res.Hash, res.Trailer, tl = h, uint16(f[len(f)-2])<<8|0xCC, 2
	default:
		return nil, fmt.Errorf("unknown trailer byte 0x%02X", f[len(f)-1])
	}
	if f[0]&0xC0 != 0x40 {
		return nil, fmt.Errorf("header bits of 0x%02X are not 01", f[0])
	}
	if f[0]&0x20 == 0 {
		return nil, errors.New("full message recovery: Active Authentication uses partial recovery")
	}
	// Padding: the first byte's low nibble and any following bytes are 0xB
	// nibbles, ended by the border nibble 0xA.
	start := -1
	for i, b := range f {
		if b&0x0F == 0x0A {
			start = i + 1
			break
		}
		if b&0x0F != 0x0B || (i > 0 && b != 0xBB) {
			return nil, fmt.Errorf("bad padding byte 0x%02X at %d", b, i)
		}
	}
	if start < 0 || (start > 1 && f[start-1] != 0xBA) {
		return nil, errors.New("no padding border nibble 0xA")
	}
	hLen := res.Hash.Size()
	end := len(f) - tl - hLen
	if end < start {
		return nil, errors.New("representative too short for its hash")
	}
	res.Recovered = f[start:end]
	d := res.Hash.New()
	d.Write(res.Recovered)
	d.Write(m2)
	if subtle.ConstantTimeCompare(d.Sum(nil), f[end:len(f)-tl]) != 1 {
		return nil, errors.New("hash of M1 ‖ challenge differs from the signed hash")
	}
	return res, nil
}

// SignISO9796 produces an ISO/IEC 9796-2 scheme 1 signature with partial
// recovery: M1 is a fresh nonce filling the recoverable capacity, M2 the
// challenge. This is what a chip answers to INTERNAL AUTHENTICATE.
func SignISO9796(rand io.Reader, priv *rsa.PrivateKey, h crypto.Hash, explicit bool, m2 []byte) ([]byte, error) {
	if priv.N.BitLen()%8 != 0 {
		return nil, fmt.Errorf("%w: ISO/IEC 9796-2 with a %d-bit modulus", ErrUnsupportedAlgorithm, priv.N.BitLen())
	}
	if !h.Available() {
		return nil, fmt.Errorf("%w: hash %v", ErrUnsupportedAlgorithm, h)
	}
	trailer, err := ISO9796Trailer(h, explicit)
	if err != nil {
		return nil, err
	}
	k := priv.N.BitLen() / 8
	c := k - 1 - h.Size() - len(trailer)
	if c < 8 {
		return nil, fmt.Errorf("%w: %d-bit modulus too small for %v", ErrUnsupportedAlgorithm, priv.N.BitLen(), h)
	}
	f := make([]byte, 0, k)
	f = append(f, 0x6A)
	m1 := make([]byte, c)
	if _, err := io.ReadFull(rand, m1); err != nil {
		return nil, fmt.Errorf("passport: reading the AA nonce: %w", err)
	}
	f = append(f, m1...)
	d := h.New()
	d.Write(m1)
	d.Write(m2)
	f = d.Sum(f)
	f = append(f, trailer...)
	return Private(priv, f)
}
