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
func BenchmarkLogin(b *testing.B) {
	for _, kind := range []string{"code display", "app", "chip"} {
		b.Run("kind="+strings.ReplaceAll(kind, " ", "_"), func(b *testing.B) {
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
		})
	}
}
