package codedisplay

import (
	"errors"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestNormalizeCode_WhatAPersonTypes is the table of the input rules in input.go.
func TestNormalizeCode_WhatAPersonTypes(t *testing.T) {
	p := MitIDParams()
	for _, c := range []struct {
		in, want string
	}{
		{"123456", "123456"},
		{"123 456", "123456"},
		{"123-456", "123456"},
		{" 123 456\n", "123456"},
		{"1 2 3 4 5 6", "123456"},
		{"\t123\u00a0456", "123456"},     // tab, no-break space
		{"123\u2009456", "123456"},       // thin space
		{"123\u2013456", "123456"},       // en dash
		{"\ufeff123456\u200b", "123456"}, // BOM and zero-width space from a paste
		{"１２３４５６", "123456"},             // full-width
		{"１２３\u3000４５６", "123456"},       // full-width with ideographic space
		{"12３4５6", "123456"},             // mixed
	} {
		got, err := p.NormalizeCode(c.in)
		if assert.NoError(t, err, "%q", c.in) {
			assert.Equal(t, c.want, got, "%q", c.in)
		}
	}
}

// TestNormalizeCode_ClearErrors: every refusal is a *MalformedCodeError whose message
// says what is wrong and, for a bad character, where.
func TestNormalizeCode_ClearErrors(t *testing.T) {
	p := MitIDParams()
	for _, c := range []struct {
		in      string
		message string
		pos     int
	}{
		{"", "codedisplay: malformed code: the code is empty", 0},
		{"   ", "codedisplay: malformed code: the code contains no digits", 0},
		{"12345", "codedisplay: malformed code: the code has 5 digits, want 6", 0},
		{"1234567", "codedisplay: malformed code: the code has 7 digits, want 6", 0},
		{"123 45", "codedisplay: malformed code: the code has 5 digits, want 6", 0},
		{"12345a", "codedisplay: malformed code: the code letter 'a' is not a digit (character 6)", 6},
		{"I23456", "codedisplay: malformed code: the code letter 'I' is not a digit (character 1)", 1},
		{"123.456", "codedisplay: malformed code: the code character '.' is not a digit (character 4)", 4},
		{"١٢٣٤٥٦", "codedisplay: malformed code: the code digit '١' is not accepted, type the digits 0-9 (character 1)", 1},
		{"123\xff456", "codedisplay: malformed code: the code is not valid UTF-8 text (character 4)", 4},
		{"123\ufffd456", "codedisplay: malformed code: the code character '�' is not a digit (character 4)", 4},
		{"1234567890123456789012345678901234567890123456789012345678901234567890",
			"codedisplay: malformed code: the code is 70 bytes long, at most 64 are accepted", 0},
	} {
		_, err := p.NormalizeCode(c.in)
		require.ErrorIs(t, err, ErrMalformedCode, "%q", c.in)
		var me *MalformedCodeError
		require.True(t, errors.As(err, &me), "%q", c.in)
		assert.Equal(t, c.message, err.Error(), "%q", c.in)
		assert.Equal(t, c.pos, me.Position, "%q", c.in)
	}
}

func TestNormalizeCode_CanonicalInputIsNotCopied(t *testing.T) {
	p := MitIDParams()
	allocs := testing.AllocsPerRun(100, func() {
		if _, err := p.NormalizeCode("123456"); err != nil {
			t.Fatal(err)
		}
	})
	assert.Zero(t, allocs)
}

// FuzzNormalizeCode checks, for any text a person could type, that NormalizeCode never
// panics, returns exactly Digits ASCII digits or a *MalformedCodeError, is idempotent,
// and agrees with Verify about which inputs are malformed.
func FuzzNormalizeCode(f *testing.F) {
	for _, s := range []string{"123456", "123 456", "１２３４５６", "12345", "12345a", "123\xff456", "", " - ", "١٢٣٤٥٦", "12345678"} {
		f.Add(s, uint8(6))
	}
	f.Add("12345678", uint8(8))
	seed := rfcSeedSHA1
	f.Fuzz(func(t *testing.T, in string, digits uint8) {
		p := MitIDParams()
		p.Digits = MinDigits + int(digits)%(MaxDigits-MinDigits+1)
		got, err := p.NormalizeCode(in)
		_, verr := p.Verify(seed, in, State{}, t0)
		if err != nil {
			var me *MalformedCodeError
			if !errors.As(err, &me) || !errors.Is(err, ErrMalformedCode) {
				t.Fatalf("NormalizeCode(%q) = %v, not a *MalformedCodeError", in, err)
			}
			if me.Position < 0 || me.Position > utf8.RuneCountInString(in) {
				t.Fatalf("NormalizeCode(%q): position %d out of range", in, me.Position)
			}
			if !errors.Is(verr, ErrMalformedCode) {
				t.Fatalf("Verify(%q) = %v, NormalizeCode said malformed", in, verr)
			}
			return
		}
		if len(got) != p.Digits {
			t.Fatalf("NormalizeCode(%q) = %q, want %d digits", in, got, p.Digits)
		}
		for i := 0; i < len(got); i++ {
			if got[i] < '0' || got[i] > '9' {
				t.Fatalf("NormalizeCode(%q) = %q, not ASCII digits", in, got)
			}
		}
		if again, err := p.NormalizeCode(got); err != nil || again != got {
			t.Fatalf("NormalizeCode not idempotent on %q: %q, %v", got, again, err)
		}
		if errors.Is(verr, ErrMalformedCode) {
			t.Fatalf("Verify(%q) = %v, NormalizeCode accepted it", in, verr)
		}
	})
}

// FuzzVerify feeds Verify any code, state and time: it must never panic, must return
// one of its documented errors, and an accepted step must lie above LastStep, within
// MaxDrift+Skew of the verifier's step, with a learned drift within MaxDrift.
func FuzzVerify(f *testing.F) {
	f.Add("755224", int64(-1), 0, int64(0))
	f.Add("287082", int64(0), 0, int64(30))
	f.Add("94287082", int64(0), 0, int64(59))
	f.Add("123456", int64(-9223372036854775808), -2147483648, int64(9223372036854775807))
	f.Add("1 2 3 4 5 6", int64(9223372036854775807), 2147483647, int64(-1))
	seed := rfcSeedSHA1
	f.Fuzz(func(t *testing.T, code string, last int64, drift int, unix int64) {
		for _, p := range []Params{MitIDParams(), {Digits: 8, Period: 30 * time.Second, Skew: 2, MaxDrift: 3}} {
			now := time.Unix(unix, 0)
			m, err := p.Verify(seed, code, State{LastStep: last, Drift: drift}, now)
			if err != nil {
				for _, known := range []error{ErrMalformedCode, ErrWrongCode, ErrCodeReused, ErrInvalidTime} {
					if errors.Is(err, known) {
						return
					}
				}
				t.Fatalf("Verify(%q, %d, %d, %d): undocumented error %v", code, last, drift, unix, err)
			}
			cur, err := p.Step(now)
			if err != nil {
				t.Fatalf("Verify accepted at a time Step refuses: %v", err)
			}
			if m.Step <= last || m.NewState.LastStep != m.Step {
				t.Fatalf("accepted step %d with LastStep %d, new state %+v", m.Step, last, m.NewState)
			}
			if d := m.Step - cur; d != int64(m.Drift) || d > int64(p.MaxDrift+p.Skew) || d < -int64(p.MaxDrift+p.Skew) {
				t.Fatalf("accepted step %d is %d from the verifier's %d, Match.Drift %d", m.Step, d, cur, m.Drift)
			}
			if m.NewState.Drift > p.MaxDrift || m.NewState.Drift < -p.MaxDrift {
				t.Fatalf("learned drift %d beyond MaxDrift %d", m.NewState.Drift, p.MaxDrift)
			}
			if c, err := p.Code(seed, m.Step); err != nil || c != mustNormalize(t, p, code) {
				t.Fatalf("accepted %q for step %d whose code is %q", code, m.Step, c)
			}
		}
	})
}

func mustNormalize(t *testing.T, p Params, code string) string {
	t.Helper()
	c, err := p.NormalizeCode(code)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// FuzzResync feeds Resync any two codes, state and time: it never panics, returns one
// of Verify's errors, and a pair it accepts is the device's codes for two consecutive
// steps above LastStep, the second within MaxDrift+Skew of the verifier's step, with a
// learned drift within MaxDrift.
func FuzzResync(f *testing.F) {
	seed := rfcSeedSHA1
	p := MitIDParams()
	cur, err := p.Step(t0)
	if err != nil {
		f.Fatal(err)
	}
	for _, off := range []int64{0, 7, -7, 40} {
		c1, _ := p.Code(seed, cur+off-1)
		c2, _ := p.Code(seed, cur+off)
		f.Add(c1, c2, int64(-1), 0, t0.Unix())
		f.Add(c1, c2, cur+off-1, 0, t0.Unix()) // reused
	}
	f.Add("123 456", "１２３４５６", int64(0), 0, int64(59))
	f.Add("", "x", int64(0), 0, int64(-1))
	f.Fuzz(func(t *testing.T, code1, code2 string, last int64, drift int, unix int64) {
		now := time.Unix(unix, 0)
		m, err := p.Resync(seed, code1, code2, State{LastStep: last, Drift: drift}, now)
		if err != nil {
			for _, known := range []error{ErrMalformedCode, ErrWrongCode, ErrCodeReused, ErrInvalidTime} {
				if errors.Is(err, known) {
					return
				}
			}
			t.Fatalf("Resync(%q, %q, %d, %d, %d): undocumented error %v", code1, code2, last, drift, unix, err)
		}
		cur, err := p.Step(now)
		if err != nil {
			t.Fatalf("Resync accepted at a time Step refuses: %v", err)
		}
		if m.Step-1 <= last || m.NewState.LastStep != m.Step {
			t.Fatalf("accepted steps %d, %d with LastStep %d, new state %+v", m.Step-1, m.Step, last, m.NewState)
		}
		if d := m.Step - cur; d > int64(p.MaxDrift+p.Skew) || d < -int64(p.MaxDrift+p.Skew) {
			t.Fatalf("accepted step %d is %d from the verifier's %d", m.Step, d, cur)
		}
		if m.NewState.Drift > p.MaxDrift || m.NewState.Drift < -p.MaxDrift {
			t.Fatalf("learned drift %d beyond MaxDrift %d", m.NewState.Drift, p.MaxDrift)
		}
		c1, err1 := p.Code(seed, m.Step-1)
		c2, err2 := p.Code(seed, m.Step)
		if err1 != nil || err2 != nil || c1 != mustNormalize(t, p, code1) || c2 != mustNormalize(t, p, code2) {
			t.Fatalf("accepted %q, %q for steps whose codes are %q, %q", code1, code2, c1, c2)
		}
	})
}
