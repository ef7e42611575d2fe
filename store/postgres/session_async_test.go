package postgres_test

import (
	"context"
	"errors"
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
// Options.DurableSessions asks for it; BeginLogin, whose one statement
// reads the user and writes the login's session (CreateLoginSession), is
// then no durable commit, or one.
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
			assert.Equal(t, 1, stmts, "the user's lookup and the session's INSERT, in one")
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
	_, err = s.CreateLoginSession(ctx, mitid.UniqueKey{Kind: mitid.KeyUserID, Value: "nobody"},
		&mitid.Session{ID: "async-2", Kind: "login", CreatedAt: now, ExpiresAt: now.Add(time.Minute), Disposable: true})
	require.ErrorIs(t, err, mitid.ErrNotFound)
	require.NoError(t, s.Pool().QueryRow(ctx, "SHOW synchronous_commit").Scan(&after))
	assert.Equal(t, before, after, "synchronous_commit after CreateLoginSession")
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
		for _, create := range []struct {
			name string
			fn   func(s *postgres.Store, sess *mitid.Session) error
		}{
			{"CreateSession", func(s *postgres.Store, sess *mitid.Session) error { return s.CreateSession(ctx, sess) }},
			{"CreateLoginSession", func(s *postgres.Store, sess *mitid.Session) error {
				_, err := s.CreateLoginSession(ctx, mitid.UniqueKey{Kind: mitid.KeyUserID, Value: "nobody"}, sess)
				if errors.Is(err, mitid.ErrNotFound) {
					err = nil // stored for nobody, as a decoy's
				}
				return err
			}},
		} {
			t.Run(create.name+": "+tc.name, func(t *testing.T) {
				id := "seen-" + uuid.NewString()
				require.NoError(t, create.fn(tc.store, &mitid.Session{ID: id, Kind: "test", CreatedAt: now, ExpiresAt: now.Add(time.Minute), Disposable: tc.disposable}))
				var got string
				require.NoError(t, conn.QueryRow(ctx, q(`SELECT setting FROM S.commit_seen WHERE id = $1`), id).Scan(&got))
				assert.Equal(t, tc.want, got, "synchronous_commit in the INSERT's transaction")
			})
		}
	}
}

// TestLoginStep_OnlyAStepThatChangesNoUserSkipsTheWait: the server says
// (a trigger reads synchronous_commit inside each UPDATE of a session)
// which of a login's steps wait for the disk. A code records the code it
// used, a chip its counter and FinishLogin the login, so they wait; the
// right password after a code, and a chip login's password held until the
// chip answers, change nothing of the user and commit only the login's
// progress, which a crash may lose (the person gives the password again):
// they do not wait, unless the password had a failure to reset, or the
// store was opened with DurableSessions.
func TestLoginStep_OnlyAStepThatChangesNoUserSkipsTheWait(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		name          string
		kind          string
		durable       bool
		wrongPassword bool
		want          []string // the settings of the steps' commits, in order
	}{
		{"a right password with no failure to reset does not wait", "code display", false, false, []string{"on", "off", "on"}},
		{"a right password that resets a failure waits", "code display", false, true, []string{"on", "on", "on"}},
		{"with DurableSessions every step waits", "code display", true, false, []string{"on", "on", "on"}},
		{"a chip login's held password does not wait", "chip", false, false, []string{"off", "on", "on"}},
		{"with DurableSessions a held password waits", "chip", true, false, []string{"on", "on", "on"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, conn, schema := rawStore(t)
			s, err := postgres.Open(ctx, testDSN(t), postgres.Options{Schema: schema, DurableSessions: tc.durable})
			require.NoError(t, err)
			t.Cleanup(s.Close)
			q := func(sql string) string { return strings.ReplaceAll(sql, "S.", pgx.Identifier{schema}.Sanitize()+".") }
			for _, sql := range []string{
				`CREATE TABLE S.step_seen (id text, version bigint, setting text NOT NULL, PRIMARY KEY (id, version))`,
				`CREATE FUNCTION S.note_step() RETURNS trigger LANGUAGE plpgsql AS $$
				BEGIN
					INSERT INTO S.step_seen VALUES (NEW.id, NEW.version, current_setting('synchronous_commit'));
					RETURN NEW;
				END $$`,
				`CREATE TRIGGER note_step BEFORE UPDATE ON S.sessions FOR EACH ROW EXECUTE FUNCTION S.note_step()`,
			} {
				_, err := conn.Exec(ctx, q(sql))
				require.NoError(t, err)
			}
			k := newLoginKit(t, s)
			if tc.wrongPassword {
				k.beforePassword = func(id string) {
					_, err := k.svc.SubmitPassword(ctx, id, "not the password")
					require.Equal(t, mitid.CodeWrongPassword, mitid.ErrorCode(err))
				}
			}
			id := k.login(t, tc.kind)

			rows, err := conn.Query(ctx, q(`SELECT setting FROM S.step_seen WHERE id = $1 ORDER BY version`), id)
			require.NoError(t, err)
			got, err := pgx.CollectRows(rows, pgx.RowTo[string])
			require.NoError(t, err)
			assert.Equal(t, tc.want, got, "synchronous_commit of each step's commit and FinishLogin's")
		})
	}
}

