package postgres_test

import (
	"context"
	"encoding/json"
	"errors"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/go-mitid/mitid"
	"github.com/go-mitid/mitid/mitidtest/fake"
	"github.com/go-mitid/mitid/store/postgres"
)

func TestMigrationsAreIdempotentAndSafeToRunConcurrently(t *testing.T) {
	dsn := testDSN(t)
	schema := newSchema(t, dsn)
	ctx := context.Background()
	var wg sync.WaitGroup
	errs := make([]error, 8)
	for i := range errs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s, err := postgres.Open(ctx, dsn, postgres.Options{Schema: schema, MaxConns: 2})
			errs[i] = err
			if err == nil {
				s.Close()
			}
		}()
	}
	wg.Wait()
	for _, err := range errs {
		require.NoError(t, err)
	}
	s, err := postgres.Open(ctx, dsn, postgres.Options{Schema: schema})
	require.NoError(t, err, "opening again applies nothing and succeeds")
	s.Close()

	conn, err := pgx.Connect(ctx, dsn)
	require.NoError(t, err)
	defer conn.Close(ctx)
	var n int
	require.NoError(t, conn.QueryRow(ctx, "SELECT count(*) FROM "+pgx.Identifier{schema, "schema_migrations"}.Sanitize()).Scan(&n))
	files, err := filepath.Glob("migrations/*.sql")
	require.NoError(t, err)
	assert.Equal(t, len(files), n, "each migration recorded once")
}

func TestDatabaseDownIsUnavailableWithAnActionableMessage(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	// Port 1 on loopback: nothing listens there, so the connection is refused.
	_, err := postgres.Open(ctx, "postgres://postgres@127.0.0.1:1/none?sslmode=disable&connect_timeout=5", postgres.Options{})
	require.Error(t, err)
	require.ErrorIs(t, err, mitid.ErrUnavailable)
	assert.Equal(t, mitid.CodeStoreUnavailable, mitid.ErrorCode(err))
	var me *mitid.Error
	require.True(t, errors.As(err, &me))
	assert.Contains(t, me.Message, "try again")
	assert.Contains(t, err.Error(), "127.0.0.1", "the cause names the address that failed")

	_, err = postgres.Open(ctx, "postgres://mitid:hunter2secret@bad host:x/db", postgres.Options{})
	require.ErrorIs(t, err, mitid.ErrInvalid, "an address that cannot be parsed is a configuration error")
	assert.NotContains(t, err.Error(), "hunter2secret", "the password never reaches an error message")
}

func TestClosedStoreIsUnavailable(t *testing.T) {
	s := newStore(t)
	s.Close()
	_, err := s.User(context.Background(), uuid.New())
	require.ErrorIs(t, err, mitid.ErrUnavailable)
}

// TestConnectionLostBeforeCommitLeavesNoPartialState kills the store's
// database connections while the update function decides, so the commit
// meets a dead connection. Nothing of the change may be stored.
func TestConnectionLostBeforeCommitLeavesNoPartialState(t *testing.T) {
	dsn := testDSN(t)
	ctx := context.Background()
	app := "mitid-kill-" + uuid.NewString()[:8]
	sep := "?"
	if strings.Contains(dsn, "?") {
		sep = "&"
	}
	s, err := postgres.Open(ctx, dsn+sep+"application_name="+app, postgres.Options{Schema: newSchema(t, dsn), MaxConns: 1})
	require.NoError(t, err)
	defer s.Close()

	u := &mitid.User{ID: uuid.New(), UserID: "kill-test", Status: mitid.UserActive, Language: mitid.Danish, IAL: mitid.LevelLow,
		CreatedAt: time.Date(2026, 11, 21, 0, 0, 0, 0, time.UTC)}
	require.NoError(t, s.CreateUser(ctx, u, nil))

	admin, err := pgx.Connect(ctx, dsn)
	require.NoError(t, err)
	defer admin.Close(ctx)
	_, err = s.UpdateUser(ctx, u.ID, func(u *mitid.User) ([]mitid.Event, error) {
		var killed int
		if err := admin.QueryRow(ctx, `SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE application_name = $1`, app).Scan(&killed); err != nil {
			return nil, err
		}
		if killed == 0 {
			return nil, errors.New("no connection to kill: the test proves nothing")
		}
		u.UserID = "kill-test-new"
		u.Failures = 9
		return []mitid.Event{{ID: uuid.New(), User: u.ID, Type: mitid.EventUserIDChanged, At: u.CreatedAt,
			Notify: []mitid.Delivery{{Channel: mitid.ChannelSMS, Address: "+4512345678"}}}}, nil
	})
	require.Error(t, err)
	require.ErrorIs(t, err, mitid.ErrUnavailable, "a lost connection is reported as the store being unavailable")

	got, err := s.User(ctx, u.ID)
	require.NoError(t, err, "the pool reconnects")
	assert.Equal(t, int64(1), got.Version)
	assert.Equal(t, "kill-test", got.UserID)
	assert.Zero(t, got.Failures)
	_, err = s.FindUser(ctx, mitid.UniqueKey{Kind: mitid.KeyUserID, Value: "kill-test-new"})
	require.ErrorIs(t, err, mitid.ErrNotFound)
	evs, err := s.Events(ctx, mitid.EventFilter{User: u.ID})
	require.NoError(t, err)
	assert.Empty(t, evs)
	msgs, err := s.OutboxMessages(ctx, mitid.OutboxFilter{})
	require.NoError(t, err)
	assert.Empty(t, msgs)
}

