package postgres_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/go-mitid/mitid"
	"github.com/go-mitid/mitid/store/postgres"
)

// TestCreateSession_DoesNotWaitForTheDiskUnlessDurable: a new session
// commits without a WAL flush of its own by default, and with one when
// Options.DurableSessions asks for it; BeginLogin, whose one write is the
// login's session, is then no durable commit, or one.
func TestCreateSession_DoesNotWaitForTheDiskUnlessDurable(t *testing.T) {
	for _, tc := range []struct {
		name    string
		durable bool
		commits int
	}{
		{"by default a new session commits without waiting for the disk", false, 0},
		{"DurableSessions makes it wait as every other commit does", true, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, c := tracedStoreWith(t, postgres.Options{DurableSessions: tc.durable})
			k := newLoginKit(t, s)
			ctx := context.Background()
			req := mitid.LoginRequest{UserID: k.users["app"], Action: mitid.ActionLogOn, Text: "Log on", Level: mitid.LevelSubstantial}
			_, err := k.svc.BeginLogin(ctx, req) // warms pgx's statement cache
			require.NoError(t, err)
			var l *mitid.Login
			stmts, commits, log := c.count(func() { l, err = k.svc.BeginLogin(ctx, req) })
			require.NoError(t, err)
			t.Logf("BeginLogin: %v", log)
			assert.Equal(t, 2, stmts, "the user's lookup and the session's INSERT")
			assert.Equal(t, tc.commits, commits, "durable commits of BeginLogin")
			_, err = k.svc.ResumeLogin(ctx, l.ID)
			assert.NoError(t, err, "the session is there for the next step at once")
		})
	}
}

// TestCreateSession_AsyncCommitEndsWithItsTransaction: the setting that
// lets a new session commit without waiting for the disk is its own
// transaction's: the pooled connection goes back to the server's
// synchronous_commit, so every later commit on it waits as it should.
func TestCreateSession_AsyncCommitEndsWithItsTransaction(t *testing.T) {
	s, _ := tracedStore(t) // a pool of one connection: the next statement runs on the same one
	ctx := context.Background()
	now := time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC)
	var before string
	require.NoError(t, s.Pool().QueryRow(ctx, "SHOW synchronous_commit").Scan(&before))
	require.NotEqual(t, "off", before, "the test server commits synchronously")
	require.NoError(t, s.CreateSession(ctx, &mitid.Session{ID: "async-1", Kind: "test", CreatedAt: now, ExpiresAt: now.Add(time.Minute), Disposable: true}))
	var after string
	require.NoError(t, s.Pool().QueryRow(ctx, "SHOW synchronous_commit").Scan(&after))
	assert.Equal(t, before, after, "synchronous_commit after CreateSession")
	_, err := s.Session(ctx, "async-1", now)
	assert.NoError(t, err)
}

// TestCreateSession_OnlyADisposableSessionSkipsTheWait: the server itself
// says (a trigger reads synchronous_commit inside each INSERT's
// transaction) that a Disposable session commits without waiting for the
// disk, and that any other session, or any session with DurableSessions,
// waits as every commit does: a session that follows a durable step (a
// chip registration after a spent activation code) must not be lost.
func TestCreateSession_OnlyADisposableSessionSkipsTheWait(t *testing.T) {
	plain, conn, schema := rawStore(t)
	ctx := context.Background()
	durable, err := postgres.Open(ctx, testDSN(t), postgres.Options{Schema: schema, DurableSessions: true})
	require.NoError(t, err)
	t.Cleanup(durable.Close)
	q := func(sql string) string { return strings.ReplaceAll(sql, "S.", pgx.Identifier{schema}.Sanitize()+".") }
	for _, sql := range []string{
		`CREATE TABLE S.commit_seen (id text PRIMARY KEY, setting text NOT NULL)`,
		`CREATE FUNCTION S.note_commit() RETURNS trigger LANGUAGE plpgsql AS $$
		BEGIN
			INSERT INTO S.commit_seen VALUES (NEW.id, current_setting('synchronous_commit'));
			RETURN NEW;
		END $$`,
		`CREATE TRIGGER note_commit BEFORE INSERT ON S.sessions FOR EACH ROW EXECUTE FUNCTION S.note_commit()`,
	} {
		_, err := conn.Exec(ctx, q(sql))
		require.NoError(t, err)
	}
	now := time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		name       string
		store      *postgres.Store
		disposable bool
		want       string
	}{
		{"a disposable session commits without waiting for the disk", plain, true, "off"},
		{"any other session waits", plain, false, "on"},
		{"with DurableSessions a disposable one waits too", durable, true, "on"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			id := "seen-" + uuid.NewString()
			require.NoError(t, tc.store.CreateSession(ctx, &mitid.Session{ID: id, Kind: "test", CreatedAt: now, ExpiresAt: now.Add(time.Minute), Disposable: tc.disposable}))
			var got string
			require.NoError(t, conn.QueryRow(ctx, q(`SELECT setting FROM S.commit_seen WHERE id = $1`), id).Scan(&got))
			assert.Equal(t, tc.want, got, "synchronous_commit in the INSERT's transaction")
		})
	}
}
