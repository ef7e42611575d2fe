package storetest

import (
	"context"
	"errors"
	"reflect"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/go-mitid/mitid"
)

// The tests of the optional capabilities a login step uses,
// mitid.SessionUserReader and mitid.LoginUpdater (a store without one
// skips its tests), and the Service's behaviour on a store that offers
// none of the capabilities (CoreOnly), which keeps its fallbacks honest.

var capabilityTests = []suiteTest{
	{"SessionUser/ReadsTheSessionAndItsUserTogether", testSessionUser},
	{"SessionUser/NotLiveOrUnknownAsInSessionAndUser", testSessionUserNotLive},
	{"UpdateLogin/CommitsUserEventsOutboxAndSessionTogether", testLoginCommits},
	{"UpdateLogin/ConsumesTheSessionWithTheUser", testLoginConsumes},
	{"UpdateLogin/SessionThatMovedOnLeavesTheUsersChangeAlone", testLoginMovedOn},
	{"UpdateLogin/FunctionErrorCommitsNothing", testLoginFnError},
	{"UpdateLogin/StaleSnapshotIsDecidedAgainOnTheNewerUser", testLoginStale},
	{"UpdateLogin/TakenUniqueKeyIsConflictAndCommitsNothing", testLoginConflict},
	{"Contention/LoginUpdatesOfOneLoginLoseNoFailureAndApplyOnce", testContentionLoginOneSession},
	{"Contention/LoginUpdatesOfOneUserOnManyLoginsLoseNothing", testContentionLoginManySessions},
}

// CoreOnly returns s seen through the core contract alone: the value has
// the method set of mitid.Store, so none of s's optional capabilities is
// found on it. The suite runs the Service's tests on it as well, so the
// Service's fallbacks for a store without capabilities are tested on every
// store.
func CoreOnly(s mitid.Store) mitid.Store { return coreOnly{s} }

type coreOnly struct{ mitid.Store }

// capability returns s as C, one of the optional store capabilities
// (mitid.LoginBeginner, mitid.Purger, …), or skips the test: a store need
// not offer it, and the Service works without it.
func capability[C any](t *testing.T, s mitid.Store) C {
	t.Helper()
	c, ok := s.(C)
	if !ok {
		t.Skipf("%T does not offer %s (an optional capability)", s, reflect.TypeFor[C]())
	}
	return c
}

// loginOf creates a login session of user u and returns it.
func loginOf(t *testing.T, s mitid.Store, u uuid.UUID) *mitid.Session {
	t.Helper()
	sess := &mitid.Session{ID: "login-" + uuid.NewString(), Kind: "login", User: u, Data: []byte("v1"), CreatedAt: t0, ExpiresAt: t0.Add(10 * time.Minute)}
	require.NoError(t, s.CreateSession(context.Background(), sess))
	return sess
}

// aLogin creates a person with devices and a login session of theirs, and
// returns the person as stored (the snapshot a step decides on), their
// code display and the session.
func aLogin(t *testing.T, s mitid.Store) (seen *mitid.User, code uuid.UUID, sess *mitid.Session) {
	t.Helper()
	u, code, _, _ := withDevices(t)
	create(t, s, u)
	sess = loginOf(t, s, u.ID)
	return read(t, s, u.ID), code, sess
}

// changedSince commits a change to user id (five failures), so that a
// snapshot read before is stale.
func changedSince(t *testing.T, s mitid.Store, id uuid.UUID) {
	t.Helper()
	_, err := s.UpdateUser(context.Background(), id, func(u *mitid.User) ([]mitid.Event, error) {
		u.Failures = 5
		return nil, nil
	})
	require.NoError(t, err)
}

// storedSession reads session id as the store keeps it, live at t0.
func storedSession(t *testing.T, s mitid.Store, id string) *mitid.Session {
	t.Helper()
	sess, err := s.Session(context.Background(), id, t0)
	require.NoError(t, err)
	return sess
}

// read returns the user as committed.
func read(t *testing.T, s mitid.Store, id uuid.UUID) *mitid.User {
	t.Helper()
	u, err := s.User(context.Background(), id)
	require.NoError(t, err)
	return u
}

