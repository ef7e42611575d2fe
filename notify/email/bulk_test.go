package email_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/go-mitid/mitid"
	"github.com/go-mitid/mitid/notify/email"
	"github.com/go-mitid/mitid/store/postgres"
)

// postgresStores opens n stores (n pools: n "processes") on one fresh
// schema of the test database, or skips without one.
func postgresStores(t testing.TB, n int) []*postgres.Store {
	t.Helper()
	dsn := os.Getenv("MITID_TEST_POSTGRES")
	if dsn == "" {
		t.Skip("no PostgreSQL: set MITID_TEST_POSTGRES (bash .ci/run does)")
	}
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	schema := "mitid_test_" + hex.EncodeToString(b)
	t.Cleanup(func() {
		conn, err := pgx.Connect(context.Background(), dsn)
		if err != nil {
			return
		}
		defer conn.Close(context.Background())
		_, _ = conn.Exec(context.Background(), "DROP SCHEMA IF EXISTS "+pgx.Identifier{schema}.Sanitize()+" CASCADE")
	})
	var out []*postgres.Store
	for range n {
		s, err := postgres.Open(context.Background(), dsn, postgres.Options{Schema: schema, MaxConns: 10})
		require.NoError(t, err)
		t.Cleanup(s.Close)
		out = append(out, s)
	}
	return out
}

// queueMail queues total e-mail notifications in the store: users of up to
// 100 events each, every event notified to the user's address at
// bulk-RUN-uN@example.dk.
func queueMail(t testing.TB, s mitid.Store, run string, total int, at time.Time) {
	t.Helper()
	const perUser = 100
	for u := 0; u*perUser < total; u++ {
		user := &mitid.User{ID: uuid.New(), UserID: fmt.Sprintf("bulk-%s-%d", run, u), Language: mitid.Danish,
			Email: fmt.Sprintf("bulk-%s-u%d@example.dk", run, u), Channels: []mitid.Channel{mitid.ChannelEmail},
			Status: mitid.UserActive, CreatedAt: at}
		var evs []mitid.Event
		for i := u * perUser; i < min((u+1)*perUser, total); i++ {
			evs = append(evs, mitid.Event{ID: uuid.New(), User: user.ID, Type: mitid.EventAuthenticatorState, Kind: mitid.KindCodeDisplay,
				To: mitid.StateSuspended, At: at, Actor: "bulk",
				Notify: []mitid.Delivery{{Channel: mitid.ChannelEmail, Address: user.Email, Language: mitid.Danish}}})
		}
		require.NoError(t, s.CreateUser(context.Background(), user, evs))
	}
}

// drain runs one dispatcher per store, each with its own SMTP notifier and
// concurrency messages in flight, until the outbox has nothing waiting, and
// returns how many sends were recorded.
func drain(tb testing.TB, mp mailpit, stores []*postgres.Store, concurrency int) int64 {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	var sent atomic.Int64
	counter := mitid.ObserverFunc(func(o mitid.Observation) {
		if o.Outcome == mitid.OutcomeSent {
			sent.Add(1)
		}
	})
	var wg sync.WaitGroup
	errs := make([]error, len(stores))
	for i, s := range stores {
		cfg := mp.config(tb)
		cfg.MaxIdle = concurrency
		n, err := email.New(cfg)
		require.NoError(tb, err)
		defer n.Close()
		d := mitid.NewDispatcher(s, n, mitid.DispatcherConfig{Batch: 64, Concurrency: concurrency, Observer: counter})
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = d.Run(ctx, 5*time.Millisecond)
		}()
	}
	for {
		st, err := stores[0].OutboxStats(ctx)
		require.NoError(tb, err)
		if st.Waiting == 0 || ctx.Err() != nil {
			require.Zero(tb, st.Parked, "nothing parked")
			break
		}
		time.Sleep(5 * time.Millisecond)
	}
	cancel()
	wg.Wait()
	for _, err := range errs {
		require.ErrorIs(tb, err, context.Canceled, "the dispatchers ran until stopped")
	}
	return sent.Load()
}

// Two dispatchers, each with its own connection pool and its own SMTP
// connections, drain one PostgreSQL outbox into the real SMTP server; the
// server has every message exactly once. (-short: 500 instead of 10,000.)
func TestTwoDispatchersOnPostgresDeliverEachMessageOnceAtTheSMTPServer(t *testing.T) {
	mp := needMailpit(t)
	stores := postgresStores(t, 2)
	total := 10_000
	if testing.Short() {
		total = 500
	}
	run := strings.ToLower(rand.Text()[:10])
	queueMail(t, stores[0], run, total, time.Now())

	assert.EqualValues(t, total, drain(t, mp, stores, 8), "each message handed to the server once")
	got := mp.search(t, "to:bulk-"+run)
	require.Len(t, got, total, "the server holds every message, and no message twice")
	ids := map[string]bool{}
	for _, m := range got {
		ids[m.MessageID] = true
	}
	assert.Len(t, ids, total, "distinct Message-IDs: no outbox message was sent twice")
}

// BenchmarkEmailEndToEnd: b.N e-mails queued in PostgreSQL (before the
// timer), drained by two dispatchers with eight in flight each into the
// real SMTP server over STARTTLS; ns/op is per e-mail.
func BenchmarkEmailEndToEnd(b *testing.B) {
	mp := needMailpit(b)
	stores := postgresStores(b, 2)
	queueMail(b, stores[0], strings.ToLower(rand.Text()[:10]), b.N, time.Now())
	b.ResetTimer()
	if sent := drain(b, mp, stores, 8); sent != int64(b.N) {
		b.Fatalf("%d sent of %d", sent, b.N)
	}
}
