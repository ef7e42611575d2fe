package main

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/jackc/pgx/v5"
)

// On a server that runs without autovacuum (test servers often do, this
// project's CI among them), nothing refreshes the planner's statistics of
// a table while a run changes it, and nothing removes its dead rows. The
// program starts each run with the sessions table rewritten empty
// (compactSessions), so its statistics say "empty" while every login adds
// a row: a connection that plans a session statement then may choose a
// sequential scan and keep it, and a 20-second run at 16 clients measured
// code display logins at 15 bare commits (9 with this stand-in), a
// statement of each login reading thousands of session rows. A server with autovacuum
// would have analyzed the table within its first few hundred rows.
//
// standInForAutovacuum does autovacuum's work on the schema's tables
// while the program measures, with autovacuum's default thresholds
// (analyze after 50 rows + 10% of the table changed, vacuum after 50 +
// 20% dead), checking every second rather than every minute: the program's
// runs last seconds, and start from a table a real server never sees
// emptied at once. Its VACUUM and ANALYZE cost the run what autovacuum's
// would, in every figure's turn alike.

// avThreshold and avScale are autovacuum's defaults
// (autovacuum_analyze_threshold, _scale_factor; autovacuum_vacuum_*).
const (
	avThreshold    = 50
	avAnalyzeScale = 0.1
	avVacuumScale  = 0.2
	avNap          = time.Second
)

// server describes the PostgreSQL server in the settings that bear most
// on the figures: its version, how much of the database it caches itself
// (the rest comes from the kernel's page cache, a system call a page), and
// whether a commit waits for the disk.
func (p *pgBackend) server(ctx context.Context) (string, error) {
	var version, buffers, sync string
	err := p.pool.QueryRow(ctx, `SELECT current_setting('server_version'), current_setting('shared_buffers'),
		current_setting('synchronous_commit')`).Scan(&version, &buffers, &sync)
	if err != nil {
		return "", err
	}
	return fmt.Sprintf("PostgreSQL %s, shared_buffers %s, synchronous_commit %s", version, buffers, sync), nil
}

// autovacuumOn reports whether the server runs autovacuum.
func (p *pgBackend) autovacuumOn(ctx context.Context) (bool, error) {
	var on string
	if err := p.pool.QueryRow(ctx, "SHOW autovacuum").Scan(&on); err != nil {
		return false, err
	}
	return on == "on", nil
}

// tableWork is what autovacuum would do to one table now.
type tableWork struct {
	table           string
	analyze, vacuum bool
}

// due lists the tables of the schema that autovacuum's thresholds say
// need an ANALYZE or a VACUUM.
func (p *pgBackend) due(ctx context.Context) ([]tableWork, error) {
	rows, err := p.pool.Query(ctx, `SELECT s.relname, s.n_mod_since_analyze > $1 + $2 * greatest(c.reltuples, 0),
			s.n_dead_tup > $1 + $3 * greatest(c.reltuples, 0)
		FROM pg_stat_user_tables s JOIN pg_class c ON c.oid = s.relid
		WHERE s.schemaname = current_schema()`, avThreshold, avAnalyzeScale, avVacuumScale)
	if err != nil {
		return nil, err
	}
	all, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (tableWork, error) {
		var w tableWork
		err := r.Scan(&w.table, &w.analyze, &w.vacuum)
		return w, err
	})
	if err != nil {
		return nil, err
	}
	var due []tableWork
	for _, w := range all {
		if w.analyze || w.vacuum {
			due = append(due, w)
		}
	}
	return due, nil
}

// tend does what due lists: VACUUM (ANALYZE) where rows died, ANALYZE
// where they only changed. It returns how many tables it tended.
func (p *pgBackend) tend(ctx context.Context) (int, error) {
	due, err := p.due(ctx)
	if err != nil {
		return 0, err
	}
	for _, w := range due {
		sql := "ANALYZE "
		if w.vacuum {
			sql = "VACUUM (ANALYZE) "
		}
		if _, err := p.pool.Exec(ctx, sql+pgx.Identifier{w.table}.Sanitize()); err != nil {
			return 0, fmt.Errorf("%s%s: %w", sql, w.table, err)
		}
	}
	return len(due), nil
}

// standInForAutovacuum tends the schema's tables every avNap until the
// returned stop is called, if the server runs without autovacuum; what it
// did is told to progress when it stops. It returns a description of the
// server's autovacuum for the report's header.
func (p *pgBackend) standInForAutovacuum(ctx context.Context, progress io.Writer) (note string, stop func(), err error) {
	on, err := p.autovacuumOn(ctx)
	if err != nil {
		return "", nil, err
	}
	if on {
		return "on", func() {}, nil
	}
	ctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		tended := 0
		t := time.NewTicker(avNap)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				fmt.Fprintf(progress, "standing in for autovacuum: tended %d tables\n", tended)
				return
			case <-t.C:
			}
			n, err := p.tend(ctx)
			if err != nil && ctx.Err() == nil {
				fmt.Fprintln(progress, "standing in for autovacuum:", err)
			}
			tended += n
		}
	}()
	return "off on the server; the program stands in for it (its default thresholds, checked every second)", func() { cancel(); <-done }, nil
}
