package ber

import (
	"encoding/asn1"
	"errors"
	"testing"
	"time"
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
