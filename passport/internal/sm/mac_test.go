package sm

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"testing"

	"github.com/go-mitid/mitid/passport/internal/testhex"
)

func TestRetailMAC_Part11AppendixDAndGmrtd(t *testing.T) {
	tests := []struct{ key, data, mac string }{
		{"e3857ca24946251c151c540e13f2cd51", "00000000000000cd0c88000080000000871101ed7f8cb47a4eea086324a7f9dd7427809701008000", "97f54bae49aa71f8"},
		{"7962d9ece03d1acd4c76089dce131543", "46b9342a41396cd7386bf5803104d7cedc122b9132139baf2eedc94ee178534f8000000000000000", "2f2d235d074d7449"},
		{"d6c47ff4677ac8ae91cb49f4ce673432", "9646c154bfb7be7c0c86000080000000874901a9c6bf370c62aa43ca1ec9b97071727654822361deb8ba4e5719aa05d8e86aa36164dfa5e506dbf60dc7418858179fd25dac5e9e49393dde37e29652444941b562142ab5f19aea919701008000", "5083316637060c4d"},
		{"c1bc1f075797b970b5a45e64a764b0cb", "7f494f060a04007f000702020402018641042dbaf62e6fdfb31eb66f206493b9e7721586f0e5c93754d7bd5a884ca251ee4d720ab539a60561bc46812fa289b58ac69f0c6e32adbaf7241049a31211f80f5b800000000000", "8d7c617d43efe09e"},
		// M.IFD of Appendix D.3: MAC(K_mac, Pad(E.IFD)).
		{"7962D9ECE03D1ACD4C76089DCE131543", "72C29C2371CC9BDB65B779B8E8D37B29ECC154AA56A8799FAE2F498F76ED92F2" + "8000000000000000", "5F1448EEA8AD90A7"},
	}
	for _, tc := range tests {
		got, err := RetailMAC(testhex.Decode(t, tc.key), testhex.Decode(t, tc.data))
		if err != nil || !bytes.Equal(got, testhex.Decode(t, tc.mac)) {
			t.Errorf("RetailMAC(%s) = %X, %v; want %s", tc.key, got, err, tc.mac)
		}
	}
	if _, err := RetailMAC(make([]byte, 16), make([]byte, 7)); err == nil {
		t.Error("unpadded input accepted")
	}
}

func TestPad_ISO9797Method2(t *testing.T) {
	for _, tc := range []struct{ in, out string }{
		{"", "8000000000000000"},
		{"01", "0180000000000000"},
		{"0102030405060708", "01020304050607088000000000000000"},
		{"0CA4020C", "0CA4020C80000000"},
	} {
		got := Pad(testhex.Decode(t, tc.in), 8)
		if !bytes.Equal(got, testhex.Decode(t, tc.out)) {
			t.Errorf("Pad(%s) = %X", tc.in, got)
		}
		back, err := Unpad(got)
		if err != nil || !bytes.Equal(back, testhex.Decode(t, tc.in)) {
			t.Errorf("Unpad(Pad(%s)) = %X, %v", tc.in, back, err)
		}
	}
	for _, bad := range []string{"", "0000", "0102", "800001"} {
		if _, err := Unpad(testhex.Decode(t, bad)); err == nil {
			t.Errorf("Unpad(%s) accepted", bad)
		}
	}
}

// TestCMAC_RFC4493 checks AES-CMAC against RFC 4493 §4 and the PACE
// authentication tokens of ICAO 9303 Part 11 Appendix G.1.
func TestCMAC_RFC4493(t *testing.T) {
	key := testhex.Decode(t, "2b7e151628aed2a6abf7158809cf4f3c")
	msg := testhex.Decode(t, "6bc1bee22e409f96e93d7e117393172aae2d8a571e03ac9c9eb76fac45af8e5130c81c46a35ce411e5fbc1191a0a52eff69f2445df4f9b17ad2b417be66c3710")
	b, _ := aes.NewCipher(key)
	for _, tc := range []struct {
		n    int
		want string
	}{
		{0, "bb1d6929e95937287fa37d129b756746"},
		{16, "070a16b46b4d4144f79bdd9dd04a287c"},
		{40, "dfa66747de9ae63030ca32611497c827"},
		{64, "51f0bebf7e3b9d92fc49741779363cfe"},
	} {
		if got := CMAC(b, msg[:tc.n]); !bytes.Equal(got, testhex.Decode(t, tc.want)) {
			t.Errorf("CMAC of %d bytes = %x, want %s", tc.n, got, tc.want)
		}
	}
	ksMac, _ := aes.NewCipher(testhex.Decode(t, "FE251C7858B356B24514B3BD5F4297D1"))
	for _, tc := range []struct{ in, want string }{
		{"7F494F060A04007F000702020402028641049E880F842905B8B3181F7AF7CAA9F0EFB743847F44A306D2D28C1D9EC65DF6DB7764B22277A2EDDC3C265A9F018F9CB852E111B768B326904B59A0193776F094", "C2B0BD78D94BA866"},
		{"7F494F060A04007F000702020402028641042DB7A64C0355044EC9DF190514C625CBA2CEA48754887122F3A5EF0D5EDD301C3556F3B3B186DF10B857B58F6A7EB80F20BA5DC7BE1D43D9BF850149FBB36462", "3ABB9674BCE93C08"},
	} {
		if got := CMAC(ksMac, testhex.Decode(t, tc.in))[:8]; !bytes.Equal(got, testhex.Decode(t, tc.want)) {
			t.Errorf("PACE token = %X, want %s", got, tc.want)
		}
	}
}

// BenchmarkCMAC_256B is the MAC over a typical secure-messaging block;
// compare with BenchmarkRawAESCBC_256B, the raw cipher work underneath.
func BenchmarkCMAC_256B(b *testing.B) {
	c, _ := aes.NewCipher(make([]byte, 16))
	msg := make([]byte, 256)
	b.SetBytes(256)
	for b.Loop() {
		CMAC(c, msg)
	}
}

func BenchmarkRawAESCBC_256B(b *testing.B) {
	c, _ := aes.NewCipher(make([]byte, 16))
	msg := make([]byte, 256)
	b.SetBytes(256)
	for b.Loop() {
		cipher.NewCBCEncrypter(c, make([]byte, 16)).CryptBlocks(msg, msg)
	}
}

// BenchmarkRetailMAC_256B is the 3DES-era MAC over the same data.
func BenchmarkRetailMAC_256B(b *testing.B) {
	key := testhex.Decode(b, "7962d9ece03d1acd4c76089dce131543")
	msg := make([]byte, 256)
	b.SetBytes(256)
	for b.Loop() {
		_, _ = RetailMAC(key, msg)
	}
}
