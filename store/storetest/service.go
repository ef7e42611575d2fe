package storetest

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/go-mitid/mitid"
	"github.com/go-mitid/mitid/chip"
	"github.com/go-mitid/mitid/chip/chiptest"
	"github.com/go-mitid/mitid/codedisplay"
	"github.com/go-mitid/mitid/codedisplay/codedisplaytest"
	"github.com/go-mitid/mitid/mitidtest/fake"
)

// Contention through the Service: the rules of a login hold on this store
// when many requests race. Each test uses 100 goroutines.

const racers = 100

// serviceTests are run by Run with the store tests.
var serviceTests = []suiteTest{
	{"Service/SameValidCodeAcceptedOnce", testServiceSameCode},
	{"Service/ConcurrentWrongCodesComparedOnlyUntilTheSuspension", testServiceWrongCodes},
	{"Service/ConcurrentWrongCodesComparedOnlyWithinTheBudget", testServiceWrongCodesBudget},
	{"Service/ChipAssertionSubmittedTwiceSucceedsOnce", testServiceChipTwice},
}

const serviceOrigin = "https://mitid.example"
const servicePassword = "korrekt hest batteri"

// seededRand is the kit's seeded random source, safe for concurrent use.
func seededRand(n byte) io.Reader { return fake.Rand(uint64(n)) }

// newService builds a Service on s with a chip verifier, a fixed clock and
// argon2 parameters a test can afford.
func newService(t *testing.T, s mitid.Store, tweak ...func(*mitid.Policy)) (*mitid.Service, *fake.Clock) {
	t.Helper()
	clk := fake.NewClock(t0)
	keys, err := mitid.NewRandomKeyRing(seededRand(1))
	require.NoError(t, err)
	cv, err := chip.New(chip.Config{RPID: "mitid.example", RPName: "MitID", Origins: []string{serviceOrigin}, Now: clk.Now, Rand: seededRand(2)})
	require.NoError(t, err)
	p := mitid.DefaultPolicy()
	p.Argon2 = mitid.Argon2Params{Time: 1, Memory: 64, Threads: 1, KeyLen: 32, SaltLen: 16}
	for _, f := range tweak {
		f(&p)
	}
	svc, err := mitid.New(mitid.Config{Store: s, Keys: keys, Clock: clk, Rand: seededRand(3), Policy: &p, Chip: cv})
	require.NoError(t, err)
	return svc, clk
}

// enrolCodeDisplay creates a user with an active code display and password.
func enrolCodeDisplay(t *testing.T, svc *mitid.Service, clk *fake.Clock) (*mitid.User, *codedisplaytest.Device) {
	t.Helper()
	ctx := context.Background()
	u, _, err := svc.CreateUser(ctx, mitid.UserRequest{Email: "holder@example.dk", UserID: uniqueName("kode"), CPR: fmt.Sprintf("020280-%04d", seq.Add(1)%10000), IAL: mitid.LevelSubstantial})
	require.NoError(t, err)
	dev, err := codedisplaytest.Manufacture(seededRand(4), codedisplay.MitIDParams(), clk.Now)
	require.NoError(t, err)
	_, evs, err := svc.AddCodeDevice(ctx, u.ID, mitid.CodeDeviceRequest{Kind: mitid.KindCodeDisplay, Serial: dev.Serial().String(), Seed: dev.Seed(), State: mitid.StatePendingActivation})
	require.NoError(t, err)
	code, err := dev.Code()
	require.NoError(t, err)
	paper, _, _, err := svc.IssueCode(ctx, u.ID, mitid.PurposeActivation, mitid.CodeOnPaper)
	require.NoError(t, err)
	_, _, err = svc.ActivateWithCode(ctx, u.UserID, evs[0].Authenticator, mitid.ActivationCodes{Code: paper, Serial: dev.Serial().String(), DeviceCode: code, Password: servicePassword})
	require.NoError(t, err)
	clk.Advance(30 * time.Second) // the activation's step is spent
	return u, dev
}

// beginLogins starts n logins for u.
func beginLogins(t *testing.T, svc *mitid.Service, u *mitid.User, n int) []*mitid.Login {
	t.Helper()
	logins := make([]*mitid.Login, n)
	for i := range logins {
		l, err := svc.BeginLogin(context.Background(), mitid.LoginRequest{UserID: u.UserID, Action: mitid.ActionLogOn, Text: "Log på", Level: mitid.LevelSubstantial})
		require.NoError(t, err)
		logins[i] = l
	}
	return logins
}

func testServiceSameCode(t *testing.T, s mitid.Store) {
	svc, clk := newService(t, s)
	u, dev := enrolCodeDisplay(t, svc, clk)
	logins := beginLogins(t, svc, u, racers)
	code, err := dev.Code()
	require.NoError(t, err)
	var ok, refused atomic.Int64
	parallel(racers, func(i int) {
		_, err := svc.SubmitCode(context.Background(), logins[i].ID, code)
		switch {
		case err == nil:
			ok.Add(1)
		case errors.Is(err, mitid.ErrReplay) || errors.Is(err, mitid.ErrLocked):
			refused.Add(1)
		default:
			t.Error(err)
		}
	})
	assert.Equal(t, int64(1), ok.Load(), "a code is accepted once (RFC 6238 §5.2)")
	assert.Equal(t, int64(racers-1), refused.Load())
}

// guessers is how many concurrent wrong guesses the throttling tests make.
const guessers = 200

