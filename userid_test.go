package mitid_test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/go-mitid/mitid"
)

func TestNormalizeUserID_Rules(t *testing.T) {
	p := mitid.DefaultPolicy()
	tests := []struct {
		rule, in, want string // want "" means refused
	}{
		{"five characters is the shortest allowed", "abcde", "abcde"},
		{"four characters is too short", "abcd", ""},
		{"48 characters is the longest allowed", strings.Repeat("a", 48), strings.Repeat("a", 48)},
		{"49 characters is too long", strings.Repeat("a", 49), ""},
		{"length counts characters, not bytes", strings.Repeat("ø", 48), strings.Repeat("ø", 48)},
		{"empty is refused", "", ""},
		{"case is folded", "AnnaHansen", "annahansen"},
		{"Æ Ø Å fold to æ ø å", "ÆBLE-ØST-ÅEN", "æble-øst-åen"},
		{"a with combining ring is å", "bla\u030abær", "blåbær"},
		{"A with combining ring is å", "BLA\u030aBÆR", "blåbær"},
		{"the Ångström sign is å", "\u212Bngstrom", "ångstrom"},
		{"digits are allowed", "anna1990", "anna1990"},
		{"every allowed special character", "a{}!#$^,*()_+-=:;?.@", "a{}!#$^,*()_+-=:;?.@"},
		{"inner spaces are allowed", "anna maria", "anna maria"},
		{"a leading space is refused", " annamaria", ""},
		{"a trailing space is refused", "annamaria ", ""},
		{"10 digits read as a CPR number", "0101901234", ""},
		{"10 digits with a hyphen read as a CPR number", "010190-1234", ""},
		{"10 digits with spaces read as a CPR number", "0101 90 1234", ""},
		{"9 digits are fine", "010190123", "010190123"},
		{"11 digits are fine", "01019012345", "01019012345"},
		{"digits with a letter are fine", "0101901234a", "0101901234a"},
		{"é is not in the allowed set", "andrée", ""},
		{"ü is not in the allowed set", "müller", ""},
		{"a slash is not allowed", "anna/maria", ""},
		{"an ampersand is not allowed", "anna&maria", ""},
		{"a tab is not allowed", "anna\tmaria", ""},
		{"an emoji is not allowed", "anna🙂maria", ""},
		{"a quote is not allowed", "anna'maria", ""},
		{"invalid UTF-8 is refused", "anna\xffmaria", ""},
		{"a lone combining ring is not allowed", "\u030aabcde", ""},
		{"the Kelvin sign is not k", "\u212Aelvin", ""},
	}
	for _, tc := range tests {
		t.Run(tc.rule, func(t *testing.T) {
			got, err := mitid.NormalizeUserID(&p, tc.in)
			if tc.want == "" {
				require.Error(t, err)
				assert.ErrorIs(t, err, mitid.ErrInvalid)
				assert.Equal(t, mitid.CodeUserIDInvalid, mitid.ErrorCode(err))
				var me *mitid.Error
				require.ErrorAs(t, err, &me)
				assert.Equal(t, "user_id", me.Field)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tc.want, got)
		})
	}
}

func TestNormalizeUserID_LimitsComeFromPolicy(t *testing.T) {
	p := mitid.DefaultPolicy()
	p.UserIDMinLength, p.UserIDMaxLength = 8, 10
	_, err := mitid.NormalizeUserID(&p, "abcdefg")
	require.ErrorIs(t, err, mitid.ErrInvalid)
	_, err = mitid.NormalizeUserID(&p, "abcdefghijk")
	require.ErrorIs(t, err, mitid.ErrInvalid)
	_, err = mitid.NormalizeUserID(&p, "abcdefgh")
	require.NoError(t, err)
}

func TestCheckUserIDForHolder_NeverTheHoldersCPR(t *testing.T) {
	cpr, err := mitid.ParseCPR("010190-1234")
	require.NoError(t, err)
	tests := []struct {
		rule, id string
		ok       bool
	}{
		{"the CPR with letters around it", "x0101901234y", false},
		{"the CPR with its hyphen inside", "anna010190-1234", false},
		{"the CPR with spaces inside", "anna 010190 1234", false},
		{"part of the CPR is fine", "anna010190", true},
		{"someone else's digits are fine", "anna0202901234", true},
	}
	for _, tc := range tests {
		t.Run(tc.rule, func(t *testing.T) {
			err := mitid.CheckUserIDForHolder(tc.id, &cpr)
			if tc.ok {
				assert.NoError(t, err)
			} else {
				assert.ErrorIs(t, err, mitid.ErrInvalid)
				assert.Equal(t, mitid.CodeUserIDInvalid, mitid.ErrorCode(err))
			}
		})
	}
	assert.NoError(t, mitid.CheckUserIDForHolder("anna0101901234x", nil), "a holder without CPR has nothing to leak")
}

func FuzzNormalizeUserID(f *testing.F) {
	for _, s := range []string{"annahansen", "ÆBLE-ØST", "bla\u030abær", " x", "0101901234", "a{}!#$^,*()_+-=:;?.@", "\xff\xfe", strings.Repeat("å", 49)} {
		f.Add(s)
	}
	p := mitid.DefaultPolicy()
	f.Fuzz(func(t *testing.T, s string) {
		n, err := mitid.NormalizeUserID(&p, s)
		if err != nil {
			if mitid.ErrorCode(err) != mitid.CodeUserIDInvalid {
				t.Fatalf("error without the user-ID code: %v", err)
			}
			return
		}
		again, err := mitid.NormalizeUserID(&p, n)
		if err != nil || again != n {
			t.Fatalf("normalisation is not idempotent: %q → %q → %q (%v)", s, n, again, err)
		}
		if c := len([]rune(n)); c < p.UserIDMinLength || c > p.UserIDMaxLength {
			t.Fatalf("%q has %d characters", n, c)
		}
		if strings.ToLower(n) != n && strings.ContainsAny(n, "ABCDEFGHIJKLMNOPQRSTUVWXYZÆØÅ") {
			t.Fatalf("%q keeps upper case", n)
		}
		if strings.HasPrefix(n, " ") || strings.HasSuffix(n, " ") {
			t.Fatalf("%q keeps an outer space", n)
		}
	})
}
