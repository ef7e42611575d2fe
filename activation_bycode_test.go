package mitid_test

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/go-mitid/mitid"
	"github.com/go-mitid/mitid/app/apptest"
	"github.com/go-mitid/mitid/chip/chiptest"
	"github.com/go-mitid/mitid/chip/credential"
	"github.com/go-mitid/mitid/mitidtest"
)

// Activation by code for every physical kind (mitid.dk "Activate MitID
// with an activation code"; "Activate your MitID chip", three ways).

func TestActivateWithCode_EveryPhysicalKindAtTheEdgeOfItsValidity(t *testing.T) {
	for _, tc := range []struct {
		kind mitid.Kind
		ch   mitid.CodeChannel
		life time.Duration
	}{
		{mitid.KindCodeDisplay, mitid.CodeByAppScan, 30 * time.Minute},
		{mitid.KindAudioReader, mitid.CodeOnPaper, 48 * time.Hour},
		{mitid.KindChip, mitid.CodeByAppScan, 30 * time.Minute},
		{mitid.KindChip, mitid.CodeOnPaper, 48 * time.Hour},
	} {
		for _, late := range []bool{false, true} {
			name := string(tc.kind) + "/" + string(tc.ch) + map[bool]string{false: "/one second before the end", true: "/at the end"}[late]
			t.Run(name, func(t *testing.T) {
				e := newLoginEnv(t, checkedStore(t))
				h := e.enrol(t, "kode.kant", mitid.LevelSubstantial)
				code, _, _, err := e.svc.IssueCode(e.ctx, h.user.ID, mitid.PurposeActivation, tc.ch)
				require.NoError(t, err)
				wait := tc.life - time.Second
				if late {
					wait = tc.life
				}
				e.clock.Advance(wait)
				var st mitid.State
				if tc.kind == mitid.KindChip {
					_, evs, err := e.svc.AddAuthenticator(e.ctx, h.user.ID, mitid.AuthenticatorRequest{Kind: mitid.KindChip, State: mitid.StatePendingActivation})
					require.NoError(t, err)
					id := evs[0].Authenticator
					sim, err := chiptest.NewSimulator(seeded(444))
					require.NoError(t, err)
					opts, sess, err := e.svc.BeginChipActivationWithCode(e.ctx, h.user.UserID, id, code)
					if late {
						assert.Equal(t, mitid.CodeActivationExpired, mitid.ErrorCode(err))
						assert.ErrorIs(t, err, mitid.ErrExpired)
						return
					}
					require.NoError(t, err)
					u, a := connectChip(t, e.env, sim, opts, sess, id)
					st = a.State
					assert.NotNil(t, activePassword(u), "the chip's activation creates the password")
				} else {
					id, dev := e.codeDevice(t, h.user.ID, tc.kind, mitid.StatePendingActivation)
					u, _, err := e.svc.ActivateWithCode(e.ctx, h.user.UserID, id, proofOf(t, dev, code))
					if late {
						assert.Equal(t, mitid.CodeActivationExpired, mitid.ErrorCode(err))
						return
					}
					require.NoError(t, err)
					a, err := u.Authenticator(id)
					require.NoError(t, err)
					st = a.State
				}
				assert.Equal(t, mitid.StateActive, st)
			})
		}
	}
}

// connectChip connects sim as chip id through the registration sess
// opened with opts, with the first password, and returns the person and
// the chip as the registration left them.
func connectChip(t *testing.T, e *env, sim *chiptest.Simulator, opts []byte, sess string, id uuid.UUID) (*mitid.User, *mitid.Authenticator) {
	t.Helper()
	resp, err := sim.Register(opts, origin)
	require.NoError(t, err)
	u, _, err := e.svc.FinishChipRegistration(e.ctx, sess, resp, mitid.ChipActivation{Password: password})
	require.NoError(t, err)
	a, err := u.Authenticator(id)
	require.NoError(t, err)
	return u, a
}

func activePassword(u *mitid.User) *mitid.Authenticator {
	for i := range u.Authenticators {
		if u.Authenticators[i].Kind == mitid.KindPassword && u.Authenticators[i].State == mitid.StateActive {
			return &u.Authenticators[i]
		}
	}
	return nil
}

