package codedisplay

import (
	"bytes"
	"encoding/binary"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/go-mitid/mitid/codedisplay/internal/voice"
)

// sampleData returns the PCM data of the embedded sample of digit d in lang.
func sampleData(t *testing.T, lang Language, d int) WAV {
	t.Helper()
	b, err := voice.Sample(string(lang), d)
	require.NoError(t, err)
	w, err := ParseWAV(b)
	require.NoError(t, err)
	return w
}

// TestVoiceAssets_SmallRealSpeech: every language has ten distinct mono 16-bit samples
// at one rate, each a few KB of audio that is not silence, none a prefix of another (so
// TranscribeWAV cannot confuse them), all together well under 200 KB.
func TestVoiceAssets_SmallRealSpeech(t *testing.T) {
	total := 0
	for _, lang := range Languages() {
		var rate uint32
		for d := range 10 {
			w := sampleData(t, lang, d)
			assert.Equal(t, uint16(1), w.Channels, "%s/%d", lang, d)
			assert.Equal(t, uint16(16), w.BitsPerSample, "%s/%d", lang, d)
			if d == 0 {
				rate = w.SampleRate
			}
			assert.Equal(t, rate, w.SampleRate, "%s/%d", lang, d)
			assert.Less(t, len(w.Data), 12*1024, "%s/%d", lang, d)
			dur := w.Duration()
			assert.True(t, dur > 100*time.Millisecond && dur < time.Second, "%s/%d lasts %v", lang, d, dur)
			var peak int
			for i := 0; i+1 < len(w.Data); i += 2 {
				v := int(int16(binary.LittleEndian.Uint16(w.Data[i:])))
				peak = max(peak, v, -v)
			}
			assert.Greater(t, peak, 16000, "%s/%d is normalised speech, not silence", lang, d)
			for e := range 10 {
				if e != d {
					assert.False(t, bytes.HasPrefix(w.Data, sampleData(t, lang, e).Data), "%s: %d begins with %d", lang, d, e)
				}
			}
			total += len(w.Data) + 44
		}
		assert.Equal(t, []string{"da", "en"}, voice.Languages())
	}
	assert.Less(t, total, 150*1024, "all samples together")
}

// TestSpeakWAV_StructureAndSegments parses the produced WAV with ParseWAV, checks the
// header fields, and checks that the audio is exactly each digit's sample, byte for
// byte, with DigitGap of silence between two digits.
func TestSpeakWAV_StructureAndSegments(t *testing.T) {
	for _, lang := range Languages() {
		for _, code := range []string{"0123456789", "907712", "5", "00"} {
			b, err := SpeakWAV(code, lang)
			require.NoError(t, err)

			le := binary.LittleEndian
			require.Equal(t, "RIFF", string(b[:4]))
			require.Equal(t, uint32(len(b)-8), le.Uint32(b[4:]), "RIFF size")
			w, err := ParseWAV(b)
			require.NoError(t, err)
			assert.Equal(t, uint16(1), w.Channels)
			assert.Equal(t, uint16(16), w.BitsPerSample)
			assert.Equal(t, uint32(11025), w.SampleRate)
			assert.Equal(t, uint16(2), le.Uint16(b[32:]), "block align")
			assert.Equal(t, uint32(22050), le.Uint32(b[28:]), "byte rate")

			gap := int(11025*DigitGap/time.Second) * 2
			off := 0
			for i := 0; i < len(code); i++ {
				if i > 0 {
					require.LessOrEqual(t, off+gap, len(w.Data))
					assert.True(t, isSilent(w.Data[off:off+gap]), "%s %q: gap before digit %d", lang, code, i+1)
					off += gap
				}
				s := sampleData(t, lang, int(code[i]-'0')).Data
				require.LessOrEqual(t, off+len(s), len(w.Data))
				assert.True(t, bytes.Equal(s, w.Data[off:off+len(s)]), "%s %q: digit %d is not the sample of %c", lang, code, i+1, code[i])
				off += len(s)
			}
			assert.Equal(t, len(w.Data), off, "%s %q: nothing after the last digit", lang, code)

			heard, err := TranscribeWAV(b, lang)
			require.NoError(t, err)
			assert.Equal(t, code, heard)
		}
	}
}

func TestSpeakWAV_Refusals(t *testing.T) {
	for _, code := range []string{"", "12a", "１２３", "12345678901234567", "123 456"} {
		_, err := SpeakWAV(code, Danish)
		assert.ErrorIs(t, err, ErrMalformedCode, "%q", code)
	}
	for _, lang := range []Language{"", "de", "da/../en", "DA"} {
		_, err := SpeakWAV("123", lang)
		assert.ErrorIs(t, err, ErrUnsupportedLanguage, "%q", lang)
	}
}

// TestTranscribeWAV_RefusesOtherAudio: a different voice, a changed sample, a cut gap
// and foreign audio are not transcribed.
func TestTranscribeWAV_RefusesOtherAudio(t *testing.T) {
	da, err := SpeakWAV("4711", Danish)
	require.NoError(t, err)
	_, err = TranscribeWAV(da, English)
	assert.ErrorIs(t, err, ErrUnrecognisedAudio, "Danish heard as English")

	w, err := ParseWAV(da)
	require.NoError(t, err)
	flipped := w
	flipped.Data = bytes.Clone(w.Data)
	flipped.Data[len(flipped.Data)-100] ^= 1
	b, err := flipped.Bytes()
	require.NoError(t, err)
	_, err = TranscribeWAV(b, Danish)
	assert.ErrorIs(t, err, ErrUnrecognisedAudio, "one bit changed in the last digit")

	noGap := w
	four := sampleData(t, Danish, 4).Data
	noGap.Data = append(bytes.Clone(four), sampleData(t, Danish, 7).Data...)
	b, err = noGap.Bytes()
	require.NoError(t, err)
	_, err = TranscribeWAV(b, Danish)
	assert.ErrorContains(t, err, "expected 300ms of silence at ")

	stereo, err := WAV{SampleRate: 11025, Channels: 2, BitsPerSample: 16, Data: make([]byte, 400)}.Bytes()
	require.NoError(t, err)
	_, err = TranscribeWAV(stereo, Danish)
	assert.ErrorIs(t, err, ErrUnrecognisedAudio)

	empty, err := WAV{SampleRate: 11025, Channels: 1, BitsPerSample: 16}.Bytes()
	require.NoError(t, err)
	_, err = TranscribeWAV(empty, Danish)
	assert.ErrorIs(t, err, ErrUnrecognisedAudio)

	_, err = TranscribeWAV([]byte("not audio"), Danish)
	assert.ErrorIs(t, err, ErrMalformedWAV)
}
