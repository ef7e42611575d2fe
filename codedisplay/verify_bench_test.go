package codedisplay

import (
	"encoding/base32"
	"testing"

	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"
)

// The benchmarks below set our Verify beside the raw primitive it wraps,
// totp.ValidateCustom from pquerna/otp, with the same parameters (6 digits, 30 s,
// SHA-1, skew 1), the same seed and time, in three cases: the code of the current step
// (one HMAC for both), of the previous step (pquerna tries current, +1, -1: three;
// Verify tries current, -1: two), and a wrong code (three HMACs each). Read the
// overhead as the ratio of each Verify case to its Raw case:
//
//	go test -run='^$' -bench=. -benchmem -count=5 ./codedisplay/

var benchCases = []struct {
	name string
	step int64 // offset of the code's step from the verifier's
}{
	{"current", 0},
	{"previous", -1},
	{"wrong", 99},
}

// benchCode returns the typed code for a case: a right code, or one no window step has.
func benchCode(b *testing.B, p Params, step int64) string {
	b.Helper()
	if step == 99 {
		return "000000" // checked below to match no step in the window
	}
	c, err := p.Code(rfcSeedSHA1, s0+step)
	if err != nil {
		b.Fatal(err)
	}
	return c
}

func BenchmarkVerify(b *testing.B) {
	p := MitIDParams()
	for _, c := range benchCases {
		code := benchCode(b, p, c.step)
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				_, err := p.Verify(rfcSeedSHA1, code, State{LastStep: s0 - 5}, t0)
				if (err == nil) == (c.step == 99) {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkRawValidateCustom(b *testing.B) {
	p := MitIDParams()
	secret := base32.StdEncoding.EncodeToString(rfcSeedSHA1)
	opts := totp.ValidateOpts{Period: 30, Skew: 1, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1}
	for _, c := range benchCases {
		code := benchCode(b, p, c.step)
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				ok, err := totp.ValidateCustom(code, secret, t0, opts)
				if err != nil || ok == (c.step == 99) {
					b.Fatal(ok, err)
				}
			}
		})
	}
}
