package mitid

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// PostalAddress is where a device is mailed: the official address the CPR
// register holds, or another one the person gives, in Denmark or abroad.
type PostalAddress struct {
	// Name is who the letter is for ("c/o" lines included).
	Name string `json:"name,omitempty"`
	// Street is the street, number, floor and door ("Vestergade 12, 2. th.").
	Street     string `json:"street"`
	PostalCode string `json:"postal_code"`
	City       string `json:"city"`
	// Country is the ISO 3166-1 alpha-2 code ("DK"); empty means DK.
	Country string `json:"country,omitempty"`
}

// Abroad reports whether the address is outside Denmark (Greenland and the
// Faroe Islands, with postal services of their own, count as abroad).
func (a PostalAddress) Abroad() bool { return a.Country != "DK" }

// String renders the address as it is written on a letter.
func (a PostalAddress) String() string {
	var lines []string
	if a.Name != "" {
		lines = append(lines, a.Name)
	}
	lines = append(lines, a.Street, a.PostalCode+" "+a.City)
	if a.Abroad() {
		lines = append(lines, a.Country)
	}
	return strings.Join(lines, ", ")
}

// ParsePostalAddress checks an address and returns it tidied (spaces
// trimmed, country upper case, DK when empty). A Danish postal code is four
// digits from 0800 to 9999 (Post Nord's numbering); an address abroad needs
// a postal code of at most 12 letters, digits, spaces or hyphens, or none
// where the country has none. Each part is at most 100 characters and free
// of control characters. Errors are ErrInvalid with code CodeAddressInvalid
// and the part that is wrong in Field.
func ParsePostalAddress(a PostalAddress) (PostalAddress, error) {
	clean := func(field, s string, required bool) (string, error) {
		s = strings.Join(strings.Fields(s), " ")
		switch {
		case required && s == "":
			return "", invalidField(CodeAddressInvalid, field, "the address needs a %s", strings.ReplaceAll(field, "_", " "))
		case !utf8.ValidString(s) || utf8.RuneCountInString(s) > 100:
			return "", invalidField(CodeAddressInvalid, field, "the %s is too long or not text", strings.ReplaceAll(field, "_", " "))
		case strings.IndexFunc(s, unicode.IsControl) >= 0:
			return "", invalidField(CodeAddressInvalid, field, "the %s contains control characters", strings.ReplaceAll(field, "_", " "))
		}
		return s, nil
	}
	var err error
	if a.Name, err = clean("name", a.Name, false); err != nil {
		return PostalAddress{}, err
	}
	if a.Street, err = clean("street", a.Street, true); err != nil {
		return PostalAddress{}, err
	}
	if a.City, err = clean("city", a.City, true); err != nil {
		return PostalAddress{}, err
	}
	a.Country = strings.ToUpper(strings.TrimSpace(a.Country))
	if a.Country == "" {
		a.Country = "DK"
	}
	if len(a.Country) != 2 || a.Country[0] < 'A' || a.Country[0] > 'Z' || a.Country[1] < 'A' || a.Country[1] > 'Z' {
		return PostalAddress{}, invalidField(CodeAddressInvalid, "country", "the country must be a two-letter ISO 3166 code such as DK or SE")
	}
	code := strings.TrimSpace(a.PostalCode)
	if a.Country == "DK" {
		code = strings.TrimPrefix(strings.TrimPrefix(code, "DK-"), "DK ")
		if len(code) != 4 || strings.Trim(code, "0123456789") != "" || code < "0800" {
			return PostalAddress{}, invalidField(CodeAddressInvalid, "postal_code", "a Danish postal code has four digits, from 0800 to 9999")
		}
	} else if len(code) > 12 || strings.TrimFunc(code, func(r rune) bool {
		return r == ' ' || r == '-' || (r >= '0' && r <= '9') || (r >= 'A' && r <= 'Z') || (r >= 'a' && r <= 'z')
	}) != "" {
		return PostalAddress{}, invalidField(CodeAddressInvalid, "postal_code", "the postal code may have at most 12 letters, digits, spaces or hyphens")
	}
	a.PostalCode = code
	return a, nil
}
