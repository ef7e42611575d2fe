package postgres

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"

	"github.com/go-mitid/mitid"
)

// The optional capabilities a login step uses (see mitid.Store), each one
// round trip: SessionUser reads the session and its user in one query, and
// UpdateLogin commits the user's change, its events, their outbox messages
// and the session's new state in one statement, so a login step costs one
// read and one commit, and only the commit when the Service decides on what
// its last step left (SessionAt.Exact). A step that changes nothing of its
// user commits its session alone (advanceSQL), without waiting for the disk.

var (
	_ mitid.AuthenticatorUpdater = (*Store)(nil)
	_ mitid.SessionReplacer      = (*Store)(nil)
	_ mitid.SessionUserReader    = (*Store)(nil)
	_ mitid.LoginUpdater         = (*Store)(nil)
	_ mitid.LoginBeginner        = (*Store)(nil)
)

// SessionUser reads a live session and the user it names with one join.
func (s *Store) SessionUser(ctx context.Context, id string, now time.Time) (*mitid.Session, *mitid.User, error) {
	var sess mitid.Session
	var user pgtype.UUID
	var created, expires, consumed pgtype.Timestamptz
	var version pgtype.Int8
	var data []byte
	err := s.pool.QueryRow(ctx, `SELECT s.id, s.kind, s.user_id, s.data, s.created_at, s.expires_at, s.consumed_at, s.version, u.version, u.data
		FROM sessions s LEFT JOIN users u ON u.id = s.user_id WHERE s.id = $1`, id).
		Scan(&sess.ID, &sess.Kind, &user, &sess.Data, &created, &expires, &consumed, &sess.Version, &version, &data)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, nil, mitid.NotFoundSession()
	}
	if err != nil {
		return nil, nil, fail(ctx, err)
	}
	sess.CreatedAt, sess.ExpiresAt, sess.ConsumedAt = utc(created), utc(expires), utc(consumed)
	if err := sess.Live(now); err != nil {
		return nil, nil, err
	}
	if !user.Valid {
		return &sess, nil, nil
	}
	sess.User = user.Bytes
	if !version.Valid {
		return nil, nil, mitid.NotFoundUser()
	}
	u := new(mitid.User)
	if err := decodeUser(data, u); err != nil {
		return nil, nil, mitid.Unreadable("user", err)
	}
	u.Version = version.Int64
	return &sess, u, nil
}

// UpdateLogin decides on seen, the user as the caller read it, and commits
// in one statement guarded by its version; if the user changed since, it
// decides again under the row lock, as UpdateUser does, unless at.Exact
// asks it not to.
func (s *Store) UpdateLogin(ctx context.Context, seen *mitid.User, auth uuid.UUID, at mitid.SessionAt, fn mitid.LoginChange) (*mitid.User, *mitid.Session, error) {
	u, sess, err := s.updateLogin(ctx, s.pool, seen, auth, at, fn)
	if at.Exact && (errors.Is(err, errStale) || retryable(err)) {
		// Decided on seen and at alone: no second decision on newer state.
		return nil, nil, mitid.ConcurrentSessionUpdate()
	}
	for attempt := 0; (errors.Is(err, errStale) || retryable(err)) && attempt < 5; attempt++ {
		err = pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
			if _, err := tx.Exec(ctx, `SELECT 1 FROM sessions WHERE id = $1 FOR UPDATE`, at.ID); err != nil {
				return err
			}
			cur, err := scanUser(tx.QueryRow(ctx, selectUser+" FOR UPDATE", pgID(seen.ID)))
			if err != nil {
				return err
			}
			u, sess, err = s.updateLogin(ctx, tx, cur, auth, at, fn)
			return err
		})
	}
	if err == nil {
		return u, sess, nil
	}
	var fe fnError
	if errors.As(err, &fe) {
		return nil, nil, fe.err
	}
	return nil, nil, fail(ctx, err)
}

// The session's row is locked before the user's, in every shape and
// mode, and in the retry's transaction: two steps of one login at once
// (a double submit, one on the kept state and one on a fresh read) would
// otherwise lock the two rows in opposite orders and deadlock until
// PostgreSQL's deadlock_timeout broke it (TestLogin_StepsAtOnceDoNotDeadlock).