func testSessionUser(t *testing.T, s mitid.Store) {
	ctx := context.Background()
	r := capability[mitid.SessionUserReader](t, s)
	u, _, _, _ := withDevices(t)
	create(t, s, u)
	sess := loginOf(t, s, u.ID)
	gotSess, gotUser, err := r.SessionUser(ctx, sess.ID, t0.Add(time.Minute))
	require.NoError(t, err)
	wantSess, err := s.Session(ctx, sess.ID, t0.Add(time.Minute))
	require.NoError(t, err)
	assert.Equal(t, wantSess, gotSess, "the session as Session reads it")
	assert.Equal(t, read(t, s, u.ID), gotUser, "the user as User reads it")

	anon := &mitid.Session{ID: "anon-" + uuid.NewString(), Kind: "login", Data: []byte("d"), CreatedAt: t0, ExpiresAt: t0.Add(time.Minute)}
	require.NoError(t, s.CreateSession(ctx, anon))
	gotSess, gotUser, err = r.SessionUser(ctx, anon.ID, t0)
	require.NoError(t, err)
	assert.Equal(t, anon.ID, gotSess.ID)
	assert.Nil(t, gotUser, "a session that names no user comes without one")
}

func testSessionUserNotLive(t *testing.T, s mitid.Store) {
	ctx := context.Background()
	r := capability[mitid.SessionUserReader](t, s)
	u, _, _, _ := withDevices(t)
	create(t, s, u)
	sess := loginOf(t, s, u.ID)
	_, _, err := r.SessionUser(ctx, sess.ID, sess.ExpiresAt)
	require.ErrorIs(t, err, mitid.ErrExpired)
	_, err = s.ConsumeSession(ctx, sess.ID, t0)
	require.NoError(t, err)
	_, _, err = r.SessionUser(ctx, sess.ID, t0)
	require.ErrorIs(t, err, mitid.ErrReplay)
	_, _, err = r.SessionUser(ctx, "login-"+uuid.NewString(), t0)
	require.ErrorIs(t, err, mitid.ErrNotFound)
	assert.Equal(t, mitid.CodeSessionNotFound, mitid.ErrorCode(err))
	orphan := loginOf(t, s, uuid.New())
	_, _, err = r.SessionUser(ctx, orphan.ID, t0)
	require.ErrorIs(t, err, mitid.ErrNotFound)
	assert.Equal(t, mitid.CodeUserNotFound, mitid.ErrorCode(err), "a session naming a user that does not exist")
}

// at names sess at its version, a minute after t0.
func at(sess *mitid.Session) mitid.SessionAt {
	return mitid.SessionAt{ID: sess.ID, Version: sess.Version, Now: t0.Add(time.Minute)}
}

func testLoginCommits(t *testing.T, s mitid.Store) {
	ctx := context.Background()
	c := capability[mitid.LoginUpdater](t, s)
	u, code, password, _ := withDevices(t)
	create(t, s, u)
	sess := loginOf(t, s, u.ID)
	seen := read(t, s, u.ID)
	var returned []mitid.Event
	got, after, err := c.UpdateLogin(ctx, seen, code, at(sess), func(u *mitid.User, a *mitid.Authenticator) ([]mitid.Event, *mitid.SessionChange, error) {
		require.Equal(t, code, a.ID, "a is the named authenticator")
		u.Failures = 2
		a.Failures, a.OTP.LastStep = 1, 101
		returned = []mitid.Event{event(u, mitid.EventAuthenticatorFailed, mitid.Delivery{Channel: mitid.ChannelSMS, Address: u.Phone})}
		return returned, &mitid.SessionChange{Data: []byte("v2")}, nil
	})
	require.NoError(t, err)
	assert.Equal(t, int64(2), got.Version)
	require.Positive(t, returned[0].Seq, "Seq is set on the events the function returned")
	assert.Equal(t, got, read(t, s, u.ID))
	a, err := got.Authenticator(code)
	require.NoError(t, err)
	assert.Equal(t, int64(101), a.OTP.LastStep)
	assert.Equal(t, 2, got.Failures)
	pw, err := got.Authenticator(password)
	require.NoError(t, err)
	assert.Equal(t, u.Authenticators[1], *pw, "the other authenticators are as they were")
	assert.Zero(t, seen.Failures, "the snapshot the caller read keeps its state")
	assert.Equal(t, int64(100), seen.Authenticators[0].OTP.LastStep)

	require.NotNil(t, after, "the session's change applied")
	assert.Equal(t, "v2", string(after.Data))
	assert.Equal(t, int64(2), after.Version)
	stored, err := s.Session(ctx, sess.ID, t0.Add(time.Minute))
	require.NoError(t, err)
	assert.Equal(t, stored, after)
	assert.Equal(t, u.ID, stored.User, "only Data changes")
	assert.True(t, stored.ExpiresAt.Equal(sess.ExpiresAt))

	evs := userEvents(t, s, u.ID)
	require.Len(t, evs, 2)
	assert.Equal(t, returned[0].ID, evs[1].ID)
	msgs, err := s.OutboxMessages(ctx, mitid.OutboxFilter{User: u.ID})
	require.NoError(t, err)
	require.Len(t, msgs, 1, "one outbox message per delivery, in the same commit")

	// Without an authenticator the whole user is the function's; without a
	// change the session stays.
	got, after, err = c.UpdateLogin(ctx, got, uuid.Nil, mitid.SessionAt{ID: sess.ID, Version: 2, Now: t0}, func(u *mitid.User, a *mitid.Authenticator) ([]mitid.Event, *mitid.SessionChange, error) {
		assert.Nil(t, a)
		u.Authenticators[1].Failures = 7
		return nil, nil, nil
	})
	require.NoError(t, err)
	assert.Nil(t, after, "no change asked for, none made")
	assert.Equal(t, 7, got.Authenticators[1].Failures)
	stored = storedSession(t, s, sess.ID)
	assert.Equal(t, int64(2), stored.Version)
}

