package mitid_test

import (
	"context"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/go-mitid/mitid"
	"github.com/go-mitid/mitid/chip"
	"github.com/go-mitid/mitid/mitidtest"
	"github.com/go-mitid/mitid/store/memory"
)

// chipLoginAtChip starts a chip login of h and enters pw; the login then
// waits for the chip.
func chipLoginAtChip(t *testing.T, e *loginEnv, h *holder, pw string) *mitid.Login {
	t.Helper()
	l, err := e.svc.ChooseMethod(e.ctx, e.begin(t, h, mitid.LevelSubstantial).ID, mitid.MethodChip, uuid.Nil)
	require.NoError(t, err)
	l, err = e.svc.SubmitPassword(e.ctx, l.ID, pw)
	require.NoError(t, err)
	require.Equal(t, mitid.StepChip, l.Next)
	return l
}

// TestLogin_ChipLoginJudgesThePasswordOnlyAfterTheChip: a wrong password
// with a forged chip answer compares nothing and counts nothing; with the
// real chip it is compared, counted, and the login goes back to the
// password.
func TestLogin_ChipLoginJudgesThePasswordOnlyAfterTheChip(t *testing.T) {
	e := newLoginEnv(t, checkedStore(t))
	h := e.enrol(t, "chip-pw", mitid.LevelSubstantial, mitid.KindChip)

	l := chipLoginAtChip(t, e, h, "a wrong password")
	_, err := e.svc.SubmitChip(e.ctx, l.ID, []byte(`{"id":"forged","type":"public-key"}`))
	assert.Contains(t, []mitid.Code{mitid.CodeWrongSignature, mitid.CodeChipMalformed}, mitid.ErrorCode(err))
	u, err := e.svc.User(e.ctx, h.user.ID)
	require.NoError(t, err)
	assert.Zero(t, u.Failures, "without the chip, the password was never compared")

	l = chipLoginAtChip(t, e, h, "a wrong password")
	resp, err := h.chip.Login(l.ChipOptions, origin)
	require.NoError(t, err)
	_, err = e.svc.SubmitChip(e.ctx, l.ID, resp)
	assert.Equal(t, mitid.CodeWrongPassword, mitid.ErrorCode(err))
	u, err = e.svc.User(e.ctx, h.user.ID)
	require.NoError(t, err)
	assert.Equal(t, 1, u.Failures, "behind the chip the password is compared and counted")
	l, err = e.svc.ResumeLogin(e.ctx, l.ID)
	require.NoError(t, err)
	assert.Equal(t, mitid.StepPassword, l.Next, "the login asks for the password again")
	l = e.complete(t, h, l)
	_, err = e.svc.FinishLogin(e.ctx, l.ID)
	require.NoError(t, err)
}

// TestLogin_ChipAnswerToAnOlderChallengeIsStaleNotAClone: two tabs; the
// chip answers both, the newer is submitted first. The older answer's
// lower counter is refused as stale, and the chip stays active.
func TestLogin_ChipAnswerToAnOlderChallengeIsStaleNotAClone(t *testing.T) {
	e := newLoginEnv(t, checkedStore(t))
	h := e.enrol(t, "two-tabs", mitid.LevelSubstantial, mitid.KindChip)
	older := chipLoginAtChip(t, e, h, password)
	e.clock.Advance(time.Second)
	newer := chipLoginAtChip(t, e, h, password)
	oldResp, err := h.chip.Login(older.ChipOptions, origin)
	require.NoError(t, err)
	newResp, err := h.chip.Login(newer.ChipOptions, origin)
	require.NoError(t, err)
	e.clock.Advance(time.Second)
	_, err = e.svc.SubmitChip(e.ctx, newer.ID, newResp)
	require.NoError(t, err)
	_, err = e.svc.SubmitChip(e.ctx, older.ID, oldResp)
	require.ErrorIs(t, err, mitid.ErrReplay)
	assert.Equal(t, mitid.CodeChipStale, mitid.ErrorCode(err))
	list, err := e.svc.Authenticators(e.ctx, h.user.ID)
	require.NoError(t, err)
	assert.Equal(t, mitid.StateActive, stateOf(list, h.chipID), "no clone suspension for a second tab")
	l, err := e.svc.ResumeLogin(e.ctx, older.ID)
	require.NoError(t, err)
	assert.NotEmpty(t, l.ChipOptions, "the older tab gets a fresh challenge")
}

