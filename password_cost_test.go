package mitid_test

import (
	"crypto/rand"
	"io"
	"runtime"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/crypto/argon2"

	"github.com/go-mitid/mitid"
	"github.com/go-mitid/mitid/codedisplay/codedisplaytest"
	"github.com/go-mitid/mitid/store/memory"
	"github.com/go-mitid/mitid/weakpassword"
)

// heavyArgon2 is argon2id at 32 MiB: enough that a run shows plainly in
// the bytes a call allocates.
var heavyArgon2 = mitid.Argon2Params{Time: 1, Memory: 32 * 1024, Threads: 1, KeyLen: 32, SaltLen: 16}

// atSuspendedPassword enrols a code display holder with a heavy password
// hash, suspends the password with three wrong entries, and returns a login
// waiting for the password.
func atSuspendedPassword(tb testing.TB) (*loginEnv, *holder, *mitid.Login) {
	tb.Helper()
	e := newLoginEnv(tb, memory.New())
	e.withPolicy(tb, func(p *mitid.Policy) { p.Argon2 = heavyArgon2 })
	h := e.enrol(tb, "heavy-"+time.Now().Format("150405.000000000"), mitid.LevelSubstantial, mitid.KindCodeDisplay)
	l := e.begin(tb, h, mitid.LevelSubstantial)
	l, err := e.svc.SubmitCode(e.ctx, l.ID, h.code(tb))
	require.NoError(tb, err)
	for i := 0; i < 3; i++ {
		_, err = e.svc.SubmitPassword(e.ctx, l.ID, "not the password")
		require.Equal(tb, mitid.CodeWrongPassword, mitid.ErrorCode(err))
	}
	_, err = e.svc.SubmitPassword(e.ctx, l.ID, password)
	require.Equal(tb, mitid.CodeAuthenticatorSuspended, mitid.ErrorCode(err))
	return e, h, l
}

// withPolicy replaces e's Service by one on the same store and clock whose
// policy is changed by tweak.
func (e *env) withPolicy(tb testing.TB, tweak func(*mitid.Policy)) {
	tb.Helper()
	p := e.svc.Policy()
	tweak(&p)
	svc, err := mitid.New(mitid.Config{Store: e.svc.Store(), Keys: mustKeys(tb), Clock: e.clock, Rand: seeded(int(seqN.Add(1)) + 80000), Policy: &p})
	require.NoError(tb, err)
	e.svc = svc
}

func mustKeys(tb testing.TB) *mitid.KeyRing {
	k, err := mitid.NewRandomKeyRing(seeded(1))
	require.NoError(tb, err)
	return k
}

// allocated returns the bytes f allocates.
func allocated(f func()) uint64 {
	// The list of common passwords is built at its first use (about 1.7
	// MB): built before, so that a call that checks a new password's
	// strength is not charged with it whichever test runs first.
	_ = weakpassword.Check("warm up")
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	f()
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc
}

// TestPassword_NoArgon2idForAnAttemptThatWouldBeRefused: a password typed at
// a suspended password is refused before argon2id runs, so it costs
// kilobytes, not the hash's 32 MiB.
func TestPassword_NoArgon2idForAnAttemptThatWouldBeRefused(t *testing.T) {
	e, h, l := atSuspendedPassword(t)
	refused := allocated(func() {
		_, err := e.svc.SubmitPassword(e.ctx, l.ID, password)
		require.Equal(t, mitid.CodeAuthenticatorSuspended, mitid.ErrorCode(err))
	})
	assert.Less(t, refused, uint64(1<<20), "a refused attempt allocated %d bytes", refused)

	e.clock.Advance(15 * time.Minute)
	l = e.begin(t, h, mitid.LevelSubstantial)
	l, err := e.svc.SubmitCode(e.ctx, l.ID, h.code(t))
	require.NoError(t, err)
	checked := allocated(func() {
		_, err := e.svc.SubmitPassword(e.ctx, l.ID, "still not the password")
		require.Equal(t, mitid.CodeWrongPassword, mitid.ErrorCode(err))
	})
	assert.Greater(t, checked, uint64(heavyArgon2.Memory)<<10, "the measure sees an argon2id run (%d bytes)", checked)
}

