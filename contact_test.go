package mitid_test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/go-mitid/mitid"
)

func TestParsePhone_E164(t *testing.T) {
	tests := []struct{ rule, in, want string }{
		{"a Danish number with country code", "+45 12 34 56 78", "+4512345678"},
		{"a bare 8-digit number is Danish", "12345678", "+4512345678"},
		{"00 means +", "0045 1234 5678", "+4512345678"},
		{"a Swedish number", "+46 70-123 45 67", "+46701234567"},
		{"a Greenlandic number (6 digits)", "+299 123456", "+299123456"},
		{"a US number with punctuation", "+1 (415) 555.2671", "+14155552671"},
		{"15 digits is the E.164 maximum", "+123456789012345", "+123456789012345"},
		{"16 digits is too many", "+1234567890123456", ""},
		{"a Danish number needs 8 digits", "+45 1234 567", ""},
		{"no country code on a 7-digit number", "1234567", ""},
		{"a country code cannot start with 0", "+0123456789", ""},
		{"letters", "+45 12 AB 56 78", ""},
		{"a plus in the middle", "45+12345678", ""},
		{"empty", "", ""},
	}
	for _, tc := range tests {
		t.Run(tc.rule, func(t *testing.T) {
			got, err := mitid.ParsePhone(tc.in)
			if tc.want == "" {
				require.ErrorIs(t, err, mitid.ErrInvalid)
				assert.Equal(t, mitid.CodePhoneInvalid, mitid.ErrorCode(err))
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tc.want, got)
		})
	}
}

func TestParseEmail(t *testing.T) {
	got, err := mitid.ParseEmail("Anna.Hansen@Example.DK")
	require.NoError(t, err)
	assert.Equal(t, "Anna.Hansen@example.dk", got, "the domain is folded, the local part kept")
	for _, bad := range []string{"", "anna", "anna@", "@example.dk", "Anna <anna@example.dk>", "anna@localhost", "anna@@example.dk",
		"anna@[127.0.0.1]", "anna@[IPv6:::1]", "anna@[10.0.0.1]", "anna@10.0.0.1", "anna@127.0.0.1"} {
		_, err := mitid.ParseEmail(bad)
		assert.ErrorIs(t, err, mitid.ErrInvalid, bad)
		assert.Equal(t, mitid.CodeEmailInvalid, mitid.ErrorCode(err), bad)
	}
}

func FuzzParsePhone(f *testing.F) {
	for _, s := range []string{"+45 12 34 56 78", "12345678", "0045 1234 5678", "+1 (415) 555.2671", "+", "++45", "+1234567890123456"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		p, err := mitid.ParsePhone(s)
		if err != nil {
			if mitid.ErrorCode(err) != mitid.CodePhoneInvalid {
				t.Fatalf("error without the phone code: %v", err)
			}
			return
		}
		if !strings.HasPrefix(p, "+") || len(p) < 8 || len(p) > 16 || strings.Trim(p[1:], "0123456789") != "" {
			t.Fatalf("%q → %q is not E.164", s, p)
		}
		again, err := mitid.ParsePhone(p)
		if err != nil || again != p {
			t.Fatalf("not idempotent: %q → %q → %q (%v)", s, p, again, err)
		}
	})
}

func FuzzParseEmail(f *testing.F) {
	for _, s := range []string{"anna@example.dk", "Anna <anna@example.dk>", "a@b.c", "\"quoted\"@example.dk", "anna@[127.0.0.1]"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		e, err := mitid.ParseEmail(s)
		if err != nil {
			if mitid.ErrorCode(err) != mitid.CodeEmailInvalid {
				t.Fatalf("error without the e-mail code: %v", err)
			}
			return
		}
		again, err := mitid.ParseEmail(e)
		if err != nil || again != e {
			t.Fatalf("not idempotent: %q → %q → %q (%v)", s, e, again, err)
		}
	})
}
