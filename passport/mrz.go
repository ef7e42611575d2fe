package passport

import (
	"crypto/sha1" //nolint:gosec // G505: ICAO 9303 Part 11 §9.7.2–9.7.3 mandate SHA-1 for the MRZ key seed and PACE password
	"errors"
	"fmt"
	"strings"
)

// ErrInvalidMRZ reports a machine readable zone that cannot be parsed: a
// wrong length, a character outside A–Z, 0–9 and '<', or a malformed field.
var ErrInvalidMRZ = errors.New("passport: invalid MRZ")

// ErrMRZCheckDigit reports an MRZ whose check digit does not match its field.
// The error is a *CheckDigitError, which names the field.
var ErrMRZCheckDigit = errors.New("passport: MRZ check digit mismatch")

// CheckDigitError is the typed form of ErrMRZCheckDigit.
type CheckDigitError struct {
	Field    string // e.g. "document number", "composite"
	Printed  byte   // the check digit printed in the MRZ
	Computed byte   // the check digit the field requires
}

// Error says which check digit is wrong, so a person can re-read that field.
func (e *CheckDigitError) Error() string {
	return fmt.Sprintf("passport: MRZ %s check digit is %q but the field requires %q; re-read the MRZ",
		e.Field, e.Printed, e.Computed)
}

// Is makes errors.Is(err, ErrMRZCheckDigit) and errors.Is(err, ErrInvalidMRZ) true.
func (e *CheckDigitError) Is(target error) bool {
	return target == ErrMRZCheckDigit || target == ErrInvalidMRZ
}

// MRZFormat is the layout of a machine readable zone (ICAO 9303 Parts 4–7).
type MRZFormat int

// The MRZ layouts. Visas (MRV-A, MRV-B) carry no composite check digit.
const (
	TD1  MRZFormat = iota + 1 // ID card: 3 lines of 30 characters (Part 5)
	TD2                       // ID card: 2 lines of 36 characters (Part 6)
	TD3                       // passport: 2 lines of 44 characters (Part 4)
	MRVA                      // visa: 2 lines of 44 characters (Part 7)
	MRVB                      // visa: 2 lines of 36 characters (Part 7)
)

// String returns the ICAO name of the format.
func (f MRZFormat) String() string {
	switch f {
	case TD1:
		return "TD1"
	case TD2:
		return "TD2"
	case TD3:
		return "TD3"
	case MRVA:
		return "MRV-A"
	case MRVB:
		return "MRV-B"
	}
	return fmt.Sprintf("MRZFormat(%d)", int(f))
}

// MRZ is a parsed and validated machine readable zone. Fields hold the
// printed characters with trailing fillers removed; dates stay YYMMDD as
// printed, because the century is not in the MRZ.
type MRZ struct {
	Format         MRZFormat
	DocumentCode   string // "P", "I", "ID", "AC", "V", …
	IssuingState   string // "UTO", "D", …
	DocumentNumber string // the whole number, including the extension of TD1/TD2 long numbers
	Nationality    string
	DateOfBirth    string // YYMMDD; '<' marks unknown digits
	Sex            string // "M", "F", "X" or "<" (unspecified)
	DateOfExpiry   string // YYMMDD
	// OptionalData is the personal number (TD3) or the first optional data
	// field (TD1, TD2), without the document-number extension.
	OptionalData string
	// OptionalData2 is the second optional data field of TD1.
	OptionalData2 string
	// PrimaryIdentifier is the surname; SecondaryIdentifier the given
	// names. Fillers become single spaces.
	PrimaryIdentifier   string
	SecondaryIdentifier string
	// Lines are the MRZ lines as printed.
	Lines []string
}

// Key returns the BAC/PACE access key derived from the MRZ.
func (m *MRZ) Key() BACKey {
	return BACKey{DocumentNumber: m.DocumentNumber, DateOfBirth: m.DateOfBirth, DateOfExpiry: m.DateOfExpiry}
}

// String returns the MRZ lines joined by newlines.
func (m *MRZ) String() string { return strings.Join(m.Lines, "\n") }