// BenchmarkPasswordAtSuspendedPassword64 is 64 concurrent password
// submissions at a suspended password (the attack that took 2.1 GB and 34 s
// of CPU for 32 requests); compare B/op and ns/op with
// BenchmarkRawArgon2idDefaultPolicy, one hash at MitID's parameters.
func BenchmarkPasswordAtSuspendedPassword64(b *testing.B) {
	e, _, l := atSuspendedPassword(b)
	b.SetParallelism(64 / runtime.GOMAXPROCS(0))
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := e.svc.SubmitPassword(e.ctx, l.ID, password); mitid.ErrorCode(err) != mitid.CodeAuthenticatorSuspended {
				b.Error(err)
			}
		}
	})
}

// BenchmarkRawArgon2idDefaultPolicy is one argon2id hash at MitID's default
// parameters.
func BenchmarkRawArgon2idDefaultPolicy(b *testing.B) {
	a := mitid.DefaultPolicy().Argon2
	salt := make([]byte, a.SaltLen)
	_, _ = rand.Read(salt)
	b.ReportAllocs()
	for b.Loop() {
		argon2.IDKey([]byte(password), salt, a.Time, a.Memory, a.Threads, a.KeyLen)
	}
}

// TestPasswordChanges_NoArgon2idForWhatWouldBeRefused: a change after the
// wait with a made-up login, and a first password for a person who has one,
// are refused before argon2id runs: a stranger who knows the person's ID
// costs the server a read, and cannot fill the argon2id budget the logins'
// passwords need.
func TestPasswordChanges_NoArgon2idForWhatWouldBeRefused(t *testing.T) {
	e := newLoginEnv(t, memory.New())
	e.withPolicy(t, func(p *mitid.Policy) { p.Argon2 = heavyArgon2 })
	h := e.enrol(t, "change-after-wait", mitid.LevelSubstantial, mitid.KindCodeDisplay)
	_, evs, err := e.svc.RequestPasswordChange(e.ctx, h.user.ID, e.loggedIn(t, h))
	require.NoError(t, err)
	e.clock.Set(evs[0].Until)
	cost := allocated(func() {
		_, _, err := e.svc.ChangePasswordAfterWait(e.ctx, h.user.ID, "not-a-login", "a new strong passphrase")
		assert.Equal(t, mitid.CodeSessionNotFound, mitid.ErrorCode(err), "%v", err)
	})
	assert.Less(t, cost, uint64(1<<20), "a made-up login refused before argon2id (%d bytes)", cost)
	cost = allocated(func() {
		_, _, err := e.svc.SetPassword(e.ctx, h.user.ID, "a new strong passphrase")
		assert.Equal(t, mitid.CodeTransitionForbidden, mitid.ErrorCode(err), "%v", err)
	})
	assert.Less(t, cost, uint64(1<<20), "a second password refused before argon2id (%d bytes)", cost)
}

