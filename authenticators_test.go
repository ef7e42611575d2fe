package mitid_test

import (
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/go-mitid/mitid"
	"github.com/go-mitid/mitid/chip"
)

// addActive registers an app or a code device of kind k with its secret
// and activates it.
func (e *env) addActive(t *testing.T, user uuid.UUID, k mitid.Kind) uuid.UUID {
	t.Helper()
	var id uuid.UUID
	if k == mitid.KindApp {
		id = e.pendingApp(t, &mitid.User{ID: user})
	} else {
		id, _ = e.codeDevice(t, user, k, mitid.StatePendingActivation)
	}
	_, _, err := e.svc.ActivateAuthenticator(e.ctx, user, id, mitid.ActivateOptions{})
	require.NoError(t, err)
	return id
}

func TestActivateAuthenticator_RefusesOneWithoutItsSecret(t *testing.T) {
	e := newEnv(t)
	u := e.anna(t)
	for _, k := range []mitid.Kind{mitid.KindCodeDisplay, mitid.KindApp, mitid.KindChip} {
		_, evs, err := e.svc.AddAuthenticator(e.ctx, u.ID, mitid.NewAuthenticator{Kind: k, State: mitid.StatePendingActivation})
		require.NoError(t, err)
		_, _, err = e.svc.ActivateAuthenticator(e.ctx, u.ID, evs[0].Authenticator, mitid.ActivateOptions{})
		require.ErrorIs(t, err, mitid.ErrInvalid, "a %s without its secret could never be verified", k)
	}
}

func TestAuthenticatorLifecycle_ThroughTheService(t *testing.T) {
	e := newEnv(t)
	u := e.anna(t)

	cd, _ := e.codeDevice(t, u.ID, mitid.KindCodeDisplay, mitid.StateOrdered)
	log, err := e.svc.ActivityLog(e.ctx, u.ID, mitid.EventFilter{Types: []mitid.EventType{mitid.EventAuthenticatorAdded}})
	require.NoError(t, err)
	assert.Empty(t, log[0].Notify, "ordering is not an event the user is alerted to")

	_, _, err = e.svc.ActivateAuthenticator(e.ctx, u.ID, cd, mitid.ActivateOptions{})
	require.ErrorIs(t, err, mitid.ErrInvalid, "an ordered device must arrive before it is activated")
	_, _, err = e.svc.MarkDelivered(e.ctx, u.ID, cd)
	require.NoError(t, err)
	_, evs, err := e.svc.ActivateAuthenticator(e.ctx, u.ID, cd, mitid.ActivateOptions{})
	require.NoError(t, err)
	assert.Equal(t, mitid.StateActive, evs[0].To)
	assert.Len(t, evs[0].Notify, 2, "activating a code display is an important event (seed 004)")

	until := tNow.Add(15 * time.Minute)
	_, evs, err = e.svc.SuspendAuthenticator(e.ctx, u.ID, cd, until, "three wrong codes")
	require.NoError(t, err)
	assert.Equal(t, until, evs[0].Until)
	list, err := e.svc.Authenticators(e.ctx, u.ID)
	require.NoError(t, err)
	assert.Equal(t, mitid.StateSuspended, list[0].State)
	e.clock.Advance(15 * time.Minute)
	list, err = e.svc.Authenticators(e.ctx, u.ID)
	require.NoError(t, err)
	assert.Equal(t, mitid.StateActive, list[0].State, "a suspension ends by itself")

	_, _, err = e.svc.SuspendAuthenticator(e.ctx, u.ID, cd, time.Time{}, "reported lost, maybe found")
	require.NoError(t, err)
	_, _, err = e.svc.UnblockAuthenticator(e.ctx, u.ID, cd, "found it")
	require.NoError(t, err)
	_, _, err = e.svc.UnblockAuthenticator(e.ctx, u.ID, cd, "again")
	require.ErrorIs(t, err, mitid.ErrInvalid, "an active authenticator is not suspended")

	_, evs, err = e.svc.BlockAuthenticator(e.ctx, u.ID, cd, "broken")
	require.NoError(t, err)
	assert.Equal(t, mitid.StateBlocked, evs[0].To)
	_, _, err = e.svc.UnblockAuthenticator(e.ctx, u.ID, cd, "undo")
	require.ErrorIs(t, err, mitid.ErrLocked, "a block is permanent")
	assert.Contains(t, err.Error(), "order a new one")

	_, _, err = e.svc.SuspendAuthenticator(e.ctx, u.ID, uuid.New(), time.Time{}, "x")
	require.ErrorIs(t, err, mitid.ErrNotFound)
	assert.Equal(t, mitid.CodeAuthenticatorNotFound, mitid.ErrorCode(err))
	_, _, err = e.svc.SuspendAuthenticator(e.ctx, uuid.New(), cd, time.Time{}, "x")
	require.ErrorIs(t, err, mitid.ErrNotFound)
	assert.Equal(t, mitid.CodeUserNotFound, mitid.ErrorCode(err))
}

