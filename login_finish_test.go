package mitid_test

import (
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/go-mitid/mitid"
)

// beginFinishing begins a login of h at level that finishes at its last
// factor, on method.
func (e *loginEnv) beginFinishing(t *testing.T, h *holder, level mitid.Level, method mitid.Method) *mitid.Login {
	t.Helper()
	l, err := e.svc.BeginLogin(e.ctx, mitid.LoginRequest{UserID: h.user.UserID, Action: mitid.ActionLogOn, Text: "Log på hos Skattestyrelsen",
		Level: level, RelyingParty: "skat.dk", FinishAtLastFactor: true})
	require.NoError(t, err)
	if l.Method != method {
		l, err = e.svc.ChooseMethod(e.ctx, l.ID, method, uuid.Nil)
		require.NoError(t, err)
	}
	return l
}

// TestLogin_FinishAtLastFactorFinishesWithTheLastStep: a login begun with
// FinishAtLastFactor is finished by the step that gives its last factor,
// for every method whose last factor the page gives, on a store that commits a step in one and on one with
// only the core contract: that step's Login carries the result FinishLogin
// gives for the same login begun without it, the person's record holds the
// finished login and its use event (the relying party's act), and
// FinishLogin then refuses the login as used. Only the last step finishes.
func TestLogin_FinishAtLastFactorFinishesWithTheLastStep(t *testing.T) {
	stores := map[string]func(t *testing.T) mitid.Store{
		"every capability": func(t *testing.T) mitid.Store { return checkedStore(t) },
		"the core contract": func(t *testing.T) mitid.Store {
			return struct{ mitid.Store }{checkedStore(t)}
		},
	}
	tests := []struct {
		kinds  []mitid.Kind
		method mitid.Method
		ial    mitid.Level
	}{
		{[]mitid.Kind{mitid.KindCodeDisplay}, mitid.MethodCodeDisplay, mitid.LevelSubstantial},
		{[]mitid.Kind{mitid.KindAudioReader}, mitid.MethodAudioReader, mitid.LevelSubstantial},
		{[]mitid.Kind{mitid.KindChip}, mitid.MethodChip, mitid.LevelSubstantial},
		{[]mitid.Kind{mitid.KindApp, mitid.KindChip}, mitid.MethodAppAndChip, mitid.LevelHigh},
	}
	for name, store := range stores {
		for _, tc := range tests {
			t.Run(name+", "+string(tc.method), func(t *testing.T) {
				e := newLoginEnv(t, store(t))
				h := e.enrol(t, "finisher", tc.ial, tc.kinds...)

				// The same login finished by FinishLogin, for what it gives.
				want, err := e.svc.FinishLogin(e.ctx, e.complete(t, h, e.beginFinishingNot(t, h, tc.method)).ID)
				require.NoError(t, err)
				e.clock.Advance(31e9) // a code is accepted once a time step

				l := e.beginFinishing(t, h, mitid.LevelSubstantial, tc.method)
				steps := 0
				for l.Next != mitid.StepDone {
					assert.Nil(t, l.Result, "no result before the last factor")
					l = e.complete1(t, h, l)
					steps++
				}
				assert.Len(t, tc.method.Kinds(), steps, "one step a factor")
				require.NotNil(t, l.Result, "the last step's Login carries the result")
				got := l.Result
				assert.Equal(t, l.ID, got.Login)
				for _, f := range []struct{ got, want any }{
					{got.User, want.User}, {got.UserID, want.UserID}, {got.Method, want.Method}, {got.Kinds, want.Kinds},
					{got.IAL, want.IAL}, {got.AAL, want.AAL}, {got.LoA, want.LoA}, {got.TextHash, want.TextHash},
					{got.RelyingParty, want.RelyingParty}, {got.Action, want.Action}, {got.Authenticators, want.Authenticators},
				} {
					assert.Equal(t, f.want, f.got)
				}
				assert.Equal(t, e.clock.Now(), got.At)

				_, err = e.svc.FinishLogin(e.ctx, l.ID)
				assert.ErrorIs(t, err, mitid.ErrReplay, "the login is finished")
				assert.Equal(t, mitid.CodeSessionUsed, mitid.ErrorCode(err))

				evs, err := e.svc.ActivityLog(e.ctx, h.user.ID, mitid.EventFilter{Types: []mitid.EventType{mitid.EventAuthenticatorUsed}})
				require.NoError(t, err)
				require.Len(t, evs, 2, "one use event a login")
				assert.Equal(t, "relying party: skat.dk", evs[1].Actor)
				assert.Equal(t, e.clock.Now(), evs[1].At)
			})
		}
	}
}

