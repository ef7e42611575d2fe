package chiptest

import (
	"encoding/binary"
	"io"
	"math/rand/v2"
)

// Seeded returns a deterministic source of bytes (ChaCha8 keyed by n), for
// NewSimulator or a verifier's Rand, so that a test replays the same keys,
// key handles and challenges every run. It is not safe for concurrent use
// on its own; a Simulator serialises its reads. Never use it outside tests.
func Seeded(n uint64) io.Reader {
	var seed [32]byte
	binary.LittleEndian.PutUint64(seed[:], n)
	return rand.NewChaCha8(seed)
}
