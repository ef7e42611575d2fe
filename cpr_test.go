package mitid_test

import (
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/go-mitid/mitid"
)

func date(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }

func TestParseCPR_CenturyFromSeventhDigit(t *testing.T) {
	tests := []struct {
		rule string
		cpr  string
		born time.Time
	}{
		{"7th digit 0: 1900s", "010100-0123", date(1900, 1, 1)},
		{"7th digit 0, year 99: 1999", "311299-0123", date(1999, 12, 31)},
		{"7th digit 3: 1900s", "150536-3123", date(1936, 5, 15)},
		{"7th digit 3, year 00: 1900", "150500-3123", date(1900, 5, 15)},
		{"7th digit 4, year 00: 2000", "010100-4123", date(2000, 1, 1)},
		{"7th digit 4, year 36: 2036", "010136-4123", date(2036, 1, 1)},
		{"7th digit 4, year 37: 1937", "010137-4123", date(1937, 1, 1)},
		{"7th digit 4, year 99: 1999", "010199-4123", date(1999, 1, 1)},
		{"7th digit 5, year 00: 2000", "010100-5123", date(2000, 1, 1)},
		{"7th digit 5, year 57: 2057", "010157-5123", date(2057, 1, 1)},
		{"7th digit 5, year 58: 1858", "010158-5123", date(1858, 1, 1)},
		{"7th digit 6, year 57: 2057", "010157-6123", date(2057, 1, 1)},
		{"7th digit 7, year 58: 1858", "010158-7123", date(1858, 1, 1)},
		{"7th digit 8, year 99: 1899", "010199-8123", date(1899, 1, 1)},
		{"7th digit 8, year 10: 2010", "010110-8123", date(2010, 1, 1)},
		{"7th digit 9, year 36: 2036", "010136-9123", date(2036, 1, 1)},
		{"7th digit 9, year 37: 1937", "010137-9123", date(1937, 1, 1)},
		{"7th digit 9, year 00: 2000", "010100-9123", date(2000, 1, 1)},
		{"10 digits without hyphen", "0101904123", date(1990, 1, 1)},
		{"29 February in a leap year", "290204-4123", date(2004, 2, 29)},
		{"29 February 2000 (a leap year)", "290200-4123", date(2000, 2, 29)},
		{"modulus 11 is not required", "010190-1235", date(1990, 1, 1)},
	}
	for _, tc := range tests {
		t.Run(tc.rule, func(t *testing.T) {
			c, err := mitid.ParseCPR(tc.cpr)
			require.NoError(t, err)
			assert.Equal(t, tc.born, c.BirthDate())
			assert.Len(t, c.Digits(), 10)
			assert.Equal(t, c.Digits()[:6]+"-"+c.Digits()[6:], c.String())
		})
	}
}

func TestParseCPR_Refusals(t *testing.T) {
	tests := []struct{ rule, cpr string }{
		{"empty", ""},
		{"too short", "010190-123"},
		{"too long", "010190-12345"},
		{"hyphen in the wrong place", "01019-01234"},
		{"letters", "0101AB-1234"},
		{"two hyphens", "010190--234"},
		{"day 00", "000190-1234"},
		{"day 32", "320190-1234"},
		{"month 00", "010090-1234"},
		{"month 13", "011390-1234"},
		{"31 April", "310490-1234"},
		{"29 February 1900 (not a leap year)", "290200-1234"},
		{"29 February 2001", "290201-4234"},
		{"spaces", "010190 1234"},
		{"full-width digits", "０１０１９０１２３４"},
	}
	for _, tc := range tests {
		t.Run(tc.rule, func(t *testing.T) {
			_, err := mitid.ParseCPR(tc.cpr)
			require.ErrorIs(t, err, mitid.ErrInvalid)
			assert.Equal(t, mitid.CodeCPRInvalid, mitid.ErrorCode(err))
		})
	}
}

