package mitid_test

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/go-mitid/mitid"
	"github.com/go-mitid/mitid/app/apptest"
	"github.com/go-mitid/mitid/codedisplay/codedisplaytest"
	"github.com/go-mitid/mitid/mitidtest"
	"github.com/go-mitid/mitid/mitidtest/fake"
)

// smsEnv is an env whose Notifier records the SMS texts sent directly.
func smsEnv(t *testing.T) (*env, *mitidtest.Recorder) {
	t.Helper()
	keys, err := mitid.NewRandomKeyRing(seeded(1))
	require.NoError(t, err)
	st := checkedStore(t)
	clock := fake.NewClock(tNow)
	rec := &mitidtest.Recorder{}
	svc, err := mitid.New(mitid.Config{Store: st, Keys: keys, Clock: clock, Rand: seeded(2), Notifier: rec, Policy: mitidtest.CheapPolicy()})
	require.NoError(t, err)
	return &env{svc: svc, store: st, clock: clock, ctx: context.Background()}, rec
}

func (e *env) pendingApp(t *testing.T, u *mitid.User) uuid.UUID {
	t.Helper()
	sim, err := apptest.NewSimulator(seeded(7), "123456")
	require.NoError(t, err)
	_, evs, err := e.svc.AddApp(e.ctx, u.ID, "new phone", sim.PublicKey())
	require.NoError(t, err)
	return evs[0].Authenticator
}

func TestActivationCode_ValidityByChannel(t *testing.T) {
	for _, tc := range []struct {
		ch   mitid.CodeChannel
		life time.Duration
	}{
		{mitid.CodeByAppScan, 30 * time.Minute},
		{mitid.CodeOnPaper, 48 * time.Hour},
		{mitid.CodeBySMS, 30 * time.Minute},
	} {
		t.Run(string(tc.ch), func(t *testing.T) {
			e, _ := smsEnv(t)
			u := e.anna(t)
			dev, _ := e.codeDevice(t, u.ID, mitid.KindCodeDisplay, mitid.StatePendingActivation)
			code, _, evs, err := e.svc.IssueCode(e.ctx, u.ID, mitid.PurposeActivation, tc.ch)
			require.NoError(t, err)
			assert.Regexp(t, regexp.MustCompile(`^[A-Z2-9]{4}-[A-Z2-9]{4}$`), code)
			assert.Equal(t, tNow.Add(tc.life), evs[0].Until)
			e.clock.Advance(tc.life)
			_, _, err = e.svc.ActivateWithCode(e.ctx, "anna.hansen", dev, mitid.ActivationCodes{Code: code})
			require.ErrorIs(t, err, mitid.ErrExpired, "at the end of its validity the code is dead, and the error says so")
			assert.Equal(t, mitid.CodeActivationExpired, mitid.ErrorCode(err))
		})
	}
}

