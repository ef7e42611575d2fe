package codedisplay

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The seeds of RFC 4226 Appendix D and RFC 6238 Appendix B: the ASCII digits
// "1234567890" repeated to the hash's output length.
var (
	rfcSeedSHA1   = []byte("12345678901234567890")
	rfcSeedSHA256 = []byte("12345678901234567890123456789012")
	rfcSeedSHA512 = []byte("1234567890123456789012345678901234567890123456789012345678901234")
)

// TestVerify_RFC4226AppendixD runs the HOTP test values through the TOTP verifier: with
// a 30 s period, time 30·count is time step count, so Verify must accept each value at
// exactly that step (Drift 0) from a fresh state. Count 0 needs LastStep -1, because the
// zero State never accepts step 0 (see State).
func TestVerify_RFC4226AppendixD(t *testing.T) {
	want := []string{"755224", "287082", "359152", "969429", "338314", "254676", "287922", "162583", "399871", "520489"}
	p := Params{Digits: 6, Period: 30 * time.Second, Algorithm: SHA1, Skew: 1}
	for count, code := range want {
		now := time.Unix(int64(30*count), 0)

		got, err := p.Code(rfcSeedSHA1, int64(count))
		require.NoError(t, err)
		assert.Equal(t, code, got, "Code, count %d", count)

		m, err := p.Verify(rfcSeedSHA1, code, State{LastStep: -1}, now)
		require.NoError(t, err, "count %d", count)
		assert.Equal(t, int64(count), m.Step, "count %d", count)
		assert.Zero(t, m.Drift, "count %d", count)
		assert.Equal(t, State{LastStep: int64(count)}, m.NewState, "count %d", count)
	}
}

// rfc6238Vectors is the table of RFC 6238 Appendix B: Unix time, time step T (the
// RFC's hex column), and the 8-digit TOTP for each algorithm.
var rfc6238Vectors = []struct {
	unix                 int64
	step                 int64
	sha1, sha256, sha512 string
}{
	{59, 0x1, "94287082", "46119246", "90693936"},
	{1111111109, 0x23523EC, "07081804", "68084774", "25091201"},
	{1111111111, 0x23523ED, "14050471", "67062674", "99943326"},
	{1234567890, 0x273EF07, "89005924", "91819424", "93441116"},
	{2000000000, 0x3F940AA, "69279037", "90698825", "38618901"},
	{20000000000, 0x27BC86AA, "65353130", "77737706", "47863826"},
}

// TestVerify_RFC6238AppendixB verifies every value of the RFC 6238 table through
// Verify, from a fresh state, at the listed time and also with the verifier's clock one
// step late and one step early (skew 1), where the match must report the drift.
func TestVerify_RFC6238AppendixB(t *testing.T) {
	for _, v := range rfc6238Vectors {
		for _, a := range []struct {
			alg  Algorithm
			seed []byte
			code string
		}{{SHA1, rfcSeedSHA1, v.sha1}, {SHA256, rfcSeedSHA256, v.sha256}, {SHA512, rfcSeedSHA512, v.sha512}} {
			p := Params{Digits: 8, Period: 30 * time.Second, Algorithm: a.alg, Skew: 1, MaxDrift: 5}
			now := time.Unix(v.unix, 0).UTC()

			step, err := p.Step(now)
			require.NoError(t, err)
			assert.Equal(t, v.step, step, "%v at %d", a.alg, v.unix)

			got, err := p.CodeAt(a.seed, now)
			require.NoError(t, err)
			assert.Equal(t, a.code, got, "CodeAt %v at %d", a.alg, v.unix)

			for _, late := range []int64{0, 1, -1} {
				m, err := p.Verify(a.seed, a.code, State{}, now.Add(time.Duration(late)*p.Period))
				require.NoError(t, err, "%v at %d, verifier %d steps late", a.alg, v.unix, late)
				assert.Equal(t, v.step, m.Step, "%v at %d", a.alg, v.unix)
				assert.Equal(t, int(-late), m.Drift, "%v at %d", a.alg, v.unix)
				assert.Equal(t, State{LastStep: v.step, Drift: int(-late)}, m.NewState)
			}

			// Two steps away is outside a skew of 1 around a drift of 0.
			_, err = p.Verify(a.seed, a.code, State{}, now.Add(2*p.Period))
			assert.ErrorIs(t, err, ErrWrongCode, "%v at %d", a.alg, v.unix)
		}
	}
}

// TestCode_RFC4226Sec53_ShorterCodesAreTheLastDigits: a code is Snum mod 10^Digits, so
// the 6- and 7-digit codes of every RFC 6238 vector are the last digits of its 8-digit
// code, and Verify accepts them.
func TestCode_RFC4226Sec53_ShorterCodesAreTheLastDigits(t *testing.T) {
	for _, v := range rfc6238Vectors {
		for _, digits := range []int{6, 7} {
			p := Params{Digits: digits, Period: 30 * time.Second, Algorithm: SHA256, Skew: 1}
			now := time.Unix(v.unix, 0)
			got, err := p.CodeAt(rfcSeedSHA256, now)
			require.NoError(t, err)
			assert.Equal(t, v.sha256[8-digits:], got, "%d digits at %d", digits, v.unix)
			m, err := p.Verify(rfcSeedSHA256, got, State{}, now)
			require.NoError(t, err)
			assert.Equal(t, v.step, m.Step)
		}
	}
}
