package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"sync"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/go-mitid/mitid"
	"github.com/go-mitid/mitid/store/memory"
	"github.com/go-mitid/mitid/store/postgres"
)

// backend is a store together with the bare primitives its figures are
// measured beside, and the program's own bookkeeping (what it filled).
type backend interface {
	store() mitid.Store
	// Names of the bare primitives, for the table.
	readName() string
	commitName() string
	queueName() string
	// bareRead is one bare read of the population's size (SELECT 1 on a
	// pool of the store's size; a map read under a read lock).
	bareRead(ctx context.Context, n int) error
	// bareCommit is one bare durable write (a one-row INSERT in autocommit;
	// a map write under a lock).
	bareCommit(ctx context.Context) error
	// bareQueue puts n items in the bare queue, and bareClaim claims up to
	// 64 of them and completes each, as a dispatcher does, returning how
	// many it completed.
	bareQueue(ctx context.Context, n int) error
	bareClaim(ctx context.Context) (int, error)
	// population returns the IDs of the users filled so far, by number
	// (uuid.Nil where none), and record adds some.
	population(ctx context.Context, n int) ([]uuid.UUID, error)
	record(ctx context.Context, from int, ids []uuid.UUID) error
	// get and set keep small values across runs (the key ring, the clock,
	// the subjects' numbers); a memory backend forgets them.
	get(ctx context.Context, key string) (string, error)
	set(ctx context.Context, key, value string) error
	close()
}

// memBackend is the memory store, with bare primitives in plain Go maps.
type memBackend struct {
	st *memory.Store

	rmu   sync.RWMutex
	reads map[uuid.UUID]*uuid.UUID // the population's size, for the bare read
	keys  []uuid.UUID

	wmu    sync.Mutex
	writes map[int]int
	nwrite int

	q queue

	vals map[string]string
}

func newMemBackend() *memBackend {
	return &memBackend{st: memory.New(), writes: map[int]int{}, vals: map[string]string{}}
}

func (m *memBackend) store() mitid.Store { return m.st }
func (m *memBackend) readName() string   { return "bare map read" }
func (m *memBackend) commitName() string { return "bare map write" }
func (m *memBackend) queueName() string  { return "bare queue claim+complete" }
func (m *memBackend) close()             {}

func (m *memBackend) bareRead(_ context.Context, i int) error {
	m.rmu.RLock()
	v := m.reads[m.keys[i%len(m.keys)]]
	m.rmu.RUnlock()
	if v == nil {
		return errors.New("bare map read: missing key")
	}
	return nil
}

func (m *memBackend) bareCommit(context.Context) error {
	m.wmu.Lock()
	m.nwrite++
	m.writes[m.nwrite&0xffff] = m.nwrite
	m.wmu.Unlock()
	return nil
}

func (m *memBackend) bareQueue(_ context.Context, n int) error { m.q.fill(n); return nil }

// bareClaim fills the queue again when it has run dry: the bare queue
// drains in a fraction of a measurement.
func (m *memBackend) bareClaim(context.Context) (int, error) {
	n := m.q.claimComplete()
	if n == 0 {
		m.q.refill()
		n = m.q.claimComplete()
	}
	return n, nil
}

func (m *memBackend) population(_ context.Context, n int) ([]uuid.UUID, error) {
	return make([]uuid.UUID, n), nil
}

// record keeps the IDs in the bare read's map too, so the bare read meets
// a map of the population's size.
func (m *memBackend) record(_ context.Context, _ int, ids []uuid.UUID) error {
	m.rmu.Lock()
	defer m.rmu.Unlock()
	if m.reads == nil {
		m.reads = map[uuid.UUID]*uuid.UUID{}
	}
	for i := range ids {
		m.reads[ids[i]] = &ids[i]
	}
	m.keys = append(m.keys, ids...)
	return nil
}

func (m *memBackend) get(_ context.Context, key string) (string, error) { return m.vals[key], nil }
func (m *memBackend) set(_ context.Context, key, value string) error {
	m.vals[key] = value
	return nil
}

// queue is a bare in-memory work queue: a slice of items under a lock,
// claimed in batches of 64 with a lease and completed one by one.
type queue struct {
	mu    sync.Mutex
	items []qitem
	head  int
	lease uint64
}

type qitem struct {
	lease uint64
	done  bool
}

func (q *queue) fill(n int) {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.items, q.head = make([]qitem, n), 0
}

// refill starts over with as many items, when all are done.
func (q *queue) refill() {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.head == len(q.items) {
		clear(q.items)
		q.head = 0
	}
}

