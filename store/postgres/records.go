package postgres

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgtype"

	"github.com/go-mitid/mitid"
)

// Orders, sessions and the outbox: the store's smaller records.

// CreateOrder inserts the order, its events and outbox messages in one
// statement.
func (s *Store) CreateOrder(ctx context.Context, o *mitid.Order, events []mitid.Event) error {
	if err := o.Validate(); err != nil {
		return err
	}
	data, err := json.Marshal(o)
	if err != nil {
		return mitid.InvalidEvent("the order cannot be encoded: %v", err)
	}
	args, err := eventArgs(events)
	if err != nil {
		return err
	}
	args = append(args, o.Number, nullUUID(o.User), o.PlacedAt, data)
	const sql = `WITH gate AS (
		INSERT INTO orders (number, user_id, version, placed_at, data) VALUES ($12, $13, 1, $14, $15) RETURNING version
	), ` + eventCTEs
	rows, err := s.pool.Query(ctx, sql, args...)
	if err == nil {
		defer rows.Close()
		_, _, err = commitRows(rows, events)
	}
	if err != nil {
		var pe *pgconn.PgError
		if errors.As(err, &pe) && pe.Code == "23505" && pe.ConstraintName == "orders_pkey" {
			return mitid.OrderConflict(o.Number)
		}
		return s.writeError(ctx, err, uuid.Nil, nil)
	}
	o.Version = 1
	return nil
}

const selectOrder = `SELECT version, data FROM orders WHERE number = $1`

func scanOrder(row pgx.Row, number string) (*mitid.Order, error) {
	var version int64
	var data []byte
	if err := row.Scan(&version, &data); err != nil {
		if errors.Is(err, pgx.ErrNoRows) {
			return nil, mitid.NotFoundOrder(number)
		}
		return nil, err
	}
	o := new(mitid.Order)
	if err := json.Unmarshal(data, o); err != nil {
		return nil, mitid.Unreadable("order", err)
	}
	o.Version = version
	return o, nil
}

// Order reads one order.
func (s *Store) Order(ctx context.Context, number string) (*mitid.Order, error) {
	o, err := scanOrder(s.pool.QueryRow(ctx, selectOrder, number), number)
	return o, fail(ctx, err)
}

// UpdateOrder changes one order under its row lock, with its events.
func (s *Store) UpdateOrder(ctx context.Context, number string, fn func(o *mitid.Order) ([]mitid.Event, error)) (*mitid.Order, error) {
	var out *mitid.Order
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		o, err := scanOrder(tx.QueryRow(ctx, selectOrder+" FOR UPDATE", number), number)
		if err != nil {
			return err
		}
		events, err := fn(o)
		if err != nil {
			return fnError{err}
		}
		if o.Number != number {
			return mitid.InvalidEvent("the update function changed the order number")
		}
		if err := o.Validate(); err != nil {
			return err
		}
		if err := s.writeOrder(ctx, tx, o, events); err != nil {
			return err
		}
		out = o
		return nil
	})
	var fe fnError
	if errors.As(err, &fe) {
		return nil, fe.err
	}
	return out, fail(ctx, err)
}

// writeOrder writes order o, changed, with its events and their outbox
// messages, in tx, and sets its new Version.
func (s *Store) writeOrder(ctx context.Context, tx pgx.Tx, o *mitid.Order, events []mitid.Event) error {
	data, err := json.Marshal(o)
	if err != nil {
		return mitid.InvalidEvent("the order cannot be encoded: %v", err)
	}
	args, err := eventArgs(events)
	if err != nil {
		return err
	}
	args = append(args, o.Number, data)
	const sql = `WITH gate AS (
		UPDATE orders SET version = version + 1, data = $13 WHERE number = $12 RETURNING version
	), ` + eventCTEs
	rows, err := tx.Query(ctx, sql, args...)
	if err != nil {
		return s.writeError(ctx, err, uuid.Nil, nil)
	}
	defer rows.Close()
	version, _, err := commitRows(rows, events)
	if err != nil {
		return s.writeError(ctx, err, uuid.Nil, nil)
	}
	o.Version = version
	return nil
}

