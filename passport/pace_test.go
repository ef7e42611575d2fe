package passport_test

import (
	"bytes"
	"context"
	"errors"
	"testing"

	"github.com/go-mitid/mitid/passport"
	"github.com/go-mitid/mitid/passport/internal/ec"
	"github.com/go-mitid/mitid/passport/internal/oids"
	"github.com/go-mitid/mitid/passport/internal/pace"
	"github.com/go-mitid/mitid/passport/internal/sm"
	"github.com/go-mitid/mitid/passport/internal/testhex"
)

// appendixG1 is the PACE transcript of ICAO 9303 Part 11 Appendix G.1
// (ECDH generic mapping on brainpoolP256r1, AES-128), ICAO's MSE:Set AT.
var appendixG1 = []exchange{
	{"0022C1A40F800A04007F00070202040202830101", "9000"},
	{"10860000027C0000", "7C12801095A3A016522EE98D01E76CB6B98B42C39000"},
	{"10860000457C438141047ACF3EFC982EC45565A4B155129EFBC74650DCBFA6362D896FC70262E0C2CC5E544552DCB6725218799115B55C9BAA6D9F6BC3A9618E70C25AF71777A9C4922D00",
		"7C43824104824FBA91C9CBE26BEF53A0EBE7342A3BF178CEA9F45DE0B70AA601651FBA3F5730D8C879AAA9C9F73991E61B58F4D52EB87A0A0C709A49DC63719363CCD13C549000"},
	{"10860000457C438341042DB7A64C0355044EC9DF190514C625CBA2CEA48754887122F3A5EF0D5EDD301C3556F3B3B186DF10B857B58F6A7EB80F20BA5DC7BE1D43D9BF850149FBB3646200",
		"7C438441049E880F842905B8B3181F7AF7CAA9F0EFB743847F44A306D2D28C1D9EC65DF6DB7764B22277A2EDDC3C265A9F018F9CB852E111B768B326904B59A0193776F0949000"},
	{"008600000C7C0A8508C2B0BD78D94BA86600", "7C0A86083ABB9674BCE93C089000"},
}

// appendixG1Rand is SK_map,PCD ‖ SK_eph,PCD, injected as randomness.
const appendixG1Rand = "7F4EF07B9EA82FD78AD689B38D0BC78CF21F249D953BC46F4C6E19259C010F99" +
	"A73FB703AC1436A18E0CFA5ABB3F7BEC7A070E7A6788486BEE230C4A22762595"

var appendixG1Key = passport.BACKey{"T22000129", "640812", "101031"}

func appendixG1Info(t testing.TB) passport.PACEInfo {
	si, err := passport.ParseSecurityInfos(testhex.Decode(t, "31143012060A04007F0007020204020202010202010D"))
	if err != nil {
		t.Fatal(err)
	}
	return si.PACE[0]
}

func TestPACE_Part11AppendixG1(t *testing.T) {
	if mi := appendixG1Key.MRZInformation(); mi != "T22000129364081251010318" {
		t.Fatalf("MRZ_information = %s", mi)
	}
	chip := &scriptedChip{t: t, script: appendixG1}
	s := passport.NewSession(chip, &passport.SessionOptions{Rand: bytes.NewReader(testhex.Decode(t, appendixG1Rand))})
	res, err := s.PACE(context.Background(), appendixG1Key, appendixG1Info(t))
	if err != nil {
		t.Fatal(err)
	}
	chip.done()
	if res.Curve != ec.BrainpoolP256r1() || s.SecureMessaging() != "AES-128" {
		t.Errorf("curve %s, SM %s", res.Curve, s.SecureMessaging())
	}
	if got := testhex.Upper(s.SM().SSC); got != "00000000000000000000000000000000" {
		t.Errorf("SSC = %s", got)
	}
	// The session keys are those of G.1: encrypting a zero block under
	// KS_enc must equal AES(F5F0…) of zero.
	want, _ := sm.NewBlockCipher(sm.CipherAES128, testhex.Decode(t, "F5F0E35C0D7161EE6724EE513A0D9A7F"))
	a, b := make([]byte, 16), make([]byte, 16)
	want.Encrypt(a, a)
	s.SM().EncryptionBlock().Encrypt(b, b)
	if !bytes.Equal(a, b) {
		t.Error("KS_enc differs from G.1")
	}
}