func TestActivationCode_ActivatesOnceAndIsPersonal(t *testing.T) {
	e, _ := smsEnv(t)
	u := e.anna(t)
	other, _, err := e.svc.CreateUser(e.ctx, mitid.UserRequest{Email: "holder@example.dk", UserID: "bent-other", CPR: "020290-1234", IAL: mitid.LevelSubstantial})
	require.NoError(t, err)
	code, _, _, err := e.svc.IssueCode(e.ctx, u.ID, mitid.PurposeActivation, mitid.CodeOnPaper)
	require.NoError(t, err)
	bents, bdev := e.codeDevice(t, other.ID, mitid.KindCodeDisplay, mitid.StatePendingActivation)
	_, _, err = e.svc.ActivateWithCode(e.ctx, "bent-other", bents, proofOf(t, bdev, code))
	assert.Equal(t, mitid.CodeActivationInvalid, mitid.ErrorCode(err), "Anna's code does not activate Bent's code display")

	annas, adev := e.codeDevice(t, u.ID, mitid.KindCodeDisplay, mitid.StatePendingActivation)
	_, evs, err := e.svc.ActivateWithCode(e.ctx, "Anna.Hansen", annas, proofOf(t, adev, strings.ToLower(code)))
	require.NoError(t, err, "case and hyphen do not matter")
	assert.Equal(t, mitid.EventCodeUsed, evs[0].Type)
	assert.Equal(t, mitid.StateActive, evs[len(evs)-2].To)
	assert.Equal(t, mitid.KindPassword, evs[len(evs)-1].Kind, "the first password is created with the device")

	_, _, err = e.svc.BlockAuthenticator(e.ctx, u.ID, annas, "lost")
	require.NoError(t, err)
	reader, rdev := e.codeDevice(t, u.ID, mitid.KindAudioReader, mitid.StatePendingActivation)
	e.clock.Advance(30 * time.Second)
	_, _, err = e.svc.ActivateWithCode(e.ctx, "anna.hansen", reader, proofOf(t, rdev, code))
	assert.Equal(t, mitid.CodeActivationInvalid, mitid.ErrorCode(err), "one code activates one authenticator")
}

// proofOf is what the holder of a code device types with an activation
// code: the code, the device's serial number and the code it shows.
func proofOf(t *testing.T, dev *codedisplaytest.Device, code string) mitid.ActivationCodes {
	t.Helper()
	shown, err := dev.Code()
	require.NoError(t, err)
	return mitid.ActivationCodes{Code: code, Serial: dev.Serial().String(), DeviceCode: shown, Password: password}
}

func TestActivationCode_ThreeWrongEntriesBlockIt(t *testing.T) {
	e, _ := smsEnv(t)
	u := e.anna(t)
	code, _, _, err := e.svc.IssueCode(e.ctx, u.ID, mitid.PurposeActivation, mitid.CodeOnPaper)
	require.NoError(t, err)
	dev, _ := e.codeDevice(t, u.ID, mitid.KindCodeDisplay, mitid.StatePendingActivation)
	for i, want := range []mitid.Code{mitid.CodeWrongActivationCode, mitid.CodeWrongActivationCode, mitid.CodeActivationBlocked} {
		_, _, err = e.svc.ActivateWithCode(e.ctx, "anna.hansen", dev, mitid.ActivationCodes{Code: "AAAA-AAAA"})
		require.Error(t, err)
		assert.Equal(t, want, mitid.ErrorCode(err), "entry %d", i+1)
	}
	_, _, err = e.svc.ActivateWithCode(e.ctx, "anna.hansen", dev, mitid.ActivationCodes{Code: code})
	require.Error(t, err, "a blocked code stays blocked, right or not")
	log, err := e.svc.ActivityLog(e.ctx, u.ID, mitid.EventFilter{Types: []mitid.EventType{mitid.EventAuthenticatorFailed}})
	require.NoError(t, err)
	assert.Len(t, log, 3, "the wrong entries are audited")
}

func TestActivationCode_AppNeedsTwoIndependentCodes(t *testing.T) {
	e, rec := smsEnv(t)
	u := e.anna(t)
	appID := e.pendingApp(t, u)
	code := e.issue(t, u.ID, mitid.PurposeActivation, mitid.CodeByAppScan)
	pin := e.issue(t, u.ID, mitid.PurposeTemporaryPIN, mitid.CodeBySMS)
	assert.Regexp(t, `^\d{6}$`, pin)
	require.Len(t, rec.Sent(), 1, "the temporary PIN goes by SMS, sent at once")
	assert.Equal(t, "+4512345678", rec.Sent()[0].Delivery.Address)
	assert.Contains(t, rec.Sent()[0].Text, pin)
	msgs, err := e.store.OutboxMessages(e.ctx, mitid.OutboxFilter{User: u.ID})
	require.NoError(t, err)
	for _, m := range msgs {
		assert.NotContains(t, m.Event.Detail, "code", "no code in the outbox")
	}

	_, _, err = e.svc.ActivateWithCode(e.ctx, "anna.hansen", appID, mitid.ActivationCodes{Code: code})
	require.Error(t, err, "the activation code alone does not activate an app")
	_, evs, err := e.svc.ActivateWithCode(e.ctx, "anna.hansen", appID, mitid.ActivationCodes{Code: code, TemporaryPIN: pin})
	require.NoError(t, err)
	last := evs[len(evs)-1]
	assert.Equal(t, mitid.StateActive, last.To)
	assert.NotEmpty(t, last.Notify, "an app activated on a new device is notified (mitid.dk: MitID security in general)")
}

