package apdu

import (
	"bytes"
	"errors"
	"testing"

	"github.com/go-mitid/mitid/passport/internal/testhex"
)

func TestCommand_ISO7816Cases(t *testing.T) {
	long := bytes.Repeat([]byte{0xAA}, 300)
	tests := []struct {
		name string
		c    Command
		want string
	}{
		{"case 1", Command{INS: 0xA4, P1: 0x00, P2: 0x0C}, "00A4000C"},
		{"case 2S", Command{INS: 0x84, Ne: 8}, "0084000008"},
		{"case 2S Ne 256", Command{INS: 0xB0, Ne: 256}, "00B0000000"},
		{"case 3S", SelectFile(0x011E), "00A4020C02011E"},
		{"case 4S", Command{INS: 0x82, Data: []byte{1, 2}, Ne: 0x28}, "0082000002010228"},
		{"case 2E", Command{INS: 0xB0, Ne: 1000}, "00B000000003E8"},
		{"case 2E Ne 65536", Command{INS: 0xB0, Ne: 65536}, "00B00000000000"},
		{"case 3E", Command{INS: 0x2A, Data: long}, "002A0000" + "00012C" + testhex.Upper(long)},
		{"case 4E", Command{INS: 0x88, Data: long, Ne: 65536}, "00880000" + "00012C" + testhex.Upper(long) + "0000"},
		{"case 4E by Ne", Command{INS: 0x88, Data: []byte{9}, Ne: 300}, "00880000" + "000001" + "09" + "012C"},
		{"odd READ BINARY at 32 KiB", ReadBinaryOdd(0x8000, 0xE3), "00B100000454028000E3"},
		{"odd READ BINARY at 16 MiB takes four offset octets", ReadBinaryOdd(0x1000000, 0xE3), "00B1000006540401000000E3"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			b, err := tc.c.Bytes()
			if err != nil {
				t.Fatal(err)
			}
			if testhex.Upper(b) != tc.want {
				t.Fatalf("Bytes = %X, want %s", b, tc.want)
			}
			back, err := ParseCommand(b)
			if err != nil {
				t.Fatal(err)
			}
			if back.CLA != tc.c.CLA || back.INS != tc.c.INS || back.P1 != tc.c.P1 || back.P2 != tc.c.P2 ||
				!bytes.Equal(back.Data, tc.c.Data) || back.Ne != tc.c.Ne {
				t.Errorf("ParseCommand = %+v, want %+v", back, tc.c)
			}
		})
	}
}

func TestCommand_RejectsMalformed(t *testing.T) {
	for name, in := range map[string]string{
		"too short":          "00A4",
		"Lc mismatch":        "00A4020C0301",
		"extended Lc 0":      "00A4020C00000001",
		"extended truncated": "00A4020C000005AABB",
		"00 with 2 bytes":    "00A4020C0000",
	} {
		if _, err := ParseCommand(testhex.Decode(t, in)); !errors.Is(err, ErrMalformedAPDU) {
			t.Errorf("%s: err = %v", name, err)
		}
	}
	if _, err := (Command{Data: make([]byte, 70000)}).Bytes(); !errors.Is(err, ErrMalformedAPDU) {
		t.Errorf("oversized data: %v", err)
	}
	if _, err := (Command{Ne: 70000}).Bytes(); !errors.Is(err, ErrMalformedAPDU) {
		t.Errorf("oversized Ne: %v", err)
	}
	if _, err := ParseResponse([]byte{0x90}); !errors.Is(err, ErrMalformedAPDU) {
		t.Errorf("1-byte response: %v", err)
	}
}

func TestStatusError_SentinelsAndRetries(t *testing.T) {
	tests := []struct {
		sw   uint16
		want error
	}{
		{0x6A82, ErrFileNotFound},
		{0x6982, ErrSecurityStatusNotSatisfied},
		{0x6300, ErrAuthenticationFailed},
		{0x63C2, ErrAuthenticationFailed},
		{0x6700, ErrWrongLength},
		{0x6C10, ErrWrongLength},
		{0x6987, ErrSecureMessagingStatus},
		{0x6988, ErrSecureMessagingStatus},
		{0x6985, ErrConditionsNotSatisfied},
		{0x6986, ErrCommandNotAllowed},
		{0x6B00, ErrWrongParameters},
		{0x6A86, ErrWrongParameters},
		{0x6A80, ErrWrongData},
		{0x6A88, ErrReferencedDataNotFound},
		{0x6D00, ErrNotSupported},
		{0x6282, ErrEndOfFile},
	}
	for _, tc := range tests {
		err := Response{SW: tc.sw}.Err()
		if !errors.Is(err, tc.want) {
			t.Errorf("%04X: %v is not %v", tc.sw, err, tc.want)
		}
		var se *StatusError
		if !errors.As(err, &se) || se.SW != tc.sw {
			t.Errorf("%04X: not a *StatusError", tc.sw)
		}
	}
	if (Response{SW: 0x9000}).Err() != nil {
		t.Error("9000 is an error")
	}
	if n, ok := (&StatusError{SW: 0x63C2}).RetriesLeft(); !ok || n != 2 {
		t.Errorf("RetriesLeft = %d %v", n, ok)
	}
	if errors.Is(&StatusError{SW: 0x6F00}, ErrFileNotFound) {
		t.Error("6F00 matched ErrFileNotFound")
	}
	if msg := (&StatusError{SW: 0x6F00}).Error(); msg != "passport: chip returned status word 6F00" {
		t.Errorf("message %q", msg)
	}
}

// FuzzParseCommand: a command APDU (what the virtual chip reads) is refused
// with ErrMalformedAPDU or re-encodes to a command that parses the same.
func FuzzParseCommand(f *testing.F) {
	// The commands of the BAC transcript of ICAO 9303 Part 11 Appendix D.3/D.4.
	for _, c := range []string{"0084000008",
		"008200002872C29C2371CC9BDB65B779B8E8D37B29ECC154AA56A8799FAE2F498F76ED92F25F1448EEA8AD90A728",
		"0CA4020C158709016375432908C044F68E08BF8B92D635FF24F800", "0CB000000D9701048E08ED6705417E96BA5500",
		"0CB000040D9701128E082EA28A70F3C7B53500"} {
		f.Add(testhex.Decode(f, c))
	}
	f.Add(testhex.Decode(f, "00B00000000000"))
	f.Fuzz(func(t *testing.T, b []byte) {
		c, err := ParseCommand(b)
		if err != nil {
			if !errors.Is(err, ErrMalformedAPDU) {
				t.Fatalf("error %v is not ErrMalformedAPDU", err)
			}
			return
		}
		enc, err := c.Bytes()
		if err != nil {
			t.Fatalf("parsed command does not encode: %v", err)
		}
		c2, err := ParseCommand(enc)
		if err != nil || !bytes.Equal(c2.Data, c.Data) || c2.Ne != c.Ne {
			t.Fatalf("re-encoding changed the command: %X -> %X", b, enc)
		}
	})
}