// The device's own proof: the serial on its back and the code it shows.
// Either one wrong refuses the activation, and the activation code stays
// unused for the right attempt.
func TestActivateWithCode_CodeDeviceNeedsItsSerialAndItsCode(t *testing.T) {
	e := newLoginEnv(t, checkedStore(t))
	h := e.enrol(t, "serie.kode", mitid.LevelSubstantial)
	id, dev := e.codeDevice(t, h.user.ID, mitid.KindCodeDisplay, mitid.StatePendingActivation)
	code := e.paperCode(t, h.user.ID)

	p := proofOf(t, dev, code)
	p.Serial = "0000 0000 0000" // well-formed or not, it is not this device's
	_, _, err := e.svc.ActivateWithCode(e.ctx, h.user.UserID, id, p)
	assert.Equal(t, mitid.CodeSerialMismatch, mitid.ErrorCode(err))

	p = proofOf(t, dev, code)
	p.DeviceCode = wrongCode(p.DeviceCode)
	_, _, err = e.svc.ActivateWithCode(e.ctx, h.user.UserID, id, p)
	assert.Equal(t, mitid.CodeWrongCode, mitid.ErrorCode(err))

	p = proofOf(t, dev, code)
	p.DeviceCode = ""
	_, _, err = e.svc.ActivateWithCode(e.ctx, h.user.UserID, id, p)
	assert.Equal(t, mitid.CodeCodeMalformed, mitid.ErrorCode(err))
	assert.Equal(t, mitid.StatePendingActivation, stateOf(e.list(t, h.user.ID), id))

	_, _, err = e.svc.ActivateWithCode(e.ctx, h.user.UserID, id, proofOf(t, dev, code))
	require.NoError(t, err, "the activation code was not spent by the refused attempts")
	assert.Equal(t, mitid.StateActive, stateOf(e.list(t, h.user.ID), id))
}

// The same two checks when the person activates while logged in.
func TestActivateCodeDevice_NeedsItsSerialAndItsCode(t *testing.T) {
	e := newLoginEnv(t, checkedStore(t))
	h := e.enrol(t, "serie.login", mitid.LevelSubstantial, mitid.KindApp)
	id, dev := e.codeDevice(t, h.user.ID, mitid.KindAudioReader, mitid.StatePendingActivation)
	act := func(edit func(*mitid.CodeDeviceActivation)) error {
		c, err := dev.Code()
		require.NoError(t, err)
		a := mitid.CodeDeviceActivation{Serial: dev.Serial().String(), Code: c, Password: password,
			Login: e.complete(t, h, e.begin(t, h, mitid.LevelSubstantial)).ID}
		edit(&a)
		_, _, err = e.svc.ActivateCodeDevice(e.ctx, h.user.ID, id, a)
		return err
	}
	assert.Equal(t, mitid.CodeSerialMismatch, mitid.ErrorCode(act(func(a *mitid.CodeDeviceActivation) { a.Serial = "0000 0000 0000" })))
	assert.Equal(t, mitid.CodeWrongCode, mitid.ErrorCode(act(func(a *mitid.CodeDeviceActivation) { a.Code = wrongCode(a.Code) })))
	assert.Equal(t, mitid.CodeLoginInvalid, mitid.ErrorCode(act(func(a *mitid.CodeDeviceActivation) { a.Login = "" })))
	require.NoError(t, act(func(*mitid.CodeDeviceActivation) {}))
	assert.Equal(t, mitid.StateActive, stateOf(e.list(t, h.user.ID), id))
}

