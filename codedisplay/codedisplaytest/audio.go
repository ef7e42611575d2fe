package codedisplaytest

import (
	"fmt"
	"time"

	"github.com/go-mitid/mitid/codedisplay"
)

// AudioDevice simulates an audio code reader: a code display that also reads its code
// aloud in one language. Like Device it never changes after NewAudioDevice and is safe
// for concurrent use when its clock is.
type AudioDevice struct {
	*Device
	lang codedisplay.Language
}

// NewAudioDevice returns an audio code reader built around d, speaking lang. It fails
// with ErrInvalidDevice for a nil d and codedisplay.ErrUnsupportedLanguage for an unknown lang.
func NewAudioDevice(d *Device, lang codedisplay.Language) (*AudioDevice, error) {
	if d == nil {
		return nil, fmt.Errorf("%w: nil device", ErrInvalidDevice)
	}
	// Speaking a digit checks that the package has a voice for lang.
	if _, err := codedisplay.SpeakWAV("0", lang); err != nil {
		return nil, err
	}
	return &AudioDevice{Device: d, lang: lang}, nil
}

// Language returns the language the device speaks.
func (a *AudioDevice) Language() codedisplay.Language { return a.lang }

// SpeakWAV returns code read aloud in the device's language, as
// codedisplay.SpeakWAV does.
func (a *AudioDevice) SpeakWAV(code string) ([]byte, error) {
	return codedisplay.SpeakWAV(code, a.lang)
}

// Speak returns the code the device shows now, read aloud: what the user hears on
// pressing the button.
func (a *AudioDevice) Speak() ([]byte, error) { return a.SpeakAt(a.clock()) }

// SpeakAt returns the code of time t read aloud.
func (a *AudioDevice) SpeakAt(t time.Time) ([]byte, error) {
	code, err := a.CodeAt(t)
	if err != nil {
		return nil, err
	}
	return a.SpeakWAV(code)
}
