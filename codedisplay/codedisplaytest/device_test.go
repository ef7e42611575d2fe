package codedisplaytest_test

import (
	"bytes"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/go-mitid/mitid/codedisplay"
	"github.com/go-mitid/mitid/codedisplay/codedisplaytest"
	"github.com/go-mitid/mitid/mitidtest/fake"
)

var (
	t0          = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	rfcSeedSHA1 = []byte("12345678901234567890") // RFC 6238 Appendix B
)

func mustSerial(t *testing.T, n uint64) codedisplay.Serial {
	t.Helper()
	s, err := codedisplay.SerialFromNumber(n)
	require.NoError(t, err)
	return s
}

// TestDevice_ShowsTheCodeTheVerifierAccepts is the whole life of a code display: made
// by Manufacture, its serial and seed recorded by the issuer, each code it shows over
// time accepted once.
func TestDevice_ShowsTheCodeTheVerifierAccepts(t *testing.T) {
	clock := fake.NewClock(t0)
	p := codedisplay.MitIDParams()
	d, err := codedisplaytest.Manufacture(codedisplaytest.Seeded(0), p, clock.Now)
	require.NoError(t, err)
	serial, seed := d.Serial(), d.Seed()
	assert.Len(t, seed, 20)
	assert.Equal(t, p, d.Params())
	_, err = codedisplay.ParseSerial(serial.String())
	require.NoError(t, err)

	st := codedisplay.State{}
	for range 5 {
		code, err := d.Code()
		require.NoError(t, err)
		m, err := p.Verify(seed, code, st, clock.Now())
		require.NoError(t, err)
		_, err = p.Verify(seed, code, m.NewState, clock.Now())
		require.ErrorIs(t, err, codedisplay.ErrCodeReused)
		st = m.NewState
		clock.Advance(p.Period)
	}
}

// TestDevice_FastClockIsFollowed: a device whose clock gains 20 s a week is followed by
// the learned drift over ten weekly logins (200 s, about 7 steps ahead).
func TestDevice_FastClockIsFollowed(t *testing.T) {
	verifier := fake.NewClock(t0)
	week := 7 * 24 * time.Hour
	deviceClock := func() time.Time {
		now := verifier.Now()
		return now.Add(now.Sub(t0) * 20 / (week / time.Second))
	}
	p := codedisplay.MitIDParams()
	d, err := codedisplaytest.NewDevice(mustSerial(t, 1), rfcSeedSHA1, p, deviceClock)
	require.NoError(t, err)
	st := codedisplay.State{}
	for i := range 10 {
		verifier.Advance(week)
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
	d, err := codedisplaytest.NewDevice(mustSerial(t, 2), seed, codedisplay.MitIDParams(), fake.NewClock(t0).Now)
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
	clock := fake.NewClock(t0).Now
	s := mustSerial(t, 3)
	_, err := codedisplaytest.NewDevice(codedisplay.Serial{}, rfcSeedSHA1, codedisplay.MitIDParams(), clock)
	assert.ErrorIs(t, err, codedisplaytest.ErrInvalidDevice)
	_, err = codedisplaytest.NewDevice(s, rfcSeedSHA1, codedisplay.MitIDParams(), nil)
	assert.ErrorIs(t, err, codedisplaytest.ErrInvalidDevice)
	_, err = codedisplaytest.NewDevice(s, rfcSeedSHA1[:8], codedisplay.MitIDParams(), clock)
	assert.ErrorIs(t, err, codedisplay.ErrInvalidSeed)
	_, err = codedisplaytest.NewDevice(s, rfcSeedSHA1, codedisplay.Params{}, clock)
	assert.ErrorIs(t, err, codedisplay.ErrInvalidParams)
	_, err = codedisplaytest.Manufacture(codedisplaytest.Seeded(0), codedisplay.Params{}, clock)
	assert.ErrorIs(t, err, codedisplay.ErrInvalidParams)
	_, err = codedisplaytest.NewAudioDevice(nil, codedisplay.Danish)
	assert.ErrorIs(t, err, codedisplaytest.ErrInvalidDevice)

	d, err := codedisplaytest.NewDevice(s, rfcSeedSHA1, codedisplay.MitIDParams(), clock)
	require.NoError(t, err)
	_, err = codedisplaytest.NewAudioDevice(d, "sv")
	assert.ErrorIs(t, err, codedisplay.ErrUnsupportedLanguage)
	_, err = d.CodeAt(time.Unix(-31, 0))
	assert.ErrorIs(t, err, codedisplay.ErrInvalidTime)
}

// TestAudioDevice_SpeaksItsCurrentCode: what the audio code reader says, transcribed,
// is the code the verifier accepts.
func TestAudioDevice_SpeaksItsCurrentCode(t *testing.T) {
	clock := fake.NewClock(t0)
	p := codedisplay.MitIDParams()
	d, err := codedisplaytest.Manufacture(codedisplaytest.Seeded(7), p, clock.Now)
	require.NoError(t, err)
	for _, lang := range codedisplay.Languages() {
		a, err := codedisplaytest.NewAudioDevice(d, lang)
		require.NoError(t, err)
		assert.Equal(t, lang, a.Language())
		wav, err := a.Speak()
		require.NoError(t, err)
		heard, err := codedisplay.TranscribeWAV(wav, lang)
		require.NoError(t, err)
		shown, err := a.Code()
		require.NoError(t, err)
		assert.Equal(t, shown, heard)
		_, err = p.Verify(d.Seed(), heard, codedisplay.State{}, clock.Now())
		require.NoError(t, err)
	}
}

// TestDevice_ConcurrentUseIsSafe: many goroutines read one device and its audio (run
// with -race) and all see the same code.
func TestDevice_ConcurrentUseIsSafe(t *testing.T) {
	clock := fake.NewClock(t0)
	d, err := codedisplaytest.NewDevice(mustSerial(t, 4), rfcSeedSHA1, codedisplay.MitIDParams(), clock.Now)
	require.NoError(t, err)
	a, err := codedisplaytest.NewAudioDevice(d, codedisplay.Danish)
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
					c, err = codedisplay.TranscribeWAV(wav, codedisplay.Danish)
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
