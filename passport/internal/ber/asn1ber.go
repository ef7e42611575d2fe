package ber

import (
	"encoding/asn1"
	"errors"
	"fmt"
	"math/big"
	"time"
)

// This file holds the small ASN.1 BER reader the PKI side (CMS, certificates,
// the LDS security object, master lists) is built on. encoding/asn1 alone is
// not enough: real SODs and master lists are sometimes BER, with
// indefinite lengths and constructed OCTET STRINGs, which encoding/asn1
// rejects. The reader never allocates according to a declared length, only
// slices its input, and bounds nesting depth, so hostile input costs at most
// linear time and no memory beyond the result.

// MaxDepth bounds nesting of constructed elements. Real CMS objects nest
// about 12 levels deep; 64 leaves ample room while keeping recursion bounded.
const MaxDepth = 64

// ASN.1 universal tag numbers used by the PKI code.
const (
	TagBoolean     = 1
	TagInteger     = 2
	TagBitString   = 3
	TagOctetString = 4
	TagNull        = 5
	TagOID         = 6
	TagUTF8String  = 12
	TagSequence    = 16
	TagSet         = 17
	TagPrintable   = 19
	TagUTCTime     = 23
	TagGeneralized = 24
)

// ErrASN1 is wrapped by every BER decoding failure.
var ErrASN1 = errors.New("malformed ASN.1")

// Element is one decoded ASN.1 element. All slices alias the input.
type Element struct {
	Class       int    // asn1.ClassUniversal, ClassApplication, ClassContextSpecific, ClassPrivate
	Constructed bool   // the constructed bit of the identifier octet
	Number      int    // tag number
	Indefinite  bool   // encoded with indefinite length (BER only)
	Content     []byte // contents octets, without the end-of-contents marker
	Full        []byte // the complete encoding: identifier, length, contents (and EOC)
}

// Is reports whether e carries the given class, tag number and form.
func (e Element) Is(class, tag int, constructed bool) bool {
	return e.Class == class && e.Number == tag && e.Constructed == constructed
}

// IsUniversal reports whether e is the universal-class element with tag number tag.
func (e Element) IsUniversal(tag int) bool {
	return e.Class == asn1.ClassUniversal && e.Number == tag
}

// Describe names the element for error messages.
func (e Element) Describe() string {
	switch e.Class {
	case asn1.ClassUniversal:
		return fmt.Sprintf("universal %d", e.Number)
	case asn1.ClassApplication:
		return fmt.Sprintf("[APPLICATION %d]", e.Number)
	case asn1.ClassContextSpecific:
		return fmt.Sprintf("[%d]", e.Number)
	default:
		return fmt.Sprintf("[PRIVATE %d]", e.Number)
	}
}

// Read decodes the first element of b and returns it and the bytes after it.
func Read(b []byte) (Element, []byte, error) {
	return readDepth(b, 0)
}

func readDepth(b []byte, depth int) (Element, []byte, error) {
	var e Element
	if depth > MaxDepth {
		return e, nil, fmt.Errorf("%w: nested deeper than %d levels", ErrASN1, MaxDepth)
	}
	h, err := DecodeHeader(b)
	if err != nil {
		return e, nil, fmt.Errorf("%w: %w", ErrASN1, err)
	}
	e.Class, e.Constructed, e.Number = h.Class, h.Constructed, h.Number
	i := h.Len
	if !h.Indefinite {
		if h.ValueLen > len(b)-i {
			return e, nil, fmt.Errorf("%w: %s claims %d bytes, %d remain", ErrASN1, e.Describe(), h.ValueLen, len(b)-i)
		}
		end := i + h.ValueLen
		e.Content, e.Full = b[i:end], b[:end]
		return e, b[end:], nil
	}
	if !e.Constructed {
		return e, nil, fmt.Errorf("%w: indefinite length on a primitive element", ErrASN1)
	}
	e.Indefinite = true
	rest := b[i:]
	for {
		if len(rest) >= 2 && rest[0] == 0 && rest[1] == 0 {
			e.Content = b[i : len(b)-len(rest)]
			end := len(b) - len(rest) + 2
			e.Full = b[:end]
			return e, b[end:], nil
		}
		var err error
		_, rest, err = readDepth(rest, depth+1)
		if err != nil {
			return e, nil, err
		}
	}
}

