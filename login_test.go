package mitid_test

import (
	"context"
	"crypto/sha256"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/go-mitid/mitid"
	"github.com/go-mitid/mitid/app"
	"github.com/go-mitid/mitid/app/apptest"
	"github.com/go-mitid/mitid/chip"
	"github.com/go-mitid/mitid/chip/chiptest"
	"github.com/go-mitid/mitid/codedisplay"
	"github.com/go-mitid/mitid/codedisplay/codedisplaytest"
	"github.com/go-mitid/mitid/mitidtest"
	"github.com/go-mitid/mitid/mitidtest/fake"
	"github.com/go-mitid/mitid/store/memory"
)

const (
	origin   = "https://mitid.example"
	password = "korrekt hest batteri"
)

// loginEnv is a Service with a chip verifier, on a store, with a fake clock.
type loginEnv struct {
	*env
	cfg mitid.Config // the Service's, for another Service beside it (twin)
}

func newLoginEnv(t testing.TB, st mitid.Store) *loginEnv {
	t.Helper()
	keys, err := mitid.NewRandomKeyRing(seeded(1))
	require.NoError(t, err)
	clock := fake.NewClock(tNow)
	cv, err := chip.New(chip.Config{RPID: "mitid.example", RPName: "MitID", Origins: []string{origin}, Now: clock.Now, Rand: seeded(9)})
	require.NoError(t, err)
	// The recorder takes the temporary PINs the test enrolment sends by SMS.
	cfg := mitid.Config{Store: st, Keys: keys, Clock: clock, Rand: seeded(2), Policy: mitidtest.CheapPolicy(), Chip: cv, Notifier: &mitidtest.Recorder{}}
	svc, err := mitid.New(cfg)
	require.NoError(t, err)
	e := &env{svc: svc, clock: clock, ctx: t.Context()}
	if m, ok := st.(*memory.Store); ok {
		e.store = m
	}
	return &loginEnv{e, cfg}
}

// twin returns an environment with another Service on the same store, key
// ring, clock and chip verifier (a second instance behind a load
// balancer), its config changed by tweak when not nil.
func (e *loginEnv) twin(t testing.TB, tweak func(*mitid.Config)) *loginEnv {
	t.Helper()
	cfg := e.cfg
	if tweak != nil {
		tweak(&cfg)
	}
	svc, err := mitid.New(cfg)
	require.NoError(t, err)
	return &loginEnv{&env{svc: svc, store: e.store, clock: e.clock, ctx: e.ctx}, cfg}
}

// holder is a user with simulated authenticators.
type holder struct {
	user    *mitid.User
	display *codedisplaytest.Device
	codeID  uuid.UUID
	app     *apptest.Simulator
	appID   uuid.UUID
	chip    *chiptest.Simulator
	chipID  uuid.UUID
}

// enrol creates a user at the given identity level with the kinds asked for.
func (e *loginEnv) enrol(t testing.TB, name string, ial mitid.Level, kinds ...mitid.Kind) *holder {
	t.Helper()
	n := seq(t)
	u, _, err := e.svc.CreateUser(e.ctx, mitid.UserRequest{UserID: name, CPR: cprFor(n), IAL: ial, Phone: "+4512345678",
		Channels: []mitid.Channel{mitid.ChannelSMS}})
	require.NoError(t, err)
	h := &holder{user: u}
	for _, k := range kinds {
		switch k {
		case mitid.KindCodeDisplay, mitid.KindAudioReader:
			dev, err := codedisplaytest.Manufacture(seeded(1000+n), codedisplay.MitIDParams(), e.clock.Now)
			require.NoError(t, err)
			_, evs, err := e.svc.AddCodeDevice(e.ctx, u.ID, mitid.CodeDeviceRequest{Kind: k, Serial: dev.Serial().String(), Seed: dev.Seed(), State: mitid.StatePendingActivation})
			require.NoError(t, err)
			code, err := dev.Code()
			require.NoError(t, err)
			_, _, err = e.svc.ActivateWithCode(e.ctx, u.UserID, evs[0].Authenticator, mitid.ActivationCodes{Code: e.paperCode(t, u.ID),
				Serial: dev.Serial().String(), DeviceCode: code, Password: password})
			require.NoError(t, err)
			h.display, h.codeID = dev, evs[0].Authenticator
			e.clock.Advance(30 * time.Second) // the activation code's step is spent
		case mitid.KindApp:
			sim, err := apptest.NewSimulator(seeded(1_000_000+n), "123456")
			require.NoError(t, err)
			_, evs, err := e.svc.AddApp(e.ctx, u.ID, "phone", sim.PublicKey())
			require.NoError(t, err)
			code, _, _, err := e.svc.IssueCode(e.ctx, u.ID, mitid.PurposeActivation, mitid.CodeByAppScan)
			require.NoError(t, err)
			pin, _, _, err := e.svc.IssueCode(e.ctx, u.ID, mitid.PurposeTemporaryPIN, mitid.CodeBySMS)
			require.NoError(t, err)
			_, _, err = e.svc.ActivateWithCode(e.ctx, u.UserID, evs[0].Authenticator, mitid.ActivationCodes{Code: code, TemporaryPIN: pin})
			require.NoError(t, err)
			h.app, h.appID = sim, evs[0].Authenticator
		case mitid.KindChip:
			sim, err := chiptest.NewSimulator(seeded(2_000_000 + n))
			require.NoError(t, err)
			_, evs, err := e.svc.AddAuthenticator(e.ctx, u.ID, mitid.AuthenticatorRequest{Kind: mitid.KindChip, State: mitid.StatePendingActivation})
			require.NoError(t, err)
			opts, sess, err := e.svc.BeginChipActivationWithCode(e.ctx, u.UserID, evs[0].Authenticator, e.paperCode(t, u.ID))
			require.NoError(t, err)
			resp, err := sim.Register(opts, origin)
			require.NoError(t, err)
			_, _, err = e.svc.FinishChipRegistration(e.ctx, sess, resp, mitid.ChipActivation{Password: password})
			require.NoError(t, err)
			h.chip, h.chipID = sim, evs[0].Authenticator
		}
	}
	h.user, err = e.svc.User(e.ctx, u.ID)
	require.NoError(t, err)
	return h
}

var seqN atomic.Int64

// seq returns a number unique within the test binary.
func seq(testing.TB) int { return int(seqN.Add(1)) }

// cprFor returns a valid CPR number, different for each n below 3,360,000
// (10,000 serials × 28 days × 12 months of 1990).
func cprFor(n int) string {
	day, month := 1+(n/10000)%28, 1+(n/280000)%12
	return fmt.Sprintf("%02d%02d90-%04d", day, month, n%10000)
}

func (e *loginEnv) begin(t testing.TB, h *holder, level mitid.Level) *mitid.Login {
	t.Helper()
	l, err := e.svc.BeginLogin(e.ctx, mitid.LoginRequest{UserID: h.user.UserID, Action: mitid.ActionLogOn, Text: "Log på hos Skattestyrelsen", Level: level, RelyingParty: "skat.dk"})
	require.NoError(t, err)
	return l
}

func (h *holder) approve(t testing.TB, l *mitid.Login) []byte {
	t.Helper()
	sig, err := h.app.Approve(app.Request{Challenge: l.Challenge, Action: string(l.Action), Text: l.Text}, "123456")
	require.NoError(t, err)
	return sig
}

func (h *holder) code(t testing.TB) string {
	t.Helper()
	c, err := h.display.Code()
	require.NoError(t, err)
	return c
}