// TestActivateCodeDevice_AFaultBeforeTheChangeLeavesTheLogin: the login
// that proves who activates is used up only once the first password is
// made, so a server too busy to hash it, or a password the rules refuse,
// leaves it to activate with afterwards, once.
func TestActivateCodeDevice_AFaultBeforeTheChangeLeavesTheLogin(t *testing.T) {
	for _, tc := range []struct {
		name string
		// fault arms the fault, returns the password the refused call
		// gives, and, after it is made, undoes what it armed.
		fault func(e *loginEnv) (string, func())
		want  mitid.Code
	}{
		{"a server too busy to hash the password", func(e *loginEnv) (string, func()) { return password, mitid.HoldHashGate(e.svc) }, mitid.CodeBusy},
		{"a password the rules refuse", func(*loginEnv) (string, func()) { return "kort", func() {} }, mitid.CodePasswordInvalid},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newLoginEnv(t, checkedStore(t))
			h := e.enrol(t, "enhed.login", mitid.LevelSubstantial, mitid.KindApp)
			id, dev := e.codeDevice(t, h.user.ID, mitid.KindCodeDisplay, mitid.StatePendingActivation)
			login := e.complete(t, h, e.begin(t, h, mitid.LevelSubstantial)).ID
			act := func(pw string) error {
				c, err := dev.Code()
				require.NoError(t, err)
				_, _, err = e.svc.ActivateCodeDevice(e.ctx, h.user.ID, id, mitid.CodeDeviceActivation{Serial: dev.Serial().String(), Code: c, Password: pw, Login: login})
				return err
			}
			pw, undo := tc.fault(e)
			err := act(pw)
			undo()
			require.Equal(t, tc.want, mitid.ErrorCode(err))
			require.NoError(t, act(password), "the same login activates the device")
			assert.Equal(t, mitid.StateActive, stateOf(e.list(t, h.user.ID), id))
		})
	}
}

// A blocked MitID activates nothing and redeems no P-code, and the code
// is not spent by the refusal.
func TestActivateWithCode_BlockedMitIDIsRefused(t *testing.T) {
	e := newLoginEnv(t, checkedStore(t))
	h := e.enrol(t, "spærret", mitid.LevelSubstantial)
	id, dev := e.codeDevice(t, h.user.ID, mitid.KindCodeDisplay, mitid.StatePendingActivation)
	code := e.paperCode(t, h.user.ID)
	_, _, err := e.svc.BlockUser(e.ctx, h.user.ID, time.Time{}, "reported stolen")
	require.NoError(t, err)
	_, _, err = e.svc.ActivateWithCode(e.ctx, h.user.UserID, id, proofOf(t, dev, code))
	assert.Equal(t, mitid.CodeUserBlocked, mitid.ErrorCode(err))
	_, _, err = e.svc.UnblockUser(e.ctx, h.user.ID, "found")
	require.NoError(t, err)
	_, _, err = e.svc.ActivateWithCode(e.ctx, h.user.UserID, id, proofOf(t, dev, code))
	require.NoError(t, err)

	u, _, err := e.svc.CreateUser(e.ctx, mitid.UserRequest{UserID: "erika-blok", Document: &mitid.IdentityDocument{Country: "DEU", Number: "C01X00T99"},
		BirthDate: date(1985, 6, 1), IAL: mitid.LevelSubstantial, Email: "erika@example.de"})
	require.NoError(t, err)
	pcode, _, _, err := e.svc.IssueCode(e.ctx, u.ID, mitid.PurposePCode, mitid.CodeByAppScan)
	require.NoError(t, err)
	_, _, err = e.svc.BlockUser(e.ctx, u.ID, time.Time{}, "support")
	require.NoError(t, err)
	_, _, err = e.svc.RedeemPCode(e.ctx, "erika-blok", pcode)
	assert.Equal(t, mitid.CodeUserBlocked, mitid.ErrorCode(err))
	_, _, err = e.svc.UnblockUser(e.ctx, u.ID, "support")
	require.NoError(t, err)
	_, _, err = e.svc.RedeemPCode(e.ctx, "erika-blok", pcode)
	require.NoError(t, err)
}

