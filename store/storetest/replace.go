package storetest

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/go-mitid/mitid"
)

// The tests of ReplaceSession (mitid.SessionReplacer, an optional
// capability), the compare-and-set of a session's data that records a
// login step. A store without it skips them.

var replaceTests = []suiteTest{
	{"ReplaceSession/SetsDataAtTheVersionReadOnly", testReplaceSession},
	{"ReplaceSession/ConsumedExpiredAndUnknownAsInSession", testReplaceSessionNotLive},
	{"Contention/SessionReplacedOncePerVersion", testContentionReplace},
}

func newSession(t *testing.T, s mitid.Store) *mitid.Session {
	t.Helper()
	sess := &mitid.Session{ID: "sess-" + uuid.NewString(), Kind: "login", User: uuid.New(), Data: []byte("v1"), CreatedAt: t0, ExpiresAt: t0.Add(10 * time.Minute)}
	require.NoError(t, s.CreateSession(context.Background(), sess))
	return sess
}

func testReplaceSession(t *testing.T, s mitid.Store) {
	ctx := context.Background()
	sess := newSession(t, s)
	before, err := s.Session(ctx, sess.ID, t0)
	require.NoError(t, err)

	got, err := capability[mitid.SessionReplacer](t, s).ReplaceSession(ctx, sess.ID, 1, t0.Add(time.Minute), []byte("v2"))
	require.NoError(t, err)
	assert.Equal(t, int64(2), got.Version)
	assert.Equal(t, "v2", string(got.Data))
	assert.Equal(t, sess.User, got.User, "only Data changes")
	assert.True(t, got.ExpiresAt.Equal(sess.ExpiresAt), "only Data changes")
	assert.Equal(t, "v1", string(before.Data), "a snapshot read earlier keeps its state")
	assert.Equal(t, int64(1), before.Version)

	_, err = capability[mitid.SessionReplacer](t, s).ReplaceSession(ctx, sess.ID, 1, t0.Add(time.Minute), []byte("stale"))
	require.ErrorIs(t, err, mitid.ErrConflict, "the session moved on from version 1")
	assert.Equal(t, mitid.CodeConcurrentUpdate, mitid.ErrorCode(err))
	read, err := s.Session(ctx, sess.ID, t0.Add(time.Minute))
	require.NoError(t, err)
	assert.Equal(t, "v2", string(read.Data), "a refused replacement changes nothing")
	assert.Equal(t, int64(2), read.Version)

	_, err = capability[mitid.SessionReplacer](t, s).ReplaceSession(ctx, sess.ID, 2, t0.Add(time.Minute), []byte("v3"))
	require.NoError(t, err, "the current version replaces")
}

func testReplaceSessionNotLive(t *testing.T, s mitid.Store) {
	ctx := context.Background()
	expired := newSession(t, s)
	_, err := capability[mitid.SessionReplacer](t, s).ReplaceSession(ctx, expired.ID, 1, expired.ExpiresAt, []byte("late"))
	require.ErrorIs(t, err, mitid.ErrExpired)

	consumed := newSession(t, s)
	_, err = s.ConsumeSession(ctx, consumed.ID, t0)
	require.NoError(t, err)
	for _, v := range []int64{1, 2} {
		_, err = capability[mitid.SessionReplacer](t, s).ReplaceSession(ctx, consumed.ID, v, t0, []byte("after"))
		require.ErrorIs(t, err, mitid.ErrReplay, "a consumed session, at version %d", v)
	}

	_, err = capability[mitid.SessionReplacer](t, s).ReplaceSession(ctx, "sess-"+uuid.NewString(), 1, t0, []byte("x"))
	require.ErrorIs(t, err, mitid.ErrNotFound)
}

// testContentionReplace: of many replacements of one version at once,
// exactly one wins; the others are told the session moved on.
func testContentionReplace(t *testing.T, s mitid.Store) {
	ctx := context.Background()
	r := capability[mitid.SessionReplacer](t, s) // here: a skip in a goroutine would not skip the test
	sess := newSession(t, s)
	var won, conflicts atomic.Int64
	parallel(Goroutines, func(i int) {
		_, err := r.ReplaceSession(ctx, sess.ID, 1, t0, []byte{byte(i)})
		switch {
		case err == nil:
			won.Add(1)
		case mitid.ErrorCode(err) == mitid.CodeConcurrentUpdate:
			conflicts.Add(1)
		default:
			t.Error(err)
		}
	})
	assert.Equal(t, int64(1), won.Load(), "exactly one replacement of version 1")
	assert.Equal(t, int64(Goroutines-1), conflicts.Load())
	got, err := s.Session(ctx, sess.ID, t0)
	require.NoError(t, err)
	assert.Equal(t, int64(2), got.Version)
}