// beforeMigration migrates a fresh schema, then makes it look as it did
// before migration version: that one and those after it not recorded as
// applied, and users.data of docType, the type it had then. It returns the
// schema's address and name, a plain connection, and a function that
// names one of its tables.
func beforeMigration(t *testing.T, version int, docType string) (dsn, schema string, conn *pgx.Conn, table func(string) string) {
	ctx := context.Background()
	dsn = testDSN(t)
	schema = newSchema(t, dsn)
	s, err := postgres.Open(ctx, dsn, postgres.Options{Schema: schema})
	require.NoError(t, err)
	s.Close()
	conn, err = pgx.Connect(ctx, dsn)
	require.NoError(t, err)
	t.Cleanup(func() { conn.Close(context.Background()) })
	table = func(name string) string { return pgx.Identifier{schema, name}.Sanitize() }
	_, err = conn.Exec(ctx, "DELETE FROM "+table("schema_migrations")+" WHERE version >= $1", version)
	require.NoError(t, err)
	_, err = conn.Exec(ctx, "ALTER TABLE "+table("users")+" ALTER COLUMN data TYPE "+docType+" USING convert_from(data, 'UTF8')::"+docType)
	require.NoError(t, err)
	return dsn, schema, conn, table
}

// TestMigrationRefusesUsersWithClearIdentifiers: a database with users
// written before CPR and document numbers were sealed is not carried on
// silently (their numbers in clear, their holders not found by CPR): the
// migration refuses, says why, and changes nothing.
func TestMigrationRefusesUsersWithClearIdentifiers(t *testing.T) {
	ctx := context.Background()
	// As before the migration (the document was jsonb then), and a user as
	// then written.
	dsn, schema, conn, table := beforeMigration(t, 12, "jsonb")
	_, err := conn.Exec(ctx, "INSERT INTO "+table("users")+` (id, version, data, created_at) VALUES ($1, 1, '{"user_id":"old","cpr":"0101901234"}', now())`, uuid.New())
	require.NoError(t, err)

	_, err = postgres.Open(ctx, dsn, postgres.Options{Schema: schema})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "enrol them again")
	var n int
	require.NoError(t, conn.QueryRow(ctx, "SELECT count(*) FROM "+table("schema_migrations")+" WHERE version = 12").Scan(&n))
	assert.Zero(t, n, "not recorded as applied")
}

