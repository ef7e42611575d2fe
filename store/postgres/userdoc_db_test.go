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

// TestUserDoc_RowsStayInTheirPage: the users table keeps a document of up
// to about 8 KB in its row (toast_tuple_target), rather than compressing
// every document over 2 KB into TOAST at each login step.
func TestUserDoc_RowsStayInTheirPage(t *testing.T) {
	ctx := context.Background()
	_, conn, schema := rawStore(t)
	var opts []string
	require.NoError(t, conn.QueryRow(ctx, `SELECT coalesce(c.reloptions, '{}') FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
		WHERE n.nspname = $1 AND c.relname = 'users'`, schema).Scan(&opts))
	assert.Contains(t, opts, "toast_tuple_target=8160")
}
