package mitid_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/go-mitid/mitid"
)

func TestRunDue_AccessGrantedOnceWhenTheWaitEnds(t *testing.T) {
	e := newLoginEnv(t, checkedStore(t))
	h := e.enrol(t, "venter", mitid.LevelSubstantial, mitid.KindApp)
	_, evs, err := e.svc.RequestAccess(e.ctx, h.user.ID, mitid.KindChip, "work chip")
	require.NoError(t, err)
	chipID := evs[0].Authenticator
	// A second chip request by someone else's account never mixes in.
	other := e.enrol(t, "venter.ikke", mitid.LevelSubstantial, mitid.KindApp)
	_, evs, err = e.svc.RequestAccess(e.ctx, other.user.ID, mitid.KindChip, "blocked before the end")
	require.NoError(t, err)
	_, _, err = e.svc.BlockAuthenticator(e.ctx, other.user.ID, evs[0].Authenticator, "changed my mind")
	require.NoError(t, err)

	e.clock.Advance(24*time.Hour - time.Second) // 23:59:59
	n, err := e.svc.RunDue(e.ctx)
	require.NoError(t, err)
	assert.Zero(t, n)
	e.clock.Advance(time.Second) // 24:00:00
	n, err = e.svc.RunDue(e.ctx)
	require.NoError(t, err)
	assert.Equal(t, 1, n)
	n, err = e.svc.RunDue(e.ctx)
	require.NoError(t, err)
	assert.Zero(t, n, "once")
	e.clock.Advance(3 * 24 * time.Hour)
	n, err = e.svc.RunDue(e.ctx)
	require.NoError(t, err)
	assert.Zero(t, n, "and never again")

	log, err := e.svc.ActivityLog(e.ctx, h.user.ID, mitid.EventFilter{Types: []mitid.EventType{mitid.EventAccessGranted}})
	require.NoError(t, err)
	require.Len(t, log, 1)
	assert.Equal(t, chipID, log[0].Authenticator)
	assert.Equal(t, "system", log[0].Actor)
	require.NotEmpty(t, log[0].Notify, "the person is notified")
	subject, text := mitid.Render(&log[0], mitid.English)
	assert.Equal(t, "MitID", subject)
	assert.Contains(t, text, "you now have access to add or change your MitID chip")
	log, err = e.svc.ActivityLog(e.ctx, other.user.ID, mitid.EventFilter{Types: []mitid.EventType{mitid.EventAccessGranted}})
	require.NoError(t, err)
	assert.Empty(t, log, "a blocked request is never granted")
}

func TestRunDue_CatchesUpWithinTheLookback(t *testing.T) {
	e := newLoginEnv(t, checkedStore(t))
	h := e.enrol(t, "indhenter", mitid.LevelSubstantial, mitid.KindApp)
	_, _, err := e.svc.RequestAccess(e.ctx, h.user.ID, mitid.KindChip, "")
	require.NoError(t, err)
	e.clock.Advance(24*time.Hour + mitid.DueLookback - time.Minute)
	n, err := e.svc.RunDue(e.ctx)
	require.NoError(t, err)
	assert.Equal(t, 1, n, "a runner that was down for almost the lookback misses nothing")
}

func TestPasswordChange_RequestAccessAndWait24Hours(t *testing.T) {
	e := newLoginEnv(t, checkedStore(t))
	h := e.enrol(t, "skift.pw", mitid.LevelSubstantial, mitid.KindApp, mitid.KindCodeDisplay)
	login := func() string { return e.complete(t, h, e.begin(t, h, mitid.LevelSubstantial)).ID }

	_, _, err := e.svc.ChangePasswordAfterWait(e.ctx, h.user.ID, login(), "et helt nyt kodeord")
	assert.Equal(t, mitid.CodeWaitingPeriod, mitid.ErrorCode(err), "no request, no change")
	_, _, err = e.svc.RequestPasswordChange(e.ctx, h.user.ID, "")
	assert.Equal(t, mitid.CodeLoginInvalid, mitid.ErrorCode(err))
	_, evs, err := e.svc.RequestPasswordChange(e.ctx, h.user.ID, login())
	require.NoError(t, err)
	from := evs[0].Until
	assert.NotEmpty(t, evs[0].Notify)

	e.clock.Set(from.Add(-time.Second)) // 23:59:59
	_, _, err = e.svc.ChangePasswordAfterWait(e.ctx, h.user.ID, login(), "et helt nyt kodeord")
	assert.Equal(t, mitid.CodeWaitingPeriod, mitid.ErrorCode(err))
	var me *mitid.Error
	require.ErrorAs(t, err, &me)
	assert.Equal(t, from, me.Until)

	e.clock.Set(from)
	n, err := e.svc.RunDue(e.ctx)
	require.NoError(t, err)
	assert.Equal(t, 1, n, "access granted is notified")
	held := login()
	release := mitid.HoldHashGate(e.svc)
	_, _, err = e.svc.ChangePasswordAfterWait(e.ctx, h.user.ID, held, "et helt nyt kodeord")
	assert.Equal(t, mitid.CodeBusy, mitid.ErrorCode(err), "the new password's hash waits for the argon2id budget as a check does")
	release()
	_, evs, err = e.svc.ChangePasswordAfterWait(e.ctx, h.user.ID, held, "et helt nyt kodeord")
	require.NoError(t, err, "the busy attempt used neither the request nor the login")
	assert.Equal(t, mitid.EventPasswordChanged, evs[0].Type)
	_, _, err = e.svc.ChangePasswordAfterWait(e.ctx, h.user.ID, login(), "endnu et nyt kodeord")
	assert.Equal(t, mitid.CodeWaitingPeriod, mitid.ErrorCode(err), "one request, one change")

	// The new password is the one a login takes.
	l := e.begin(t, h, mitid.LevelSubstantial)
	l, err = e.svc.ChooseMethod(e.ctx, l.ID, mitid.MethodCodeDisplay, h.codeID)
	require.NoError(t, err)
	l, err = e.svc.SubmitCode(e.ctx, l.ID, h.code(t))
	require.NoError(t, err)
	_, err = e.svc.SubmitPassword(e.ctx, l.ID, "et helt nyt kodeord")
	require.NoError(t, err)
}

