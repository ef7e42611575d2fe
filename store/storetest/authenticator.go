package storetest

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/go-mitid/mitid"
)

// The tests of UpdateAuthenticator (mitid.AuthenticatorUpdater, an
// optional capability), the update of one authenticator and the user's own
// fields that an attempt makes. A store without it skips them.

var authenticatorTests = []suiteTest{
	{"UpdateAuthenticator/CommitsUserAuthenticatorAndEventsTogether", testAuthCommits},
	{"UpdateAuthenticator/FunctionErrorCommitsNothing", testAuthFnError},
	{"UpdateAuthenticator/UnknownAuthenticatorIsNotFoundAndCallsNothing", testAuthNotFound},
	{"UpdateAuthenticator/SnapshotsKeepTheirState", testAuthSnapshots},
	{"UpdateAuthenticator/BlockedChipReleasesItsCredential", testAuthReleasesKey},
	{"Contention/AuthenticatorIncrementsLoseNothing", testContentionAuth},
}

// withDevices returns a user holding a code display (with its sealed seed
// and verifier state), a password and a chip.
func withDevices(t *testing.T) (u *mitid.User, code, password, chip uuid.UUID) {
	t.Helper()
	u = newUser(t, uniqueName("anna"))
	code, password, chip = uuid.New(), uuid.New(), uuid.New()
	u.Authenticators = []mitid.Authenticator{
		{ID: code, Kind: mitid.KindCodeDisplay, State: mitid.StateActive, Serial: "123456789", CreatedAt: t0, StateChangedAt: t0,
			OTP: &mitid.OTPSecret{Seed: mitid.Sealed{KeyID: "k1", Nonce: bytes.Repeat([]byte{1}, 12), Ciphertext: bytes.Repeat([]byte{2}, 36)},
				Algorithm: "SHA1", Digits: 6, PeriodSeconds: 30, LastStep: 100}},
		{ID: password, Kind: mitid.KindPassword, State: mitid.StateActive, CreatedAt: t0, StateChangedAt: t0,
			Password: &mitid.PasswordHash{Salt: bytes.Repeat([]byte{3}, 16), Hash: bytes.Repeat([]byte{4}, 32)}},
		{ID: chip, Kind: mitid.KindChip, State: mitid.StateActive, CredentialID: []byte("cred-" + uuid.NewString()), CreatedAt: t0, StateChangedAt: t0},
	}
	return u, code, password, chip
}

func testAuthCommits(t *testing.T, s mitid.Store) {
	ctx := context.Background()
	u, code, password, _ := withDevices(t)
	create(t, s, u)
	var returned []mitid.Event
	got, err := capability[mitid.AuthenticatorUpdater](t, s).UpdateAuthenticator(ctx, u.ID, code, func(u *mitid.User, a *mitid.Authenticator) ([]mitid.Event, error) {
		require.Equal(t, code, a.ID, "a is the named authenticator")
		u.Failures = 3
		a.Failures, a.OTP.LastStep, a.OTP.Drift = 2, 101, -1
		a.State, a.SuspendedUntil = mitid.StateSuspended, t0.Add(15*time.Minute)
		returned = []mitid.Event{event(u, mitid.EventAuthenticatorState, mitid.Delivery{Channel: mitid.ChannelSMS, Address: u.Phone})}
		return returned, nil
	})
	require.NoError(t, err)
	assert.Equal(t, int64(2), got.Version)
	require.Positive(t, returned[0].Seq, "Seq is set on the events the function returned")

	read, err := s.User(ctx, u.ID)
	require.NoError(t, err)
	assert.Equal(t, got, read)
	assert.Equal(t, 3, read.Failures)
	a, err := read.Authenticator(code)
	require.NoError(t, err)
	assert.Equal(t, 2, a.Failures)
	assert.Equal(t, int64(101), a.OTP.LastStep, "a change inside the authenticator's secret is committed")
	assert.Equal(t, -1, a.OTP.Drift)
	assert.Equal(t, mitid.StateSuspended, a.State)
	pw, err := read.Authenticator(password)
	require.NoError(t, err)
	assert.Equal(t, u.Authenticators[1], *pw, "the other authenticators are as they were")
	assert.Equal(t, u.Channels, read.Channels)

	evs := userEvents(t, s, u.ID)
	require.Len(t, evs, 2)
	assert.Equal(t, returned[0].ID, evs[1].ID)
	msgs, err := s.OutboxMessages(ctx, mitid.OutboxFilter{User: u.ID})
	require.NoError(t, err)
	require.Len(t, msgs, 1, "one outbox message per delivery, in the same commit")
	assert.Equal(t, returned[0].ID, msgs[0].Event.ID)
}

func testAuthFnError(t *testing.T, s mitid.Store) {
	ctx := context.Background()
	u, code, _, _ := withDevices(t)
	create(t, s, u)
	sentinel := errors.New("the domain said no")
	_, err := capability[mitid.AuthenticatorUpdater](t, s).UpdateAuthenticator(ctx, u.ID, code, func(u *mitid.User, a *mitid.Authenticator) ([]mitid.Event, error) {
		u.Failures = 9
		a.Failures, a.OTP.LastStep, a.OTP.Seed.Ciphertext[0] = 9, 999, 'X'
		return []mitid.Event{event(u, mitid.EventAuthenticatorFailed)}, sentinel
	})
	require.Same(t, sentinel, err, "the function's error comes back unchanged")
	got := unchanged(t, s, u.ID)
	assert.Zero(t, got.Failures)
	u.Version = 1
	assert.Equal(t, u.Authenticators, got.Authenticators, "nothing the function did to its copy remains")
	assert.Len(t, userEvents(t, s, u.ID), 1)
}

