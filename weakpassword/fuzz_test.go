package weakpassword_test

import (
	"errors"
	"strings"
	"testing"

	"golang.org/x/text/unicode/norm"

	"github.com/go-mitid/mitid/weakpassword"
)

// FuzzCheck: Check never panics, and every refusal is typed and says what
// it found: the list entry or sequence is the whole password, the repeated
// part builds it, the context word is in it.
func FuzzCheck(f *testing.F) {
	for _, s := range [][2]string{
		{"korrekt hest batteri", "mitid"}, {"Password1", ""}, {"abcabcabc", ""}, {"1234abcd", ""},
		{"MitID2026", "mitid"}, {"ｐａｓｓｗｏｒｄ", ""}, {"ß\u0301İ", "İ"}, {"\xff\xfe", "\xff"},
	} {
		f.Add(s[0], s[1])
	}
	f.Fuzz(func(t *testing.T, pw, context string) {
		err := weakpassword.Check(pw, context, "mitid")
		if err == nil {
			return
		}
		var w *weakpassword.Weakness
		if !errors.As(err, &w) {
			t.Fatalf("untyped error %v", err)
		}
		folded := strings.ToLower(norm.NFKC.String(pw))
		switch w.Rule {
		case weakpassword.Common, weakpassword.Sequence:
			if w.Match != folded || w.Context != -1 {
				t.Fatalf("%v matched %q in %q", w.Rule, w.Match, folded)
			}
		case weakpassword.Repetition:
			if w.Match == "" || strings.Trim(folded, w.Match) != "" {
				t.Fatalf("repetition of %q does not build %q", w.Match, folded)
			}
		case weakpassword.ContextWord:
			if w.Match == "" || !strings.Contains(folded, w.Match) || w.Context < 0 || w.Context > 1 {
				t.Fatalf("context word %q (%d) is not in %q", w.Match, w.Context, folded)
			}
		default:
			t.Fatalf("unknown rule %v", w.Rule)
		}
		if !errors.Is(err, w.Unwrap()) {
			t.Fatal("the weakness does not wrap its sentinel")
		}
	})
}