func TestActivationCode_AppRefusesTwoCodesByTheSameChannel(t *testing.T) {
	e, _ := smsEnv(t)
	u := e.anna(t)
	appID := e.pendingApp(t, u)
	code, _, _, err := e.svc.IssueCode(e.ctx, u.ID, mitid.PurposeActivation, mitid.CodeBySMS)
	require.NoError(t, err)
	pin, _, evs, err := e.svc.IssueCode(e.ctx, u.ID, mitid.PurposeTemporaryPIN, mitid.CodeOnPaper)
	require.NoError(t, err)
	assert.Equal(t, tNow.Add(30*time.Minute), evs[0].Until, "a temporary PIN goes by SMS and lives as long, whatever channel was asked for")
	_, _, err = e.svc.ActivateWithCode(e.ctx, "anna.hansen", appID, mitid.ActivationCodes{Code: code, TemporaryPIN: pin})
	require.Error(t, err, "both codes came by SMS: not two independent channels")
	assert.Contains(t, err.Error(), "independent channels")
}

func TestSMSCode_RefusedAfterARecentPhoneChange(t *testing.T) {
	e, _ := smsEnv(t)
	u := e.anna(t)
	phone := "+45 87 65 43 21"
	_, _, err := e.svc.ChangeContact(e.ctx, u.ID, mitid.Contact{Phone: &phone})
	require.NoError(t, err)
	_, _, _, err = e.svc.IssueCode(e.ctx, u.ID, mitid.PurposeActivation, mitid.CodeBySMS)
	require.ErrorIs(t, err, mitid.ErrWaiting)
	var me *mitid.Error
	require.ErrorAs(t, err, &me)
	assert.Equal(t, tNow.Add(120*time.Hour), me.Until)
	_, _, _, err = e.svc.IssueCode(e.ctx, u.ID, mitid.PurposeActivation, mitid.CodeOnPaper)
	require.NoError(t, err, "paper from Citizen Service is unaffected")
	e.clock.Advance(120 * time.Hour)
	_, _, _, err = e.svc.IssueCode(e.ctx, u.ID, mitid.PurposeActivation, mitid.CodeBySMS)
	require.NoError(t, err)
}

func TestPCode_OnlyWithoutCPR(t *testing.T) {
	e, _ := smsEnv(t)
	u := e.anna(t)
	_, _, _, err := e.svc.IssueCode(e.ctx, u.ID, mitid.PurposePCode, mitid.CodeByAppScan)
	require.ErrorIs(t, err, mitid.ErrInvalid)
	foreign, _, err := e.svc.CreateUser(e.ctx, mitid.UserRequest{Email: "holder@example.dk", UserID: "erika-m", Document: &mitid.IdentityDocument{Country: "DEU", Number: "C01X00T47"},
		BirthDate: date(1985, 6, 1), IAL: mitid.LevelSubstantial})
	require.NoError(t, err)
	code, _, evs, err := e.svc.IssueCode(e.ctx, foreign.ID, mitid.PurposePCode, mitid.CodeByAppScan)
	require.NoError(t, err)
	assert.Regexp(t, `^\d{8}$`, code)
	assert.Equal(t, tNow.Add(60*24*time.Hour), evs[0].Until, "a P-code is valid 60 days")
}

