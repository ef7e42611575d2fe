package postgres_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/require"

	"github.com/go-mitid/mitid"
	"github.com/go-mitid/mitid/store/postgres"
)

// The Dispatcher's own cost per message on PostgreSQL, beside
// the raw primitive a queue pays per item, a bare INSERT and DELETE of one
// row in autocommit (two round trips, two durable commits):
//
//	go test -run='^$' -bench='BareInsertDelete|Dispatch' ./store/postgres/
//
// The dispatch benchmarks queue b.N messages before the timer starts (the
// queueing is part of the event's own commit, measured by
// BenchmarkUpdateUser), then time the dispatchers draining them to a
// notifier that does nothing: claiming in batches, the notifier call under
// its timeout, and one completing UPDATE (one durable commit) per message.

func BenchmarkBareInsertDelete(b *testing.B) {
	ctx := context.Background()
	pool, table := barePool(b, "CREATE TABLE %s.queue (id bigserial PRIMARY KEY, address text NOT NULL)")
	b.ResetTimer()
	for b.Loop() {
		var id int64
		if err := pool.QueryRow(ctx, "INSERT INTO "+table+".queue (address) VALUES ('+4512345678') RETURNING id").Scan(&id); err != nil {
			b.Fatal(err)
		}
		if _, err := pool.Exec(ctx, "DELETE FROM "+table+".queue WHERE id = $1", id); err != nil {
			b.Fatal(err)
		}
	}
}

// queueDDL is the bare queue: the outbox's shape without the library.
const queueDDL = `CREATE TABLE %s.queue (id bigserial PRIMARY KEY, address text NOT NULL, lease text, done timestamptz);
	CREATE INDEX ON %s.queue (id) WHERE done IS NULL`

// fillQueue puts n rows in the bare queue.
func fillQueue(b *testing.B, pool *pgxpool.Pool, table string, n int) {
	_, err := pool.Exec(context.Background(), "INSERT INTO "+table+".queue (address) SELECT '+4512345678' FROM generate_series(1, $1)", n)
	require.NoError(b, err)
}

// bareClaimComplete is the dispatcher's SQL by hand: claim up to 64 queued
// rows with SKIP LOCKED, then mark each done in autocommit (one durable
// commit per row). It returns how many it completed.
func bareClaimComplete(b *testing.B, pool *pgxpool.Pool, table string) int {
	ctx := context.Background()
	rows, err := pool.Query(ctx, `UPDATE `+table+`.queue SET lease = gen_random_uuid()::text WHERE id IN (
		SELECT id FROM `+table+`.queue WHERE done IS NULL AND lease IS NULL ORDER BY id LIMIT 64 FOR UPDATE SKIP LOCKED) RETURNING id, lease`)
	require.NoError(b, err)
	type claim struct {
		id    int64
		lease string
	}
	var claims []claim
	for rows.Next() {
		var c claim
		require.NoError(b, rows.Scan(&c.id, &c.lease))
		claims = append(claims, c)
	}
	require.NoError(b, rows.Err())
	for _, c := range claims {
		if _, err := pool.Exec(ctx, "UPDATE "+table+".queue SET done = now(), lease = NULL WHERE id = $1 AND lease = $2", c.id, c.lease); err != nil {
			b.Fatal(err)
		}
	}
	return len(claims)
}

func BenchmarkBareClaimComplete(b *testing.B) {
	pool, table := barePool(b, queueDDL)
	fillQueue(b, pool, table, b.N)
	b.ResetTimer()
	for left := b.N; left > 0; {
		left -= bareClaimComplete(b, pool, table)
	}
}

