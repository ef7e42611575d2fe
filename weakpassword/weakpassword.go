// Package weakpassword refuses the passwords an attacker tries first, as
// NIST SP 800-63B §5.1.1.2 asks a verifier to: passwords from breach
// corpuses and lists of common passwords, repetitive or sequential
// characters (NIST's examples: "aaaaaa", "1234abcd"), and context-specific
// words such as the service's name and the user's name or user ID.
//
// The list of common passwords is zxcvbn's password dictionary (47,023
// passwords ranked by how often they occur in leaked password sets),
// embedded at build time; data/README.md states its origin, version and
// licence. Nothing is fetched at run time.
//
// The package imports nothing of go-mitid and keeps no state but the
// embedded list, read once on first use.
package weakpassword

//go:generate go run ./internal/gen

import (
	"errors"
	"fmt"
	"strings"

	"golang.org/x/text/unicode/norm"
)

// Rule names the reason a password is refused, so that a message can tell
// the person what to do instead.
type Rule int

// The rules, in the order Check applies them.
const (
	// ContextWord: the password contains a word the caller named as
	// context (the user ID, the person's name, the service's name).
	ContextWord Rule = iota + 1
	// Common: the password, ignoring case, is on the list of common and
	// breached passwords.
	Common
	// Repetition: the password repeats a short part ("aaaaaaaa",
	// "abcabcabc") or uses at most two different characters ("aaaabbbb").
	Repetition
	// Sequence: the password is one or two runs of consecutive characters
	// in the alphabet, the digits or along a keyboard row, forwards or
	// backwards, or of one character repeated ("12345678", "abcdefgh",
	// "qwertyui", "1234abcd", "abcdefgh!").
	Sequence
)

// String returns the rule's name.
func (r Rule) String() string {
	if r.known() {
		return rules[r].name
	}
	return fmt.Sprintf("Rule(%d)", int(r))
}

func (r Rule) known() bool { return r >= ContextWord && int(r) < len(rules) }

// Sentinel errors, one per rule; a *Weakness wraps the one for its rule,
// so errors.Is(err, ErrCommon) tests for a rule.
var (
	// ErrContextWord is wrapped by a Weakness of rule ContextWord.
	ErrContextWord = errors.New("weakpassword: the password contains a context word")
	// ErrCommon is wrapped by a Weakness of rule Common.
	ErrCommon = errors.New("weakpassword: the password is a common password")
	// ErrRepetition is wrapped by a Weakness of rule Repetition.
	ErrRepetition = errors.New("weakpassword: the password repeats characters")
	// ErrSequence is wrapped by a Weakness of rule Sequence.
	ErrSequence = errors.New("weakpassword: the password is a sequence of characters")
)

// rules holds each rule's name and sentinel, indexed by Rule.
var rules = [...]struct {
	name string
	err  error
}{
	ContextWord: {"context word", ErrContextWord},
	Common:      {"common password", ErrCommon},
	Repetition:  {"repetition", ErrRepetition},
	Sequence:    {"sequence", ErrSequence},
}

// Weakness is the reason Check refused a password.
type Weakness struct {
	// Rule is the rule that refused the password.
	Rule Rule
	// Match is what the rule found, normalised and in lower case: the
	// context word, the list entry, the repeated part or the sequence.
	// It is part of the password: show it only to the person typing it.
	Match string
	// Context is the index, among Check's context arguments, of the one
	// Match came from; -1 for the other rules.
	Context int
}

// Error describes the weakness without repeating the password.
func (w *Weakness) Error() string { return w.Unwrap().Error() }

// Unwrap returns the sentinel error of w's rule.
func (w *Weakness) Unwrap() error {
	if w.Rule.known() {
		return rules[w.Rule].err
	}
	return fmt.Errorf("weakpassword: %v", w.Rule)
}

// Check reports why password is weak, as a *Weakness, or nil when no rule
// refuses it. context holds the words the password must not contain: each
// argument is checked whole and split into its words (at anything not a
// letter or digit), and every part of 4 or more characters is refused
// anywhere in the password (shorter parts only as the whole password, so
// that a name like "Bo" does not refuse "robot"). Case is ignored and the
// password and context are compared in Unicode NFKC, the form NIST asks
// passwords to be hashed in.
//
// Check does not judge length or character set: that is the caller's rule.
func Check(password string, context ...string) error {
	pw := fold(password)
	if i, word, ok := containsContext(pw, context); ok {
		return &Weakness{Rule: ContextWord, Match: word, Context: i}
	}
	if isCommon(pw) {
		return &Weakness{Rule: Common, Match: pw, Context: -1}
	}
	if part, ok := repetition(pw); ok {
		return &Weakness{Rule: Repetition, Match: part, Context: -1}
	}
	if sequence(pw) {
		return &Weakness{Rule: Sequence, Match: pw, Context: -1}
	}
	return nil
}

// fold is the form every comparison is made in: NFKC, then lower case.
// Lower case after NFKC keeps "ＰＡＳＳＷＯＲＤ" (full width) and
// "Password" both "password".
func fold(s string) string { return strings.ToLower(norm.NFKC.String(s)) }
