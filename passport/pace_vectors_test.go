package passport_test

import (
	"bytes"
	"context"
	"crypto/cipher"
	"math/big"
	"testing"

	"github.com/go-mitid/mitid/passport"
	"github.com/go-mitid/mitid/passport/internal/dh"
	"github.com/go-mitid/mitid/passport/internal/ec"
	"github.com/go-mitid/mitid/passport/internal/oids"
	"github.com/go-mitid/mitid/passport/internal/pace"
	"github.com/go-mitid/mitid/passport/internal/sm"
	"github.com/go-mitid/mitid/passport/internal/testhex"
)

// Integrated Mapping, as in the worked examples of ICAO Doc 9303 Part 11
// ("PACE – Integrated Mapping", ECDH and DH based examples;
// https://www.icao.int/publications/Documents/9303_p11_cons_en.pdf):
// the pseudo-random function, the mapping, the key agreement and the
// tokens, each to the byte.

func TestIntegratedMapping_WorkedExampleECDH(t *testing.T) {
	kPi := testhex.Decode(t, "591468CDA83D65219CCCB8560233600F")
	s, err := pace.DecryptNonce(sm.CipherAES128, kPi, testhex.Decode(t, "143DC40C08C8E891FBED7DEDB92B64AD"))
	if err != nil || testhex.Upper(s.FillBytes(make([]byte, 16))) != "2923BE84E16CD6AE529049F1F1BBE9EB" {
		t.Fatalf("s = %X, %v", s, err)
	}
	d := pace.ECDomain{C: ec.BrainpoolP256r1()}
	x, err := pace.IMPRF(sm.CipherAES128, s.FillBytes(make([]byte, 16)), testhex.Decode(t, "5DD4CBFC96F5453B130D890A1CDBAE32"), d.Prime())
	if err != nil || testhex.Upper(x.FillBytes(make([]byte, 32))) != "A2F8FF2DF50E52C6599F386ADCB595D229F6A167ADE2BE5F2C3296ADD5B7430E" {
		t.Fatalf("R_p(s,t) = %X, %v", x, err)
	}
	g, err := d.IntegratedMap(x)
	if err != nil {
		t.Fatal(err)
	}
	if got := testhex.Upper(d.Encode(g)); got != "04"+"8E82D31559ED0FDE92A4D0498ADD3C23BABA94FB77691E31E90AEA77FB17D427"+
		"4C1AE14BD0C3DBAC0C871B7F3608169364437CA30AC243A089D3F266C1E60FAD" {
		t.Fatalf("Ĝ = %s", got)
	}
	skPCD, _ := new(big.Int).SetString("A73FB703AC1436A18E0CFA5ABB3F7BEC7A070E7A6788486BEE230C4A22762595", 16)
	pkPCD := d.Exp(g, skPCD)
	if got := testhex.Upper(d.Encode(pkPCD)); got != "04"+"89CBA23FFE96AA18D824627C3E934E54A9FD0B87A95D1471DC1C0ABFDCD640D4"+
		"6755DE9B7B778280B6BEBD57439ADFEB0E21FD4ED6DF42578C13418A59B34C37" {
		t.Fatalf("PK_PCD = %s", got)
	}
	pkIC, err := d.Decode(testhex.Decode(t, "0467F78E5F7F7686082B293E8D087E056916D0F74BC01A5F8957D0DE45691E51E8"+
		"932B69A962B52A0985AD2C0A271EE6A13A8ADDDCD1A3A994B9DED257F4D22753"))
	if err != nil {
		t.Fatal(err)
	}
	k := d.SharedSecret(d.Exp(pkIC, skPCD))
	if testhex.Upper(k) != "4F150FDE1D4F0E38E95017B891BAE17133A0DF45B0D3E18B60BA7BEAFDC2C713" {
		t.Fatalf("K = %X", k)
	}
	ksMAC := sm.KDF(k, sm.KDFMAC, sm.CipherAES128)
	if testhex.Upper(sm.KDF(k, sm.KDFEnc, sm.CipherAES128)) != "0D3FEB33251A6370893D62AE8DAAF51B" || testhex.Upper(ksMAC) != "B01E89E3D9E8719E586B50B4A7506E0B" {
		t.Fatal("session keys differ")
	}
	if got := testhex.Upper(pace.TokenIn(sm.CipherAES128, ksMAC, oids.PACEECDHIMAES128, d, pkIC)); got != "450F02B86F6A0909" {
		t.Errorf("T_PCD = %s", got)
	}
	if got := testhex.Upper(pace.TokenIn(sm.CipherAES128, ksMAC, oids.PACEECDHIMAES128, d, pkPCD)); got != "75D4D96E8D5B0308" {
		t.Errorf("T_IC = %s", got)
	}
}