func TestLogin_EveryKindAndTheLevelItGives(t *testing.T) {
	tests := []struct {
		name   string
		kinds  []mitid.Kind
		method mitid.Method
		ial    mitid.Level
		aal    mitid.Level
		loa    mitid.Level
	}{
		{"code display then password", []mitid.Kind{mitid.KindCodeDisplay}, mitid.MethodCodeDisplay, mitid.LevelSubstantial, mitid.LevelSubstantial, mitid.LevelSubstantial},
		{"audio code reader then password", []mitid.Kind{mitid.KindAudioReader}, mitid.MethodAudioReader, mitid.LevelSubstantial, mitid.LevelSubstantial, mitid.LevelSubstantial},
		{"password then chip", []mitid.Kind{mitid.KindChip}, mitid.MethodChip, mitid.LevelSubstantial, mitid.LevelSubstantial, mitid.LevelSubstantial},
		{"app approval", []mitid.Kind{mitid.KindApp}, mitid.MethodApp, mitid.LevelSubstantial, mitid.LevelSubstantial, mitid.LevelSubstantial},
		{"app and chip at identity High", []mitid.Kind{mitid.KindApp, mitid.KindChip}, mitid.MethodAppAndChip, mitid.LevelHigh, mitid.LevelHigh, mitid.LevelHigh},
		{"app and chip at identity Substantial gives Substantial", []mitid.Kind{mitid.KindApp, mitid.KindChip}, mitid.MethodAppAndChip, mitid.LevelSubstantial, mitid.LevelHigh, mitid.LevelSubstantial},
		{"app alone at identity High is Substantial", []mitid.Kind{mitid.KindApp}, mitid.MethodApp, mitid.LevelHigh, mitid.LevelSubstantial, mitid.LevelSubstantial},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e := newLoginEnv(t, checkedStore(t))
			h := e.enrol(t, "user-"+uuid.NewString()[:8], tc.ial, tc.kinds...)
			l := e.begin(t, h, mitid.LevelLow)
			if l.Method != tc.method {
				var err error
				l, err = e.svc.ChooseMethod(e.ctx, l.ID, tc.method, uuid.Nil)
				require.NoError(t, err)
			}
			l = e.complete(t, h, l)
			assert.Equal(t, mitid.StepDone, l.Next)
			res, err := e.svc.FinishLogin(e.ctx, l.ID)
			require.NoError(t, err)
			assert.Equal(t, tc.method, res.Method)
			assert.Equal(t, tc.ial, res.IAL)
			assert.Equal(t, tc.aal, res.AAL)
			assert.Equal(t, tc.loa, res.LoA)
			assert.Equal(t, h.user.ID, res.User)
			assert.Equal(t, sha256.Sum256([]byte("Log på hos Skattestyrelsen")), res.TextHash)
			assert.Equal(t, e.clock.Now(), res.At)
			assert.Len(t, res.Authenticators, len(tc.method.Kinds()))
		})
	}
}

// complete answers every factor of l correctly.
func (e *loginEnv) complete(t *testing.T, h *holder, l *mitid.Login) *mitid.Login {
	t.Helper()
	for l.Next != mitid.StepDone {
		l = e.complete1(t, h, l)
	}
	return l
}

// loggedIn returns the ID of a new login of h at LevelSubstantial with
// every factor in, not yet finished: the proof a method that takes a login
// wants. The clock moves on a code's step first, so that a code display
// shows a code not used yet.
func (e *loginEnv) loggedIn(t *testing.T, h *holder) string {
	t.Helper()
	e.clock.Advance(30 * time.Second)
	return e.complete(t, h, e.begin(t, h, mitid.LevelSubstantial)).ID
}

// complete1 answers l's next factor correctly.
func (e *loginEnv) complete1(t *testing.T, h *holder, l *mitid.Login) *mitid.Login {
	t.Helper()
	var err error
	switch l.Next {
	case mitid.StepCode:
		l, err = e.svc.SubmitCode(e.ctx, l.ID, h.code(t))
	case mitid.StepPassword:
		l, err = e.svc.SubmitPassword(e.ctx, l.ID, password)
	case mitid.StepApproval:
		l, err = e.svc.SubmitApproval(e.ctx, l.ID, h.approve(t, l))
	case mitid.StepChip:
		var resp []byte
		resp, err = h.chip.Login(l.ChipOptions, origin)
		require.NoError(t, err)
		l, err = e.svc.SubmitChip(e.ctx, l.ID, resp)
	}
	require.NoError(t, err)
	return l
}

func TestLogin_ListsOnlyOptionsThatMeetTheLevel(t *testing.T) {
	e := newLoginEnv(t, checkedStore(t))
	h := e.enrol(t, "many-ways", mitid.LevelHigh, mitid.KindApp, mitid.KindCodeDisplay, mitid.KindChip)
	l := e.begin(t, h, mitid.LevelSubstantial)
	var methods []mitid.Method
	for _, o := range l.Options {
		methods = append(methods, o.Method)
	}
	assert.Equal(t, []mitid.Method{mitid.MethodApp, mitid.MethodAppAndChip, mitid.MethodCodeDisplay, mitid.MethodChip}, methods, "the app first")
	assert.Equal(t, mitid.MethodApp, l.Method)
	assert.Equal(t, mitid.StepApproval, l.Next)
	assert.Len(t, l.Challenge, app.ChallengeSize)

	l = e.begin(t, h, mitid.LevelHigh)
	require.Len(t, l.Options, 1, "only the app with the chip reaches High")
	assert.Equal(t, mitid.MethodAppAndChip, l.Method)

	low := e.enrol(t, "substantial-only", mitid.LevelSubstantial, mitid.KindApp, mitid.KindChip)
	_, err := e.svc.BeginLogin(e.ctx, mitid.LoginRequest{UserID: low.user.UserID, Action: mitid.ActionSign, Text: "Underskriv", Level: mitid.LevelHigh})
	require.Error(t, err)
	assert.Equal(t, mitid.CodeLevelTooLow, mitid.ErrorCode(err))
	assert.Contains(t, err.Error(), "Citizen Service")
}

func TestLogin_RequestRules(t *testing.T) {
	e := newLoginEnv(t, checkedStore(t))
	h := e.enrol(t, "anna-rules", mitid.LevelSubstantial, mitid.KindApp)
	ok := mitid.LoginRequest{UserID: h.user.UserID, Action: mitid.ActionApprove, Text: strings.Repeat("å", 130), Level: mitid.LevelSubstantial}
	_, err := e.svc.BeginLogin(e.ctx, ok)
	require.NoError(t, err, "130 characters is the limit, not 130 bytes")
	for name, change := range map[string]func(r *mitid.LoginRequest){
		"131 characters": func(r *mitid.LoginRequest) { r.Text = strings.Repeat("a", 131) },
		"no text":        func(r *mitid.LoginRequest) { r.Text = "" },
		"unknown action": func(r *mitid.LoginRequest) { r.Action = "PAY" },
		"no level":       func(r *mitid.LoginRequest) { r.Level = mitid.LevelNone },
	} {
		r := ok
		change(&r)
		_, err := e.svc.BeginLogin(e.ctx, r)
		assert.Error(t, err, name)
	}
	nothing := e.enrol(t, "no-devices", mitid.LevelSubstantial)
	_, err = e.svc.BeginLogin(e.ctx, mitid.LoginRequest{UserID: nothing.user.UserID, Action: mitid.ActionLogOn, Text: "x", Level: mitid.LevelLow})
	assert.Equal(t, mitid.CodeNoAuthenticator, mitid.ErrorCode(err))
}

func TestLogin_WrongOrderIsRefused(t *testing.T) {
	e := newLoginEnv(t, checkedStore(t))
	h := e.enrol(t, "order-code", mitid.LevelSubstantial, mitid.KindCodeDisplay)
	l := e.begin(t, h, mitid.LevelSubstantial)
	require.Equal(t, mitid.StepCode, l.Next)
	_, err := e.svc.SubmitPassword(e.ctx, l.ID, password)
	require.ErrorIs(t, err, mitid.ErrInvalid)
	assert.Equal(t, mitid.CodeLoginOrder, mitid.ErrorCode(err))
	_, err = e.svc.FinishLogin(e.ctx, l.ID)
	assert.Equal(t, mitid.CodeLoginOrder, mitid.ErrorCode(err), "an unfinished login cannot be finished")

	c := e.enrol(t, "order-chip", mitid.LevelSubstantial, mitid.KindChip)
	l = e.begin(t, c, mitid.LevelSubstantial)
	require.Equal(t, mitid.StepPassword, l.Next, "the chip asks for the password first")
	_, err = e.svc.SubmitChip(e.ctx, l.ID, []byte(`{}`))
	assert.Equal(t, mitid.CodeLoginOrder, mitid.ErrorCode(err))
}

