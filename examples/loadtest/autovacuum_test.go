package main

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestStandInForAutovacuum_TendsWhatAutovacuumWould: a table with more
// than 50 + 10% of its rows changed since its last ANALYZE is analyzed,
// one with more than 50 + 20% dead rows vacuumed, and neither is due again
// once tended.
func TestStandInForAutovacuum_TendsWhatAutovacuumWould(t *testing.T) {
	dsn, schema := testSchema(t, "loadtest_av_")
	ctx := t.Context()
	p, err := openPG(ctx, dsn, schema, 2, false)
	require.NoError(t, err)
	t.Cleanup(p.close)   // before testSchema's drop: cleanups run last first
	_, err = p.tend(ctx) // the store's own tables, as the schema was made
	require.NoError(t, err)

	// change runs sql on one connection and has its table statistics
	// reach the shared statistics at once (PostgreSQL sends them at most
	// once a second otherwise).
	change := func(sql string) {
		c, err := p.pool.Acquire(ctx)
		require.NoError(t, err)
		defer c.Release()
		_, err = c.Exec(ctx, "SELECT pg_stat_force_next_flush()")
		require.NoError(t, err)
		_, err = c.Exec(ctx, sql)
		require.NoError(t, err)
		_, err = c.Exec(ctx, "SELECT 1") // a transaction's end, idle: the statistics flush
		require.NoError(t, err)
	}
	work := func() map[string]tableWork {
		due, err := p.due(ctx)
		require.NoError(t, err)
		m := map[string]tableWork{}
		for _, w := range due {
			m[w.table] = w
		}
		return m
	}
	eventually := func(want tableWork) {
		t.Helper()
		assert.EventuallyWithT(t, func(c *assert.CollectT) {
			assert.Equal(c, want, work()[want.table])
		}, 5*time.Second, 50*time.Millisecond)
	}

	change("CREATE TABLE probe_av (id integer PRIMARY KEY)")
	change("INSERT INTO probe_av SELECT generate_series(1, 40)")
	assert.EventuallyWithT(t, func(c *assert.CollectT) {
		var mods int64
		assert.NoError(c, p.pool.QueryRow(ctx, "SELECT n_mod_since_analyze FROM pg_stat_user_tables WHERE relname = 'probe_av' AND schemaname = current_schema()").Scan(&mods))
		assert.Equal(c, int64(40), mods)
	}, 5*time.Second, 50*time.Millisecond, "the statistics of the insert")
	assert.NotContains(t, work(), "probe_av", "40 rows changed: below autovacuum's 50")
	change("INSERT INTO probe_av SELECT generate_series(41, 200)")
	eventually(tableWork{table: "probe_av", analyze: true})

	n, err := p.tend(ctx)
	require.NoError(t, err)
	assert.Positive(t, n)
	eventually(tableWork{})

	change("DELETE FROM probe_av WHERE id <= 150") // 150 dead of 200: past 50 + 20%
	eventually(tableWork{table: "probe_av", analyze: true, vacuum: true})
	_, err = p.tend(ctx)
	require.NoError(t, err)
	eventually(tableWork{})
	var dead int64
	require.NoError(t, p.pool.QueryRow(ctx, "SELECT n_dead_tup FROM pg_stat_user_tables WHERE relname = 'probe_av' AND schemaname = current_schema()").Scan(&dead))
	assert.Zero(t, dead, "vacuumed")
}