func TestChangeUserID_NeverTheHoldersCPR(t *testing.T) {
	e := newEnv(t)
	u := e.anna(t) // CPR 010190-1234
	for _, id := range []string{"anna 010190-1234", "anna0101901234x", "x 0101 901234"} {
		_, _, err := e.svc.ChangeUserID(e.ctx, u.ID, id)
		assert.Equal(t, mitid.CodeUserIDInvalid, mitid.ErrorCode(err), id)
	}
	got, err := e.svc.User(e.ctx, u.ID)
	require.NoError(t, err)
	assert.Equal(t, "anna.hansen", got.UserID)
	// Someone else's CPR number in a user ID is no secret of Anna's.
	_, _, err = e.svc.ChangeUserID(e.ctx, u.ID, "anna 0202901234x")
	require.NoError(t, err)
}

func TestNoPublicPathActivatesWithoutProof(t *testing.T) {
	e := newLoginEnv(t, checkedStore(t))
	h := e.enrol(t, "uden.bevis", mitid.LevelSubstantial)
	_, evs, err := e.svc.AddAuthenticator(e.ctx, h.user.ID, mitid.AuthenticatorRequest{Kind: mitid.KindChip, State: mitid.StatePendingActivation})
	require.NoError(t, err)
	_, _, err = e.svc.BeginChipRegistration(e.ctx, h.user.ID, evs[0].Authenticator)
	assert.Equal(t, mitid.CodeActivationInvalid, mitid.ErrorCode(err), "a chip from the mailbox needs its activation code")
	_, _, err = e.svc.ActivateWithCode(e.ctx, h.user.UserID, evs[0].Authenticator, mitid.ActivationCodes{Code: e.paperCode(t, h.user.ID)})
	assert.Equal(t, mitid.CodeTransitionForbidden, mitid.ErrorCode(err), "a chip is connected with its code, not activated bare")
	_, _, err = e.svc.AddAuthenticator(e.ctx, h.user.ID, mitid.AuthenticatorRequest{Kind: mitid.KindApp, State: mitid.StateActive})
	assert.Equal(t, mitid.CodeTransitionForbidden, mitid.ErrorCode(err))
	_, _, err = e.svc.RequestAccess(e.ctx, h.user.ID, mitid.KindCodeDisplay, "x")
	assert.Equal(t, mitid.CodeTransitionForbidden, mitid.ErrorCode(err), "access is requested for a chip only")
	_, _, err = e.svc.RequestAccess(e.ctx, h.user.ID, mitid.KindApp, "x")
	assert.Equal(t, mitid.CodeTransitionForbidden, mitid.ErrorCode(err))
	for _, a := range e.list(t, h.user.ID) {
		assert.NotEqual(t, mitid.StateActive, a.State, a.Kind)
	}
}

// A used code leaves the record in the change that used it (its use is in
// the activity log); a use the change takes back keeps its code.
func TestActivateWithCode_UsedCodeLeavesTheRecord(t *testing.T) {
	env := mitidtest.New(t)
	p := env.Enrol(t, "used-codes", mitid.LevelSubstantial, mitid.KindCodeDisplay)
	for _, c := range p.User.Codes {
		assert.True(t, c.UsedAt.IsZero(), "a %s code used at enrolment is still on the record", c.Purpose)
	}
	log, err := env.Service.ActivityLog(t.Context(), p.User.ID, mitid.EventFilter{})
	require.NoError(t, err)
	assert.True(t, slices.ContainsFunc(log, func(e mitid.Event) bool { return e.Type == mitid.EventCodeUsed }), "the use is in the activity log")

	// An app whose temporary PIN is wrong: the activation code stays, unused.
	sim, err := apptest.NewSimulator(env.Rand(), mitidtest.AppPIN)
	require.NoError(t, err)
	_, evs, err := env.Service.AddApp(t.Context(), p.User.ID, "phone", sim.PublicKey())
	require.NoError(t, err)
	code, _, _, err := env.Service.IssueCode(t.Context(), p.User.ID, mitid.PurposeActivation, mitid.CodeByAppScan)
	require.NoError(t, err)
	_, _, _, err = env.Service.IssueCode(t.Context(), p.User.ID, mitid.PurposeTemporaryPIN, mitid.CodeBySMS)
	require.NoError(t, err)
	_, _, err = env.Service.ActivateWithCode(t.Context(), p.User.UserID, evs[0].Authenticator, mitid.ActivationCodes{Code: code, TemporaryPIN: "000000"})
	require.Error(t, err)
	u, err := env.Service.User(t.Context(), p.User.ID)
	require.NoError(t, err)
	live := 0
	for _, c := range u.Codes {
		if c.Purpose == mitid.PurposeActivation {
			assert.True(t, c.UsedAt.IsZero(), "the activation code's use was taken back")
			live++
		}
	}
	assert.Equal(t, 1, live, "the activation code is still there to use")
}