// TestLogin_ReloadAlwaysOffersAChipChallenge: when the chip's answer could
// not be recorded and even the renewal of the challenge failed (the client
// went away), reloading the login offers a fresh challenge.
func TestLogin_ReloadAlwaysOffersAChipChallenge(t *testing.T) {
	st := &chipFaultStore{Store: checkedStore(t)}
	e := newLoginEnv(t, st)
	h := e.enrol(t, "reload-chip", mitid.LevelSubstantial, mitid.KindChip)
	l := chipLoginAtChip(t, e, h, password)
	resp, err := h.chip.Login(l.ChipOptions, origin)
	require.NoError(t, err)
	st.fail = 2 // the chip's attempt and the renewal
	_, err = e.svc.SubmitChip(e.ctx, l.ID, resp)
	require.ErrorIs(t, err, mitid.ErrUnavailable)
	l, err = e.svc.ResumeLogin(e.ctx, l.ID)
	require.NoError(t, err)
	require.Equal(t, mitid.StepChip, l.Next)
	require.NotEmpty(t, l.ChipOptions, "a reload offers a fresh challenge")
	resp, err = h.chip.Login(l.ChipOptions, origin)
	require.NoError(t, err)
	_, err = e.svc.SubmitChip(e.ctx, l.ID, resp)
	require.NoError(t, err)
}

// chipFaultStore fails the next fail updates of a user or a session, after
// the chip's challenge has been taken.
type chipFaultStore struct {
	mitid.Store
	fail int
}

func (f *chipFaultStore) UpdateUser(ctx context.Context, id uuid.UUID, fn func(*mitid.User) ([]mitid.Event, error)) (*mitid.User, error) {
	if f.fail > 0 {
		f.fail--
		return nil, errInjected
	}
	return f.Store.UpdateUser(ctx, id, fn)
}

func (f *chipFaultStore) UpdateSession(ctx context.Context, id string, now time.Time, fn func(*mitid.Session) ([]byte, error)) (*mitid.Session, error) {
	if f.fail > 0 && f.fail < 2 {
		f.fail--
		return nil, errInjected
	}
	return f.Store.UpdateSession(ctx, id, now, fn)
}

// *chip.Verifier is what Config.Chip takes.
var _ mitid.ChipVerifier = (*chip.Verifier)(nil)

