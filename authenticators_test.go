package mitid_test

import (
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/go-mitid/mitid"
	"github.com/go-mitid/mitid/app/apptest"
	"github.com/go-mitid/mitid/chip/chiptest"
)

// addActive registers an app or a code device of kind k with its secret
// and activates it.
func (e *env) addActive(t *testing.T, user uuid.UUID, k mitid.Kind) uuid.UUID {
	t.Helper()
	u, err := e.svc.User(e.ctx, user)
	require.NoError(t, err)
	if k == mitid.KindApp {
		id := e.pendingApp(t, u)
		pin, _, _, err := e.svc.IssueCode(e.ctx, user, mitid.PurposeTemporaryPIN, mitid.CodeBySMS)
		require.NoError(t, err)
		_, _, err = e.svc.ActivateWithCode(e.ctx, u.UserID, id, mitid.ActivationCodes{Code: e.paperCode(t, user), TemporaryPIN: pin})
		require.NoError(t, err)
		return id
	}
	id, dev := e.codeDevice(t, user, k, mitid.StatePendingActivation)
	_, _, err = e.svc.ActivateWithCode(e.ctx, u.UserID, id, proofOf(t, dev, e.paperCode(t, user)))
	require.NoError(t, err)
	e.clock.Advance(30 * time.Second) // the device's code is spent
	return id
}

func TestActivateAuthenticator_RefusesOneWithoutItsSecret(t *testing.T) {
	e := newLoginEnv(t, checkedStore(t))
	h := e.enrol(t, "anna-secret", mitid.LevelSubstantial, mitid.KindApp)
	for _, k := range []mitid.Kind{mitid.KindCodeDisplay, mitid.KindChip} {
		_, evs, err := e.svc.AddAuthenticator(e.ctx, h.user.ID, mitid.AuthenticatorRequest{Kind: k, State: mitid.StatePendingActivation})
		require.NoError(t, err)
		l := e.complete(t, h, e.begin(t, h, mitid.LevelSubstantial))
		_, _, err = e.svc.ActivateAuthenticator(e.ctx, h.user.ID, evs[0].Authenticator, mitid.ActivateOptions{Login: l.ID})
		assert.Equal(t, mitid.CodeTransitionForbidden, mitid.ErrorCode(err), "a %s without its secret could never be verified", k)
	}
}

func TestActivateAuthenticator_NeedsALoginOfThePersonWithAnotherAuthenticator(t *testing.T) {
	e := newLoginEnv(t, checkedStore(t))
	h := e.enrol(t, "anna-proof", mitid.LevelSubstantial, mitid.KindApp)
	other := e.enrol(t, "bent-proof", mitid.LevelSubstantial, mitid.KindApp)
	sim, err := apptest.NewSimulator(seeded(31), "123456")
	require.NoError(t, err)
	_, evs, err := e.svc.AddApp(e.ctx, h.user.ID, "second phone", sim.PublicKey())
	require.NoError(t, err)
	second := evs[0].Authenticator

	_, _, err = e.svc.ActivateAuthenticator(e.ctx, h.user.ID, second, mitid.ActivateOptions{})
	assert.Equal(t, mitid.CodeLoginInvalid, mitid.ErrorCode(err), "no proof, no activation")
	l := e.complete(t, other, e.begin(t, other, mitid.LevelSubstantial))
	_, _, err = e.svc.ActivateAuthenticator(e.ctx, h.user.ID, second, mitid.ActivateOptions{Login: l.ID})
	assert.Equal(t, mitid.CodeIdentificationFailed, mitid.ErrorCode(err), "another person's login proves nothing")
	_, _, err = e.svc.ActivateAuthenticator(e.ctx, h.user.ID, second, mitid.ActivateOptions{Login: "made-up"})
	assert.Equal(t, mitid.CodeSessionNotFound, mitid.ErrorCode(err))
	assert.Equal(t, mitid.StatePendingActivation, stateOf(e.list(t, h.user.ID), second))

	l = e.complete(t, h, e.begin(t, h, mitid.LevelSubstantial))
	_, _, err = e.svc.ActivateAuthenticator(e.ctx, h.user.ID, second, mitid.ActivateOptions{Login: l.ID})
	require.NoError(t, err)
	assert.Equal(t, mitid.StateActive, stateOf(e.list(t, h.user.ID), second))
	_, _, err = e.svc.ActivateAuthenticator(e.ctx, h.user.ID, second, mitid.ActivateOptions{Login: l.ID})
	assert.ErrorIs(t, err, mitid.ErrReplay, "a login proves once")
}

func (e *env) list(t *testing.T, user uuid.UUID) []mitid.Authenticator {
	t.Helper()
	l, err := e.svc.Authenticators(e.ctx, user)
	require.NoError(t, err)
	return l
}