func TestPACE_NonceDecryptionAppendixG1(t *testing.T) {
	kPi := sm.KDF(appendixG1Key.PACESecret(), sm.KDFPi, sm.CipherAES128)
	if got := testhex.Upper(kPi); got != "89DED1B26624EC1E634C1989302849DD" {
		t.Errorf("K_π = %s", got)
	}
	s, err := pace.DecryptNonce(sm.CipherAES128, kPi, testhex.Decode(t, "95A3A016522EE98D01E76CB6B98B42C3"))
	if err != nil || testhex.Upper(s.Bytes()) != "3F00C4D39D153F2B2A214A078D899B22" {
		t.Errorf("s = %X, %v", s, err)
	}
	z, _ := pace.EncryptNonce(sm.CipherAES128, kPi, s.FillBytes(make([]byte, 16)))
	if testhex.Upper(z) != "95A3A016522EE98D01E76CB6B98B42C3" {
		t.Errorf("z = %X", z)
	}
}

// TestPACE_TokenCheckCatchesWrongPassword replays G.1 with a wrong date of
// birth: the nonce decrypts to garbage, and the token exchange fails.
func TestPACE_TokenCheckCatchesWrongPassword(t *testing.T) {
	chip := &scriptedChip{t: t, script: appendixG1}
	// The chip's answers stay those of G.1, so the terminal's own commands
	// diverge from step 2 on; only compare the first two commands.
	lenient := passport.TransceiverFunc(func(ctx context.Context, wire []byte) ([]byte, error) {
		if chip.next >= 2 {
			e := chip.script[chip.next]
			chip.next++
			return testhex.Decode(t, e.resp), nil
		}
		return chip.Transceive(ctx, wire)
	})
	s := passport.NewSession(lenient, &passport.SessionOptions{Rand: bytes.NewReader(testhex.Decode(t, appendixG1Rand))})
	wrong := passport.BACKey{"T22000129", "640813", "101031"}
	_, err := s.PACE(context.Background(), wrong, appendixG1Info(t))
	if err == nil {
		t.Fatal("PACE with a wrong password succeeded")
	}
	if s.SecureMessaging() != "" {
		t.Error("secure messaging started after a failed PACE")
	}
}

func TestPACE_3DESTokenGmrtd(t *testing.T) {
	// gmrtd's 3DES token vector: retail MAC over the padded 7F49 object.
	pk, err := ec.BrainpoolP256r1().Unmarshal(testhex.Decode(t, "042dbaf62e6fdfb31eb66f206493b9e7721586f0e5c93754d7bd5a884ca251ee4d720ab539a60561bc46812fa289b58ac69f0c6e32adbaf7241049a31211f80f5b"))
	if err != nil {
		t.Fatal(err)
	}
	oid := oids.PACEECDHGM3DES
	got := pace.Token(sm.Cipher3DES, testhex.Decode(t, "c1bc1f075797b970b5a45e64a764b0cb"), oid, ec.BrainpoolP256r1(), pk)
	if testhex.Upper(got) != "8D7C617D43EFE09E" {
		t.Errorf("token = %X", got)
	}
}

func TestSupportedPACE_PrefersCAMThenAES(t *testing.T) {
	infos := []passport.PACEInfo{
		{Protocol: oids.PACEDHGMAES128, Version: 2, ParameterID: 2, HasParameterID: true},
		{Protocol: oids.PACEECDHGM3DES, Version: 2, ParameterID: 13, HasParameterID: true},
		{Protocol: oids.PACEECDHGMAES256, Version: 2, ParameterID: 16, HasParameterID: true},
		{Protocol: oids.PACEECDHIMAES128, Version: 2, ParameterID: 13, HasParameterID: true},
	}
	got, ok := passport.SupportedPACE(infos)
	if !ok || !got.Protocol.Equal(oids.PACEECDHGMAES256) {
		t.Errorf("picked %v", got)
	}
	infos = append(infos, passport.PACEInfo{Protocol: oids.PACEECDHCAMAES128, Version: 2, ParameterID: 12, HasParameterID: true})
	if got, _ := passport.SupportedPACE(infos); !got.Protocol.Equal(oids.PACEECDHCAMAES128) {
		t.Errorf("picked %v", got)
	}
	if got, ok := passport.SupportedPACE(infos[:1]); !ok || !got.Protocol.Equal(oids.PACEDHGMAES128) {
		t.Error("DH PACE on a standardized group not supported")
	}
	// Integrated Mapping with another cipher than AES-128 is refused before
	// any command is sent.
	s := passport.NewSession(passport.TransceiverFunc(func(context.Context, []byte) ([]byte, error) { return nil, errors.New("unreachable") }), nil)
	imAES256 := passport.PACEInfo{Protocol: oids.PACEECDHIMAES256, Version: 2, ParameterID: 13, HasParameterID: true}
	if _, ok := passport.SupportedPACE([]passport.PACEInfo{imAES256}); ok {
		t.Error("IM with AES-256 reported as supported")
	}
	if _, err := s.PACE(context.Background(), passport.CAN("123456"), imAES256); !errors.Is(err, pace.ErrUnsupported) {
		t.Errorf("IM with AES-256: %v", err)
	}
}
