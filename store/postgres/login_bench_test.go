package postgres_test

import (
	"context"
	"strings"
	"testing"
	"time"
)

// BenchmarkLogin times complete logins through the public Service API on
// PostgreSQL, BeginLogin to FinishLogin, each beside a bare one-row INSERT
// in autocommit on the same server (one round trip and one durable
// commit), alternately in the same loop so that both meet the same load:
//
//	go test -run='^$' -bench=BenchmarkLogin -benchtime=200x -count=3 ./store/postgres/
//
// It reports the login's time (login-ns), the bare commit's (commit-ns)
// and their ratio: how many bare commits of throughput a login costs. The
// argon2id parameters are cheap (1 pass, 64 KiB) so that the figure is the
// store's work and the Service's, not the password hash's (which
// BenchmarkRawArgon2idDefaultPolicy, in the root package, prices on its
// own).
//
// Two kinds of person: one who logs in every 30 s, whose record holds the
// most finished logins it keeps within Policy.LoginSessionTTL (16), and
// one who logs in once a session lifetime or less often, as nearly
// everyone does, whose record holds one: gap=30s and gap=10m0s.
func BenchmarkLogin(b *testing.B) {
	for _, kind := range []string{"code display", "app", "chip"} {
		for _, gap := range []time.Duration{30 * time.Second, 10 * time.Minute} {
			b.Run("kind="+strings.ReplaceAll(kind, " ", "_")+"/gap="+gap.String(), func(b *testing.B) {
				benchmarkLogin(b, kind, gap)
			})
		}
	}
}

func benchmarkLogin(b *testing.B, kind string, gap time.Duration) {
	ctx := context.Background()
	k := newLoginKit(b, newStore(b))
	pool, schema := barePool(b, "CREATE TABLE %s.probe (id bigserial PRIMARY KEY, v integer)")
	insert := "INSERT INTO " + schema + ".probe (v) VALUES (1)"
	k.login(b, kind) // warm the pools and pgx's statement caches
	if _, err := pool.Exec(ctx, insert); err != nil {
		b.Fatal(err)
	}
	var login, commit time.Duration
	n := 0
	b.ResetTimer()
	for b.Loop() {
		k.clock.Advance(gap - 30*time.Second) // login moves it 30 s on
		t0 := time.Now()
		k.login(b, kind)
		t1 := time.Now()
		if _, err := pool.Exec(ctx, insert); err != nil {
			b.Fatal(err)
		}
		login, commit = login+t1.Sub(t0), commit+time.Since(t1)
		n++
	}
	b.ReportMetric(float64(login.Nanoseconds())/float64(n), "login-ns")
	b.ReportMetric(float64(commit.Nanoseconds())/float64(n), "commit-ns")
	b.ReportMetric(float64(login)/float64(commit), "ratio")
}
