package codedisplay

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestResync_RFC6238Sec6_TwoConsecutiveCodes: a device 7 steps ahead is out of Verify's
// window; two consecutive codes re-learn its drift, after which Verify accepts it again.
func TestResync_RFC6238Sec6_TwoConsecutiveCodes(t *testing.T) {
	p := MitIDParams()
	seed := rfcSeedSHA1
	c1, c2 := codeAt(t, p, seed, s0+7), codeAt(t, p, seed, s0+8)

	_, err := p.Verify(seed, c2, State{}, t0)
	require.ErrorIs(t, err, ErrWrongCode, "out of the window before resync")

	m, err := p.Resync(seed, c1, c2, State{}, t0)
	require.NoError(t, err)
	assert.Equal(t, s0+8, m.Step)
	assert.Equal(t, 8, m.Drift)
	assert.Equal(t, State{LastStep: s0 + 8, Drift: 8}, m.NewState)

	later := stepTime(100)
	next, err := p.Verify(seed, codeAt(t, p, seed, s0+108), m.NewState, later)
	require.NoError(t, err)
	assert.Equal(t, 8, next.Drift)
}

func TestResync_Refusals(t *testing.T) {
	p := MitIDParams()
	p.MaxDrift = 5
	seed := rfcSeedSHA1
	code := func(k int64) string { return codeAt(t, p, seed, s0+k) }

	_, err := p.Resync(seed, code(3), code(5), State{}, t0)
	assert.ErrorIs(t, err, ErrWrongCode, "not consecutive")
	_, err = p.Resync(seed, code(4), code(3), State{}, t0)
	assert.ErrorIs(t, err, ErrWrongCode, "wrong order")
	reach := int64(p.MaxDrift + p.Skew)
	_, err = p.Resync(seed, code(reach), code(reach+1), State{}, t0)
	assert.ErrorIs(t, err, ErrWrongCode, "beyond MaxDrift+Skew")
	m, err := p.Resync(seed, code(reach-1), code(reach), State{}, t0)
	require.NoError(t, err, "at the edge of MaxDrift+Skew")
	assert.Equal(t, p.MaxDrift, m.NewState.Drift, "learned drift is clamped")
	_, err = p.Resync(seed, code(-reach-1), code(-reach), State{}, t0)
	require.NoError(t, err, "at the other edge")

	_, err = p.Resync(seed, code(2), code(3), State{LastStep: s0 + 2}, t0)
	assert.ErrorIs(t, err, ErrCodeReused)
	_, err = p.Resync(seed, code(2), "12345", State{}, t0)
	assert.ErrorIs(t, err, ErrMalformedCode)
	_, err = p.Resync(seed, "x", code(3), State{}, t0)
	assert.ErrorIs(t, err, ErrMalformedCode)
}