func TestLogin_ThreeWrongCodesSuspendTheDevice(t *testing.T) {
	e := newLoginEnv(t, checkedStore(t))
	h := e.enrol(t, "wrong-codes", mitid.LevelSubstantial, mitid.KindCodeDisplay)
	l := e.begin(t, h, mitid.LevelSubstantial)
	right := h.code(t)
	wrong := "000000"
	if right == wrong {
		wrong = "111111"
	}
	for i := 0; i < 2; i++ {
		_, err := e.svc.SubmitCode(e.ctx, l.ID, wrong)
		require.ErrorIs(t, err, mitid.ErrInvalid)
		assert.Equal(t, mitid.CodeWrongCode, mitid.ErrorCode(err))
	}
	_, err := e.svc.SubmitCode(e.ctx, l.ID, "12ab56")
	assert.Equal(t, mitid.CodeCodeMalformed, mitid.ErrorCode(err), "letters are a typing error, not an attempt")
	_, err = e.svc.SubmitCode(e.ctx, l.ID, wrong)
	require.Error(t, err)
	_, err = e.svc.SubmitCode(e.ctx, l.ID, right)
	require.ErrorIs(t, err, mitid.ErrLocked, "the third wrong code suspended the device")
	var me *mitid.Error
	require.ErrorAs(t, err, &me)
	assert.Equal(t, mitid.CodeAuthenticatorSuspended, me.Code)
	assert.True(t, me.Until.IsZero(), "before a factor, nothing about the account: not even until when")
	assert.NotContains(t, me.Message, "until")
	assert.Equal(t, tNow.Add(30*time.Second).Add(15*time.Minute), suspendedUntil(t, e, h, h.codeID), "the holder's own view says until when")

	log, err := e.svc.ActivityLog(e.ctx, h.user.ID, mitid.EventFilter{Types: []mitid.EventType{mitid.EventAuthenticatorFailed}})
	require.NoError(t, err)
	assert.Len(t, log, 3, "three wrong codes; the attempt while suspended compared nothing")
	u, err := e.svc.User(e.ctx, h.user.ID)
	require.NoError(t, err)
	assert.Equal(t, 3, u.Failures, "the account counts every wrong comparison")

	e.clock.Advance(15 * time.Minute)
	_, err = e.svc.SubmitCode(e.ctx, l.ID, h.code(t))
	require.ErrorIs(t, err, mitid.ErrExpired, "the login itself lived only 10 minutes")
	l = e.begin(t, h, mitid.LevelSubstantial)
	l, err = e.svc.SubmitCode(e.ctx, l.ID, h.code(t))
	require.NoError(t, err, "the suspension ended by itself")
	assert.Equal(t, mitid.StepPassword, l.Next)
}

func TestLogin_RepeatedSuspensionsGrowLongerAndNeverBlock(t *testing.T) {
	e := newLoginEnv(t, checkedStore(t))
	h := e.enrol(t, "escalate", mitid.LevelSubstantial, mitid.KindCodeDisplay)
	want := []time.Duration{15 * time.Minute, 30 * time.Minute, time.Hour, 2 * time.Hour, 4 * time.Hour, 8 * time.Hour, 16 * time.Hour, 24 * time.Hour, 24 * time.Hour}
	for round, d := range want {
		l := e.begin(t, h, mitid.LevelSubstantial)
		var err error
		for i := 0; i < 3; i++ {
			_, err = e.svc.SubmitCode(e.ctx, l.ID, wrongCode(h.code(t)))
			require.Error(t, err)
		}
		_, err = e.svc.SubmitCode(e.ctx, l.ID, h.code(t))
		var me *mitid.Error
		require.ErrorAs(t, err, &me, "round %d", round)
		assert.Equal(t, mitid.CodeAuthenticatorSuspended, me.Code, "round %d", round)
		assert.Equal(t, e.clock.Now().Add(d), suspendedUntil(t, e, h, h.codeID), "round %d: suspension %d lasts %s", round, round+1, d)
		e.clock.Advance(d)
	}
	list, err := e.svc.Authenticators(e.ctx, h.user.ID)
	require.NoError(t, err)
	assert.Equal(t, mitid.StateActive, stateOf(list, h.codeID), "wrong attempts never block a device for good")
}

// TestLogin_OnlyTheFirstSuspensionIsNotified: a stranger who suspends a
// device again and again cannot flood the holder with messages.
func TestLogin_OnlyTheFirstSuspensionIsNotified(t *testing.T) {
	e := newLoginEnv(t, checkedStore(t))
	h := e.enrol(t, "quiet", mitid.LevelSubstantial, mitid.KindCodeDisplay)
	var notified []int
	for round := 0; round < 3; round++ {
		l := e.begin(t, h, mitid.LevelSubstantial)
		for i := 0; i < 3; i++ {
			_, err := e.svc.SubmitCode(e.ctx, l.ID, wrongCode(h.code(t)))
			require.Error(t, err)
		}
		log, err := e.svc.ActivityLog(e.ctx, h.user.ID, mitid.EventFilter{Types: []mitid.EventType{mitid.EventAuthenticatorState}})
		require.NoError(t, err)
		last := log[len(log)-1]
		require.Equal(t, mitid.StateSuspended, last.To)
		notified = append(notified, len(last.Notify))
		e.clock.Advance(24 * time.Hour)
	}
	assert.NotZero(t, notified[0], "the first suspension is notified")
	assert.Equal(t, []int{0, 0}, notified[1:], "later ones are only logged")
}

func wrongCode(right string) string {
	if right == "000000" {
		return "111111"
	}
	return "000000"
}

func stateOf(list []mitid.Authenticator, id uuid.UUID) mitid.State {
	for _, a := range list {
		if a.ID == id {
			return a.State
		}
	}
	return ""
}

func TestLogin_PasswordCountsApart(t *testing.T) {
	e := newLoginEnv(t, checkedStore(t))
	h := e.enrol(t, "pw-count", mitid.LevelSubstantial, mitid.KindCodeDisplay)
	l := e.begin(t, h, mitid.LevelSubstantial)
	l, err := e.svc.SubmitCode(e.ctx, l.ID, h.code(t))
	require.NoError(t, err)
	for i := 0; i < 3; i++ {
		_, err = e.svc.SubmitPassword(e.ctx, l.ID, "not the password")
		require.Error(t, err)
	}
	_, err = e.svc.SubmitPassword(e.ctx, l.ID, password)
	require.ErrorIs(t, err, mitid.ErrLocked, "three wrong passwords suspend the password")
	list, err := e.svc.Authenticators(e.ctx, h.user.ID)
	require.NoError(t, err)
	assert.Equal(t, mitid.StateActive, stateOf(list, h.codeID), "the code display is not punished for the password")
}

