package memory_test

import (
	"context"
	"fmt"
	"runtime"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/go-mitid/mitid"
	"github.com/go-mitid/mitid/store/memory"
)

// The memory store's primitives, on a user shaped like the one a code
// display logs in with (an OTP seed and a password hash): what one login
// factor costs in store work. BENCHMARKS.md breaks the factor down with
// these figures.
//
//	go test -run='^$' -bench=. -benchmem -count=5 ./store/memory/

var at = time.Date(2026, 11, 21, 10, 0, 0, 0, time.UTC)

func codeUser() *mitid.User {
	return &mitid.User{ID: uuid.New(), UserID: "bench-code", Status: mitid.UserActive, Language: mitid.Danish,
		IAL: mitid.LevelSubstantial, CreatedAt: at, Channels: []mitid.Channel{mitid.ChannelSMS}, Phone: "+4512345678",
		Authenticators: []mitid.Authenticator{
			{ID: uuid.New(), Kind: mitid.KindCodeDisplay, State: mitid.StateActive, Serial: "5720000019", CreatedAt: at, StateChangedAt: at,
				OTP: &mitid.OTPSecret{Seed: mitid.Sealed{KeyID: "k1", Nonce: make([]byte, 12), Ciphertext: make([]byte, 36)},
					Algorithm: "SHA1", Digits: 6, PeriodSeconds: 30}},
			{ID: uuid.New(), Kind: mitid.KindPassword, State: mitid.StateActive, CreatedAt: at, StateChangedAt: at,
				Password: &mitid.PasswordHash{Salt: make([]byte, 16), Hash: make([]byte, 32), Time: 3, Memory: 65536, Threads: 2}},
		}}
}

func BenchmarkUserClone(b *testing.B) {
	u := codeUser()
	b.ReportAllocs()
	for b.Loop() {
		_ = u.Clone()
	}
}

