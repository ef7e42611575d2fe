package mitid_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/go-mitid/mitid"
)

// The password's rules: a change needs the current one, counts a wrong
// one as at login, and is notified; a blocked MitID changes nothing.

func TestChangePassword_RightCurrentReplacesItAndIsNotified(t *testing.T) {
	e := newLoginEnv(t, checkedStore(t))
	h := e.enrol(t, "change-pw", mitid.LevelSubstantial, mitid.KindCodeDisplay)
	const next = "ny hest ny stald"
	_, evs, err := e.svc.ChangePassword(e.ctx, h.user.ID, password, next)
	require.NoError(t, err)
	require.Len(t, evs, 1)
	assert.Equal(t, mitid.EventPasswordChanged, evs[0].Type)
	assert.NotEmpty(t, evs[0].Notify, "a changed password is notified")

	l, err := e.svc.SubmitCode(e.ctx, e.begin(t, h, mitid.LevelSubstantial).ID, h.code(t))
	require.NoError(t, err)
	_, err = e.svc.SubmitPassword(e.ctx, l.ID, password)
	assert.Equal(t, mitid.CodeWrongPassword, mitid.ErrorCode(err), "the old password is gone")
	l, err = e.svc.SubmitPassword(e.ctx, l.ID, next)
	require.NoError(t, err)
	assert.Equal(t, mitid.StepDone, l.Next)
}

func TestChangePassword_WrongCurrentCountsAsAtLogin(t *testing.T) {
	e := newLoginEnv(t, checkedStore(t))
	h := e.enrol(t, "change-pw-wrong", mitid.LevelSubstantial, mitid.KindCodeDisplay)
	for i := 1; i <= 3; i++ {
		_, _, err := e.svc.ChangePassword(e.ctx, h.user.ID, "not the password", "ny hest ny stald")
		assert.Equal(t, mitid.CodeWrongPassword, mitid.ErrorCode(err), "attempt %d", i)
	}
	u, err := e.svc.User(e.ctx, h.user.ID)
	require.NoError(t, err)
	assert.Equal(t, 3, u.Failures)
	_, _, err = e.svc.ChangePassword(e.ctx, h.user.ID, password, "ny hest ny stald")
	require.ErrorIs(t, err, mitid.ErrLocked, "three wrong passwords suspend it, even the right one now waits")
	assert.Equal(t, mitid.CodeAuthenticatorSusp, mitid.ErrorCode(err))
}

func TestChangePassword_BlockedMitIDIsRefusedAndCountsNothing(t *testing.T) {
	e := newLoginEnv(t, checkedStore(t))
	h := e.enrol(t, "change-pw-blocked", mitid.LevelSubstantial, mitid.KindCodeDisplay)
	_, _, err := e.svc.BlockUser(e.ctx, h.user.ID, e.clock.Now().Add(time.Hour), "support case")
	require.NoError(t, err)
	before, err := e.svc.User(e.ctx, h.user.ID)
	require.NoError(t, err)
	for _, current := range []string{"not the password", password} {
		_, _, err = e.svc.ChangePassword(e.ctx, h.user.ID, current, "ny hest ny stald")
		require.ErrorIs(t, err, mitid.ErrLocked)
		assert.Equal(t, mitid.CodeUserBlocked, mitid.ErrorCode(err))
	}
	after, err := e.svc.User(e.ctx, h.user.ID)
	require.NoError(t, err)
	assert.Equal(t, before.Version, after.Version, "nothing was committed")
	assert.Zero(t, after.Failures)
}
