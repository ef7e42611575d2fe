package storetest

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/go-mitid/mitid"
)

// The tests of UpdateLogin with SessionAt.Exact: the step commits on the
// state it was decided on or not at all. The Service asks for it when it
// decides on what its own previous step left rather than on a fresh read,
// so a store that let a stale decision through would let a step count on a
// login that has moved on, or on a user that has changed.

var exactTests = []suiteTest{
	{"UpdateLogin/ExactCommitsWhenNothingChanged", testExactCommits},
	{"UpdateLogin/ExactCommitsNothingWhenTheSessionChanged", testExactSessionChanged},
	{"UpdateLogin/ExactCommitsNothingWhenTheUserChanged", testExactUserChanged},
	{"Contention/ExactStepsOfOneLoginCommitOnce", testContentionExactOneLogin},
	{"Contention/ExactStepRacingAConsumeCommitsWithItsSessionOrNotAtAll", testContentionExactConsume},
	{"UpdateLogin/AStepThatChangesNoUserCommitsItsSession", testUnchangedCommits},
	{"UpdateLogin/AStepThatChangesNoUserStandsOnTheUserItSaw", testUnchangedExactUserChanged},
	{"Contention/StepsThatChangeNoUserOfOneLoginCommitOnce", testContentionUnchangedOneLogin},
}

// The tests of a step that changes nothing of its user (a right password
// with no failure to reset, an app's approval): a store may commit its
// session's change alone (see LoginUpdater), but the step stands on the
// user it was decided on exactly as any other step does.

// advanced is a login step's decision that leaves the user as it is and
// asks for the session's data to become data.
func advanced(data []byte) mitid.LoginChange {
	return func(*mitid.User, *mitid.Authenticator) ([]mitid.Event, *mitid.SessionChange, error) {
		return nil, &mitid.SessionChange{Data: data, Disposable: true}, nil
	}
}

func testUnchangedCommits(t *testing.T, s mitid.Store) {
	ctx := context.Background()
	c := capability[mitid.LoginUpdater](t, s)
	seen, code, sess := aLogin(t, s)
	for _, exact := range []bool{true, false} {
		a := at(sess)
		a.Exact = exact
		got, after, err := c.UpdateLogin(ctx, seen, code, a, advanced([]byte(fmt.Sprint("exact ", exact))))
		require.NoError(t, err, "exact %v", exact)
		require.NotNil(t, after, "the session's change applied")
		assert.Equal(t, fmt.Sprint("exact ", exact), string(after.Data))
		assert.Greater(t, after.Version, sess.Version, "a store may raise it by more than one (see Session.Version)")
		stored := read(t, s, seen.ID)
		assert.Equal(t, stored.Version, got.Version, "the user returned is the one stored")
		assert.GreaterOrEqual(t, got.Version, seen.Version)
		assert.Equal(t, seen.Failures, stored.Failures)
		assert.Len(t, userEvents(t, s, seen.ID), 1, "no event recorded")
		seen, sess = got, after
	}
}

func testUnchangedExactUserChanged(t *testing.T, s mitid.Store) {
	ctx := context.Background()
	c := capability[mitid.LoginUpdater](t, s)
	seen, code, sess := aLogin(t, s)
	changedSince(t, s, seen.ID)
	got, after, err := c.UpdateLogin(ctx, seen, code, exactly(sess), advanced([]byte("v2")))
	require.ErrorIs(t, err, mitid.ErrConflict)
	assert.Equal(t, mitid.CodeConcurrentUpdate, mitid.ErrorCode(err))
	assert.Nil(t, got)
	assert.Nil(t, after)
	stored := storedSession(t, s, sess.ID)
	assert.Equal(t, int64(1), stored.Version, "the session stays as it was")
	assert.Equal(t, "v1", string(stored.Data))
}

// testContentionUnchangedOneLogin: many steps of one login at once that
// change nothing of the user, each decided on the same state: exactly one
// commits, whether it was decided on the state exactly or not.
func testContentionUnchangedOneLogin(t *testing.T, s mitid.Store) {
	_, sess := stepsAtOnce(t, s, func(i int, sess *mitid.Session) (mitid.SessionAt, mitid.LoginChange) {
		a := at(sess)
		a.Exact = i%2 == 0
		return a, advanced([]byte{byte(i)})
	})
	assert.Greater(t, storedSession(t, s, sess.ID).Version, int64(1))
}