func testLoginConsumes(t *testing.T, s mitid.Store) {
	ctx := context.Background()
	c := capability[mitid.LoginUpdater](t, s)
	u, _, _, _ := withDevices(t)
	create(t, s, u)
	sess := loginOf(t, s, u.ID)
	got, after, err := c.UpdateLogin(ctx, read(t, s, u.ID), uuid.Nil, at(sess), func(u *mitid.User, _ *mitid.Authenticator) ([]mitid.Event, *mitid.SessionChange, error) {
		u.Logins = append(u.Logins, mitid.FinishedLogin{At: t0, Method: mitid.MethodApp})
		return []mitid.Event{event(u, mitid.EventAuthenticatorUsed)}, &mitid.SessionChange{Consume: true, Data: []byte("ignored")}, nil
	})
	require.NoError(t, err)
	require.NotNil(t, after)
	assert.True(t, after.ConsumedAt.Equal(t0.Add(time.Minute)), "consumed at the moment named")
	assert.Equal(t, "v1", string(after.Data), "consuming leaves Data")
	assert.Len(t, got.Logins, 1)
	_, err = s.Session(ctx, sess.ID, t0.Add(time.Minute))
	require.ErrorIs(t, err, mitid.ErrReplay, "the session is consumed with the user's change")
	_, err = s.ConsumeSession(ctx, sess.ID, t0.Add(time.Minute))
	require.ErrorIs(t, err, mitid.ErrReplay)
}

func testLoginMovedOn(t *testing.T, s mitid.Store) {
	ctx := context.Background()
	c := capability[mitid.LoginUpdater](t, s)
	u, code, _, _ := withDevices(t)
	create(t, s, u)
	moved, consumed, expired := loginOf(t, s, u.ID), loginOf(t, s, u.ID), loginOf(t, s, u.ID)
	_, err := s.UpdateSession(ctx, moved.ID, t0, func(*mitid.Session) ([]byte, error) { return []byte("other"), nil })
	require.NoError(t, err)
	_, err = s.ConsumeSession(ctx, consumed.ID, t0)
	require.NoError(t, err)
	for i, tc := range []struct {
		name string
		at   mitid.SessionAt
	}{
		{"moved on", at(moved)},
		{"consumed", at(consumed)},
		{"expired", mitid.SessionAt{ID: expired.ID, Version: 1, Now: expired.ExpiresAt}},
		{"unknown", mitid.SessionAt{ID: "login-" + uuid.NewString(), Version: 1, Now: t0}},
	} {
		got, after, err := c.UpdateLogin(ctx, read(t, s, u.ID), code, tc.at, func(u *mitid.User, a *mitid.Authenticator) ([]mitid.Event, *mitid.SessionChange, error) {
			u.Failures++
			a.Failures++
			return []mitid.Event{event(u, mitid.EventAuthenticatorFailed)}, &mitid.SessionChange{Data: []byte("mine")}, nil
		})
		require.NoError(t, err, tc.name)
		assert.Nil(t, after, "%s: the session's change did not apply", tc.name)
		assert.Equal(t, i+1, got.Failures, "%s: the user's change committed alone", tc.name)
	}
	assert.Len(t, userEvents(t, s, u.ID), 5, "every failure's event is in")
	m, err := s.Session(ctx, moved.ID, t0)
	require.NoError(t, err)
	assert.Equal(t, "other", string(m.Data), "a session that moved on keeps its newer state")
	assert.Equal(t, int64(2), m.Version)
	_, err = s.Session(ctx, consumed.ID, t0)
	require.ErrorIs(t, err, mitid.ErrReplay)
	e, err := s.Session(ctx, expired.ID, t0)
	require.NoError(t, err)
	assert.Equal(t, "v1", string(e.Data))
	assert.Equal(t, int64(1), e.Version)
}