func TestPCode_OneUseThreeAttempts(t *testing.T) {
	e, _ := smsEnv(t)
	u, _, err := e.svc.CreateUser(e.ctx, mitid.UserRequest{Email: "holder@example.dk", UserID: "erika-p", Document: &mitid.IdentityDocument{Country: "DEU", Number: "C01X00T48"},
		BirthDate: date(1985, 6, 1), IAL: mitid.LevelSubstantial})
	require.NoError(t, err)
	code, _, _, err := e.svc.IssueCode(e.ctx, u.ID, mitid.PurposePCode, mitid.CodeByAppScan)
	require.NoError(t, err)
	_, _, err = e.svc.RedeemPCode(e.ctx, "erika-p", "00000000")
	require.ErrorIs(t, err, mitid.ErrInvalid)
	_, evs, err := e.svc.RedeemPCode(e.ctx, "erika-p", code)
	require.NoError(t, err)
	assert.Equal(t, mitid.EventCodeUsed, evs[0].Type)
	_, _, err = e.svc.RedeemPCode(e.ctx, "erika-p", code)
	require.Error(t, err, "one successful use")

	code, _, _, err = e.svc.IssueCode(e.ctx, u.ID, mitid.PurposePCode, mitid.CodeByAppScan)
	require.NoError(t, err)
	for i := 0; i < 3; i++ {
		_, _, err = e.svc.RedeemPCode(e.ctx, "erika-p", "11111111")
		require.Error(t, err)
	}
	_, _, err = e.svc.RedeemPCode(e.ctx, "erika-p", code)
	require.ErrorIs(t, err, mitid.ErrInvalid, "blocked after three wrong entries")
}

// TestActivationCode_WrongEntriesDrawOnTheAccountsBudget: wrong activation
// codes count towards the account's limit like every other guess; once a
// stranger's share is spent even the right code is not compared, and
// nothing more counts; a successful activation resets nothing.
func TestActivationCode_WrongEntriesDrawOnTheAccountsBudget(t *testing.T) {
	e, _ := smsEnv(t)
	p := e.svc.Policy()
	p.MaxConsecutiveFailures, p.PossessionReserve = 5, 1 // a stranger's share: 4
	svc, err := mitid.New(mitid.Config{Store: e.svc.Store(), Keys: mustKeys(t), Clock: e.clock, Rand: seeded(3), Policy: &p})
	require.NoError(t, err)
	e.svc = svc
	u := e.anna(t)
	dev, _ := e.codeDevice(t, u.ID, mitid.KindCodeDisplay, mitid.StatePendingActivation)
	for round := 0; round < 2; round++ {
		_, _, _, err := e.svc.IssueCode(e.ctx, u.ID, mitid.PurposeActivation, mitid.CodeOnPaper)
		require.NoError(t, err)
		for i := 0; i < 2; i++ {
			_, _, err = e.svc.ActivateWithCode(e.ctx, "anna.hansen", dev, mitid.ActivationCodes{Code: "AAAA-AAAA"})
			require.Equal(t, mitid.CodeWrongActivationCode, mitid.ErrorCode(err))
		}
	}
	got, err := e.svc.User(e.ctx, u.ID)
	require.NoError(t, err)
	assert.Equal(t, 4, got.Failures, "each wrong code counted on the account")

	code, _, _, err := e.svc.IssueCode(e.ctx, u.ID, mitid.PurposeActivation, mitid.CodeOnPaper)
	require.NoError(t, err)
	_, _, err = e.svc.ActivateWithCode(e.ctx, "anna.hansen", dev, mitid.ActivationCodes{Code: code})
	require.ErrorIs(t, err, mitid.ErrLocked)
	assert.Equal(t, mitid.CodeAttemptsExhausted, mitid.ErrorCode(err), "the budget is spent: not even the right code is compared")
	got, err = e.svc.User(e.ctx, u.ID)
	require.NoError(t, err)
	assert.Equal(t, 4, got.Failures, "a refused attempt counts nothing")
}

