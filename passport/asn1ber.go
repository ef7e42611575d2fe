package passport

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

// berMaxDepth bounds nesting of constructed elements. Real CMS objects nest
// about 12 levels deep; 64 leaves ample room while keeping recursion bounded.
const berMaxDepth = 64

// ASN.1 universal tag numbers used by the PKI code.
const (
	berTagBoolean     = 1
	berTagInteger     = 2
	berTagBitString   = 3
	berTagOctetString = 4
	berTagNull        = 5
	berTagOID         = 6
	berTagUTF8String  = 12
	berTagSequence    = 16
	berTagSet         = 17
	berTagPrintable   = 19
	berTagUTCTime     = 23
	berTagGeneralized = 24
)

// errBER is wrapped by every BER decoding failure.
var errBER = errors.New("malformed ASN.1")

// berElement is one decoded ASN.1 element. All slices alias the input.
type berElement struct {
	class       int    // asn1.ClassUniversal, ClassApplication, ClassContextSpecific, ClassPrivate
	constructed bool   // the constructed bit of the identifier octet
	tag         int    // tag number
	indefinite  bool   // encoded with indefinite length (BER only)
	content     []byte // contents octets, without the end-of-contents marker
	full        []byte // the complete encoding: identifier, length, contents (and EOC)
}

// is reports whether e carries the given class, tag number and form.
func (e berElement) is(class, tag int, constructed bool) bool {
	return e.class == class && e.tag == tag && e.constructed == constructed
}

// isUniversal reports whether e is the universal-class element with tag number tag.
func (e berElement) isUniversal(tag int) bool {
	return e.class == asn1.ClassUniversal && e.tag == tag
}

// describe names the element for error messages.
func (e berElement) describe() string {
	switch e.class {
	case asn1.ClassUniversal:
		return fmt.Sprintf("universal %d", e.tag)
	case asn1.ClassApplication:
		return fmt.Sprintf("[APPLICATION %d]", e.tag)
	case asn1.ClassContextSpecific:
		return fmt.Sprintf("[%d]", e.tag)
	default:
		return fmt.Sprintf("[PRIVATE %d]", e.tag)
	}
}

// berRead decodes the first element of b and returns it and the bytes after it.
func berRead(b []byte) (berElement, []byte, error) {
	return berReadDepth(b, 0)
}

func berReadDepth(b []byte, depth int) (berElement, []byte, error) {
	var e berElement
	if depth > berMaxDepth {
		return e, nil, fmt.Errorf("%w: nested deeper than %d levels", errBER, berMaxDepth)
	}
	if len(b) < 2 {
		return e, nil, fmt.Errorf("%w: truncated element header", errBER)
	}
	id := b[0]
	e.class = int(id >> 6)
	e.constructed = id&0x20 != 0
	i := 1
	if id&0x1f != 0x1f {
		e.tag = int(id & 0x1f)
	} else {
		// High tag number form: base-128, at most 4 bytes (tag < 2^28).
		tag := 0
		for n := 0; ; n++ {
			if i >= len(b) {
				return e, nil, fmt.Errorf("%w: truncated tag", errBER)
			}
			if n == 4 {
				return e, nil, fmt.Errorf("%w: tag number too large", errBER)
			}
			c := b[i]
			i++
			if n == 0 && c == 0x80 {
				return e, nil, fmt.Errorf("%w: tag number not minimally encoded", errBER)
			}
			tag = tag<<7 | int(c&0x7f)
			if c&0x80 == 0 {
				break
			}
		}
		e.tag = tag
	}
	if i >= len(b) {
		return e, nil, fmt.Errorf("%w: truncated length", errBER)
	}
	l := b[i]
	i++
	switch {
	case l < 0x80:
		end := i + int(l)
		if end > len(b) {
			return e, nil, fmt.Errorf("%w: %s claims %d bytes, %d remain", errBER, e.describe(), l, len(b)-i)
		}
		e.content, e.full = b[i:end], b[:end]
		return e, b[end:], nil
	case l == 0x80:
		if !e.constructed {
			return e, nil, fmt.Errorf("%w: indefinite length on a primitive element", errBER)
		}
		e.indefinite = true
		rest := b[i:]
		for {
			if len(rest) >= 2 && rest[0] == 0 && rest[1] == 0 {
				e.content = b[i : len(b)-len(rest)]
				end := len(b) - len(rest) + 2
				e.full = b[:end]
				return e, b[end:], nil
			}
			var err error
			_, rest, err = berReadDepth(rest, depth+1)
			if err != nil {
				return e, nil, err
			}
		}
	default:
		n := int(l & 0x7f)
		if n > 4 {
			return e, nil, fmt.Errorf("%w: length field of %d bytes is too long", errBER, n)
		}
		if i+n > len(b) {
			return e, nil, fmt.Errorf("%w: truncated length", errBER)
		}
		length := 0
		for _, c := range b[i : i+n] {
			length = length<<8 | int(c)
		}
		i += n
		if length > len(b)-i {
			return e, nil, fmt.Errorf("%w: %s claims %d bytes, %d remain", errBER, e.describe(), length, len(b)-i)
		}
		e.content, e.full = b[i:i+length], b[:i+length]
		return e, b[i+length:], nil
	}
}