func testLoginFnError(t *testing.T, s mitid.Store) {
	ctx := context.Background()
	c := capability[mitid.LoginUpdater](t, s)
	u, code, _, _ := withDevices(t)
	create(t, s, u)
	sess := loginOf(t, s, u.ID)
	sentinel := errors.New("the domain said no")
	_, _, err := c.UpdateLogin(ctx, read(t, s, u.ID), code, at(sess), func(u *mitid.User, a *mitid.Authenticator) ([]mitid.Event, *mitid.SessionChange, error) {
		u.Failures, a.Failures = 9, 9
		return []mitid.Event{event(u, mitid.EventAuthenticatorFailed)}, &mitid.SessionChange{Data: []byte("no")}, sentinel
	})
	require.Same(t, sentinel, err, "the function's error comes back unchanged")
	got := unchanged(t, s, u.ID)
	assert.Zero(t, got.Failures)
	assert.Len(t, userEvents(t, s, u.ID), 1)
	stored := storedSession(t, s, sess.ID)
	assert.Equal(t, int64(1), stored.Version, "nor the session")
	assert.Equal(t, "v1", string(stored.Data))

	_, _, err = c.UpdateLogin(ctx, read(t, s, u.ID), uuid.New(), at(sess), func(*mitid.User, *mitid.Authenticator) ([]mitid.Event, *mitid.SessionChange, error) {
		t.Error("fn is not called without the authenticator")
		return nil, nil, nil
	})
	require.ErrorIs(t, err, mitid.ErrNotFound)
	assert.Equal(t, mitid.CodeAuthenticatorNotFound, mitid.ErrorCode(err))
	unchanged(t, s, u.ID)
}

// testLoginStale: a snapshot that is no longer the user's state is not
// committed over: the function is called again with the newer state, for
// a step that changes the user and for one that changes only its session.
func testLoginStale(t *testing.T, s mitid.Store) {
	ctx := context.Background()
	c := capability[mitid.LoginUpdater](t, s)
	for _, tc := range []struct {
		name         string
		change       bool
		wantFailures int
	}{
		{"a step that changes the user", true, 6},
		{"a step that changes only its session", false, 5},
	} {
		seen, code, sess := aLogin(t, s)
		changedSince(t, s, seen.ID)
		var saw []int
		got, after, err := c.UpdateLogin(ctx, seen, code, at(sess), func(u *mitid.User, a *mitid.Authenticator) ([]mitid.Event, *mitid.SessionChange, error) {
			saw = append(saw, u.Failures)
			if tc.change {
				u.Failures++
			}
			return nil, &mitid.SessionChange{Data: []byte("v2"), Disposable: !tc.change}, nil
		})
		require.NoError(t, err, tc.name)
		assert.Equal(t, tc.wantFailures, got.Failures, "%s: the decision on the newer state is committed, not the snapshot's", tc.name)
		if tc.change {
			assert.Equal(t, int64(3), got.Version, tc.name)
		}
		assert.Equal(t, read(t, s, seen.ID).Version, got.Version, "%s: the user returned is the one stored", tc.name)
		require.NotEmpty(t, saw, tc.name)
		assert.Equal(t, 5, saw[len(saw)-1], "%s: the last decision saw the newer state", tc.name)
		require.NotNil(t, after, tc.name)
		assert.Equal(t, "v2", string(after.Data), tc.name)
	}
}

