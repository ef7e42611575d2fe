package postgres_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/go-mitid/mitid"
)

// TestPurgeSessions_DeletesInBatchesAndKeepsTheLive: PurgeSessions deletes
// every session expired before the time given, a batch a statement (each
// its own commit), and no session that is still live.
func TestPurgeSessions_DeletesInBatchesAndKeepsTheLive(t *testing.T) {
	ctx := context.Background()
	s, c := tracedStore(t)
	s.SetSessionPurgeBatch(4)
	now := time.Date(2026, 11, 30, 9, 0, 0, 0, time.UTC)
	for i := range 14 {
		expires := now.Add(-time.Duration(i+1) * time.Minute) // 10 expired, 4 live
		if i >= 10 {
			expires = now.Add(time.Duration(i) * time.Minute)
		}
		require.NoError(t, s.CreateSession(ctx, &mitid.Session{ID: fmt.Sprintf("s%02d", i), Kind: "login", CreatedAt: now.Add(-time.Hour), ExpiresAt: expires}))
	}
	var n int
	var err error
	stmts, commits, _ := c.count(func() { n, err = s.PurgeSessions(ctx, now) })
	require.NoError(t, err)
	assert.Equal(t, 10, n)
	assert.Equal(t, 3, stmts, "batches of 4, 4 and 2")
	assert.Equal(t, 3, commits)
	for i := range 14 {
		_, err := s.Session(ctx, fmt.Sprintf("s%02d", i), now.Add(-2*time.Hour))
		if i < 10 {
			assert.ErrorIs(t, err, mitid.ErrNotFound, "s%02d expired", i)
		} else {
			assert.NoError(t, err, "s%02d is live", i)
		}
	}
}
