package weakpassword_test

import (
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/go-mitid/mitid/weakpassword"
)

// context is what go-mitid passes: the user ID, the person's name and the
// service's name.
var context = []string{"hest1234", "Anne-Marie Hansen", "mitid"}

// refused asserts that Check refuses pw by rule, and reports the weakness.
func refused(t *testing.T, rule weakpassword.Rule, sentinel error, pw string) *weakpassword.Weakness {
	t.Helper()
	err := weakpassword.Check(pw, context...)
	require.Error(t, err, "%q", pw)
	require.ErrorIs(t, err, sentinel, "%q", pw)
	var w *weakpassword.Weakness
	require.True(t, errors.As(err, &w))
	assert.Equal(t, rule, w.Rule, "%q", pw)
	return w
}

func TestCheck_CommonPasswordsAreRefusedIgnoringCase(t *testing.T) {
	for _, pw := range []string{
		"password", "PASSWORD", "Password1", "p@ssw0rd", "12345678", "iloveyou", "sunshine", "qwertyuiop",
		"trustno1", "kodeord", "hejmeddig",
		"ｐａｓｓｗｏｒｄ",                            // full width: NFKC makes it "password"
		"jennifer", "basketball", "elizabeth", // names and words people use as passwords
		"xpcrew", // the list's last entry: the whole list is read
	} {
		t.Run(pw, func(t *testing.T) {
			w := refused(t, weakpassword.Common, weakpassword.ErrCommon, pw)
			assert.Equal(t, -1, w.Context)
		})
	}
}

func TestCheck_RepetitionIsRefused(t *testing.T) {
	for _, tc := range []struct{ pw, part string }{
		{"zzzzzzzzzz", "z"},
		{"ÆÆÆÆÆÆÆÆ", "æ"},
		{"xkcxkcxkcxkc", "xkc"},
		{"xkcxkcxkcx", "xkc"}, // a partial last repeat
		{"9e9e9e9e9e", "9e"},
		{"zzzzyyyyzz", "zy"}, // two characters only
		{"#######!!", "#!"},
		{strings.Repeat("æbleskive ", 20), "æbleskive "}, // a long password can repeat too
	} {
		t.Run(tc.pw, func(t *testing.T) {
			w := refused(t, weakpassword.Repetition, weakpassword.ErrRepetition, tc.pw)
			assert.Equal(t, tc.part, w.Match)
		})
	}
}

func TestCheck_SequencesAreRefused(t *testing.T) {
	for _, pw := range []string{
		"23456789",          // digits
		"lmnopqrs",          // the alphabet
		"tsrqponm",          // backwards
		"uvwxyzæøå",         // the Danish alphabet's end
		"7890123456",        // digits wrap from 9 to 0
		"wertyuio",          // a keyboard row
		"ælkjhgfds",         // a Danish keyboard row backwards
		"zxcvbnm,.",         // the bottom row with its punctuation
		"5678defghi",        // two runs: NIST's "1234abcd"
		"jjjjj3456",         // a repeated character then a run
		"yuiophjkl",         // two keyboard runs
		"ertyuiopåasdfghjk", // across a row's end
		"efg8901234",        // 0 after 9: else three runs
		"987<zxcvbn",        // the Danish bottom row: else three runs
		"abcdefgh!",         // a run and one more character
		"#qwertyui",         // one character and a run
	} {
		t.Run(pw, func(t *testing.T) {
			w := refused(t, weakpassword.Sequence, weakpassword.ErrSequence, pw)
			assert.Equal(t, -1, w.Context)
		})
	}
}

func TestCheck_ContextWordsAreRefused(t *testing.T) {
	for _, tc := range []struct {
		pw, word string
		context  int
	}{
		{"Hest1234 er min", "hest1234", 0},            // the user ID
		{"MitID-kode 2026!", "mitid", 2},              // the service
		{"minMITIDkode", "mitid", 2},                  // inside, any case
		{"ＭｉｔＩＤ kodeord", "mitid", 2},                 // full width
		{"hansen fra aarhus", "hansen", 1},            // a word of the name
		{"annemariehansen", "annemariehansen", 1},     // the name without its separator
		{"annemarie elsker kage", "anne", 1},          // the first word found
		{"Anne-Marie Hansen", "anne-marie hansen", 1}, // the whole name
	} {
		t.Run(tc.pw, func(t *testing.T) {
			w := refused(t, weakpassword.ContextWord, weakpassword.ErrContextWord, tc.pw)
			assert.Equal(t, tc.word, w.Match)
			assert.Equal(t, tc.context, w.Context)
		})
	}
}

