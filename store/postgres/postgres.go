// Package postgres is a mitid.Store on PostgreSQL, through jackc/pgx/v5.
//
// Each user is one document with a version number, stored in a binary form
// (a format byte, then Protocol Buffers' wire format, which `protoc
// --decode_raw` shows; userdoc.go states its rules, and a document written
// as JSON before it is still read). UpdateUser reads it, lets the domain
// decide, and writes the new document, the unique keys that changed, the
// events and their outbox messages in one SQL statement, so the commit is
// atomic and costs two round trips. If another update won in
// between, the store retries once more under a row lock, which cannot lose.
//
// Open applies the embedded, versioned migrations; applying them again is a
// no-op, and concurrent Opens serialise on an advisory lock. NewFromPool
// builds the store on a pool of the caller's, and Migrations hands the
// migrations to a tool of the caller's (Options.SkipMigrations).
//
// The store counts on autovacuum, PostgreSQL's default, for the sessions
// table above all: every login inserts a row and changes it once or twice,
// and PurgeSessions deletes them in bulk. A server that runs without it
// must analyze and vacuum that table itself: with statistics that say the
// table is empty while it holds thousands of rows, PostgreSQL may plan a
// session statement as a sequential scan and keep that plan, which then
// reads every session row at every login (BENCHMARKS.md, "autovacuum's
// work done where the server does not").
package postgres

import (
	"context"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgtype"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/go-mitid/mitid"
)

//go:embed migrations/*.sql
var migrationFiles embed.FS

// Options tune Open.
type Options struct {
	// Schema holds the store's tables; it is created if missing. Empty means
	// the connection's default (usually "public"). Separate schemas let
	// several stores share one database (tests do that).
	Schema string
	// MaxConns caps the connection pool (pgxpool's default when zero).
	// NewFromPool ignores it: the pool is the caller's.
	MaxConns int32
	// SkipMigrations leaves the schema alone: the caller applies
	// Migrations with a tool of its own, before the store is used.
	SkipMigrations bool
	// DurableSessions makes CreateSession wait until a Disposable session
	// (a login's) is on disk, and UpdateLogin until a Disposable step that
	// changes nothing of its user (a right password after the code, an
	// app's approval, a chip login's password held until the chip answers)
	// is, as every other commit of the store does. By
	// default they do not (synchronous_commit off, for that transaction
	// only): one lost in a crash only sends the login back a step (the
	// person starts again, or gives the password again), and any later
	// durable commit of the server writes it to disk first, so no step that
	// follows it survives a crash without it. Set it when a login must
	// outlive a failover to a standby wherever it stands.
	DurableSessions bool
}

// Store is the PostgreSQL store. It is safe for concurrent use.
type Store struct {
	pool *pgxpool.Pool
	// owned is set when the store opened pool itself, and so closes it.
	owned bool
	// purgeBatch overrides sessionPurgeBatch (a test's small batches).
	purgeBatch int
	// durableSessions is Options.DurableSessions.
	durableSessions bool
}

var _ mitid.Store = (*Store)(nil)

// Open connects to the database at dsn (a URL or key=value string as libpq
// takes it), applies the migrations and returns the store. A database that
// cannot be reached fails with an error matching mitid.ErrUnavailable.
func Open(ctx context.Context, dsn string, opt Options) (*Store, error) {
	cfg, err := pgxpool.ParseConfig(dsn)
	if err != nil {
		// pgx's error shows the address with its password masked; ours
		// does not repeat it.
		return nil, mitid.NewError(mitid.CodeConfigInvalid, err, "the PostgreSQL address cannot be parsed")
	}
	if opt.Schema != "" {
		cfg.ConnConfig.RuntimeParams["search_path"] = opt.Schema
	}
	if _, ok := cfg.ConnConfig.RuntimeParams["application_name"]; !ok {
		cfg.ConnConfig.RuntimeParams["application_name"] = "go-mitid"
	}
	if opt.MaxConns > 0 {
		cfg.MaxConns = opt.MaxConns
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, mitid.Unavailable(err)
	}
	if err := pool.Ping(ctx); err != nil {
		pool.Close()
		return nil, mitid.Unavailable(err)
	}
	if !opt.SkipMigrations {
		if err := migrate(ctx, pool, opt.Schema); err != nil {
			pool.Close()
			return nil, err
		}
	}
	return newStore(pool, true, opt), nil
}

