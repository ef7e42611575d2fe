package mitid_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/go-mitid/mitid"
)

// coreOnly is a Service's config on the same store seen through the core
// contract alone: BeginLogin reads the user and then stores a settled
// login, as before LoginBeginner.
func coreOnly(c *mitid.Config) { c.Store = struct{ mitid.Store }{c.Store} }

// kinds is what a login's options show before the first factor.
func kinds(l *mitid.Login) []mitid.Kind {
	var out []mitid.Kind
	for _, o := range l.Options {
		out = append(out, o.Kind)
	}
	return out
}

// TestBeginLogin_ABegunLoginIsSettledWhereverItIsRead: a login BeginLogin
// stored in one call (LoginBeginner), before its user was read, is the
// same login on another Service that never saw it: ResumeLogin there shows
// the method, step, options and challenge BeginLogin answered with (the
// app signs that challenge), what a Service on the core contract alone
// answers for the same person, and the login completes there.
func TestBeginLogin_ABegunLoginIsSettledWhereverItIsRead(t *testing.T) {
	for _, tc := range []struct {
		kinds []mitid.Kind
		level mitid.Level
	}{
		{[]mitid.Kind{mitid.KindCodeDisplay}, mitid.LevelSubstantial},
		{[]mitid.Kind{mitid.KindApp, mitid.KindCodeDisplay}, mitid.LevelSubstantial},
		{[]mitid.Kind{mitid.KindChip}, mitid.LevelSubstantial},
		{[]mitid.Kind{mitid.KindApp, mitid.KindChip}, mitid.LevelHigh},
	} {
		t.Run(string(tc.kinds[0])+" at "+tc.level.String(), func(t *testing.T) {
			a := newLoginEnv(t, checkedStore(t))
			b := a.twin(t, nil)
			core := a.twin(t, coreOnly)
			h := a.enrol(t, "settled", tc.level, tc.kinds...)

			l := a.begin(t, h, tc.level)
			want := core.begin(t, h, tc.level)
			assert.Equal(t, want.Method, l.Method)
			assert.Equal(t, want.Next, l.Next)
			assert.Equal(t, kinds(want), kinds(l))
			assert.Len(t, l.Challenge, len(want.Challenge), "a challenge only for the app's approval")

			again, err := b.svc.ResumeLogin(b.ctx, l.ID)
			require.NoError(t, err)
			assert.Equal(t, l.Method, again.Method)
			assert.Equal(t, l.Next, again.Next)
			assert.Equal(t, kinds(l), kinds(again))
			assert.Equal(t, l.Challenge, again.Challenge, "the challenge BeginLogin showed")

			for l.Next != mitid.StepDone {
				l = b.complete1(t, h, l)
			}
			res, err := b.svc.FinishLogin(b.ctx, l.ID)
			require.NoError(t, err)
			assert.Equal(t, h.user.ID, res.User)
			assert.Equal(t, tc.level, res.LoA)
		})
	}
}

// TestBeginLogin_ABegunLoginChangesMethodOrEndsElsewhere: another Service
// switches a login still as BeginLogin stored it to another method, and
// cancels one, as it would a settled login.
func TestBeginLogin_ABegunLoginChangesMethodOrEndsElsewhere(t *testing.T) {
	a := newLoginEnv(t, checkedStore(t))
	b := a.twin(t, nil)
	h := a.enrol(t, "switcher", mitid.LevelSubstantial, mitid.KindApp, mitid.KindCodeDisplay)

	l := a.begin(t, h, mitid.LevelSubstantial)
	require.Equal(t, mitid.MethodApp, l.Method)
	l, err := b.svc.ChooseMethod(b.ctx, l.ID, mitid.MethodCodeDisplay, uuid.Nil)
	require.NoError(t, err)
	assert.Equal(t, mitid.StepCode, l.Next)
	l = b.complete1(t, h, l)
	assert.Equal(t, mitid.StepPassword, l.Next)

	l = a.begin(t, h, mitid.LevelSubstantial)
	require.NoError(t, b.svc.CancelLogin(b.ctx, l.ID))
	_, err = a.svc.ResumeLogin(a.ctx, l.ID)
	assert.Equal(t, mitid.CodeSessionUsed, mitid.ErrorCode(err))
	_, err = a.svc.SubmitApproval(a.ctx, l.ID, h.approve(t, l))
	assert.Equal(t, mitid.CodeSessionUsed, mitid.ErrorCode(err))
}