// TestActivationCode_SuccessResetsNoCount: only a completed login resets the
// account's count, not an activation.
func TestActivationCode_SuccessResetsNoCount(t *testing.T) {
	e, _ := smsEnv(t)
	u := e.anna(t)
	dev, sim := e.codeDevice(t, u.ID, mitid.KindCodeDisplay, mitid.StatePendingActivation)
	code, _, _, err := e.svc.IssueCode(e.ctx, u.ID, mitid.PurposeActivation, mitid.CodeOnPaper)
	require.NoError(t, err)
	_, _, err = e.svc.ActivateWithCode(e.ctx, "anna.hansen", dev, mitid.ActivationCodes{Code: "AAAA-AAAA"})
	require.Equal(t, mitid.CodeWrongActivationCode, mitid.ErrorCode(err))
	_, _, err = e.svc.ActivateWithCode(e.ctx, "anna.hansen", dev, proofOf(t, sim, code))
	require.NoError(t, err)
	got, err := e.svc.User(e.ctx, u.ID)
	require.NoError(t, err)
	assert.Equal(t, 1, got.Failures)
}

// smsEnvWith is smsEnv with a Notifier of the test's own.
func smsEnvWith(t *testing.T, n mitid.Notifier, timeout time.Duration) *env {
	t.Helper()
	st := checkedStore(t)
	clock := fake.NewClock(tNow)
	svc, err := mitid.New(mitid.Config{Store: st, Keys: mustKeys(t), Clock: clock, Rand: seeded(2), Notifier: n, Policy: mitidtest.CheapPolicy(), NotifyTimeout: timeout})
	require.NoError(t, err)
	return &env{svc: svc, store: st, clock: clock, ctx: context.Background()}
}

// TestSMSCode_ANewCodeReplacesTheOldOnlyOnceItIsSent: when the SMS with a
// new code fails, the code the holder already had still works, and the new
// one never does.
func TestSMSCode_ANewCodeReplacesTheOldOnlyOnceItIsSent(t *testing.T) {
	var sent []string
	fail := false
	e := smsEnvWith(t, mitid.NotifierFunc(func(_ context.Context, n mitid.Notification) error {
		if fail {
			return errors.New("gateway down")
		}
		sent = append(sent, n.Text)
		return nil
	}), 0)
	u := e.anna(t)
	e.clock.Advance(121 * time.Hour) // past the phone's quarantine
	old, _, _, err := e.svc.IssueCode(e.ctx, u.ID, mitid.PurposeActivation, mitid.CodeBySMS)
	require.NoError(t, err)
	require.Len(t, sent, 1)
	assert.Contains(t, sent[0], old)

	fail = true
	e.clock.Advance(time.Minute) // Policy.CodeInterval
	code, _, _, err := e.svc.IssueCode(e.ctx, u.ID, mitid.PurposeActivation, mitid.CodeBySMS)
	require.ErrorIs(t, err, mitid.ErrUnavailable)
	assert.Equal(t, mitid.CodeDeliveryFailed, mitid.ErrorCode(err))
	assert.Empty(t, code, "a code that was not handed over is not handed out")
	got, err := e.svc.User(e.ctx, u.ID)
	require.NoError(t, err)
	assert.Len(t, got.CodesSent, 1, "an SMS that was not sent does not count against the day's")
	dev, sim := e.codeDevice(t, u.ID, mitid.KindCodeDisplay, mitid.StatePendingActivation)
	_, _, err = e.svc.ActivateWithCode(e.ctx, "anna.hansen", dev, proofOf(t, sim, old))
	require.NoError(t, err, "the code the holder had still works")
}