// A login step's commit is one statement: the user's change guarded by
// its version, with its unique keys, events and outbox messages (as in
// updateUser), and the session's change guarded by the session's version
// and liveness, which applies only with the user's. Most steps change no
// unique key and record no event, and PostgreSQL opens every table a
// statement names each time it runs it, which cost more than the writes;
// so the statement names only what the step writes: one of eight shapes,
// each prepared once per connection.

// loginShape says which optional parts a login step's statement has.
type loginShape uint8

const (
	shapeKeys   loginShape = 1 << iota // unique keys removed or added
	shapeEvents                        // events recorded
	shapeOutbox                        // notifications queued
)

// loginSQL holds the statement of each shape.
var loginSQL = func() (all [8]string) {
	for sh := range all {
		all[sh] = loginShape(sh).sql()
	}
	return all
}()

// sql writes the statement of shape sh. Its parameters are, in order: the
// user's ID, version and new document; the session's ID, version, the
// time, whether it changes, whether it is consumed, its new data, and
// whether the user's change waits for the session (SessionAt.Exact: the
// session's row is then checked as it is locked); then
// the removed and added unique keys (with keys), the events' five arrays
// (with events) and the outbox's six (with outbox), numbered on from the
// last part present, since PostgreSQL needs every parameter used.
func (sh loginShape) sql() string {
	var b strings.Builder
	b.WriteString(`WITH gate AS (
		UPDATE users SET version = version + 1, data = $3, updated_at = now()
		FROM (SELECT count(*) AS n FROM (SELECT 1 FROM sessions x WHERE x.id = $4
			AND (NOT $10::boolean OR (x.version = $5 AND x.consumed_at IS NULL AND x.expires_at > $6::timestamptz))
			FOR UPDATE) l) lk
		WHERE users.id = $1 AND users.version = $2 AND (NOT $10::boolean OR lk.n = 1)
		RETURNING users.id, users.version
	), sess AS (
		UPDATE sessions SET version = sessions.version + 1,
			data = CASE WHEN $8::boolean THEN sessions.data ELSE $9::bytea END,
			consumed_at = CASE WHEN $8::boolean THEN $6::timestamptz ELSE NULL END
		FROM gate
		WHERE $7::boolean AND sessions.id = $4 AND sessions.version = $5
			AND sessions.consumed_at IS NULL AND sessions.expires_at > $6::timestamptz
		RETURNING sessions.id, sessions.kind, sessions.user_id, sessions.data, sessions.created_at, sessions.expires_at,
			sessions.consumed_at, sessions.version
	)`)
	next := 11
	if sh&shapeKeys != 0 {
		fmt.Fprintf(&b, `, del AS (
		DELETE FROM unique_keys k USING gate, unnest($%d::text[], $%d::text[]) AS r(kind, value)
		WHERE k.user_id = gate.id AND k.kind = r.kind AND k.value = r.value
	), ins AS (
		INSERT INTO unique_keys (kind, value, user_id)
		SELECT a.kind, a.value, gate.id FROM gate, unnest($%d::text[], $%d::text[]) AS a(kind, value)
	)`, next, next+1, next+2, next+3)
		next += 4
	}
	ev, ob := eventParts()
	if sh&shapeEvents != 0 {
		b.WriteString(",")
		b.WriteString(renumber(ev, 1, next))
		next += 5
	}
	if sh&shapeOutbox != 0 {
		b.WriteString(",")
		// The outbox's parameters are $6-$11 in eventCTEs: on after the events'.
		b.WriteString(renumber(ob, 6, next))
	}
	if sh&shapeEvents != 0 {
		b.WriteString(`
SELECT gate.version, ev.id, ev.seq, sess.id, sess.kind, sess.user_id, sess.data, sess.created_at, sess.expires_at, sess.consumed_at, sess.version
FROM gate LEFT JOIN ev ON true LEFT JOIN sess ON true`)
	} else {
		b.WriteString(`
SELECT gate.version, NULL::uuid, NULL::bigint, sess.id, sess.kind, sess.user_id, sess.data, sess.created_at, sess.expires_at, sess.consumed_at, sess.version
FROM gate LEFT JOIN sess ON true`)
	}
	return b.String()
}

