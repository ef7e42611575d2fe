package codedisplay

import (
	"bytes"
	"encoding/json"
	"errors"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestDamm_PublishedExample: the worked example of Damm's algorithm, 572 → check
// digit 4.
func TestDamm_PublishedExample(t *testing.T) {
	assert.Equal(t, byte(4), damm([]byte("572")))
	assert.Equal(t, byte(0), damm([]byte("5724")))
}

// TestDamm_TableIsAWeakTotallyAntiSymmetricQuasigroup checks the table's defining
// properties, which is what makes the detection guarantees below hold: each row and
// column is a permutation, the diagonal is zero, and (c∗x)∗y = (c∗y)∗x only for x = y.
func TestDamm_TableIsAWeakTotallyAntiSymmetricQuasigroup(t *testing.T) {
	op := func(a, b int) int { return int(dammTable[10*a+b] - '0') }
	for i := range 10 {
		var row, col [10]bool
		for j := range 10 {
			row[op(i, j)] = true
			col[op(j, i)] = true
		}
		assert.Equal(t, [10]bool{true, true, true, true, true, true, true, true, true, true}, row, "row %d", i)
		assert.Equal(t, [10]bool{true, true, true, true, true, true, true, true, true, true}, col, "column %d", i)
		assert.Zero(t, op(i, i), "diagonal %d", i)
		for x := range 10 {
			for y := range 10 {
				if x != y {
					assert.NotEqual(t, op(op(i, x), y), op(op(i, y), x), "c=%d x=%d y=%d", i, x, y)
				}
			}
		}
	}
}

// TestParseSerial_CatchesEverySingleTypoAndAdjacentSwap: for many serial numbers, every
// one-digit substitution and every swap of two different adjacent digits is refused
// with ErrSerialCheckDigit.
func TestParseSerial_CatchesEverySingleTypoAndAdjacentSwap(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for range 300 {
		s, err := SerialFromNumber(r.Uint64N(MaxSerialNumber + 1))
		require.NoError(t, err)
		d := []byte(s.Digits())
		for i := range d {
			for c := byte('0'); c <= '9'; c++ {
				if c == d[i] {
					continue
				}
				typo := bytes.Clone(d)
				typo[i] = c
				_, err := ParseSerial(string(typo))
				assert.ErrorIs(t, err, ErrSerialCheckDigit, "%s → %s", d, typo)
			}
			if i+1 < len(d) && d[i] != d[i+1] {
				swap := bytes.Clone(d)
				swap[i], swap[i+1] = swap[i+1], swap[i]
				_, err := ParseSerial(string(swap))
				assert.ErrorIs(t, err, ErrSerialCheckDigit, "%s → %s", d, swap)
			}
		}
	}
}

func TestSerial_FormatsAndRoundTrips(t *testing.T) {
	s, err := SerialFromNumber(572000001)
	require.NoError(t, err)
	assert.Equal(t, "5720000019", s.Digits())
	assert.Equal(t, "572 000 0019", s.String())
	assert.Equal(t, uint64(572000001), s.Number())
	assert.False(t, s.IsZero())
	for _, typed := range []string{"5720000019", "572 000 0019", "572-000-0019", " 5720 0000 19 ", "５７２０００００１９"} {
		got, err := ParseSerial(typed)
		require.NoError(t, err, "%q", typed)
		assert.Equal(t, s, got, "%q", typed)
	}

	zero, err := SerialFromNumber(0)
	require.NoError(t, err)
	assert.Equal(t, "0000000000", zero.Digits(), "Damm of all zeros is 0")

	_, err = SerialFromNumber(MaxSerialNumber + 1)
	assert.ErrorIs(t, err, ErrMalformedSerial)

	type rec struct{ Serial, None Serial }
	b, err := json.Marshal(rec{Serial: s})
	require.NoError(t, err)
	assert.JSONEq(t, `{"Serial":"5720000019","None":""}`, string(b))
	var back rec
	require.NoError(t, json.Unmarshal(b, &back))
	assert.Equal(t, rec{Serial: s}, back)
	assert.ErrorIs(t, json.Unmarshal([]byte(`{"Serial":"5720000018"}`), &back), ErrSerialCheckDigit)
}

func TestParseSerial_ClearErrors(t *testing.T) {
	for _, c := range []struct {
		in      string
		want    error
		message string
	}{
		{"", ErrMalformedSerial, "codedisplay: malformed serial number: the serial number is empty"},
		{"572000001", ErrMalformedSerial, "codedisplay: malformed serial number: the serial number has 9 digits, want 10"},
		{"57200000190", ErrMalformedSerial, "codedisplay: malformed serial number: the serial number has 11 digits, want 10"},
		{"572 OOO 0019", ErrMalformedSerial, "codedisplay: malformed serial number: the serial number letter 'O' is not a digit (character 5)"},
		{"5720000091", ErrSerialCheckDigit, "codedisplay: serial number check digit mismatch: 572 000 0091 is not a valid serial number; check it for a mistyped or swapped digit"},
	} {
		_, err := ParseSerial(c.in)
		require.ErrorIs(t, err, c.want, "%q", c.in)
		assert.Equal(t, c.message, err.Error(), "%q", c.in)
	}
}

// TestNewSerial_UniformDrawWithRejection: a draw at or above 4·10^9 is rejected and the
// next one used; a reader that only yields such draws fails instead of looping.
func TestNewSerial_UniformDrawWithRejection(t *testing.T) {
	// 0xEE6B2800 = 4,000,000,000 is rejected; 0x3B9ACA07 = 1,000,000,007 → 7.
	s, err := NewSerial(bytes.NewReader([]byte{0xEE, 0x6B, 0x28, 0x00, 0x3B, 0x9A, 0xCA, 0x07}))
	require.NoError(t, err)
	assert.Equal(t, uint64(7), s.Number())

	_, err = NewSerial(bytes.NewReader(bytes.Repeat([]byte{0xFF}, 4*maxSerialDraws)))
	assert.ErrorContains(t, err, "not random")
	_, err = NewSerial(strings.NewReader("ab"))
	assert.ErrorContains(t, err, "reading serial number")
	_, err = NewSerial(nil)
	assert.Error(t, err)
}

// FuzzParseSerial: ParseSerial never panics; what it accepts has ten digits with a
// valid check digit and survives a round trip through both printed forms; what it
// refuses is ErrMalformedSerial or ErrSerialCheckDigit.
func FuzzParseSerial(f *testing.F) {
	for _, s := range []string{"5720000019", "572 000 0019", "5720000091", "572000001", "", "５７２０００００１９", "572-OOO-0019", "\xff"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		s, err := ParseSerial(in)
		if err != nil {
			if !errors.Is(err, ErrMalformedSerial) && !errors.Is(err, ErrSerialCheckDigit) {
				t.Fatalf("ParseSerial(%q): undocumented error %v", in, err)
			}
			return
		}
		if len(s.Digits()) != SerialLength || damm([]byte(s.Digits())) != 0 {
			t.Fatalf("ParseSerial(%q) = %q", in, s.Digits())
		}
		for _, form := range []string{s.Digits(), s.String()} {
			if back, err := ParseSerial(form); err != nil || back != s {
				t.Fatalf("round trip of %q via %q: %v, %v", in, form, back, err)
			}
		}
		if back, err := SerialFromNumber(s.Number()); err != nil || back != s {
			t.Fatalf("SerialFromNumber(%d) = %v, %v, want %v", s.Number(), back, err, s)
		}
	})
}
