package main

import (
	"context"
	"fmt"
	"io"
	"sync"
	"sync/atomic"
	"time"

	"github.com/google/uuid"

	"github.com/go-mitid/mitid"
)

// The population is users 0 … N-1, each with user ID userIDAt(n), CPR
// number cprAt(n) and an e-mail address: the cheapest enrolment the
// library accepts (CreateUser, one commit with its user.created event and
// that event's one notification). The login subjects are numbered from
// subjectBase on, fresh ones every run.
const subjectBase = 50_000_000

// userIDAt is user n's user ID.
func userIDAt(n int) string { return fmt.Sprintf("lt%08d", n) }

// subjectUserID is login subject n's user ID.
func subjectUserID(n int) string { return userIDAt(n) }

// cprAt returns a valid CPR number, different for every n below 80,640,000:
// births on days 1-28 of every month of 1940-1999, serial numbers 0000-3999
// (whose first digit puts the year in the 1900s).
func cprAt(n int) string {
	serial, rest := n%4000, n/4000
	day, month, year := 1+rest%28, 1+(rest/28)%12, 40+(rest/336)%60
	return fmt.Sprintf("%02d%02d%02d-%04d", day, month, year, serial)
}

// fill creates the users of the population that are not there yet, with
// workers goroutines, and returns all their IDs by number. A user that
// exists in the store but was not recorded (a run stopped in between) is
// found by its user ID instead.
func fill(ctx context.Context, svc *mitid.Service, b backend, n, workers int, progress io.Writer) ([]uuid.UUID, int, error) {
	ids, err := b.population(ctx, n)
	if err != nil {
		return nil, 0, err
	}
	var missing []int
	for i, id := range ids {
		if id == uuid.Nil {
			missing = append(missing, i)
		}
	}
	if len(missing) == 0 {
		return ids, 0, nil
	}
	const chunk = 1000
	var (
		next     atomic.Int64
		done     atomic.Int64
		mu       sync.Mutex
		fail     error
		wg       sync.WaitGroup
		start    = time.Now()
		stopTick = make(chan struct{})
	)
	go func() {
		t := time.NewTicker(10 * time.Second)
		defer t.Stop()
		for {
			select {
			case <-stopTick:
				return
			case <-t.C:
				d := done.Load()
				fmt.Fprintf(progress, "fill: %d of %d users, %.0f/s\n", d, len(missing), float64(d)/time.Since(start).Seconds())
			}
		}
	}()
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				lo := int(next.Add(chunk)) - chunk
				if lo >= len(missing) {
					return
				}
				hi := min(lo+chunk, len(missing))
				// Chunks of consecutive numbers are recorded in one COPY.
				for lo < hi {
					run := lo + 1
					for run < hi && missing[run] == missing[run-1]+1 {
						run++
					}
					got := make([]uuid.UUID, 0, run-lo)
					for _, i := range missing[lo:run] {
						id, err := create(ctx, svc, i)
						if err != nil {
							mu.Lock()
							fail = fmt.Errorf("creating user %d: %w", i, err)
							mu.Unlock()
							return
						}
						ids[i] = id
						got = append(got, id)
						done.Add(1)
					}
					if err := b.record(ctx, missing[lo], got); err != nil {
						mu.Lock()
						fail = err
						mu.Unlock()
						return
					}
					lo = run
				}
				mu.Lock()
				stop := fail != nil
				mu.Unlock()
				if stop {
					return
				}
			}
		}()
	}
	wg.Wait()
	close(stopTick)
	return ids, len(missing), fail
}

// create enrols population user n.
func create(ctx context.Context, svc *mitid.Service, n int) (uuid.UUID, error) {
	u, _, err := svc.CreateUser(ctx, mitid.UserRequest{UserID: userIDAt(n), CPR: cprAt(n), IAL: mitid.LevelSubstantial,
		Email: fmt.Sprintf("lt%08d@example.dk", n)})
	if mitid.ErrorCode(err) == mitid.CodeUserIDTaken {
		u, err = svc.UserByUserID(ctx, userIDAt(n))
	}
	if err != nil {
		return uuid.Nil, err
	}
	return u.ID, nil
}