// TestLogin_StrangerGetsNinetyGuessesThenNothingCounts: of the account's
// budget of 100 wrong comparisons between completed logins, a stranger
// with the user ID reaches 90; after that nothing is compared or counted,
// and the holder's app still works and its completed login resets all.
func TestLogin_StrangerGetsNinetyGuessesThenNothingCounts(t *testing.T) {
	e := newLoginEnv(t, checkedStore(t))
	h := e.enrol(t, "ninety", mitid.LevelSubstantial, mitid.KindApp, mitid.KindCodeDisplay)
	guesses := 0
	for guesses < 200 {
		l, err := e.svc.ChooseMethod(e.ctx, e.begin(t, h, mitid.LevelSubstantial).ID, mitid.MethodCodeDisplay, uuid.Nil)
		if err != nil {
			// Suspended: wait it out.
			var me *mitid.Error
			require.ErrorAs(t, err, &me)
			require.Equal(t, mitid.CodeAuthenticatorSuspended, me.Code)
			e.clock.Set(suspendedUntil(t, e, h, h.codeID))
			continue
		}
		_, err = e.svc.SubmitCode(e.ctx, l.ID, wrongCode(h.code(t)))
		if mitid.ErrorCode(err) == mitid.CodeAttemptsExhausted {
			break
		}
		require.Equal(t, mitid.CodeWrongCode, mitid.ErrorCode(err), "after %d guesses", guesses)
		guesses++
	}
	assert.Equal(t, 90, guesses, "a stranger's share of the budget")
	u, err := e.svc.User(e.ctx, h.user.ID)
	require.NoError(t, err)
	assert.Equal(t, 90, u.Failures)
	assert.Equal(t, mitid.UserActive, u.Status, "the MitID is never blocked by wrong attempts")

	// Even the right code is not compared now, and nothing counts.
	l, err := e.svc.ChooseMethod(e.ctx, e.begin(t, h, mitid.LevelSubstantial).ID, mitid.MethodCodeDisplay, uuid.Nil)
	require.NoError(t, err)
	_, err = e.svc.SubmitCode(e.ctx, l.ID, h.code(t))
	require.ErrorIs(t, err, mitid.ErrLocked)
	assert.Equal(t, mitid.CodeAttemptsExhausted, mitid.ErrorCode(err))
	u, err = e.svc.User(e.ctx, h.user.ID)
	require.NoError(t, err)
	assert.Equal(t, 90, u.Failures, "a refused attempt counts nothing")

	// The app is untouched; its completed login resets every count.
	app := e.complete(t, h, e.begin(t, h, mitid.LevelSubstantial))
	_, err = e.svc.FinishLogin(e.ctx, app.ID)
	require.NoError(t, err)
	u, err = e.svc.User(e.ctx, h.user.ID)
	require.NoError(t, err)
	assert.Zero(t, u.Failures)
	l, err = e.svc.ChooseMethod(e.ctx, e.begin(t, h, mitid.LevelSubstantial).ID, mitid.MethodCodeDisplay, uuid.Nil)
	require.NoError(t, err)
	_, err = e.svc.SubmitCode(e.ctx, l.ID, h.code(t))
	require.NoError(t, err, "the code display works again")
}

// strangerGuesses makes n wrong guesses at h's code display as a stranger
// would, waiting out each suspension.
func strangerGuesses(t *testing.T, e *loginEnv, h *holder, n int) {
	t.Helper()
	for n > 0 {
		l, err := e.svc.BeginLogin(e.ctx, mitid.LoginRequest{UserID: h.user.UserID, Action: mitid.ActionLogOn, Text: "Log på", Level: mitid.LevelSubstantial})
		if err == nil {
			_, err = e.svc.SubmitCode(e.ctx, l.ID, wrongCode(h.code(t)))
			require.Equal(t, mitid.CodeWrongCode, mitid.ErrorCode(err))
			n--
			continue
		}
		var me *mitid.Error
		require.ErrorAs(t, err, &me)
		require.Equal(t, mitid.CodeAuthenticatorSuspended, me.Code)
		e.clock.Set(suspendedUntil(t, e, h, h.codeID))
	}
}

// TestLogin_ThePasswordBehindAFactorHasTheReserve: after a stranger's 89
// guesses, the holder's right code still goes in (the 90th is the
// stranger's last), and the password after it may be mistyped: it draws on
// the reserve a stranger cannot reach.
func TestLogin_ThePasswordBehindAFactorHasTheReserve(t *testing.T) {
	e := newLoginEnv(t, checkedStore(t))
	h := e.enrol(t, "reserve", mitid.LevelSubstantial, mitid.KindCodeDisplay)
	strangerGuesses(t, e, h, 89)
	e.clock.Advance(24 * time.Hour) // past the last suspension
	l := e.begin(t, h, mitid.LevelSubstantial)
	l, err := e.svc.SubmitCode(e.ctx, l.ID, h.code(t))
	require.NoError(t, err)
	for i := 0; i < 2; i++ {
		_, err = e.svc.SubmitPassword(e.ctx, l.ID, "not the password")
		require.Equal(t, mitid.CodeWrongPassword, mitid.ErrorCode(err), "mistype %d is compared", i+1)
	}
	l, err = e.svc.SubmitPassword(e.ctx, l.ID, password)
	require.NoError(t, err, "at 91 failures the password behind the code is still compared")
	_, err = e.svc.FinishLogin(e.ctx, l.ID)
	require.NoError(t, err)
}

// TestLogin_ARightFactorDoesNotResetTheAccount: with a stolen code display
// a thief's right codes do not refill the budget for password guesses;
// only a completed login does.
func TestLogin_ARightFactorDoesNotResetTheAccount(t *testing.T) {
	e := newLoginEnv(t, checkedStore(t))
	h := e.enrol(t, "thief", mitid.LevelSubstantial, mitid.KindCodeDisplay)
	for round := 0; round < 2; round++ {
		l := e.begin(t, h, mitid.LevelSubstantial)
		l, err := e.svc.SubmitCode(e.ctx, l.ID, h.code(t))
		require.NoError(t, err)
		_, err = e.svc.SubmitPassword(e.ctx, l.ID, "not the password")
		assert.Equal(t, mitid.CodeWrongPassword, mitid.ErrorCode(err))
		e.clock.Advance(31 * time.Second) // the next code
	}
	u, err := e.svc.User(e.ctx, h.user.ID)
	require.NoError(t, err)
	assert.Equal(t, 2, u.Failures, "the right code in between reset nothing")
}

// TestLogin_CompletedLoginLiftsSuspensionsForWrongAttempts: a stranger's
// suspension of the code display is lifted by the holder's login with the
// chip; a suspension by support is not.
func TestLogin_CompletedLoginLiftsSuspensionsForWrongAttempts(t *testing.T) {
	e := newLoginEnv(t, checkedStore(t))
	h := e.enrol(t, "lifted", mitid.LevelSubstantial, mitid.KindApp, mitid.KindCodeDisplay)
	l, err := e.svc.ChooseMethod(e.ctx, e.begin(t, h, mitid.LevelSubstantial).ID, mitid.MethodCodeDisplay, uuid.Nil)
	require.NoError(t, err)
	for i := 0; i < 3; i++ {
		_, err = e.svc.SubmitCode(e.ctx, l.ID, wrongCode(h.code(t)))
		require.Error(t, err)
	}
	list, err := e.svc.Authenticators(e.ctx, h.user.ID)
	require.NoError(t, err)
	require.Equal(t, mitid.StateSuspended, stateOf(list, h.codeID))

	app := e.complete(t, h, e.begin(t, h, mitid.LevelSubstantial))
	_, err = e.svc.FinishLogin(e.ctx, app.ID)
	require.NoError(t, err)
	list, err = e.svc.Authenticators(e.ctx, h.user.ID)
	require.NoError(t, err)
	assert.Equal(t, mitid.StateActive, stateOf(list, h.codeID), "the holder's login lifted the stranger's suspension")

	_, _, err = e.svc.SuspendAuthenticator(e.ctx, h.user.ID, h.codeID, time.Time{}, "reported lost")
	require.NoError(t, err)
	app = e.complete(t, h, e.begin(t, h, mitid.LevelSubstantial))
	_, err = e.svc.FinishLogin(e.ctx, app.ID)
	require.NoError(t, err)
	list, err = e.svc.Authenticators(e.ctx, h.user.ID)
	require.NoError(t, err)
	assert.Equal(t, mitid.StateSuspended, stateOf(list, h.codeID), "a suspension by support stays")
}