// TestMigration_UsersWrittenAsJSONAreReadAndRewritten: a user written as
// JSON before the binary form survives the migration to bytea, reads as
// it was written, and is written back in the binary form at its next
// change.
func TestMigration_UsersWrittenAsJSONAreReadAndRewritten(t *testing.T) {
	ctx := context.Background()
	// As before migration 15: the document a json column.
	dsn, schema, conn, table := beforeMigration(t, 15, "json")
	at := time.Date(2026, 11, 30, 8, 0, 0, 123456789, time.UTC)
	u := &mitid.User{ID: uuid.New(), UserID: "written-as-json", Language: mitid.Danish, Status: mitid.UserActive, CreatedAt: at,
		Authenticators: []mitid.Authenticator{{ID: uuid.New(), Kind: mitid.KindPassword, State: mitid.StateActive, CreatedAt: at, StateChangedAt: at,
			Password: &mitid.PasswordHash{Salt: []byte("salt"), Hash: []byte("hash"), Time: 1, Memory: 64, Threads: 1, NFKC: true}}}}
	doc, err := json.Marshal(u)
	require.NoError(t, err)
	_, err = conn.Exec(ctx, "INSERT INTO "+table("users")+" (id, version, data, created_at) VALUES ($1, 3, $2, $3)", u.ID, string(doc), at)
	require.NoError(t, err)

	s, err := postgres.Open(ctx, dsn, postgres.Options{Schema: schema})
	require.NoError(t, err)
	defer s.Close()
	got, err := s.User(ctx, u.ID)
	require.NoError(t, err)
	u.Version = 3
	require.Equal(t, u, got)

	_, err = s.UpdateUser(ctx, u.ID, func(u *mitid.User) ([]mitid.Event, error) { u.Name = "changed"; return nil, nil })
	require.NoError(t, err)
	var first byte
	require.NoError(t, conn.QueryRow(ctx, "SELECT get_byte(data, 0) FROM "+table("users")+" WHERE id = $1", u.ID).Scan(&first))
	assert.Equal(t, byte(0x01), first, "written back in the binary form")
	got, err = s.User(ctx, u.ID)
	require.NoError(t, err)
	u.Version, u.Name = 4, "changed"
	require.Equal(t, u, got)
}

// TestDamagedRecordIsUnreadableNotUnavailable: a row the store cannot
// decode (here damaged by hand) is reported as CodeRecordUnreadable, which
// an operator must look at, not as the store being unavailable, which a
// retry would mend; an update on it changes nothing.
func TestDamagedRecordIsUnreadableNotUnavailable(t *testing.T) {
	s, conn, schema := rawStore(t)
	ctx := context.Background()
	at := time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC)
	u := &mitid.User{ID: uuid.New(), UserID: "damaged", Status: mitid.UserActive, Language: mitid.Danish, IAL: mitid.LevelLow, CreatedAt: at}
	ev := mitid.Event{ID: uuid.New(), User: u.ID, Type: mitid.EventUserCreated, At: at}
	require.NoError(t, s.CreateUser(ctx, u, []mitid.Event{ev}))
	require.NoError(t, s.CreateOrder(ctx, &mitid.Order{Number: "DMG-1", Identification: mitid.IdentifiedByMitID, Kind: mitid.KindCodeDisplay,
		Reason: mitid.ReasonNew, Delivery: mitid.DeliverPickUp, PickUpAt: "Borgerservice", TermsAccepted: true, Status: mitid.OrderPlaced, PlacedAt: at, ChangedAt: at}, nil))
	sess := &mitid.Session{ID: "damaged-login", Kind: "login", User: u.ID, CreatedAt: at, ExpiresAt: at.Add(time.Hour)}
	require.NoError(t, s.CreateSession(ctx, sess))
	damage := func(sql string) {
		_, err := conn.Exec(ctx, strings.ReplaceAll(sql, "S.", pgx.Identifier{schema}.Sanitize()+"."))
		require.NoError(t, err)
	}
	damage(`UPDATE S.users SET data = '\xff00'::bytea`)               // a form byte no version wrote
	damage(`UPDATE S.orders SET data = '{"number": 7}'::jsonb`)       // a number where a string belongs
	damage(`UPDATE S.events SET data = '{"at": "yesterday"}'::jsonb`) // no time

	for _, tc := range []struct {
		name string
		call func() error
	}{
		{"User", func() error { _, err := s.User(ctx, u.ID); return err }},
		{"FindUser", func() error {
			_, err := s.FindUser(ctx, mitid.UniqueKey{Kind: mitid.KeyUserID, Value: "damaged"})
			return err
		}},
		{"SessionUser", func() error { _, _, err := s.SessionUser(ctx, sess.ID, at); return err }},
		{"CreateLoginSession", func() error {
			_, err := s.CreateLoginSession(ctx, mitid.UniqueKey{Kind: mitid.KeyUserID, Value: "damaged"},
				&mitid.Session{ID: "damaged-begin", Kind: "login", CreatedAt: at, ExpiresAt: at.Add(time.Hour), Disposable: true})
			_, serr := s.Session(ctx, "damaged-begin", at)
			assert.Equal(t, mitid.CodeSessionNotFound, mitid.ErrorCode(serr), "a login that could not begin leaves no session: %v", serr)
			return err
		}},
		{"UpdateUser", func() error {
			_, err := s.UpdateUser(ctx, u.ID, func(u *mitid.User) ([]mitid.Event, error) { u.Failures++; return nil, nil })
			return err
		}},
		{"Order", func() error { _, err := s.Order(ctx, "DMG-1"); return err }},
		{"Events", func() error { _, err := s.Events(ctx, mitid.EventFilter{User: u.ID}); return err }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.call()
			assert.Equal(t, mitid.CodeRecordUnreadable, mitid.ErrorCode(err), "%v", err)
		})
	}
	var version int64
	require.NoError(t, conn.QueryRow(ctx, "SELECT version FROM "+pgx.Identifier{schema, "users"}.Sanitize()).Scan(&version))
	assert.Equal(t, int64(1), version, "the update on the damaged user changed nothing")
}