// ReadAll decodes b as exactly one element with nothing after it.
func ReadAll(b []byte) (Element, error) {
	e, rest, err := Read(b)
	if err != nil {
		return e, err
	}
	if len(rest) != 0 {
		return e, fmt.Errorf("%w: %d trailing bytes after %s", ErrASN1, len(rest), e.Describe())
	}
	return e, nil
}

// Children decodes the contents of a constructed element into its elements.
func Children(e Element) ([]Element, error) {
	if !e.Constructed {
		return nil, fmt.Errorf("%w: %s is primitive, expected constructed", ErrASN1, e.Describe())
	}
	// Count first so the slice is allocated once: certificates and CMS
	// structures are parsed on every verification.
	n := 0
	for rest := e.Content; len(rest) > 0; n++ {
		var err error
		if _, rest, err = Read(rest); err != nil {
			return nil, err
		}
	}
	out := make([]Element, 0, n)
	for rest := e.Content; len(rest) > 0; {
		var c Element
		c, rest, _ = Read(rest)
		out = append(out, c)
	}
	return out, nil
}

// Sequence checks that e is a SEQUENCE and returns its elements.
func Sequence(e Element, what string) ([]Element, error) {
	if !e.Is(asn1.ClassUniversal, TagSequence, true) {
		return nil, fmt.Errorf("%w: %s: found %s, expected SEQUENCE", ErrASN1, what, e.Describe())
	}
	kids, err := Children(e)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	return kids, nil
}

// Octets returns the value of an OCTET STRING, joining the segments of a
// constructed (BER) OCTET STRING. implicitOK allows any tag (for IMPLICIT
// tagging); otherwise the element must be a universal OCTET STRING.
func Octets(e Element, implicitOK bool) ([]byte, error) {
	return octetsDepth(e, implicitOK, 0)
}

func octetsDepth(e Element, implicitOK bool, depth int) ([]byte, error) {
	if !implicitOK && !e.IsUniversal(TagOctetString) {
		return nil, fmt.Errorf("%w: found %s, expected OCTET STRING", ErrASN1, e.Describe())
	}
	if !e.Constructed {
		return e.Content, nil
	}
	if depth > 8 {
		return nil, fmt.Errorf("%w: constructed OCTET STRING nested too deep", ErrASN1)
	}
	kids, err := Children(e)
	if err != nil {
		return nil, err
	}
	var out []byte
	for _, k := range kids {
		seg, err := octetsDepth(k, false, depth+1)
		if err != nil {
			return nil, err
		}
		out = append(out, seg...)
	}
	return out, nil
}

// OID decodes an OBJECT IDENTIFIER element.
func OID(e Element) (asn1.ObjectIdentifier, error) {
	if !e.Is(asn1.ClassUniversal, TagOID, false) {
		return nil, fmt.Errorf("%w: found %s, expected OBJECT IDENTIFIER", ErrASN1, e.Describe())
	}
	var oid asn1.ObjectIdentifier
	if _, err := asn1.Unmarshal(e.Full, &oid); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrASN1, err)
	}
	return oid, nil
}

// Integer decodes an INTEGER (or, with implicitOK, an implicitly tagged
// one) into a big.Int. Unlike encoding/asn1 it accepts non-minimal
// encodings: some issuers' certificates carry serial numbers with
// superfluous leading zero bytes, and rejecting those would reject the
// document for a cosmetic flaw.
func Integer(e Element, implicitOK bool) (*big.Int, error) {
	if !implicitOK && !e.IsUniversal(TagInteger) {
		return nil, fmt.Errorf("%w: found %s, expected INTEGER", ErrASN1, e.Describe())
	}
	if e.Constructed || len(e.Content) == 0 {
		return nil, fmt.Errorf("%w: empty or constructed INTEGER", ErrASN1)
	}
	n := new(big.Int).SetBytes(e.Content)
	if e.Content[0]&0x80 != 0 {
		n.Sub(n, new(big.Int).Lsh(big.NewInt(1), uint(8*len(e.Content))))
	}
	return n, nil
}

