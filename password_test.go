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
	_, evs, err := e.svc.ChangePassword(e.ctx, h.user.ID, e.loggedIn(t, h), password, next)
	require.NoError(t, err)
	require.Len(t, evs, 1)
	assert.Equal(t, mitid.EventPasswordChanged, evs[0].Type)
	assert.NotEmpty(t, evs[0].Notify, "a changed password is notified")
	e.clock.Advance(30 * time.Second)

	l, err := e.svc.SubmitCode(e.ctx, e.begin(t, h, mitid.LevelSubstantial).ID, h.code(t))
	require.NoError(t, err)
	_, err = e.svc.SubmitPassword(e.ctx, l.ID, password)
	assert.Equal(t, mitid.CodeWrongPassword, mitid.ErrorCode(err), "the old password is gone")
	l, err = e.svc.SubmitPassword(e.ctx, l.ID, next)
	require.NoError(t, err)
	assert.Equal(t, mitid.StepDone, l.Next)
}

// TestChangePassword_ALoginTheSiteFinishedProvesItOnce: a login the
// relying party finished (FinishLogin) still proves the person once, within
// the login session's lifetime; a second change on it is refused.
func TestChangePassword_ALoginTheSiteFinishedProvesItOnce(t *testing.T) {
	e := newLoginEnv(t, checkedStore(t))
	h := e.enrol(t, "change-pw-finished", mitid.LevelSubstantial, mitid.KindCodeDisplay)
	login := e.loggedIn(t, h)
	_, err := e.svc.FinishLogin(e.ctx, login)
	require.NoError(t, err)
	_, _, err = e.svc.ChangePassword(e.ctx, h.user.ID, login, password, "ny hest ny stald")
	require.NoError(t, err)
	_, _, err = e.svc.ChangePassword(e.ctx, h.user.ID, login, "ny hest ny stald", "endnu en ny hest")
	assert.Equal(t, mitid.CodeSessionUsed, mitid.ErrorCode(err), "%v", err)
}

func TestChangePassword_WrongCurrentCountsAsAtLogin(t *testing.T) {
	e := newLoginEnv(t, checkedStore(t))
	h := e.enrol(t, "change-pw-wrong", mitid.LevelSubstantial, mitid.KindCodeDisplay)
	login := e.loggedIn(t, h)
	for i := 1; i <= 3; i++ {
		_, _, err := e.svc.ChangePassword(e.ctx, h.user.ID, login, "not the password", "ny hest ny stald")
		assert.Equal(t, mitid.CodeWrongPassword, mitid.ErrorCode(err), "attempt %d, on the same login", i)
	}
	u, err := e.svc.User(e.ctx, h.user.ID)
	require.NoError(t, err)
	assert.Equal(t, 3, u.Failures)
	_, _, err = e.svc.ChangePassword(e.ctx, h.user.ID, login, password, "ny hest ny stald")
	require.ErrorIs(t, err, mitid.ErrLocked, "three wrong passwords suspend it, even the right one now waits")
	assert.Equal(t, mitid.CodeAuthenticatorSuspended, mitid.ErrorCode(err))
}

func TestChangePassword_BlockedMitIDIsRefusedAndCountsNothing(t *testing.T) {
	e := newLoginEnv(t, checkedStore(t))
	h := e.enrol(t, "change-pw-blocked", mitid.LevelSubstantial, mitid.KindCodeDisplay)
	login := e.loggedIn(t, h) // before the block, which refuses a login too
	_, _, err := e.svc.BlockUser(e.ctx, h.user.ID, e.clock.Now().Add(time.Hour), "support case")
	require.NoError(t, err)
	before, err := e.svc.User(e.ctx, h.user.ID)
	require.NoError(t, err)
	for _, current := range []string{"not the password", password} {
		_, _, err = e.svc.ChangePassword(e.ctx, h.user.ID, login, current, "ny hest ny stald")
		require.ErrorIs(t, err, mitid.ErrLocked)
		assert.Equal(t, mitid.CodeUserBlocked, mitid.ErrorCode(err))
	}
	after, err := e.svc.User(e.ctx, h.user.ID)
	require.NoError(t, err)
	assert.Equal(t, before.Version, after.Version, "nothing was committed")
	assert.Zero(t, after.Failures)
}