// eventParts splits eventCTEs into its events CTE and its outbox CTE, so
// that a login step's statement shares their text with updateUser's.
func eventParts() (ev, ob string) {
	body, _, ok := strings.Cut(eventCTEs, "\nSELECT gate.version")
	ev, ob, ok2 := strings.Cut(body, "), ob AS (")
	if !ok || !ok2 {
		panic("postgres store: eventCTEs does not read as loginShape expects")
	}
	return ev + ")", "\nob AS (" + ob
}

// renumber moves the parameters $from.. of sql to $to.., keeping their
// order.
func renumber(sql string, from, to int) string {
	return paramRE.ReplaceAllStringFunc(sql, func(p string) string {
		n, _ := strconv.Atoi(p[1:])
		return "$" + strconv.Itoa(n-from+to)
	})
}

var paramRE = regexp.MustCompile(`\$[0-9]+`)

// updateLogin decides on base (seen, or the user read under its lock) and
// commits through q.
func (s *Store) updateLogin(ctx context.Context, q querier, base *mitid.User, auth uuid.UUID, at mitid.SessionAt, fn mitid.LoginChange) (*mitid.User, *mitid.Session, error) {
	var u *mitid.User
	var a *mitid.Authenticator
	if auth == uuid.Nil {
		u = base.Clone()
	} else {
		var err error
		if u, a, err = base.CloneFor(auth); err != nil {
			return nil, nil, err
		}
	}
	events, change, err := fn(u, a)
	if err != nil {
		return nil, nil, fnError{err}
	}
	if u.ID != base.ID {
		return nil, nil, mitid.InvalidEvent("the update function changed the user's ID")
	}
	added, removed := u.KeyChanges(base)
	data := encodeUser(u)
	if change != nil && !change.Consume && len(events) == 0 && len(added)+len(removed) == 0 && bytes.Equal(data, encodeUser(base)) {
		return s.advanceLogin(ctx, q, base, u, at, change)
	}
	var evArgs []any // the events' and outbox messages' parameters, in the shapes that write them
	if len(events) > 0 {
		var err error
		if evArgs, err = eventArgs(events); err != nil {
			return nil, nil, err
		}
	}
	var sessData []byte
	consume := change != nil && change.Consume
	if change != nil && !consume {
		sessData = change.Data
	}
	var sh loginShape
	args := []any{pgID(base.ID), base.Version, data, at.ID, at.Version, at.Now, change != nil, consume, sessData, at.Exact}
	if len(added)+len(removed) > 0 {
		sh |= shapeKeys
		rk, rv := keyArrays(removed)
		ak, av := keyArrays(added)
		args = append(args, rk, rv, ak, av)
	}
	if len(events) > 0 {
		sh |= shapeEvents
		args = append(args, evArgs[:5]...)
	}
	for _, e := range events {
		if len(e.Notify) > 0 {
			sh |= shapeOutbox
			args = append(args, evArgs[5:]...)
			break
		}
	}
	rows, err := q.Query(ctx, loginSQL[sh], args...)
	if err != nil {
		return nil, nil, s.writeError(ctx, err, base.ID, added)
	}
	defer rows.Close()
	var version int64
	var sess *mitid.Session
	ok := false
	seqs := map[uuid.UUID]int64{}
	for rows.Next() {
		var id pgtype.UUID
		var seq pgtype.Int8
		var rs returnedSession
		if err := rows.Scan(append([]any{&version, &id, &seq}, rs.dest()...)...); err != nil {
			return nil, nil, s.writeError(ctx, err, base.ID, added)
		}
		ok = true
		if id.Valid && seq.Valid {
			seqs[id.Bytes] = seq.Int64
		}
		if sess == nil {
			sess = rs.session()
		}
	}
	if err := rows.Err(); err != nil {
		return nil, nil, s.writeError(ctx, err, base.ID, added)
	}
	if !ok {
		return nil, nil, errStale
	}
	for i := range events {
		events[i].Seq = seqs[events[i].ID]
	}
	u.Version = version
	return u, sess, nil
}

