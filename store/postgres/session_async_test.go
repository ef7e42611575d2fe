package postgres_test

import (
	"context"
	"testing"
	"time"

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
	require.NoError(t, s.CreateSession(ctx, &mitid.Session{ID: "async-1", Kind: "test", CreatedAt: now, ExpiresAt: now.Add(time.Minute)}))
	var after string
	require.NoError(t, s.Pool().QueryRow(ctx, "SHOW synchronous_commit").Scan(&after))
	assert.Equal(t, before, after, "synchronous_commit after CreateSession")
	_, err := s.Session(ctx, "async-1", now)
	assert.NoError(t, err)
}