// TestChangePassword_NoArgon2idWithoutTheLoginOrOnceTheBudgetIsSpent: a
// password change is the person's, logged in: a made-up login, another
// person's or one not complete is refused before argon2id runs, so a
// stranger who knows the person's ID reaches neither the password nor the
// server's CPU; and the person's own wrong current passwords draw on the
// budget a password after another factor has, and once that is spent the
// change is refused before argon2id too.
func TestChangePassword_NoArgon2idWithoutTheLoginOrOnceTheBudgetIsSpent(t *testing.T) {
	e := newLoginEnv(t, memory.New())
	e.withPolicy(t, func(p *mitid.Policy) {
		p.Argon2, p.WrongCodeLimit, p.MaxConsecutiveFailures, p.PossessionReserve = heavyArgon2, 10, 4, 1
	})
	h := e.enrol(t, "change-budget", mitid.LevelSubstantial, mitid.KindCodeDisplay)
	other := e.enrol(t, "change-budget-other", mitid.LevelSubstantial, mitid.KindCodeDisplay)
	for _, tc := range []struct {
		name, login string
		want        mitid.Code
	}{
		{"no login", "", mitid.CodeLoginInvalid},
		{"a made-up login", "not-a-login", mitid.CodeSessionNotFound},
		{"another person's login", e.loggedIn(t, other), mitid.CodeIdentificationFailed},
		{"a login not complete", e.begin(t, h, mitid.LevelSubstantial).ID, mitid.CodeLoginOrder},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cost := allocated(func() {
				_, _, err := e.svc.ChangePassword(e.ctx, h.user.ID, tc.login, password, "a new strong passphrase")
				assert.Equal(t, tc.want, mitid.ErrorCode(err), "%v", err)
			})
			assert.Less(t, cost, uint64(1<<20), "refused before argon2id (%d bytes)", cost)
		})
	}
	u, err := e.svc.User(e.ctx, h.user.ID)
	require.NoError(t, err)
	assert.Zero(t, u.Failures, "nothing counted")

	login := e.loggedIn(t, h)
	for i := 0; i < 4; i++ {
		_, _, err := e.svc.ChangePassword(e.ctx, h.user.ID, login, "not the password", "a new strong passphrase")
		require.Equal(t, mitid.CodeWrongPassword, mitid.ErrorCode(err), "wrong current password %d, the login kept", i+1)
	}
	cost := allocated(func() {
		_, _, err := e.svc.ChangePassword(e.ctx, h.user.ID, login, password, "a new strong passphrase")
		require.Equal(t, mitid.CodeAttemptsExhausted, mitid.ErrorCode(err))
	})
	assert.Less(t, cost, uint64(1<<20), "refused before argon2id (%d bytes)", cost)
}

// TestActivateWithCode_NoArgon2idForAnAttemptThatWouldBeRefused: anyone who
// knows a user ID can try to activate a pending code display with a
// password; argon2id runs only once every code is right, so a stranger's
// flood costs kilobytes.
func TestActivateWithCode_NoArgon2idForAnAttemptThatWouldBeRefused(t *testing.T) {
	e := newLoginEnv(t, memory.New())
	e.withPolicy(t, func(p *mitid.Policy) { p.Argon2 = heavyArgon2 })
	u, dev, display := e.pendingDisplay(t, "activation-flood")
	serial := "5720000019"
	try := func() (uint64, error) {
		var err error
		n := allocated(func() {
			_, _, err = e.svc.ActivateWithCode(e.ctx, u.UserID, dev, mitid.ActivationCodes{Code: "AAAA-AAAA", Serial: serial, DeviceCode: "123456", Password: "a long new passphrase"})
		})
		return n, err
	}
	cost, err := try()
	assert.Equal(t, mitid.CodeActivationInvalid, mitid.ErrorCode(err), "no code issued yet")
	assert.Less(t, cost, uint64(1<<20), "no argon2id without a code that could be right (%d bytes)", cost)

	_, _, _, err = e.svc.IssueCode(e.ctx, u.ID, mitid.PurposeActivation, mitid.CodeOnPaper)
	require.NoError(t, err)
	cost, err = try()
	assert.Equal(t, mitid.CodeWrongActivationCode, mitid.ErrorCode(err), "the activation code is compared first, whatever the serial")
	assert.Less(t, cost, uint64(1<<20), "no argon2id for a wrong code and the wrong device (%d bytes)", cost)

	// With the serial (printed on the device) but not the code: the code is
	// blocked after its attempts, and then argon2id stops.
	serial = display.Serial().String()
	for i := 0; i < 2; i++ {
		_, err = try()
		require.Contains(t, []mitid.Code{mitid.CodeWrongActivationCode, mitid.CodeActivationBlocked}, mitid.ErrorCode(err))
	}
	cost, err = try()
	assert.Equal(t, mitid.CodeActivationInvalid, mitid.ErrorCode(err), "the code is blocked")
	assert.Less(t, cost, uint64(1<<20), "no argon2id once no code could be right (%d bytes)", cost)
}