func TestLogin_JunkApprovalsNeverTouchTheApp(t *testing.T) {
	e := newLoginEnv(t, checkedStore(t))
	h := e.enrol(t, "junk-approvals", mitid.LevelSubstantial, mitid.KindApp)
	for round := 0; round < 5; round++ {
		l := e.begin(t, h, mitid.LevelSubstantial)
		for i := 0; i < 2; i++ {
			_, err := e.svc.SubmitApproval(e.ctx, l.ID, []byte("junk"))
			assert.Equal(t, mitid.CodeWrongSignature, mitid.ErrorCode(err))
		}
		_, err := e.svc.SubmitApproval(e.ctx, l.ID, []byte("junk"))
		require.ErrorIs(t, err, mitid.ErrReplay, "the third ends the login")
		_, err = e.svc.SubmitApproval(e.ctx, l.ID, h.approve(t, l))
		require.ErrorIs(t, err, mitid.ErrReplay, "and it stays ended")
	}
	u, err := e.svc.User(e.ctx, h.user.ID)
	require.NoError(t, err)
	assert.Zero(t, u.Failures, "an approval guesses nothing: the account is not charged")
	list, err := e.svc.Authenticators(e.ctx, h.user.ID)
	require.NoError(t, err)
	assert.Equal(t, mitid.StateActive, stateOf(list, h.appID), "the app is never suspended by strangers")
	l := e.complete(t, h, e.begin(t, h, mitid.LevelSubstantial))
	_, err = e.svc.FinishLogin(e.ctx, l.ID)
	require.NoError(t, err)
}

// TestLogin_AttemptsAtASuspendedAuthenticator: neither a code typed for a
// suspended device nor an approval from a suspended app is compared, so
// neither counts. Both are refused with the
// suspension's end.
func TestLogin_AttemptsAtASuspendedAuthenticator(t *testing.T) {
	e := newLoginEnv(t, checkedStore(t))
	h := e.enrol(t, "suspended-mid-login", mitid.LevelSubstantial, mitid.KindApp, mitid.KindCodeDisplay)
	app := e.begin(t, h, mitid.LevelSubstantial)
	code, err := e.svc.ChooseMethod(e.ctx, e.begin(t, h, mitid.LevelSubstantial).ID, mitid.MethodCodeDisplay, uuid.Nil)
	require.NoError(t, err)
	until := e.clock.Now().Add(time.Hour)
	for _, id := range []uuid.UUID{h.appID, h.codeID} {
		_, _, err = e.svc.SuspendAuthenticator(e.ctx, h.user.ID, id, until, "lost for a while")
		require.NoError(t, err)
	}

	_, err = e.svc.SubmitApproval(e.ctx, app.ID, h.approve(t, app))
	require.ErrorIs(t, err, mitid.ErrLocked)
	assert.Equal(t, mitid.CodeAuthenticatorSuspended, mitid.ErrorCode(err))
	var me *mitid.Error
	require.ErrorAs(t, err, &me)
	assert.True(t, me.Until.IsZero(), "the first factor was refused: the end is not shown to whoever is at the keyboard")
	u, err := e.svc.User(e.ctx, h.user.ID)
	require.NoError(t, err)
	assert.Zero(t, u.Failures, "an approval guesses nothing")

	_, err = e.svc.SubmitCode(e.ctx, code.ID, h.code(t))
	require.ErrorIs(t, err, mitid.ErrLocked)
	u, err = e.svc.User(e.ctx, h.user.ID)
	require.NoError(t, err)
	assert.Zero(t, u.Failures, "a code typed at a suspended device is compared with nothing and counts nothing")
}

func TestLogin_ExpiredAndReplayedSessions(t *testing.T) {
	e := newLoginEnv(t, checkedStore(t))
	h := e.enrol(t, "sessions", mitid.LevelSubstantial, mitid.KindApp)
	l := e.begin(t, h, mitid.LevelSubstantial)
	l = e.complete(t, h, l)
	_, err := e.svc.FinishLogin(e.ctx, l.ID)
	require.NoError(t, err)
	_, err = e.svc.FinishLogin(e.ctx, l.ID)
	require.ErrorIs(t, err, mitid.ErrReplay, "a login is finished once")

	l = e.begin(t, h, mitid.LevelSubstantial)
	sig := h.approve(t, l)
	e.clock.Advance(10 * time.Minute)
	_, err = e.svc.SubmitApproval(e.ctx, l.ID, sig)
	require.ErrorIs(t, err, mitid.ErrExpired, "a login lives 10 minutes")

	l1 := e.begin(t, h, mitid.LevelSubstantial)
	l2 := e.begin(t, h, mitid.LevelSubstantial)
	_, err = e.svc.SubmitApproval(e.ctx, l2.ID, h.approve(t, l1))
	require.Error(t, err, "an approval of one login does not serve another")
	assert.Equal(t, mitid.CodeWrongSignature, mitid.ErrorCode(err))
}

func TestLogin_SwitchAuthenticator(t *testing.T) {
	e := newLoginEnv(t, checkedStore(t))
	h := e.enrol(t, "switcher", mitid.LevelSubstantial, mitid.KindApp, mitid.KindCodeDisplay)
	l := e.begin(t, h, mitid.LevelSubstantial)
	assert.Equal(t, mitid.MethodApp, l.Method)
	l, err := e.svc.ChooseMethod(e.ctx, l.ID, mitid.MethodCodeDisplay, uuid.Nil)
	require.NoError(t, err)
	assert.Equal(t, mitid.StepCode, l.Next)
	l, err = e.svc.SubmitCode(e.ctx, l.ID, h.code(t))
	require.NoError(t, err)
	l, err = e.svc.ChooseMethod(e.ctx, l.ID, mitid.MethodApp, h.appID)
	require.NoError(t, err, "switching drops the factors given so far")
	assert.Equal(t, mitid.StepApproval, l.Next)
	l = e.complete(t, h, l)
	res, err := e.svc.FinishLogin(e.ctx, l.ID)
	require.NoError(t, err)
	assert.Equal(t, []uuid.UUID{h.appID}, res.Authenticators)
	_, err = e.svc.ChooseMethod(e.ctx, e.begin(t, h, mitid.LevelSubstantial).ID, mitid.MethodChip, uuid.Nil)
	require.ErrorIs(t, err, mitid.ErrInvalid, "a method the user has not")
}

// interleaving is a store that runs a hook once, before the next
// UpdateUser: another request landing between a login step's read of its
// session and its record of the factor. It offers only the core contract,
// so a login step records its factor through UpdateUser.
type interleaving struct {
	mitid.Store
	before func()
}

func (s *interleaving) UpdateUser(ctx context.Context, id uuid.UUID, fn func(*mitid.User) ([]mitid.Event, error)) (*mitid.User, error) {
	if h := s.before; h != nil {
		s.before = nil
		h()
	}
	return s.Store.UpdateUser(ctx, id, fn)
}

// TestLogin_FactorIsRecordedOnlyOnTheLoginItWasGivenFor: a switch of
// method that lands while a code is being checked wins; the code is spent
// (the device accepted it) but counts for nothing in the switched login,
// which asks again.
func TestLogin_FactorIsRecordedOnlyOnTheLoginItWasGivenFor(t *testing.T) {
	st := &interleaving{Store: checkedStore(t)}
	e, h, l := codeWhileTheLoginMovesOn(t, st, &st.before)
	e.clock.Advance(30 * time.Second)
	next, err := e.svc.SubmitCode(e.ctx, l.ID, h.code(t))
	require.NoError(t, err)
	assert.Equal(t, mitid.StepPassword, next.Next)
}