func TestIntegratedMapping_WorkedExampleDH(t *testing.T) {
	kPi := testhex.Decode(t, "591468CDA83D65219CCCB8560233600F")
	s, err := pace.DecryptNonce(sm.CipherAES128, kPi, testhex.Decode(t, "9ABB8864CA0FF1551E620D1EF4E13510"))
	if err != nil || testhex.Upper(s.FillBytes(make([]byte, 16))) != "FA5B7E3E49753A0DB9178B7B9BD898C8" {
		t.Fatalf("s = %X, %v", s, err)
	}
	grp, _ := dh.StandardGroup(0)
	d := pace.DHDomain{G: grp}
	x, err := pace.IMPRF(sm.CipherAES128, s.FillBytes(make([]byte, 16)), testhex.Decode(t, "B3A6DB3C870C3E99245E0D1C06B747DE"), d.Prime())
	if err != nil || testhex.Upper(grp.Encode(x)) != "A0C7C50C002061A51CC87D254EF38068607417B6EE1B36473CFB800D2D2E5FA2"+
		"B6980F01105D24FAB22ACD1BFA5C8A4C093ECDFAFE6D7125D42A843E338603835CF19AFAFF75EFE21DC5F6AA1F9AE46C"+
		"25087E7368166FB08C1E4627AFED7D93570417B790FF7F747E57F432B04E1236819E0DFEF5B6E77CA4999925328182D2" {
		t.Fatalf("R_p(s,t) = %X, %v", x, err)
	}
	g, err := d.IntegratedMap(x)
	if err != nil {
		t.Fatal(err)
	}
	if got := testhex.Upper(d.Encode(g)); got != "1D7D767F11E333BCD6DBAEF40E799E7A926B96973550656FF3C830726D118D61"+
		"C276CDCC61D475CF03A98E0C0E79CAEBA5BE25578BD4551D0B10903236F0B0F976852FA78EEA14EA0ACA87D1E91F688F"+
		"E0DFF897BBE35A472621D343564B262F34223AE8FC59B664BFEDFA2BFE7516CA5510A6BBB633D517EC25D4E0BBAA16C2" {
		t.Fatalf("ĝ = %s", got)
	}
	pkIC, err := d.Decode(testhex.Decode(t, "928D9A0F9DBA450F13FC859C6F290D1D36E42431138A4378500BEB4E0401854C"+
		"FF111F71CB6DC1D0335807A11388CC8EAA87B07907AAD9FBA6B169AF6D8C26AF8DDDC39ADC3AD2E3FF882B84D23E9768"+
		"E95A80E4746FB07A9767679FE92133B4D379935C771BD7FBED6C7BB4B1708B275EA75679524CDC9C6A91370CC662A2F3"))
	if err != nil {
		t.Fatal(err)
	}
	pkPCD, err := d.Decode(testhex.Decode(t, "0F0CC62945A8029251FB7EF3C094E12EC68E4EF07F27CB9D9CD04C5C4250FAE0"+
		"E4F8A951557E929AEB48E5C6DD47F2F5CD7C351A9BD2CD722C07EDE166770F08FFCB370262CF308DD7B07F2E0DA9CAAA"+
		"1492344C852906919538C98A4BA4187E76CE9D87832386D319CE2E043C3343AEAE6EDBA1A9894DC5094D22F7FE1351D5"))
	if err != nil {
		t.Fatal(err)
	}
	ksMAC := testhex.Decode(t, "23F0FBD05FD6C7B8B88F4C8309669061")
	if got := testhex.Upper(pace.TokenIn(sm.CipherAES128, ksMAC, oids.PACEDHIMAES128, d, pkIC)); got != "55D61977CBF5307E" {
		t.Errorf("T_PCD = %s", got)
	}
	if got := testhex.Upper(pace.TokenIn(sm.CipherAES128, ksMAC, oids.PACEDHIMAES128, d, pkPCD)); got != "C2F04230187E1525" {
		t.Errorf("T_IC = %s", got)
	}
}