func TestAgeAt_ThirteenthBirthday(t *testing.T) {
	c, err := mitid.ParseCPR("211113-4123") // born 21 November 2013
	require.NoError(t, err)
	assert.Equal(t, 12, c.AgeAt(date(2026, 11, 20)), "the day before the 13th birthday")
	assert.Equal(t, 13, c.AgeAt(date(2026, 11, 21)), "the day of the 13th birthday")
	assert.Equal(t, 13, c.AgeAt(time.Date(2026, 11, 21, 0, 0, 1, 0, time.UTC)))

	leap := date(2012, 2, 29)
	assert.Equal(t, 12, mitid.AgeAt(leap, date(2025, 2, 28)), "born 29 Feb: not yet 13 on 28 Feb")
	assert.Equal(t, 13, mitid.AgeAt(leap, date(2025, 3, 1)), "born 29 Feb: 13 on 1 March in a non-leap year")
	assert.Equal(t, 0, mitid.AgeAt(date(2030, 1, 1), date(2026, 1, 1)), "not born yet is 0")
}

func TestCPR_JSONRoundTrip(t *testing.T) {
	c, err := mitid.ParseCPR("010190-1234")
	require.NoError(t, err)
	b, err := json.Marshal(c)
	require.NoError(t, err)
	assert.JSONEq(t, `"0101901234"`, string(b))
	var back mitid.CPR
	require.NoError(t, json.Unmarshal(b, &back))
	assert.Equal(t, c, back)
	require.Error(t, json.Unmarshal([]byte(`"3201901234"`), &back), "a stored CPR is validated again")
}

func FuzzParseCPR(f *testing.F) {
	for _, s := range []string{"010190-1234", "0101901234", "290200-4123", "290200-1234", "311299-9999", "", "0101AB-1234", "01019-01234"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		c, err := mitid.ParseCPR(s)
		if err != nil {
			if mitid.ErrorCode(err) != mitid.CodeCPRInvalid {
				t.Fatalf("error without the CPR code: %v", err)
			}
			return
		}
		again, err := mitid.ParseCPR(c.String())
		if err != nil || again != c {
			t.Fatalf("%q parsed to %v, which does not parse back (%v)", s, c, err)
		}
		b := c.BirthDate()
		if y := b.Year(); y < 1858 || y > 2057 {
			t.Fatalf("%q: birth year %d outside the CPR centuries", s, y)
		}
		if got := b.Format("020106"); got != c.Digits()[:6] {
			t.Fatalf("%q: birth date %s does not match the digits", s, got)
		}
	})
}

// FuzzCPRJSON: a stored CPR is read as strictly as a typed one. Any JSON
// either fails (CodeCPRInvalid for a string that is no CPR number, or
// encoding/json's own error for what is no JSON string) or gives the zero
// CPR (the empty string) or a CPR that ParseCPR gives for the same text
// and that writes back to the same value.
func FuzzCPRJSON(f *testing.F) {
	for _, s := range []string{`"0101901234"`, `"010190-1234"`, `""`, `null`, `"3201901234"`, `1234567890`, `"\u0030101901234"`, `{}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		var c mitid.CPR
		if err := json.Unmarshal(b, &c); err != nil {
			var se *json.SyntaxError
			var te *json.UnmarshalTypeError
			if mitid.ErrorCode(err) != mitid.CodeCPRInvalid && !errors.As(err, &se) && !errors.As(err, &te) {
				t.Fatalf("%q: %T %v", b, err, err)
			}
			return
		}
		var s *string
		if err := json.Unmarshal(b, &s); err != nil {
			t.Fatalf("%q decoded to a CPR but is no JSON string: %v", b, err)
		}
		if s == nil || *s == "" {
			if !c.IsZero() {
				t.Fatalf("%q gave %v", b, c)
			}
			return
		}
		if p, err := mitid.ParseCPR(*s); err != nil || p != c {
			t.Fatalf("%q gave %v, ParseCPR %v, %v", b, c, p, err)
		}
		out, err := json.Marshal(c)
		if err != nil {
			t.Fatal(err)
		}
		var again mitid.CPR
		if err := json.Unmarshal(out, &again); err != nil || again != c {
			t.Fatalf("%v wrote %s, which reads back as %v, %v", c, out, again, err)
		}
	})
}