// stepsAtOnce runs Goroutines steps of one login at once, step i as
// decide(i) says, all decided on the same state, and checks that exactly
// one commits its session's change; the others commit nothing and say so
// (an exact step), or learn that the login moved on (a nil session). It
// returns the login's user as first read, and its session.
func stepsAtOnce(t *testing.T, s mitid.Store, decide func(i int, sess *mitid.Session) (mitid.SessionAt, mitid.LoginChange)) (*mitid.User, *mitid.Session) {
	ctx := context.Background()
	c := capability[mitid.LoginUpdater](t, s)
	seen, code, sess := aLogin(t, s)
	var won, lost atomic.Int64
	parallel(Goroutines, func(i int) {
		a, fn := decide(i, sess)
		_, after, err := c.UpdateLogin(ctx, seen, code, a, fn)
		switch {
		case err == nil && after != nil:
			won.Add(1)
		case a.Exact && mitid.ErrorCode(err) == mitid.CodeConcurrentUpdate, !a.Exact && err == nil:
			lost.Add(1)
		default:
			t.Errorf("step %d (exact %v): %v (session %v)", i, a.Exact, err, after)
		}
	})
	assert.Equal(t, int64(1), won.Load())
	assert.Equal(t, int64(Goroutines-1), lost.Load())
	return seen, sess
}

// exactly names sess at its version, a minute after t0, for a decision on
// exactly that state.
func exactly(sess *mitid.Session) mitid.SessionAt {
	a := at(sess)
	a.Exact = true
	return a
}

// failed is a login step's counted failure that asks, with change, for the
// session's data to become data (nil: a refusal, which leaves it alone).
func failed(data []byte) mitid.LoginChange {
	return func(u *mitid.User, a *mitid.Authenticator) ([]mitid.Event, *mitid.SessionChange, error) {
		u.Failures++
		a.Failures++
		var change *mitid.SessionChange
		if data != nil {
			change = &mitid.SessionChange{Data: data}
		}
		return []mitid.Event{event(u, mitid.EventAuthenticatorFailed)}, change, nil
	}
}

func testExactCommits(t *testing.T, s mitid.Store) {
	ctx := context.Background()
	c := capability[mitid.LoginUpdater](t, s)
	seen, code, sess := aLogin(t, s)
	got, after, err := c.UpdateLogin(ctx, seen, code, exactly(sess), failed([]byte("v2")))
	require.NoError(t, err)
	require.NotNil(t, after, "the session's change applied")
	assert.Equal(t, "v2", string(after.Data))
	assert.Equal(t, int64(2), after.Version)
	assert.Equal(t, 1, got.Failures)
	assert.Equal(t, int64(2), got.Version)

	// A refusal (no change asked of the session) on the same, current state.
	sess.Version = 2
	got, after, err = c.UpdateLogin(ctx, got, code, exactly(sess), failed(nil))
	require.NoError(t, err)
	assert.Nil(t, after, "no change asked for, none made")
	assert.Equal(t, 2, got.Failures)
	assert.Equal(t, int64(2), storedSession(t, s, sess.ID).Version)
	assert.Len(t, userEvents(t, s, seen.ID), 3, "both failures' events are in")
}

func testExactSessionChanged(t *testing.T, s mitid.Store) {
	ctx := context.Background()
	c := capability[mitid.LoginUpdater](t, s)
	for _, step := range []struct {
		name string
		fn   mitid.LoginChange
	}{
		{"", failed([]byte("mine"))},
		{", a refusal", failed(nil)},
		{", a step that changes no user", advanced([]byte("mine"))},
	} {
		u, code, _, _ := withDevices(t)
		create(t, s, u)
		moved, consumed, expired := loginOf(t, s, u.ID), loginOf(t, s, u.ID), loginOf(t, s, u.ID)
		_, err := s.UpdateSession(ctx, moved.ID, t0, func(*mitid.Session) ([]byte, error) { return []byte("other"), nil })
		require.NoError(t, err)
		_, err = s.ConsumeSession(ctx, consumed.ID, t0)
		require.NoError(t, err)
		late := exactly(expired)
		late.Now = expired.ExpiresAt
		unknown := exactly(expired)
		unknown.ID = "login-" + uuid.NewString()
		for _, tc := range []struct {
			name string
			at   mitid.SessionAt
		}{
			{"moved on", exactly(moved)},
			{"consumed", exactly(consumed)},
			{"expired", late},
			{"unknown", unknown},
		} {
			name := tc.name + step.name
			got, after, err := c.UpdateLogin(ctx, read(t, s, u.ID), code, tc.at, step.fn)
			require.ErrorIs(t, err, mitid.ErrConflict, name)
			assert.Equal(t, mitid.CodeConcurrentUpdate, mitid.ErrorCode(err), name)
			assert.Nil(t, got, name)
			assert.Nil(t, after, name)
		}
		unchanged(t, s, u.ID)
		assert.Len(t, userEvents(t, s, u.ID), 1, "no failure's event is in")
		m := storedSession(t, s, moved.ID)
		assert.Equal(t, "other", string(m.Data), "the session that moved on keeps its newer state")
		assert.Equal(t, int64(2), m.Version)
		e := storedSession(t, s, expired.ID)
		assert.Equal(t, "v1", string(e.Data))
		assert.Equal(t, int64(1), e.Version)
	}
}

