package codedisplay

import (
	"bytes"
	"fmt"
	"time"

	"github.com/go-mitid/mitid/codedisplay/internal/voice"
)

// Language selects the voice of an audio code reader.
type Language string

// The voices shipped with this package: per-digit samples synthesised by espeak-ng
// (Danish voice "da", British English voice "en-gb-x-rp"), 11025 Hz mono 16-bit PCM.
// codedisplay/internal/voice/generate.sh regenerates them.
const (
	Danish  Language = "da"
	English Language = "en"
)

// Languages returns the supported languages, Danish first.
func Languages() []Language { return []Language{Danish, English} }

// DigitGap is the silence between two spoken digits: long enough that each digit
// stands apart for a listener writing them down.
const DigitGap = 300 * time.Millisecond

// maxSpokenDigits bounds what SpeakWAV renders: a code or a serial number, not a text.
const maxSpokenDigits = 16

// digitVoice is one language's ten samples, all PCM mono 16-bit at one sample rate.
type digitVoice struct {
	rate    uint32
	samples [10][]byte
}

// gapBytes is the size of DigitGap of silence at the voice's rate.
func (v *digitVoice) gapBytes() int {
	return int(uint64(v.rate)*uint64(DigitGap)/uint64(time.Second)) * 2 //nolint:gosec // G115: a voice's sample rate times a sub-second gap is far below MaxInt
}

// loadVoice reads and checks lang's embedded samples. It is done per call, not cached
// in a package variable: ten small files are parsed in microseconds.
func loadVoice(lang Language) (*digitVoice, error) {
	if lang != Danish && lang != English {
		return nil, fmt.Errorf("%w: %q (want %q or %q)", ErrUnsupportedLanguage, lang, Danish, English)
	}
	v := &digitVoice{}
	for d := range 10 {
		b, err := voice.Sample(string(lang), d)
		if err != nil {
			return nil, fmt.Errorf("%w: %w", ErrUnsupportedLanguage, err)
		}
		w, err := ParseWAV(b)
		if err != nil {
			return nil, fmt.Errorf("codedisplay: voice %q digit %d: %w", lang, d, err)
		}
		if w.Channels != 1 || w.BitsPerSample != 16 || len(w.Data) == 0 || (d > 0 && w.SampleRate != v.rate) {
			return nil, fmt.Errorf("codedisplay: voice %q digit %d: %w: want mono 16-bit at one rate", lang, d, ErrMalformedWAV)
		}
		v.rate = w.SampleRate
		v.samples[d] = w.Data
	}
	return v, nil
}

// SpeakWAV returns a WAV file (PCM, mono, 16-bit) in which the voice of lang reads code
// digit by digit, the digits' samples separated by DigitGap of silence, with no silence
// before the first digit or after the last. code must be 1 to 16 ASCII digits: it is
// what a device shows, not what a person typed (see NormalizeCode); anything else fails
// with ErrMalformedCode. An unknown lang fails with ErrUnsupportedLanguage.
func SpeakWAV(code string, lang Language) ([]byte, error) {
	if len(code) == 0 || len(code) > maxSpokenDigits {
		return nil, &MalformedCodeError{Reason: fmt.Sprintf("cannot speak %d digits, want 1 to %d", len(code), maxSpokenDigits)}
	}
	for i := 0; i < len(code); i++ {
		if code[i] < '0' || code[i] > '9' {
			return nil, &MalformedCodeError{Reason: fmt.Sprintf("cannot speak %q, only the ASCII digits 0-9", code[i]), Position: i + 1}
		}
	}
	v, err := loadVoice(lang)
	if err != nil {
		return nil, err
	}
	gap := v.gapBytes()
	size := gap * (len(code) - 1)
	for i := 0; i < len(code); i++ {
		size += len(v.samples[code[i]-'0'])
	}
	data := make([]byte, 0, size)
	for i := 0; i < len(code); i++ {
		if i > 0 {
			data = append(data, make([]byte, gap)...)
		}
		data = append(data, v.samples[code[i]-'0']...)
	}
	return WAV{SampleRate: v.rate, Channels: 1, BitsPerSample: 16, Data: data}.Bytes()
}

// TranscribeWAV is the listener of SpeakWAV: it returns the digits a WAV file made by
// SpeakWAV with the same lang reads out. It recognises this package's samples by exact
// comparison, not speech in general — it lets a test play the visually impaired user
// who listens to the audio code reader and types what it said. Audio that is not such a
// sequence fails with ErrUnrecognisedAudio saying where it stopped making sense;
// bytes that are no WAV file fail with ErrMalformedWAV.
func TranscribeWAV(wav []byte, lang Language) (string, error) {
	w, err := ParseWAV(wav)
	if err != nil {
		return "", err
	}
	v, err := loadVoice(lang)
	if err != nil {
		return "", err
	}
	if w.Channels != 1 || w.BitsPerSample != 16 || w.SampleRate != v.rate {
		return "", fmt.Errorf("%w: %d channels of %d bits at %d Hz, the %q voice is mono 16-bit at %d Hz",
			ErrUnrecognisedAudio, w.Channels, w.BitsPerSample, w.SampleRate, lang, v.rate)
	}
	at := func(off int) string {
		return time.Duration(uint64(off/2) * uint64(time.Second) / uint64(v.rate)).String() //nolint:gosec // G115: off is an offset into the data, never negative
	}
	gap := v.gapBytes()
	var digits []byte
	for off := 0; off < len(w.Data); {
		if len(digits) > 0 {
			if len(w.Data)-off < gap || !isSilent(w.Data[off:off+gap]) {
				return "", fmt.Errorf("%w: expected %v of silence at %s", ErrUnrecognisedAudio, DigitGap, at(off))
			}
			off += gap
		}
		d := -1
		for i, s := range v.samples {
			if bytes.HasPrefix(w.Data[off:], s) {
				d = i
				break
			}
		}
		if d < 0 {
			return "", fmt.Errorf("%w: no spoken digit at %s", ErrUnrecognisedAudio, at(off))
		}
		digits = append(digits, byte('0'+d))
		off += len(v.samples[d])
		if len(digits) > maxSpokenDigits {
			return "", fmt.Errorf("%w: more than %d digits", ErrUnrecognisedAudio, maxSpokenDigits)
		}
	}
	if len(digits) == 0 {
		return "", fmt.Errorf("%w: no audio", ErrUnrecognisedAudio)
	}
	return string(digits), nil
}

// isSilent reports whether every sample in b is zero.
func isSilent(b []byte) bool {
	for _, x := range b {
		if x != 0 {
			return false
		}
	}
	return true
}