func (q *queue) claimComplete() int {
	q.mu.Lock()
	q.lease++
	lease := q.lease
	var got []int
	for i := q.head; i < len(q.items) && len(got) < 64; i++ {
		if !q.items[i].done && q.items[i].lease == 0 {
			q.items[i].lease = lease
			got = append(got, i)
		}
	}
	q.mu.Unlock()
	for _, i := range got {
		q.mu.Lock()
		if q.items[i].lease == lease {
			q.items[i].done, q.items[i].lease = true, 0
		}
		for q.head < len(q.items) && q.items[q.head].done {
			q.head++
		}
		q.mu.Unlock()
	}
	return len(got)
}

// pgBackend is the PostgreSQL store in its own schema, with a second pool
// of the same size on the same server for the bare primitives and the
// program's own tables (in the same schema).
type pgBackend struct {
	st   *postgres.Store
	pool *pgxpool.Pool
}

// pgTables are the program's own tables, beside the store's.
const pgTables = `
CREATE TABLE IF NOT EXISTS loadtest_state (key text PRIMARY KEY, value text NOT NULL);
CREATE TABLE IF NOT EXISTS loadtest_population (n integer PRIMARY KEY, id uuid NOT NULL);
CREATE TABLE IF NOT EXISTS loadtest_probe (id bigserial PRIMARY KEY, v integer);
CREATE TABLE IF NOT EXISTS loadtest_queue (id bigserial PRIMARY KEY, address text NOT NULL, lease text, done timestamptz);
CREATE INDEX IF NOT EXISTS loadtest_queue_waiting ON loadtest_queue (id) WHERE done IS NULL`

func openPG(ctx context.Context, dsn, schema string, conns int32, refill bool) (*pgBackend, error) {
	cfg, err := pgxpool.ParseConfig(dsn)
	if err != nil {
		return nil, err
	}
	cfg.MaxConns = conns
	cfg.ConnConfig.RuntimeParams["search_path"] = schema
	cfg.ConnConfig.RuntimeParams["application_name"] = "go-mitid loadtest"
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, err
	}
	if refill {
		if _, err := pool.Exec(ctx, "DROP SCHEMA IF EXISTS "+pgx.Identifier{schema}.Sanitize()+" CASCADE"); err != nil {
			pool.Close()
			return nil, err
		}
	}
	st, err := postgres.Open(ctx, dsn, postgres.Options{Schema: schema, MaxConns: conns})
	if err != nil {
		pool.Close()
		return nil, err
	}
	if _, err := pool.Exec(ctx, pgTables); err != nil {
		st.Close()
		pool.Close()
		return nil, err
	}
	return &pgBackend{st: st, pool: pool}, nil
}

// analyze refreshes the planner's statistics of the schema's tables, as
// autovacuum does on a server that runs it: after a fill of a million rows,
// stale statistics can make the planner choose a plan for an empty table
// (the outbox claim sorted every waiting message instead of reading the
// first few in index order). Servers that turn autovacuum off (test
// servers do) would otherwise measure that.
func (p *pgBackend) analyze(ctx context.Context) error {
	rows, err := p.pool.Query(ctx, "SELECT tablename FROM pg_tables WHERE schemaname = current_schema()")
	if err != nil {
		return err
	}
	tables, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return err
	}
	for _, t := range tables {
		if _, err := p.pool.Exec(ctx, "ANALYZE "+pgx.Identifier{t}.Sanitize()); err != nil {
			return err
		}
	}
	return nil
}

// compactSessions rewrites the sessions table, which the purges of
// earlier runs left full of dead rows: test servers often run without
// autovacuum, and there runs slowed by half after a day's runs (1.2
// million dead rows, 583 MB), every login's session read and written
// through them. A fresh table makes runs comparable, as a vacuumed server
// would keep it; what a plain VACUUM would leave instead (new sessions
// scattered over reused pages, each page's first change after a checkpoint
// written whole to the WAL) is no steadier.
func (p *pgBackend) compactSessions(ctx context.Context) error {
	_, err := p.pool.Exec(ctx, "VACUUM (FULL, ANALYZE) sessions")
	return err
}

func (p *pgBackend) store() mitid.Store { return p.st }
func (p *pgBackend) readName() string   { return "SELECT 1" }
func (p *pgBackend) commitName() string { return "bare INSERT commit" }
func (p *pgBackend) queueName() string  { return "bare SQL claim+complete" }
func (p *pgBackend) close()             { p.st.Close(); p.pool.Close() }