// Orders lists a user's orders, oldest first.
func (s *Store) Orders(ctx context.Context, user uuid.UUID) ([]*mitid.Order, error) {
	rows, err := s.pool.Query(ctx, `SELECT version, data, number FROM orders WHERE user_id = $1 ORDER BY placed_at, number`, pgID(user))
	if err != nil {
		return nil, fail(ctx, err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (*mitid.Order, error) {
		var version int64
		var data []byte
		var number string
		if err := r.Scan(&version, &data, &number); err != nil {
			return nil, err
		}
		o := new(mitid.Order)
		if err := json.Unmarshal(data, o); err != nil {
			return nil, mitid.Unreadable("order", fmt.Errorf("order %s: %w", number, err))
		}
		o.Version = version
		return o, nil
	})
	return out, fail(ctx, err)
}

// The statements of CreateSession: asyncSessionSQL commits without waiting
// for the WAL to reach the disk (set_config's true: for this transaction
// only, which the INSERT's implicit transaction is), durableSessionSQL
// waits as every other commit does (see Options.DurableSessions).
const (
	durableSessionSQL = `INSERT INTO sessions (id, kind, user_id, data, created_at, expires_at, version)
		VALUES ($1, $2, $3, $4, $5, $6, 1)`
	asyncSessionSQL = `WITH async AS (SELECT set_config('synchronous_commit', 'off', true))
		INSERT INTO sessions (id, kind, user_id, data, created_at, expires_at, version)
		SELECT $1, $2, $3, $4, $5, $6, 1 FROM async`
)

// CreateSession inserts a session. The commit of a Disposable one does not
// wait for the disk, unless Options.DurableSessions is set (see there).
func (s *Store) CreateSession(ctx context.Context, sess *mitid.Session) error {
	sql := durableSessionSQL
	if sess.Disposable && !s.durableSessions {
		sql = asyncSessionSQL
	}
	tag, err := s.pool.Exec(ctx, sql, sess.ID, sess.Kind, nullUUID(sess.User), sess.Data, sess.CreatedAt, sess.ExpiresAt)
	var pe *pgconn.PgError
	if errors.As(err, &pe) && pe.Code == "23505" {
		return mitid.SessionConflict()
	}
	if err != nil {
		return fail(ctx, err)
	}
	if tag.RowsAffected() != 1 {
		// An INSERT … SELECT that selected nothing: never the session
		// stored silently missing.
		return fail(ctx, fmt.Errorf("creating session: %d rows inserted, not 1", tag.RowsAffected()))
	}
	sess.Version = 1
	return nil
}

// The statements of CreateLoginSession: the user holding a unique key
// ($6, $7) read, and the session inserted for them, or for nobody, in one
// statement; the asynchronous one commits as asyncSessionSQL does. A row
// comes back whether or not a user matched.
const (
	loginSessionUser = `u AS (SELECT u.id, u.version, u.data FROM unique_keys k JOIN users u ON u.id = k.user_id
			WHERE k.kind = $6 AND k.value = $7)`
	loginSessionInsert = `s AS (INSERT INTO sessions (id, kind, user_id, data, created_at, expires_at, version)
			SELECT $1, $2, (SELECT id FROM u), $3, $4, $5, 1 %s RETURNING user_id)
		SELECT u.version, u.data FROM s LEFT JOIN u ON true`
)

var (
	durableLoginSessionSQL = `WITH ` + loginSessionUser + `, ` + fmt.Sprintf(loginSessionInsert, "")
	asyncLoginSessionSQL   = `WITH async AS (SELECT set_config('synchronous_commit', 'off', true)), ` + loginSessionUser + `, ` +
		fmt.Sprintf(loginSessionInsert, "FROM async")
)

// CreateLoginSession reads the user holding key and inserts sess for them
// (for nobody when none does) in one statement, so that BeginLogin is one
// round trip. A user row it cannot decode is reported as
// CodeRecordUnreadable, and the session is removed again. The commit of a Disposable session does not wait for the
// disk, unless Options.DurableSessions is set, as CreateSession's.
func (s *Store) CreateLoginSession(ctx context.Context, key mitid.UniqueKey, sess *mitid.Session) (*mitid.User, error) {
	sql := durableLoginSessionSQL
	if sess.Disposable && !s.durableSessions {
		sql = asyncLoginSessionSQL
	}
	var version pgtype.Int8
	var data []byte
	err := s.pool.QueryRow(ctx, sql, sess.ID, sess.Kind, sess.Data, sess.CreatedAt, sess.ExpiresAt, key.Kind, key.Value).Scan(&version, &data)
	if err != nil {
		var pe *pgconn.PgError // declared here: it escapes, and would cost every login an allocation
		switch {
		case errors.As(err, &pe) && pe.Code == "23505":
			return nil, mitid.SessionConflict()
		case errors.Is(err, pgx.ErrNoRows):
			// An INSERT … SELECT that selected nothing: never the session
			// stored silently missing.
			return nil, fail(ctx, errors.New("creating a login session: no row inserted"))
		}
		return nil, fail(ctx, err)
	}
	sess.Version, sess.User = 1, uuid.Nil
	if !version.Valid {
		return nil, mitid.NotFoundUser() // the session is a decoy's
	}
	u := new(mitid.User)
	if err := decodeUser(data, u); err != nil {
		// The session went in with the read; a login that cannot begin
		// must not leave it behind, as if it had. Should the removal fail
		// too, the session expires unused: it names a user and no step
		// can be taken on it, since every step reads the user again.
		_, _ = s.pool.Exec(ctx, `DELETE FROM sessions WHERE id = $1 AND version = 1`, sess.ID)
		sess.Version = 0
		return nil, mitid.Unreadable("user", err)
	}
	u.Version = version.Int64
	sess.User = u.ID
	return u, nil
}

const sessionColumns = `id, kind, user_id, data, created_at, expires_at, consumed_at, version`

func scanSession(row pgx.Row) (*mitid.Session, error) {
	var sess mitid.Session
	var user pgtype.UUID
	var created, expires, consumed pgtype.Timestamptz
	if err := row.Scan(&sess.ID, &sess.Kind, &user, &sess.Data, &created, &expires, &consumed, &sess.Version); err != nil {
		if errors.Is(err, pgx.ErrNoRows) {
			return nil, mitid.NotFoundSession()
		}
		return nil, err
	}
	sess.User = fromPG(user)
	sess.CreatedAt, sess.ExpiresAt, sess.ConsumedAt = utc(created), utc(expires), utc(consumed)
	return &sess, nil
}

// liveSession reads a session and checks it can still be used.
func liveSession(ctx context.Context, q querier, id string, now time.Time) (*mitid.Session, error) {
	sess, err := scanSession(q.QueryRow(ctx, `SELECT `+sessionColumns+` FROM sessions WHERE id = $1`, id))
	if err != nil {
		return nil, err
	}
	if err := sess.Live(now); err != nil {
		return nil, err
	}
	return sess, nil
}

// Session reads a live session.
func (s *Store) Session(ctx context.Context, id string, now time.Time) (*mitid.Session, error) {
	sess, err := liveSession(ctx, s.pool, id, now)
	return sess, fail(ctx, err)
}

// UpdateSession changes a live session's data, retrying if it changed
// meanwhile (a bounded number of times: sessions are not contended).
func (s *Store) UpdateSession(ctx context.Context, id string, now time.Time, fn func(*mitid.Session) ([]byte, error)) (*mitid.Session, error) {
	for attempt := 0; ; attempt++ {
		if attempt == 100 {
			return nil, mitid.NewError(mitid.CodeConcurrentUpdate, nil, "the session changed 100 times while being updated; try again")
		}
		sess, err := liveSession(ctx, s.pool, id, now)
		if err != nil {
			return nil, fail(ctx, err)
		}
		data, err := fn(sess)
		if err != nil {
			return nil, err
		}
		tag, err := s.pool.Exec(ctx, `UPDATE sessions SET data = $3, version = version + 1
			WHERE id = $1 AND version = $2 AND consumed_at IS NULL`, id, sess.Version, data)
		if err != nil {
			return nil, fail(ctx, err)
		}
		if tag.RowsAffected() == 1 {
			sess.Data = data
			sess.Version++
			return sess, nil
		}
		// Changed or consumed since we read it: read again (Live reports a
		// consumption).
	}
}

// ReplaceSession sets a live session's data in one statement if it is
// still at version; when nothing matched, a read says why.
func (s *Store) ReplaceSession(ctx context.Context, id string, version int64, now time.Time, data []byte) (*mitid.Session, error) {
	sess, err := scanSession(s.pool.QueryRow(ctx, `UPDATE sessions SET data = $3, version = version + 1
		WHERE id = $1 AND version = $2 AND consumed_at IS NULL AND expires_at > $4 RETURNING `+sessionColumns, id, version, data, now))
	if err == nil {
		return sess, nil
	}
	if !errors.Is(err, mitid.ErrNotFound) {
		return nil, fail(ctx, err)
	}
	if _, err = liveSession(ctx, s.pool, id, now); err == nil {
		err = mitid.ConcurrentSessionUpdate()
	}
	return nil, fail(ctx, err)
}

// ConsumeSession marks a live session used in one statement, so exactly one
// of concurrent callers succeeds.
func (s *Store) ConsumeSession(ctx context.Context, id string, now time.Time) (*mitid.Session, error) {
	sess, err := scanSession(s.pool.QueryRow(ctx, `UPDATE sessions SET consumed_at = $2, version = version + 1
		WHERE id = $1 AND consumed_at IS NULL AND expires_at > $2 RETURNING `+sessionColumns, id, now))
	if err == nil {
		return sess, nil
	}
	if !errors.Is(err, mitid.ErrNotFound) {
		return nil, fail(ctx, err)
	}
	// Nothing updated: say why.
	_, err = liveSession(ctx, s.pool, id, now)
	if err == nil {
		err = mitid.NotFoundSession()
	}
	return nil, fail(ctx, err)
}

// PurgeSessions deletes sessions that expired before the given time.
//
// It deletes in batches of sessionPurgeBatch, each its own transaction: a
// day of logins leaves millions of expired sessions, and one DELETE of them
// all would write its WAL and hold its row locks as one transaction. A
// session a login step holds locked is left for the next purge. An error
// part way returns the count of the batches committed before it.
func (s *Store) PurgeSessions(ctx context.Context, before time.Time) (int, error) {
	batch := s.purgeBatch
	if batch <= 0 {
		batch = sessionPurgeBatch
	}
	total := 0
	for {
		tag, err := s.pool.Exec(ctx, `DELETE FROM sessions WHERE id IN (
			SELECT id FROM sessions WHERE expires_at < $1 ORDER BY expires_at LIMIT $2 FOR UPDATE SKIP LOCKED)`, before, batch)
		if err != nil {
			return total, fail(ctx, err)
		}
		n := int(tag.RowsAffected())
		total += n
		if n < batch {
			return total, nil
		}
	}
}

// sessionPurgeBatch is how many expired sessions PurgeSessions deletes in
// one statement.
const sessionPurgeBatch = 10_000

const outboxColumns = `o.id, o.channel, o.address, o.language, o.attempts, o.available_at, o.lease, o.lease_until,
	o.delivered_at, o.dead, o.last_error, e.seq, e.data, o.event_id`

func scanMessage(r pgx.CollectableRow) (mitid.OutboxMessage, error) {
	var m mitid.OutboxMessage
	var lease, lastError *string
	var leaseUntil, delivered *time.Time
	var seq int64
	var data []byte
	var event pgtype.UUID
	if err := r.Scan(&m.ID, &m.Delivery.Channel, &m.Delivery.Address, &m.Delivery.Language, &m.Attempts, &m.AvailableAt,
		&lease, &leaseUntil, &delivered, &m.Dead, &lastError, &seq, &data, &event); err != nil {
		return m, err
	}
	m.AvailableAt = m.AvailableAt.UTC()
	if lease != nil {
		m.Lease = *lease
	}
	if leaseUntil != nil {
		m.LeaseUntil = leaseUntil.UTC()
	}
	if delivered != nil {
		m.DeliveredAt = delivered.UTC()
	}
	if lastError != nil {
		m.LastError = *lastError
	}
	// A message whose event cannot be decoded is returned as such, not as
	// an error: failing the claim would fail every claim that reaches it,
	// and stop every message behind it.
	if err := json.Unmarshal(data, &m.Event); err != nil {
		m.Event = mitid.Event{ID: fromPG(event)}
		m.Unreadable = mitid.Unreadable("event", fmt.Errorf("outbox message %d: %w", m.ID, err))
	}
	m.Event.Seq = seq
	return m, nil
}

// ClaimOutbox leases due messages. SKIP LOCKED lets concurrent claimers take
// disjoint batches without waiting on each other.
func (s *Store) ClaimOutbox(ctx context.Context, now time.Time, lease time.Duration, limit int) ([]mitid.OutboxMessage, error) {
	rows, err := s.pool.Query(ctx, `WITH due AS (
		SELECT id FROM outbox
		WHERE delivered_at IS NULL AND NOT dead AND available_at <= $1 AND (lease_until IS NULL OR lease_until <= $1)
		ORDER BY id LIMIT $3
		FOR UPDATE SKIP LOCKED
	), claimed AS (
		UPDATE outbox o SET lease = gen_random_uuid()::text, lease_until = $2, attempts = o.attempts + 1
		FROM due WHERE o.id = due.id
		RETURNING o.*
	)
	SELECT `+outboxColumns+` FROM claimed o JOIN events e ON e.id = o.event_id ORDER BY o.id`,
		now, now.Add(lease), limit)
	if err != nil {
		return nil, fail(ctx, err)
	}
	msgs, err := pgx.CollectRows(rows, scanMessage)
	return msgs, fail(ctx, err)
}

// settle finishes a claimed message if lease is still its lease.
func (s *Store) settle(ctx context.Context, id int64, lease, sql string, args ...any) error {
	tag, err := s.pool.Exec(ctx, sql, append([]any{id, lease}, args...)...)
	if err != nil {
		return fail(ctx, err)
	}
	if tag.RowsAffected() == 1 {
		return nil
	}
	var exists bool
	if err := s.pool.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM outbox WHERE id = $1)`, id).Scan(&exists); err != nil {
		return fail(ctx, err)
	}
	if !exists {
		return mitid.NotFoundMessage(id)
	}
	return mitid.LeaseLost(id)
}

// CompleteOutbox records a delivery.
func (s *Store) CompleteOutbox(ctx context.Context, id int64, lease string, now time.Time) error {
	return s.settle(ctx, id, lease, `UPDATE outbox SET delivered_at = $3, lease = NULL, lease_until = NULL
		WHERE id = $1 AND lease = $2`, now)
}

// RetryOutbox records a failed attempt.
func (s *Store) RetryOutbox(ctx context.Context, id int64, lease string, retryAt time.Time, lastError string, dead bool) error {
	return s.settle(ctx, id, lease, `UPDATE outbox SET available_at = $3, last_error = $4, dead = $5, lease = NULL, lease_until = NULL
		WHERE id = $1 AND lease = $2`, retryAt, lastError, dead)
}

// OutboxMessages lists messages, oldest first.
func (s *Store) OutboxMessages(ctx context.Context, f mitid.OutboxFilter) ([]mitid.OutboxMessage, error) {
	var limit any
	if f.Limit > 0 {
		limit = f.Limit
	}
	rows, err := s.pool.Query(ctx, `SELECT `+outboxColumns+` FROM outbox o JOIN events e ON e.id = o.event_id
		WHERE ($1::uuid IS NULL OR o.user_id = $1) AND ($3::uuid IS NULL OR o.event_id = $3)
		ORDER BY o.id LIMIT $2`, nullUUID(f.User), limit, nullUUID(f.Event))
	if err != nil {
		return nil, fail(ctx, err)
	}
	msgs, err := pgx.CollectRows(rows, scanMessage)
	return msgs, fail(ctx, err)
}

// OutboxStats counts waiting and parked messages. Both counts and the
// oldest waiting message come from partial indexes (outbox_due,
// outbox_parked), so the cost follows the backlog, not the table.
func (s *Store) OutboxStats(ctx context.Context) (mitid.OutboxStats, error) {
	var st mitid.OutboxStats
	var oldest *time.Time
	err := s.pool.QueryRow(ctx, `SELECT
		(SELECT count(*) FROM outbox WHERE delivered_at IS NULL AND NOT dead),
		(SELECT count(*) FROM outbox WHERE dead),
		(SELECT e.at FROM outbox o JOIN events e ON e.id = o.event_id
		 WHERE o.delivered_at IS NULL AND NOT o.dead ORDER BY o.id LIMIT 1)`).Scan(&st.Waiting, &st.Parked, &oldest)
	if err != nil {
		return st, fail(ctx, err)
	}
	if oldest != nil {
		st.Oldest = oldest.UTC()
	}
	return st, nil
}