// advanceSQL is the statement of a login step that changes nothing of its
// user (a right password that had no failures to reset, an app's
// approval): the session's change alone, under the same gate as loginSQL's
// but with the user's row locked FOR SHARE instead of rewritten, so the
// user keeps its version and no concurrent change of it commits between
// the gate and the commit. The session's row is locked first, as in every
// login statement. $8 turns synchronous_commit off for the statement's own
// transaction (SessionChange.Disposable, see Options.DurableSessions);
// otherwise the setting is left as it is.
//
// The change raises the session's version by a random step (2 to 2^31)
// rather than by one: a crash may lose it (it does not wait for the disk,
// and even a durable commit may be lost in a failover to a standby that
// replicates asynchronously), and the version it gave must then not be
// reached again by a later change of the older state (a rejected approval,
// say), or a Service that kept the lost state (the login cache,
// SessionAt.Exact) would find its version current and go on from a step
// the database no longer has. The chance that it is, after such a loss, is
// about 2^-31.
const advanceSQL = `WITH async AS (
		SELECT CASE WHEN $8::boolean THEN set_config('synchronous_commit', 'off', true) END AS off
	), gate AS (
		SELECT users.id, users.version FROM users, async,
			(SELECT count(*) AS n FROM (SELECT 1 FROM sessions x WHERE x.id = $3
				AND (NOT $6::boolean OR (x.version = $4 AND x.consumed_at IS NULL AND x.expires_at > $5::timestamptz))
				FOR UPDATE) l) lk
		WHERE users.id = $1 AND users.version = $2 AND (NOT $6::boolean OR lk.n = 1)
		FOR SHARE OF users
	), sess AS (
		UPDATE sessions SET version = sessions.version + 2 + floor(random() * 2147483645)::bigint,
			data = $7::bytea
		FROM gate
		WHERE sessions.id = $3 AND sessions.version = $4
			AND sessions.consumed_at IS NULL AND sessions.expires_at > $5::timestamptz
		RETURNING sessions.id, sessions.kind, sessions.user_id, sessions.data, sessions.created_at, sessions.expires_at,
			sessions.consumed_at, sessions.version
	)
SELECT gate.version, sess.id, sess.kind, sess.user_id, sess.data, sess.created_at, sess.expires_at, sess.consumed_at, sess.version
FROM gate LEFT JOIN sess ON true`

// advanceLogin commits change, a login session's new data, for a decision
// on base that left the user u as it was (see advanceSQL and
// LoginUpdater): errStale when base is no longer the user's state, as
// updateLogin.
func (s *Store) advanceLogin(ctx context.Context, q querier, base, u *mitid.User, at mitid.SessionAt, change *mitid.SessionChange) (*mitid.User, *mitid.Session, error) {
	async := change.Disposable && !s.durableSessions
	var rs returnedSession
	err := q.QueryRow(ctx, advanceSQL, pgID(base.ID), base.Version, at.ID, at.Version, at.Now, at.Exact, change.Data, async).
		Scan(append([]any{&u.Version}, rs.dest()...)...)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, nil, errStale
	}
	if err != nil {
		return nil, nil, s.writeError(ctx, err, base.ID, nil)
	}
	return u, rs.session(), nil
}

// returnedSession is the session's columns as a login statement returns
// them: all NULL when the session's change did not apply.
type returnedSession struct {
	id, kind                   pgtype.Text
	user                       pgtype.UUID
	data                       []byte
	created, expires, consumed pgtype.Timestamptz
	version                    pgtype.Int8
}

// utc is a scanned, possibly NULL, timestamptz column in UTC: the zero
// time when NULL. The login's statements scan into pgtype's types rather
// than into *time.Time, or **int64 and the like for a nullable column,
// which spares pgx a wrapping scan plan, built anew for every query, and
// for a pointer a reflect.New of every value: about a sixth of a login's
// allocations.
func utc(t pgtype.Timestamptz) time.Time {
	if !t.Valid {
		return time.Time{}
	}
	return t.Time.UTC()
}

// dest is what Scan fills, in the statements' column order.
func (r *returnedSession) dest() []any {
	return []any{&r.id, &r.kind, &r.user, &r.data, &r.created, &r.expires, &r.consumed, &r.version}
}

// session is the returned session, or nil when its change did not apply.
func (r *returnedSession) session() *mitid.Session {
	if !r.id.Valid {
		return nil
	}
	return &mitid.Session{ID: r.id.String, Kind: r.kind.String, Data: r.data, User: fromPG(r.user), CreatedAt: utc(r.created), ExpiresAt: utc(r.expires),
		ConsumedAt: utc(r.consumed), Version: r.version.Int64}
}