// appendixG2 is the PACE transcript of ICAO 9303 Part 11 Appendix G.2 (DH
// generic mapping on the 1024-bit group of RFC 5114, AES-128, MRZ
// password), the chip's last answer with its CAR (87) as printed there.
var appendixG2 = []exchange{
	{"0022C1A40F800A04007F00070202040102830101", "9000"},
	{"10860000027C0000", "7C128010854D8DF5827FA6852D1A4FA701CDDDCA9000"},
	{"10860000867C8183818180" +
		"23FB3749EA030D2A25B278D2A562047ADE3F01B74F17A15402CB7352CA7D2B3EB71C343DB13D1DEBCE9A3666DBCFC920" +
		"B49174A602CB47965CAA73DC702489A44D41DB914DE9613DC5E98C94160551C0DF86274B9359BC0490D01B03AD54022D" +
		"CB4F57FAD6322497D7A1E28D46710F461AFE710FBBBC5F8BA166F4311975EC6C00",
		"7C8183828180" +
			"78879F57225AA8080D52ED0FC890A4B25336F699AA89A2D3A189654AF70729E623EA5738B26381E4DA19E004706FACE7" +
			"B235C2DBF2F38748312F3C98C2DD4882A41947B324AA1259AC22579DB93F7085655AF30889DBB845D9E6783FE42C9F24" +
			"49400306254C8AE8EE9DD812A804C0B66E8CAFC14F84D8258950A91B44126EE69000"},
	{"10860000867C8183838180" +
		"907D89E2D425A178AA81AF4A7774EC8E388C115CAE67031E85EECE520BD911551B9AE4D04369F29A02626C86FBC6747C" +
		"C7BC352645B6161A2A42D44EDA80A08FA8D61B76D3A154AD8A5A51786B0BC07147057871A922212C5F67F43173172236" +
		"B7747D1671E6D692A3C7D40A0C3C5CE397545D015C175EB5130551EDBC2EE5D400",
		"7C8183848180" +
			"075693D9AE941877573E634B6E644F8E60AF17A0076B8B123D9201074D36152BD8B3A213F53820C42ADC79AB5D0AEEC3" +
			"AEFB91394DA476BD97B9B14D0A65C1FC71A0E019CB08AF55E1F729005FBA7E3FA5DC41899238A250767A6D46DB974064" +
			"386CD456743585F8E5D90CC8B4004B1F6D866C79CE0584E49687FF61BC29AEA19000"},
	{"008600000C7C0A8508B46DD9BD4D98381F00", "7C1B8608917F37B5C0E6D8D1870F4445544553544356434130303030339000"},
}

// appendixG2Rand is SK_map,PCD ‖ SK_eph,PCD of G.2, injected as randomness.
const appendixG2Rand = "5265030F751F4AD18B08AC565FC7AC952E41618D" + "89CCD99B0E8D3B1F11E1296DCA68EC53411CF2CA"

// TestPACE_Part11AppendixG2 replays Appendix G.2 byte for byte: every
// command the terminal sends is the one printed, and the session keys are
// those of the example.
func TestPACE_Part11AppendixG2(t *testing.T) {
	chip := &scriptedChip{t: t, script: appendixG2}
	s := passport.NewSession(chip, &passport.SessionOptions{Rand: bytes.NewReader(testhex.Decode(t, appendixG2Rand))})
	info := passport.PACEInfo{Protocol: oids.PACEDHGMAES128, Version: 2, ParameterID: 0, HasParameterID: true}
	res, err := s.PACE(context.Background(), appendixG1Key, info)
	if err != nil {
		t.Fatal(err)
	}
	chip.done()
	if g, _ := dh.StandardGroup(0); res.DHGroup != g || res.Curve != nil || s.SecureMessaging() != "AES-128" {
		t.Errorf("group %v, SM %s", res.DHGroup, s.SecureMessaging())
	}
	// KS_enc and KS_MAC of G.2, through what the session encrypts and MACs.
	for name, pair := range map[string][2]cipher.Block{
		"KS_enc": {mustBlock(t, "2F7F46ADCC9E7E521B45D192FAFA9126"), s.SM().EncryptionBlock()},
	} {
		a, b := make([]byte, 16), make([]byte, 16)
		pair[0].Encrypt(a, a)
		pair[1].Encrypt(b, b)
		if !bytes.Equal(a, b) {
			t.Errorf("%s differs from G.2", name)
		}
	}
	grp, _ := dh.StandardGroup(0)
	d := pace.DHDomain{G: grp}
	ksMAC := testhex.Decode(t, "805A1D27D45A5116F73C54469462B7D8")
	chipEph, _ := d.Decode(testhex.Decode(t, appendixG2[3].resp[12:len(appendixG2[3].resp)-4]))
	if got := testhex.Upper(pace.TokenIn(sm.CipherAES128, ksMAC, info.Protocol, d, chipEph)); got != "B46DD9BD4D98381F" {
		t.Errorf("T_PCD = %s", got)
	}
}

func mustBlock(t *testing.T, key string) cipher.Block {
	t.Helper()
	b, err := sm.NewBlockCipher(sm.CipherAES128, testhex.Decode(t, key))
	if err != nil {
		t.Fatal(err)
	}
	return b
}
