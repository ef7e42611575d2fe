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
	{"CreateLoginSession/FindsTheUserByEveryKeyOfTheirsAsFindUserDoes", testBeginnerEveryKey},
	{"CreateLoginSession/ReturnsTheUserAsLastCommittedAsASnapshot", testBeginnerCommitted},
	{"CreateLoginSession/NotFoundIsFindUsersErrorAndTheSessionIsStoredAsGiven", testBeginnerNotFoundAsFindUser},
	{"CreateLoginSession/ASessionIDInUseIsConflictForAKeyNobodyHoldsToo", testBeginnerConflictNobody},
	{"Contention/LoginSessionsBegunAtOnceAreEachStoredOnce", testContentionBeginner},
}

// begunSession is a login session as BeginLogin stores it, for nobody yet.
func begunSession(disposable bool) *mitid.Session {
	return &mitid.Session{ID: "begun-" + uuid.NewString(), Kind: "login", Data: []byte("as begun"), CreatedAt: t0,
		ExpiresAt: t0.Add(10 * time.Minute), Disposable: disposable}
}

func testBeginnerFound(t *testing.T, s mitid.Store) {
	ctx := context.Background()
	b := capability[mitid.LoginBeginner](t, s)
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
	b := capability[mitid.LoginBeginner](t, s)
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
	b := capability[mitid.LoginBeginner](t, s)
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
	b := capability[mitid.LoginBeginner](t, s)
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

// testBeginnerEveryKey: the user is found by each of their unique keys, as
// FindUser finds them, and by no key that only shares a value with one of
// theirs (the kind is part of the key).
func testBeginnerEveryKey(t *testing.T, s mitid.Store) {
	ctx := context.Background()
	b := capability[mitid.LoginBeginner](t, s)
	u, _, _, _ := withDevices(t)
	create(t, s, u)
	keys := u.UniqueKeys()
	require.Greater(t, len(keys), 1, "the user holds keys of more than one kind")
	for _, k := range keys {
		want, err := s.FindUser(ctx, k)
		require.NoError(t, err, "FindUser by %s", k.Kind)
		sess := begunSession(true)
		got, err := b.CreateLoginSession(ctx, k, sess)
		require.NoError(t, err, "by %s", k.Kind)
		assert.Equal(t, want, got, "by %s: the user as FindUser reads it", k.Kind)
		assert.Equal(t, u.ID, storedSession(t, s, sess.ID).User, "by %s: the session names the user", k.Kind)
	}
	other := mitid.UniqueKey{Kind: mitid.KeyCPR, Value: u.UserID} // a user ID's value under another kind
	_, err := s.FindUser(ctx, other)
	require.ErrorIs(t, err, mitid.ErrNotFound, "FindUser finds nobody by a value of another kind")
	sess := begunSession(true)
	_, err = b.CreateLoginSession(ctx, other, sess)
	require.ErrorIs(t, err, mitid.ErrNotFound, "nor does CreateLoginSession")
	assert.Equal(t, uuid.Nil, storedSession(t, s, sess.ID).User)
}

// testBeginnerCommitted: the user returned is the committed one, its
// version and state as FindUser reads them after a change, and a snapshot:
// a later change leaves it as it was.
func testBeginnerCommitted(t *testing.T, s mitid.Store) {
	ctx := context.Background()
	b := capability[mitid.LoginBeginner](t, s)
	u, _, _, _ := withDevices(t)
	create(t, s, u)
	changedSince(t, s, u.ID)
	key := mitid.UniqueKey{Kind: mitid.KeyUserID, Value: u.UserID}
	want, err := s.FindUser(ctx, key)
	require.NoError(t, err)
	got, err := b.CreateLoginSession(ctx, key, begunSession(true))
	require.NoError(t, err)
	assert.Equal(t, want, got, "the user as FindUser reads it")
	assert.Equal(t, int64(2), got.Version, "the version of the last commit")
	assert.Equal(t, 5, got.Failures, "the state of the last commit")

	_, err = s.UpdateUser(ctx, u.ID, func(u *mitid.User) ([]mitid.Event, error) {
		u.Failures = 7
		return nil, nil
	})
	require.NoError(t, err)
	assert.Equal(t, int64(2), got.Version, "a snapshot returned earlier is never changed")
	assert.Equal(t, 5, got.Failures, "a snapshot returned earlier is never changed")
}

// testBeginnerNotFoundAsFindUser: a key nobody holds fails with the error
// FindUser gives, and the session is stored all the same, at version 1,
// as the caller gave it.
func testBeginnerNotFoundAsFindUser(t *testing.T, s mitid.Store) {
	ctx := context.Background()
	b := capability[mitid.LoginBeginner](t, s)
	key := mitid.UniqueKey{Kind: mitid.KeyUserID, Value: "nobody-" + uuid.NewString()}
	_, want := s.FindUser(ctx, key)
	require.ErrorIs(t, want, mitid.ErrNotFound)
	for _, disposable := range []bool{true, false} {
		sess := begunSession(disposable)
		_, err := b.CreateLoginSession(ctx, key, sess)
		require.ErrorIs(t, err, mitid.ErrNotFound, "disposable %v", disposable)
		assert.Equal(t, mitid.ErrorCode(want), mitid.ErrorCode(err), "disposable %v: FindUser's error", disposable)
		assert.Equal(t, mitid.CodeUserNotFound, mitid.ErrorCode(err), "disposable %v", disposable)
		assert.Equal(t, int64(1), sess.Version, "disposable %v", disposable)
		stored := storedSession(t, s, sess.ID)
		assert.Equal(t, "login", stored.Kind, "disposable %v", disposable)
		assert.Equal(t, []byte("as begun"), stored.Data, "disposable %v", disposable)
		assert.True(t, stored.CreatedAt.Equal(sess.CreatedAt), "disposable %v", disposable)
		assert.True(t, stored.ExpiresAt.Equal(sess.ExpiresAt), "disposable %v", disposable)
		assert.True(t, stored.ConsumedAt.IsZero(), "disposable %v", disposable)
		assert.Equal(t, int64(1), stored.Version, "disposable %v", disposable)
		assert.False(t, stored.Disposable, "disposable %v: a request, not part of the session", disposable)
	}
}

// testBeginnerConflictNobody: a session ID in use is a conflict, with the
// code CreateSession gives, whether or not anybody holds the key, and
// stores nothing.
func testBeginnerConflictNobody(t *testing.T, s mitid.Store) {
	ctx := context.Background()
	b := capability[mitid.LoginBeginner](t, s)
	first := begunSession(false)
	require.NoError(t, s.CreateSession(ctx, first))
	want := s.CreateSession(ctx, &mitid.Session{ID: first.ID, Kind: "login", CreatedAt: t0, ExpiresAt: t0.Add(time.Minute)})
	require.ErrorIs(t, want, mitid.ErrConflict)
	again := begunSession(true)
	again.ID, again.Data = first.ID, []byte("another")
	_, err := b.CreateLoginSession(ctx, mitid.UniqueKey{Kind: mitid.KeyUserID, Value: "nobody-" + uuid.NewString()}, again)
	require.ErrorIs(t, err, mitid.ErrConflict)
	assert.Equal(t, mitid.ErrorCode(want), mitid.ErrorCode(err), "CreateSession's conflict")
	stored := storedSession(t, s, first.ID)
	assert.Equal(t, []byte("as begun"), stored.Data, "the first session as it was")
	assert.Equal(t, int64(1), stored.Version)
}
