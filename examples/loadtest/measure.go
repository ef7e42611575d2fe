package main

import (
	"context"
	"errors"
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
	secs      float64 // measured
	firstErr  error
	base      *row
	cpu       cpuTimes // spent in its turns (see cpuTimes)
	turns     int
}

// addCPU adds the CPU d spent in one more turn.
func (r *row) addCPU(d cpuTimes) {
	if r.turns == 0 {
		r.cpu = d
	} else {
		r.cpu = cpuTimes{machine: r.cpu.machine + d.machine, program: r.cpu.program + d.program, ok: r.cpu.ok && d.ok}
	}
	r.turns++
}

// perOp is the row's CPU per operation, machine / program, in µs, or "–"
// when it could not be read.
func (r *row) perOp() string {
	if !r.cpu.ok || r.n == 0 {
		return "–"
	}
	us := func(d time.Duration) string { return figure(float64(d.Microseconds()) / float64(r.n)) }
	return us(r.cpu.machine) + " / " + us(r.cpu.program)
}

// op is one call of a measurement: it returns how many items it did (one
// lookup or login; a batch of messages) and how many busy refusals it met
// on the way.
type op func(ctx context.Context, w int, r *rand.Rand) (items, busy int, err error)

// one is an op that does one item.
func one(f func(ctx context.Context, w int, r *rand.Rand) error) op {
	return func(ctx context.Context, w int, r *rand.Rand) (int, int, error) { return 1, 0, f(ctx, w, r) }
}

// group measures a baseline and the figures measured beside it: each runs
// for d in all, in rounds turns of d/rounds, one after the other, so that
// on a shared machine all of them meet the same load. Each round starts
// with the baseline and then takes the others in turn from the next one
// on (baseline, first, second, third; baseline, second, third, first; …),
// so that no figure always runs in the same place. With warm, every op
// runs once untimed for a fifth of a turn before the first round
// (warmUp): the first turn at a new number of clients otherwise paid for
// the connections the pool opens then and the statements each prepares, a
// tenth of the rate of logins at 16 clients on a 2-core VM, and always the
// same figure's. (Not for a queue, which a warm-up would drain.) The first
// op is the baseline of the others.
func group(ctx context.Context, clients int, d time.Duration, rounds int, warm bool, names []string, ops []op) []*row {
	rows := make([]*row, len(ops))
	done := make([]bool, len(ops))
	for i := range ops {
		rows[i] = &row{clients: clients, name: names[i]}
		if i > 0 {
			rows[i].base = rows[0]
		}
	}
	turn := d / time.Duration(rounds)
	for i, f := range ops {
		if warm {
			warmUp(ctx, names[i], clients, turn/5, f)
		}
	}
	for round := range rounds {
		for _, i := range turns(len(ops), round) {
			if !done[i] {
				done[i] = slice(ctx, rows[i], clients, turn, ops[i])
			}
		}
	}
	for _, r := range rows {
		if r.secs > 0 {
			r.rate = float64(r.n) / r.secs
		}
	}
	return rows
}

// warmUp runs f from clients goroutines for d and forgets what it did.
func warmUp(ctx context.Context, name string, clients int, d time.Duration, f op) {
	slice(ctx, &row{clients: clients, name: name}, clients, d, f)
}

// turns is the order of n ops in round: the baseline (0) first, then
// 1..n-1 starting from the round's own, each once.
func turns(n, round int) []int {
	order := []int{0}
	for j := range n - 1 {
		order = append(order, 1+(j+round)%(n-1))
	}
	return order
}

// slice runs f from clients goroutines until d has passed and adds what it
// did to r. Each goroutine gets its number and a random source of its own.
// It reports whether f said that the work has run out (by returning
// errDone: a drained queue).
func slice(ctx context.Context, r *row, clients int, d time.Duration, f op) (drained bool) {
	var (
		n, errs, busy atomic.Int64
		wg            sync.WaitGroup
		mu            sync.Mutex
		out           atomic.Bool
	)
	start := time.Now()
	cpu0 := readCPU()
	deadline := start.Add(d)
	for w := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rnd := rand.New(rand.NewPCG(uint64(w), uint64(start.UnixNano())))
			for time.Now().Before(deadline) && ctx.Err() == nil {
				k, b, err := f(ctx, w, rnd)
				busy.Add(int64(b))
				if errors.Is(err, errDone) {
					out.Store(true)
					return
				}
				if err != nil {
					errs.Add(1)
					mu.Lock()
					if r.firstErr == nil {
						r.firstErr = err
					}
					mu.Unlock()
					continue
				}
				n.Add(int64(k))
			}
		}()
	}
	wg.Wait()
	r.addCPU(readCPU().sub(cpu0))
	r.secs += time.Since(start).Seconds()
	r.n += int(n.Load())
	r.errors += int(errs.Load())
	r.busy += int(busy.Load())
	return out.Load()
}

// errDone tells slice that a goroutine's work has run out (a drained queue).
var errDone = fmt.Errorf("done")

// printTable writes the rows as a Markdown table: each figure, its
// baseline and the ratio of the two, which reads as "one of these costs
// ratio baseline operations of throughput", with the CPU one of each cost
// the machine and this program (see cpuTimes).
func printTable(w io.Writer, rows []*row) {
	fmt.Fprintln(w, "| clients | operation | count | per second | baseline | baseline per second | cost in baseline operations | CPU µs per operation, machine / program | baseline's |")
	fmt.Fprintln(w, "|---:|---|---:|---:|---|---:|---:|---:|---:|")
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
		fmt.Fprintf(w, "| %d | %s | %d | %s | %s | %s | %s | %s | %s |\n", r.clients, name, r.n, figure(r.rate), r.base.name, figure(r.base.rate), ratio, r.perOp(), r.base.perOp())
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
