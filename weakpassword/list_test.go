package weakpassword

import (
	"strings"
	"testing"
)

// TestCommonList_HoldsTheWholeDictionary: the embedded list is the one
// data/README.md describes, whole and in order, and every entry is in the
// form Check compares in (else it could never match).
func TestCommonList_HoldsTheWholeDictionary(t *testing.T) {
	lines := strings.Split(strings.TrimSuffix(commonList, "\n"), "\n")
	if len(lines) != 47023 || len(commonSet()) != 47023 {
		t.Fatalf("the list has %d lines and %d distinct entries, want 47023", len(lines), len(commonSet()))
	}
	if lines[0] != "123456" || lines[1] != "password" || lines[len(lines)-1] != "xpcrew" {
		t.Fatalf("the list is not zxcvbn's in its order: starts %q, %q, ends %q", lines[0], lines[1], lines[len(lines)-1])
	}
	for _, l := range lines {
		if l == "" || fold(l) != l {
			t.Fatalf("entry %q is not in folded form", l)
		}
	}
}

// TestCommonSet_FindsExactlyTheEntries: the sorted set answers as a map
// of the entries would: every entry is in it, and a string one byte
// longer or shorter than an entry, or between two entries, is in it only
// if it is an entry itself.
func TestCommonSet_FindsExactlyTheEntries(t *testing.T) {
	m := buildMap()
	for e := range m {
		for _, s := range []string{e, e + "\x00", e + "a", e[:len(e)-1], "\n" + e, e + "\n", strings.ToUpper(e)} {
			if _, want := m[s]; isCommon(s) != want {
				t.Fatalf("isCommon(%q) = %v, want %v", s, !want, want)
			}
		}
	}
	if isCommon("") {
		t.Fatal("the empty string is common")
	}
}

// BenchmarkCheck runs beside BenchmarkLookup, the lookup in the list it
// wraps, so that the rules' overhead reads as a ratio:
//
//	go test -run='^$' -bench=. -benchmem ./weakpassword/
func BenchmarkCheck(b *testing.B) {
	commonSet()
	ctx := []string{"hest1234", "Anne-Marie Hansen", "mitid"}
	for b.Loop() {
		if err := Check("korrekt hest batteri", ctx...); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkCheckCommon is Check of a password that the list refuses.
func BenchmarkCheckCommon(b *testing.B) {
	commonSet()
	ctx := []string{"hest1234", "Anne-Marie Hansen", "mitid"}
	for b.Loop() {
		if err := Check("Password1", ctx...); err == nil {
			b.Fatal("accepted")
		}
	}
}

// BenchmarkLookup is the binary search of the sorted list, beside
// BenchmarkMapLookup, the lookup in a map of the same entries, which the
// list was until it had to hold no pointer (see commonSet).
func BenchmarkLookup(b *testing.B) {
	commonSet()
	for b.Loop() {
		if isCommon("korrekt hest batteri") {
			b.Fatal("common")
		}
	}
}

func BenchmarkMapLookup(b *testing.B) {
	set := buildMap()
	for b.Loop() {
		if _, ok := set["korrekt hest batteri"]; ok {
			b.Fatal("common")
		}
	}
}

// BenchmarkBuildList is the one-time cost of reading the embedded list,
// beside BenchmarkBuildMap, that of the map it was.
func BenchmarkBuildList(b *testing.B) {
	for b.Loop() {
		buildCommonSet()
	}
}

func BenchmarkBuildMap(b *testing.B) {
	for b.Loop() {
		buildMap()
	}
}

func buildMap() map[string]struct{} {
	set := make(map[string]struct{}, 47023)
	for entry := range strings.Lines(commonList) {
		set[strings.TrimSuffix(entry, "\n")] = struct{}{}
	}
	return set
}
