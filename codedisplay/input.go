package codedisplay

import (
	"fmt"
	"unicode"
	"unicode/utf8"
)

// maxInputBytes bounds what a person may type for a code or a serial number. Anything
// longer is not a typo of a 6-10 digit number, and the bound keeps the work per request
// small whatever a client sends.
const maxInputBytes = 64

// The rules for what a person types, shared by codes and serial numbers:
//
//   - Digits are ASCII 0-9 or their full-width forms U+FF10-U+FF19, which East Asian
//     input methods produce; both mean the same digit.
//   - Separators are ignored wherever they appear: any Unicode white space (space, tab,
//     no-break space, thin space, ideographic space, ...), the hyphens and dashes people
//     and word processors put in numbers (- U+2010 U+2011 U+2012 U+2013 U+2212 U+FF0D),
//     and the invisible characters copy-and-paste carries along (U+200B, U+2060, U+FEFF).
//     So "123456", "123 456", "123-456" and " 123 456\n" are the same code.
//   - Anything else is an error naming the character and its position: letters (no
//     guessing that O meant 0), punctuation, and decimal digits of other scripts (such
//     as Arabic-Indic), which are rejected rather than converted because a code display
//     never shows them and silently converting them would hide a confused entry.
//   - Text that is not valid UTF-8 is an error.

// inputProblem is what scanDigits found wrong; the caller turns it into its own error.
type inputProblem struct {
	reason string
	pos    int // 1-based character position, 0 for the input as a whole
}

// isSeparator reports whether r is ignored between digits.
func isSeparator(r rune) bool {
	switch r {
	case '-', '\u2010', '\u2011', '\u2012', '\u2013', '\u2212', '\uFF0D',
		'\u200B', '\u2060', '\uFEFF':
		return true
	}
	return unicode.IsSpace(r)
}

// scanDigits writes the digits of s, as ASCII, into buf and returns how many digits s
// holds, which may exceed len(buf) (the excess is counted, not stored) so the caller can
// say "has 9 digits, want 6". It allocates only when it reports a problem.
func scanDigits(s string, buf []byte) (int, *inputProblem) {
	if len(s) > maxInputBytes {
		return 0, &inputProblem{reason: fmt.Sprintf("is %d bytes long, at most %d are accepted", len(s), maxInputBytes)}
	}
	n, pos := 0, 0
	for i, r := range s {
		pos++
		var d byte
		switch {
		case r >= '0' && r <= '9':
			d = byte(r)
		case r >= '\uFF10' && r <= '\uFF19':
			d = byte(r-'\uFF10') + '0'
		case isSeparator(r):
			continue
		case r == utf8.RuneError && !validRuneAt(s, i):
			return 0, &inputProblem{reason: "is not valid UTF-8 text", pos: pos}
		case unicode.IsDigit(r):
			return 0, &inputProblem{reason: fmt.Sprintf("digit %q is not accepted, type the digits 0-9", r), pos: pos}
		case unicode.IsLetter(r):
			return 0, &inputProblem{reason: fmt.Sprintf("letter %q is not a digit", r), pos: pos}
		default:
			return 0, &inputProblem{reason: fmt.Sprintf("character %q is not a digit", r), pos: pos}
		}
		if n < len(buf) {
			buf[n] = d
		}
		n++
	}
	if n == 0 {
		if pos == 0 {
			return 0, &inputProblem{reason: "is empty"}
		}
		return 0, &inputProblem{reason: "contains no digits"}
	}
	return n, nil
}

// validRuneAt reports whether s holds a real U+FFFD at byte i rather than an invalid
// byte that range decoded as U+FFFD.
func validRuneAt(s string, i int) bool {
	_, size := utf8.DecodeRuneInString(s[i:])
	return size == 3
}

// isASCIIDigits reports whether s is exactly the digits in b, so a code typed in the
// canonical form is returned as-is without allocating.
func isASCIIDigits(s string, b []byte) bool {
	if len(s) != len(b) {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] != b[i] {
			return false
		}
	}
	return true
}