func testExactUserChanged(t *testing.T, s mitid.Store) {
	ctx := context.Background()
	c := capability[mitid.LoginUpdater](t, s)
	seen, code, sess := aLogin(t, s)
	changedSince(t, s, seen.ID)
	for _, change := range [][]byte{[]byte("v2"), nil} {
		got, after, err := c.UpdateLogin(ctx, seen, code, exactly(sess), failed(change))
		require.ErrorIs(t, err, mitid.ErrConflict)
		assert.Equal(t, mitid.CodeConcurrentUpdate, mitid.ErrorCode(err))
		assert.Nil(t, got)
		assert.Nil(t, after)
	}
	cur := read(t, s, seen.ID)
	assert.Equal(t, 5, cur.Failures, "the decision on the older user is dropped, not made again")
	assert.Equal(t, int64(2), cur.Version)
	stored := storedSession(t, s, sess.ID)
	assert.Equal(t, int64(1), stored.Version, "the session stays as it was")
	assert.Equal(t, "v1", string(stored.Data))
}

// testContentionExactOneLogin: many steps of one login at once, each
// decided on the same state: exactly one commits, the others commit
// nothing and say so.
func testContentionExactOneLogin(t *testing.T, s mitid.Store) {
	seen, sess := stepsAtOnce(t, s, func(i int, sess *mitid.Session) (mitid.SessionAt, mitid.LoginChange) {
		return exactly(sess), failed([]byte{byte(i)})
	})
	got := read(t, s, seen.ID)
	assert.Equal(t, 1, got.Failures, "one decision committed")
	assert.Equal(t, int64(2), got.Version)
	assert.Len(t, userEvents(t, s, seen.ID), 2)
	assert.Equal(t, int64(2), storedSession(t, s, sess.ID).Version)
}

// testContentionExactConsume: an exact step and the consumption of its
// session (a cancel) at once, on many logins: a step that commits has its
// session's change with it; one that does not leaves the user as it was.
func testContentionExactConsume(t *testing.T, s mitid.Store) {
	ctx := context.Background()
	c := capability[mitid.LoginUpdater](t, s)
	users := make([]*mitid.User, Goroutines)
	codes := make([]uuid.UUID, Goroutines)
	sessions := make([]*mitid.Session, Goroutines)
	for i := range users {
		users[i], codes[i], _, _ = withDevices(t)
		create(t, s, users[i])
		sessions[i] = loginOf(t, s, users[i].ID)
	}
	seen := make([]*mitid.User, Goroutines)
	for i, u := range users {
		seen[i] = read(t, s, u.ID)
	}
	stepped := make([]bool, Goroutines)
	parallel(2*Goroutines, func(j int) {
		i := j / 2
		if j%2 == 1 {
			if _, err := s.ConsumeSession(ctx, sessions[i].ID, t0.Add(time.Minute)); err != nil && !errors.Is(err, mitid.ErrReplay) {
				t.Errorf("consume %d: %v", i, err)
			}
			return
		}
		_, after, err := c.UpdateLogin(ctx, seen[i], codes[i], exactly(sessions[i]), failed([]byte("stepped")))
		switch {
		case err == nil:
			if after == nil || string(after.Data) != "stepped" {
				t.Errorf("step %d committed without its session: %v", i, after)
			}
			stepped[i] = true
		case mitid.ErrorCode(err) != mitid.CodeConcurrentUpdate:
			t.Errorf("step %d: %v", i, err)
		}
	})
	for i, u := range users {
		got := read(t, s, u.ID)
		if stepped[i] {
			assert.Equal(t, 1, got.Failures, "login %d", i)
		} else {
			assert.Equal(t, int64(1), got.Version, "login %d: nothing committed", i)
		}
		_, err := s.Session(ctx, sessions[i].ID, t0)
		assert.ErrorIs(t, err, mitid.ErrReplay, "login %d: the consume took effect either way", i)
	}
}
