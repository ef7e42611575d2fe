package sm

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/des"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/binary"
	"fmt"
)

// Cipher names the block cipher and key length a protocol negotiated:
// 3DES for BAC and the DES variants of PACE/CA, AES for the rest.
type Cipher int

// The ciphers of ICAO 9303 secure messaging.
const (
	Cipher3DES   Cipher = iota + 1 // two-key 3DES, retail MAC
	CipherAES128                   // AES-128, CMAC
	CipherAES192                   // AES-192, CMAC
	CipherAES256                   // AES-256, CMAC
)

// String names the cipher as Session.SecureMessaging reports it.
func (c Cipher) String() string {
	switch c {
	case Cipher3DES:
		return "3DES"
	case CipherAES128:
		return "AES-128"
	case CipherAES192:
		return "AES-192"
	case CipherAES256:
		return "AES-256"
	}
	return fmt.Sprintf("Cipher(%d)", int(c))
}

// Key derivation counters of Part 11 §9.7.1.
const (
	KDFEnc uint32 = 1 // encryption key
	KDFMAC uint32 = 2 // MAC key
	KDFPi  uint32 = 3 // PACE password key K_π
)

// KDF is the key derivation function of ICAO 9303 Part 11 §9.7.1:
// H(secret ‖ counter) truncated to the key length, SHA-1 for 3DES and
// AES-128, SHA-256 for AES-192/256. 3DES keys get odd parity, which
// crypto/des ignores but which makes them match the published keys.
func KDF(secret []byte, counter uint32, alg Cipher) []byte {
	in := make([]byte, 0, len(secret)+4)
	in = append(in, secret...)
	in = binary.BigEndian.AppendUint32(in, counter)
	switch alg {
	case Cipher3DES:
		h := sha1.Sum(in)
		return SetOddParity(h[:16])
	case CipherAES128:
		h := sha1.Sum(in)
		return h[:16]
	case CipherAES192:
		h := sha256.Sum256(in)
		return h[:24]
	default:
		h := sha256.Sum256(in)
		return h[:32]
	}
}

// SetOddParity adjusts the low bit of each byte so it has odd parity, as
// DES keys nominally require (FIPS 46-3).
func SetOddParity(k []byte) []byte {
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

// NewBlockCipher returns the block cipher for a derived key: two-key 3DES
// (Ka, Kb, Ka) for 16-byte 3DES keys, AES otherwise.
func NewBlockCipher(alg Cipher, key []byte) (cipher.Block, error) {
	if alg == Cipher3DES {
		if len(key) != 16 {
			return nil, fmt.Errorf("passport: 3DES key of %d bytes, want 16", len(key))
		}
		k := make([]byte, 0, 24)
		k = append(append(k, key...), key[:8]...)
		return des.NewTripleDESCipher(k)
	}
	return aes.NewCipher(key)
}

// BlockSizeOf is the block size of c: 8 bytes for 3DES, 16 for AES.
func BlockSizeOf(c Cipher) int {
	if c == Cipher3DES {
		return 8
	}
	return 16
}
