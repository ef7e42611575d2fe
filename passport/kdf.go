package passport

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/des"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/binary"
	"fmt"
)

// smCipher names the block cipher and key length a protocol negotiated:
// 3DES for BAC and the DES variants of PACE/CA, AES for the rest.
type smCipher int

const (
	cipher3DES smCipher = iota + 1
	cipherAES128
	cipherAES192
	cipherAES256
)

// String names the cipher as Session.SecureMessaging reports it.
func (c smCipher) String() string {
	switch c {
	case cipher3DES:
		return "3DES"
	case cipherAES128:
		return "AES-128"
	case cipherAES192:
		return "AES-192"
	case cipherAES256:
		return "AES-256"
	}
	return fmt.Sprintf("smCipher(%d)", int(c))
}

// Key derivation counters of Part 11 §9.7.1.
const (
	kdfEnc uint32 = 1 // encryption key
	kdfMAC uint32 = 2 // MAC key
	kdfPi  uint32 = 3 // PACE password key K_π
)

// kdf is the key derivation function of ICAO 9303 Part 11 §9.7.1:
// H(secret ‖ counter) truncated to the key length, SHA-1 for 3DES and
// AES-128, SHA-256 for AES-192/256. 3DES keys get odd parity, which
// crypto/des ignores but which makes them match the published keys.
func kdf(secret []byte, counter uint32, alg smCipher) []byte {
	in := make([]byte, 0, len(secret)+4)
	in = append(in, secret...)
	in = binary.BigEndian.AppendUint32(in, counter)
	switch alg {
	case cipher3DES:
		h := sha1.Sum(in)
		return setOddParity(h[:16])
	case cipherAES128:
		h := sha1.Sum(in)
		return h[:16]
	case cipherAES192:
		h := sha256.Sum256(in)
		return h[:24]
	default:
		h := sha256.Sum256(in)
		return h[:32]
	}
}

// setOddParity adjusts the low bit of each byte so it has odd parity, as
// DES keys nominally require (FIPS 46-3).
func setOddParity(k []byte) []byte {
	out := make([]byte, len(k))
	for i, b := range k {
		b &^= 1
		ones := 0
		for v := b; v != 0; v &= v - 1 {
			ones++
		}
		if ones%2 == 0 {
			b |= 1
		}
		out[i] = b
	}
	return out
}

// newBlockCipher returns the block cipher for a derived key: two-key 3DES
// (Ka, Kb, Ka) for 16-byte 3DES keys, AES otherwise.
func newBlockCipher(alg smCipher, key []byte) (cipher.Block, error) {
	if alg == cipher3DES {
		if len(key) != 16 {
			return nil, fmt.Errorf("passport: 3DES key of %d bytes, want 16", len(key))
		}
		k := make([]byte, 0, 24)
		k = append(append(k, key...), key[:8]...)
		return des.NewTripleDESCipher(k)
	}
	return aes.NewCipher(key)
}