func testAuthNotFound(t *testing.T, s mitid.Store) {
	ctx := context.Background()
	u, _, _, _ := withDevices(t)
	create(t, s, u)
	called := false
	fn := func(*mitid.User, *mitid.Authenticator) ([]mitid.Event, error) {
		called = true
		return nil, nil
	}
	_, err := capability[mitid.AuthenticatorUpdater](t, s).UpdateAuthenticator(ctx, u.ID, uuid.New(), fn)
	require.ErrorIs(t, err, mitid.ErrNotFound)
	assert.Equal(t, mitid.CodeAuthenticatorNotFound, mitid.ErrorCode(err))
	_, err = capability[mitid.AuthenticatorUpdater](t, s).UpdateAuthenticator(ctx, uuid.New(), u.Authenticators[0].ID, fn)
	require.ErrorIs(t, err, mitid.ErrNotFound)
	assert.Equal(t, mitid.CodeUserNotFound, mitid.ErrorCode(err))
	assert.False(t, called, "fn is not called without the authenticator")
	unchanged(t, s, u.ID)
}

// testAuthSnapshots: what was read before keeps its state, the secret
// inside the authenticator included, through a committed update.
func testAuthSnapshots(t *testing.T, s mitid.Store) {
	ctx := context.Background()
	u, code, _, _ := withDevices(t)
	create(t, s, u)
	before, err := s.User(ctx, u.ID)
	require.NoError(t, err)
	_, err = capability[mitid.AuthenticatorUpdater](t, s).UpdateAuthenticator(ctx, u.ID, code, func(u *mitid.User, a *mitid.Authenticator) ([]mitid.Event, error) {
		assert.Equal(t, int64(100), before.Authenticators[0].OTP.LastStep)
		a.OTP.LastStep, a.OTP.Seed.Nonce[0], a.Label = 101, 'N', "committed"
		u.Failures = 1
		assert.Equal(t, int64(100), before.Authenticators[0].OTP.LastStep, "fn's authenticator is a copy")
		return nil, nil
	})
	require.NoError(t, err)
	assert.Equal(t, int64(1), before.Version, "a snapshot read earlier is never changed")
	assert.Zero(t, before.Failures)
	assert.Empty(t, before.Authenticators[0].Label)
	assert.Equal(t, int64(100), before.Authenticators[0].OTP.LastStep)
	assert.Equal(t, byte(1), before.Authenticators[0].OTP.Seed.Nonce[0])
	after, err := s.User(ctx, u.ID)
	require.NoError(t, err)
	assert.Equal(t, int64(101), after.Authenticators[0].OTP.LastStep)
	assert.Equal(t, "committed", after.Authenticators[0].Label)
}

// testAuthReleasesKey: blocking a chip through UpdateAuthenticator lets go
// of its credential, as through UpdateUser.
func testAuthReleasesKey(t *testing.T, s mitid.Store) {
	ctx := context.Background()
	u, _, _, chip := withDevices(t)
	create(t, s, u)
	key := mitid.UniqueKey{Kind: mitid.KeyCredential, Value: base64.RawURLEncoding.EncodeToString(u.Authenticators[2].CredentialID)}
	found, err := s.FindUser(ctx, key)
	require.NoError(t, err)
	require.Equal(t, u.ID, found.ID)
	_, err = capability[mitid.AuthenticatorUpdater](t, s).UpdateAuthenticator(ctx, u.ID, chip, func(u *mitid.User, a *mitid.Authenticator) ([]mitid.Event, error) {
		evs, err := u.Transition(&policy, a.ID, mitid.StateBlocked, t0, mitid.TransitionOptions{Reason: "suspected clone"})
		return withIDs(evs, u), err
	})
	require.NoError(t, err)
	_, err = s.FindUser(ctx, key)
	require.ErrorIs(t, err, mitid.ErrNotFound, "a blocked chip's credential is free again")
}

// testContentionAuth: concurrent updates of one authenticator, and of two
// authenticators of one user, lose no increment of either or of the
// user's own counter.
func testContentionAuth(t *testing.T, s mitid.Store) {
	ctx := context.Background()
	up := capability[mitid.AuthenticatorUpdater](t, s) // here: a skip in a goroutine would not skip the test
	u, code, password, _ := withDevices(t)
	create(t, s, u)
	const each = 5
	var errs atomic.Int64
	parallel(Goroutines, func(i int) {
		auth := code
		if i%2 == 1 {
			auth = password
		}
		for j := 0; j < each; j++ {
			_, err := up.UpdateAuthenticator(ctx, u.ID, auth, func(u *mitid.User, a *mitid.Authenticator) ([]mitid.Event, error) {
				u.Failures++
				a.Failures++
				if a.OTP != nil {
					a.OTP.LastStep++
				}
				return []mitid.Event{event(u, mitid.EventAuthenticatorFailed)}, nil
			})
			if err != nil {
				errs.Add(1)
				t.Error(err)
			}
		}
	})
	require.Zero(t, errs.Load())
	got, err := s.User(ctx, u.ID)
	require.NoError(t, err)
	assert.Equal(t, Goroutines*each, got.Failures, "no increment of the user's counter is lost")
	c, err := got.Authenticator(code)
	require.NoError(t, err)
	p, err := got.Authenticator(password)
	require.NoError(t, err)
	assert.Equal(t, Goroutines*each/2, c.Failures)
	assert.Equal(t, Goroutines*each/2, p.Failures)
	assert.Equal(t, int64(100+Goroutines*each/2), c.OTP.LastStep)
	assert.Equal(t, int64(1+Goroutines*each), got.Version)
	assert.Len(t, userEvents(t, s, u.ID), 1+Goroutines*each)
}
