package weakpassword

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// minContextWord is the shortest context word refused anywhere in a
// password. A shorter one ("Bo", "Li") is refused only as the whole
// password: inside a longer one it is as likely chance as a derivative.
const minContextWord = 4

// containsContext reports which context argument the folded password
// draws on, and the word found: the argument whole, or with its
// separators removed, or one of its words.
func containsContext(folded string, context []string) (int, string, bool) {
	for i, c := range context {
		c = fold(c)
		words := strings.FieldsFunc(c, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) })
		candidates := append([]string{c, strings.Join(words, "")}, words...)
		for _, w := range candidates {
			if w == "" {
				continue
			}
			if folded == w || utf8.RuneCountInString(w) >= minContextWord && strings.Contains(folded, w) {
				return i, w, true
			}
		}
	}
	return 0, "", false
}