// Close releases the connections of a store that Open made; a store made
// by NewFromPool leaves the pool, which is its caller's, open.
func (s *Store) Close() {
	if s.owned {
		s.pool.Close()
	}
}

// migrate applies the migrations not yet applied, in version order, each in
// the same transaction as its record in schema_migrations.
func migrate(ctx context.Context, pool *pgxpool.Pool, schema string) error {
	files, err := fs.Glob(Migrations(), "*.sql")
	if err != nil {
		return err
	}
	sort.Strings(files)
	err = pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock(hashtext('go-mitid migrations ' || $1))`, schema); err != nil {
			return err
		}
		if schema != "" {
			// The schema is the pool's search_path when Open made it; on
			// a caller's pool, set it for the migrations.
			if _, err := tx.Exec(ctx, "CREATE SCHEMA IF NOT EXISTS "+pgx.Identifier{schema}.Sanitize()+
				"; SET LOCAL search_path TO "+pgx.Identifier{schema}.Sanitize()); err != nil {
				return err
			}
		}
		if _, err := tx.Exec(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
			version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())`); err != nil {
			return err
		}
		applied := map[int]bool{}
		rows, err := tx.Query(ctx, `SELECT version FROM schema_migrations`)
		if err != nil {
			return err
		}
		for rows.Next() {
			var v int
			if err := rows.Scan(&v); err != nil {
				return err
			}
			applied[v] = true
		}
		if err := rows.Err(); err != nil {
			return err
		}
		for _, name := range files {
			v, err := strconv.Atoi(strings.SplitN(name, "_", 2)[0])
			if err != nil {
				return fmt.Errorf("migration %s: the name must start with its version number", name)
			}
			if applied[v] {
				continue
			}
			sql, err := fs.ReadFile(Migrations(), name)
			if err != nil {
				return err
			}
			if _, err := tx.Exec(ctx, string(sql)); err != nil {
				return fmt.Errorf("migration %s: %w", name, err)
			}
			if _, err := tx.Exec(ctx, `INSERT INTO schema_migrations (version, name) VALUES ($1, $2)`, v, name); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fail(ctx, err)
	}
	return nil
}

// fail turns a database error into the library's terms: a cancelled context
// stays a context error, a domain *mitid.Error passes through, anything else
// means the store could not do the work.
func fail(ctx context.Context, err error) error {
	var me *mitid.Error
	switch {
	case err == nil:
		return nil
	case errors.As(err, &me):
		return err
	case ctx.Err() != nil:
		return fmt.Errorf("postgres store: %w", ctx.Err())
	}
	return mitid.Unavailable(err)
}

