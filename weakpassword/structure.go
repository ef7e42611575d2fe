package weakpassword

// repetition reports whether the folded password repeats one short part
// ("aaaaaaaa", "abcabcab": a period of at most half its length) or uses at
// most two different characters ("aaaabbbb", "1111111a"), and the part
// repeated.
func repetition(folded string) (string, bool) {
	r := []rune(folded)
	n := len(r)
	if p := period(r); p <= n/2 { // never for n < 2: p >= 1
		return string(r[:p]), true
	}
	if n < 4 {
		return "", false
	}
	a, b := r[0], r[0]
	for _, c := range r {
		switch {
		case c == a || c == b:
		case a == b:
			b = c
		default:
			return "", false
		}
	}
	return string([]rune{a, b}), true
}

// period returns the smallest p such that r[i] == r[i-p] for every i >= p
// (len(r) when there is none shorter), from the Knuth–Morris–Pratt
// failure function: linear, so a long password costs no more than it is
// long.
func period(r []rune) int {
	fail := make([]int, len(r)+1)
	fail[0] = -1
	k := -1
	for i, c := range r {
		for k >= 0 && r[k] != c {
			k = fail[k]
		}
		k++
		fail[i+1] = k
	}
	return len(r) - fail[len(r)]
}

// runs are the orders a sequence follows, each read forwards and
// backwards: the Danish alphabet, the digits (0 after 9 too), and the rows
// of Danish and US keyboards.
var runs = []string{
	"abcdefghijklmnopqrstuvwxyzæøå",
	"01234567890",
	"1234567890+´", "qwertyuiopå¨", "asdfghjklæø'", "<zxcvbnm,.-",
	"`1234567890-=", "qwertyuiop[]\\", "asdfghjkl;'", "zxcvbnm,./",
}

// minRun is the shortest password that can be a sequence.
const minRun = 3

// sequence reports whether the folded password (of at least minRun
// characters) is one run, or two runs of any length, where a run follows
// one order of runs in one direction or repeats one character:
// "12345678", "qwertyui", "zyxwvuts", "1234abcd" (NIST's example),
// "aaaa1234", "abcdefgh!". A character on its own is a run too, so a
// sequence with one character added before or after is still refused.
func sequence(folded string) bool {
	r := []rune(folded)
	n := len(r)
	if n < minRun {
		return false
	}
	head := longestRun(r, 1)
	if head == n {
		return true
	}
	tail := longestRun(r, -1)
	// Runs are closed under taking a part, so a split after k characters
	// works when the head run reaches k and the tail run reaches n-k.
	return head+tail >= n
}

// longestRun returns the length of the longest run at the start of r
// (dir 1) or at its end (dir -1).
func longestRun(r []rune, dir int) int {
	if len(r) < 2 {
		return len(r)
	}
	at := func(i int) rune { // the i-th rune from the start or the end
		if dir > 0 {
			return r[i]
		}
		return r[len(r)-1-i]
	}
	longest := extend(len(r), func(i int) bool { return at(i) == at(i+1) })
	for _, order := range runs {
		for _, forward := range []bool{true, false} {
			l := extend(len(r), func(i int) bool {
				a, b := at(i), at(i+1)
				if dir < 0 {
					a, b = b, a
				}
				if !forward {
					a, b = b, a
				}
				return adjacent(order, a, b)
			})
			longest = max(longest, l)
		}
	}
	return longest
}

// extend returns 1 + how many steps i = 0, 1, ... in a row satisfy ok,
// up to n.
func extend(n int, ok func(i int) bool) int {
	l := 1
	for l < n && ok(l-1) {
		l++
	}
	return l
}

// adjacent reports whether b follows a directly in order.
func adjacent(order string, a, b rune) bool {
	prev := rune(-1)
	for _, c := range order {
		if prev == a && c == b {
			return true
		}
		prev = c
	}
	return false
}