// TestBeginChipActivationWithCode_AFaultBetweenTheSessionAndTheCodeLeavesNothingHalfDone:
// a chip's activation by code opens its registration session and redeems
// the code, two writes. When either cannot be made, or the chip verifier
// cannot begin, the code is not spent (the same code connects the chip
// afterwards, and is used once), and no registration opened for it is
// left open.
func TestBeginChipActivationWithCode_AFaultBetweenTheSessionAndTheCodeLeavesNothingHalfDone(t *testing.T) {
	for _, tc := range []struct {
		name string
		// fault arms the fault and returns the Service that meets it.
		fault func(e *loginEnv, st *sessionFaultStore) *mitid.Service
		want  mitid.Code
		// opened is how many registrations the faulted call opened.
		opened int
	}{
		{"the session cannot be opened", func(e *loginEnv, st *sessionFaultStore) *mitid.Service {
			st.failCreate = true
			return e.svc
		}, mitid.CodeStoreUnavailable, 0},
		{"the chip verifier cannot begin", func(e *loginEnv, _ *sessionFaultStore) *mitid.Service {
			return e.twin(t, func(c *mitid.Config) { c.Chip = beginFails{c.Chip} }).svc
		}, mitid.CodeConfigInvalid, 0},
		{"the code cannot be redeemed", func(e *loginEnv, st *sessionFaultStore) *mitid.Service {
			st.failUser = true
			return e.svc
		}, mitid.CodeStoreUnavailable, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			st := &sessionFaultStore{Store: checkedStore(t)}
			e := newLoginEnv(t, st)
			h := e.enrol(t, "chip.kode", mitid.LevelSubstantial)
			_, evs, err := e.svc.AddAuthenticator(e.ctx, h.user.ID, mitid.AuthenticatorRequest{Kind: mitid.KindChip, State: mitid.StatePendingActivation})
			require.NoError(t, err)
			id := evs[0].Authenticator
			code := e.paperCode(t, h.user.ID)
			used := func() int {
				log, err := e.svc.ActivityLog(e.ctx, h.user.ID, mitid.EventFilter{Types: []mitid.EventType{mitid.EventCodeUsed}})
				require.NoError(t, err)
				return len(log)
			}
			before := used()
			st.created = nil

			_, _, err = tc.fault(e, st).BeginChipActivationWithCode(e.ctx, h.user.UserID, id, code)
			require.Equal(t, tc.want, mitid.ErrorCode(err))
			assert.Equal(t, before, used(), "the code is not spent")
			require.Len(t, st.created, tc.opened)
			for _, sess := range st.created {
				_, err := st.Session(e.ctx, sess, e.clock.Now())
				assert.ErrorIs(t, err, mitid.ErrReplay, "a registration opened for a code not redeemed is closed")
			}

			st.created = nil
			sim, err := chiptest.NewSimulator(seeded(445))
			require.NoError(t, err)
			opts, sess, err := e.svc.BeginChipActivationWithCode(e.ctx, h.user.UserID, id, code)
			require.NoError(t, err, "the same code connects the chip")
			_, a := connectChip(t, e.env, sim, opts, sess, id)
			assert.Equal(t, mitid.StateActive, a.State)
			assert.Equal(t, before+1, used(), "and is used once")
		})
	}
}