// codeWhileTheLoginMovesOn is the race both store shapes are tested in: a
// switch of method, run by the store through *hook just before it commits,
// lands while a right code is being checked. The code is refused for the
// login's order and spent on the device, and the switched login still
// waits for a code. It returns the environment, holder and login, for what
// each test checks after.
func codeWhileTheLoginMovesOn(t *testing.T, st mitid.Store, hook *func()) (*loginEnv, *holder, *mitid.Login) {
	e := newLoginEnv(t, st)
	h := e.enrol(t, "interleaved", mitid.LevelSubstantial, mitid.KindApp, mitid.KindCodeDisplay)
	l, err := e.svc.ChooseMethod(e.ctx, e.begin(t, h, mitid.LevelSubstantial).ID, mitid.MethodCodeDisplay, uuid.Nil)
	require.NoError(t, err)
	*hook = func() {
		_, err := e.svc.ChooseMethod(e.ctx, l.ID, mitid.MethodCodeDisplay, uuid.Nil)
		require.NoError(t, err)
	}
	code := h.code(t)
	_, err = e.svc.SubmitCode(e.ctx, l.ID, code)
	assert.Equal(t, mitid.CodeLoginOrder, mitid.ErrorCode(err), "the login moved on meanwhile")
	again, err := e.svc.ResumeLogin(e.ctx, l.ID)
	require.NoError(t, err)
	assert.Equal(t, mitid.StepCode, again.Next, "the switched login still waits for a code")
	_, err = e.svc.SubmitCode(e.ctx, l.ID, code)
	assert.Equal(t, mitid.CodeCodeUsed, mitid.ErrorCode(err), "the device accepted the code once")
	return e, h, l
}

// TestLogin_ReloadShowsWhereTheLoginStands: Login returns what the page
// shows at any point: the options (which a step's result leaves out), the
// chosen method and the factor it waits for; a finished login is gone.
func TestLogin_ReloadShowsWhereTheLoginStands(t *testing.T) {
	e := newLoginEnv(t, checkedStore(t))
	h := e.enrol(t, "reloader", mitid.LevelSubstantial, mitid.KindApp, mitid.KindCodeDisplay)
	begun := e.begin(t, h, mitid.LevelSubstantial)
	l, err := e.svc.ChooseMethod(e.ctx, begun.ID, mitid.MethodCodeDisplay, uuid.Nil)
	require.NoError(t, err)
	stepped, err := e.svc.SubmitCode(e.ctx, l.ID, h.code(t))
	require.NoError(t, err)
	require.Nil(t, stepped.Options, "a step leaves the options out")

	got, err := e.svc.ResumeLogin(e.ctx, l.ID)
	require.NoError(t, err)
	require.Len(t, got.Options, len(begun.Options), "a reload lists the options again")
	for i, o := range got.Options {
		assert.Equal(t, begun.Options[i].Method, o.Method)
		assert.NotEqual(t, uuid.Nil, o.Authenticator, "after a factor the options name their authenticators")
	}
	assert.Equal(t, "phone", got.Options[0].Label)
	assert.Equal(t, mitid.MethodCodeDisplay, got.Method)
	assert.Equal(t, mitid.StepPassword, got.Next, "the code is in; the password is next")
	assert.Equal(t, begun.Text, got.Text)
	assert.True(t, got.ExpiresAt.Equal(begun.ExpiresAt))

	e.complete(t, h, got)
	_, err = e.svc.FinishLogin(e.ctx, l.ID)
	require.NoError(t, err)
	_, err = e.svc.ResumeLogin(e.ctx, l.ID)
	require.ErrorIs(t, err, mitid.ErrReplay, "a finished login cannot be reloaded")
	_, err = e.svc.ResumeLogin(e.ctx, "no-such-login")
	require.ErrorIs(t, err, mitid.ErrNotFound)
}

func TestLogin_ChipCloneIsSuspended(t *testing.T) {
	e := newLoginEnv(t, checkedStore(t))
	h := e.enrol(t, "cloned", mitid.LevelSubstantial, mitid.KindChip)
	l := e.complete(t, h, e.begin(t, h, mitid.LevelSubstantial))
	_, err := e.svc.FinishLogin(e.ctx, l.ID)
	require.NoError(t, err)

	clone := h.chip.Clone()
	clone.SetCounter(0) // a copy that starts counting again
	l = e.begin(t, h, mitid.LevelSubstantial)
	l, err = e.svc.SubmitPassword(e.ctx, l.ID, password)
	require.NoError(t, err)
	resp, err := clone.Login(l.ChipOptions, origin)
	require.NoError(t, err)
	_, err = e.svc.SubmitChip(e.ctx, l.ID, resp)
	require.ErrorIs(t, err, mitid.ErrLocked)
	assert.Equal(t, mitid.CodeSuspectedClone, mitid.ErrorCode(err))
	list, err := e.svc.Authenticators(e.ctx, h.user.ID)
	require.NoError(t, err)
	assert.Equal(t, mitid.StateSuspended, stateOf(list, h.chipID))
	log, err := e.svc.ActivityLog(e.ctx, h.user.ID, mitid.EventFilter{Types: []mitid.EventType{mitid.EventAuthenticatorState}})
	require.NoError(t, err)
	last := log[len(log)-1]
	assert.Equal(t, mitid.StateSuspended, last.To)
	assert.Contains(t, last.Reason, "clone")
	assert.NotEmpty(t, last.Notify, "the holder is told")
}

func TestLogin_ChipAssertionSubmittedTwiceIsAReplayNotAClone(t *testing.T) {
	e := newLoginEnv(t, checkedStore(t))
	h := e.enrol(t, "twice", mitid.LevelSubstantial, mitid.KindChip)
	l := e.begin(t, h, mitid.LevelSubstantial)
	l, err := e.svc.SubmitPassword(e.ctx, l.ID, password)
	require.NoError(t, err)
	resp, err := h.chip.Login(l.ChipOptions, origin)
	require.NoError(t, err)
	_, err = e.svc.SubmitChip(e.ctx, l.ID, resp)
	require.NoError(t, err)
	_, err = e.svc.SubmitChip(e.ctx, l.ID, resp)
	require.Error(t, err)
	assert.NotEqual(t, mitid.CodeSuspectedClone, mitid.ErrorCode(err))
	list, err := e.svc.Authenticators(e.ctx, h.user.ID)
	require.NoError(t, err)
	assert.Equal(t, mitid.StateActive, stateOf(list, h.chipID))
}

func TestLogin_NotifyOnEveryUse(t *testing.T) {
	e := newLoginEnv(t, checkedStore(t))
	h := e.enrol(t, "tell-me", mitid.LevelSubstantial, mitid.KindApp)
	l := e.complete(t, h, e.begin(t, h, mitid.LevelSubstantial))
	_, err := e.svc.FinishLogin(e.ctx, l.ID)
	require.NoError(t, err)
	log, err := e.svc.ActivityLog(e.ctx, h.user.ID, mitid.EventFilter{Types: []mitid.EventType{mitid.EventAuthenticatorUsed}})
	require.NoError(t, err)
	require.Len(t, log, 1, "every use is in the activity log")
	assert.Empty(t, log[0].Notify, "but not notified by default")
	assert.Equal(t, "relying party: skat.dk", log[0].Actor)

	u, _, err := e.svc.ChangeContact(e.ctx, h.user.ID, mitid.Contact{NotifyEveryUse: ptr(true)})
	require.NoError(t, err)
	assert.True(t, u.NotifyEveryUse)
	l = e.complete(t, h, e.begin(t, h, mitid.LevelSubstantial))
	_, err = e.svc.FinishLogin(e.ctx, l.ID)
	require.NoError(t, err)
	log, err = e.svc.ActivityLog(e.ctx, h.user.ID, mitid.EventFilter{Types: []mitid.EventType{mitid.EventAuthenticatorUsed}})
	require.NoError(t, err)
	assert.NotEmpty(t, log[1].Notify, "once asked for, every use is notified")
}

func ptr[T any](v T) *T { return &v }

