package fake

import (
	"encoding/binary"
	"io"
	"math/rand/v2"
	"sync"
)

// Rand returns a deterministic random source for seed: the same seed gives
// the same bytes in every run and on every machine, different seeds give
// unrelated streams. It is ChaCha8, so keys and nonces drawn from it look
// like real ones to the code under test; it is predictable by design and
// must never reach production. It is safe for concurrent use (a Service
// and its Dispatcher may share one); the bytes each reader gets then
// depend on the order the goroutines ran in.
func Rand(seed uint64) io.Reader {
	var s [32]byte
	binary.LittleEndian.PutUint64(s[:], seed)
	return &lockedRand{r: rand.NewChaCha8(s)}
}

type lockedRand struct {
	mu sync.Mutex
	r  *rand.ChaCha8
}

func (l *lockedRand) Read(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.r.Read(p)
}