// TestBeginLogin_ABegunLoginIsRefusedOutOfOrder: a step a login still as
// begun cannot take first (the password before the code, the chip, the
// finish) is refused as out of order, on any Service, and counts nothing.
func TestBeginLogin_ABegunLoginIsRefusedOutOfOrder(t *testing.T) {
	a := newLoginEnv(t, checkedStore(t))
	b := a.twin(t, nil)
	h := a.enrol(t, "impatient", mitid.LevelSubstantial, mitid.KindCodeDisplay)
	l := a.begin(t, h, mitid.LevelSubstantial)
	for _, svc := range []*mitid.Service{b.svc, a.svc} {
		_, err := svc.SubmitPassword(a.ctx, l.ID, password)
		assert.Equal(t, mitid.CodeLoginOrder, mitid.ErrorCode(err))
		_, err = svc.SubmitChip(a.ctx, l.ID, []byte(`{}`))
		assert.Equal(t, mitid.CodeLoginOrder, mitid.ErrorCode(err))
		_, err = svc.FinishLogin(a.ctx, l.ID)
		assert.Equal(t, mitid.CodeLoginOrder, mitid.ErrorCode(err))
	}
	u, err := a.svc.User(a.ctx, h.user.ID)
	require.NoError(t, err)
	assert.Zero(t, u.Failures)
	l = a.complete(t, h, l)
	assert.Equal(t, mitid.StepDone, l.Next, "the login goes on")
}

// TestBeginLogin_AStrangersUserIDGetsTheSameDecoy: a user ID nobody has
// gets, from the one call, the decoy a Service on the core contract alone
// shows for it (the same shape, from the same keyed hash), on every
// Service, and no factor completes it.
func TestBeginLogin_AStrangersUserIDGetsTheSameDecoy(t *testing.T) {
	a := newLoginEnv(t, checkedStore(t))
	b := a.twin(t, nil)
	core := a.twin(t, coreOnly)
	for _, uid := range []string{"nobody-here", "ingen.bruger", "x-1234567"} {
		req := mitid.LoginRequest{UserID: uid, Action: mitid.ActionLogOn, Text: "Log på", Level: mitid.LevelSubstantial}
		l, err := a.svc.BeginLogin(a.ctx, req)
		require.NoError(t, err)
		want, err := core.svc.BeginLogin(a.ctx, req)
		require.NoError(t, err)
		assert.Equal(t, want.Method, l.Method, uid)
		assert.Equal(t, kinds(want), kinds(l), uid)
		again, err := b.svc.ResumeLogin(b.ctx, l.ID)
		require.NoError(t, err)
		assert.Equal(t, kinds(l), kinds(again), uid)
		switch l.Next {
		case mitid.StepCode:
			_, err = b.svc.SubmitCode(b.ctx, l.ID, "123456")
			assert.Equal(t, mitid.CodeWrongCode, mitid.ErrorCode(err), uid)
		case mitid.StepApproval:
			_, err = b.svc.SubmitApproval(b.ctx, l.ID, []byte("not a signature"))
			assert.Equal(t, mitid.CodeWrongSignature, mitid.ErrorCode(err), uid)
		}
	}
}

// TestBeginLogin_RefusesInOneCallAsBefore: BeginLogin's refusals (an
// identity below the level, a MitID blocked) are the same from the one
// call as from the core contract, with their codes.
func TestBeginLogin_RefusesInOneCallAsBefore(t *testing.T) {
	a := newLoginEnv(t, checkedStore(t))
	core := a.twin(t, coreOnly)
	low := a.enrol(t, "lower", mitid.LevelSubstantial, mitid.KindApp)
	for _, svc := range []*mitid.Service{a.svc, core.svc} {
		_, err := svc.BeginLogin(a.ctx, mitid.LoginRequest{UserID: low.user.UserID, Action: mitid.ActionSign, Text: "Underskriv", Level: mitid.LevelHigh})
		assert.Equal(t, mitid.CodeLevelTooLow, mitid.ErrorCode(err))
	}
	_, _, err := a.svc.BlockUser(a.ctx, low.user.ID, time.Time{}, "reported stolen")
	require.NoError(t, err)
	for _, svc := range []*mitid.Service{a.svc, core.svc} {
		_, err := svc.BeginLogin(a.ctx, mitid.LoginRequest{UserID: low.user.UserID, Action: mitid.ActionLogOn, Text: "Log på", Level: mitid.LevelSubstantial})
		assert.Equal(t, mitid.CodeUserBlocked, mitid.ErrorCode(err))
	}
}

