package codedisplay

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// fakeClock is a clock a test moves by hand; safe for concurrent use.
type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *fakeClock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.now }
func (c *fakeClock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// detRand is a deterministic byte stream for tests: SHA-256 in counter mode.
type detRand struct {
	ctr uint64
	buf []byte
}

func (r *detRand) Read(p []byte) (int, error) {
	for n := 0; n < len(p); {
		if len(r.buf) == 0 {
			h := sha256.Sum256([]byte{byte(r.ctr), byte(r.ctr >> 8), byte(r.ctr >> 16), byte(r.ctr >> 24)})
			r.buf = h[:]
			r.ctr++
		}
		c := copy(p[n:], r.buf)
		r.buf = r.buf[c:]
		n += c
	}
	return len(p), nil
}

// TestDevice_ShowsTheCodeTheVerifierAccepts is the whole life of a code display: made
// by Manufacture, its serial and seed recorded by the issuer, each code it shows over
// time accepted once.
func TestDevice_ShowsTheCodeTheVerifierAccepts(t *testing.T) {
	clock := &fakeClock{now: t0}
	p := MitIDParams()
	d, err := Manufacture(&detRand{}, p, clock.Now)
	require.NoError(t, err)
	serial, seed := d.Serial(), d.Seed()
	assert.Len(t, seed, 20)
	assert.Equal(t, p, d.Params())
	_, err = ParseSerial(serial.String())
	require.NoError(t, err)

	st := State{}
	for range 5 {
		code, err := d.Code()
		require.NoError(t, err)
		m, err := p.Verify(seed, code, st, clock.Now())
		require.NoError(t, err)
		_, err = p.Verify(seed, code, m.NewState, clock.Now())
		require.ErrorIs(t, err, ErrCodeReused)
		st = m.NewState
		clock.Add(p.Period)
	}
}

// TestDevice_FastClockIsFollowed: a device whose clock gains 20 s a week is followed by
// the learned drift over ten weekly logins (200 s, about 7 steps ahead).
func TestDevice_FastClockIsFollowed(t *testing.T) {
	verifier := &fakeClock{now: t0}
	week := 7 * 24 * time.Hour
	deviceClock := func() time.Time {
		now := verifier.Now()
		return now.Add(now.Sub(t0) * 20 / time.Duration(week/time.Second))
	}
	p := MitIDParams()
	d, err := NewDevice(mustSerial(t, 1), rfcSeedSHA1, p, deviceClock)
	require.NoError(t, err)
	st := State{}
	for i := range 10 {
		verifier.Add(week)
		code, err := d.Code()
		require.NoError(t, err)
		m, err := p.Verify(rfcSeedSHA1, code, st, verifier.Now())
		require.NoError(t, err, "week %d, drift %d", i+1, st.Drift)
		st = m.NewState
	}
	assert.InDelta(t, 200/30, st.Drift, 1)
}

func TestDevice_CopiesItsSeed(t *testing.T) {
	seed := bytes.Clone(rfcSeedSHA1)
	d, err := NewDevice(mustSerial(t, 2), seed, MitIDParams(), (&fakeClock{now: t0}).Now)
	require.NoError(t, err)
	before, err := d.Code()
	require.NoError(t, err)
	seed[0] ^= 0xff
	d.Seed()[1] ^= 0xff
	after, err := d.Code()
	require.NoError(t, err)
	assert.Equal(t, before, after)
}

func TestNewDevice_Refusals(t *testing.T) {
	clock := (&fakeClock{now: t0}).Now
	s := mustSerial(t, 3)
	_, err := NewDevice(Serial{}, rfcSeedSHA1, MitIDParams(), clock)
	assert.ErrorIs(t, err, ErrInvalidDevice)
	_, err = NewDevice(s, rfcSeedSHA1, MitIDParams(), nil)
	assert.ErrorIs(t, err, ErrInvalidDevice)
	_, err = NewDevice(s, rfcSeedSHA1[:8], MitIDParams(), clock)
	assert.ErrorIs(t, err, ErrInvalidSeed)
	_, err = NewDevice(s, rfcSeedSHA1, Params{}, clock)
	assert.ErrorIs(t, err, ErrInvalidParams)
	_, err = Manufacture(&detRand{}, Params{}, clock)
	assert.ErrorIs(t, err, ErrInvalidParams)
	_, err = NewAudioDevice(nil, Danish)
	assert.ErrorIs(t, err, ErrInvalidDevice)

	d, err := NewDevice(s, rfcSeedSHA1, MitIDParams(), clock)
	require.NoError(t, err)
	_, err = NewAudioDevice(d, "sv")
	assert.ErrorIs(t, err, ErrUnsupportedLanguage)
	_, err = d.CodeAt(time.Unix(-31, 0))
	assert.ErrorIs(t, err, ErrInvalidTime)
}

// TestAudioDevice_SpeaksItsCurrentCode: what the audio code reader says, transcribed,
// is the code the verifier accepts.
func TestAudioDevice_SpeaksItsCurrentCode(t *testing.T) {
	clock := &fakeClock{now: t0}
	p := MitIDParams()
	d, err := Manufacture(&detRand{ctr: 7}, p, clock.Now)
	require.NoError(t, err)
	for _, lang := range Languages() {
		a, err := NewAudioDevice(d, lang)
		require.NoError(t, err)
		assert.Equal(t, lang, a.Language())
		wav, err := a.Speak()
		require.NoError(t, err)
		heard, err := TranscribeWAV(wav, lang)
		require.NoError(t, err)
		shown, err := a.Code()
		require.NoError(t, err)
		assert.Equal(t, shown, heard)
		_, err = p.Verify(d.Seed(), heard, State{}, clock.Now())
		require.NoError(t, err)
	}
}

// TestDevice_ConcurrentUseIsSafe: many goroutines read one device and its audio (run
// with -race) and all see the same code.
func TestDevice_ConcurrentUseIsSafe(t *testing.T) {
	clock := &fakeClock{now: t0}
	d, err := NewDevice(mustSerial(t, 4), rfcSeedSHA1, MitIDParams(), clock.Now)
	require.NoError(t, err)
	a, err := NewAudioDevice(d, Danish)
	require.NoError(t, err)
	want, err := d.Code()
	require.NoError(t, err)
	var wg sync.WaitGroup
	errs := make(chan error, 32)
	for range 32 {
		wg.Go(func() {
			c, err := d.Code()
			if err == nil && c != want {
				err = errors.New("device showed " + c + ", want " + want)
			}
			if err == nil {
				var wav []byte
				if wav, err = a.Speak(); err == nil {
					c, err = TranscribeWAV(wav, Danish)
				}
				if err == nil && c != want {
					err = errors.New("device said " + c + ", want " + want)
				}
			}
			errs <- err
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		assert.NoError(t, err)
	}
}

func TestParams_NewSeed_RecommendedLengths(t *testing.T) {
	for alg, n := range map[Algorithm]int{SHA1: 20, SHA256: 32, SHA512: 64} {
		p := MitIDParams()
		p.Algorithm = alg
		seed, err := p.NewSeed(&detRand{})
		require.NoError(t, err)
		assert.Len(t, seed, n, "%v", alg)
	}
	_, err := MitIDParams().NewSeed(bytes.NewReader(make([]byte, 19)))
	assert.ErrorContains(t, err, "reading seed")
	_, err = MitIDParams().NewSeed(nil)
	assert.Error(t, err)
	_, err = Params{}.NewSeed(&detRand{})
	assert.ErrorIs(t, err, ErrInvalidParams)
}

func mustSerial(t *testing.T, n uint64) Serial {
	t.Helper()
	s, err := SerialFromNumber(n)
	require.NoError(t, err)
	return s
}
