package main

import (
	"os"
	"path/filepath"
	"slices"
	"testing"
)

// TestPasswords_ReadsTheListFromTheFrequencyLists: the generator takes the
// "passwords" entry only, in order, and refuses a file of another shape
// rather than writing a wrong list.
func TestPasswords_ReadsTheListFromTheFrequencyLists(t *testing.T) {
	for _, tc := range []struct {
		name, src string
		want      []string
		fails     bool
	}{
		{name: "the passwords entry, in order", src: `package frequency
var FrequencyLists = map[string][]string{
	"english_wikipedia": {"the", "of"},
	"passwords": {"123456", "password", "p\x40ssw0rd"},
	"surnames": {"smith"},
}`, want: []string{"123456", "password", "p@ssw0rd"}},
		{name: "no passwords entry", src: `package frequency
var FrequencyLists = map[string][]string{"surnames": {"smith"}}`, fails: true},
		{name: "an entry not lower case", src: `package frequency
var FrequencyLists = map[string][]string{"passwords": {"Password"}}`, fails: true},
		{name: "an entry not a string", src: `package frequency
var FrequencyLists = map[string][]string{"passwords": {x}}`, fails: true},
		{name: "an entry over two lines", src: "package frequency\nvar FrequencyLists = map[string][]string{\"passwords\": {\"a\\nb\"}}", fails: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "lists.go")
			if err := os.WriteFile(path, []byte(tc.src), 0o644); err != nil {
				t.Fatal(err)
			}
			got, err := passwords(path)
			if tc.fails {
				if err == nil {
					t.Fatalf("read %q from a file of another shape", got)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(got, tc.want) {
				t.Fatalf("got %q, want %q", got, tc.want)
			}
		})
	}
}