func TestAuthenticatorLifecycle_ThroughTheService(t *testing.T) {
	e := newEnv(t)
	u := e.anna(t)

	cd, cdDev := e.codeDevice(t, u.ID, mitid.KindCodeDisplay, mitid.StateOrdered)
	log, err := e.svc.ActivityLog(e.ctx, u.ID, mitid.EventFilter{Types: []mitid.EventType{mitid.EventAuthenticatorAdded}})
	require.NoError(t, err)
	assert.Empty(t, log[0].Notify, "ordering is not an event the user is alerted to")

	_, _, err = e.svc.ActivateWithCode(e.ctx, u.UserID, cd, proofOf(t, cdDev, e.paperCode(t, u.ID)))
	assert.Equal(t, mitid.CodeTransitionForbidden, mitid.ErrorCode(err), "an ordered device must arrive before it is activated")
	_, _, err = e.svc.MarkDelivered(e.ctx, u.ID, cd)
	require.NoError(t, err)
	_, evs, err := e.svc.ActivateWithCode(e.ctx, u.UserID, cd, proofOf(t, cdDev, e.paperCode(t, u.ID)))
	require.NoError(t, err)
	evs = evs[1 : len(evs)-1] // the code's use and the first password aside
	assert.Equal(t, mitid.StateActive, evs[0].To)
	assert.Len(t, evs[0].Notify, 2, "activating a code display is an important event (mitid.dk: MitID security in general)")

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
	h := e.enrol(t, "anna.venter", mitid.LevelSubstantial, mitid.KindApp)
	u := h.user
	_, evs, err := e.svc.RequestAccess(e.ctx, u.ID, mitid.KindChip, "work chip")
	require.NoError(t, err)
	chipID := evs[0].Authenticator
	assert.Equal(t, mitid.StateWaitingForAccess, evs[0].To)
	assert.Equal(t, tNow.Add(24*time.Hour), evs[0].Until)
	assert.NotEmpty(t, evs[0].Notify, "the user is told a request was made")

	e.clock.Advance(24*time.Hour - time.Second) // 23:59:59
	_, _, err = e.svc.BeginChipRegistration(e.ctx, u.ID, chipID)
	require.ErrorIs(t, err, mitid.ErrWaiting, "step B waits for the 24 hours")
	var me *mitid.Error
	require.ErrorAs(t, err, &me)
	assert.Equal(t, tNow.Add(24*time.Hour), me.Until)
	_, _, err = e.svc.ActivateAuthenticator(e.ctx, u.ID, chipID, mitid.ActivateOptions{})
	require.Error(t, err, "a chip is activated by connecting it, never by decree")

	e.clock.Advance(time.Second) // 24:00:00
	sim, err := chiptest.NewSimulator(seeded(77))
	require.NoError(t, err)
	opts, sess, err := e.svc.BeginChipRegistration(e.ctx, u.ID, chipID)
	require.NoError(t, err)
	resp, err := sim.Register(opts, origin)
	require.NoError(t, err)
	_, _, err = e.svc.FinishChipRegistration(e.ctx, sess, resp, mitid.ChipActivation{Password: password})
	assert.Equal(t, mitid.CodeLoginInvalid, mitid.ErrorCode(err), "step B is done logged in")
	opts, sess, err = e.svc.BeginChipRegistration(e.ctx, u.ID, chipID)
	require.NoError(t, err)
	resp, err = sim.Register(opts, origin)
	require.NoError(t, err)
	l := e.complete(t, h, e.begin(t, h, mitid.LevelSubstantial))
	_, evs, err = e.svc.FinishChipRegistration(e.ctx, sess, resp, mitid.ChipActivation{Password: password, Login: l.ID})
	require.NoError(t, err)
	assert.Equal(t, mitid.StateActive, evs[0].To)
}

func TestReplaceDefective_Process1(t *testing.T) {
	e := newEnv(t)
	u := e.anna(t)
	old := e.addActive(t, u.ID, mitid.KindCodeDisplay)
	repl, dev := e.codeDevice(t, u.ID, mitid.KindAudioReader, mitid.StatePendingActivation)
	code := e.paperCode(t, u.ID)
	_, _, err := e.svc.ActivateWithCode(e.ctx, u.UserID, repl, proofOf(t, dev, code))
	require.ErrorIs(t, err, mitid.ErrLimit, "one code device at a time")
	p := proofOf(t, dev, code)
	p.Replaces = old
	got, evs, err := e.svc.ActivateWithCode(e.ctx, u.UserID, repl, p)
	require.NoError(t, err)
	require.Len(t, evs, 3, "the code's use, the old one replaced, the new one active")
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
