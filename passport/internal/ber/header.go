package ber

import (
	"errors"
	"fmt"
)

// ErrMalformedTLV reports bytes that are not valid BER-TLV: a truncated tag
// or length, a length running past the input, or (where ICAO 9303 forbids
// it) an indefinite length. The passport package re-exports it.
var ErrMalformedTLV = errors.New("passport: malformed BER-TLV")

// MaxTagBytes bounds multi-byte tags. ICAO 9303 uses at most two bytes
// (5F1F, 7F61); ISO 7816-4 allows three. Four keeps every tag in a uint32
// and every tag number below 2^21, far above any the PKI structures use.
const MaxTagBytes = 4

// maxLength bounds a definite length: nothing a chip or a certificate holds
// comes near 2^31-1, and larger values would overflow int on 32-bit
// platforms.
const maxLength = 1<<31 - 1

// Header is the identifier and length octets at the front of one BER
// element, as both readers of this package (the ISO 7816 TLV reader of the
// chip protocols and the ASN.1 element reader of the PKI) see them.
type Header struct {
	Tag         Tag  // the identifier octets as the number they spell (0x5F1F)
	Class       int  // asn1.ClassUniversal, ClassApplication, ClassContextSpecific, ClassPrivate
	Constructed bool // the constructed bit of the first identifier octet
	Number      int  // the tag number within its class
	Len         int  // bytes of identifier and length octets
	ValueLen    int  // the declared value length; 0 when Indefinite
	Indefinite  bool // the length octet is 0x80 (BER only; ICAO 9303 forbids it)
}

// DecodeHeader decodes the identifier and length octets at the front of b
// without requiring the value to be present, so a caller can learn the size
// of a file from its first few bytes. It is the one header decoder of the
// package: tags of at most four bytes, high tag numbers minimally encoded,
// definite lengths of at most four length bytes and below 2^31, or the
// indefinite form, which the caller accepts or refuses.
func DecodeHeader(b []byte) (Header, error) {
	var h Header
	if len(b) == 0 {
		return h, fmt.Errorf("%w: empty input, expected a tag", ErrMalformedTLV)
	}
	h.Class = int(b[0] >> 6)
	h.Constructed = b[0]&0x20 != 0
	t := uint32(b[0])
	i := 1
	if b[0]&0x1F != 0x1F {
		h.Number = int(b[0] & 0x1F)
	} else {
		for {
			if i >= len(b) {
				return h, fmt.Errorf("%w: tag truncated after %d bytes", ErrMalformedTLV, i)
			}
			if i >= MaxTagBytes {
				return h, fmt.Errorf("%w: tag longer than %d bytes", ErrMalformedTLV, MaxTagBytes)
			}
			c := b[i]
			if i == 1 && c == 0x80 {
				return h, fmt.Errorf("%w: tag number not minimally encoded", ErrMalformedTLV)
			}
			t = t<<8 | uint32(c)
			h.Number = h.Number<<7 | int(c&0x7F)
			i++
			if c&0x80 == 0 {
				break
			}
		}
	}
	h.Tag = Tag(t)
	if i >= len(b) {
		return h, fmt.Errorf("%w: tag %s has no length", ErrMalformedTLV, h.Tag)
	}
	l := b[i]
	i++
	switch {
	case l < 0x80:
		h.ValueLen = int(l)
	case l == 0x80:
		h.Indefinite = true
	case l <= 0x84:
		n := int(l & 0x7F)
		if i+n > len(b) {
			return h, fmt.Errorf("%w: length of tag %s truncated", ErrMalformedTLV, h.Tag)
		}
		var v uint64
		for _, c := range b[i : i+n] {
			v = v<<8 | uint64(c)
		}
		if v > maxLength {
			return h, fmt.Errorf("%w: length %d of tag %s is absurd", ErrMalformedTLV, v, h.Tag)
		}
		h.ValueLen = int(v)
		i += n
	default:
		return h, fmt.Errorf("%w: length byte 0x%02X of tag %s uses more than 4 length bytes", ErrMalformedTLV, l, h.Tag)
	}
	h.Len = i
	return h, nil
}
