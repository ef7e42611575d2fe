package sm

import (
	"crypto/cipher"
	"crypto/des"
	"crypto/subtle"
	"errors"
)

// Pad applies ISO/IEC 9797-1 padding method 2: append 0x80, then zeros to
// the block boundary, even when the input is already aligned.
func Pad(b []byte, blockSize int) []byte {
	n := len(b) + 1
	n += (blockSize - n%blockSize) % blockSize
	out := make([]byte, n)
	copy(out, b)
	out[len(b)] = 0x80
	return out
}

// Unpad removes padding method 2, rejecting anything else.
func Unpad(b []byte) ([]byte, error) {
	for i := len(b) - 1; i >= 0; i-- {
		switch b[i] {
		case 0x00:
			continue
		case 0x80:
			return b[:i], nil
		}
		break
	}
	return nil, errors.New("passport: bad ISO 9797-1 padding")
}

// RetailMAC computes ISO/IEC 9797-1 MAC algorithm 3 with DES (the "retail
// MAC") over already padded data: DES-CBC with Ka over every block, then
// DES-decrypt with Kb and DES-encrypt with Ka on the last block. key is the
// 16-byte Ka ‖ Kb; the result is 8 bytes.
func RetailMAC(key, padded []byte) ([]byte, error) {
	if len(key) != 16 {
		return nil, errors.New("passport: retail MAC key must be 16 bytes")
	}
	if len(padded) == 0 || len(padded)%8 != 0 {
		return nil, errors.New("passport: retail MAC input must be padded to 8 bytes")
	}
	ka, err := des.NewCipher(key[:8])
	if err != nil {
		return nil, err
	}
	kb, err := des.NewCipher(key[8:])
	if err != nil {
		return nil, err
	}
	h := make([]byte, 8)
	for i := 0; i < len(padded); i += 8 {
		subtle.XORBytes(h, h, padded[i:i+8])
		ka.Encrypt(h, h)
	}
	kb.Decrypt(h, h)
	ka.Encrypt(h, h)
	return h, nil
}

// CMAC computes AES-CMAC (NIST SP 800-38B, RFC 4493) of msg; the result is
// one full block.
func CMAC(b cipher.Block, msg []byte) []byte {
	bs := b.BlockSize()
	k1 := make([]byte, bs)
	b.Encrypt(k1, k1)
	k1 = cmacDouble(k1)
	k2 := cmacDouble(k1)

	n := (len(msg) + bs - 1) / bs
	complete := n > 0 && len(msg)%bs == 0
	if n == 0 {
		n = 1
	}
	last := make([]byte, bs)
	if complete {
		subtle.XORBytes(last, msg[(n-1)*bs:], k1)
	} else {
		copy(last, msg[(n-1)*bs:])
		last[len(msg)-(n-1)*bs] = 0x80
		subtle.XORBytes(last, last, k2)
	}
	x := make([]byte, bs)
	for i := 0; i < n-1; i++ {
		subtle.XORBytes(x, x, msg[i*bs:(i+1)*bs])
		b.Encrypt(x, x)
	}
	subtle.XORBytes(x, x, last)
	b.Encrypt(x, x)
	return x
}

// cmacDouble multiplies a block by x in GF(2^128) (the subkey step of CMAC).
func cmacDouble(in []byte) []byte {
	out := make([]byte, len(in))
	var carry byte
	for i := len(in) - 1; i >= 0; i-- {
		out[i] = in[i]<<1 | carry
		carry = in[i] >> 7
	}
	if carry != 0 {
		out[len(out)-1] ^= 0x87
	}
	return out
}
