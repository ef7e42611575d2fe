package postgres_test

import (
	"context"
	"crypto/rand"
	"fmt"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"

	"github.com/go-mitid/mitid"
	"github.com/go-mitid/mitid/app"
	"github.com/go-mitid/mitid/app/apptest"
	"github.com/go-mitid/mitid/mitidtest/fake"
	"github.com/go-mitid/mitid/store/postgres"
)

// historyTables are the tables a login leaves history in; users (one row
// per person, rewritten in place) is not history.
var historyTables = []string{"events", "outbox", "sessions"}

// historyBytes is the disk the history tables take, their indexes and
// TOAST included.
func historyBytes(b *testing.B, conn *pgx.Conn, schema string) int64 {
	var n int64
	for _, t := range historyTables {
		var size int64
		require.NoError(b, conn.QueryRow(context.Background(), `SELECT pg_total_relation_size($1::regclass)`,
			pgx.Identifier{schema, t}.Sanitize()).Scan(&size))
		n += size
	}
	return n
}

// BenchmarkLoginHistoryBytes reports what complete app logins leave on
// PostgreSQL (the history tables: events, outbox, sessions, with their
// indexes), without and with a retention. It measures disk, not time:
//
//	go test -run='^$' -bench=LoginHistoryBytes -benchtime=5000x ./store/postgres/
//
// b.N logins of one person, a second apart, every notification delivered:
// kept-B/login is the growth of the history tables per login, which
// without a retention stays for good. Then, twice, the clock passes the
// retention (Events at MitID's floor, Policy.MinEventRetention; Outbox a
// day), Service.Purge runs and VACUUM passes as autovacuum would, and b.N
// more logins follow: after-purge-B/login is how much the tables grew
// from the end of the second window to the end of the third, per login:
// with a retention they hold one retention's worth of logins and stop
// growing. tables-B is their size at the end, holding b.N logins.
func BenchmarkLoginHistoryBytes(b *testing.B) {
	ctx := context.Background()
	s, conn, schema := rawStore(b)

	keys, err := mitid.NewRandomKeyRing(rand.Reader)
	require.NoError(b, err)
	clock := fake.NewClock(time.Date(2026, 11, 30, 9, 0, 0, 0, time.UTC))
	policy := mitid.DefaultPolicy()
	retention := mitid.Retention{Events: policy.MinEventRetention(), Outbox: 24 * time.Hour}
	svc, err := mitid.New(mitid.Config{Store: s, Keys: keys, Clock: clock, Retention: retention,
		Notifier: mitid.NotifierFunc(func(context.Context, mitid.Notification) error { return nil })})
	require.NoError(b, err)
	sim, err := apptest.NewSimulator(rand.Reader, "123456")
	require.NoError(b, err)
	u, _, err := svc.CreateUser(ctx, mitid.UserRequest{UserID: "bench.history", CPR: "010190-1234", Phone: "+4512345678", IAL: mitid.LevelSubstantial})
	require.NoError(b, err)
	_, evs, err := svc.AddApp(ctx, u.ID, "phone", sim.PublicKey())
	require.NoError(b, err)
	scan, _, _, err := svc.IssueCode(ctx, u.ID, mitid.PurposeActivation, mitid.CodeByAppScan)
	require.NoError(b, err)
	pin, _, _, err := svc.IssueCode(ctx, u.ID, mitid.PurposeTemporaryPIN, mitid.CodeBySMS)
	require.NoError(b, err)
	_, _, err = svc.ActivateWithCode(ctx, "bench.history", evs[0].Authenticator, mitid.ActivationCodes{Code: scan, TemporaryPIN: pin})
	require.NoError(b, err)

	d := svc.Dispatcher(mitid.DispatcherConfig{Batch: 1000})
	drain := func() {
		for {
			res, err := d.RunOnce(ctx)
			require.NoError(b, err)
			if res == (mitid.RoundResult{}) {
				return
			}
		}
	}
	login := func() {
		clock.Advance(time.Second)
		l, err := svc.BeginLogin(ctx, mitid.LoginRequest{UserID: "bench.history", Action: mitid.ActionLogOn, Text: "Log på", Level: mitid.LevelSubstantial})
		require.NoError(b, err)
		sig, err := sim.Approve(app.Request{Challenge: l.Challenge, Action: string(l.Action), Text: l.Text}, "123456")
		require.NoError(b, err)
		_, err = svc.SubmitApproval(ctx, l.ID, sig)
		require.NoError(b, err)
		_, err = svc.FinishLogin(ctx, l.ID)
		require.NoError(b, err)
	}
	vacuum := func() {
		for _, t := range historyTables {
			_, err := conn.Exec(ctx, "VACUUM "+pgx.Identifier{schema, t}.Sanitize())
			require.NoError(b, err)
		}
	}
	rows := func(t string) int64 {
		var n int64
		require.NoError(b, conn.QueryRow(ctx, "SELECT count(*) FROM "+pgx.Identifier{schema, t}.Sanitize()).Scan(&n))
		return n
	}
	drain()
	vacuum()

	before := historyBytes(b, conn, schema)
	evBefore, obBefore := rows("events"), rows("outbox")
	n := 0
	for b.Loop() {
		login()
		n++
	}
	b.StopTimer()
	drain()
	kept := historyBytes(b, conn, schema)
	b.ReportMetric(float64(kept-before)/float64(n), "kept-B/login")
	b.ReportMetric(float64(rows("events")-evBefore)/float64(n), "events/login")
	b.ReportMetric(float64(rows("outbox")-obBefore)/float64(n), "messages/login")

	// Two more windows of n logins, each after the clock passed the
	// retention, a purge and a VACUUM. Where a window begins, VACUUM may
	// have handed the emptied end of a table back to the system; the
	// tables' size at the end of one window beside the next says whether
	// they still grow.
	end := kept
	var growth int64
	for range 2 {
		clock.Advance(retention.Events + time.Hour)
		purged, err := svc.Purge(ctx)
		require.NoError(b, err)
		require.GreaterOrEqual(b, purged.Events, n, "every login of the window before")
		vacuum()
		for range n {
			login()
		}
		drain()
		size := historyBytes(b, conn, schema)
		growth, end = size-end, size
	}
	b.ReportMetric(float64(growth)/float64(n), "after-purge-B/login")
	b.ReportMetric(float64(end), "tables-B")
}