// TestSMSCode_AFailedSMSTellsTheCallerNeitherTheCodeNorThePhone: a gateway
// that echoes the request it refused puts the code and the phone number in
// its error; IssueCode's error, its text and every error in its chain, has
// neither, as the library's log has neither, and still says why.
func TestSMSCode_AFailedSMSTellsTheCallerNeitherTheCodeNorThePhone(t *testing.T) {
	var text string
	e := smsEnvWith(t, mitid.NotifierFunc(func(_ context.Context, n mitid.Notification) error {
		text = n.Text
		return mitid.Undeliverable(nil, "gateway answered 400: {\"to\":%q,\"msisdn\":%q,\"local\":%q,\"text\":%q}",
			n.Delivery.Address, strings.TrimPrefix(n.Delivery.Address, "+"), strings.TrimPrefix(n.Delivery.Address, "+45"), n.Text)
	}), 0)
	u := e.anna(t)
	e.clock.Advance(121 * time.Hour)
	_, _, _, err := e.svc.IssueCode(e.ctx, u.ID, mitid.PurposeActivation, mitid.CodeBySMS)
	require.Error(t, err)
	code := regexp.MustCompile(`[A-Z2-9]{4}-[A-Z2-9]{4}`).FindString(text)
	require.NotEmpty(t, code, "the SMS held a code: %q", text)
	for e := err; e != nil; e = errors.Unwrap(e) {
		assert.NotContains(t, e.Error(), code)
		assert.NotContains(t, e.Error(), strings.TrimPrefix(u.Phone, "+45"), "the number in any of its forms")
	}
	assert.Contains(t, err.Error(), "gateway answered 400", "why it failed is kept")
	assert.Contains(t, fmt.Sprintf("%+v", err), "[redacted]")
}

// TestSMSCode_ANotifierThatHangsIsCutOffAtTheTimeout: a Notifier that
// ignores its context cannot hold IssueCode past Config.NotifyTimeout.
func TestSMSCode_ANotifierThatHangsIsCutOffAtTheTimeout(t *testing.T) {
	release := make(chan struct{})
	defer close(release)
	e := smsEnvWith(t, mitid.NotifierFunc(func(context.Context, mitid.Notification) error {
		<-release // ignores its context
		return nil
	}), 20*time.Millisecond)
	u := e.anna(t)
	e.clock.Advance(121 * time.Hour)
	_, _, _, err := e.svc.IssueCode(e.ctx, u.ID, mitid.PurposeTemporaryPIN, mitid.CodeBySMS)
	require.ErrorIs(t, err, mitid.ErrUnavailable)
	assert.ErrorIs(t, err, context.DeadlineExceeded)
	got, err := e.svc.User(e.ctx, u.ID)
	require.NoError(t, err)
	assert.Empty(t, got.Codes, "the code that was never handed over is gone")
}