// querier is what both the pool and a transaction offer.
type querier interface {
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

// eventArgs are the parameters $1-$11 that every statement writing events
// binds: five arrays for the events and six for their outbox messages.
func eventArgs(events []mitid.Event) ([]any, error) {
	n := len(events)
	ids, users, types, datas := make([]string, n), make([]string, n), make([]string, n), make([]string, n)
	ats := make([]time.Time, n)
	var obEvents, obUsers, obChannels, obAddrs, obLangs []string
	var obAt []time.Time
	for i := range events {
		e := &events[i]
		if e.ID == uuid.Nil {
			return nil, mitid.InvalidEvent("an event has no ID")
		}
		data, err := json.Marshal(e)
		if err != nil {
			return nil, mitid.InvalidEvent("event %s cannot be encoded: %v", e.ID, err)
		}
		ids[i], types[i], ats[i], datas[i] = e.ID.String(), string(e.Type), e.At, string(data)
		if e.User != uuid.Nil {
			users[i] = e.User.String()
		}
		for _, d := range e.Notify {
			obEvents = append(obEvents, ids[i])
			obUsers = append(obUsers, users[i])
			obChannels = append(obChannels, string(d.Channel))
			obAddrs = append(obAddrs, d.Address)
			obLangs = append(obLangs, string(d.Language))
			obAt = append(obAt, e.At)
		}
	}
	return []any{ids, users, types, ats, datas, obEvents, obChannels, obAddrs, obLangs, obAt, obUsers}, nil
}

// eventCTEs writes the events and outbox messages of $1-$11, once for the
// single row of the CTE "gate" (the change they belong to); no gate row, no
// events.
const eventCTEs = `
ev AS (
	INSERT INTO events (id, user_id, type, at, data)
	SELECT e.id::uuid, NULLIF(e.user_id, '')::uuid, e.type, e.at, e.data::jsonb
	FROM gate, unnest($1::text[], $2::text[], $3::text[], $4::timestamptz[], $5::text[])
		WITH ORDINALITY AS e(id, user_id, type, at, data, n)
	ORDER BY e.n
	RETURNING id, seq
), ob AS (
	INSERT INTO outbox (event_id, user_id, channel, address, language, available_at)
	SELECT o.event_id::uuid, NULLIF(o.user_id, '')::uuid, o.channel, o.address, o.language, o.available_at
	FROM gate, unnest($6::text[], $11::text[], $7::text[], $8::text[], $9::text[], $10::timestamptz[])
		WITH ORDINALITY AS o(event_id, user_id, channel, address, language, available_at, n)
	ORDER BY o.n
)
SELECT gate.version, ev.id, ev.seq FROM gate LEFT JOIN ev ON true`

// commitRows reads the result of a statement ending in eventCTEs: the new
// version, and the Seq of each event, which it sets. ok is false when the
// gate had no row (the change did not apply).
func commitRows(rows pgx.Rows, events []mitid.Event) (version int64, ok bool, err error) {
	seqs := map[uuid.UUID]int64{}
	for rows.Next() {
		var id pgtype.UUID
		var seq *int64
		if err := rows.Scan(&version, &id, &seq); err != nil {
			return 0, false, err
		}
		ok = true
		if id.Valid && seq != nil {
			seqs[id.Bytes] = *seq
		}
	}
	if err := rows.Err(); err != nil {
		return 0, false, err
	}
	for i := range events {
		events[i].Seq = seqs[events[i].ID]
	}
	return version, ok, nil
}

// keyArrays splits unique keys into parallel arrays for unnest.
func keyArrays(keys []mitid.UniqueKey) ([]string, []string) {
	kinds, values := make([]string, len(keys)), make([]string, len(keys))
	for i, k := range keys {
		kinds[i], values[i] = k.Kind, k.Value
	}
	return kinds, values
}

// CreateUser inserts the user, its unique keys, events and outbox messages in
// one statement.
func (s *Store) CreateUser(ctx context.Context, u *mitid.User, events []mitid.Event) error {
	data := encodeUser(u)
	args, err := eventArgs(events)
	if err != nil {
		return err
	}
	keys := u.UniqueKeys()
	kinds, values := keyArrays(keys)
	args = append(args, pgID(u.ID), data, u.CreatedAt, kinds, values)
	const sql = `WITH gate AS (
		INSERT INTO users (id, version, data, created_at) VALUES ($12, 1, $13, $14) RETURNING id, version
	), k AS (
		INSERT INTO unique_keys (kind, value, user_id)
		SELECT k.kind, k.value, gate.id FROM gate, unnest($15::text[], $16::text[]) AS k(kind, value)
	), ` + eventCTEs
	rows, err := s.pool.Query(ctx, sql, args...)
	if err != nil {
		return s.writeError(ctx, err, u.ID, keys)
	}
	defer rows.Close()
	if _, _, err := commitRows(rows, events); err != nil {
		return s.writeError(ctx, err, u.ID, keys)
	}
	u.Version = 1
	return nil
}

// writeError explains a failed write: a unique violation names the key that
// is taken (or the event recorded twice); the rest is the store failing.
func (s *Store) writeError(ctx context.Context, err error, user uuid.UUID, added []mitid.UniqueKey) error {
	var pe *pgconn.PgError
	if !errors.As(err, &pe) || pe.Code != "23505" {
		return fail(ctx, err)
	}
	switch pe.ConstraintName {
	case "events_id_key", "events_pkey":
		return mitid.InvalidEvent("an event of this change is recorded already")
	case "users_pkey":
		return mitid.ConflictError(mitid.UniqueKey{Kind: "id", Value: user.String()})
	}
	// Which key? Ask, outside the failed statement.
	kinds, values := keyArrays(added)
	var k mitid.UniqueKey
	qerr := s.pool.QueryRow(ctx, `SELECT k.kind, k.value FROM unique_keys k, unnest($1::text[], $2::text[]) AS a(kind, value)
		WHERE k.kind = a.kind AND k.value = a.value AND k.user_id <> $3 LIMIT 1`, kinds, values, pgID(user)).Scan(&k.Kind, &k.Value)
	if qerr != nil {
		if len(added) == 0 {
			return fail(ctx, err)
		}
		// The holder let go meanwhile; report the first key we could not take.
		k = added[0]
	}
	return mitid.ConflictError(k)
}

const selectUser = `SELECT version, data FROM users WHERE id = $1`

func scanUser(row pgx.Row) (*mitid.User, error) {
	var version int64
	var data []byte
	if err := row.Scan(&version, &data); err != nil {
		if errors.Is(err, pgx.ErrNoRows) {
			return nil, mitid.NotFoundUser()
		}
		return nil, err
	}
	u := new(mitid.User)
	if err := decodeUser(data, u); err != nil {
		return nil, mitid.Unreadable("user", err)
	}
	u.Version = version
	return u, nil
}

// User reads one user.
func (s *Store) User(ctx context.Context, id uuid.UUID) (*mitid.User, error) {
	u, err := scanUser(s.pool.QueryRow(ctx, selectUser, pgID(id)))
	return u, fail(ctx, err)
}

// FindUser reads the user holding a unique key.
func (s *Store) FindUser(ctx context.Context, key mitid.UniqueKey) (*mitid.User, error) {
	u, err := scanUser(s.pool.QueryRow(ctx, `SELECT u.version, u.data FROM unique_keys k JOIN users u ON u.id = k.user_id
		WHERE k.kind = $1 AND k.value = $2`, key.Kind, key.Value))
	return u, fail(ctx, err)
}

// errStale means another update committed between our read and our write.
var errStale = errors.New("postgres store: the user changed concurrently")

// fnError carries the update function's own error through the store
// unchanged.
type fnError struct{ err error }

func (e fnError) Error() string { return e.err.Error() }

// UpdateUser is the atomic read-decide-write of one user; see the package
// documentation for how it commits.
func (s *Store) UpdateUser(ctx context.Context, id uuid.UUID, fn func(u *mitid.User) ([]mitid.Event, error)) (*mitid.User, error) {
	u, err := s.updateUser(ctx, s.pool, id, fn, false)
	for attempt := 0; (errors.Is(err, errStale) || retryable(err)) && attempt < 5; attempt++ {
		// Lost a race: decide again under the row lock, which cannot lose.
		err = pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
			u, err = s.updateUser(ctx, tx, id, fn, true)
			return err
		})
	}
	var fe fnError
	if errors.As(err, &fe) {
		return nil, fe.err
	}
	if err != nil {
		return nil, fail(ctx, err)
	}
	return u, nil
}

