package sm

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"errors"
	"testing"

	"github.com/go-mitid/mitid/passport/internal/apdu"
	"github.com/go-mitid/mitid/passport/internal/ber"
	"github.com/go-mitid/mitid/passport/internal/testhex"
)

func appendixDChannel(t testing.TB) *Channel {
	sc, err := NewChannel(Cipher3DES, testhex.Decode(t, "979EC13B1CBFE9DCD01AB0FED307EAE5"),
		testhex.Decode(t, "F1CB1F1FB5ADF208806B89DC579DC1F8"), testhex.Decode(t, "887022120C06C226"))
	if err != nil {
		t.Fatal(err)
	}
	return sc
}

// TestSecureMessaging_Part11AppendixD4ChipSide runs the chip half of
// Appendix D.4: it must accept the terminal's protected commands and
// produce the printed protected responses byte for byte.
func TestSecureMessaging_Part11AppendixD4ChipSide(t *testing.T) {
	chip := appendixDChannel(t)
	plain := []struct {
		cmd  apdu.Command
		data string
	}{
		{apdu.SelectFile(apdu.FileCOM), ""},
		{apdu.ReadBinary(0, 4), "60145F01"},
		{apdu.ReadBinary(4, 0x12), "04303130365F36063034303030305C026175"},
	}
	for i, e := range appendixD[2:] {
		c, err := apdu.ParseCommand(testhex.Decode(t, e.cmd))
		if err != nil {
			t.Fatal(err)
		}
		got, err := chip.UnprotectCommand(c)
		if err != nil {
			t.Fatalf("command %d: %v", i, err)
		}
		want := plain[i].cmd
		if got.CLA != want.CLA || got.INS != want.INS || got.P1 != want.P1 || got.P2 != want.P2 || !bytes.Equal(got.Data, want.Data) || got.Ne != want.Ne {
			t.Errorf("command %d unwrapped to %+v, want %+v", i, got, want)
		}
		resp := chip.ProtectResponse(apdu.Response{Data: testhex.Decode(t, plain[i].data), SW: 0x9000}, false)
		if testhex.Upper(resp) != e.resp {
			t.Errorf("response %d:\n got  %X\n want %s", i, resp, e.resp)
		}
	}
	if testhex.Upper(chip.SSC) != "887022120C06C22C" {
		t.Errorf("chip SSC = %X", chip.SSC)
	}
}

func TestSecureMessaging_DecodeOnlyGmrtd(t *testing.T) {
	sc := appendixDChannel(t)
	sc.SSC = testhex.Decode(t, "887022120C06C22A")
	got, err := sc.DecryptObjects(map[ber.Tag][]byte{DOCryptogram: testhex.Decode(t, "019FF0EC34F9922651")})
	if err != nil || testhex.Upper(got) != "60145F01" {
		t.Errorf("decrypt = %X, %v", got, err)
	}
}

// TestSecureMessaging_RejectsTampering flips every byte of a protected
// response and of a protected command: each must be refused.
func TestSecureMessaging_RejectsTampering(t *testing.T) {
	resp := testhex.Decode(t, appendixD[3].resp)
	for i := 0; i < len(resp)-2; i++ {
		term := appendixDChannel(t)
		term.IncSSC() // the READ BINARY command of D.4.2 was ...C229
		term.IncSSC()
		term.IncSSC()
		b := append([]byte(nil), resp...)
		b[i] ^= 0x01
		if _, err := term.UnprotectResponse(b); !errors.Is(err, ErrSecureMessaging) {
			t.Fatalf("byte %d flipped: err = %v", i, err)
		}
	}
	cmd := testhex.Decode(t, appendixD[2].cmd)
	// The last byte is the outer Le, which secure messaging does not cover
	// (the protected Le is DO'97').
	for i := 0; i < len(cmd)-1; i++ {
		chip := appendixDChannel(t)
		b := append([]byte(nil), cmd...)
		b[i] ^= 0x04
		c, err := apdu.ParseCommand(b)
		if err != nil {
			continue // no longer an APDU at all
		}
		if _, err := chip.UnprotectCommand(c); err == nil {
			t.Fatalf("byte %d flipped: command accepted", i)
		}
	}
	// A replayed command fails because the SSC has moved on.
	chip := appendixDChannel(t)
	c, _ := apdu.ParseCommand(cmd)
	if _, err := chip.UnprotectCommand(c); err != nil {
		t.Fatal(err)
	}
	chip.IncSSC()
	if _, err := chip.UnprotectCommand(c); !errors.Is(err, ErrSecureMessaging) {
		t.Errorf("replay accepted: %v", err)
	}
	// An unprotected status word ends the session with both errors visible.
	term := appendixDChannel(t)
	_, err := term.UnprotectResponse(testhex.Decode(t, "6987"))
	if !errors.Is(err, ErrSecureMessaging) || !errors.Is(err, apdu.ErrSecureMessagingStatus) {
		t.Errorf("plain 6987: %v", err)
	}
}

