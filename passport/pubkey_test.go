package passport_test

import (
	"errors"
	"testing"

	"github.com/go-mitid/mitid/passport"
	"github.com/go-mitid/mitid/passport/internal/testhex"
)

// TestParsePublicKeyInfo_RefusalsNameTheirKind: a SubjectPublicKeyInfo that
// is not well formed is refused with ErrMalformedPublicKey, one this package
// cannot use with ErrUnsupportedAlgorithm, and never both: a caller can tell
// a damaged key from an unknown one. (Malformed ones wrapped no exported
// sentinel before.)
func TestParsePublicKeyInfo_RefusalsNameTheirKind(t *testing.T) {
	p256 := "3059301306072a8648ce3d020106082a8648ce3d030107034200" +
		"046b17d1f2e12c4247f8bce6e563a440f277037d812deb33a0f4a13945d898c296" +
		"4fe342e2fe1a7f9b8ee7eb4a7c0f9e162bce33576b315ececbb6406837bf51f5"
	for _, tc := range []struct {
		rule        string
		der         string
		want, never error
	}{
		{"one element instead of two", "300330010a", passport.ErrMalformedPublicKey, passport.ErrUnsupportedAlgorithm},
		{"not DER at all", "3084ffffffff", passport.ErrMalformedPublicKey, passport.ErrUnsupportedAlgorithm},
		{"trailing bytes", p256 + "00", passport.ErrMalformedPublicKey, passport.ErrUnsupportedAlgorithm},
		{"key not a whole-byte BIT STRING", "3019301306072a8648ce3d020106082a8648ce3d030107030201ff", passport.ErrMalformedPublicKey, passport.ErrUnsupportedAlgorithm},
		{"point off the curve", p256[:len(p256)-2] + "f6", passport.ErrMalformedPublicKey, passport.ErrUnsupportedAlgorithm},
		{"RSA key that is no RSAPublicKey", "3014300d06092a864886f70d0101010500" + "0303003000", passport.ErrMalformedPublicKey, passport.ErrUnsupportedAlgorithm},
		{"unknown algorithm", "300d300806062a0304050607030100", passport.ErrUnsupportedAlgorithm, passport.ErrMalformedPublicKey},
		{"unknown named curve", "3019301306072a8648ce3d020106082a0304050607080903020004", passport.ErrUnsupportedAlgorithm, passport.ErrMalformedPublicKey},
	} {
		t.Run(tc.rule, func(t *testing.T) {
			_, err := passport.ParsePublicKeyInfo(testhex.Decode(t, tc.der))
			if !errors.Is(err, tc.want) {
				t.Fatalf("err = %v, want %v", err, tc.want)
			}
			if errors.Is(err, tc.never) {
				t.Fatalf("err = %v is also %v", err, tc.never)
			}
		})
	}
	if _, err := passport.ParsePublicKeyInfo(testhex.Decode(t, p256)); err != nil {
		t.Fatalf("the P-256 generator: %v", err)
	}
}
