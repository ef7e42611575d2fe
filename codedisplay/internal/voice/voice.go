// Package voice holds the spoken digits the audio code reader plays: one WAV file per
// digit and language, made by generate.sh with espeak-ng and checked in so that nothing
// at build or test time needs a speech synthesizer.
//
// MANIFEST.txt beside this file records the tool versions, the phonemes spoken and a
// SHA-256 of every sample.
package voice

import (
	"embed"
	"fmt"
)

// files is read-only: embed.FS has no method that changes it.
//
//go:embed da/*.wav en/*.wav
var files embed.FS

// Languages lists the language directories that hold a full set of digits 0-9,
// in the order of preference (Danish first: MitID is Danish).
func Languages() []string { return []string{"da", "en"} }

// Sample returns a fresh copy of the WAV file (PCM, mono, 16-bit) in which the voice
// of lang says digit. It fails for a language or digit it has no sample for.
func Sample(lang string, digit int) ([]byte, error) {
	if digit < 0 || digit > 9 {
		return nil, fmt.Errorf("voice: no sample for digit %d (want 0-9)", digit)
	}
	b, err := files.ReadFile(fmt.Sprintf("%s/%d.wav", lang, digit))
	if err != nil {
		return nil, fmt.Errorf("voice: no sample for language %q: %w", lang, err)
	}
	return b, nil
}