// TestSecureMessaging_AESRoundTrip runs AES-128 and AES-256 channels against
// each other, short and extended, odd and even instructions.
func TestSecureMessaging_AESRoundTrip(t *testing.T) {
	for _, alg := range []Cipher{CipherAES128, CipherAES192, CipherAES256, Cipher3DES} {
		kl := map[Cipher]int{CipherAES128: 16, CipherAES192: 24, CipherAES256: 32, Cipher3DES: 16}[alg]
		bs := 16
		if alg == Cipher3DES {
			bs = 8
		}
		kEnc, kMAC := bytes.Repeat([]byte{0x11}, kl), bytes.Repeat([]byte{0x22}, kl)
		term, _ := NewChannel(alg, kEnc, kMAC, make([]byte, bs))
		chip, _ := NewChannel(alg, kEnc, kMAC, make([]byte, bs))
		for _, c := range []apdu.Command{
			apdu.SelectFile(0x0102),
			apdu.ReadBinary(0x100, 0xDF),
			apdu.ReadBinaryOdd(0x12345, 1000),
			{INS: apdu.INSInternalAuthenticate, Data: bytes.Repeat([]byte{7}, 300), Ne: apdu.MaxExtendedNe},
		} {
			w, err := term.ProtectCommand(c)
			if err != nil {
				t.Fatal(err)
			}
			raw, _ := w.Bytes()
			parsed, err := apdu.ParseCommand(raw)
			if err != nil {
				t.Fatal(err)
			}
			got, err := chip.UnprotectCommand(parsed)
			if err != nil {
				t.Fatalf("%s: %v", alg, err)
			}
			if !bytes.Equal(got.Data, c.Data) || got.Ne != c.Ne || got.INS != c.INS {
				t.Fatalf("%s: unwrapped %+v, want %+v", alg, got, c)
			}
			answer := apdu.Response{Data: bytes.Repeat([]byte{0xAB}, c.Ne%700), SW: 0x9000}
			r, err := term.UnprotectResponse(chip.ProtectResponse(answer, c.INS&1 == 1))
			if err != nil || !bytes.Equal(r.Data, answer.Data) || r.SW != 0x9000 {
				t.Fatalf("%s: response round trip: %v", alg, err)
			}
		}
	}
}

// FuzzUnprotectResponse: a chip's answer under secure messaging is refused
// with ErrSecureMessaging (ErrMalformedAPDU without a status word) or
// unwraps to plaintext no longer than the answer.
func FuzzUnprotectResponse(f *testing.F) {
	for _, e := range appendixD[2:] {
		f.Add(testhex.Decode(f, e.resp))
	}
	f.Add(testhex.Decode(f, "6988"))
	f.Fuzz(func(t *testing.T, b []byte) {
		sc := appendixDChannel(t)
		r, err := sc.UnprotectResponse(b)
		if err != nil {
			if !errors.Is(err, ErrSecureMessaging) && !errors.Is(err, apdu.ErrMalformedAPDU) {
				t.Fatalf("error %v is neither ErrSecureMessaging nor ErrMalformedAPDU", err)
			}
			return
		}
		if len(r.Data) > len(b) {
			t.Fatal("plaintext longer than the response")
		}
	})
}

// BenchmarkSMWrapUnwrap_AES128 protects a READ BINARY and unprotects a
// 223-byte answer, the unit of every file read; compare with
// BenchmarkRawAESCBC_256B and BenchmarkCMAC_256B in mac_test.go.
func BenchmarkSMWrapUnwrap_AES128(b *testing.B) {
	k := bytes.Repeat([]byte{1}, 16)
	term, _ := NewChannel(CipherAES128, k, k, make([]byte, 16))
	chip, _ := NewChannel(CipherAES128, k, k, make([]byte, 16))
	answer := apdu.Response{Data: make([]byte, 0xDF), SW: 0x9000}
	b.SetBytes(0xDF)
	for b.Loop() {
		w, _ := term.ProtectCommand(apdu.ReadBinary(0, 0xDF))
		if _, err := chip.UnprotectCommand(w); err != nil {
			b.Fatal(err)
		}
		if _, err := term.UnprotectResponse(chip.ProtectResponse(answer, false)); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkRawAESCBCDecrypt_224B is the cipher floor of one unwrapped answer.
func BenchmarkRawAESCBCDecrypt_224B(b *testing.B) {
	c, _ := aes.NewCipher(make([]byte, 16))
	buf := make([]byte, 224)
	b.SetBytes(224)
	for b.Loop() {
		cipher.NewCBCDecrypter(c, make([]byte, 16)).CryptBlocks(buf, buf)
	}
}

// TestProtectCommand_RefusesNeOutOfRange proves a command whose Ne no Le
// field can carry (below 0 or above 65536) is refused rather than encoded
// with its high bits cut off.
func TestProtectCommand_RefusesNeOutOfRange(t *testing.T) {
	sc, err := NewChannel(Cipher3DES, bytes.Repeat([]byte{0x11}, 16), bytes.Repeat([]byte{0x22}, 16), make([]byte, 8))
	if err != nil {
		t.Fatal(err)
	}
	for _, ne := range []int{-1, apdu.MaxExtendedNe + 1} {
		if _, err := sc.ProtectCommand(apdu.Command{INS: apdu.INSReadBinary, Ne: ne}); !errors.Is(err, apdu.ErrMalformedAPDU) {
			t.Errorf("Ne %d: %v, want ErrMalformedAPDU", ne, err)
		}
	}
	if _, err := sc.ProtectCommand(apdu.Command{INS: apdu.INSReadBinary, Ne: apdu.MaxExtendedNe}); err != nil {
		t.Errorf("Ne %d: %v", apdu.MaxExtendedNe, err)
	}
}