// TestSetPassword_WeakPasswordsAreRefusedWithWhatToDo: every rule of
// package weakpassword reaches the person as CodePasswordInvalid on the
// password field, with a message saying what is wrong, and nothing is
// stored. The context words are the user ID, the name and "MitID".
func TestSetPassword_WeakPasswordsAreRefusedWithWhatToDo(t *testing.T) {
	e := newLoginEnv(t, checkedStore(t))
	u, _, err := e.svc.CreateUser(e.ctx, mitid.UserRequest{UserID: "stald-karen", CPR: cprFor(seq(t)), Name: "Karen Blixen",
		IAL: mitid.LevelSubstantial, Phone: "+4512345678", Channels: []mitid.Channel{mitid.ChannelSMS}})
	require.NoError(t, err)
	for _, tc := range []struct{ rule, password, says string }{
		{"the user ID", "Stald-Karen 2026", "your user ID"},
		{"a word of the name", "blixen og hendes heste", "your name"},
		{"the service's name", "min MitID kode!", "the word MitID"},
		{"a common password", "Password1", "common and leaked passwords"},
		{"a common password in another Unicode form", "ｐａｓｓｗｏｒｄ", "common and leaked passwords"},
		{"a repetition", "xkcxkcxkcxkc", "repeats"},
		{"a sequence", "5678defghi", "sequence"},
		{"the CPR number", "mit " + u.CPR.Digits(), "CPR number"},
		{"length counted in NFKC", "bla\u030A ha\u030A", "has 6 characters"}, // 8 code points as typed
	} {
		t.Run(tc.rule, func(t *testing.T) {
			_, _, err := e.svc.SetPassword(e.ctx, u.ID, tc.password)
			require.Equal(t, mitid.CodePasswordInvalid, mitid.ErrorCode(err), "%v", err)
			var me *mitid.Error
			require.ErrorAs(t, err, &me)
			assert.Equal(t, "password", me.Field)
			assert.Contains(t, err.Error(), tc.says)
			assert.NotContains(t, err.Error(), tc.password, "the message never quotes the password")
		})
	}
	after, err := e.svc.User(e.ctx, u.ID)
	require.NoError(t, err)
	assert.Empty(t, after.Authenticators, "no refused password was stored")
	_, _, err = e.svc.SetPassword(e.ctx, u.ID, "ni små grå æsler")
	require.NoError(t, err, "a strong password passes")
}

// TestPassword_ComparedInNFKC: a password set with "å" as "a" and a
// combining ring logs on typed precomposed, and the other way round
// (NIST SP 800-63B §5.1.1.2).
func TestPassword_ComparedInNFKC(t *testing.T) {
	e := newLoginEnv(t, checkedStore(t))
	h := e.enrol(t, "nfkc-pw", mitid.LevelSubstantial, mitid.KindCodeDisplay)
	const decomposed, composed = "bla\u030A hest bla\u030A stald", "blå hest blå stald"
	first, second := e.loggedIn(t, h), e.loggedIn(t, h) // with the password as enrolled
	_, _, err := e.svc.ChangePassword(e.ctx, h.user.ID, first, password, decomposed)
	require.NoError(t, err)
	u, err := e.svc.User(e.ctx, h.user.ID)
	require.NoError(t, err)
	for _, a := range u.Authenticators {
		if a.Kind == mitid.KindPassword && a.State == mitid.StateActive {
			assert.True(t, a.Password.NFKC, "a new hash says it was made in NFKC")
		}
	}
	_, _, err = e.svc.ChangePassword(e.ctx, h.user.ID, second, composed, decomposed)
	require.NoError(t, err, "the composed form is the same password")
	e.clock.Advance(30 * time.Second)
	l, err := e.svc.SubmitCode(e.ctx, e.begin(t, h, mitid.LevelSubstantial).ID, h.code(t))
	require.NoError(t, err)
	l, err = e.svc.SubmitPassword(e.ctx, l.ID, composed)
	require.NoError(t, err)
	assert.Equal(t, mitid.StepDone, l.Next)
}