// mrzValue maps an MRZ character to its check-digit value, or -1.
func mrzValue(c byte) int {
	switch {
	case c >= '0' && c <= '9':
		return int(c - '0')
	case c >= 'A' && c <= 'Z':
		return int(c-'A') + 10
	case c == '<':
		return 0
	}
	return -1
}

// CheckDigit computes the ICAO 9303 Part 3 §4.9 check digit of s: weights
// 7, 3, 1 repeating, digits as themselves, A–Z as 10–35, '<' as 0, sum mod 10.
func CheckDigit(s string) (byte, error) {
	sum := 0
	weights := [3]int{7, 3, 1}
	for i := 0; i < len(s); i++ {
		v := mrzValue(s[i])
		if v < 0 {
			return 0, fmt.Errorf("%w: character %q at position %d is not A-Z, 0-9 or '<'", ErrInvalidMRZ, s[i], i+1)
		}
		sum += v * weights[i%3]
	}
	return byte('0' + sum%10), nil
}

// ParseMRZ parses and validates a TD1, TD2, TD3, MRV-A or MRV-B machine
// readable zone. Lines may be separated by newlines or concatenated;
// surrounding white space is ignored. Every check digit is verified,
// including the composite digit, and long document numbers (TD1, TD2)
// are reassembled from the optional data.
func ParseMRZ(s string) (*MRZ, error) {
	var lines []string
	for _, l := range strings.FieldsFunc(s, func(r rune) bool { return r == '\n' || r == '\r' }) {
		if l = strings.TrimSpace(l); l != "" {
			lines = append(lines, l)
		}
	}
	all := strings.Join(lines, "")
	for i := 0; i < len(all); i++ {
		if mrzValue(all[i]) < 0 {
			return nil, fmt.Errorf("%w: character %q at position %d is not A-Z, 0-9 or '<'", ErrInvalidMRZ, all[i], i+1)
		}
	}
	var f MRZFormat
	var width int
	visa := len(all) > 0 && all[0] == 'V'
	switch {
	case len(all) == 90:
		f, width = TD1, 30
	case len(all) == 72 && visa:
		f, width = MRVB, 36
	case len(all) == 72:
		f, width = TD2, 36
	case len(all) == 88 && visa:
		f, width = MRVA, 44
	case len(all) == 88:
		f, width = TD3, 44
	default:
		return nil, fmt.Errorf("%w: %d characters, want 90 (TD1), 72 (TD2) or 88 (TD3)", ErrInvalidMRZ, len(all))
	}
	if len(lines) > 1 {
		for i, l := range lines {
			if len(l) != width {
				return nil, fmt.Errorf("%w: line %d has %d characters, %s lines have %d", ErrInvalidMRZ, i+1, len(l), f, width)
			}
		}
	}
	m := &MRZ{Format: f}
	for i := 0; i < len(all); i += width {
		m.Lines = append(m.Lines, all[i:i+width])
	}
	var err error
	if f == TD1 {
		err = m.parseTD1()
	} else {
		err = m.parseTwoLine()
	}
	if err != nil {
		return nil, err
	}
	return m, nil
}

func trimFill(s string) string { return strings.TrimRight(s, "<") }

// checkField verifies that cd is the check digit of field.
func checkField(name, field string, cd byte) error {
	want, err := CheckDigit(field)
	if err != nil {
		return err
	}
	if cd != want {
		return &CheckDigitError{Field: name, Printed: cd, Computed: want}
	}
	return nil
}

// documentNumber reassembles a possibly extended document number: when the
// check-digit position holds '<', the number continues in the optional data
// (its last character there being the check digit), Part 5 §4.2.2 note j.
func documentNumber(num string, cd byte, optional string) (number, rest string, err error) {
	if cd != '<' {
		return trimFill(num), optional, checkField("document number", num, cd)
	}
	ext := optional
	if i := strings.IndexByte(optional, '<'); i >= 0 {
		ext = optional[:i]
	}
	if len(ext) < 2 {
		return "", "", fmt.Errorf("%w: document number check digit is '<' but the optional data holds no extension", ErrInvalidMRZ)
	}
	full := num + ext[:len(ext)-1]
	if err := checkField("document number", full, ext[len(ext)-1]); err != nil {
		return "", "", err
	}
	return full, optional[len(ext):], nil
}