// SmallInt decodes an INTEGER that must fit in [0, limit].
func SmallInt(e Element, implicitOK bool, limit int64) (int, error) {
	n, err := Integer(e, implicitOK)
	if err != nil {
		return 0, err
	}
	if n.Sign() < 0 || !n.IsInt64() || n.Int64() > limit {
		return 0, fmt.Errorf("%w: INTEGER %s outside 0..%d", ErrASN1, n, limit)
	}
	return int(n.Int64()), nil
}

// Time decodes a UTCTime or GeneralizedTime element.
func Time(e Element) (time.Time, error) {
	if e.Constructed || e.Class != asn1.ClassUniversal || (e.Number != TagUTCTime && e.Number != TagGeneralized) {
		return time.Time{}, fmt.Errorf("%w: found %s, expected a time", ErrASN1, e.Describe())
	}
	// Fast path for the form RFC 5280 mandates for UTCTime, YYMMDDHHMMSSZ.
	if c := e.Content; e.Number == TagUTCTime && len(c) == 13 && c[12] == 'Z' && digits(c[:12]) {
		d := func(i int) int { return int(c[i]-'0')*10 + int(c[i+1]-'0') }
		year := 1900 + d(0)
		if year < 1950 {
			year += 100
		}
		t := time.Date(year, time.Month(d(2)), d(4), d(6), d(8), d(10), 0, time.UTC)
		if t.Month() == time.Month(d(2)) && t.Day() == d(4) && d(6) < 24 && d(8) < 60 && d(10) < 60 {
			return t, nil
		}
		return time.Time{}, fmt.Errorf("%w: invalid UTCTime %q", ErrASN1, c)
	}
	var t time.Time
	if _, err := asn1.Unmarshal(e.Full, &t); err != nil {
		return time.Time{}, fmt.Errorf("%w: %w", ErrASN1, err)
	}
	return t, nil
}

// BitString decodes a BIT STRING whose length is a whole number of
// bytes (keys and signatures always are).
func BitString(e Element) ([]byte, error) {
	if !e.Is(asn1.ClassUniversal, TagBitString, false) {
		return nil, fmt.Errorf("%w: found %s, expected BIT STRING", ErrASN1, e.Describe())
	}
	if len(e.Content) == 0 || e.Content[0] != 0 {
		return nil, fmt.Errorf("%w: BIT STRING is not a whole number of bytes", ErrASN1)
	}
	return e.Content[1:], nil
}

// AlgorithmIdentifier is an AlgorithmIdentifier: an OID and optional parameters.
type AlgorithmIdentifier struct {
	OID    asn1.ObjectIdentifier
	Params *Element // nil when absent
}

// Algorithm decodes an AlgorithmIdentifier.
func Algorithm(e Element, what string) (AlgorithmIdentifier, error) {
	var a AlgorithmIdentifier
	kids, err := Sequence(e, what)
	if err != nil {
		return a, err
	}
	if len(kids) < 1 || len(kids) > 2 {
		return a, fmt.Errorf("%w: %s has %d elements", ErrASN1, what, len(kids))
	}
	if a.OID, err = OID(kids[0]); err != nil {
		return a, fmt.Errorf("%s: %w", what, err)
	}
	if len(kids) == 2 {
		p := kids[1]
		a.Params = &p
	}
	return a, nil
}

// DER encodes one DER element with the given identifier octet(s) and contents.
func DER(id byte, content ...[]byte) []byte {
	n := 0
	for _, c := range content {
		n += len(c)
	}
	out := make([]byte, 0, n+6)
	out = append(out, id)
	out = AppendLength(out, n) // tlv.go: minimal definite length
	for _, c := range content {
		out = append(out, c...)
	}
	return out
}

// digits reports whether b is non-empty and all ASCII digits.
func digits(b []byte) bool {
	for _, c := range b {
		if c < '0' || c > '9' {
			return false
		}
	}
	return len(b) > 0
}

// OIDContent returns the content octets of an OID (the value of a tag 06
// or, in MSE:Set AT, tag 80).
func OIDContent(oid asn1.ObjectIdentifier) []byte {
	der, _ := asn1.Marshal(oid) // a parsed or constant OID always marshals
	h, _ := DecodeHeader(der)
	return der[h.Len:]
}
