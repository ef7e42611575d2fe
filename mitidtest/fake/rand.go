package fake

import (
	"encoding/binary"
	"io"
	"math/rand/v2"
)

// Rand returns a deterministic random source for seed: the same seed gives
// the same bytes in every run and on every machine, different seeds give
// unrelated streams. It is ChaCha8, so keys and nonces drawn from it look
// like real ones to the code under test; it is predictable by design and
// must never reach production. A Rand is not safe for concurrent use,
// like the *rand.ChaCha8 it is.
func Rand(seed uint64) io.Reader {
	var s [32]byte
	binary.LittleEndian.PutUint64(s[:], seed)
	return rand.NewChaCha8(s)
}