func TestRequestAccess_ChipWaits24Hours(t *testing.T) {
	e := newLoginEnv(t, checkedStore(t))
	u := e.anna(t)
	_, evs, err := e.svc.RequestAccess(e.ctx, u.ID, mitid.KindChip, "work chip")
	require.NoError(t, err)
	chipID := evs[0].Authenticator
	assert.Equal(t, mitid.StateWaitingForAccess, evs[0].To)
	assert.Equal(t, tNow.Add(24*time.Hour), evs[0].Until)
	assert.NotEmpty(t, evs[0].Notify, "the user is told a request was made")

	e.clock.Advance(23*time.Hour + 59*time.Minute)
	_, _, err = e.svc.BeginChipRegistration(e.ctx, u.ID, chipID)
	require.ErrorIs(t, err, mitid.ErrWaiting, "step B waits for the 24 hours")
	var me *mitid.Error
	require.ErrorAs(t, err, &me)
	assert.Equal(t, tNow.Add(24*time.Hour), me.Until)
	_, _, err = e.svc.ActivateAuthenticator(e.ctx, u.ID, chipID, mitid.ActivateOptions{})
	require.Error(t, err, "a chip is activated by connecting it, never by decree")

	e.clock.Advance(time.Minute)
	sim, err := chip.NewSimulator(seeded(77))
	require.NoError(t, err)
	opts, sess, err := e.svc.BeginChipRegistration(e.ctx, u.ID, chipID)
	require.NoError(t, err)
	resp, err := sim.Register(opts, origin)
	require.NoError(t, err)
	_, evs, err = e.svc.FinishChipRegistration(e.ctx, sess, resp, mitid.ChipActivation{Password: password})
	require.NoError(t, err)
	assert.Equal(t, mitid.StateActive, evs[0].To)
}

func TestReplaceDefective_Process1(t *testing.T) {
	e := newEnv(t)
	u := e.anna(t)
	old := e.addActive(t, u.ID, mitid.KindCodeDisplay)
	repl, _ := e.codeDevice(t, u.ID, mitid.KindAudioReader, mitid.StatePendingActivation)
	_, _, err := e.svc.ActivateAuthenticator(e.ctx, u.ID, repl, mitid.ActivateOptions{})
	require.ErrorIs(t, err, mitid.ErrLimit, "one code device at a time")
	got, evs, err := e.svc.ActivateAuthenticator(e.ctx, u.ID, repl, mitid.ActivateOptions{Replaces: old, Reason: "broken"})
	require.NoError(t, err)
	require.Len(t, evs, 2)
	a, err := got.Authenticator(old)
	require.NoError(t, err)
	assert.Equal(t, mitid.StateReplaced, a.State)
	assert.Equal(t, repl, a.ReplacedBy)
}

func TestActivityLog_FiltersAndUnknownUser(t *testing.T) {
	e := newEnv(t)
	u := e.anna(t)
	e.addActive(t, u.ID, mitid.KindApp)
	log, err := e.svc.ActivityLog(e.ctx, u.ID, mitid.EventFilter{Types: []mitid.EventType{mitid.EventAuthenticatorState}})
	require.NoError(t, err)
	require.Len(t, log, 1)
	assert.Equal(t, mitid.StateActive, log[0].To)
	_, err = e.svc.ActivityLog(e.ctx, uuid.New(), mitid.EventFilter{})
	require.ErrorIs(t, err, mitid.ErrNotFound)
}
