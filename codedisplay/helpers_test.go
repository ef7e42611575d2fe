package codedisplay

import (
	"crypto/sha256"
)

// detRand is a deterministic byte stream for tests: SHA-256 in counter mode.
type detRand struct {
	ctr uint64
	buf []byte
}

func (r *detRand) Read(p []byte) (int, error) {
	for n := 0; n < len(p); {
		if len(r.buf) == 0 {
			h := sha256.Sum256([]byte{byte(r.ctr), byte(r.ctr >> 8), byte(r.ctr >> 16), byte(r.ctr >> 24)})
			r.buf = h[:]
			r.ctr++
		}
		c := copy(p[n:], r.buf)
		r.buf = r.buf[c:]
		n += c
	}
	return len(p), nil
}