func testLoginConflict(t *testing.T, s mitid.Store) {
	ctx := context.Background()
	c := capability[mitid.LoginUpdater](t, s)
	other := newUser(t, uniqueName("other"))
	create(t, s, other)
	u, _, _, _ := withDevices(t)
	create(t, s, u)
	sess := loginOf(t, s, u.ID)
	_, _, err := c.UpdateLogin(ctx, read(t, s, u.ID), uuid.Nil, at(sess), func(u *mitid.User, _ *mitid.Authenticator) ([]mitid.Event, *mitid.SessionChange, error) {
		u.UserID = other.UserID
		return []mitid.Event{event(u, mitid.EventAuthenticatorFailed)}, &mitid.SessionChange{Data: []byte("v2")}, nil
	})
	require.ErrorIs(t, err, mitid.ErrConflict)
	assert.Equal(t, mitid.CodeUserIDTaken, mitid.ErrorCode(err))
	unchanged(t, s, u.ID)
	stored := storedSession(t, s, sess.ID)
	assert.Equal(t, int64(1), stored.Version, "nothing committed, the session included")
}

// testContentionLoginOneSession: many steps of one login at once, each
// decided on the same snapshot: every failure counts, and the session
// takes exactly one of them.
func testContentionLoginOneSession(t *testing.T, s mitid.Store) {
	ctx := context.Background()
	c := capability[mitid.LoginUpdater](t, s)
	seen, code, sess := aLogin(t, s)
	var applied atomic.Int64
	parallel(Goroutines, func(i int) {
		_, after, err := c.UpdateLogin(ctx, seen, code, at(sess), func(u *mitid.User, a *mitid.Authenticator) ([]mitid.Event, *mitid.SessionChange, error) {
			u.Failures++
			a.Failures++
			return []mitid.Event{event(u, mitid.EventAuthenticatorFailed)}, &mitid.SessionChange{Data: []byte{byte(i)}}, nil
		})
		if err != nil {
			t.Error(err)
			return
		}
		if after != nil {
			applied.Add(1)
		}
	})
	got := read(t, s, seen.ID)
	assert.Equal(t, Goroutines, got.Failures, "no failure is lost")
	assert.Equal(t, int64(1+Goroutines), got.Version)
	assert.Len(t, userEvents(t, s, seen.ID), 1+Goroutines)
	assert.Equal(t, int64(1), applied.Load(), "the session's version 1 is replaced once")
	stored := storedSession(t, s, sess.ID)
	assert.Equal(t, int64(2), stored.Version)
}

// testContentionLoginManySessions: steps of many logins of one user at
// once: every login takes its step, and the user every failure.
func testContentionLoginManySessions(t *testing.T, s mitid.Store) {
	ctx := context.Background()
	c := capability[mitid.LoginUpdater](t, s)
	u, code, _, _ := withDevices(t)
	create(t, s, u)
	sessions := make([]*mitid.Session, Goroutines)
	for i := range sessions {
		sessions[i] = loginOf(t, s, u.ID)
	}
	seen := read(t, s, u.ID)
	parallel(Goroutines, func(i int) {
		_, after, err := c.UpdateLogin(ctx, seen, code, at(sessions[i]), func(u *mitid.User, a *mitid.Authenticator) ([]mitid.Event, *mitid.SessionChange, error) {
			u.Failures++
			a.OTP.LastStep++
			return []mitid.Event{event(u, mitid.EventAuthenticatorFailed)}, &mitid.SessionChange{Data: []byte("stepped")}, nil
		})
		if err != nil {
			t.Error(err)
			return
		}
		if after == nil {
			t.Errorf("login %d: the session's change did not apply", i)
		}
	})
	got := read(t, s, u.ID)
	assert.Equal(t, Goroutines, got.Failures)
	assert.Equal(t, int64(100+Goroutines), got.Authenticators[0].OTP.LastStep)
	for _, sess := range sessions {
		stored := storedSession(t, s, sess.ID)
		assert.Equal(t, "stepped", string(stored.Data))
	}
}