// TestUpdateLogin_AStepThatChangesNoUserWaitsForAChangeInFlight: a step
// that commits only its session still stands on the user it was decided
// on at its commit, not merely at its snapshot: while another transaction
// holds an uncommitted change of the user, the step waits for it (the
// user's row is locked FOR SHARE), and once that change commits the exact
// step commits nothing and says so.
func TestUpdateLogin_AStepThatChangesNoUserWaitsForAChangeInFlight(t *testing.T) {
	s, conn, schema := rawStore(t)
	ctx := context.Background()
	now := time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC)
	seen, sess := bareLogin(t, s, "inflight", now)

	tx, err := conn.Begin(ctx)
	require.NoError(t, err)
	defer func() { _ = tx.Rollback(ctx) }()
	_, err = tx.Exec(ctx, "UPDATE "+pgx.Identifier{schema, "users"}.Sanitize()+" SET version = version + 1 WHERE id = $1", seen.ID[:])
	require.NoError(t, err)

	done := make(chan error, 1)
	go func() {
		_, _, err := s.UpdateLogin(ctx, seen, uuid.Nil, mitid.SessionAt{ID: sess.ID, Version: 1, Now: now, Exact: true},
			func(*mitid.User, *mitid.Authenticator) ([]mitid.Event, *mitid.SessionChange, error) {
				return nil, &mitid.SessionChange{Data: []byte("stepped"), Disposable: true}, nil
			})
		done <- err
	}()
	// The step is seen waiting for the user's row lock, or it did not wait.
	watch, err := pgx.Connect(ctx, testDSN(t))
	require.NoError(t, err)
	defer watch.Close(ctx)
	for waiting, deadline := 0, time.Now().Add(10*time.Second); waiting == 0; {
		select {
		case err := <-done:
			t.Fatalf("the step returned (%v) while a change of its user was in flight", err)
		case <-time.After(5 * time.Millisecond):
		}
		require.True(t, time.Now().Before(deadline), "the step is not seen waiting for a lock")
		require.NoError(t, watch.QueryRow(ctx, `SELECT count(*) FROM pg_stat_activity
			WHERE datname = current_database() AND wait_event_type = 'Lock' AND query LIKE '%FOR SHARE OF users%'`).Scan(&waiting))
	}
	require.NoError(t, tx.Commit(ctx))
	err = <-done
	assert.Equal(t, mitid.CodeConcurrentUpdate, mitid.ErrorCode(err), "the exact step commits nothing on a user that changed")
	got, err := s.Session(ctx, sess.ID, now)
	require.NoError(t, err)
	assert.Equal(t, "v1", string(got.Data), "the session stays as it was")
}

