package main

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestStandInForAutovacuum_TendsWhatAutovacuumWould: a table with more
// than 50 + 10% of its rows changed since its last ANALYZE is analyzed,
// one with more than 50 + 20% dead rows or more than 1000 + 20% inserted
// since its last vacuum is vacuumed, and neither is due again once tended.
func TestStandInForAutovacuum_TendsWhatAutovacuumWould(t *testing.T) {
	dsn, schema := testSchema(t, "loadtest_av_")
	ctx := t.Context()
	p, err := openPG(ctx, dsn, schema, 2, false)
	require.NoError(t, err)
	t.Cleanup(p.close) // before testSchema's drop: cleanups run last first
	a, err := p.newStandIn(ctx)
	require.NoError(t, err)
	t.Cleanup(a.close)
	require.NoError(t, a.tend(ctx)) // the store's own tables, as the schema was made

	// change runs sql on one connection of the pool and has its table
	// statistics reach the shared statistics at once, where PostgreSQL
	// would otherwise hold them up to ten seconds: the flush that
	// pg_stat_force_next_flush asks for is the one at the end of the next
	// transaction, its own.
	change := func(sql string) {
		c, err := p.pool.Acquire(ctx)
		require.NoError(t, err)
		defer c.Release()
		_, err = c.Exec(ctx, sql)
		require.NoError(t, err)
		_, err = c.Exec(ctx, "SELECT pg_stat_force_next_flush()")
		require.NoError(t, err)
	}
	work := func() map[string]tableWork {
		due, err := a.due(ctx)
		require.NoError(t, err)
		m := map[string]tableWork{}
		for _, w := range due {
			m[w.table] = w
		}
		return m
	}
	// counted waits until the table's statistics show col at n.
	counted := func(table, col string, n int64) {
		t.Helper()
		assert.EventuallyWithT(t, func(c *assert.CollectT) {
			var got int64
			assert.NoError(c, p.pool.QueryRow(ctx, "SELECT "+col+" FROM pg_stat_user_tables WHERE relname = $1 AND schemaname = current_schema()", table).Scan(&got))
			assert.Equal(c, n, got)
		}, 5*time.Second, 20*time.Millisecond, "%s.%s", table, col)
	}
	tended := func(table string) {
		t.Helper()
		runs := a.runs
		require.NoError(t, a.tend(ctx))
		assert.Greater(t, a.runs, runs, "the statements run are counted")
		assert.NotContains(t, work(), table, "tended: not due again")
	}

	change("CREATE TABLE probe_av (id integer PRIMARY KEY)")
	change("INSERT INTO probe_av SELECT generate_series(1, 40)")
	counted("probe_av", "n_mod_since_analyze", 40)
	assert.NotContains(t, work(), "probe_av", "40 rows changed: below autovacuum's 50")
	change("INSERT INTO probe_av SELECT generate_series(41, 200)")
	counted("probe_av", "n_mod_since_analyze", 200)
	assert.Equal(t, tableWork{table: "probe_av", analyze: true}, work()["probe_av"])
	tended("probe_av")

	change("DELETE FROM probe_av WHERE id <= 100") // 100 dead of 200: past 50 + 20%
	counted("probe_av", "n_dead_tup", 100)
	assert.Equal(t, tableWork{table: "probe_av", analyze: true, vacuum: true}, work()["probe_av"])
	tended("probe_av")
	counted("probe_av", "n_dead_tup", 0)

	change("INSERT INTO probe_av SELECT generate_series(1001, 2100)") // 1,100 inserted since the vacuum: past 1000 + 20% of 100
	counted("probe_av", "n_ins_since_vacuum", 1100)
	assert.True(t, work()["probe_av"].vacuum, "inserts alone make a vacuum due")
	tended("probe_av")
	counted("probe_av", "n_ins_since_vacuum", 0)
}