// TestLogin_FinishAtLastFactorLeavesAnApprovalToThePage: an app's
// approval is posted by the app, not by the page waiting for the result,
// so it finishes nothing even in a login begun with FinishAtLastFactor:
// its Login has no result, the login waits for FinishLogin, which gives
// the result to the page, once.
func TestLogin_FinishAtLastFactorLeavesAnApprovalToThePage(t *testing.T) {
	e := newLoginEnv(t, checkedStore(t))
	h := e.enrol(t, "approver", mitid.LevelSubstantial, mitid.KindApp)
	l := e.beginFinishing(t, h, mitid.LevelSubstantial, mitid.MethodApp)
	l = e.complete1(t, h, l)
	require.Equal(t, mitid.StepDone, l.Next)
	assert.Nil(t, l.Result, "the app's approval hands no result to the phone")
	u, err := e.svc.User(e.ctx, h.user.ID)
	require.NoError(t, err)
	assert.Empty(t, u.Logins, "nothing finished")

	res, err := e.svc.FinishLogin(e.ctx, l.ID)
	require.NoError(t, err, "the page finishes the login")
	assert.Equal(t, mitid.MethodApp, res.Method)
	assert.Equal(t, mitid.LevelSubstantial, res.LoA)
	_, err = e.svc.FinishLogin(e.ctx, l.ID)
	assert.Equal(t, mitid.CodeSessionUsed, mitid.ErrorCode(err), "once")
}

// beginFinishingNot begins a login of h on method that FinishLogin
// finishes.
func (e *loginEnv) beginFinishingNot(t *testing.T, h *holder, method mitid.Method) *mitid.Login {
	t.Helper()
	l := e.begin(t, h, mitid.LevelSubstantial)
	if l.Method != method {
		var err error
		l, err = e.svc.ChooseMethod(e.ctx, l.ID, method, uuid.Nil)
		require.NoError(t, err)
	}
	return l
}

// TestLogin_FinishAtLastFactorRefusedCommitsNothing: when the finish that
// the last factor brings refuses (here the code display used for the first
// factor was blocked meanwhile), the step returns FinishLogin's refusal,
// with its code, and commits nothing: the login still waits for the
// password, and the record has no finished login. A wrong last factor is
// refused and counted as in any login, and finishes nothing.
func TestLogin_FinishAtLastFactorRefusedCommitsNothing(t *testing.T) {
	e := newLoginEnv(t, checkedStore(t))
	h := e.enrol(t, "refused-finish", mitid.LevelSubstantial, mitid.KindCodeDisplay)
	l := e.beginFinishing(t, h, mitid.LevelSubstantial, mitid.MethodCodeDisplay)
	l, err := e.svc.SubmitCode(e.ctx, l.ID, h.code(t))
	require.NoError(t, err)
	require.Equal(t, mitid.StepPassword, l.Next)

	_, err = e.svc.SubmitPassword(e.ctx, l.ID, "not the password")
	assert.Equal(t, mitid.CodeWrongPassword, mitid.ErrorCode(err))
	u, err := e.svc.User(e.ctx, h.user.ID)
	require.NoError(t, err)
	assert.Equal(t, 1, u.Failures, "the wrong password counts")
	assert.Empty(t, u.Logins, "nothing finished")

	_, _, err = e.svc.BlockAuthenticator(e.ctx, h.user.ID, h.codeID, "lost")
	require.NoError(t, err)
	before, err := e.svc.User(e.ctx, h.user.ID)
	require.NoError(t, err)
	_, err = e.svc.SubmitPassword(e.ctx, l.ID, password)
	assert.Equal(t, mitid.CodeAuthenticatorBlocked, mitid.ErrorCode(err), "FinishLogin's refusal")
	after, err := e.svc.User(e.ctx, h.user.ID)
	require.NoError(t, err)
	assert.Equal(t, before.Version, after.Version, "nothing committed")
	assert.Empty(t, after.Logins)
	again, err := e.svc.ResumeLogin(e.ctx, l.ID)
	require.NoError(t, err)
	assert.Equal(t, mitid.StepPassword, again.Next, "the login still waits for the password")
}

// TestFinishLogin_ALevelLostWhileTheLoginRanIsRefused: a login asked at
// High whose person's identity is registered lower by the time it
// finishes (a record changed behind the Service's back) is refused as too
// low, not finished at the level it asked for.
func TestFinishLogin_ALevelLostWhileTheLoginRanIsRefused(t *testing.T) {
	e := newLoginEnv(t, checkedStore(t))
	h := e.enrol(t, "hoej.person", mitid.LevelHigh, mitid.KindApp, mitid.KindChip)
	l := e.complete(t, h, e.begin(t, h, mitid.LevelHigh))
	_, err := e.svc.Store().UpdateUser(e.ctx, h.user.ID, func(u *mitid.User) ([]mitid.Event, error) {
		u.IAL = mitid.LevelSubstantial
		return nil, nil
	})
	require.NoError(t, err)
	_, err = e.svc.FinishLogin(e.ctx, l.ID)
	assert.Equal(t, mitid.CodeLevelTooLow, mitid.ErrorCode(err))
}
