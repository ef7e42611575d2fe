package memory_test

import (
	"context"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/go-mitid/mitid"
	"github.com/go-mitid/mitid/store/memory"
	"github.com/go-mitid/mitid/store/storetest"
)

// TestConformance runs the suite on stores that also catch a caller (the
// suite, or the Service in its contention tests) changing a snapshot.
func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) mitid.Store {
		s := memory.New(memory.CheckSnapshots())
		t.Cleanup(func() { assert.NoError(t, s.Verify()) })
		return s
	})
}

// TestConformance_AStoreOfTheCoreContractAlonePasses: a store that offers
// none of the optional capabilities (storetest.CoreOnly hides them) passes
// the suite, each capability's tests skipped, the contention tests among
// them.
func TestConformance_AStoreOfTheCoreContractAlonePasses(t *testing.T) {
	storetest.Run(t, func(t *testing.T) mitid.Store { return storetest.CoreOnly(memory.New()) })
}

var t0 = time.Date(2026, 11, 21, 10, 0, 0, 0, time.UTC)

func snapshotUser(t *testing.T, s *memory.Store) *mitid.User {
	t.Helper()
	u := &mitid.User{ID: uuid.New(), UserID: "anna-" + uuid.NewString()[:8], Status: mitid.UserActive, CreatedAt: t0,
		Authenticators: []mitid.Authenticator{{ID: uuid.New(), Kind: mitid.KindApp, State: mitid.StateActive}}}
	require.NoError(t, s.CreateUser(context.Background(), u, nil))
	got, err := s.User(context.Background(), u.ID)
	require.NoError(t, err)
	return got
}

func TestCheckSnapshots_ChangedUserIsCaught(t *testing.T) {
	ctx := context.Background()
	s := memory.New(memory.CheckSnapshots())
	got := snapshotUser(t, s)
	require.NoError(t, s.Verify(), "nothing changed yet")

	got.Authenticators[0].Label = "changed by a caller"
	err := s.Verify()
	require.Error(t, err)
	assert.Contains(t, err.Error(), got.ID.String())
	assert.Panics(t, func() { _, _ = s.User(ctx, got.ID) }, "the next read panics on the spot")
	assert.Panics(t, func() {
		_, _ = s.UpdateUser(ctx, got.ID, func(*mitid.User) ([]mitid.Event, error) { return nil, nil })
	})
	// The store still works after a panic: its locks were released.
	require.Error(t, s.Verify())
}

func TestCheckSnapshots_ChangedSessionIsCaught(t *testing.T) {
	ctx := context.Background()
	s := memory.New(memory.CheckSnapshots())
	require.NoError(t, s.CreateSession(ctx, &mitid.Session{ID: "s1", Kind: "login", Data: []byte("abc"), ExpiresAt: t0.Add(time.Hour)}))
	got, err := s.Session(ctx, "s1", t0)
	require.NoError(t, err)
	got.Data[0] = 'X'
	require.ErrorContains(t, s.Verify(), "session s1")
	assert.Panics(t, func() {
		_, _ = s.UpdateSession(ctx, "s1", t0, func(*mitid.Session) ([]byte, error) { return nil, nil })
	})
}

// An UpdateAuthenticator function gets the other authenticators' secrets
// shared with the committed user; one that changes them anyway is caught
// as soon as it returns.
func TestCheckSnapshots_UpdateAuthenticatorChangingWhatItSharesIsCaught(t *testing.T) {
	ctx := context.Background()
	s := memory.New(memory.CheckSnapshots())
	u := &mitid.User{ID: uuid.New(), UserID: "anna-" + uuid.NewString()[:8], Status: mitid.UserActive, CreatedAt: t0,
		Authenticators: []mitid.Authenticator{
			{ID: uuid.New(), Kind: mitid.KindApp, State: mitid.StateActive},
			{ID: uuid.New(), Kind: mitid.KindCodeDisplay, State: mitid.StateActive, OTP: &mitid.OTPSecret{LastStep: 7}},
		}}
	require.NoError(t, s.CreateUser(ctx, u, nil))
	_, err := s.UpdateAuthenticator(ctx, u.ID, u.Authenticators[0].ID, func(u *mitid.User, a *mitid.Authenticator) ([]mitid.Event, error) {
		a.Failures++ // its own: fine
		return nil, nil
	})
	require.NoError(t, s.Verify())
	require.NoError(t, err)
	assert.Panics(t, func() {
		_, _ = s.UpdateAuthenticator(ctx, u.ID, u.Authenticators[0].ID, func(u *mitid.User, _ *mitid.Authenticator) ([]mitid.Event, error) {
			u.Authenticators[1].OTP.LastStep++ // shared with the committed user
			return nil, nil
		})
	})
	require.ErrorContains(t, s.Verify(), u.ID.String())
}

func TestCheckSnapshots_OffByDefault(t *testing.T) {
	s := memory.New()
	got := snapshotUser(t, s)
	got.Failures = 3 // a contract breach the unchecked store does not look for
	require.NoError(t, s.Verify())
}