func (m *MRZ) parseNames(s string) {
	primary, secondary, _ := strings.Cut(trimFill(s), "<<")
	m.PrimaryIdentifier = strings.Join(strings.FieldsFunc(primary, func(r rune) bool { return r == '<' }), " ")
	m.SecondaryIdentifier = strings.Join(strings.FieldsFunc(secondary, func(r rune) bool { return r == '<' }), " ")
}

func (m *MRZ) parseHeader(l string) {
	m.DocumentCode = trimFill(l[0:2])
	m.IssuingState = trimFill(l[2:5])
}

// parseDates reads DOB, sex and DOE from the 15 characters that follow the
// nationality (TD1) or start at offset 13 (two-line formats).
func (m *MRZ) parseDates(s string) error {
	m.DateOfBirth = s[0:6]
	if err := checkDate("date of birth", s[0:6]); err != nil {
		return err
	}
	if err := checkDate("date of expiry", s[8:14]); err != nil {
		return err
	}
	if err := checkField("date of birth", s[0:6], s[6]); err != nil {
		return err
	}
	m.Sex = s[7:8]
	switch m.Sex {
	case "M", "F", "X", "<":
	default:
		return fmt.Errorf("%w: sex %q is not M, F, X or '<'", ErrInvalidMRZ, m.Sex)
	}
	m.DateOfExpiry = s[8:14]
	return checkField("date of expiry", s[8:14], s[14])
}

func (m *MRZ) parseTD1() error {
	l1, l2, l3 := m.Lines[0], m.Lines[1], m.Lines[2]
	m.parseHeader(l1)
	num, opt, err := documentNumber(l1[5:14], l1[14], l1[15:30])
	if err != nil {
		return err
	}
	m.DocumentNumber, m.OptionalData = num, trimFill(strings.TrimLeft(opt, "<"))
	if err := m.parseDates(l2[0:15]); err != nil {
		return err
	}
	m.Nationality = trimFill(l2[15:18])
	m.OptionalData2 = trimFill(l2[18:29])
	if err := checkField("composite", l1[5:30]+l2[0:7]+l2[8:15]+l2[18:29], l2[29]); err != nil {
		return err
	}
	m.parseNames(l3)
	return nil
}

func (m *MRZ) parseTwoLine() error {
	l1, l2 := m.Lines[0], m.Lines[1]
	w := len(l1)
	m.parseHeader(l1)
	m.parseNames(l1[5:])
	m.Nationality = trimFill(l2[10:13])
	if err := m.parseDates(l2[13:28]); err != nil {
		return err
	}
	switch m.Format {
	case TD3:
		num, _, err := documentNumber(l2[0:9], l2[9], "")
		if err != nil {
			return err
		}
		m.DocumentNumber = num
		m.OptionalData = trimFill(l2[28:42])
		// The personal-number check digit may be '<' when the field is empty;
		// any other digit, or any digit of a filled field, is checked.
		if l2[42] != '<' || m.OptionalData != "" {
			if err := checkField("personal number", l2[28:42], l2[42]); err != nil {
				return err
			}
		}
		return checkField("composite", l2[0:10]+l2[13:20]+l2[21:43], l2[43])
	case TD2:
		num, opt, err := documentNumber(l2[0:9], l2[9], l2[28:35])
		if err != nil {
			return err
		}
		m.DocumentNumber, m.OptionalData = num, trimFill(strings.TrimLeft(opt, "<"))
		return checkField("composite", l2[0:10]+l2[13:20]+l2[21:35], l2[35])
	default: // MRV-A, MRV-B: no composite, optional data to the end
		m.DocumentNumber = trimFill(l2[0:9])
		if err := checkField("document number", l2[0:9], l2[9]); err != nil {
			return err
		}
		m.OptionalData = trimFill(l2[28:w])
		return nil
	}
}

