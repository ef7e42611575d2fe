package ber

import (
	"encoding/asn1"
	"errors"
	"testing"
	"time"

	"github.com/go-mitid/mitid/passport/internal/testhex"
)

func TestBERRead_Limits(t *testing.T) {
	deep := []byte{}
	for range MaxDepth + 2 {
		deep = append(deep, 0x30, 0x80)
	}
	for range MaxDepth + 2 {
		deep = append(deep, 0, 0)
	}
	if _, err := ReadAll(deep); err == nil {
		t.Error("nesting beyond the limit accepted")
	}
	for name, b := range map[string][]byte{
		"length past end":        {0x04, 0x05, 1, 2},
		"5-byte length":          {0x04, 0x85, 0, 0, 0, 0, 1},
		"indefinite primitive":   {0x04, 0x80, 0, 0},
		"unterminated":           {0x30, 0x80, 0x02, 0x01, 0x00},
		"non-minimal high tag":   {0x1F, 0x80, 0x01, 0x00},
		"truncated high tag":     {0x1F, 0x81},
		"oversized long-form ln": {0x04, 0x84, 0xFF, 0xFF, 0xFF, 0xFF},
	} {
		if _, err := ReadAll(b); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

// TestBERTime_MatchesEncodingASN1: the UTCTime fast path agrees with
// encoding/asn1 and rejects impossible dates.
func TestBERTime_MatchesEncodingASN1(t *testing.T) {
	for _, s := range []string{"250601120000Z", "491231235959Z", "500101000000Z", "000229000000Z", "991231235959Z"} {
		e, _ := ReadAll(DER(0x17, []byte(s)))
		got, err := Time(e)
		var want time.Time
		if _, err2 := asn1.Unmarshal(e.Full, &want); err != nil || err2 != nil || !got.Equal(want) {
			t.Errorf("%s: got %v (%v), encoding/asn1 %v (%v)", s, got, err, want, err2)
		}
	}
	for _, s := range []string{"250230120000Z", "251301120000Z", "250601240000Z", "25060112000aZ"} {
		e, _ := ReadAll(DER(0x17, []byte(s)))
		if _, err := Time(e); err == nil {
			t.Errorf("%s accepted", s)
		}
	}
}

// TestDecodeHeader_OneDecoderForBothReaders proves the header rules once,
// and that the TLV reader and the ASN.1 reader see the same header.
func TestDecodeHeader_OneDecoderForBothReaders(t *testing.T) {
	for _, tc := range []struct {
		rule string
		in   []byte
		ok   bool
		want Header
	}{
		{rule: "short form", in: []byte{0x04, 0x02, 1, 2}, ok: true, want: Header{Tag: 0x04, Number: 4, Len: 2, ValueLen: 2}},
		{rule: "two-byte tag (5F1F)", in: []byte{0x5F, 0x1F, 0x01, 0}, ok: true, want: Header{Tag: 0x5F1F, Class: 1, Number: 0x1F, Len: 3, ValueLen: 1}},
		{rule: "constructed application tag 7F61", in: []byte{0x7F, 0x61, 0x81, 0x80}, ok: true, want: Header{Tag: 0x7F61, Class: 1, Constructed: true, Number: 0x61, Len: 4, ValueLen: 0x80}},
		{rule: "indefinite length is flagged, not refused", in: []byte{0x30, 0x80}, ok: true, want: Header{Tag: 0x30, Constructed: true, Number: 16, Len: 2, Indefinite: true}},
		{rule: "four-byte tag is the longest", in: []byte{0x5F, 0x81, 0x81, 0x01, 0x00}, ok: true, want: Header{Tag: 0x5F818101, Class: 1, Number: 1<<14 | 1<<7 | 1, Len: 5}},
		{rule: "five-byte tag refused", in: []byte{0x5F, 0x81, 0x81, 0x81, 0x01, 0x00}},
		{rule: "non-minimal tag number refused", in: []byte{0x1F, 0x80, 0x01, 0x00}},
		{rule: "truncated tag refused", in: []byte{0x1F, 0x81}},
		{rule: "missing length refused", in: []byte{0x04}},
		{rule: "empty input refused", in: nil},
		{rule: "length of 2^31 refused", in: []byte{0x04, 0x84, 0x80, 0x00, 0x00, 0x00}},
		{rule: "length of 2^31-1 accepted as a header", in: []byte{0x04, 0x84, 0x7F, 0xFF, 0xFF, 0xFF}, ok: true, want: Header{Tag: 0x04, Number: 4, Len: 6, ValueLen: 1<<31 - 1}},
		{rule: "five length bytes refused", in: []byte{0x04, 0x85, 0, 0, 0, 0, 1}},
		{rule: "truncated length refused", in: []byte{0x04, 0x82, 0x01}},
	} {
		t.Run(tc.rule, func(t *testing.T) {
			h, err := DecodeHeader(tc.in)
			if !tc.ok {
				if !errors.Is(err, ErrMalformedTLV) {
					t.Fatalf("err = %v, want ErrMalformedTLV", err)
				}
				if _, _, err := Read(tc.in); !errors.Is(err, ErrASN1) || !errors.Is(err, ErrMalformedTLV) {
					t.Errorf("the ASN.1 reader: err = %v, want ErrASN1 wrapping ErrMalformedTLV", err)
				}
				return
			}
			if err != nil || h != tc.want {
				t.Fatalf("DecodeHeader = %+v, %v; want %+v", h, err, tc.want)
			}
			if tc.want.Indefinite {
				if _, _, _, err := DecodeTLVHeader(tc.in); !errors.Is(err, ErrMalformedTLV) {
					t.Errorf("the TLV reader accepted an indefinite length: %v", err)
				}
				return
			}
			tag, hl, vl, err := DecodeTLVHeader(tc.in)
			if err != nil || tag != h.Tag || hl != h.Len || vl != h.ValueLen {
				t.Errorf("DecodeTLVHeader = %v %d %d %v, DecodeHeader = %+v", tag, hl, vl, err, h)
			}
		})
	}
}

// FuzzReadBER: the ASN.1 reader every PKI parser stands on refuses with
// ErrASN1 or returns an element that is a prefix of its input, its
// contents inside it and the rest after it; a definite element's children
// tile its contents exactly, an indefinite one's tile them up to its
// end-of-contents; and every value decoder (OID, INTEGER, time, BIT
// STRING, OCTET STRING, AlgorithmIdentifier) run on any of them refuses
// with ErrASN1 or succeeds, never panics.
func FuzzReadBER(f *testing.F) {
	for _, h := range []string{
		"300d06092a864886f70d01010b0500",  // AlgorithmIdentifier sha256WithRSAEncryption, NULL
		"30800201010401410000",            // indefinite SEQUENCE { INTEGER 1, OCTET STRING "A" }
		"2480040268690403616263" + "0000", // constructed indefinite OCTET STRING "hi" "abc"
		"170d3236303330323130303030305a",  // UTCTime 260302100000Z
		"180f32303236303330323130303030305a",
		"0302000102",     // BIT STRING
		"02820001ff",     // INTEGER with a long-form length
		"bf8a3b03020105", // [PRIVATE/context high tag] constructed
		"3084ffffffff",   // a length running past the input
		"1f80010100",     // a high tag number not minimally encoded
	} {
		f.Add(testhex.Decode(f, h))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		e, rest, err := Read(b)
		if err != nil {
			if !errors.Is(err, ErrASN1) {
				t.Fatalf("error %v is not ErrASN1", err)
			}
			if _, err := ReadAll(b); !errors.Is(err, ErrASN1) {
				t.Fatalf("Read refused, ReadAll: %v", err)
			}
			return
		}
		checkElement(t, e, b, 0)
		if len(e.Full)+len(rest) != len(b) || string(b[len(e.Full):]) != string(rest) {
			t.Fatalf("element %d and rest %d bytes of %d", len(e.Full), len(rest), len(b))
		}
		if _, err := ReadAll(b); (err == nil) != (len(rest) == 0) {
			t.Fatalf("ReadAll: %v with %d bytes left", err, len(rest))
		}
	})
}

// checkElement checks e (read from the front of in) and, down to a few
// levels, its children, as FuzzReadBER states.
func checkElement(t *testing.T, e Element, in []byte, level int) {
	t.Helper()
	if len(e.Full) > len(in) || string(in[:len(e.Full)]) != string(e.Full) {
		t.Fatalf("%s is not a prefix of its input", e.Describe())
	}
	h, err := DecodeHeader(e.Full)
	if err != nil || h.Indefinite != e.Indefinite || h.Class != e.Class || h.Number != e.Number || h.Constructed != e.Constructed {
		t.Fatalf("%s: header reads differently: %+v, %v", e.Describe(), h, err)
	}
	switch {
	case e.Indefinite && (len(e.Full) != h.Len+len(e.Content)+2 || string(e.Full[h.Len:h.Len+len(e.Content)]) != string(e.Content)):
		t.Fatalf("%s: indefinite contents are not between header and end-of-contents", e.Describe())
	case !e.Indefinite && (len(e.Full) != h.Len+len(e.Content) || string(e.Full[h.Len:]) != string(e.Content)):
		t.Fatalf("%s: contents are not what follows the header", e.Describe())
	}
	for _, decode := range []func(Element) error{
		func(e Element) error { _, err := OID(e); return err },
		func(e Element) error { _, err := Integer(e, true); return err },
		func(e Element) error { _, err := SmallInt(e, true, 1<<20); return err },
		func(e Element) error { _, err := Time(e); return err },
		func(e Element) error { _, err := BitString(e); return err },
		func(e Element) error { _, err := Octets(e, true); return err },
		func(e Element) error { _, err := Algorithm(e, "fuzz"); return err },
	} {
		if err := decode(e); err != nil && !errors.Is(err, ErrASN1) {
			t.Fatalf("%s: error %v is not ErrASN1", e.Describe(), err)
		}
	}
	if !e.Constructed {
		return
	}
	kids, err := Children(e)
	if err != nil {
		if !errors.Is(err, ErrASN1) {
			t.Fatalf("%s: error %v is not ErrASN1", e.Describe(), err)
		}
		if e.Indefinite {
			t.Fatalf("%s: read as indefinite, its children do not read: %v", e.Describe(), err)
		}
		return
	}
	var tiled []byte
	for _, k := range kids {
		tiled = append(tiled, k.Full...)
	}
	if string(tiled) != string(e.Content) {
		t.Fatalf("%s: children do not tile the contents", e.Describe())
	}
	if level < 4 {
		rest := e.Content
		for _, k := range kids {
			checkElement(t, k, rest, level+1)
			rest = rest[len(k.Full):]
		}
	}
}