// berReadAll decodes b as exactly one element with nothing after it.
func berReadAll(b []byte) (berElement, error) {
	e, rest, err := berRead(b)
	if err != nil {
		return e, err
	}
	if len(rest) != 0 {
		return e, fmt.Errorf("%w: %d trailing bytes after %s", errBER, len(rest), e.describe())
	}
	return e, nil
}

// berChildren decodes the contents of a constructed element into its elements.
func berChildren(e berElement) ([]berElement, error) {
	if !e.constructed {
		return nil, fmt.Errorf("%w: %s is primitive, expected constructed", errBER, e.describe())
	}
	// Count first so the slice is allocated once: certificates and CMS
	// structures are parsed on every verification.
	n := 0
	for rest := e.content; len(rest) > 0; n++ {
		var err error
		if _, rest, err = berRead(rest); err != nil {
			return nil, err
		}
	}
	out := make([]berElement, 0, n)
	for rest := e.content; len(rest) > 0; {
		var c berElement
		c, rest, _ = berRead(rest)
		out = append(out, c)
	}
	return out, nil
}

// berSequence checks that e is a SEQUENCE and returns its elements.
func berSequence(e berElement, what string) ([]berElement, error) {
	if !e.is(asn1.ClassUniversal, berTagSequence, true) {
		return nil, fmt.Errorf("%w: %s: found %s, expected SEQUENCE", errBER, what, e.describe())
	}
	kids, err := berChildren(e)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	return kids, nil
}

// berOctets returns the value of an OCTET STRING, joining the segments of a
// constructed (BER) OCTET STRING. implicitOK allows any tag (for IMPLICIT
// tagging); otherwise the element must be a universal OCTET STRING.
func berOctets(e berElement, implicitOK bool) ([]byte, error) {
	return berOctetsDepth(e, implicitOK, 0)
}

func berOctetsDepth(e berElement, implicitOK bool, depth int) ([]byte, error) {
	if !implicitOK && !e.isUniversal(berTagOctetString) {
		return nil, fmt.Errorf("%w: found %s, expected OCTET STRING", errBER, e.describe())
	}
	if !e.constructed {
		return e.content, nil
	}
	if depth > 8 {
		return nil, fmt.Errorf("%w: constructed OCTET STRING nested too deep", errBER)
	}
	kids, err := berChildren(e)
	if err != nil {
		return nil, err
	}
	var out []byte
	for _, k := range kids {
		seg, err := berOctetsDepth(k, false, depth+1)
		if err != nil {
			return nil, err
		}
		out = append(out, seg...)
	}
	return out, nil
}

// berOID decodes an OBJECT IDENTIFIER element.
func berOID(e berElement) (asn1.ObjectIdentifier, error) {
	if !e.is(asn1.ClassUniversal, berTagOID, false) {
		return nil, fmt.Errorf("%w: found %s, expected OBJECT IDENTIFIER", errBER, e.describe())
	}
	var oid asn1.ObjectIdentifier
	if _, err := asn1.Unmarshal(e.full, &oid); err != nil {
		return nil, fmt.Errorf("%w: %v", errBER, err)
	}
	return oid, nil
}