func TestAuthenticationLevel_NSISMapping(t *testing.T) {
	k := func(ks ...mitid.Kind) []mitid.Kind { return ks }
	tests := []struct {
		kinds []mitid.Kind
		want  mitid.Level
	}{
		{k(mitid.KindPassword), mitid.LevelLow},
		{k(mitid.KindChip), mitid.LevelLow},
		{k(mitid.KindCodeDisplay), mitid.LevelLow},
		{k(mitid.KindCodeDisplay, mitid.KindPassword), mitid.LevelSubstantial},
		{k(mitid.KindAudioReader, mitid.KindPassword), mitid.LevelSubstantial},
		{k(mitid.KindChip, mitid.KindPassword), mitid.LevelSubstantial},
		{k(mitid.KindApp), mitid.LevelSubstantial},
		{k(mitid.KindApp, mitid.KindChip), mitid.LevelHigh},
		{k(), mitid.LevelNone},
	}
	for _, tc := range tests {
		assert.Equal(t, tc.want, mitid.AuthenticationLevel(tc.kinds), "%v", tc.kinds)
	}
	assert.Equal(t, mitid.LevelSubstantial, mitid.TransactionLevel(mitid.LevelSubstantial, mitid.LevelHigh), "LoA is the lower of IAL and AAL")
}

// finishSurvivesAFault arms a fault, checks that FinishLogin then fails
// with nothing committed and the login still there, and finishes it.
func finishSurvivesAFault(t *testing.T, e *loginEnv, h *holder, l *mitid.Login, arm func()) {
	t.Helper()
	arm()
	_, err := e.svc.FinishLogin(e.ctx, l.ID)
	require.ErrorIs(t, err, mitid.ErrUnavailable)
	log, err := e.svc.ActivityLog(e.ctx, h.user.ID, mitid.EventFilter{Types: []mitid.EventType{mitid.EventAuthenticatorUsed}})
	require.NoError(t, err)
	assert.Empty(t, log, "nothing was committed")
	again, err := e.svc.ResumeLogin(e.ctx, l.ID)
	require.NoError(t, err, "the session is live")
	assert.Equal(t, mitid.StepDone, again.Next)
	res, err := e.svc.FinishLogin(e.ctx, l.ID)
	require.NoError(t, err, "the login survived the fault")
	assert.Equal(t, mitid.LevelSubstantial, res.LoA)
}

// TestFinishLogin_AFaultLeavesNothingHalfDone: when the commit of a
// login's effects fails, the login is not burnt and can be finished again;
// when only the consumption of its session fails afterwards, the login is
// finished all the same and a second finish is a replay.
func TestFinishLogin_AFaultLeavesNothingHalfDone(t *testing.T) {
	st := &faultyStore{Store: checkedStore(t)}
	e := newLoginEnv(t, st)
	h := e.enrol(t, "faulty", mitid.LevelSubstantial, mitid.KindApp)
	l := e.complete(t, h, e.begin(t, h, mitid.LevelSubstantial))

	finishSurvivesAFault(t, e, h, l, func() { st.failUpdate = true })

	l = e.complete(t, h, e.begin(t, h, mitid.LevelSubstantial))
	st.failConsume = true
	_, err := e.svc.FinishLogin(e.ctx, l.ID)
	require.NoError(t, err, "the effects are committed; the session is left to expire")
	_, err = e.svc.FinishLogin(e.ctx, l.ID)
	require.ErrorIs(t, err, mitid.ErrReplay, "the user's record knows the login was finished")
	log, err := e.svc.ActivityLog(e.ctx, h.user.ID, mitid.EventFilter{Types: []mitid.EventType{mitid.EventAuthenticatorUsed}})
	require.NoError(t, err)
	assert.Len(t, log, 2, "one use per finished login")
}

// faultyStore fails the next user update or session consumption once. It
// offers only the core contract, so FinishLogin commits the user's record
// first and consumes the session after (see
// TestFinishLogin_CommitsItsEffectsAndConsumesTheSessionAtOnce for a store
// that does both at once).
type faultyStore struct {
	mitid.Store
	failUpdate, failConsume bool
}

var errInjected = mitid.NewError(mitid.CodeStoreUnavailable, nil, "injected fault")

func (f *faultyStore) UpdateUser(ctx context.Context, id uuid.UUID, fn func(*mitid.User) ([]mitid.Event, error)) (*mitid.User, error) {
	if f.failUpdate {
		f.failUpdate = false
		return nil, errInjected
	}
	return f.Store.UpdateUser(ctx, id, fn)
}

func (f *faultyStore) ConsumeSession(ctx context.Context, id string, now time.Time) (*mitid.Session, error) {
	if f.failConsume {
		f.failConsume = false
		return nil, errInjected
	}
	return f.Store.ConsumeSession(ctx, id, now)
}

func TestFinishLogin_RefusesWhatWasBlockedDuringTheLogin(t *testing.T) {
	e := newLoginEnv(t, checkedStore(t))
	h := e.enrol(t, "stolen-phone", mitid.LevelSubstantial, mitid.KindApp)
	l := e.complete(t, h, e.begin(t, h, mitid.LevelSubstantial))
	_, _, err := e.svc.BlockAuthenticator(e.ctx, h.user.ID, h.appID, "stolen")
	require.NoError(t, err)
	_, err = e.svc.FinishLogin(e.ctx, l.ID)
	require.ErrorIs(t, err, mitid.ErrLocked, "the app was blocked as stolen before the relying party finished")

	h2 := e.enrol(t, "blocked-mitid", mitid.LevelSubstantial, mitid.KindApp)
	l = e.complete(t, h2, e.begin(t, h2, mitid.LevelSubstantial))
	_, _, err = e.svc.BlockUser(e.ctx, h2.user.ID, time.Time{}, "fraud")
	require.NoError(t, err)
	_, err = e.svc.FinishLogin(e.ctx, l.ID)
	require.ErrorIs(t, err, mitid.ErrLocked)
}

// TestBeginLogin_AllClosedSaysWhyButNotUntilWhen: before a factor anyone
// may be at the keyboard, so the refusal says why, and the end of the
// suspension is in the holder's own view only.
func TestBeginLogin_AllClosedSaysWhyButNotUntilWhen(t *testing.T) {
	e := newLoginEnv(t, checkedStore(t))
	h := e.enrol(t, "all-closed", mitid.LevelSubstantial, mitid.KindApp)
	until := e.clock.Now().Add(time.Hour)
	_, _, err := e.svc.SuspendAuthenticator(e.ctx, h.user.ID, h.appID, until, "lost phone")
	require.NoError(t, err)
	_, err = e.svc.BeginLogin(e.ctx, mitid.LoginRequest{UserID: h.user.UserID, Action: mitid.ActionLogOn, Text: "x", Level: mitid.LevelLow})
	require.ErrorIs(t, err, mitid.ErrLocked)
	var me *mitid.Error
	require.ErrorAs(t, err, &me)
	assert.Equal(t, mitid.CodeAuthenticatorSuspended, me.Code)
	assert.True(t, me.Until.IsZero())
	assert.NotContains(t, me.Message, until.UTC().Format(time.RFC3339))
	assert.Equal(t, until, suspendedUntil(t, e, h, h.appID))
}

// suspendedUntil is the end of the suspension of authenticator id of h, as
// the holder sees it once logged in.
func suspendedUntil(t *testing.T, e *loginEnv, h *holder, id uuid.UUID) time.Time {
	t.Helper()
	list, err := e.svc.Authenticators(e.ctx, h.user.ID)
	require.NoError(t, err)
	for _, a := range list {
		if a.ID == id {
			return a.SuspendedUntil
		}
	}
	t.Fatalf("no authenticator %s", id)
	return time.Time{}
}

func TestChooseMethod_PrefersAUsableAuthenticatorOfTheMethod(t *testing.T) {
	e := newLoginEnv(t, checkedStore(t))
	h := e.enrol(t, "two-apps", mitid.LevelSubstantial, mitid.KindApp, mitid.KindCodeDisplay)
	e.addActive(t, h.user.ID, mitid.KindApp) // a second app
	_, _, err := e.svc.SuspendAuthenticator(e.ctx, h.user.ID, h.appID, time.Time{}, "lost")
	require.NoError(t, err)
	l := e.begin(t, h, mitid.LevelSubstantial)
	l, err = e.svc.ChooseMethod(e.ctx, l.ID, mitid.MethodApp, uuid.Nil)
	require.NoError(t, err, "the second app is usable")
	assert.Equal(t, mitid.MethodApp, l.Method)
}