// concurrentWrongCodes makes guessers concurrent wrong guesses at u's code
// display, one login each, and returns how many were refused with which
// code.
func concurrentWrongCodes(t *testing.T, svc *mitid.Service, u *mitid.User, dev *codedisplaytest.Device) map[mitid.Code]int {
	t.Helper()
	logins := beginLogins(t, svc, u, guessers)
	right, err := dev.Code()
	require.NoError(t, err)
	wrong := "000000"
	if right == wrong {
		wrong = "111111"
	}
	var mu sync.Mutex
	codes := map[mitid.Code]int{}
	parallel(guessers, func(i int) {
		_, err := svc.SubmitCode(context.Background(), logins[i].ID, wrong)
		if err == nil {
			t.Error("a wrong code was accepted")
		}
		mu.Lock()
		codes[mitid.ErrorCode(err)]++
		mu.Unlock()
	})
	return codes
}

// testServiceWrongCodes: of 200 concurrent wrong codes, exactly the three
// before the suspension are compared and counted; the rest meet a
// suspended device and count nothing.
func testServiceWrongCodes(t *testing.T, s mitid.Store) {
	svc, clk := newService(t, s)
	u, dev := enrolCodeDisplay(t, svc, clk)
	codes := concurrentWrongCodes(t, svc, u, dev)
	limit := svc.Policy().WrongCodeLimit
	assert.Equal(t, map[mitid.Code]int{mitid.CodeWrongCode: limit, mitid.CodeAuthenticatorSuspended: guessers - limit}, codes)
	got, err := svc.User(context.Background(), u.ID)
	require.NoError(t, err)
	assert.Equal(t, limit, got.Failures, "every comparison counted once, nothing else")
	evs, err := s.Events(context.Background(), mitid.EventFilter{User: u.ID, Types: []mitid.EventType{mitid.EventAuthenticatorFailed}})
	require.NoError(t, err)
	assert.Len(t, evs, limit)
	for _, a := range got.Authenticators {
		if a.Kind == mitid.KindCodeDisplay {
			assert.Equal(t, mitid.StateSuspended, a.State, "three wrong codes suspended the device")
		}
	}
	assert.Equal(t, mitid.UserActive, got.Status, "wrong codes never block the MitID")
}

// testServiceWrongCodesBudget: with no suspension in the way, 200
// concurrent wrong codes get exactly a stranger's share of the account's
// budget compared (90 of 100); the rest are refused and count nothing.
func testServiceWrongCodesBudget(t *testing.T, s mitid.Store) {
	svc, clk := newService(t, s, func(p *mitid.Policy) { p.WrongCodeLimit = 1000 })
	u, dev := enrolCodeDisplay(t, svc, clk)
	codes := concurrentWrongCodes(t, svc, u, dev)
	share := svc.Policy().WorstCase().ByStranger
	assert.Equal(t, map[mitid.Code]int{mitid.CodeWrongCode: share, mitid.CodeAttemptsExhausted: guessers - share}, codes)
	got, err := svc.User(context.Background(), u.ID)
	require.NoError(t, err)
	assert.Equal(t, share, got.Failures)
	evs, err := s.Events(context.Background(), mitid.EventFilter{User: u.ID, Types: []mitid.EventType{mitid.EventAuthenticatorFailed}})
	require.NoError(t, err)
	assert.Len(t, evs, share)
}

func testServiceChipTwice(t *testing.T, s mitid.Store) {
	svc, _ := newService(t, s)
	ctx := context.Background()
	u, _, err := svc.CreateUser(ctx, mitid.UserRequest{Email: "holder@example.dk", UserID: uniqueName("chip"), CPR: fmt.Sprintf("030380-%04d", seq.Add(1)%10000), IAL: mitid.LevelSubstantial})
	require.NoError(t, err)
	sim, err := chiptest.NewSimulator(seededRand(5))
	require.NoError(t, err)
	_, evs, err := svc.AddAuthenticator(ctx, u.ID, mitid.AuthenticatorRequest{Kind: mitid.KindChip, State: mitid.StatePendingActivation})
	require.NoError(t, err)
	paper, _, _, err := svc.IssueCode(ctx, u.ID, mitid.PurposeActivation, mitid.CodeOnPaper)
	require.NoError(t, err)
	opts, sess, err := svc.BeginChipActivationWithCode(ctx, u.UserID, evs[0].Authenticator, paper)
	require.NoError(t, err)
	reg, err := sim.Register(opts, serviceOrigin)
	require.NoError(t, err)
	_, _, err = svc.FinishChipRegistration(ctx, sess, reg, mitid.ChipActivation{Password: servicePassword})
	require.NoError(t, err)

	l := beginLogins(t, svc, u, 1)[0]
	l, err = svc.SubmitPassword(ctx, l.ID, servicePassword)
	require.NoError(t, err)
	resp, err := sim.Login(l.ChipOptions, serviceOrigin)
	require.NoError(t, err)
	var ok atomic.Int64
	parallel(2, func(int) {
		if _, err := svc.SubmitChip(ctx, l.ID, resp); err == nil {
			ok.Add(1)
		} else if mitid.ErrorCode(err) == mitid.CodeSuspectedClone {
			t.Error("a resubmitted assertion was taken for a clone")
		}
	})
	assert.Equal(t, int64(1), ok.Load(), "one assertion, one success")
	got, err := svc.User(ctx, u.ID)
	require.NoError(t, err)
	for _, a := range got.Authenticators {
		if a.Kind == mitid.KindChip {
			assert.Equal(t, mitid.StateActive, a.State)
			assert.Equal(t, sim.Counter(), a.Chip.SignCount, "the exact counter of the assertion is stored")
		}
	}
	res, err := svc.FinishLogin(ctx, l.ID)
	require.NoError(t, err)
	assert.Equal(t, mitid.LevelSubstantial, res.LoA)
}