// TestBeginLogin_ALoginsOwnWrongCodesKeepItsCodeDisplay: three wrong codes
// suspend the code display of a login that showed it; the right code then
// is refused as suspended, from the one call as from the core contract,
// not turned into another method the person has (the chip).
func TestBeginLogin_ALoginsOwnWrongCodesKeepItsCodeDisplay(t *testing.T) {
	for name, tweak := range map[string]func(*mitid.Config){"LoginBeginner": nil, "the core contract": coreOnly} {
		t.Run(name, func(t *testing.T) {
			base := newLoginEnv(t, checkedStore(t))
			e := base.twin(t, tweak)
			h := e.enrol(t, "three-wrong", mitid.LevelSubstantial, mitid.KindCodeDisplay, mitid.KindChip)
			l := e.begin(t, h, mitid.LevelSubstantial)
			require.Equal(t, mitid.MethodCodeDisplay, l.Method)
			for _, wrong := range []string{"111111", "222222", "333333"} {
				_, err := e.svc.SubmitCode(e.ctx, l.ID, wrong)
				require.Equal(t, mitid.CodeWrongCode, mitid.ErrorCode(err))
			}
			again, err := e.svc.ResumeLogin(e.ctx, l.ID)
			require.NoError(t, err)
			assert.Equal(t, mitid.MethodCodeDisplay, again.Method, "still the code display's login")
			assert.Equal(t, mitid.StepCode, again.Next)
			_, err = e.svc.SubmitPassword(e.ctx, l.ID, password)
			assert.Equal(t, mitid.CodeLoginOrder, mitid.ErrorCode(err), "not turned into the chip's login")
			_, err = e.svc.SubmitCode(e.ctx, l.ID, h.code(t))
			assert.Equal(t, mitid.CodeAuthenticatorSuspended, mitid.ErrorCode(err))
		})
	}
}

// TestBeginLogin_ACodeToALoginThatShowedTheAppIsOutOfOrder: the app was
// the login's choice; a code given without switching is out of order and
// counts against nothing, from the one call as from the core contract,
// whether the code display was open when the login began or suspended
// until a moment that has passed since.
func TestBeginLogin_ACodeToALoginThatShowedTheAppIsOutOfOrder(t *testing.T) {
	for name, tweak := range map[string]func(*mitid.Config){"LoginBeginner": nil, "the core contract": coreOnly} {
		for _, suspended := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s, code display suspended at the begin %v", name, suspended), func(t *testing.T) {
				base := newLoginEnv(t, checkedStore(t))
				e := base.twin(t, tweak)
				h := e.enrol(t, "app-first", mitid.LevelSubstantial, mitid.KindApp, mitid.KindCodeDisplay)
				if suspended {
					_, _, err := e.svc.SuspendAuthenticator(e.ctx, h.user.ID, h.codeID, e.clock.Now().Add(3*time.Minute), "support")
					require.NoError(t, err)
					e.clock.Advance(time.Second)
				}
				l := e.begin(t, h, mitid.LevelSubstantial)
				require.Equal(t, mitid.MethodApp, l.Method)
				e.clock.Advance(4 * time.Minute)
				_, err := e.svc.SubmitCode(e.ctx, l.ID, "000000")
				assert.Equal(t, mitid.CodeLoginOrder, mitid.ErrorCode(err))
				u, err := e.svc.User(e.ctx, h.user.ID)
				require.NoError(t, err)
				dev, err := u.Authenticator(h.codeID)
				require.NoError(t, err)
				assert.Zero(t, dev.Failures, "nothing counted")
				assert.Zero(t, u.Failures)
			})
		}
	}
}

// TestBeginLogin_ASuspensionThatRunsOutLeavesTheChoice: the app was
// suspended when the login began, so it began on the code display; the
// suspension runs out before the code is given, and the login is still the
// code display's (its options are settled as they were when it began).
func TestBeginLogin_ASuspensionThatRunsOutLeavesTheChoice(t *testing.T) {
	a := newLoginEnv(t, checkedStore(t))
	b := a.twin(t, nil)
	h := a.enrol(t, "suspended-app", mitid.LevelSubstantial, mitid.KindApp, mitid.KindCodeDisplay)
	_, _, err := a.svc.SuspendAuthenticator(a.ctx, h.user.ID, h.appID, a.clock.Now().Add(3*time.Minute), "support")
	require.NoError(t, err)
	a.clock.Advance(time.Second) // the suspension comes before the login
	l := a.begin(t, h, mitid.LevelSubstantial)
	require.Equal(t, mitid.MethodCodeDisplay, l.Method)
	a.clock.Advance(5 * time.Minute)
	l, err = b.svc.SubmitCode(b.ctx, l.ID, h.code(t))
	require.NoError(t, err)
	assert.Equal(t, mitid.StepPassword, l.Next)
}
