package main

import (
	"strings"
	"testing"
)

// The walk runs to its end and tells each of the five stories.
func TestWalk(t *testing.T) {
	var b strings.Builder
	if err := run(&b); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"Process 1.", "Process 2.", "Chip, way 1", "Chip, way 2", "Chip, way 3",
		"Identity confirmed by witness", "access granted", "activation_code_expired"} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("the walk does not tell %q", want)
		}
	}
}
