package postgres_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/go-mitid/mitid"
	"github.com/go-mitid/mitid/store/postgres"
)

// TestUserDoc_ThroughTheDatabase: a user with every stored field set comes
// back from PostgreSQL as it was created and as it was changed.
func TestUserDoc_ThroughTheDatabase(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	u := postgres.FilledUser(42)
	require.NoError(t, s.CreateUser(ctx, u, nil))
	got, err := s.User(ctx, u.ID)
	require.NoError(t, err)
	u.Version = 1
	require.Equal(t, u, got)

	changed, err := s.UpdateUser(ctx, u.ID, func(v *mitid.User) ([]mitid.Event, error) {
		v.Logins = append(v.Logins, v.Logins[0])
		return nil, nil
	})
	require.NoError(t, err)
	got, err = s.User(ctx, u.ID)
	require.NoError(t, err)
	require.Equal(t, changed, got)
	assert.Len(t, got.Logins, len(u.Logins)+1)
}
