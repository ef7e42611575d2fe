package storetest

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/go-mitid/mitid"
)

// The tests of mitid.LoginBeginner, with which BeginLogin reads the user
// and stores the login in one step (a store without it skips them).

var beginnerTests = []suiteTest{
	{"CreateLoginSession/ReadsTheUserAndStoresTheSessionTogether", testBeginnerFound},
	{"CreateLoginSession/AKeyNobodyHoldsStillStoresTheSession", testBeginnerNotFound},
	{"CreateLoginSession/ASessionIDInUseIsConflictAndStoresNothing", testBeginnerConflict},
	{"Contention/LoginSessionsBegunAtOnceAreEachStoredOnce", testContentionBeginner},
}

// loginBeginner returns s as a LoginBeginner, or skips the test.
func loginBeginner(t *testing.T, s mitid.Store) mitid.LoginBeginner {
	t.Helper()
	c, ok := s.(mitid.LoginBeginner)
	if !ok {
		t.Skip("the store does not offer mitid.LoginBeginner")
	}
	return c
}

// begunSession is a login session as BeginLogin stores it, for nobody yet.
func begunSession(disposable bool) *mitid.Session {
	return &mitid.Session{ID: "begun-" + uuid.NewString(), Kind: "login", Data: []byte("as begun"), CreatedAt: t0,
		ExpiresAt: t0.Add(10 * time.Minute), Disposable: disposable}
}

func testBeginnerFound(t *testing.T, s mitid.Store) {
	ctx := context.Background()
	b := loginBeginner(t, s)
	u, _, _, _ := withDevices(t)
	create(t, s, u)
	key := mitid.UniqueKey{Kind: mitid.KeyUserID, Value: u.UserID}
	want, err := s.FindUser(ctx, key)
	require.NoError(t, err)
	for _, disposable := range []bool{true, false} {
		sess := begunSession(disposable)
		got, err := b.CreateLoginSession(ctx, key, sess)
		require.NoError(t, err)
		assert.Equal(t, want, got, "the user as FindUser reads it")
		assert.Equal(t, u.ID, sess.User, "the session names the user")
		assert.Equal(t, int64(1), sess.Version)
		stored := storedSession(t, s, sess.ID)
		assert.Equal(t, u.ID, stored.User)
		assert.Equal(t, []byte("as begun"), stored.Data)
		assert.Equal(t, int64(1), stored.Version)
		assert.Equal(t, "login", stored.Kind)
	}
}

func testBeginnerNotFound(t *testing.T, s mitid.Store) {
	ctx := context.Background()
	b := loginBeginner(t, s)
	sess := begunSession(true)
	sess.User = uuid.New() // whatever the caller left there, the store sets it
	got, err := b.CreateLoginSession(ctx, mitid.UniqueKey{Kind: mitid.KeyUserID, Value: "nobody-" + uuid.NewString()}, sess)
	assert.ErrorIs(t, err, mitid.ErrNotFound)
	assert.Nil(t, got)
	assert.Equal(t, uuid.Nil, sess.User)
	stored := storedSession(t, s, sess.ID)
	assert.Equal(t, uuid.Nil, stored.User, "a decoy's session, stored all the same")
	assert.Equal(t, []byte("as begun"), stored.Data)
}

func testBeginnerConflict(t *testing.T, s mitid.Store) {
	ctx := context.Background()
	b := loginBeginner(t, s)
	u, _, _, _ := withDevices(t)
	create(t, s, u)
	first := begunSession(true)
	require.NoError(t, s.CreateSession(ctx, first))
	again := begunSession(true)
	again.ID, again.Data = first.ID, []byte("another")
	_, err := b.CreateLoginSession(ctx, mitid.UniqueKey{Kind: mitid.KeyUserID, Value: u.UserID}, again)
	assert.ErrorIs(t, err, mitid.ErrConflict)
	stored := storedSession(t, s, first.ID)
	assert.Equal(t, []byte("as begun"), stored.Data, "the first session as it was")
	assert.Equal(t, uuid.Nil, stored.User)
	assert.Equal(t, int64(1), stored.Version)
}

// testContentionBeginner: many logins of one person begun at once while
// their record changes are each stored, naming them, each with the user as
// committed at some point; of many begun with one ID, one is stored.
func testContentionBeginner(t *testing.T, s mitid.Store) {
	ctx := context.Background()
	b := loginBeginner(t, s)
	u, _, _, _ := withDevices(t)
	create(t, s, u)
	key := mitid.UniqueKey{Kind: mitid.KeyUserID, Value: u.UserID}
	const n = 32
	var wg sync.WaitGroup
	ids := make([]string, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sess := begunSession(i%2 == 0)
			got, err := b.CreateLoginSession(ctx, key, sess)
			if assert.NoError(t, err) {
				assert.Equal(t, u.ID, got.ID)
				ids[i] = sess.ID
			}
		}()
	}
	wg.Add(1)
	go func() {
		defer wg.Done()
		for range 8 {
			_, err := s.UpdateUser(ctx, u.ID, func(u *mitid.User) ([]mitid.Event, error) {
				u.Failures++
				return nil, nil
			})
			assert.NoError(t, err)
		}
	}()
	wg.Wait()
	for _, id := range ids {
		if id != "" {
			assert.Equal(t, u.ID, storedSession(t, s, id).User)
		}
	}

	shared := begunSession(true)
	var stored, conflicts atomic.Int32
	for range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sess := *shared
			_, err := b.CreateLoginSession(ctx, key, &sess)
			switch {
			case err == nil:
				stored.Add(1)
			case errors.Is(err, mitid.ErrConflict):
				conflicts.Add(1)
			default:
				t.Errorf("a login begun with an ID in use: %v", err)
			}
		}()
	}
	wg.Wait()
	assert.Equal(t, int32(1), stored.Load(), "one login stored")
	assert.Equal(t, int32(n-1), conflicts.Load(), "the rest refused as conflicts")
}
