// Package testhex reads and writes the hexadecimal test vectors of
// passport's tests (ICAO 9303's worked examples are printed in hex). It is
// for tests only; it sits under internal so that no importer sees it.
package testhex

import (
	"encoding/hex"
	"strings"
	"testing"
)

// Decode returns the bytes of the hex string s, or fails the test when s
// is not hex.
func Decode(tb testing.TB, s string) []byte {
	tb.Helper()
	b, err := hex.DecodeString(s)
	if err != nil {
		tb.Fatalf("bad hex %q: %v", s, err)
	}
	return b
}

// Upper writes b in upper-case hex, as the standard prints its examples.
func Upper(b []byte) string { return strings.ToUpper(hex.EncodeToString(b)) }