// BenchmarkClaimOutboxAfterPurge times one claim of one due message after
// a purge removed 1,000,000 delivered messages: before VACUUM has passed
// (the deleted rows still on disk), and after. The claim reads only the
// waiting messages' partial index, which a purge does not touch: its cost
// is BenchmarkClaimOutboxBehindDelivered's.
//
//	go test -run='^$' -bench='ClaimOutbox(AfterPurge|BehindDelivered)' -benchtime=300x -count=3 ./store/postgres/
func BenchmarkClaimOutboxAfterPurge(b *testing.B) {
	for _, vacuumed := range []bool{false, true} {
		b.Run(fmt.Sprintf("purged=1000000,vacuumed=%t", vacuumed), func(b *testing.B) {
			ctx := context.Background()
			s, conn, schema := rawStore(b)
			outbox := pgx.Identifier{schema, "outbox"}.Sanitize()
			_, err := conn.Exec(ctx, `INSERT INTO `+outbox+`
				(event_id, channel, address, language, available_at, delivered_at, attempts)
				SELECT gen_random_uuid(), 'email', 'x@example.dk', 'da', now() - interval '30 days', now() - interval '30 days', 1
				FROM generate_series(1, 1000000)`)
			require.NoError(b, err)
			_, err = conn.Exec(ctx, `VACUUM ANALYZE `+outbox)
			require.NoError(b, err)
			now := time.Date(2026, 11, 30, 9, 0, 0, 0, time.UTC)
			total := 0
			for {
				n, err := s.PurgeOutbox(ctx, time.Now().Add(-24*time.Hour), 10_000)
				require.NoError(b, err)
				total += n
				if n < 10_000 {
					break
				}
			}
			require.Equal(b, 1_000_000, total)
			if vacuumed {
				_, err = conn.Exec(ctx, `VACUUM ANALYZE `+outbox)
				require.NoError(b, err)
			}
			claimLoop(b, s, now)
		})
	}
}

// claimLoop queues one message, then times its claim, b.N times.
func claimLoop(b *testing.B, s *postgres.Store, now time.Time) {
	ctx := context.Background()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		u := &mitid.User{ID: uuid.New(), UserID: fmt.Sprintf("claim-%d", i),
			Status: mitid.UserActive, CreatedAt: now, Email: "x@example.dk"}
		ev := mitid.Event{ID: uuid.New(), User: u.ID, Type: mitid.EventUserCreated, At: now,
			Notify: []mitid.Delivery{{Channel: mitid.ChannelEmail, Address: u.Email}}}
		require.NoError(b, s.CreateUser(ctx, u, []mitid.Event{ev}))
		b.StartTimer()
		msgs, err := s.ClaimOutbox(ctx, now, time.Minute, 1)
		b.StopTimer()
		require.NoError(b, err)
		require.Len(b, msgs, 1)
		require.NoError(b, s.CompleteOutbox(ctx, msgs[0].ID, msgs[0].Lease, now))
		b.StartTimer()
	}
}
