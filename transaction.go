package mitid

import (
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// What the person sees before approving must be exactly what they approve.
// A transaction text and a relying party's name are therefore refused when
// they hold a character that is not shown as itself: controls (Cc), format
// characters (Cf: zero-width joiners, direction marks, the Arabic letter
// mark U+061C, tag characters), line and paragraph separators (Zl, Zp),
// private-use (Co) and unassigned (Cn) code points, and every
// Bidi_Control character. A text must hold something visible (not only
// spaces and marks), and no base character may carry more than
// maxCombiningMarks combining marks (stacked marks can cover the
// neighbouring lines). Texts are NFC-normalised, so the text shown, hashed
// and signed is one sequence of code points whatever the relying party
// sent.

// maxCombiningMarks is the most combining marks one character may carry;
// Vietnamese needs two.
const maxCombiningMarks = 3

// maxRelyingPartyName bounds a relying party's name, in characters.
const maxRelyingPartyName = 64

// shownText checks a text that is shown to the person, NFC-normalises it
// and checks its length in characters against limit. field names the input
// for the error; what names it for the message.
func shownText(s string, limit int, field, what string) (string, error) {
	if !utf8.ValidString(s) {
		return "", invalidField(CodeLoginInvalid, field, "the %s is not valid UTF-8", what)
	}
	s = norm.NFC.String(s)
	n, marks, visible := 0, 0, false
	for _, r := range s {
		n++
		if r < utf8.RuneSelf {
			// ASCII, most of any text, as the tables below class it
			// (TestShownText_ASCIIAsTheTablesClassIt), without their
			// searches: controls are hidden, the space is not visible,
			// and nothing is a mark.
			if asciiHidden(r) {
				return "", invalidField(CodeLoginInvalid, field, "the %s holds the character %U, which is not shown as itself and could make what is shown differ from what is approved", what, r)
			}
			marks = 0
			visible = visible || r != ' '
			continue
		}
		if hidden(r) {
			return "", invalidField(CodeLoginInvalid, field, "the %s holds the character %U, which is not shown as itself and could make what is shown differ from what is approved", what, r)
		}
		if unicode.In(r, unicode.Mn, unicode.Me, unicode.Mc) {
			if marks++; marks > maxCombiningMarks {
				return "", invalidField(CodeLoginInvalid, field, "the %s stacks more than %d combining marks on one character", what, maxCombiningMarks)
			}
			continue
		}
		marks = 0
		visible = visible || unicode.In(r, unicode.L, unicode.N, unicode.P, unicode.S)
	}
	switch {
	case n == 0 || !visible:
		return "", invalidField(CodeLoginInvalid, field, "the %s must hold visible text", what)
	case n > limit:
		return "", invalidField(CodeLoginInvalid, field, "the %s must be at most %d characters; it has %d", what, limit, n)
	}
	return s, nil
}

// hidden reports a character that is not shown as itself: anything but a
// letter, a mark, a number, punctuation, a symbol or a space separator.
// Allowing those classes alone refuses Cc, Cf, Zl, Zp, Co and Cn, and with
// them every Bidi_Control character (all are Cf).
func hidden(r rune) bool {
	return !unicode.In(r, unicode.L, unicode.M, unicode.N, unicode.P, unicode.S, unicode.Zs)
}

// asciiHidden is hidden for an ASCII character: the controls.
func asciiHidden(r rune) bool { return r < 0x20 || r == 0x7f }

// relyingPartyActor is how a relying party appears as the actor of the
// events of a login it asked for: marked as a relying party, so that no
// name can pass for "support", "system" or "user" in the activity log.
func relyingPartyActor(name string) string {
	if name == "" {
		return "relying party"
	}
	return "relying party: " + name
}
