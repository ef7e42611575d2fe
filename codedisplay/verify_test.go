package codedisplay

import (
	"errors"
	"math"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// t0 is a fixed instant at the start of a 30 s step, so t0 + k·30 s is step s0 + k.
var t0 = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

const s0 = int64(1772366400 / 30)

// codeAt returns the code for step s under p, failing the test on error.
func codeAt(t *testing.T, p Params, seed []byte, s int64) string {
	t.Helper()
	c, err := p.Code(seed, s)
	require.NoError(t, err)
	return c
}

// stepTime returns the start of step s0+k.
func stepTime(k int64) time.Time { return t0.Add(time.Duration(k) * 30 * time.Second) }

func TestT0IsTheStartOfStepS0(t *testing.T) {
	s, err := MitIDParams().Step(t0)
	require.NoError(t, err)
	require.Equal(t, s0, s)
}

// TestVerify_RFC6238Sec52_AcceptedOnce proves the one-time property: the state Verify
// returns refuses the same code, and every code of a step at or below the accepted one,
// with ErrCodeReused; a later step's code is accepted.
func TestVerify_RFC6238Sec52_AcceptedOnce(t *testing.T) {
	p := MitIDParams()
	seed := rfcSeedSHA1
	code := codeAt(t, p, seed, s0)

	m, err := p.Verify(seed, code, State{}, t0)
	require.NoError(t, err)
	require.Equal(t, s0, m.Step)

	_, err = p.Verify(seed, code, m.NewState, t0.Add(10*time.Second))
	assert.ErrorIs(t, err, ErrCodeReused, "same code, same step")
	assert.NotErrorIs(t, err, ErrWrongCode)

	_, err = p.Verify(seed, codeAt(t, p, seed, s0-1), m.NewState, t0)
	assert.ErrorIs(t, err, ErrCodeReused, "an older step inside the window")

	next, err := p.Verify(seed, codeAt(t, p, seed, s0+1), m.NewState, stepTime(1))
	require.NoError(t, err)
	assert.Equal(t, s0+1, next.Step)
}

// TestVerify_StepAtOrBelowLastStepIsReused: a right code for any step of the window at
// or below LastStep is "reused", never accepted, whatever the drift.
func TestVerify_StepAtOrBelowLastStepIsReused(t *testing.T) {
	p := Params{Digits: 6, Period: 30 * time.Second, Algorithm: SHA256, Skew: 2, MaxDrift: 5}
	seed := rfcSeedSHA256
	for k := int64(-2); k <= 2; k++ {
		for _, last := range []int64{s0 + k, s0 + k + 1, s0 + 2} {
			_, err := p.Verify(seed, codeAt(t, p, seed, s0+k), State{LastStep: last}, t0)
			assert.ErrorIs(t, err, ErrCodeReused, "step s0%+d, LastStep s0%+d", k, last-s0)
		}
		m, err := p.Verify(seed, codeAt(t, p, seed, s0+k), State{LastStep: s0 + k - 1}, t0)
		require.NoError(t, err, "step s0%+d just above LastStep", k)
		assert.Equal(t, s0+k, m.Step)
	}
}

func TestVerify_WrongCode(t *testing.T) {
	p := MitIDParams()
	right := codeAt(t, p, rfcSeedSHA1, s0)
	wrong := []byte(right)
	wrong[5] = '0' + (wrong[5]-'0'+1)%10
	_, err := p.Verify(rfcSeedSHA1, string(wrong), State{}, t0)
	assert.ErrorIs(t, err, ErrWrongCode)
	assert.NotErrorIs(t, err, ErrMalformedCode)

	// The right code under another seed is wrong.
	_, err = p.Verify([]byte("another seed of twenty b"), right, State{}, t0)
	assert.ErrorIs(t, err, ErrWrongCode)
}

// TestVerify_SkewWindow: with Skew k and no drift, steps s0-k..s0+k are accepted and
// s0±(k+1) are not.
func TestVerify_SkewWindow(t *testing.T) {
	seed := rfcSeedSHA1
	for _, skew := range []int{0, 1, 2} {
		p := MitIDParams()
		p.Skew = skew
		for k := int64(-3); k <= 3; k++ {
			_, err := p.Verify(seed, codeAt(t, p, seed, s0+k), State{}, t0.Add(29*time.Second))
			if k >= -int64(skew) && k <= int64(skew) {
				assert.NoError(t, err, "skew %d, step s0%+d", skew, k)
			} else {
				assert.ErrorIs(t, err, ErrWrongCode, "skew %d, step s0%+d", skew, k)
			}
		}
	}
}

// TestVerify_RFC6238Sec6_DriftFollowsADeviceClock simulates a device whose clock runs
// ahead by one more step before each login. Verify follows it a step at a time, but the
// learned drift stops at MaxDrift, and a device further ahead than MaxDrift+Skew is
// refused.
func TestVerify_RFC6238Sec6_DriftFollowsADeviceClock(t *testing.T) {
	p := MitIDParams()
	p.MaxDrift = 4
	seed := rfcSeedSHA1
	st := State{}
	for ahead := 0; ahead <= p.MaxDrift+p.Skew; ahead++ {
		now := stepTime(int64(10 * ahead)) // logins 5 minutes apart
		device := now.Add(time.Duration(ahead) * p.Period)
		code, err := p.CodeAt(seed, device)
		require.NoError(t, err)
		m, err := p.Verify(seed, code, st, now)
		require.NoError(t, err, "device %d steps ahead, learned drift %d", ahead, st.Drift)
		assert.Equal(t, ahead, m.Drift)
		assert.Equal(t, min(ahead, p.MaxDrift), m.NewState.Drift, "drift is bounded by MaxDrift")
		st = m.NewState
	}
	now := stepTime(1000)
	code, err := p.CodeAt(seed, now.Add(time.Duration(p.MaxDrift+p.Skew+1)*p.Period))
	require.NoError(t, err)
	_, err = p.Verify(seed, code, st, now)
	assert.ErrorIs(t, err, ErrWrongCode, "never more than MaxDrift+Skew steps from the verifier's clock")
}

// TestVerify_WindowCentredOnLearnedDrift: with a learned drift d the window is d±Skew,
// so the verifier's own current step is refused once d > Skew.
func TestVerify_WindowCentredOnLearnedDrift(t *testing.T) {
	p := MitIDParams()
	seed := rfcSeedSHA1
	st := State{Drift: 3}
	for k := int64(0); k <= 5; k++ {
		_, err := p.Verify(seed, codeAt(t, p, seed, s0+k), st, t0)
		if k >= 2 && k <= 4 {
			assert.NoError(t, err, "step s0%+d", k)
		} else {
			assert.ErrorIs(t, err, ErrWrongCode, "step s0%+d", k)
		}
	}
	// A slow device (negative drift) the same way.
	m, err := p.Verify(seed, codeAt(t, p, seed, s0-4), State{Drift: -3}, t0)
	require.NoError(t, err)
	assert.Equal(t, -4, m.Drift)
	assert.Equal(t, -4, m.NewState.Drift)
}

// TestVerify_StoredDriftBeyondMaxDriftIsClamped: a state stored under a larger MaxDrift
// is read as the bound, so tightening the policy takes effect at once.
func TestVerify_StoredDriftBeyondMaxDriftIsClamped(t *testing.T) {
	p := MitIDParams()
	p.MaxDrift = 2
	seed := rfcSeedSHA1
	_, err := p.Verify(seed, codeAt(t, p, seed, s0+10), State{Drift: 10}, t0)
	assert.ErrorIs(t, err, ErrWrongCode)
	m, err := p.Verify(seed, codeAt(t, p, seed, s0+3), State{Drift: 10}, t0)
	require.NoError(t, err)
	assert.Equal(t, 3, m.Drift)
	assert.Equal(t, 2, m.NewState.Drift)

	p.MaxDrift = 0 // learning off: window always around the verifier's clock
	m, err = p.Verify(seed, codeAt(t, p, seed, s0+1), State{Drift: -7}, t0)
	require.NoError(t, err)
	assert.Equal(t, 1, m.Drift)
	assert.Zero(t, m.NewState.Drift)
}

// TestVerify_ZeroStateNeverAcceptsStepZero documents the zero State's meaning.
func TestVerify_ZeroStateNeverAcceptsStepZero(t *testing.T) {
	p := MitIDParams()
	code := codeAt(t, p, rfcSeedSHA1, 0)
	_, err := p.Verify(rfcSeedSHA1, code, State{}, time.Unix(0, 0))
	assert.ErrorIs(t, err, ErrCodeReused)
	m, err := p.Verify(rfcSeedSHA1, code, State{LastStep: -1}, time.Unix(0, 0))
	require.NoError(t, err)
	assert.Zero(t, m.Step)
}

// TestVerify_AcceptsWhatAPersonTypes: the typed forms NormalizeCode accepts verify.
func TestVerify_AcceptsWhatAPersonTypes(t *testing.T) {
	p := MitIDParams()
	c := codeAt(t, p, rfcSeedSHA1, s0)
	fullWidth := ""
	for _, r := range c {
		fullWidth += string(r - '0' + '０')
	}
	for _, typed := range []string{c, c[:3] + " " + c[3:], " " + c[:3] + "-" + c[3:] + "\n", fullWidth} {
		_, err := p.Verify(rfcSeedSHA1, typed, State{}, t0)
		assert.NoError(t, err, "%q", typed)
	}
}

func TestVerify_CallerMistakes(t *testing.T) {
	p := MitIDParams()
	code := codeAt(t, p, rfcSeedSHA1, s0)
	for _, c := range []struct {
		name string
		p    Params
		seed []byte
		code string
		now  time.Time
		want error
	}{
		{"zero params", Params{}, rfcSeedSHA1, code, t0, ErrInvalidParams},
		{"short seed", p, rfcSeedSHA1[:15], code, t0, ErrInvalidSeed},
		{"nil seed", p, nil, code, t0, ErrInvalidSeed},
		{"before 1970", p, rfcSeedSHA1, code, time.Unix(-1, 0), ErrInvalidTime},
		{"far future", Params{Digits: 6, Period: time.Second, Skew: 1}, rfcSeedSHA1, code, time.Unix(math.MaxInt64, 0), ErrInvalidTime},
		{"five digits", p, rfcSeedSHA1, code[:5], t0, ErrMalformedCode},
	} {
		_, err := c.p.Verify(c.seed, c.code, State{}, c.now)
		assert.ErrorIs(t, err, c.want, c.name)
	}
}

func TestParams_Validate(t *testing.T) {
	require.NoError(t, MitIDParams().Validate())
	for _, c := range []struct {
		name string
		edit func(*Params)
	}{
		{"5 digits", func(p *Params) { p.Digits = 5 }},
		{"9 digits", func(p *Params) { p.Digits = 9 }},
		{"zero period", func(p *Params) { p.Period = 0 }},
		{"30 ns period", func(p *Params) { p.Period = 30 }},
		{"fractional period", func(p *Params) { p.Period = 1500 * time.Millisecond }},
		{"unknown algorithm", func(p *Params) { p.Algorithm = 3 }},
		{"negative skew", func(p *Params) { p.Skew = -1 }},
		{"skew too large", func(p *Params) { p.Skew = MaxSkew + 1 }},
		{"negative drift bound", func(p *Params) { p.MaxDrift = -1 }},
		{"drift bound too large", func(p *Params) { p.MaxDrift = MaxMaxDrift + 1 }},
	} {
		p := MitIDParams()
		c.edit(&p)
		err := p.Validate()
		assert.ErrorIs(t, err, ErrInvalidParams, c.name)
	}
}

func TestParseAlgorithm(t *testing.T) {
	for _, a := range []Algorithm{SHA1, SHA256, SHA512} {
		got, err := ParseAlgorithm(a.String())
		require.NoError(t, err)
		assert.Equal(t, a, got)
	}
	got, err := ParseAlgorithm("sha-256")
	require.NoError(t, err)
	assert.Equal(t, SHA256, got)
	_, err = ParseAlgorithm("MD5")
	assert.ErrorIs(t, err, ErrInvalidParams)
	assert.Equal(t, "Algorithm(9)", Algorithm(9).String())
}

// TestVerify_ConcurrentUseIsSafe: one Params value serves many goroutines (run with
// -race). Each goroutine verifies its own device; the caller's atomic store is what
// makes the one-time property hold across goroutines, simulated here by a
// compare-and-swap on LastStep: of many concurrent verifications of one code, exactly
// one commits.
func TestVerify_ConcurrentUseIsSafe(t *testing.T) {
	p := MitIDParams()
	seed := rfcSeedSHA1
	code := codeAt(t, p, seed, s0)
	var last atomic.Int64 // the "store": LastStep of one device
	var wins, reused atomic.Int32
	var wg sync.WaitGroup
	for range 64 {
		wg.Go(func() {
			for {
				seen := last.Load()
				m, err := p.Verify(seed, code, State{LastStep: seen}, t0)
				if errors.Is(err, ErrCodeReused) {
					reused.Add(1)
					return
				}
				if err != nil {
					t.Errorf("Verify: %v", err)
					return
				}
				if last.CompareAndSwap(seen, m.NewState.LastStep) {
					wins.Add(1)
					return
				}
			}
		})
	}
	wg.Wait()
	assert.Equal(t, int32(1), wins.Load())
	assert.Equal(t, int32(63), reused.Load())
}

// TestCode_RefusesNegativeStep proves the generator itself refuses a time
// step before the epoch, rather than computing the code of a huge counter.
func TestCode_RefusesNegativeStep(t *testing.T) {
	g, err := MitIDParams().newGenerator(rfcSeedSHA1)
	require.NoError(t, err)
	_, err = g.code(-1)
	require.ErrorIs(t, err, ErrInvalidTime)
	_, err = g.code(0)
	require.NoError(t, err)
}