// UpdateAuthenticator is UpdateUser passing fn the user's authenticator
// auth: a user decoded from its row is a fresh value, so the whole of it is
// private to fn already.
func (s *Store) UpdateAuthenticator(ctx context.Context, id, auth uuid.UUID, fn func(u *mitid.User, a *mitid.Authenticator) ([]mitid.Event, error)) (*mitid.User, error) {
	return s.UpdateUser(ctx, id, func(u *mitid.User) ([]mitid.Event, error) {
		a, err := u.Authenticator(auth)
		if err != nil {
			return nil, err
		}
		return fn(u, a)
	})
}

// retryable reports a serialisation failure or deadlock, which a retry
// resolves.
func retryable(err error) bool {
	if err == nil {
		return false // before pe, which escapes: no allocation on success
	}
	var pe *pgconn.PgError
	return errors.As(err, &pe) && (pe.Code == "40001" || pe.Code == "40P01")
}

func (s *Store) updateUser(ctx context.Context, q querier, id uuid.UUID, fn func(u *mitid.User) ([]mitid.Event, error), lock bool) (*mitid.User, error) {
	sel := selectUser
	if lock {
		sel += " FOR UPDATE"
	}
	u, err := scanUser(q.QueryRow(ctx, sel, pgID(id)))
	if err != nil {
		return nil, err
	}
	before := u.Version
	old := u.Clone()
	events, err := fn(u)
	if err != nil {
		return nil, fnError{err}
	}
	if u.ID != id {
		return nil, mitid.InvalidEvent("the update function changed the user's ID")
	}
	added, removed := u.KeyChanges(old)
	data := encodeUser(u)
	args, err := eventArgs(events)
	if err != nil {
		return nil, err
	}
	rk, rv := keyArrays(removed)
	ak, av := keyArrays(added)
	args = append(args, pgID(id), before, data, rk, rv, ak, av)
	const sql = `WITH gate AS (
		UPDATE users SET version = version + 1, data = $14, updated_at = now()
		WHERE id = $12 AND version = $13
		RETURNING id, version
	), del AS (
		DELETE FROM unique_keys k USING gate, unnest($15::text[], $16::text[]) AS r(kind, value)
		WHERE k.user_id = gate.id AND k.kind = r.kind AND k.value = r.value
	), ins AS (
		INSERT INTO unique_keys (kind, value, user_id)
		SELECT a.kind, a.value, gate.id FROM gate, unnest($17::text[], $18::text[]) AS a(kind, value)
	), ` + eventCTEs
	rows, err := q.Query(ctx, sql, args...)
	if err != nil {
		return nil, s.writeError(ctx, err, id, added)
	}
	defer rows.Close()
	version, ok, err := commitRows(rows, events)
	if err != nil {
		return nil, s.writeError(ctx, err, id, added)
	}
	if !ok {
		return nil, errStale
	}
	u.Version = version
	return u, nil
}

