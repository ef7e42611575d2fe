package weakpassword

import (
	_ "embed"
	"slices"
	"strings"
	"sync"
)

// commonList is zxcvbn's password dictionary, one lower-case entry a line
// in order of frequency, written by internal/gen (go generate).
//
//go:embed data/zxcvbn-passwords.txt
var commonList string

// entry is where one entry of commonList lies: commonList[off:end].
type entry struct{ off, end uint32 }

func (e entry) String() string { return commonList[e.off:e.end] }

// commonSet is the list as a set: its distinct entries, sorted, built on
// first use (a few milliseconds, which a program that never checks a
// password should not pay). It holds no pointer, only where each entry
// lies in the embedded list, so the garbage collector never scans it: a
// map of the 47,023 strings (about 1.7 MB of keys pointing into the list)
// was scanned at every collection of a program that had ever checked a
// password, a cost each of its allocations then shared, a login's above
// all. This one is 376 KB. It is never written after it is built.
var commonSet = sync.OnceValue(buildCommonSet)

func buildCommonSet() []entry {
	set := make([]entry, 0, strings.Count(commonList, "\n")+1)
	for off := 0; off < len(commonList); {
		n := strings.IndexByte(commonList[off:], '\n')
		if n < 0 {
			n = len(commonList) - off
		}
		if n > 0 {
			set = append(set, entry{uint32(off), uint32(off + n)}) //nolint:gosec // offsets into the embedded list, about 400 KB: far below 4 GiB
		}
		off += n + 1
	}
	slices.SortFunc(set, func(a, b entry) int { return strings.Compare(a.String(), b.String()) })
	return slices.CompactFunc(set, func(a, b entry) bool { return a.String() == b.String() })
}

// isCommon reports whether the folded password is on the list. The list
// already holds the variants people really use ("password1", "p@ssw0rd",
// "passw0rd"), so no leet or affix rewriting is applied: rewriting would
// refuse passwords nobody has been seen to use, for no gain against an
// online attacker, who is throttled to a number of guesses far below the
// variants' count.
func isCommon(folded string) bool {
	_, ok := slices.BinarySearchFunc(commonSet(), folded, func(e entry, s string) int { return strings.Compare(e.String(), s) })
	return ok
}
