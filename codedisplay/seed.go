package codedisplay

import (
	"errors"
	"fmt"
	"io"
)

// NewSeed returns a fresh seed for p.Algorithm, p.Algorithm.SeedSize() bytes read from
// rand (pass crypto/rand.Reader in production, a deterministic reader in tests). The
// length is the hash's output length, as RFC 4226 §4 recommends for SHA-1 and the
// RFC 6238 test seeds use for SHA-256 and SHA-512.
func (p Params) NewSeed(rand io.Reader) ([]byte, error) {
	if err := p.Validate(); err != nil {
		return nil, err
	}
	if rand == nil {
		return nil, errors.New("codedisplay: NewSeed: nil random source")
	}
	seed := make([]byte, p.Algorithm.SeedSize())
	if _, err := io.ReadFull(rand, seed); err != nil {
		return nil, fmt.Errorf("codedisplay: reading seed: %w", err)
	}
	return seed, nil
}