// TestConfig_WithoutAChipVerifierOnlyChipsRefuse: a Service built without
// Config.Chip refuses every chip operation with CodeConfigInvalid, a login
// by chip included (which no login lists then, a decoy's as a real one's,
// so that a stranger cannot tell a chip's holder), and everything else
// (here a code display's login of the same person) works.
func TestConfig_WithoutAChipVerifierOnlyChipsRefuse(t *testing.T) {
	st := memory.New()
	withChip := newLoginEnv(t, st)
	h := withChip.enrol(t, "no-verifier", mitid.LevelSubstantial, mitid.KindChip, mitid.KindCodeDisplay)

	// The same store and keys (newLoginEnv's are seeded) without a verifier.
	keys, err := mitid.NewRandomKeyRing(seeded(1))
	require.NoError(t, err)
	// A nil *chip.Verifier, as a program that builds one only when chips
	// are configured passes, is no verifier.
	var none *chip.Verifier
	svc, err := mitid.New(mitid.Config{Store: st, Keys: keys, Clock: withChip.clock, Rand: seeded(3), Policy: mitidtest.CheapPolicy(), Notifier: &mitidtest.Recorder{}, Chip: none})
	require.NoError(t, err)
	e := &loginEnv{env: &env{svc: svc, store: st, clock: withChip.clock, ctx: t.Context()}}

	refusals := map[string]func() error{
		"BeginChipRegistration": func() error {
			_, _, err := svc.BeginChipRegistration(e.ctx, h.user.ID, h.chipID)
			return err
		},
		"BeginChipActivationWithCode": func() error {
			_, _, err := svc.BeginChipActivationWithCode(e.ctx, h.user.UserID, h.chipID, "ABCD-EFGH")
			return err
		},
		"FinishChipRegistration": func() error {
			_, _, err := svc.FinishChipRegistration(e.ctx, "no-such-session", []byte(`{}`), mitid.ChipActivation{})
			return err
		},
		"SubmitChip": func() error {
			_, err := svc.SubmitChip(e.ctx, "no-such-login", []byte(`{}`))
			return err
		},
		"a login by chip": func() error {
			l, err := svc.ChooseMethod(e.ctx, e.begin(t, h, mitid.LevelSubstantial).ID, mitid.MethodChip, uuid.Nil)
			if err != nil {
				return err
			}
			_, err = svc.SubmitPassword(e.ctx, l.ID, password)
			return err
		},
	}
	for name, call := range refusals {
		err := call()
		assert.Equal(t, mitid.CodeConfigInvalid, mitid.ErrorCode(err), "%s: %v", name, err)
	}
	for _, o := range e.begin(t, h, mitid.LevelSubstantial).Options {
		assert.NotEqual(t, mitid.MethodChip, o.Method, "a login by chip is not listed")
	}

	l, err := svc.ChooseMethod(e.ctx, e.begin(t, h, mitid.LevelSubstantial).ID, mitid.MethodCodeDisplay, uuid.Nil)
	require.NoError(t, err)
	l = e.complete(t, h, l)
	_, err = svc.FinishLogin(e.ctx, l.ID)
	require.NoError(t, err, "the code display works without a chip verifier")
}

// TestLogin_ChipAnswerWhileThePasswordCannotBeChecked: when the server is
// at its limit of password checks as the chip answers, the login is
// refused as busy, counts nothing, keeps the password it held and waits
// for the chip again; the next answer logs the person in. On a store that
// commits a step at once (LoginUpdater) nothing commits, and the same
// answer is taken again; on one with only the core contract the chip's
// answer commits before the password is checked, so the login offers a
// fresh challenge for a new answer.
func TestLogin_ChipAnswerWhileThePasswordCannotBeChecked(t *testing.T) {
	for _, tc := range []struct {
		name       string
		store      func(t *testing.T) mitid.Store
		sameAnswer bool
	}{
		{"a store that commits a step at once takes the same answer again", func(t *testing.T) mitid.Store { return checkedStore(t) }, true},
		{"a store with only the core contract asks the chip again", func(t *testing.T) mitid.Store { return struct{ mitid.Store }{checkedStore(t)} }, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newLoginEnv(t, tc.store(t))
			h := e.enrol(t, "chip-busy", mitid.LevelSubstantial, mitid.KindChip)
			l := chipLoginAtChip(t, e, h, password)
			resp, err := h.chip.Login(l.ChipOptions, origin)
			require.NoError(t, err)

			release := mitid.HoldHashGate(e.svc)
			_, err = e.svc.SubmitChip(e.ctx, l.ID, resp)
			release()
			require.ErrorIs(t, err, mitid.ErrUnavailable)
			assert.Equal(t, mitid.CodeBusy, mitid.ErrorCode(err))
			l, err = e.svc.ResumeLogin(e.ctx, l.ID)
			require.NoError(t, err)
			require.Equal(t, mitid.StepChip, l.Next, "the login still waits for the chip, the password held")
			u, err := e.svc.User(e.ctx, h.user.ID)
			require.NoError(t, err)
			assert.Zero(t, u.Failures)

			if !tc.sameAnswer {
				resp, err = h.chip.Login(l.ChipOptions, origin)
				require.NoError(t, err)
			}
			l, err = e.svc.SubmitChip(e.ctx, l.ID, resp)
			require.NoError(t, err)
			require.Equal(t, mitid.StepDone, l.Next)
			_, err = e.svc.FinishLogin(e.ctx, l.ID)
			require.NoError(t, err)
		})
	}
}