// TestBeginChipActivationWithCode_OnlyACodeThatWouldBeRedeemedOpensASession:
// a chip's registration is opened before its code is redeemed, but only
// for a code that matches, and only once nothing the redemption refuses
// before comparing refuses it: a stranger's wrong code costs the store no
// session, nor is a code compared past the account's budget or on a
// blocked MitID. Each is refused as before.
func TestBeginChipActivationWithCode_OnlyACodeThatWouldBeRedeemedOpensASession(t *testing.T) {
	for _, tc := range []struct {
		name string
		// ready readies the person, whose chip is chip and code code, and
		// returns the code to type.
		ready func(t *testing.T, e *loginEnv, h *holder, chip uuid.UUID, code string) string
		want  mitid.Code
	}{
		{"a wrong code", func(*testing.T, *loginEnv, *holder, uuid.UUID, string) string { return "AAAA-AAAA" }, mitid.CodeWrongActivationCode},
		{"the right code past the budget", func(t *testing.T, e *loginEnv, h *holder, chip uuid.UUID, code string) string {
			_, _, err := e.svc.BeginChipActivationWithCode(e.ctx, h.user.UserID, chip, "AAAA-AAAA")
			require.Equal(t, mitid.CodeWrongActivationCode, mitid.ErrorCode(err), "the one wrong guess a stranger has")
			return code
		}, mitid.CodeAttemptsExhausted},
		{"the right code for a blocked MitID", func(t *testing.T, e *loginEnv, h *holder, _ uuid.UUID, code string) string {
			_, _, err := e.svc.BlockUser(e.ctx, h.user.ID, time.Time{}, "fraud")
			require.NoError(t, err)
			return code
		}, mitid.CodeUserBlocked},
	} {
		t.Run(tc.name, func(t *testing.T) {
			st := &sessionFaultStore{Store: checkedStore(t)}
			e := newLoginEnv(t, st).twin(t, func(c *mitid.Config) {
				p := *c.Policy
				p.MaxConsecutiveFailures, p.PossessionReserve = 11, 10 // a stranger's budget is one wrong guess
				c.Policy = &p
			})
			h := e.enrol(t, "chip.forkert", mitid.LevelSubstantial)
			_, evs, err := e.svc.AddAuthenticator(e.ctx, h.user.ID, mitid.AuthenticatorRequest{Kind: mitid.KindChip, State: mitid.StatePendingActivation})
			require.NoError(t, err)
			typed := tc.ready(t, e, h, evs[0].Authenticator, e.paperCode(t, h.user.ID))
			st.created = nil
			_, _, err = e.svc.BeginChipActivationWithCode(e.ctx, h.user.UserID, evs[0].Authenticator, typed)
			require.Equal(t, tc.want, mitid.ErrorCode(err))
			assert.Empty(t, st.created, "no session")
		})
	}
}

// TestBeginChipActivationWithCode_ACodeIssuedAfterTheReadIsNotSpentWithoutASession:
// a code that did not match the person as read, and matches at the
// redemption (issued in between), opened no session, and is not redeemed
// without one: the call is refused as a concurrent change, nothing
// committed, and the code connects the chip when tried again.
func TestBeginChipActivationWithCode_ACodeIssuedAfterTheReadIsNotSpentWithoutASession(t *testing.T) {
	st := &staleFindStore{sessionFaultStore: &sessionFaultStore{Store: checkedStore(t)}}
	e := newLoginEnv(t, st)
	h := e.enrol(t, "chip.ny.kode", mitid.LevelSubstantial)
	_, evs, err := e.svc.AddAuthenticator(e.ctx, h.user.ID, mitid.AuthenticatorRequest{Kind: mitid.KindChip, State: mitid.StatePendingActivation})
	require.NoError(t, err)
	id := evs[0].Authenticator
	st.stale, err = st.User(e.ctx, h.user.ID) // read before the code is issued
	require.NoError(t, err)
	code := e.paperCode(t, h.user.ID)
	st.created = nil

	_, _, err = e.svc.BeginChipActivationWithCode(e.ctx, h.user.UserID, id, code)
	require.Equal(t, mitid.CodeConcurrentUpdate, mitid.ErrorCode(err))
	assert.Empty(t, st.created, "no session")
	log, err := e.svc.ActivityLog(e.ctx, h.user.ID, mitid.EventFilter{Types: []mitid.EventType{mitid.EventCodeUsed}})
	require.NoError(t, err)
	assert.Empty(t, log, "the code is not spent")
	_, _, err = e.svc.BeginChipActivationWithCode(e.ctx, h.user.UserID, id, code)
	require.NoError(t, err, "tried again, the code opens the registration")
}