func TestBeginLogin_RefusesDeceptiveText(t *testing.T) {
	e := newLoginEnv(t, checkedStore(t))
	h := e.enrol(t, "deceived", mitid.LevelSubstantial, mitid.KindApp)
	for _, text := range []string{"Log på\\n\\nOverfør 10.000 kr.", "Betal 100 kr.\u202E.rk 000.01", "a\u2066b"} {
		text = strings.ReplaceAll(text, "\\n", "\n")
		_, err := e.svc.BeginLogin(e.ctx, mitid.LoginRequest{UserID: h.user.UserID, Action: mitid.ActionApprove, Text: text, Level: mitid.LevelLow})
		require.ErrorIs(t, err, mitid.ErrInvalid, "%q", text)
	}
}

// TestLogin_APasswordOrAppIsUsedWhenItsLoginCompletes: a right password or
// app approval leaves the user's record as it was (so that its step
// commits only the login's progress); its use is recorded by FinishLogin.
// A code display's is recorded by its code's step.
func TestLogin_APasswordOrAppIsUsedWhenItsLoginCompletes(t *testing.T) {
	for _, tc := range []struct {
		name string
		kind mitid.Kind
	}{
		{"the password after a code", mitid.KindCodeDisplay},
		{"an app's approval", mitid.KindApp},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newLoginEnv(t, checkedStore(t))
			h := e.enrol(t, fmt.Sprintf("used%d", seq(t)), mitid.LevelSubstantial, tc.kind)
			e.clock.Advance(time.Hour)
			lastUsed := func() map[mitid.Kind]time.Time {
				u, err := e.svc.User(e.ctx, h.user.ID)
				require.NoError(t, err)
				m := map[mitid.Kind]time.Time{}
				for _, a := range u.Authenticators {
					m[a.Kind] = a.LastUsedAt
				}
				return m
			}
			before := lastUsed()
			l := e.begin(t, h, mitid.LevelSubstantial)
			var err error
			if tc.kind == mitid.KindApp {
				l, err = e.svc.SubmitApproval(e.ctx, l.ID, h.approve(t, l))
				require.NoError(t, err)
			} else {
				l, err = e.svc.SubmitCode(e.ctx, l.ID, h.code(t))
				require.NoError(t, err)
				before = lastUsed() // the code's step records the code it used
				l, err = e.svc.SubmitPassword(e.ctx, l.ID, password)
				require.NoError(t, err)
			}
			require.Equal(t, mitid.StepDone, l.Next)
			assert.Equal(t, before, lastUsed(), "the right answer alone changes no authenticator")
			e.clock.Advance(time.Second)
			_, err = e.svc.FinishLogin(e.ctx, l.ID)
			require.NoError(t, err)
			after := lastUsed()
			if tc.kind == mitid.KindApp {
				assert.Equal(t, e.clock.Now(), after[tc.kind], "the app's use")
			} else {
				assert.Equal(t, before[tc.kind], after[tc.kind], "the code display's use is its code's")
				assert.Equal(t, e.clock.Now(), after[mitid.KindPassword], "the password's use")
			}
		})
	}
}

// TestLogin_AChipIsUsedWhenItAnswers: a chip's use is recorded with the
// counter its answer advanced, at its step, and FinishLogin leaves it
// there: the clone check (a counter that did not increase) tells a stale
// answer from a copy's by whether the chip was used after the challenge
// was issued, which a later FinishLogin must not pretend.
func TestLogin_AChipIsUsedWhenItAnswers(t *testing.T) {
	e := newLoginEnv(t, checkedStore(t))
	h := e.enrol(t, fmt.Sprintf("chipused%d", seq(t)), mitid.LevelSubstantial, mitid.KindChip)
	e.clock.Advance(time.Hour)
	l := e.begin(t, h, mitid.LevelSubstantial)
	l, err := e.svc.SubmitPassword(e.ctx, l.ID, password)
	require.NoError(t, err)
	resp, err := h.chip.Login(l.ChipOptions, origin)
	require.NoError(t, err)
	answered := e.clock.Now()
	l, err = e.svc.SubmitChip(e.ctx, l.ID, resp)
	require.NoError(t, err)
	require.Equal(t, mitid.StepDone, l.Next)
	e.clock.Advance(time.Minute)
	_, err = e.svc.FinishLogin(e.ctx, l.ID)
	require.NoError(t, err)
	u, err := e.svc.User(e.ctx, h.user.ID)
	require.NoError(t, err)
	for _, a := range u.Authenticators {
		switch a.Kind {
		case mitid.KindChip:
			assert.Equal(t, answered, a.LastUsedAt, "the chip's use is its answer's")
		case mitid.KindPassword:
			assert.Equal(t, e.clock.Now(), a.LastUsedAt, "the password's use is the completed login's")
		}
	}
}

// keySwapper is a memory store that, just before a login step commits,
// runs swap once (a change made elsewhere while the step was deciding).
type keySwapper struct {
	*memory.Store
	swap func()
}

func (k *keySwapper) UpdateLogin(ctx context.Context, seen *mitid.User, auth uuid.UUID, at mitid.SessionAt, fn mitid.LoginChange) (*mitid.User, *mitid.Session, error) {
	if f := k.swap; f != nil {
		k.swap = nil
		f()
	}
	return k.Store.UpdateLogin(ctx, seen, auth, at, fn)
}

// TestLogin_AnApprovalIsVerifiedAgainstTheKeyItCommitsOn: the app's
// signature is checked on the login as read, before the attempt; the
// attempt still refuses it when the key it finally commits on is another
// (the app activated again meanwhile) or cannot be read.
func TestLogin_AnApprovalIsVerifiedAgainstTheKeyItCommitsOn(t *testing.T) {
	for _, tc := range []struct {
		name string
		key  func(t *testing.T) []byte
		want mitid.Code
	}{
		{"the key was replaced meanwhile", func(t *testing.T) []byte {
			sim, err := apptest.NewSimulator(seeded(77), "123456")
			require.NoError(t, err)
			return sim.PublicKey()
		}, mitid.CodeWrongSignature},
		{"the key cannot be read", func(*testing.T) []byte { return []byte("not a key") }, mitid.CodeSecretUnreadable},
		{"the key is empty", func(*testing.T) []byte { return []byte{} }, mitid.CodeSecretUnreadable},
	} {
		t.Run(tc.name, func(t *testing.T) {
			st := &keySwapper{Store: checkedStore(t)}
			e := newLoginEnv(t, st)
			h := e.enrol(t, fmt.Sprintf("swapped%d", seq(t)), mitid.LevelSubstantial, mitid.KindApp)
			key := tc.key(t)
			st.swap = func() {
				_, err := st.UpdateUser(e.ctx, h.user.ID, func(u *mitid.User) ([]mitid.Event, error) {
					a, err := u.Authenticator(h.appID)
					if err != nil {
						return nil, err
					}
					a.DeviceKey = key
					return nil, nil
				})
				require.NoError(t, err)
			}
			l := e.begin(t, h, mitid.LevelSubstantial)
			_, err := e.svc.SubmitApproval(e.ctx, l.ID, h.approve(t, l))
			assert.Equal(t, tc.want, mitid.ErrorCode(err), "changed while the step decided: %v", err)

			// The same key already there when the step reads the login.
			l = e.begin(t, h, mitid.LevelSubstantial)
			_, err = e.svc.SubmitApproval(e.ctx, l.ID, h.approve(t, l))
			assert.Equal(t, tc.want, mitid.ErrorCode(err), "there from the start: %v", err)
		})
	}
}