func BenchmarkUpdateUserNoop(b *testing.B) {
	s, u := memory.New(), codeUser()
	if err := s.CreateUser(context.Background(), u, nil); err != nil {
		b.Fatal(err)
	}
	noop := func(*mitid.User) ([]mitid.Event, error) { return nil, nil }
	b.ReportAllocs()
	for b.Loop() {
		if _, err := s.UpdateUser(context.Background(), u.ID, noop); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkUserCloneFor is the copy a login step's update makes: the
// user's own fields and the one authenticator it works on.
func BenchmarkUserCloneFor(b *testing.B) {
	u := codeUser()
	b.ReportAllocs()
	for b.Loop() {
		if _, _, err := u.CloneFor(u.Authenticators[0].ID); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkUpdateAuthenticatorNoop(b *testing.B) {
	s, u := memory.New(), codeUser()
	if err := s.CreateUser(context.Background(), u, nil); err != nil {
		b.Fatal(err)
	}
	noop := func(*mitid.User, *mitid.Authenticator) ([]mitid.Event, error) { return nil, nil }
	b.ReportAllocs()
	for b.Loop() {
		if _, err := s.UpdateAuthenticator(context.Background(), u.ID, u.Authenticators[0].ID, noop); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkReplaceSession is a login step's record of its factor.
func BenchmarkReplaceSession(b *testing.B) {
	s := memory.New()
	sess := &mitid.Session{ID: "s", Kind: "login", Data: make([]byte, 200), CreatedAt: at, ExpiresAt: at.Add(time.Hour)}
	if err := s.CreateSession(context.Background(), sess); err != nil {
		b.Fatal(err)
	}
	data := make([]byte, 200)
	b.ReportAllocs()
	for v := int64(1); b.Loop(); v++ {
		if _, err := s.ReplaceSession(context.Background(), "s", v, at, data); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkSessionRead(b *testing.B) {
	s := memory.New()
	sess := &mitid.Session{ID: "s", Kind: "login", Data: make([]byte, 200), CreatedAt: at, ExpiresAt: at.Add(time.Hour)}
	if err := s.CreateSession(context.Background(), sess); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := s.Session(context.Background(), "s", at); err != nil {
			b.Fatal(err)
		}
	}
}

// sink keeps a benchmark's result alive, so the compiler cannot drop the
// work that made it.
var sink []mitid.Event

// BenchmarkActivityLogOneUser reads one person's activity log from a store
// holding other people's events too: with the per-user index its cost does
// not grow with everyone else's history. The sizes are #13's, 10,000 and
// 1,000,000 people each with an event; -short leaves out the million.
// Beside it, "raw copy" makes the one allocation the read returns (the
// person's 20 events copied into a new slice) on the same heap: on a heap
// of a million people every allocation pays the collector more, the read's
// and the raw copy's alike, so the ratio of the two is what tells whether
// the read itself grows.
//
//	go test -run='^$' -bench=ActivityLogOneUser -benchmem -count=3 ./store/memory/
func BenchmarkActivityLogOneUser(b *testing.B) {
	for _, others := range []int{10_000, 1_000_000} {
		b.Run(fmt.Sprintf("others=%d", others), func(b *testing.B) {
			if others > 10_000 && testing.Short() {
				b.Skip("-short: a million people take seconds to create")
			}
			s := memory.New()
			ctx := context.Background()
			for i := 0; i < others; i++ {
				u := &mitid.User{ID: uuid.New(), UserID: fmt.Sprintf("other-%d", i), Status: mitid.UserActive, CreatedAt: at}
				if err := s.CreateUser(ctx, u, []mitid.Event{{ID: uuid.New(), User: u.ID, Type: mitid.EventUserCreated, At: at}}); err != nil {
					b.Fatal(err)
				}
			}
			me := codeUser()
			var evs []mitid.Event
			for i := 0; i < 20; i++ {
				evs = append(evs, mitid.Event{ID: uuid.New(), User: me.ID, Type: mitid.EventAuthenticatorUsed, At: at})
			}
			if err := s.CreateUser(ctx, me, evs); err != nil {
				b.Fatal(err)
			}
			b.Run("read", func(b *testing.B) {
				b.ReportAllocs()
				for b.Loop() {
					got, err := s.Events(ctx, mitid.EventFilter{User: me.ID})
					if err != nil || len(got) != 20 {
						b.Fatal(len(got), err)
					}
				}
			})
			b.Run("raw copy", func(b *testing.B) {
				b.ReportAllocs()
				for b.Loop() {
					sink = append(make([]mitid.Event, 0, len(evs)), evs...)
				}
			})
			runtime.KeepAlive(s)
		})
	}
}

// BenchmarkClaimOutboxBehindDelivered claims one due message with 0,
// 100,000 and 1,000,000 delivered messages behind it: a claim starts at the
// first open message, so the delivered history costs it nothing.
//
//	go test -run='^$' -bench=ClaimOutboxBehindDelivered -benchtime=5000x -benchmem -count=3 ./store/memory/
func BenchmarkClaimOutboxBehindDelivered(b *testing.B) {
	for _, delivered := range []int{0, 100_000, 1_000_000} {
		b.Run(fmt.Sprintf("delivered=%d", delivered), func(b *testing.B) {
			q := newQueue(b)
			q.deliverHistory(delivered)
			q.measureClaim(b)
		})
	}
}

// queue is a memory store with one user whose events each queue one SMS.
type queue struct {
	tb     testing.TB
	s      *memory.Store
	u      *mitid.User
	notify []mitid.Delivery
}

func newQueue(tb testing.TB) *queue {
	s := memory.New()
	u := codeUser()
	if err := s.CreateUser(context.Background(), u, nil); err != nil {
		tb.Fatal(err)
	}
	return &queue{tb: tb, s: s, u: u, notify: []mitid.Delivery{{Channel: mitid.ChannelSMS, Address: u.Phone}}}
}

// add commits n events, each queueing one message.
func (q *queue) add(n int) {
	_, err := q.s.UpdateUser(context.Background(), q.u.ID, func(*mitid.User) ([]mitid.Event, error) {
		evs := make([]mitid.Event, n)
		for i := range evs {
			evs[i] = mitid.Event{ID: uuid.New(), User: q.u.ID, Type: mitid.EventAuthenticatorUsed, At: at, Notify: q.notify}
		}
		return evs, nil
	})
	if err != nil {
		q.tb.Fatal(err)
	}
}

// deliver claims up to limit messages and completes them.
func (q *queue) deliver(limit int) int {
	ctx := context.Background()
	msgs, err := q.s.ClaimOutbox(ctx, at, time.Minute, limit)
	if err != nil {
		q.tb.Fatal(err)
	}
	for _, m := range msgs {
		if err := q.s.CompleteOutbox(ctx, m.ID, m.Lease, at); err != nil {
			q.tb.Fatal(err)
		}
	}
	return len(msgs)
}

// deliverHistory queues and delivers n messages, a thousand at a time.
func (q *queue) deliverHistory(n int) {
	for done := 0; done < n; done += 1000 {
		q.add(1000)
		q.deliver(1000)
	}
}

// measureClaim times claiming and completing one message queued outside
// the timer.
func (q *queue) measureClaim(b *testing.B) {
	b.ResetTimer()
	for b.Loop() {
		b.StopTimer()
		q.add(1)
		b.StartTimer()
		if q.deliver(1) != 1 {
			b.Fatal("nothing to claim")
		}
	}
}
