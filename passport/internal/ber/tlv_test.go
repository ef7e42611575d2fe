package ber

import (
	"bytes"
	"errors"
	"testing"

	"github.com/go-mitid/mitid/passport/internal/testhex"
)

func TestParseTLV_EFCOMPart10(t *testing.T) {
	// EF.COM from ICAO 9303 Part 10 (worked examples §10): LDS 0106, Unicode 040000, tags 61 75.
	com := testhex.Decode(t, "60145F0104303130365F36063034303030305C026175")
	top, rest, err := ParseTLV(com)
	if err != nil {
		t.Fatal(err)
	}
	if len(rest) != 0 || top.Tag != 0x60 || !top.Tag.Constructed() {
		t.Fatalf("got tag %s rest %x", top.Tag, rest)
	}
	kids, err := top.Children()
	if err != nil {
		t.Fatal(err)
	}
	want := []TLV{{0x5F01, []byte("0106")}, {0x5F36, []byte("040000")}, {0x5C, []byte{0x61, 0x75}}}
	if len(kids) != len(want) {
		t.Fatalf("got %d children, want %d", len(kids), len(want))
	}
	for i := range want {
		if kids[i].Tag != want[i].Tag || !bytes.Equal(kids[i].Value, want[i].Value) {
			t.Errorf("child %d = %s %x, want %s %x", i, kids[i].Tag, kids[i].Value, want[i].Tag, want[i].Value)
		}
	}
	if got := top.Bytes(); !bytes.Equal(got, com) {
		t.Errorf("re-encoding = %X, want %X", got, com)
	}
	if tl, ok := FindTLV(kids, 0x5C); !ok || !bytes.Equal(tl.Value, []byte{0x61, 0x75}) {
		t.Errorf("FindTLV(5C) = %v %v", tl, ok)
	}
	if _, ok := FindTLV(kids, 0x5F1F); ok {
		t.Error("FindTLV found an absent tag")
	}
}

func TestDecodeTLVHeader_LengthForms(t *testing.T) {
	tests := []struct {
		name             string
		in               string
		tag              Tag
		headerLen, value int
	}{
		{"short", "6105", 0x61, 2, 5},
		{"one length byte", "7581FF", 0x75, 3, 255},
		{"two length bytes", "7782ABCD", 0x77, 4, 0xABCD},
		{"three length bytes", "7F2E83012345", 0x7F2E, 6, 0x012345},
		{"four length bytes", "04847FFFFFFF", 0x04, 6, 0x7FFFFFFF},
		{"non-minimal length accepted", "6182000A", 0x61, 4, 10},
		{"three-byte tag", "5F8F0101", 0x5F8F01, 4, 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tag, h, n, err := DecodeTLVHeader(testhex.Decode(t, tc.in))
			if err != nil {
				t.Fatal(err)
			}
			if tag != tc.tag || h != tc.headerLen || n != tc.value {
				t.Errorf("got %s/%d/%d, want %s/%d/%d", tag, h, n, tc.tag, tc.headerLen, tc.value)
			}
		})
	}
}

func TestParseTLV_RejectsMalformed(t *testing.T) {
	tests := map[string]string{
		"empty":                  "",
		"tag only":               "61",
		"truncated 2-byte tag":   "5F",
		"tag too long":           "5F818181810100",
		"indefinite length":      "6180000000",
		"5 length bytes":         "61850000000001",
		"truncated length":       "618201",
		"value past end":         "61050102",
		"absurd length":          "6184FFFFFFFF",
		"long value past end 82": "5F1F82010001",
	}
	for name, in := range tests {
		t.Run(name, func(t *testing.T) {
			_, _, err := ParseTLV(testhex.Decode(t, in))
			if !errors.Is(err, ErrMalformedTLV) {
				t.Fatalf("err = %v, want ErrMalformedTLV", err)
			}
		})
	}
	if _, err := ParseTLVs(testhex.Decode(t, "0101AA02")); !errors.Is(err, ErrMalformedTLV) {
		t.Errorf("trailing garbage: err = %v", err)
	}
}

func TestEncodeTLV_MinimalLengths(t *testing.T) {
	for _, n := range []int{0, 1, 0x7F, 0x80, 0xFF, 0x100, 0xFFFF, 0x10000, 0x1000000} {
		v := make([]byte, n)
		enc := EncodeTLV(0x7F61, v)
		tl, rest, err := ParseTLV(enc)
		if err != nil || len(rest) != 0 || tl.Tag != 0x7F61 || len(tl.Value) != n {
			t.Fatalf("n=%d: round trip failed: %v", n, err)
		}
		_, h, _, _ := DecodeTLVHeader(enc)
		wantH := 2 + map[bool]int{true: 1, false: 0}[n >= 0x80] + map[bool]int{true: 1, false: 0}[n > 0xFF] +
			map[bool]int{true: 1, false: 0}[n > 0xFFFF] + map[bool]int{true: 1, false: 0}[n > 0xFFFFFF]
		if h != wantH+1 { // +1: two-byte tag
			t.Errorf("n=%d: header %d bytes, want %d", n, h, wantH+1)
		}
	}
}

func TestTag_StringAndConstructed(t *testing.T) {
	if s := Tag(0x5F1F).String(); s != "5F1F" {
		t.Errorf("String = %s", s)
	}
	if s := Tag(0x7).String(); s != "07" {
		t.Errorf("String = %s", s)
	}
	if Tag(0x5F1F).Constructed() || !Tag(0x7F61).Constructed() || !Tag(0x7C).Constructed() || Tag(0x86).Constructed() {
		t.Error("constructed bit misread")
	}
}

func FuzzParseTLV(f *testing.F) {
	f.Add(testhex.Decode(f, "60145F0104303130365F36063034303030305C026175"))
	f.Add(testhex.Decode(f, "7C0A86083ABB9674BCE93C08"))
	f.Add(testhex.Decode(f, "6184FFFFFFFF"))
	f.Add(testhex.Decode(f, "5F8F0101AA"))
	f.Fuzz(func(t *testing.T, b []byte) {
		tl, rest, err := ParseTLV(b)
		if err != nil {
			if !errors.Is(err, ErrMalformedTLV) {
				t.Fatalf("error %v is not ErrMalformedTLV", err)
			}
			return
		}
		if len(tl.Value)+len(rest) > len(b) {
			t.Fatal("value and rest exceed input")
		}
		// Re-encoding a parsed object and parsing it again is stable.
		tl2, rest2, err := ParseTLV(tl.Bytes())
		if err != nil || len(rest2) != 0 || tl2.Tag != tl.Tag || !bytes.Equal(tl2.Value, tl.Value) {
			t.Fatalf("round trip of %s %x failed: %v", tl.Tag, tl.Value, err)
		}
		if tl.Tag.Constructed() {
			_, _ = tl.Children()
		}
		_, _ = ParseTLVs(b)
	})
}