// BenchmarkDispatchOverBareAlternating runs one dispatcher, the bare
// claim-and-complete and the bare INSERT + DELETE in turns, 64 messages
// each, so that all meet the same load on a shared machine; it reports the
// time per message and the dispatcher's ratio to each.
func BenchmarkDispatchOverBareAlternating(b *testing.B) {
	ctx := context.Background()
	pool, table := barePool(b, queueDDL)
	fillQueue(b, pool, table, b.N)
	dsn := testDSN(b)
	s, err := postgres.Open(ctx, dsn, postgres.Options{Schema: newSchema(b, dsn), MaxConns: 2})
	require.NoError(b, err)
	b.Cleanup(s.Close)
	queueMessages(b, s, b.N)
	d := mitid.NewDispatcher(s, mitid.NotifierFunc(func(context.Context, mitid.Notification) error { return nil }), mitid.DispatcherConfig{Batch: 64})
	var bare, insdel, disp time.Duration
	b.ResetTimer()
	for left := b.N; left > 0; {
		t := time.Now()
		n := bareClaimComplete(b, pool, table)
		bare += time.Since(t)
		t = time.Now()
		for range n {
			var id int64
			require.NoError(b, pool.QueryRow(ctx, "INSERT INTO "+table+".queue (address) VALUES ('+4512345678') RETURNING id").Scan(&id))
			_, err := pool.Exec(ctx, "DELETE FROM "+table+".queue WHERE id = $1", id)
			require.NoError(b, err)
		}
		insdel += time.Since(t)
		t = time.Now()
		res, err := d.RunOnce(ctx)
		disp += time.Since(t)
		require.NoError(b, err)
		left -= res.Delivered
	}
	b.ReportMetric(float64(disp.Nanoseconds())/float64(b.N), "ns/msg-dispatch")
	b.ReportMetric(float64(bare.Nanoseconds())/float64(b.N), "ns/msg-bare")
	b.ReportMetric(float64(disp)/float64(bare), "dispatch/bare")
	b.ReportMetric(float64(disp)/float64(insdel), "dispatch/insert+delete")
}

func BenchmarkDispatchNoop(b *testing.B) {
	for _, c := range []int{1, 8} {
		for _, n := range []int{1, 2} {
			b.Run(fmt.Sprintf("dispatchers=%d/concurrency=%d", n, c), func(b *testing.B) { benchDispatch(b, n, c) })
		}
	}
}

// benchDispatch drains b.N queued messages with n dispatchers, each on a
// pool of its own, as n processes would, each sending c messages at once.
func benchDispatch(b *testing.B, n, c int) {
	ctx := context.Background()
	dsn := testDSN(b)
	schema := newSchema(b, dsn)
	var stores []*postgres.Store
	for range n {
		s, err := postgres.Open(ctx, dsn, postgres.Options{Schema: schema, MaxConns: int32(c + 1)})
		require.NoError(b, err)
		b.Cleanup(s.Close)
		stores = append(stores, s)
	}
	queueMessages(b, stores[0], b.N)
	noop := mitid.NotifierFunc(func(context.Context, mitid.Notification) error { return nil })
	b.ResetTimer()
	var wg sync.WaitGroup
	for _, s := range stores {
		d := mitid.NewDispatcher(s, noop, mitid.DispatcherConfig{Batch: 64, Concurrency: c})
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				res, err := d.RunOnce(ctx)
				if err != nil {
					b.Error(err)
					return
				}
				if res.Delivered == 0 {
					return
				}
			}
		}()
	}
	wg.Wait()
	b.StopTimer()
	st, err := stores[0].OutboxStats(ctx)
	require.NoError(b, err)
	require.Zero(b, st.Waiting, "every message delivered")
}

// queueMessages queues total SMS notifications, 100 events per user.
func queueMessages(b *testing.B, s mitid.Store, total int) {
	now := time.Now()
	for u := 0; u*100 < total; u++ {
		user := &mitid.User{ID: uuid.New(), UserID: fmt.Sprintf("bench-%d", u), Phone: "+4512345678",
			Channels: []mitid.Channel{mitid.ChannelSMS}, Status: mitid.UserActive, CreatedAt: now}
		var evs []mitid.Event
		for i := u * 100; i < min((u+1)*100, total); i++ {
			evs = append(evs, mitid.Event{ID: uuid.New(), User: user.ID, Type: mitid.EventUserBlocked, At: now,
				Notify: []mitid.Delivery{{Channel: mitid.ChannelSMS, Address: user.Phone, Language: mitid.Danish}}})
		}
		require.NoError(b, s.CreateUser(context.Background(), user, evs))
	}
}
