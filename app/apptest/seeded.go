package apptest

import (
	"encoding/binary"
	"io"
	"math/rand/v2"
)

// Seeded returns a deterministic source of bytes (ChaCha8 keyed by n), so a
// test replays the same randomness every run. A Simulator's key does not
// become deterministic with it (crypto/ecdsa draws keys from the runtime's
// own randomness since Go 1.26), but its reads are reproducible. It is not
// safe for concurrent use; never use it outside tests.
func Seeded(n uint64) io.Reader {
	var seed [32]byte
	binary.LittleEndian.PutUint64(seed[:], n)
	return rand.NewChaCha8(seed)
}