// TestCheck_ShortContextWordsOnlyAsTheWholePassword: "Bo" must not refuse
// every password with "bo" in it.
func TestCheck_ShortContextWordsOnlyAsTheWholePassword(t *testing.T) {
	require.NoError(t, weakpassword.Check("robotter i skoven", "Bo Li"))
	require.ErrorIs(t, weakpassword.Check("BO", "Bo Li"), weakpassword.ErrContextWord)
}

// TestCheck_StrongPasswordsPass: near misses of every rule pass, so that
// no rule is broader than it says.
func TestCheck_StrongPasswordsPass(t *testing.T) {
	for _, pw := range []string{
		"korrekt hest batteri", // "hest" is a word of no context argument
		"ni små grå æsler",     // non-ASCII
		"password is not it",   // a common password inside a longer one
		"abcdefgx1",            // a run and a two-character tail
		"zzzzzzzy1",            // repetition and a third character
		"12345q789",            // a run broken in the middle
		"ab12cd34ef",           // five runs of two
		"anne er her",          // "Anne" is not in this context
		"xkcxkcxkcxk!",         // a repeat with a tail breaks the period
	} {
		t.Run(pw, func(t *testing.T) {
			err := weakpassword.Check(pw, "hest1234", "Marie Hansen", "mitid")
			assert.NoError(t, err)
		})
	}
}

// TestCheck_LengthIsTheCallersRule: too short to be a pattern is for the
// caller's length rule to refuse, not Check.
func TestCheck_LengthIsTheCallersRule(t *testing.T) {
	for _, pw := range []string{"", "x", "x!"} {
		assert.NoError(t, weakpassword.Check(pw), "%q", pw)
	}
}

func TestCheck_RefusesWithoutContext(t *testing.T) {
	require.NoError(t, weakpassword.Check("mitid rocks forever"))
	require.ErrorIs(t, weakpassword.Check("mitid rocks forever", "", "mitid"), weakpassword.ErrContextWord, "an empty context word is skipped")
}

func TestWeakness_ErrorNamesTheRuleNotThePassword(t *testing.T) {
	err := weakpassword.Check("MitID-kode 2026!", "mitid")
	require.Error(t, err)
	assert.NotContains(t, err.Error(), "2026", "the message never repeats the password")
	for r := weakpassword.ContextWord; r <= weakpassword.Sequence; r++ {
		assert.NotContains(t, r.String(), "Rule(", "rule %d has a name", int(r))
	}
	assert.Equal(t, "Rule(9)", weakpassword.Rule(9).String())
}

func ExampleCheck() {
	for _, pw := range []string{"Password1", "abcabcabc", "5678efgh", "mitid-2026", "ni små grå æsler"} {
		var w *weakpassword.Weakness
		if err := weakpassword.Check(pw, "mitid"); errors.As(err, &w) {
			fmt.Printf("%s: %s\n", pw, w.Rule)
			continue
		}
		fmt.Printf("%s: ok\n", pw)
	}
	// Output:
	// Password1: common password
	// abcabcabc: repetition
	// 5678efgh: sequence
	// mitid-2026: context word
	// ni små grå æsler: ok
}

// TestCheck_ConcurrentUse: many goroutines checking at once, the first of
// them building the list, agree (run with -race).
func TestCheck_ConcurrentUse(t *testing.T) {
	var wg sync.WaitGroup
	errs := make([]error, 64)
	for i := range errs {
		wg.Go(func() {
			pw := "xpcrew"
			if i%2 == 1 {
				pw = "ni små grå æsler"
			}
			errs[i] = weakpassword.Check(pw, context...)
		})
	}
	wg.Wait()
	for i, err := range errs {
		if i%2 == 0 {
			assert.ErrorIs(t, err, weakpassword.ErrCommon, "goroutine %d", i)
		} else {
			assert.NoError(t, err, "goroutine %d", i)
		}
	}
}
