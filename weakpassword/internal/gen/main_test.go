package main

import (
	"os"
	"path/filepath"
	"slices"
	"testing"
)

// TestPasswords_ReadsTheDictionary: the generator keeps the passwords in
// order without their counts, and refuses a file of another shape rather
// than writing a wrong list.
func TestPasswords_ReadsTheDictionary(t *testing.T) {
	for _, tc := range []struct {
		name, src string
		want      []string
		fails     bool
	}{
		{name: "passwords in order", src: "123456          55893\npassword        20785\np@ssw0rd 11\n", want: []string{"123456", "password", "p@ssw0rd"}},
		{name: "no final newline", src: "123456 1\nqwerty 1", want: []string{"123456", "qwerty"}},
		{name: "a line without a count", src: "123456 1\npassword\n", fails: true},
		{name: "a password with a space", src: "correct horse 3\n", fails: true},
		{name: "a count not a number", src: "123456 many\n", fails: true},
		{name: "not lower case", src: "Password 3\n", fails: true},
		{name: "a password twice", src: "123456 3\n123456 2\n", fails: true},
		{name: "an empty line", src: "123456 3\n\nqwerty 2\n", fails: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "passwords.txt")
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
