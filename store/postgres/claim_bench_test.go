package postgres_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"
)

// BenchmarkClaimOutboxBehindDelivered times one claim of one due message
// with 0, 100,000 and 1,000,000 delivered messages behind it: the claim
// reads the waiting messages through a partial index, so the delivered
// history does not slow it.
//
//	go test -run='^$' -bench=ClaimOutboxBehindDelivered -benchtime=300x -count=3 ./store/postgres/
func BenchmarkClaimOutboxBehindDelivered(b *testing.B) {
	for _, delivered := range []int{0, 100_000, 1_000_000} {
		b.Run(fmt.Sprintf("delivered=%d", delivered), func(b *testing.B) {
			ctx := context.Background()
			s, conn, schema := rawStore(b)
			_, err := conn.Exec(ctx, `INSERT INTO `+pgx.Identifier{schema, "outbox"}.Sanitize()+`
				(event_id, channel, address, language, available_at, delivered_at, attempts)
				SELECT gen_random_uuid(), 'email', 'x@example.dk', 'da', now(), now(), 1 FROM generate_series(1, $1)`, delivered)
			require.NoError(b, err)
			// A table in steady state: vacuumed, its statistics current (a fresh
			// million rows would otherwise be vacuumed during the timing).
			_, err = conn.Exec(ctx, `VACUUM ANALYZE `+pgx.Identifier{schema, "outbox"}.Sanitize())
			require.NoError(b, err)

			claimLoop(b, s, time.Date(2026, 11, 30, 9, 0, 0, 0, time.UTC))
		})
	}
}