// Events lists events matching the filter, in Seq order.
func (s *Store) Events(ctx context.Context, f mitid.EventFilter) ([]mitid.Event, error) {
	var where []string
	var args []any
	arg := func(v any) string {
		args = append(args, v)
		return "$" + strconv.Itoa(len(args))
	}
	if f.User != uuid.Nil {
		where = append(where, "user_id = "+arg(pgID(f.User)))
	}
	if len(f.Types) > 0 {
		types := make([]string, len(f.Types))
		for i, t := range f.Types {
			types[i] = string(t)
		}
		where = append(where, "type = ANY("+arg(types)+"::text[])")
	}
	if !f.Since.IsZero() {
		where = append(where, "at >= "+arg(f.Since))
	}
	if !f.Before.IsZero() {
		where = append(where, "at < "+arg(f.Before))
	}
	where = append(where, "seq > "+arg(f.AfterSeq))
	sql := "SELECT seq, data FROM events WHERE " + strings.Join(where, " AND ") + " ORDER BY seq"
	if f.Limit > 0 {
		sql += " LIMIT " + arg(f.Limit)
	}
	rows, err := s.pool.Query(ctx, sql, args...)
	if err != nil {
		return nil, fail(ctx, err)
	}
	evs, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (mitid.Event, error) {
		var e mitid.Event
		var seq int64
		var data []byte
		if err := r.Scan(&seq, &data); err != nil {
			return e, err
		}
		if err := json.Unmarshal(data, &e); err != nil {
			return e, mitid.Unreadable("event", err)
		}
		e.Seq = seq
		return e, nil
	})
	return evs, fail(ctx, err)
}
