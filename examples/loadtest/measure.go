package main

import (
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// row is one measured figure beside its bare baseline.
type row struct {
	clients   int
	name      string
	n, errors int
	busy      int
	rate      float64 // per second
	firstErr  error
	base      *row
}

// op is one call of a measurement: it returns how many items it did (one
// lookup or login; a batch of messages) and how many busy refusals it met
// on the way.
type op func(ctx context.Context, w int, r *rand.Rand) (items, busy int, err error)

// one is an op that does one item.
func one(f func(ctx context.Context, w int, r *rand.Rand) error) op {
	return func(ctx context.Context, w int, r *rand.Rand) (int, int, error) { return 1, 0, f(ctx, w, r) }
}

// cell runs f from clients goroutines until d has passed (or f reports
// that the work has run out, by returning errDone) and counts the items
// done. Each goroutine gets its number and a random source of its own.
func cell(ctx context.Context, name string, clients int, d time.Duration, f op) *row {
	var (
		n, errs, busy atomic.Int64
		wg            sync.WaitGroup
		mu            sync.Mutex
		first         error
	)
	start := time.Now()
	deadline := start.Add(d)
	for w := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := rand.New(rand.NewPCG(uint64(w), uint64(start.UnixNano())))
			for time.Now().Before(deadline) && ctx.Err() == nil {
				k, b, err := f(ctx, w, r)
				busy.Add(int64(b))
				if err == errDone {
					return
				}
				if err != nil {
					errs.Add(1)
					mu.Lock()
					if first == nil {
						first = err
					}
					mu.Unlock()
					continue
				}
				n.Add(int64(k))
			}
		}()
	}
	wg.Wait()
	el := time.Since(start).Seconds()
	return &row{clients: clients, name: name, n: int(n.Load()), errors: int(errs.Load()), busy: int(busy.Load()),
		rate: float64(n.Load()) / el, firstErr: first}
}

// errDone tells cell that a goroutine's work has run out (a drained queue).
var errDone = fmt.Errorf("done")

// printTable writes the rows as a Markdown table: each figure, its
// baseline and the ratio of the two, which reads as "one of these costs
// ratio baseline operations of throughput".
func printTable(w io.Writer, rows []*row) {
	fmt.Fprintln(w, "| clients | operation | count | per second | baseline | baseline per second | cost in baseline operations |")
	fmt.Fprintln(w, "|---:|---|---:|---:|---|---:|---:|")
	for _, r := range rows {
		if r.base == nil {
			continue
		}
		name := r.name
		var notes []string
		if r.errors > 0 {
			notes = append(notes, fmt.Sprintf("%d errors", r.errors))
		}
		if r.busy > 0 {
			notes = append(notes, fmt.Sprintf("%d busy retries", r.busy))
		}
		if len(notes) > 0 {
			name += " (" + strings.Join(notes, ", ") + ")"
		}
		ratio := "–"
		if r.rate > 0 {
			ratio = fmt.Sprintf("%.1f×", r.base.rate/r.rate)
		}
		fmt.Fprintf(w, "| %d | %s | %d | %s | %s | %s | %s |\n", r.clients, name, r.n, figure(r.rate), r.base.name, figure(r.base.rate), ratio)
	}
}

// figure prints a rate with three significant digits, thousands grouped.
func figure(f float64) string {
	switch {
	case f >= 1000:
		n := int64(f + 0.5)
		s := fmt.Sprint(n)
		var b strings.Builder
		for i, c := range s {
			if i > 0 && (len(s)-i)%3 == 0 {
				b.WriteByte(',')
			}
			b.WriteRune(c)
		}
		return b.String()
	case f >= 100:
		return fmt.Sprintf("%.0f", f)
	case f >= 10:
		return fmt.Sprintf("%.1f", f)
	default:
		return fmt.Sprintf("%.2f", f)
	}
}
