package codedisplay

import (
	"errors"
	"fmt"
)

// Sentinel errors; test with errors.Is. Every error caused by a caller's input wraps
// exactly one of them, so a caller never has to read a message to decide what happened;
// an error from an injected io.Reader is returned wrapped, as it came.
var (
	// ErrMalformedCode: the typed code is not a code at all (wrong length, a letter, ...).
	// Nothing was compared against the seed, so a caller may choose not to count it as a
	// failed attempt. The error is a *MalformedCodeError saying what is wrong.
	ErrMalformedCode = errors.New("codedisplay: malformed code")

	// ErrWrongCode: a well-formed code that matches no time step in the window.
	ErrWrongCode = errors.New("codedisplay: wrong code")

	// ErrCodeReused: the code is right for a time step at or below the last accepted one.
	// RFC 6238 §5.2: a verifier must not accept the second attempt of the same OTP.
	ErrCodeReused = errors.New("codedisplay: code already used")

	// ErrInvalidParams: a Params value outside what RFC 4226/6238 and this package allow.
	ErrInvalidParams = errors.New("codedisplay: invalid parameters")

	// ErrInvalidSeed: a seed too short to be a secret (RFC 4226 R6: at least 128 bits).
	ErrInvalidSeed = errors.New("codedisplay: invalid seed")

	// ErrInvalidTime: a time this package cannot turn into a time step (before the Unix
	// epoch, or too far in the future to add a window to).
	ErrInvalidTime = errors.New("codedisplay: invalid time")

	// ErrMalformedSerial: text that is not a serial number (wrong length, a letter, ...).
	ErrMalformedSerial = errors.New("codedisplay: malformed serial number")

	// ErrSerialCheckDigit: ten digits whose check digit does not match, which almost
	// always means a typing mistake.
	ErrSerialCheckDigit = errors.New("codedisplay: serial number check digit mismatch")

	// ErrUnsupportedLanguage: no voice for the requested language.
	ErrUnsupportedLanguage = errors.New("codedisplay: unsupported language")

	// ErrMalformedWAV: bytes that are not a WAV file this package can read.
	ErrMalformedWAV = errors.New("codedisplay: malformed WAV")

	// ErrUnrecognisedAudio: audio that is not a sequence of this package's spoken digits.
	ErrUnrecognisedAudio = errors.New("codedisplay: unrecognised audio")
)

// MalformedCodeError says what is wrong with a typed code, for a message or for a form
// that highlights the offending character. It matches ErrMalformedCode with errors.Is.
type MalformedCodeError struct {
	// Reason is a short explanation a person can act on, e.g. "has 5 digits, want 6".
	Reason string
	// Position is the 1-based character position of the offending character, or 0 when
	// the problem is the code as a whole (empty, too long, wrong number of digits).
	Position int
}

// Error returns "codedisplay: malformed code: <reason>".
func (e *MalformedCodeError) Error() string {
	if e.Position > 0 {
		return fmt.Sprintf("%v: %s (character %d)", ErrMalformedCode, e.Reason, e.Position)
	}
	return fmt.Sprintf("%v: %s", ErrMalformedCode, e.Reason)
}

// Unwrap makes errors.Is(err, ErrMalformedCode) true.
func (e *MalformedCodeError) Unwrap() error { return ErrMalformedCode }