func (p *pgBackend) bareRead(ctx context.Context, _ int) error {
	var one int
	return p.pool.QueryRow(ctx, "SELECT 1").Scan(&one)
}

func (p *pgBackend) bareCommit(ctx context.Context) error {
	_, err := p.pool.Exec(ctx, "INSERT INTO loadtest_probe (v) VALUES (1)")
	return err
}

func (p *pgBackend) bareQueue(ctx context.Context, n int) error {
	_, err := p.pool.Exec(ctx, "TRUNCATE loadtest_queue")
	if err == nil {
		_, err = p.pool.Exec(ctx, "INSERT INTO loadtest_queue (address) SELECT '+4512345678' FROM generate_series(1, $1)", n)
	}
	return err
}

// bareClaim is the dispatcher's SQL by hand: claim up to 64 waiting rows
// with SKIP LOCKED, then complete each in autocommit (a durable commit
// each), as the store's benchmarks do.
func (p *pgBackend) bareClaim(ctx context.Context) (int, error) {
	rows, err := p.pool.Query(ctx, `UPDATE loadtest_queue SET lease = gen_random_uuid()::text WHERE id IN (
		SELECT id FROM loadtest_queue WHERE done IS NULL AND lease IS NULL ORDER BY id LIMIT 64 FOR UPDATE SKIP LOCKED) RETURNING id, lease`)
	if err != nil {
		return 0, err
	}
	type claim struct {
		id    int64
		lease string
	}
	var claims []claim
	for rows.Next() {
		var c claim
		if err := rows.Scan(&c.id, &c.lease); err != nil {
			return 0, err
		}
		claims = append(claims, c)
	}
	if err := rows.Err(); err != nil {
		return 0, err
	}
	for _, c := range claims {
		if _, err := p.pool.Exec(ctx, "UPDATE loadtest_queue SET done = now(), lease = NULL WHERE id = $1 AND lease = $2", c.id, c.lease); err != nil {
			return 0, err
		}
	}
	return len(claims), nil
}

func (p *pgBackend) population(ctx context.Context, n int) ([]uuid.UUID, error) {
	ids := make([]uuid.UUID, n)
	rows, err := p.pool.Query(ctx, "SELECT n, id FROM loadtest_population WHERE n < $1", n)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var i int
		var id uuid.UUID
		if err := rows.Scan(&i, &id); err != nil {
			return nil, err
		}
		ids[i] = id
	}
	return ids, rows.Err()
}

func (p *pgBackend) record(ctx context.Context, from int, ids []uuid.UUID) error {
	_, err := p.pool.CopyFrom(ctx, pgx.Identifier{"loadtest_population"}, []string{"n", "id"},
		pgx.CopyFromSlice(len(ids), func(i int) ([]any, error) { return []any{from + i, ids[i]}, nil }))
	return err
}

func (p *pgBackend) get(ctx context.Context, key string) (string, error) {
	var v string
	err := p.pool.QueryRow(ctx, "SELECT value FROM loadtest_state WHERE key = $1", key).Scan(&v)
	if errors.Is(err, pgx.ErrNoRows) {
		return "", nil
	}
	return v, err
}

func (p *pgBackend) set(ctx context.Context, key, value string) error {
	_, err := p.pool.Exec(ctx, `INSERT INTO loadtest_state (key, value) VALUES ($1, $2)
		ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value`, key, value)
	return err
}

// keyRing returns the key ring the filled users' secrets and keyed CPR
// hashes were made with, making and keeping one on the first run: the
// population is reused across runs, so its key must be too. It is a load
// test's key for synthetic people, kept beside them; a deployment loads
// its keys from where it keeps secrets.
func keyRing(ctx context.Context, b backend) (*mitid.KeyRing, error) {
	v, err := b.get(ctx, "key")
	if err != nil {
		return nil, err
	}
	key, err := hex.DecodeString(v)
	if err != nil || len(key) != 32 {
		key = make([]byte, 32)
		if _, err := rand.Read(key); err != nil {
			return nil, err
		}
		if err := b.set(ctx, "key", hex.EncodeToString(key)); err != nil {
			return nil, err
		}
	}
	return mitid.NewKeyRing("loadtest", map[string][]byte{"loadtest": key})
}

// getInt reads a kept number (0 when none).
func getInt(ctx context.Context, b backend, key string) (int64, error) {
	v, err := b.get(ctx, key)
	if err != nil || v == "" {
		return 0, err
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("loadtest_state %s: %w", key, err)
	}
	return n, nil
}
