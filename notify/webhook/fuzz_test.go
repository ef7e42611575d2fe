package webhook

import (
	"net/http"
	"strconv"
	"testing"
	"time"
)

var fuzzNow = time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)

// FuzzRetryAfter: any header value yields nothing, or exactly now plus
// its seconds for a delay (RFC 9110's delay-seconds, up to 2^32-1), or
// the time an HTTP date names (one in the past is then the Dispatcher's
// to ignore); it never panics.
func FuzzRetryAfter(f *testing.F) {
	for _, s := range []string{"", "0", "120", "4294967295", "4294967296", "-1", "+5", "1.5", "soon", "Mon, 02 Mar 2026 10:01:30 GMT", "Monday, 02-Mar-26 10:01:30 GMT", "Mon Mar  2 10:01:30 2026"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, v string) {
		at, ok := retryAfter(v, fuzzNow)
		if !ok {
			if !at.IsZero() {
				t.Fatalf("%q: no time but %s", v, at)
			}
			return
		}
		if s, err := strconv.ParseUint(v, 10, 32); err == nil {
			if want := fuzzNow.Add(time.Duration(s) * time.Second); !at.Equal(want) {
				t.Fatalf("%q: %s, want %s", v, at, want)
			}
			return
		}
		d, err := http.ParseTime(v)
		if err != nil || !at.Equal(d) {
			t.Fatalf("%q: %s, which is neither a delay nor its date (%v)", v, at, err)
		}
	})
}

// FuzzVerify: a signature made by Sign verifies, and any change to the
// body, timestamp or signature is refused.
func FuzzVerify(f *testing.F) {
	f.Add("1772445600", []byte(`{"id":"x"}`), "v1=00")
	f.Add("", []byte{}, "")
	f.Add("abc", []byte("\x00\xff"), "v1=")
	secret := []byte("0123456789abcdef0123456789abcdef")
	f.Fuzz(func(t *testing.T, ts string, body []byte, sig string) {
		good := Sign(secret, "1772445600", body)
		if err := Verify(secret, "1772445600", good, body, fuzzNow, time.Minute); err != nil {
			t.Fatalf("own signature refused: %v", err)
		}
		if sig != good && Verify(secret, "1772445600", sig, body, fuzzNow, time.Minute) == nil {
			t.Fatalf("forged signature %q accepted", sig)
		}
		if ts != "1772445600" && Verify(secret, ts, good, body, fuzzNow, time.Minute) == nil {
			t.Fatalf("signature accepted for timestamp %q", ts)
		}
	})
}
