package mitid

import (
	"strings"
	"unicode/utf8"
)

// userIDSpecials are the punctuation characters MitID allows in a user ID,
// besides a-z, æ, ø, å, the digits and the space (mitid.dk, user ID help).
const userIDSpecials = "{}!#$^,*()_+-=:;?.@"

// NormalizeUserID validates a user ID as a person typed it and returns its
// normalised form, the form used for uniqueness and lookup.
//
// Normalisation folds case, including Æ, Ø and Å, and composes an "a"
// followed by a combining ring above (U+030A) into "å", so the same ID typed
// on two keyboards is the same ID. The rules, after normalisation:
//   - 5 to 48 characters (Policy.UserIDMinLength/MaxLength);
//   - only a-z, æ, ø, å, 0-9, the space and {}!#$^,*()_+-=:;?.@;
//   - no leading or trailing space;
//   - not 10 digits, alone or split by spaces or hyphens: such an ID reads as
//     a CPR number, and the user ID must never be one (mitid.dk: MitID security in general).
//
// The check against the holder's own CPR number needs the holder; see
// CheckUserIDForHolder.
func NormalizeUserID(p *Policy, s string) (string, error) {
	if !utf8.ValidString(s) {
		return "", invalidField(CodeUserIDInvalid, "user_id", "the user ID is not valid UTF-8 text")
	}
	out := make([]rune, 0, len(s))
	for _, r := range s {
		if r == 0x030A && len(out) > 0 && out[len(out)-1] == 'a' { // combining ring above
			out[len(out)-1] = 'å'
			continue
		}
		out = append(out, foldUserIDRune(r))
	}
	n := string(out)
	count := utf8.RuneCountInString(n)
	switch {
	case count == 0:
		return "", invalidField(CodeUserIDInvalid, "user_id", "enter a user ID")
	case strings.HasPrefix(n, " ") || strings.HasSuffix(n, " "):
		return "", invalidField(CodeUserIDInvalid, "user_id", "the user ID cannot begin or end with a space")
	case count < p.UserIDMinLength:
		return "", invalidField(CodeUserIDInvalid, "user_id", "the user ID has %d characters; use at least %d", count, p.UserIDMinLength)
	case count > p.UserIDMaxLength:
		return "", invalidField(CodeUserIDInvalid, "user_id", "the user ID has %d characters; use at most %d", count, p.UserIDMaxLength)
	}
	for _, r := range n {
		if !userIDRuneAllowed(r) {
			return "", invalidField(CodeUserIDInvalid, "user_id",
				"the user ID cannot contain %q; use letters a-z, æ, ø, å, digits, spaces and %s", r, userIDSpecials)
		}
	}
	if digits, ok := cprShaped(n); ok && len(digits) == 10 {
		return "", invalidField(CodeUserIDInvalid, "user_id",
			"the user ID cannot be 10 digits, as it would read as a CPR number; add letters or other characters")
	}
	return n, nil
}

// CheckUserIDForHolder reports an error when a normalised user ID contains
// the holder's CPR number (with or without its hyphen or spaces): the user ID
// must never reveal the CPR number (mitid.dk: MitID security in general). cpr may be nil for a holder
// without one.
func CheckUserIDForHolder(normalized string, cpr *CPR) error {
	if cpr == nil {
		return nil
	}
	stripped := strings.Map(func(r rune) rune {
		if r == '-' || r == ' ' {
			return -1
		}
		return r
	}, normalized)
	if strings.Contains(stripped, cpr.Digits()) {
		return invalidField(CodeUserIDInvalid, "user_id", "the user ID cannot contain your CPR number; choose something else")
	}
	return nil
}

// cprShaped returns the digits of s when s holds only digits, spaces and
// hyphens.
func cprShaped(s string) (string, bool) {
	var d []byte
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c >= '0' && c <= '9':
			d = append(d, c)
		case c == ' ' || c == '-':
		default:
			return "", false
		}
	}
	return string(d), true
}

func foldUserIDRune(r rune) rune {
	switch {
	case r >= 'A' && r <= 'Z':
		return r + ('a' - 'A')
	case r == '\u00C6': // Æ
		return 'æ'
	case r == '\u00D8': // Ø
		return 'ø'
	case r == '\u00C5', r == '\u212B': // Å, and the Ångström sign
		return 'å'
	}
	return r
}

func userIDRuneAllowed(r rune) bool {
	switch {
	case r >= 'a' && r <= 'z', r >= '0' && r <= '9', r == ' ', r == 'æ', r == 'ø', r == 'å':
		return true
	}
	return r < utf8.RuneSelf && strings.ContainsRune(userIDSpecials, r)
}
