package ber

import (
	"fmt"
	"strconv"
)

// Tag is a BER-TLV tag written as the number its wire bytes spell, so the
// tags of ICAO 9303 read as in the spec: 0x60 (EF.COM), 0x5F1F (MRZ), 0x7F61.
type Tag uint32

// Constructed reports whether the tag announces a constructed data object
// (bit 6 of its first byte), whose value is itself a sequence of TLVs.
func (t Tag) Constructed() bool {
	return t.firstByte()&0x20 != 0
}

// firstByte returns the leading wire byte of the tag.
func (t Tag) firstByte() byte {
	for v := uint32(t); ; v >>= 8 {
		if v <= 0xFF {
			return byte(v)
		}
	}
}

// String renders the tag as upper-case hex, the way ICAO 9303 prints it.
func (t Tag) String() string {
	s := strconv.FormatUint(uint64(t), 16)
	if len(s)%2 == 1 {
		s = "0" + s
	}
	b := []byte(s)
	for i, c := range b {
		if c >= 'a' && c <= 'f' {
			b[i] = c - 'a' + 'A'
		}
	}
	return string(b)
}

// AppendTag appends the wire bytes of t.
func AppendTag(dst []byte, t Tag) []byte {
	n := 1
	for v := uint32(t) >> 8; v != 0; v >>= 8 {
		n++
	}
	for i := n - 1; i >= 0; i-- {
		dst = append(dst, byte(uint32(t)>>(8*i))) //nolint:gosec // G115: byte() takes one octet of the tag
	}
	return dst
}

// TLV is one BER-TLV data object. Value aliases the bytes it was parsed
// from; copy it before modifying the input.
type TLV struct {
	Tag   Tag
	Value []byte
}

// Children parses the value as a sequence of data objects. It does not insist
// on the constructed bit, because some ICAO structures (the odd-INS READ
// BINARY response, DG11 tag lists) nest TLVs under primitive-looking tags.
func (t TLV) Children() ([]TLV, error) {
	return ParseTLVs(t.Value)
}

// Bytes returns the DER-style encoding of the data object (minimal length).
func (t TLV) Bytes() []byte {
	return AppendTLV(nil, t.Tag, t.Value)
}

// DecodeTLVHeader decodes the tag and length at the front of b (see
// DecodeHeader) and refuses the indefinite length ICAO 9303 forbids.
// headerLen+valueLen is the total encoded size.
func DecodeTLVHeader(b []byte) (tag Tag, headerLen, valueLen int, err error) {
	h, err := DecodeHeader(b)
	if err != nil {
		return 0, 0, 0, err
	}
	if h.Indefinite {
		return 0, 0, 0, fmt.Errorf("%w: tag %s uses an indefinite length, which ICAO 9303 forbids", ErrMalformedTLV, h.Tag)
	}
	return h.Tag, h.Len, h.ValueLen, nil
}

// ParseTLV decodes one data object from the front of b and returns the bytes
// after it.
func ParseTLV(b []byte) (TLV, []byte, error) {
	tag, h, n, err := DecodeTLVHeader(b)
	if err != nil {
		return TLV{}, nil, err
	}
	if n > len(b)-h {
		return TLV{}, nil, fmt.Errorf("%w: tag %s declares %d value bytes, only %d present", ErrMalformedTLV, tag, n, len(b)-h)
	}
	return TLV{Tag: tag, Value: b[h : h+n : h+n]}, b[h+n:], nil
}

// ParseTLVs decodes a sequence of data objects that must fill b exactly.
func ParseTLVs(b []byte) ([]TLV, error) {
	var out []TLV
	for len(b) > 0 {
		t, rest, err := ParseTLV(b)
		if err != nil {
			return nil, err
		}
		out = append(out, t)
		b = rest
	}
	return out, nil
}

// FindTLV returns the first data object in list with the given tag.
func FindTLV(list []TLV, tag Tag) (TLV, bool) {
	for _, t := range list {
		if t.Tag == tag {
			return t, true
		}
	}
	return TLV{}, false
}

// AppendLength appends a minimal BER definite length.
func AppendLength(dst []byte, n int) []byte {
	switch {
	case n < 0x80:
		return append(dst, byte(n)) //nolint:gosec // G115: a length, 0 ≤ n < 0x80 here
	case n <= 0xFF:
		return append(dst, 0x81, byte(n))
	case n <= 0xFFFF:
		return append(dst, 0x82, byte(n>>8), byte(n)) //nolint:gosec // G115: the two octets of a length ≤ 0xFFFF
	case n <= 0xFFFFFF:
		return append(dst, 0x83, byte(n>>16), byte(n>>8), byte(n)) //nolint:gosec // G115: the three octets of a length ≤ 0xFFFFFF
	default:
		return append(dst, 0x84, byte(n>>24), byte(n>>16), byte(n>>8), byte(n)) //nolint:gosec // G115: a length fits four octets (a slice length below 4 GiB)
	}
}

// AppendTLV appends the encoding of tag and value (minimal length) to dst.
func AppendTLV(dst []byte, tag Tag, value []byte) []byte {
	dst = AppendTag(dst, tag)
	dst = AppendLength(dst, len(value))
	return append(dst, value...)
}

// EncodeTLV returns the encoding of tag and value (minimal length).
func EncodeTLV(tag Tag, value []byte) []byte {
	return AppendTLV(make([]byte, 0, len(value)+8), tag, value)
}
