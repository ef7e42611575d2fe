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
