package mitid_test

import (
	"io"
	"log/slog"
	"sync/atomic"
	"testing"
	"time"

	"github.com/go-mitid/mitid"
	"github.com/go-mitid/mitid/mitidtest"
	"github.com/go-mitid/mitid/store/memory"
)

// The cost of being observed, as a ratio: the same code step without and
// with an Observer (a counter) and a JSON logger at Info, on the memory
// store.
//
//	go test -run='^$' -bench='FactorCodeDisplay(Unobserved|Observed)' -benchmem -count=5 .

func BenchmarkFactorCodeDisplayUnobserved(b *testing.B) { benchCodeStep(b, nil) }

func BenchmarkFactorCodeDisplayObserved(b *testing.B) {
	var n atomic.Int64
	benchCodeStep(b, func(c *mitid.Config) {
		c.Observer = mitid.ObserverFunc(func(mitid.Observation) { n.Add(1) })
		c.Logger = slog.New(slog.NewJSONHandler(io.Discard, nil))
	})
	if n.Load() == 0 {
		b.Fatal("nothing observed")
	}
}

func benchCodeStep(b *testing.B, config func(*mitid.Config)) {
	env := mitidtest.New(b, mitidtest.WithStore(memory.New()), mitidtest.WithConfig(config))
	p := env.Enrol(b, "bench-observed", mitid.LevelSubstantial, mitid.KindCodeDisplay)
	ctx := b.Context()
	ids, codes := make([]string, batch), make([]string, batch)
	rounds(b, func(k int) {
		if _, err := env.Service.Store().PurgeSessions(ctx, env.Clock.Now().Add(time.Hour)); err != nil {
			b.Fatal(err)
		}
		start := env.Clock.Now()
		for i := range k {
			ids[i] = env.Begin(b, p, mitid.LevelSubstantial).ID
			c, err := p.Display.CodeAt(start.Add(time.Duration(i+1) * 30 * time.Second))
			if err != nil {
				b.Fatal(err)
			}
			codes[i] = c
		}
	}, func(i int) {
		env.Clock.Advance(30 * time.Second)
		if _, err := env.Service.SubmitCode(ctx, ids[i], codes[i]); err != nil {
			b.Fatal(err)
		}
	})
}