// TestSMSCode_PacedAndBoundedPerPerson: a temporary PIN is asked for with
// the user ID alone, so anyone can ask. A code by SMS is refused for
// Policy.CodeInterval (1 min) after the last of its purpose, and at most
// Policy.SMSCodesPerDay (5) go to a person in any 24 hours; each refusal
// says when the next may be asked for. Paper is not paced.
func TestSMSCode_PacedAndBoundedPerPerson(t *testing.T) {
	e, rec := smsEnv(t)
	u := e.anna(t)
	pin, act, paper := mitid.PurposeTemporaryPIN, mitid.PurposeActivation, mitid.CodeOnPaper
	steps := []struct {
		name    string
		advance time.Duration
		purpose mitid.CodePurpose
		ch      mitid.CodeChannel
		want    mitid.Code    // "" for a code sent
		until   time.Duration // from tNow, with want
	}{
		{"a first PIN", 0, pin, mitid.CodeBySMS, "", 0},
		{"a second PIN at once", 0, pin, mitid.CodeBySMS, mitid.CodeCodeTooSoon, time.Minute},
		{"a second PIN within the interval", 59 * time.Second, pin, mitid.CodeBySMS, mitid.CodeCodeTooSoon, time.Minute},
		{"an activation code by SMS is paced apart", 0, act, mitid.CodeBySMS, "", 0},
		{"a second PIN after the interval", time.Second, pin, mitid.CodeBySMS, "", 0},
		{"a paper code is not paced", 0, act, paper, "", 0},
		{"another paper code at once", 0, act, paper, "", 0},
		{"a fourth SMS", time.Hour, pin, mitid.CodeBySMS, "", 0},
		{"a fifth SMS", time.Hour, pin, mitid.CodeBySMS, "", 0},
		{"a sixth SMS within 24 hours", time.Hour, pin, mitid.CodeBySMS, mitid.CodeCodeLimit, 24 * time.Hour},
		{"an activation code by SMS counts the same", 0, act, mitid.CodeBySMS, mitid.CodeCodeLimit, 24 * time.Hour},
		{"paper is not bounded", 0, act, paper, "", 0},
		{"a day after the first", 24*time.Hour - 3*time.Hour - time.Minute, pin, mitid.CodeBySMS, "", 0},
		{"and then the window is full again", 0, act, mitid.CodeBySMS, mitid.CodeCodeLimit, 24*time.Hour + 59*time.Second},
	}
	sent := 0
	for _, st := range steps {
		e.clock.Advance(st.advance)
		code, _, _, err := e.svc.IssueCode(e.ctx, u.ID, st.purpose, st.ch)
		if st.want == "" {
			require.NoError(t, err, st.name)
			if st.ch == mitid.CodeBySMS {
				sent++
			}
			continue
		}
		require.ErrorIs(t, err, mitid.ErrLimit, st.name)
		var me *mitid.Error
		require.ErrorAs(t, err, &me, st.name)
		assert.Equal(t, st.want, me.Code, st.name)
		assert.Equal(t, tNow.Add(st.until), me.Until, "%s: says when the next may be asked for", st.name)
		assert.Empty(t, code, st.name)
	}
	assert.Len(t, rec.Sent(), sent, "a refused code sends no SMS")
}

// TestActivationCode_APaperCodeReplacesOneBySMS: a code handed out at
// Citizen Service replaces the activation codes sent by SMS (one a thief of
// the phone may have asked for), where a code by SMS replaces only codes by
// SMS (TestSMSCode_AStrangerCannotFloodOrGrowTheRecord).
func TestActivationCode_APaperCodeReplacesOneBySMS(t *testing.T) {
	e, _ := smsEnv(t)
	u := e.anna(t)
	e.clock.Advance(121 * time.Hour) // past the phone's quarantine
	bySMS, _, _, err := e.svc.IssueCode(e.ctx, u.ID, mitid.PurposeActivation, mitid.CodeBySMS)
	require.NoError(t, err)
	paper := e.paperCode(t, u.ID)
	dev, sim := e.codeDevice(t, u.ID, mitid.KindCodeDisplay, mitid.StatePendingActivation)
	_, _, err = e.svc.ActivateWithCode(e.ctx, "anna.hansen", dev, proofOf(t, sim, bySMS))
	assert.Equal(t, mitid.CodeWrongActivationCode, mitid.ErrorCode(err), "the code by SMS was replaced: %v", err)
	_, _, err = e.svc.ActivateWithCode(e.ctx, "anna.hansen", dev, proofOf(t, sim, paper))
	require.NoError(t, err, "the paper code works")
}