// TestActivateWithCode_AWrongDeviceCodeCountsLikeAWrongActivationCode: with
// the right activation code and the device's serial number (no secret), a
// wrong code from the device counts against the activation code and the
// account's budget, as a wrong activation code does; three block the
// activation code, so its holder cannot try the device's six digits at
// will. No argon2id runs before every code is right.
func TestActivateWithCode_AWrongDeviceCodeCountsLikeAWrongActivationCode(t *testing.T) {
	e := newLoginEnv(t, memory.New())
	e.withPolicy(t, func(p *mitid.Policy) { p.Argon2 = heavyArgon2 })
	u, dev, display := e.pendingDisplay(t, "device-guess")
	code := e.paperCode(t, u.ID)
	right := func() string { c, err := display.Code(); require.NoError(t, err); return c }
	const pw = "a long new passphrase"
	steps := []struct {
		rule     string
		device   func() string
		password string
		want     mitid.Code // "" for an activation
		failures int        // the account's, after the step
		wrong    int        // the activation code's, after the step
	}{
		{"a malformed device code compares nothing", func() string { return "12a" }, pw, mitid.CodeCodeMalformed, 0, 0},
		{"a wrong device code counts", func() string { return wrongCode(right()) }, pw, mitid.CodeWrongCode, 1, 1},
		{"without a password, too", func() string { return wrongCode(right()) }, "", mitid.CodeWrongCode, 2, 2},
		{"the third blocks the activation code", func() string { return wrongCode(right()) }, pw, mitid.CodeActivationBlocked, 3, 3},
		{"then not even the right device code is compared", right, pw, mitid.CodeActivationInvalid, 3, 3},
	}
	for _, st := range steps {
		var err error
		cost := allocated(func() {
			_, _, err = e.svc.ActivateWithCode(e.ctx, u.UserID, dev, mitid.ActivationCodes{Code: code, Serial: display.Serial().String(), DeviceCode: st.device(), Password: st.password})
		})
		assert.Equal(t, st.want, mitid.ErrorCode(err), st.rule)
		assert.Less(t, cost, uint64(1<<20), "%s: no argon2id (%d bytes)", st.rule, cost)
		got, err := e.svc.User(e.ctx, u.ID)
		require.NoError(t, err)
		assert.Equal(t, st.failures, got.Failures, "%s: the account's failures", st.rule)
		require.Len(t, got.Codes, 1)
		assert.Equal(t, st.wrong, got.Codes[0].Wrong, "%s: the activation code's wrong entries", st.rule)
		assert.True(t, got.Codes[0].UsedAt.IsZero(), "%s: the activation code is not used up", st.rule)
	}

	e.clock.Advance(time.Minute)
	code = e.paperCode(t, u.ID)
	var evs []mitid.Event
	var err error
	cost := allocated(func() {
		_, evs, err = e.svc.ActivateWithCode(e.ctx, u.UserID, dev, mitid.ActivationCodes{Code: code, Serial: display.Serial().String(), DeviceCode: right(), Password: pw})
	})
	require.NoError(t, err, "every code right")
	assert.Greater(t, cost, uint64(heavyArgon2.Memory)<<10, "argon2id ran once every code was right (%d bytes)", cost)
	assert.Equal(t, mitid.KindPassword, evs[len(evs)-1].Kind, "the first password is created with the device")
}

// pendingDisplay creates a person with user ID uid and a code display
// waiting for activation, and returns them, its ID and the simulated device.
func (e *loginEnv) pendingDisplay(t *testing.T, uid string) (*mitid.User, uuid.UUID, *codedisplaytest.Device) {
	t.Helper()
	u, _, err := e.svc.CreateUser(e.ctx, mitid.UserRequest{UserID: uid, CPR: cprFor(seq(t)), IAL: mitid.LevelSubstantial, Email: "a@example.dk"})
	require.NoError(t, err)
	dev, display := e.codeDevice(t, u.ID, mitid.KindCodeDisplay, mitid.StatePendingActivation)
	return u, dev, display
}

// jumpRand moves the clock on a code's step at its first read once armed:
// a password's salt is read as its argon2id run begins, so the run
// straddles the step's end.
type jumpRand struct {
	armed bool
	clock interface{ Advance(time.Duration) time.Time }
	inner io.Reader
}

