package mitid

import (
	"encoding/json"
	"time"
)

// CPR is a Danish civil registration number (CPR-nummer): six digits of
// birth date DDMMYY and a four-digit serial number SSSS. The zero value is
// not a valid CPR; obtain one from ParseCPR.
//
// The modulus-11 check is deliberately not applied: CPR numbers issued since
// 2007 need not satisfy it (CPR office rules).
type CPR struct {
	digits string // exactly 10 ASCII digits
	birth  time.Time
}

// ParseCPR parses a CPR number written "DDMMYY-SSSS" or as 10 digits. It
// checks that the date exists in the century the 7th digit gives and returns
// an error naming what is wrong otherwise.
//
// The century follows the CPR office's rule, from the 7th digit (the first
// of the serial number) and the two-digit year YY:
//
//	7th digit 0-3:        1900-1999
//	7th digit 4 or 9:     YY 00-36 → 2000-2036, YY 37-99 → 1937-1999
//	7th digit 5, 6, 7, 8: YY 00-57 → 2000-2057, YY 58-99 → 1858-1899
func ParseCPR(s string) (CPR, error) {
	var d []byte
	switch len(s) {
	case 10:
		d = []byte(s)
	case 11:
		if s[6] != '-' {
			return CPR{}, invalidField(CodeCPRInvalid, "cpr", "write the CPR number as DDMMYY-SSSS or as 10 digits")
		}
		d = []byte(s[:6] + s[7:])
	default:
		return CPR{}, invalidField(CodeCPRInvalid, "cpr", "a CPR number has 10 digits (DDMMYY-SSSS); this has %d characters", len(s))
	}
	for _, c := range d {
		if c < '0' || c > '9' {
			return CPR{}, invalidField(CodeCPRInvalid, "cpr", "a CPR number holds only digits and one hyphen after the birth date")
		}
	}
	num := func(i int) int { return int(d[i]-'0')*10 + int(d[i+1]-'0') }
	day, month, yy := num(0), num(2), num(4)
	year := cprCentury(int(d[6]-'0'), yy) + yy
	if month < 1 || month > 12 {
		return CPR{}, invalidField(CodeCPRInvalid, "cpr", "the CPR number's month %02d does not exist", month)
	}
	birth := time.Date(year, time.Month(month), day, 0, 0, 0, 0, time.UTC)
	if day < 1 || birth.Day() != day {
		return CPR{}, invalidField(CodeCPRInvalid, "cpr", "the CPR number's birth date %02d-%02d-%d does not exist", day, month, year)
	}
	return CPR{digits: string(d), birth: birth}, nil
}

func cprCentury(seventh, yy int) int {
	switch {
	case seventh <= 3:
		return 1900
	case seventh == 4 || seventh == 9:
		if yy <= 36 {
			return 2000
		}
		return 1900
	default: // 5-8
		if yy <= 57 {
			return 2000
		}
		return 1800
	}
}

// Digits returns the 10 digits without the hyphen.
func (c CPR) Digits() string { return c.digits }

// String returns the number in its written form, DDMMYY-SSSS.
func (c CPR) String() string {
	if c.digits == "" {
		return ""
	}
	return c.digits[:6] + "-" + c.digits[6:]
}

// IsZero reports whether c is the zero value (no CPR).
func (c CPR) IsZero() bool { return c.digits == "" }

// BirthDate returns the holder's date of birth (midnight UTC).
func (c CPR) BirthDate() time.Time { return c.birth }

// AgeAt returns the holder's age in whole years on the calendar date of t.
func (c CPR) AgeAt(t time.Time) int { return AgeAt(c.birth, t) }

// MarshalJSON writes the 10 digits.
func (c CPR) MarshalJSON() ([]byte, error) { return json.Marshal(c.digits) }

// UnmarshalJSON parses the number and its birth date again, so a stored CPR
// is as valid as a fresh one.
func (c *CPR) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return err
	}
	if s == "" {
		*c = CPR{}
		return nil
	}
	p, err := ParseCPR(s)
	if err != nil {
		return err
	}
	*c = p
	return nil
}

// AgeAt returns the age in whole years of someone born on birth, on the
// calendar date of t (in t's location). A person turns a year older on the
// birthday itself; someone born on 29 February turns older on 1 March in
// years that are not leap years.
func AgeAt(birth, t time.Time) int {
	y, m, d := t.Date()
	by, bm, bd := birth.Date()
	age := y - by
	if m < bm || (m == bm && d < bd) {
		age--
		// 29 February in a non-leap year: the birthday is 1 March, and on
		// 1 March m > bm already holds; nothing more to do.
	}
	if age < 0 {
		return 0
	}
	return age
}