// TestSMSCode_AStrangerCannotFloodOrGrowTheRecord is the review's attack:
// a stranger who knows the user ID asks for a temporary PIN once a second
// for a day. The holder's phone gets Policy.SMSCodesPerDay SMS, the record
// keeps one PIN, and the activity log grows by as many codes as were sent.
func TestSMSCode_AStrangerCannotFloodOrGrowTheRecord(t *testing.T) {
	e, rec := smsEnv(t)
	u := e.anna(t)
	paper := e.paperCode(t, u.ID)
	refused := map[mitid.Code]int{}
	for i := 0; i < 24*60; i++ {
		found, err := e.svc.UserByUserID(e.ctx, "anna.hansen")
		require.NoError(t, err)
		_, _, _, err = e.svc.IssueCode(e.ctx, found.ID, mitid.PurposeTemporaryPIN, mitid.CodeBySMS)
		refused[mitid.ErrorCode(err)]++
		e.clock.Advance(time.Minute)
	}
	assert.Equal(t, 5, refused[""], "codes sent")
	assert.Len(t, rec.Sent(), 5, "SMS on the holder's phone in 24 hours")
	got, err := e.svc.User(e.ctx, u.ID)
	require.NoError(t, err)
	var pins int
	for _, c := range got.Codes {
		if c.Purpose == mitid.PurposeTemporaryPIN {
			pins++
		}
	}
	assert.Equal(t, 1, pins, "a replaced PIN leaves the record")
	issued, err := e.svc.ActivityLog(e.ctx, u.ID, mitid.EventFilter{Types: []mitid.EventType{mitid.EventCodeIssued}})
	require.NoError(t, err)
	assert.Len(t, issued, 6, "the paper code and the five PINs")

	_, _, _, err = e.svc.IssueCode(e.ctx, u.ID, mitid.PurposeActivation, mitid.CodeBySMS)
	require.NoError(t, err, "the day's first activation code by SMS")
	e.clock.Set(tNow.Add(47 * time.Hour))
	dev, sim := e.codeDevice(t, u.ID, mitid.KindCodeDisplay, mitid.StatePendingActivation)
	_, _, err = e.svc.ActivateWithCode(e.ctx, "anna.hansen", dev, proofOf(t, sim, paper))
	require.NoError(t, err, "codes by SMS never replace the paper code the holder got at Citizen Service")
}

// TestSMSCode_TheHolderKeepsTheLastPIN: a PIN a stranger had sent went to
// the holder's phone, and none can replace it for Policy.CodeInterval, so
// the holder can always type the last one that arrived; the one it
// replaced is gone from the record and no longer works.
func TestSMSCode_TheHolderKeepsTheLastPIN(t *testing.T) {
	e, rec := smsEnv(t)
	u := e.anna(t)
	appID := e.pendingApp(t, u)
	code := e.issue(t, u.ID, mitid.PurposeActivation, mitid.CodeByAppScan)
	first := e.issue(t, u.ID, mitid.PurposeTemporaryPIN, mitid.CodeBySMS)
	e.clock.Advance(time.Minute)
	second := e.issue(t, u.ID, mitid.PurposeTemporaryPIN, mitid.CodeBySMS) // the stranger's
	require.NotEqual(t, first, second, "two PINs")
	require.Len(t, rec.Sent(), 2)
	assert.Contains(t, rec.Sent()[1].Text, second, "on the holder's phone")
	_, _, _, err := e.svc.IssueCode(e.ctx, u.ID, mitid.PurposeTemporaryPIN, mitid.CodeBySMS)
	assert.Equal(t, mitid.CodeCodeTooSoon, mitid.ErrorCode(err), "and nobody can replace it yet")

	got, err := e.svc.User(e.ctx, u.ID)
	require.NoError(t, err)
	assert.Len(t, got.Codes, 2, "the app-scan code and the last PIN: the first PIN left the record")
	_, _, err = e.svc.ActivateWithCode(e.ctx, "anna.hansen", appID, mitid.ActivationCodes{Code: code, TemporaryPIN: first})
	assert.Equal(t, mitid.CodeWrongActivationCode, mitid.ErrorCode(err), "the replaced PIN no longer works")
	_, _, err = e.svc.ActivateWithCode(e.ctx, "anna.hansen", appID, mitid.ActivationCodes{Code: code, TemporaryPIN: second})
	require.NoError(t, err)
}