// staleFindStore answers the next FindUser, once, with the user stale,
// as read before a change the caller has not seen.
type staleFindStore struct {
	*sessionFaultStore
	stale *mitid.User
}

func (f *staleFindStore) FindUser(ctx context.Context, key mitid.UniqueKey) (*mitid.User, error) {
	if u := f.stale; u != nil {
		f.stale = nil
		return u, nil
	}
	return f.sessionFaultStore.FindUser(ctx, key)
}

// TestFinishChipRegistration_AFaultBeforeTheChipAnswersLeavesTheRegistrationOpen:
// a chip's registration is used up (its session consumed) before the
// browser's answer is verified, so an answer is accepted once; whatever
// fails before that, and needs no answer, leaves it open: a server too busy
// to hash the new password, a password the rules refuse, a store that
// cannot be read, a step B without a login. The same answer then connects
// the chip, once; a registration opened with an activation code does not
// cost the person the code.
func TestFinishChipRegistration_AFaultBeforeTheChipAnswersLeavesTheRegistrationOpen(t *testing.T) {
	for _, tc := range []struct {
		name string
		// stepB opens the registration after an access request and its
		// wait, not with an activation code.
		stepB bool
		// fault arms the fault, returns what the refused call gives, and
		// after it is made, undoes what it armed.
		fault func(e *loginEnv, st *readFaultStore) (mitid.ChipActivation, func())
		want  mitid.Code
	}{
		{"a server too busy to hash the password", false, func(e *loginEnv, _ *readFaultStore) (mitid.ChipActivation, func()) {
			return mitid.ChipActivation{Password: password}, mitid.HoldHashGate(e.svc)
		}, mitid.CodeBusy},
		{"a password the rules refuse", false, func(*loginEnv, *readFaultStore) (mitid.ChipActivation, func()) {
			return mitid.ChipActivation{Password: "kort"}, func() {}
		}, mitid.CodePasswordInvalid},
		{"a store that cannot be read", false, func(_ *loginEnv, st *readFaultStore) (mitid.ChipActivation, func()) {
			st.failRead = true
			return mitid.ChipActivation{Password: password}, func() {}
		}, mitid.CodeStoreUnavailable},
		{"step B without a login", true, func(*loginEnv, *readFaultStore) (mitid.ChipActivation, func()) {
			return mitid.ChipActivation{Password: password}, func() {}
		}, mitid.CodeLoginInvalid},
	} {
		t.Run(tc.name, func(t *testing.T) {
			st := &readFaultStore{sessionFaultStore: &sessionFaultStore{Store: checkedStore(t)}}
			e := newLoginEnv(t, st)
			h := e.enrol(t, "chip.aaben", mitid.LevelSubstantial, mitid.KindApp)
			var id uuid.UUID
			var opts []byte
			var sess string
			good := mitid.ChipActivation{Password: password}
			if tc.stepB {
				_, evs, err := e.svc.RequestAccess(e.ctx, h.user.ID, mitid.KindChip, "chip")
				require.NoError(t, err)
				id = evs[0].Authenticator
				e.clock.Advance(24 * time.Hour)
				opts, sess, err = e.svc.BeginChipRegistration(e.ctx, h.user.ID, id)
				require.NoError(t, err)
			} else {
				_, evs, err := e.svc.AddAuthenticator(e.ctx, h.user.ID, mitid.AuthenticatorRequest{Kind: mitid.KindChip, State: mitid.StatePendingActivation})
				require.NoError(t, err)
				id = evs[0].Authenticator
				opts, sess, err = e.svc.BeginChipActivationWithCode(e.ctx, h.user.UserID, id, e.paperCode(t, h.user.ID))
				require.NoError(t, err)
			}
			sim, err := chiptest.NewSimulator(seeded(446))
			require.NoError(t, err)
			resp, err := sim.Register(opts, origin)
			require.NoError(t, err)

			act, undo := tc.fault(e, st)
			_, _, err = e.svc.FinishChipRegistration(e.ctx, sess, resp, act)
			undo()
			require.Equal(t, tc.want, mitid.ErrorCode(err))

			if tc.stepB {
				good.Login = e.complete(t, h, e.begin(t, h, mitid.LevelSubstantial)).ID
			}
			u, _, err := e.svc.FinishChipRegistration(e.ctx, sess, resp, good)
			require.NoError(t, err, "the registration is still open, and the same answer connects the chip")
			a, err := u.Authenticator(id)
			require.NoError(t, err)
			assert.Equal(t, mitid.StateActive, a.State)
			_, _, err = e.svc.FinishChipRegistration(e.ctx, sess, resp, good)
			assert.ErrorIs(t, err, mitid.ErrReplay, "once")
		})
	}
}

