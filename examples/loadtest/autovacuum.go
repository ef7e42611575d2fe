package main

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/jackc/pgx/v5"
)

// Autovacuum's defaults: autovacuum_analyze_threshold and _scale_factor,
// autovacuum_vacuum_threshold and _scale_factor (dead rows), and
// autovacuum_vacuum_insert_threshold and _scale_factor (rows inserted
// since the last vacuum, PostgreSQL 13 on); avNap is how often the stand-in
// looks (autovacuum_naptime is a minute: see standInForAutovacuum).
const (
	avThreshold       = 50
	avAnalyzeScale    = 0.1
	avVacuumScale     = 0.2
	avInsertThreshold = 1000
	avInsertScale     = 0.2
	avNap             = time.Second
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

// standIn does autovacuum's work on the schema's tables, on a connection
// of its own, as autovacuum's workers are processes of their own: on the
// baselines' pool it would take a connection from the bare primitives
// while the store's pool went untouched.
type standIn struct {
	conn *pgx.Conn
	runs int   // ANALYZE and VACUUM statements run
	err  error // the first failure, reported when it stops
}

// newStandIn connects as the program's pool does (same server, same
// schema).
func (p *pgBackend) newStandIn(ctx context.Context) (*standIn, error) {
	conn, err := pgx.ConnectConfig(ctx, p.pool.Config().ConnConfig.Copy())
	if err != nil {
		return nil, err
	}
	return &standIn{conn: conn}, nil
}

// close ends the stand-in's connection.
func (a *standIn) close() { _ = a.conn.Close(context.Background()) }

// tableWork is what autovacuum would do to one table now.
type tableWork struct {
	table           string
	analyze, vacuum bool
}

// due lists the tables of the schema that autovacuum's thresholds say
// need an ANALYZE or a VACUUM. A table never analyzed has reltuples -1,
// which autovacuum counts as 0.
func (a *standIn) due(ctx context.Context) ([]tableWork, error) {
	rows, err := a.conn.Query(ctx, `SELECT s.relname,
			s.n_mod_since_analyze > $1 + $2 * greatest(c.reltuples, 0),
			s.n_dead_tup > $1 + $3 * greatest(c.reltuples, 0)
				OR s.n_ins_since_vacuum > $4 + $5 * greatest(c.reltuples, 0)
		FROM pg_stat_user_tables s JOIN pg_class c ON c.oid = s.relid
		WHERE s.schemaname = current_schema()`, avThreshold, avAnalyzeScale, avVacuumScale, avInsertThreshold, avInsertScale)
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

// tend does what due lists: VACUUM (ANALYZE) where rows died or were
// inserted past the thresholds, ANALYZE where they only changed.
func (a *standIn) tend(ctx context.Context) error {
	due, err := a.due(ctx)
	if err != nil {
		return err
	}
	for _, w := range due {
		sql := "ANALYZE "
		if w.vacuum {
			sql = "VACUUM (ANALYZE) "
		}
		if _, err := a.conn.Exec(ctx, sql+pgx.Identifier{w.table}.Sanitize()); err != nil {
			return fmt.Errorf("%s%s: %w", sql, w.table, err)
		}
		a.runs++
	}
	return nil
}

// standInForAutovacuum does autovacuum's work on the schema's tables while
// the program measures, if the server runs without autovacuum (test
// servers often do, this project's CI among them), until the returned stop
// is called; stop then tells progress what it did (nothing else writes to
// progress meanwhile). It returns a description of the server's
// autovacuum for the report's header.
//
// Without it nothing refreshes the planner's statistics of a table while
// a run changes it, and nothing removes its dead rows. The program starts
// each run with the sessions table rewritten empty (compactSessions), so
// its statistics said "empty" while every login added a row; a connection
// that planned a session statement then could choose a sequential scan and
// keep it, and in one 20-second run at 16 clients code display logins
// cost 15 bare commits of throughput (9 when the same command ran again,
// later, with this stand-in). A server with autovacuum would have analyzed the table within
// its first few hundred rows.
//
// It looks every second rather than every minute, as autovacuum does: the
// program's runs last seconds, and start from a table a real server never
// sees emptied at once. It tends once before it returns, so that what the
// fill and the enrolment left is not charged to the first measurement;
// after that its work falls in whichever turn is running, as autovacuum's
// would, most often the turn after the one that made it due.
func (p *pgBackend) standInForAutovacuum(ctx context.Context, progress io.Writer) (note string, stop func(), err error) {
	on, err := p.autovacuumOn(ctx)
	if err != nil {
		return "", nil, err
	}
	if on {
		return "on", func() {}, nil
	}
	a, err := p.newStandIn(ctx)
	if err != nil {
		return "", nil, err
	}
	if err := a.tend(ctx); err != nil {
		a.close()
		return "", nil, err
	}
	ctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		t := time.NewTicker(avNap)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			}
			if err := a.tend(ctx); err != nil && a.err == nil && ctx.Err() == nil {
				a.err = err
			}
		}
	}()
	stop = func() {
		cancel()
		<-done
		a.close()
		fmt.Fprintf(progress, "standing in for autovacuum: %d ANALYZE or VACUUM statements\n", a.runs)
		if a.err != nil {
			fmt.Fprintln(progress, "standing in for autovacuum: first failure:", a.err)
		}
	}
	return "off on the server; the program stands in for it (its default thresholds, checked every second)", stop, nil
}
