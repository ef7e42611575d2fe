package mitid_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/go-mitid/mitid"
	"github.com/go-mitid/mitid/chip/chiptest"
)

// TestSubmitChip_RefusalsHaveDistinctCodes proves that a chip answer from
// another origin, a malformed post and an answer to an earlier challenge are
// told apart, and that none counts against the chip or the account: a
// garbled or replayed post tests nothing of the chip's key, and a chip's
// signature cannot be guessed (see throttle.go).
func TestSubmitChip_RefusalsHaveDistinctCodes(t *testing.T) {
	e := newLoginEnv(t, checkedStore(t))
	h := e.enrol(t, "refusals", mitid.LevelSubstantial, mitid.KindChip)
	l := e.begin(t, h, mitid.LevelSubstantial)
	l, err := e.svc.SubmitPassword(e.ctx, l.ID, password)
	require.NoError(t, err)
	earlier := l.ChipOptions

	// An answer to this challenge is replaced by a stale one: the
	// challenge moves on after each refusal, so keep the first options.
	_, err = e.svc.SubmitChip(e.ctx, l.ID, []byte(`{"id":"x"`))
	assert.Equal(t, mitid.CodeChipMalformed, mitid.ErrorCode(err))
	assert.ErrorIs(t, err, mitid.ErrInvalid)

	stale, err := h.chip.Login(earlier, origin)
	require.NoError(t, err)
	_, err = e.svc.SubmitChip(e.ctx, l.ID, stale)
	assert.Equal(t, mitid.CodeChipStale, mitid.ErrorCode(err), "the challenge was renewed after the malformed post")
	assert.ErrorIs(t, err, mitid.ErrReplay)

	u, err := e.svc.User(e.ctx, h.user.ID)
	require.NoError(t, err)
	assert.Zero(t, u.Failures, "neither a malformed nor a stale answer is an attempt")

	l, err = e.svc.ResumeLogin(e.ctx, l.ID)
	require.NoError(t, err)
	phished, err := h.chip.Login(l.ChipOptions, "https://mitid.example.evil", chiptest.WithoutClientChecks())
	require.NoError(t, err)
	_, err = e.svc.SubmitChip(e.ctx, l.ID, phished)
	assert.Equal(t, mitid.CodeChipWrongOrigin, mitid.ErrorCode(err))
	u, err = e.svc.User(e.ctx, h.user.ID)
	require.NoError(t, err)
	assert.Zero(t, u.Failures, "a signature made on another page is no guess at the holder's secret")

	l, err = e.svc.ResumeLogin(e.ctx, l.ID)
	require.NoError(t, err)
	good, err := h.chip.Login(l.ChipOptions, origin)
	require.NoError(t, err)
	l, err = e.svc.SubmitChip(e.ctx, l.ID, good)
	require.NoError(t, err, "after each refusal the login has a fresh challenge")
	assert.Equal(t, mitid.StepDone, l.Next)
}

// TestCancelLogin_EndsTheLoginAndChangesNoUser proves a cancelled login
// takes no factor and cannot be finished, and that a cancel is no failure.
func TestCancelLogin_EndsTheLoginAndChangesNoUser(t *testing.T) {
	e := newLoginEnv(t, checkedStore(t))
	h := e.enrol(t, "canceller", mitid.LevelSubstantial, mitid.KindApp)
	l := e.begin(t, h, mitid.LevelSubstantial)
	sig := h.approve(t, l)
	require.NoError(t, e.svc.CancelLogin(e.ctx, l.ID))
	_, err := e.svc.SubmitApproval(e.ctx, l.ID, sig)
	assert.ErrorIs(t, err, mitid.ErrReplay, "a cancelled login takes no factor")
	_, err = e.svc.FinishLogin(e.ctx, l.ID)
	assert.ErrorIs(t, err, mitid.ErrReplay)
	assert.ErrorIs(t, e.svc.CancelLogin(e.ctx, l.ID), mitid.ErrReplay, "cancelled once")
	assert.ErrorIs(t, e.svc.CancelLogin(e.ctx, "no-such-login"), mitid.ErrNotFound)

	u, err := e.svc.User(e.ctx, h.user.ID)
	require.NoError(t, err)
	assert.Zero(t, u.Failures)
}

// TestSubmitCode_AReusedCodeIsNoWrongCode proves a code already accepted,
// typed again (a double click, a second login in the same 30 seconds), is
// refused as used and counts against nothing: three of them do not suspend
// the device.
func TestSubmitCode_AReusedCodeIsNoWrongCode(t *testing.T) {
	e := newLoginEnv(t, checkedStore(t))
	h := e.enrol(t, "double-click", mitid.LevelSubstantial, mitid.KindCodeDisplay)
	code := h.code(t)
	_, err := e.svc.SubmitCode(e.ctx, e.begin(t, h, mitid.LevelSubstantial).ID, code)
	require.NoError(t, err)
	for i := 0; i < 3; i++ {
		_, err := e.svc.SubmitCode(e.ctx, e.begin(t, h, mitid.LevelSubstantial).ID, code)
		assert.Equal(t, mitid.CodeCodeUsed, mitid.ErrorCode(err))
	}
	u, err := e.svc.User(e.ctx, h.user.ID)
	require.NoError(t, err)
	assert.Zero(t, u.Failures)
	list, err := e.svc.Authenticators(e.ctx, h.user.ID)
	require.NoError(t, err)
	assert.Equal(t, mitid.StateActive, stateOf(list, h.codeID))
}
