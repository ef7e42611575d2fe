package mitid

import (
	"net"
	"net/mail"
	"strings"
)

// ParsePhone validates a phone number and returns it in E.164 form
// ("+4512345678"). Spaces, hyphens, dots and parentheses are ignored; a
// leading "00" means "+"; a bare 8-digit number is taken as Danish (+45).
// Foreign numbers are welcome (mitid.dk: Questions and answers about MitID): any country code, up to the 15
// digits E.164 allows.
func ParsePhone(s string) (string, error) {
	bad := func(format string, args ...any) (string, error) {
		return "", invalidField(CodePhoneInvalid, "phone", format, args...)
	}
	var digits []byte
	plus := false
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= '0' && c <= '9':
			digits = append(digits, c)
		case c == '+' && len(digits) == 0 && !plus:
			plus = true
		case c == ' ' || c == '-' || c == '.' || c == '(' || c == ')':
		default:
			return bad("a phone number holds digits, an optional leading +, spaces and hyphens; %q is not allowed", c)
		}
	}
	d := string(digits)
	switch {
	case plus:
	case strings.HasPrefix(d, "00"):
		d = d[2:]
	case len(d) == 8:
		d = "45" + d
	default:
		return bad("write the phone number with its country code, e.g. +45 12 34 56 78")
	}
	switch {
	case len(d) < 7:
		return bad("the phone number +%s is too short", d)
	case len(d) > 15:
		return bad("the phone number has %d digits; E.164 allows at most 15", len(d))
	case d[0] == '0':
		return bad("a country code cannot begin with 0")
	}
	if strings.HasPrefix(d, "45") && len(d) != 10 {
		return bad("a Danish number (+45) has 8 digits after the country code")
	}
	return "+" + d, nil
}

// ParseEmail validates an e-mail address (an RFC 5322 addr-spec, without a
// display name, at a domain name rather than an IP address) and returns it
// with the domain in lower case.
func ParseEmail(s string) (string, error) {
	a, err := mail.ParseAddress(s)
	if err != nil || a.Name != "" || a.Address != strings.TrimSpace(s) {
		return "", invalidField(CodeEmailInvalid, "email", "%q is not an e-mail address such as name@example.dk", s)
	}
	at := strings.LastIndexByte(a.Address, '@')
	domain := strings.ToLower(a.Address[at+1:])
	if strings.HasPrefix(domain, "[") || net.ParseIP(domain) != nil {
		// A host named by its address is no mail domain, and anyone who
		// may give an address (an order's receipt) could name one inside
		// the network. (A domain name can point there too: keeping mail
		// from such hosts is the relay's policy.)
		return "", invalidField(CodeEmailInvalid, "email", "an e-mail address at an IP address (%s) is not accepted; use its domain name", domain)
	}
	if !strings.Contains(domain, ".") {
		return "", invalidField(CodeEmailInvalid, "email", "the e-mail domain %q has no dot; write the full domain, e.g. example.dk", domain)
	}
	return a.Address[:at+1] + domain, nil
}

// Channel is a way to reach the user with a notification (mitid.dk: MitID security in general).
type Channel string

// The notification channels.
const (
	ChannelApp   Channel = "app"
	ChannelSMS   Channel = "sms"
	ChannelEmail Channel = "email"
)

// Valid reports whether c is one of the known channels.
func (c Channel) Valid() bool { return c == ChannelApp || c == ChannelSMS || c == ChannelEmail }

// Language is the language the user reads MitID in.
type Language string

// The languages MitID speaks.
const (
	Danish  Language = "da"
	English Language = "en"
)

// Valid reports whether l is a supported language.
func (l Language) Valid() bool { return l == Danish || l == English }