func TestPasswordChange_PolicyWaitIsRead(t *testing.T) {
	st := checkedStore(t)
	e := newLoginEnv(t, st)
	p := e.svc.Policy()
	p.PasswordChangeWait = time.Hour
	svc, err := mitid.New(mitid.Config{Store: st, Keys: mustKeys(t), Clock: e.clock, Rand: seeded(12), Policy: &p})
	require.NoError(t, err)
	h := e.enrol(t, "kort.vent", mitid.LevelSubstantial, mitid.KindApp, mitid.KindCodeDisplay)
	_, evs, err := svc.RequestPasswordChange(e.ctx, h.user.ID, e.complete(t, h, e.begin(t, h, mitid.LevelSubstantial)).ID)
	require.NoError(t, err)
	assert.Equal(t, e.clock.Now().Add(time.Hour), evs[0].Until)
}

// TestForgottenPassword_AWrongCodeHashesNothing: anyone who knows a user
// ID can try a code here, so only a code that matches is worth the new
// password's hash: a wrong one is refused and counted without one, even
// while every password check is turned away as busy (the argon2id budget
// full), and cannot fill that budget itself. A right code waits for the
// budget as a password check does, and uses nothing up meanwhile.
func TestForgottenPassword_AWrongCodeHashesNothing(t *testing.T) {
	e := newLoginEnv(t, checkedStore(t))
	h := e.enrol(t, "glemsom.travl", mitid.LevelSubstantial, mitid.KindCodeDisplay)
	code := e.paperCode(t, h.user.ID)
	release := mitid.HoldHashGate(e.svc)
	_, _, err := e.svc.ResetForgottenPassword(e.ctx, h.user.UserID, "AAAA-BBBB-CCCC", "glemt og fundet igen")
	assert.Equal(t, mitid.CodeWrongActivationCode, mitid.ErrorCode(err), "refused without a hash: %v", err)
	_, _, err = e.svc.ResetForgottenPassword(e.ctx, h.user.UserID, code, "glemt og fundet igen")
	assert.Equal(t, mitid.CodeBusy, mitid.ErrorCode(err), "the right code's hash waits for the budget: %v", err)
	release()
	_, evs, err := e.svc.ResetForgottenPassword(e.ctx, h.user.UserID, code, "glemt og fundet igen")
	require.NoError(t, err, "the busy attempt used nothing up")
	assert.Equal(t, mitid.EventPasswordChanged, evs[len(evs)-1].Type)
}

func TestForgottenPassword_ResetWithAnActivationCode(t *testing.T) {
	e := newLoginEnv(t, checkedStore(t))
	h := e.enrol(t, "glemsom", mitid.LevelSubstantial, mitid.KindCodeDisplay)
	sms, _, _, err := e.svc.IssueCode(e.ctx, h.user.ID, mitid.PurposeActivation, mitid.CodeBySMS)
	require.NoError(t, err)
	_, _, err = e.svc.ResetForgottenPassword(e.ctx, h.user.UserID, sms, "glemt og fundet igen")
	assert.Equal(t, mitid.CodeActivationInvalid, mitid.ErrorCode(err), "not with a code by SMS")
	_, _, err = e.svc.ResetForgottenPassword(e.ctx, h.user.UserID, e.paperCode(t, h.user.ID), "kort")
	assert.Equal(t, mitid.CodePasswordInvalid, mitid.ErrorCode(err))
	code := e.paperCode(t, h.user.ID)
	_, evs, err := e.svc.ResetForgottenPassword(e.ctx, h.user.UserID, code, "glemt og fundet igen")
	require.NoError(t, err)
	assert.Equal(t, mitid.EventPasswordChanged, evs[len(evs)-1].Type)
	_, _, err = e.svc.ResetForgottenPassword(e.ctx, h.user.UserID, code, "glemt og fundet igen")
	assert.Equal(t, mitid.CodeActivationInvalid, mitid.ErrorCode(err), "the code served once")
}
