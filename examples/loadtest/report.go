package main

import (
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/google/uuid"

	"github.com/go-mitid/mitid"
)

// counter is the in-process notifier: it counts what it is given and
// sends nothing, so the dispatch figure is the library's and the store's.
type counter struct{ n atomic.Int64 }

// Notify counts n.
func (c *counter) Notify(context.Context, mitid.Notification) error {
	c.n.Add(1)
	return nil
}

// topUp queues notifications until at least want wait in the outbox, with
// contact changes of random users of the population (each is notified to
// the person), from workers goroutines.
func topUp(ctx context.Context, svc *mitid.Service, ids []uuid.UUID, want, workers int) error {
	st, err := svc.Store().OutboxStats(ctx)
	if err != nil {
		return err
	}
	need := want - st.Waiting
	if need <= 0 {
		return nil
	}
	var (
		left atomic.Int64
		wg   sync.WaitGroup
		mu   sync.Mutex
		fail error
	)
	left.Store(int64(need))
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := rand.New(rand.NewPCG(uint64(w), uint64(time.Now().UnixNano())))
			for left.Add(-1) >= 0 {
				i := r.IntN(len(ids))
				email := fmt.Sprintf("lt%08d+%d@example.dk", i, r.IntN(1_000_000))
				if _, _, err := svc.ChangeContact(ctx, ids[i], mitid.Contact{Email: &email}); err != nil {
					mu.Lock()
					fail = fmt.Errorf("queueing notifications: %w", err)
					mu.Unlock()
					return
				}
			}
		}()
	}
	wg.Wait()
	return fail
}

// loadavg is the machine's load average, as /proc/loadavg tells it.
func loadavg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "unknown"
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return "unknown"
	}
	return strings.Join(f[:3], " ")
}

// printHeader says what was measured, where and how, above the table.
func printHeader(w io.Writer, o *options, p mitid.Policy, fillNote, serverNote, loadBefore, loadAfter string) {
	store := "memory"
	if o.store == "postgres" {
		store = fmt.Sprintf("postgres (schema %s, pool of %d connections)", o.schema, o.conns)
	}
	hash := "cheap (test parameters: the protocol and store path)"
	if o.hash == "default" {
		hash = "default (DefaultPolicy's, what production pays)"
	}
	clients := make([]string, len(o.clients))
	for i, c := range o.clients {
		clients[i] = fmt.Sprint(c)
	}
	fmt.Fprintf(w, "store: %s; users: %d; clients: %s; %s per measurement\n", store, o.users, strings.Join(clients, ","), o.duration)
	fmt.Fprintf(w, "argon2id: %s: t=%d, m=%d KiB, p=%d\n", hash, p.Argon2.Time, p.Argon2.Memory, p.Argon2.Threads)
	finish := "the relying party calls FinishLogin"
	if o.finish == "last" {
		finish = "the last factor's step (LoginRequest.FinishAtLastFactor, as web.Handler's logins); FinishLogin after an app's approval"
	}
	fmt.Fprintf(w, "logins finished by: %s\n", finish)
	fmt.Fprintf(w, "a subject's logins: about %s apart on the program's clock (-gap)\n", o.gap)
	fmt.Fprintf(w, "fill: %s\n", fillNote)
	if serverNote != "" {
		fmt.Fprintf(w, "server: %s\n", serverNote)
	}
	host, _ := os.Hostname()
	fmt.Fprintf(w, "%s, %s, %d CPUs (GOMAXPROCS %d), host %s; load average %s before, %s after\n\n",
		time.Now().UTC().Format("2006-01-02 15:04 UTC"), runtime.Version(), runtime.NumCPU(), runtime.GOMAXPROCS(0), host, loadBefore, loadAfter)
}