// AccessKey is a password that opens the chip: a BACKey (from the MRZ,
// usable with BAC and PACE) or a CAN (card access number, PACE only).
type AccessKey interface {
	// paceKeyReference is the PACE password reference (1 MRZ, 2 CAN).
	paceKeyReference() byte
	// paceSecret is K = f(π) of Part 11 §9.7.3, before the KDF.
	paceSecret() []byte
	// valid reports whether the key is usable.
	valid() error
}

// BACKey is the MRZ-derived access key of Part 11 §9.7.2: the document
// number, date of birth and date of expiry (YYMMDD).
type BACKey struct {
	DocumentNumber string
	DateOfBirth    string
	DateOfExpiry   string
}

// NewBACKey validates the three MRZ fields and returns the key. The document
// number may be given with or without trailing fillers.
func NewBACKey(documentNumber, dateOfBirth, dateOfExpiry string) (BACKey, error) {
	k := BACKey{DocumentNumber: trimFill(documentNumber), DateOfBirth: dateOfBirth, DateOfExpiry: dateOfExpiry}
	return k, k.valid()
}

func (k BACKey) valid() error {
	if k.DocumentNumber == "" {
		return fmt.Errorf("%w: empty document number", ErrInvalidMRZ)
	}
	if _, err := CheckDigit(k.DocumentNumber); err != nil {
		return err
	}
	if err := checkDate("date of birth", k.DateOfBirth); err != nil {
		return err
	}
	return checkDate("date of expiry", k.DateOfExpiry)
}

// checkDate accepts YYMMDD with '<' for digits the issuer does not know.
func checkDate(name, v string) error {
	if len(v) != 6 {
		return fmt.Errorf("%w: %s %q is not YYMMDD", ErrInvalidMRZ, name, v)
	}
	for i := 0; i < 6; i++ {
		if (v[i] < '0' || v[i] > '9') && v[i] != '<' {
			return fmt.Errorf("%w: %s %q is not YYMMDD", ErrInvalidMRZ, name, v)
		}
	}
	return nil
}

// MRZInformation returns the string whose SHA-1 seeds the BAC and PACE keys:
// document number (padded with '<' to at least 9 characters), date of birth
// and date of expiry, each followed by its check digit.
func (k BACKey) MRZInformation() string {
	num := k.DocumentNumber
	if len(num) < 9 {
		num += strings.Repeat("<", 9-len(num))
	}
	var b strings.Builder
	for _, f := range []string{num, k.DateOfBirth, k.DateOfExpiry} {
		cd, _ := CheckDigit(f) // characters were checked by valid
		b.WriteString(f)
		b.WriteByte(cd)
	}
	return b.String()
}

func (k BACKey) paceKeyReference() byte { return 1 }

func (k BACKey) paceSecret() []byte {
	h := sha1.Sum([]byte(k.MRZInformation())) //nolint:gosec // G401: ICAO 9303 Part 11 §9.7.3 mandates SHA-1 of the MRZ information as the PACE password
	return h[:]
}

// keySeed is K_seed of Part 11 §9.7.2: the first 16 bytes of SHA-1(MRZ_information).
func (k BACKey) keySeed() []byte { return k.paceSecret()[:16] }

// CAN is a card access number, the short number printed on the face of
// cards and newer passports that opens the chip with PACE.
type CAN string

func (c CAN) paceKeyReference() byte { return 2 }
func (c CAN) paceSecret() []byte     { return []byte(c) }
func (c CAN) valid() error {
	if len(c) == 0 || len(c) > 16 {
		return fmt.Errorf("passport: CAN must be 1 to 16 digits, got %d characters", len(c))
	}
	for i := 0; i < len(c); i++ {
		if c[i] < '0' || c[i] > '9' {
			return fmt.Errorf("passport: CAN %q must contain digits only", string(c))
		}
	}
	return nil
}