// readFaultStore fails the next read of a user by its ID once, when
// failRead is set.
type readFaultStore struct {
	*sessionFaultStore
	failRead bool
}

func (f *readFaultStore) User(ctx context.Context, id uuid.UUID) (*mitid.User, error) {
	if f.failRead {
		f.failRead = false
		return nil, errInjected
	}
	return f.sessionFaultStore.User(ctx, id)
}

// beginFails is a chip verifier that cannot begin a registration.
type beginFails struct{ mitid.ChipVerifier }

func (beginFails) BeginRegistration(credential.User, []credential.Credential) ([]byte, credential.Challenge, error) {
	return nil, credential.Challenge{}, errors.New("the verifier cannot begin")
}

// TestActivateCodeDevice_ALoginThatCannotBeUsedUpRunsNoArgon2id: a login
// that proving would refuse without using it up (its MitID blocked since,
// or its app suspended since) is refused before the first password is
// hashed, so it cannot be used to run argon2id again and again: with the
// server's whole argon2id budget held, the answer is the refusal, not
// busy, every time. (A finished login proves itself whatever its
// authenticators' state since, and is used up then: one hash a login.)
func TestActivateCodeDevice_ALoginThatCannotBeUsedUpRunsNoArgon2id(t *testing.T) {
	for _, tc := range []struct {
		name     string
		close    func(e *loginEnv, h *holder)
		want     mitid.Code
		finished []bool
	}{
		{"its MitID blocked since", func(e *loginEnv, h *holder) {
			_, _, err := e.svc.BlockUser(e.ctx, h.user.ID, time.Time{}, "stolen phone")
			require.NoError(t, err)
		}, mitid.CodeUserBlocked, []bool{false, true}},
		{"its app suspended since", func(e *loginEnv, h *holder) {
			_, _, err := e.svc.SuspendAuthenticator(e.ctx, h.user.ID, h.appID, e.clock.Now().Add(24*time.Hour), "lost phone")
			require.NoError(t, err)
		}, mitid.CodeAuthenticatorSuspended, []bool{false}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			for _, finished := range tc.finished {
				e := newLoginEnv(t, checkedStore(t))
				h := e.enrol(t, "enhed.lukket", mitid.LevelSubstantial, mitid.KindApp)
				id, dev := e.codeDevice(t, h.user.ID, mitid.KindCodeDisplay, mitid.StatePendingActivation)
				l := e.complete(t, h, e.begin(t, h, mitid.LevelSubstantial))
				if finished {
					_, err := e.svc.FinishLogin(e.ctx, l.ID)
					require.NoError(t, err)
				}
				tc.close(e, h)
				release := mitid.HoldHashGate(e.svc)
				for range 3 {
					c, err := dev.Code()
					require.NoError(t, err)
					_, _, err = e.svc.ActivateCodeDevice(e.ctx, h.user.ID, id, mitid.CodeDeviceActivation{Serial: dev.Serial().String(), Code: c, Password: password, Login: l.ID})
					require.Equal(t, tc.want, mitid.ErrorCode(err), "finished %v", finished)
				}
				release()
			}
		})
	}
}
