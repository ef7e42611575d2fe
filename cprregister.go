package mitid

import (
	"context"
	"strings"
	"time"
)

// CPRRegister answers what the Danish CPR register (CPR-registret) knows.
// An enrolment by passport that claims a CPR number must be checked against
// it: without it, any passport holder born on the same day could claim
// someone's CPR number. Integrators wire the real register; CPRRecords
// serves tests and demos.
type CPRRegister interface {
	// Person returns the register's record of cpr, or an error matching
	// ErrNotFound.
	Person(ctx context.Context, cpr CPR) (CPRPerson, error)
	// ByPassport returns the CPR number of the holder of the passport with
	// the given issuing state and number, when the register knows one.
	ByPassport(ctx context.Context, state, number string) (CPR, bool, error)
}

// CPRPerson is what the register holds about a person.
type CPRPerson struct {
	Surname, GivenNames string
	BirthDate           time.Time
	// Passports lists passports known to the register, as "STATE:NUMBER"
	// (for instance "DNK:AB1234567").
	Passports []string
	// Address is the person's official address (folkeregisteradresse),
	// where "mail to my registered address" sends an ordered device.
	Address PostalAddress
}

// CPRRecords is an in-memory CPRRegister, by the CPR number's 10 digits.
type CPRRecords map[string]CPRPerson

// Person returns the record of cpr.
func (r CPRRecords) Person(_ context.Context, cpr CPR) (CPRPerson, error) {
	p, ok := r[cpr.Digits()]
	if !ok {
		return CPRPerson{}, errorf(CodeUserNotFound, "the CPR register has no person with this CPR number")
	}
	return p, nil
}

// ByPassport returns the CPR number of the passport's holder, if listed.
func (r CPRRecords) ByPassport(_ context.Context, state, number string) (CPR, bool, error) {
	want := state + ":" + number
	for digits, p := range r {
		for _, pp := range p.Passports {
			if pp == want {
				c, err := ParseCPR(digits)
				return c, err == nil, err
			}
		}
	}
	return CPR{}, false, nil
}

// mrzName folds a name the way a machine readable zone writes it: upper
// case A-Z, Danish letters transliterated (Æ→AE, Ø→OE, Å→AA, ICAO 9303
// Part 3), anything else a space, runs of spaces one.
func mrzName(s string) string {
	r := strings.NewReplacer("Æ", "AE", "Ø", "OE", "Å", "AA", "æ", "AE", "ø", "OE", "å", "AA", "<", " ")
	s = strings.ToUpper(r.Replace(s))
	s = strings.Map(func(c rune) rune {
		if c >= 'A' && c <= 'Z' {
			return c
		}
		return ' '
	}, s)
	return strings.Join(strings.Fields(s), " ")
}