// TestOutboxMessageWithADamagedEventIsNotAStall: a message whose event
// cannot be decoded used to fail every claim that reached it, and the
// claim takes the oldest first, so it stopped every delivery behind it. It
// is handed out marked Unreadable (its event's ID kept), the messages
// behind it are delivered, and the Dispatcher retries it, then parks it at
// MaxAttempts as a delivery that keeps failing (kept, its last error
// saying why).
func TestOutboxMessageWithADamagedEventIsNotAStall(t *testing.T) {
	s, conn, schema := rawStore(t)
	ctx := context.Background()
	clock := fake.NewClock(time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC))
	at := clock.Now()
	u := &mitid.User{ID: uuid.New(), UserID: "poison", Status: mitid.UserActive, Language: mitid.Danish, IAL: mitid.LevelLow, CreatedAt: at}
	var evs []mitid.Event
	for range 3 {
		evs = append(evs, mitid.Event{ID: uuid.New(), User: u.ID, Type: mitid.EventUserCreated, At: at,
			Notify: []mitid.Delivery{{Channel: mitid.ChannelSMS, Address: "+4512345678"}}})
	}
	require.NoError(t, s.CreateUser(ctx, u, evs))
	table := func(name string) string { return pgx.Identifier{schema, name}.Sanitize() }
	_, err := conn.Exec(ctx, `UPDATE `+table("events")+` SET data = '{"at": "yesterday"}'::jsonb WHERE id = $1`, evs[0].ID)
	require.NoError(t, err)

	msgs, err := s.ClaimOutbox(ctx, at, time.Minute, 10)
	require.NoError(t, err, "a damaged message does not fail the claim")
	require.Len(t, msgs, 3)
	assert.Equal(t, mitid.CodeRecordUnreadable, mitid.ErrorCode(msgs[0].Unreadable))
	assert.Equal(t, evs[0].ID, msgs[0].Event.ID, "the damaged event is named")
	for i, m := range msgs[1:] {
		assert.NoError(t, m.Unreadable)
		assert.Equal(t, evs[i+1].ID, m.Event.ID)
	}

	var sent []uuid.UUID
	d := mitid.NewDispatcher(s, mitid.NotifierFunc(func(_ context.Context, n mitid.Notification) error {
		sent = append(sent, n.Event.ID)
		return nil
	}), mitid.DispatcherConfig{Clock: clock, Batch: 10, MaxAttempts: 3})
	parked := 0
	for range 10 {
		clock.Advance(time.Hour) // past every lease and back-off
		res, err := d.RunOnce(ctx)
		require.NoError(t, err)
		parked += res.Parked
	}
	assert.ElementsMatch(t, []uuid.UUID{evs[1].ID, evs[2].ID}, sent, "the messages behind it are delivered, once")
	assert.Equal(t, 1, parked)
	var dead bool
	var attempts int
	var lastError string
	require.NoError(t, conn.QueryRow(ctx, `SELECT o.dead, o.attempts, o.last_error FROM `+table("outbox")+` o WHERE o.event_id = $1`, evs[0].ID).Scan(&dead, &attempts, &lastError))
	assert.True(t, dead, "parked: kept, never claimed again")
	assert.Equal(t, 3, attempts, "parked at MaxAttempts")
	assert.Contains(t, lastError, "record_unreadable")
}
