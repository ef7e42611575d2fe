package mitid

import (
	"testing"
	"unicode"
	"unicode/utf8"
)

// TestShownText_ASCIIAsTheTablesClassIt: shownText's ASCII fast path
// classes every ASCII character as the Unicode tables do: hidden, a
// combining mark, visible.
func TestShownText_ASCIIAsTheTablesClassIt(t *testing.T) {
	for r := rune(0); r < utf8.RuneSelf; r++ {
		if asciiHidden(r) != hidden(r) {
			t.Errorf("%U: hidden %v, the tables say %v", r, asciiHidden(r), hidden(r))
		}
		if unicode.In(r, unicode.Mn, unicode.Me, unicode.Mc) {
			t.Errorf("%U is a combining mark", r)
		}
		if visible := !asciiHidden(r) && r != ' '; visible != unicode.In(r, unicode.L, unicode.N, unicode.P, unicode.S) {
			t.Errorf("%U: visible %v, the tables say %v", r, visible, !visible)
		}
	}
}
