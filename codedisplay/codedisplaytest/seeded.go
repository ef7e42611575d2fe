package codedisplaytest

import (
	"encoding/binary"
	"io"
	"math/rand/v2"
)

// Seeded returns a deterministic source of bytes (ChaCha8 keyed by n), for
// Manufacture, so that a test replays the same serial numbers and seeds
// every run. It is not safe for concurrent use; never use it outside tests.
func Seeded(n uint64) io.Reader {
	var seed [32]byte
	binary.LittleEndian.PutUint64(seed[:], n)
	return rand.NewChaCha8(seed)
}
