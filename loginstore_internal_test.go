package mitid

import (
	"context"
	"crypto/rand"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// sessionUserStub answers SessionUser with a fixed session and user; the
// rest of the Store is not there.
type sessionUserStub struct {
	Store
	sess *Session
	user *User
}

func (s sessionUserStub) SessionUser(context.Context, string, time.Time) (*Session, *User, error) {
	return s.sess, s.user, nil
}

// TestLoadLoginUser_RefusesASessionWhoseUserIsNotItsLogins: a step acts on
// the user its login state names; a session row naming another user (or
// none) is damaged, and no step runs on it.
func TestLoadLoginUser_RefusesASessionWhoseUserIsNotItsLogins(t *testing.T) {
	keys, err := NewRandomKeyRing(rand.Reader)
	require.NoError(t, err)
	st := sampleLoginState()
	now := time.Date(2026, 11, 21, 10, 0, 0, 0, time.UTC)
	other := &User{ID: uuid.New()}
	for name, tc := range map[string]struct {
		sessUser uuid.UUID
		user     *User
	}{
		"another user":   {other.ID, other},
		"no user at all": {uuid.Nil, nil},
	} {
		sess := &Session{ID: "s", Kind: loginKind, User: tc.sessUser, Data: st.marshal(), CreatedAt: now, ExpiresAt: now.Add(time.Minute), Version: 1}
		svc, err := New(Config{Store: sessionUserStub{sess: sess, user: tc.user}, Keys: keys})
		require.NoError(t, err)
		_, _, _, err = svc.loadLoginUser(context.Background(), "s", now)
		assert.Equal(t, CodeLoginInvalid, ErrorCode(err), name)
	}
	owner := &User{ID: st.User}
	sess := &Session{ID: "s", Kind: loginKind, User: st.User, Data: st.marshal(), CreatedAt: now, ExpiresAt: now.Add(time.Minute), Version: 1}
	svc, err := New(Config{Store: sessionUserStub{sess: sess, user: owner}, Keys: keys})
	require.NoError(t, err)
	_, got, u, err := svc.loadLoginUser(context.Background(), "s", now)
	require.NoError(t, err, "the login's own user")
	assert.Equal(t, st.User, got.User)
	assert.Same(t, owner, u)
}

// TestDecodeLogin_ABegunLoginIsNeverSettledWithoutItsUser: a login stored
// as begun (LoginBeginner) is settled only on the user its session names,
// as read: a caller that has not read one gets errUnsettled, out of order,
// for a person's login and a decoy's alike (the same answer to a
// stranger); on another user, or on none where the session names one, it
// is damaged. Read for nobody, a decoy's login settles without a user.
func TestDecodeLogin_ABegunLoginIsNeverSettledWithoutItsUser(t *testing.T) {
	keys, err := NewRandomKeyRing(rand.Reader)
	require.NoError(t, err)
	svc, err := New(Config{Store: sessionUserStub{}, Keys: keys})
	require.NoError(t, err)
	now := time.Date(2026, 11, 21, 10, 0, 0, 0, time.UTC)
	person := &Session{ID: "s", Kind: loginKind, User: uuid.New(), Data: begunLoginState().marshal(), CreatedAt: now, ExpiresAt: now.Add(time.Minute), Version: 1}
	decoy := *person
	decoy.User = uuid.Nil

	for name, sess := range map[string]*Session{"a person's": person, "a decoy's": &decoy} {
		_, err = decodeLogin(sess)
		assert.ErrorIs(t, err, errUnsettled, name)
		assert.Equal(t, CodeLoginOrder, ErrorCode(err), name)
		assert.Equal(t, "this login waits for its first factor", err.(*Error).Message, name) //nolint:errorlint // unsettled returns a bare *Error
	}
	_, err = svc.decodeLoginOn(person, &User{ID: uuid.New()}, now)
	assert.Equal(t, CodeLoginInvalid, ErrorCode(err), "another user")
	_, err = svc.decodeLoginOn(person, nil, now)
	assert.Equal(t, CodeLoginInvalid, ErrorCode(err), "no user where the session names one")

	st, err := svc.decodeLoginOn(&decoy, nil, now)
	require.NoError(t, err)
	assert.True(t, st.decoy())
	assert.Empty(t, st.Begun, "settled")
	assert.NotEmpty(t, st.Options, "a decoy's options")
}

// TestBegunChoice_IsWhatBeginLoginChose: a login settled after BeginLogin
// is settled on the option BeginLogin chose, the first usable when the
// login began: one closed since (its state changed after the begin) counts
// as it was then, in use; one closed before the begin, or added after it,
// was not a choice.
func TestBegunChoice_IsWhatBeginLoginChose(t *testing.T) {
	begun := time.Date(2026, 11, 21, 10, 0, 0, 0, time.UTC)
	before, after := begun.Add(-time.Hour), begun.Add(time.Minute)
	auth := func(state State, created, changed time.Time) Authenticator {
		return Authenticator{ID: uuid.New(), State: state, CreatedAt: created, StateChangedAt: changed}
	}
	refs := func(as ...Authenticator) []optionRef {
		var out []optionRef
		for _, a := range as {
			out = append(out, optionRef{Method: MethodApp, Device: a.ID})
		}
		return out
	}
	for _, tc := range []struct {
		name string
		as   []Authenticator
		want int
	}{
		{"the first, in use", []Authenticator{auth(StateActive, before, before), auth(StateActive, before, before)}, 0},
		{"the first, suspended since the begin", []Authenticator{auth(StateSuspended, before, after), auth(StateActive, before, before)}, 0},
		{"the first, blocked before the begin", []Authenticator{auth(StateBlocked, before, before), auth(StateActive, before, before)}, 1},
		{"the first, added after the begin", []Authenticator{auth(StateActive, after, after), auth(StateActive, before, before)}, 1},
	} {
		u := &User{Authenticators: tc.as}
		assert.Equal(t, tc.want, begunChoice(u, refs(tc.as...), begun), tc.name)
	}
}

// beginnerStub answers CreateLoginSession with a fixed user, and leaves the
// session naming nobody: a store that breaks LoginBeginner's contract.
type beginnerStub struct {
	Store
	user *User
}

func (b beginnerStub) CreateLoginSession(context.Context, UniqueKey, *Session) (*User, error) {
	return b.user, nil
}

// TestBeginLogin_RefusesAStoreThatNamesAnotherUserThanItRead: a login the
// store stored for nobody (or another user) while it returned a person is
// refused as damaged, never run as a decoy's on the person's record.
func TestBeginLogin_RefusesAStoreThatNamesAnotherUserThanItRead(t *testing.T) {
	keys, err := NewRandomKeyRing(rand.Reader)
	require.NoError(t, err)
	u := &User{ID: uuid.New(), UserID: "anna-hansen", IAL: LevelSubstantial}
	svc, err := New(Config{Store: beginnerStub{user: u}, Keys: keys})
	require.NoError(t, err)
	_, err = svc.BeginLogin(context.Background(), LoginRequest{UserID: "anna-hansen", Action: ActionLogOn, Text: "Log på", Level: LevelSubstantial})
	assert.Equal(t, CodeLoginInvalid, ErrorCode(err))
}
