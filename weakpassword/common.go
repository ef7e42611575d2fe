package weakpassword

import (
	_ "embed"
	"strings"
	"sync"
)

// commonList is zxcvbn's password dictionary, one lower-case entry a line
// in order of frequency, written by internal/gen (go generate).
//
//go:embed data/zxcvbn-passwords.txt
var commonList string

// commonSet is the list as a set, built on first use: the map costs about
// 2.6 MB and a few milliseconds to build, which a program that never
// checks a password should not pay. It is never written after it is built.
var commonSet = sync.OnceValue(func() map[string]struct{} {
	set := make(map[string]struct{}, strings.Count(commonList, "\n"))
	for entry := range strings.Lines(commonList) {
		if entry = strings.TrimSuffix(entry, "\n"); entry != "" {
			set[entry] = struct{}{}
		}
	}
	return set
})

// isCommon reports whether the folded password is on the list. The list
// already holds the variants people really use ("password1", "p@ssw0rd",
// "passw0rd"), so no leet or affix rewriting is applied: rewriting would
// refuse passwords nobody has been seen to use, for no gain against an
// online attacker, who is throttled to a number of guesses far below the
// variants' count.
func isCommon(folded string) bool {
	_, ok := commonSet()[folded]
	return ok
}