// TestCreateSession_AnInsertThatStoresNothingIsAnError: a session the
// server did not store (here a trigger of the operator's drops the row) is
// an error, in both of CreateSession's statements, never a session the
// caller believes is there.
func TestCreateSession_AnInsertThatStoresNothingIsAnError(t *testing.T) {
	s, conn, schema := rawStore(t)
	ctx := context.Background()
	q := func(sql string) string { return strings.ReplaceAll(sql, "S.", pgx.Identifier{schema}.Sanitize()+".") }
	for _, sql := range []string{
		`CREATE FUNCTION S.drop_row() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NULL; END $$`,
		`CREATE TRIGGER drop_row BEFORE INSERT ON S.sessions FOR EACH ROW EXECUTE FUNCTION S.drop_row()`,
	} {
		_, err := conn.Exec(ctx, q(sql))
		require.NoError(t, err)
	}
	now := time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC)
	for _, disposable := range []bool{false, true} {
		sess := &mitid.Session{ID: "dropped-" + uuid.NewString(), Kind: "test", CreatedAt: now, ExpiresAt: now.Add(time.Minute), Disposable: disposable}
		err := s.CreateSession(ctx, sess)
		assert.Equal(t, mitid.CodeStoreUnavailable, mitid.ErrorCode(err), "disposable %v: %v", disposable, err)
		assert.Zero(t, sess.Version, "disposable %v", disposable)
	}
}

// TestLoginCache_AStepLostInACrashIsNotTakenForAnother: a password step
// commits without waiting for the disk, and the Service keeps its state
// for FinishLogin (the login cache). If a crash loses the step and another
// change of the older state follows (here an update of the session as it
// was), the session must not come back at the version the Service kept,
// or FinishLogin would take the lost step for the current one and finish
// a login whose password the database never recorded. The loss is
// simulated by putting the session's row back as the code's step left it.
func TestLoginCache_AStepLostInACrashIsNotTakenForAnother(t *testing.T) {
	s, conn, schema := rawStore(t)
	ctx := context.Background()
	k := newLoginKit(t, s)
	k.clock.Advance(30 * time.Second)
	l, err := k.svc.BeginLogin(ctx, mitid.LoginRequest{UserID: k.users["code display"], Action: mitid.ActionLogOn, Text: "Log på", Level: mitid.LevelSubstantial})
	require.NoError(t, err)
	code, err := k.dev.Code()
	require.NoError(t, err)
	_, err = k.svc.SubmitCode(ctx, l.ID, code)
	require.NoError(t, err)
	atCode, err := s.Session(ctx, l.ID, k.clock.Now())
	require.NoError(t, err)
	done, err := k.svc.SubmitPassword(ctx, l.ID, rtPassword)
	require.NoError(t, err)
	require.Equal(t, mitid.StepDone, done.Next)

	// The crash loses the password's step, then the older state changes.
	_, err = conn.Exec(ctx, "UPDATE "+pgx.Identifier{schema, "sessions"}.Sanitize()+" SET version = $2, data = $3 WHERE id = $1",
		l.ID, atCode.Version, atCode.Data)
	require.NoError(t, err)
	_, err = s.UpdateSession(ctx, l.ID, k.clock.Now(), func(sess *mitid.Session) ([]byte, error) { return sess.Data, nil })
	require.NoError(t, err)

	_, err = k.svc.FinishLogin(ctx, l.ID)
	assert.Equal(t, mitid.CodeLoginOrder, mitid.ErrorCode(err), "the login waits for the password again: %v", err)
	_, err = k.svc.SubmitPassword(ctx, l.ID, rtPassword)
	require.NoError(t, err)
	_, err = k.svc.FinishLogin(ctx, l.ID)
	assert.NoError(t, err, "the person gives the password again and the login finishes")
}
