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
		_, _, _, err = svc.loadLoginUser(context.Background(), "s", now, StepCode)
		assert.Equal(t, CodeLoginInvalid, ErrorCode(err), name)
	}
	owner := &User{ID: st.User}
	sess := &Session{ID: "s", Kind: loginKind, User: st.User, Data: st.marshal(), CreatedAt: now, ExpiresAt: now.Add(time.Minute), Version: 1}
	svc, err := New(Config{Store: sessionUserStub{sess: sess, user: owner}, Keys: keys})
	require.NoError(t, err)
	_, got, u, err := svc.loadLoginUser(context.Background(), "s", now, StepCode)
	require.NoError(t, err, "the login's own user")
	assert.Equal(t, st.User, got.User)
	assert.Same(t, owner, u)
}

// TestDecodeLogin_ABegunLoginIsNeverSettledWithoutItsUser: a login stored
// as begun (LoginBeginner) for a person is settled only on that person as
// read: without the user it is errUnsettled (out of order, never a decoy's
// options for a real person), and on another user it is damaged. A begun
// login that names nobody is a decoy's, settled without a read.
func TestDecodeLogin_ABegunLoginIsNeverSettledWithoutItsUser(t *testing.T) {
	keys, err := NewRandomKeyRing(rand.Reader)
	require.NoError(t, err)
	svc, err := New(Config{Store: sessionUserStub{}, Keys: keys})
	require.NoError(t, err)
	now := time.Date(2026, 11, 21, 10, 0, 0, 0, time.UTC)
	sess := &Session{ID: "s", Kind: loginKind, User: uuid.New(), Data: begunLoginState().marshal(), CreatedAt: now, ExpiresAt: now.Add(time.Minute), Version: 1}

	_, err = svc.decodeLogin(sess, nil, now, StepCode)
	assert.ErrorIs(t, err, errUnsettled)
	assert.Equal(t, CodeLoginOrder, ErrorCode(err))
	_, err = svc.decodeLogin(sess, &User{ID: uuid.New()}, now, StepCode)
	assert.Equal(t, CodeLoginInvalid, ErrorCode(err), "another user")

	sess.User = uuid.Nil
	st, err := svc.decodeLogin(sess, nil, now, StepCode)
	require.NoError(t, err)
	assert.True(t, st.decoy())
	assert.Empty(t, st.Begun, "settled")
	assert.NotEmpty(t, st.Options, "a decoy's options")
}

// TestSettledChoice_KeepsWhatBeginLoginChose: a login settled after
// BeginLogin keeps BeginLogin's choice (the first usable option) when it
// takes the step; turns to an option closed since the login began that
// takes it (for the step to say why it is closed); and otherwise stays on
// BeginLogin's choice, where the step is out of order, as on a login
// stored settled.
func TestSettledChoice_KeepsWhatBeginLoginChose(t *testing.T) {
	app := LoginOption{Method: MethodApp, Usable: true}
	code := LoginOption{Method: MethodCodeDisplay, Usable: true}
	codeClosed := LoginOption{Method: MethodCodeDisplay}
	chip := LoginOption{Method: MethodChip, Usable: true}
	appClosed := LoginOption{Method: MethodApp}
	for _, tc := range []struct {
		name string
		opts []LoginOption
		want Step
		got  int
	}{
		{"BeginLogin's choice takes the step", []LoginOption{app, code}, StepApproval, 0},
		{"BeginLogin's choice takes the step, before a closed one that does", []LoginOption{app, {Method: MethodAppAndChip}}, StepApproval, 0},
		{"a code to a login that showed the app first: out of order", []LoginOption{app, code}, StepCode, 0},
		{"the code display its own wrong codes suspended", []LoginOption{codeClosed, chip}, StepCode, 0},
		{"a usable option that takes the step, after a closed one", []LoginOption{appClosed, code}, StepCode, 1},
		{"a read of the login: BeginLogin's choice", []LoginOption{appClosed, code, chip}, StepDone, 1},
		{"nothing usable, nothing takes the step: the first", []LoginOption{appClosed, codeClosed}, StepChip, 0},
	} {
		assert.Equal(t, tc.got, settledChoice(tc.opts, tc.want), tc.name)
	}
}