// berInteger decodes an INTEGER (or, with implicitOK, an implicitly tagged
// one) into a big.Int. Unlike encoding/asn1 it accepts non-minimal
// encodings: some issuers' certificates carry serial numbers with
// superfluous leading zero bytes, and rejecting those would reject the
// document for a cosmetic flaw.
func berInteger(e berElement, implicitOK bool) (*big.Int, error) {
	if !implicitOK && !e.isUniversal(berTagInteger) {
		return nil, fmt.Errorf("%w: found %s, expected INTEGER", errBER, e.describe())
	}
	if e.constructed || len(e.content) == 0 {
		return nil, fmt.Errorf("%w: empty or constructed INTEGER", errBER)
	}
	n := new(big.Int).SetBytes(e.content)
	if e.content[0]&0x80 != 0 {
		n.Sub(n, new(big.Int).Lsh(big.NewInt(1), uint(8*len(e.content))))
	}
	return n, nil
}

// berSmallInt decodes an INTEGER that must fit in [0, max].
func berSmallInt(e berElement, implicitOK bool, max int64) (int, error) {
	n, err := berInteger(e, implicitOK)
	if err != nil {
		return 0, err
	}
	if n.Sign() < 0 || !n.IsInt64() || n.Int64() > max {
		return 0, fmt.Errorf("%w: INTEGER %s outside 0..%d", errBER, n, max)
	}
	return int(n.Int64()), nil
}

// berTime decodes a UTCTime or GeneralizedTime element.
func berTime(e berElement) (time.Time, error) {
	if e.constructed || e.class != asn1.ClassUniversal || (e.tag != berTagUTCTime && e.tag != berTagGeneralized) {
		return time.Time{}, fmt.Errorf("%w: found %s, expected a time", errBER, e.describe())
	}
	// Fast path for the form RFC 5280 mandates for UTCTime, YYMMDDHHMMSSZ.
	if c := e.content; e.tag == berTagUTCTime && len(c) == 13 && c[12] == 'Z' && ldsDigits(string(c[:12])) {
		d := func(i int) int { return int(c[i]-'0')*10 + int(c[i+1]-'0') }
		year := 1900 + d(0)
		if year < 1950 {
			year += 100
		}
		t := time.Date(year, time.Month(d(2)), d(4), d(6), d(8), d(10), 0, time.UTC)
		if t.Month() == time.Month(d(2)) && t.Day() == d(4) && d(6) < 24 && d(8) < 60 && d(10) < 60 {
			return t, nil
		}
		return time.Time{}, fmt.Errorf("%w: invalid UTCTime %q", errBER, c)
	}
	var t time.Time
	if _, err := asn1.Unmarshal(e.full, &t); err != nil {
		return time.Time{}, fmt.Errorf("%w: %v", errBER, err)
	}
	return t, nil
}

// berBitString decodes a BIT STRING whose length is a whole number of
// bytes (keys and signatures always are).
func berBitString(e berElement) ([]byte, error) {
	if !e.is(asn1.ClassUniversal, berTagBitString, false) {
		return nil, fmt.Errorf("%w: found %s, expected BIT STRING", errBER, e.describe())
	}
	if len(e.content) == 0 || e.content[0] != 0 {
		return nil, fmt.Errorf("%w: BIT STRING is not a whole number of bytes", errBER)
	}
	return e.content[1:], nil
}

// pkiAlgorithm is an AlgorithmIdentifier: an OID and optional parameters.
type pkiAlgorithm struct {
	OID    asn1.ObjectIdentifier
	Params *berElement // nil when absent
}

// berAlgorithm decodes an AlgorithmIdentifier.
func berAlgorithm(e berElement, what string) (pkiAlgorithm, error) {
	var a pkiAlgorithm
	kids, err := berSequence(e, what)
	if err != nil {
		return a, err
	}
	if len(kids) < 1 || len(kids) > 2 {
		return a, fmt.Errorf("%w: %s has %d elements", errBER, what, len(kids))
	}
	if a.OID, err = berOID(kids[0]); err != nil {
		return a, fmt.Errorf("%s: %w", what, err)
	}
	if len(kids) == 2 {
		p := kids[1]
		a.Params = &p
	}
	return a, nil
}

// derTLV encodes one DER element with the given identifier octet(s) and contents.
func derTLV(id byte, content ...[]byte) []byte {
	n := 0
	for _, c := range content {
		n += len(c)
	}
	out := make([]byte, 0, n+6)
	out = append(out, id)
	out = appendLength(out, n) // tlv.go: minimal definite length
	for _, c := range content {
		out = append(out, c...)
	}
	return out
}