func (j *jumpRand) Read(p []byte) (int, error) {
	if j.armed {
		j.armed = false
		j.clock.Advance(30 * time.Second)
	}
	return j.inner.Read(p)
}

// TestActivateWithCode_ACodeRightBeforeTheHashIsNotCountedWrongAfterIt:
// ActivateWithCode compares the codes, hashes the first password, then
// compares again; a device code that was right at the first comparison
// and is one step too old at the second (the hash, or the wait for the
// argon2id budget, outlasted the step) is no wrong code: nothing counts,
// nothing commits, and the person is asked for the code shown now.
func TestActivateWithCode_ACodeRightBeforeTheHashIsNotCountedWrongAfterIt(t *testing.T) {
	e := newLoginEnv(t, memory.New())
	jr := &jumpRand{clock: e.clock, inner: seeded(4242)}
	e = e.twin(t, func(c *mitid.Config) { c.Rand = jr })
	u, dev, display := e.pendingDisplay(t, "boundary")
	code := e.paperCode(t, u.ID)
	shown, err := display.Code()
	require.NoError(t, err)
	e.clock.Advance(30 * time.Second) // typed a step later: still accepted
	jr.armed = true
	_, _, err = e.svc.ActivateWithCode(e.ctx, u.UserID, dev, mitid.ActivationCodes{Code: code, Serial: display.Serial().String(), DeviceCode: shown, Password: "a long new passphrase"})
	assert.Equal(t, mitid.CodeConcurrentUpdate, mitid.ErrorCode(err), "%v", err)
	got, err := e.svc.User(e.ctx, u.ID)
	require.NoError(t, err)
	assert.Zero(t, got.Failures, "nothing counted")
	require.Len(t, got.Codes, 1)
	assert.Zero(t, got.Codes[0].Wrong, "nothing counted against the activation code")
	assert.True(t, got.Codes[0].UsedAt.IsZero(), "the activation code is not used up")
	now, err := display.Code()
	require.NoError(t, err)
	_, _, err = e.svc.ActivateWithCode(e.ctx, u.UserID, dev, mitid.ActivationCodes{Code: code, Serial: display.Serial().String(), DeviceCode: now, Password: "a long new passphrase"})
	require.NoError(t, err, "the code shown now activates it")
}

// TestResetForgottenPassword_NothingComparedPastTheBudget: once the
// stranger's share of the account's budget is spent, a forgotten-password
// reset compares nothing, not even to decide whether to hash: a right code
// is refused as a wrong one is, before argon2id, until the holder's next
// completed login.
func TestResetForgottenPassword_NothingComparedPastTheBudget(t *testing.T) {
	e := newLoginEnv(t, memory.New())
	e.withPolicy(t, func(p *mitid.Policy) {
		p.Argon2, p.MaxConsecutiveFailures, p.PossessionReserve = heavyArgon2, 5, 1
	})
	h := e.enrol(t, "reset-budget", mitid.LevelSubstantial, mitid.KindCodeDisplay)
	for i := 0; i < 4; i++ {
		if i%3 == 0 {
			e.paperCode(t, h.user.ID) // three wrong block a code
		}
		_, _, err := e.svc.ResetForgottenPassword(e.ctx, h.user.UserID, "AAAA-AAAA", "glemt og fundet igen")
		require.Contains(t, []mitid.Code{mitid.CodeWrongActivationCode, mitid.CodeActivationBlocked}, mitid.ErrorCode(err), "%v", err)
	}
	code := e.paperCode(t, h.user.ID)
	for _, typed := range []string{"AAAA-AAAA", code} {
		cost := allocated(func() {
			_, _, err := e.svc.ResetForgottenPassword(e.ctx, h.user.UserID, typed, "glemt og fundet igen")
			assert.Equal(t, mitid.CodeAttemptsExhausted, mitid.ErrorCode(err), "%v", err)
		})
		assert.Less(t, cost, uint64(1<<20), "refused before argon2id (%d bytes)", cost)
	}
}
