package ec

import (
	"bytes"
	"crypto/ecdh"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/asn1"
	"encoding/hex"
	"errors"
	"math/big"
	mrand "math/rand/v2"
	"testing"
	"time"

	"github.com/go-mitid/mitid/passport/internal/testhex"
)

func hexBig(t testing.TB, s string) *big.Int {
	t.Helper()
	v, ok := new(big.Int).SetString(s, 16)
	if !ok {
		t.Fatalf("bad hex %q", s)
	}
	return v
}

func hexPoint(t testing.TB, x, y string) Point {
	return Point{X: hexBig(t, x), Y: hexBig(t, y)}
}

func TestCurves_DomainParametersAreConsistent(t *testing.T) {
	for _, c := range namedCurves() {
		t.Run(c.Name(), func(t *testing.T) {
			if err := c.validate(); err != nil {
				t.Fatal(err)
			}
			// (n−1)·G = −G, the last step before infinity.
			nm1 := new(big.Int).Sub(c.n, big.NewInt(1))
			if got := c.ScalarBaseMult(nm1); !got.Equal(c.Neg(c.G())) {
				t.Errorf("(n-1)G != -G")
			}
			if got, err := CurveByOID(c.OID()); err != nil || got != c {
				t.Errorf("CurveByOID(%s) = %v, %v", c.OID(), got, err)
			}
			if c.ByteLen() != (c.P().BitLen()+7)/8 {
				t.Errorf("ByteLen = %d", c.ByteLen())
			}
		})
	}
}

// TestNISTCurves_MatchCryptoElliptic compares the NIST constants with the
// standard library's.
func TestNISTCurves_MatchCryptoElliptic(t *testing.T) {
	for _, tc := range []struct {
		c   *Curve
		std elliptic.Curve
	}{{NISTP224(), elliptic.P224()}, {NISTP256(), elliptic.P256()}, {NISTP384(), elliptic.P384()}, {NISTP521(), elliptic.P521()}} {
		p := tc.std.Params()
		if tc.c.P().Cmp(p.P) != 0 || tc.c.N().Cmp(p.N) != 0 || tc.c.B().Cmp(p.B) != 0 ||
			!tc.c.G().Equal(Point{X: p.Gx, Y: p.Gy}) || tc.c.A().Cmp(new(big.Int).Sub(p.P, big.NewInt(3))) != 0 {
			t.Errorf("%s constants differ from crypto/elliptic", tc.c)
		}
	}
}

// TestBrainpoolP256r1_ICAOAppendixG1 recomputes every point of the PACE
// generic-mapping example of ICAO 9303 Part 11 Appendix G.1.
func TestBrainpoolP256r1_ICAOAppendixG1(t *testing.T) {
	c := BrainpoolP256r1()
	if got := hex.EncodeToString(c.P().Bytes()); got != "a9fb57dba1eea9bc3e660a909d838d726e3bf623d52620282013481d1f6e5377" {
		t.Fatalf("p = %s", got)
	}
	skMapPCD := hexBig(t, "7F4EF07B9EA82FD78AD689B38D0BC78CF21F249D953BC46F4C6E19259C010F99")
	pkMapPCD := hexPoint(t, "7ACF3EFC982EC45565A4B155129EFBC74650DCBFA6362D896FC70262E0C2CC5E", "544552DCB6725218799115B55C9BAA6D9F6BC3A9618E70C25AF71777A9C4922D")
	skMapIC := hexBig(t, "498FF49756F2DC1587840041839A85982BE7761D14715FB091EFA7BCE9058560")
	pkMapIC := hexPoint(t, "824FBA91C9CBE26BEF53A0EBE7342A3BF178CEA9F45DE0B70AA601651FBA3F57", "30D8C879AAA9C9F73991E61B58F4D52EB87A0A0C709A49DC63719363CCD13C54")
	h := hexPoint(t, "60332EF2450B5D247EF6D3868397D398852ED6E8CAF6FFEEF6BF85CA57057FD5", "0840CA7415BAF3E43BD414D35AA4608B93A2CAF3A4E3EA4E82C9C13D03EB7181")
	s := hexBig(t, "3F00C4D39D153F2B2A214A078D899B22")
	gHat := hexPoint(t, "8CED63C91426D4F0EB1435E7CB1D74A46723A0AF21C89634F65A9AE87A9265E2", "8C879506743F8611AC33645C5B985C80B5F09A0B83407C1B6A4D857AE76FE522")
	skEphPCD := hexBig(t, "A73FB703AC1436A18E0CFA5ABB3F7BEC7A070E7A6788486BEE230C4A22762595")
	pkEphPCD := hexPoint(t, "2DB7A64C0355044EC9DF190514C625CBA2CEA48754887122F3A5EF0D5EDD301C", "3556F3B3B186DF10B857B58F6A7EB80F20BA5DC7BE1D43D9BF850149FBB36462")
	skEphIC := hexBig(t, "107CF58696EF6155053340FD633392BA81909DF7B9706F226F32086C7AFF974A")
	pkEphIC := hexPoint(t, "9E880F842905B8B3181F7AF7CAA9F0EFB743847F44A306D2D28C1D9EC65DF6DB", "7764B22277A2EDDC3C265A9F018F9CB852E111B768B326904B59A0193776F094")
	shared := testhex.Decode(t, "28768D20701247DAE81804C9E780EDE582A9996DB4A315020B2733197DB84925")

	for name, p := range map[string]Point{"PK_map,PCD": pkMapPCD, "PK_map,IC": pkMapIC, "H": h, "Ĝ": gHat, "PK_eph,PCD": pkEphPCD, "PK_eph,IC": pkEphIC} {
		if !c.IsOnCurve(p) {
			t.Errorf("%s not on curve", name)
		}
	}
	check := func(name string, got, want Point) {
		t.Helper()
		if !got.Equal(want) {
			t.Errorf("%s = (%X, %X), want (%X, %X)", name, got.X, got.Y, want.X, want.Y)
		}
	}
	check("PK_map,PCD", c.ScalarBaseMult(skMapPCD), pkMapPCD)
	check("PK_map,IC", c.ScalarBaseMult(skMapIC), pkMapIC)
	check("H (PCD side)", c.ScalarMult(pkMapIC, skMapPCD), h)
	check("H (IC side)", c.ScalarMult(pkMapPCD, skMapIC), h)
	check("Ĝ = s·G + H", c.Add(c.ScalarBaseMult(s), h), gHat)
	check("Ĝ via CombinedMult", c.CombinedMult(h, s, big.NewInt(1)), gHat)
	check("PK_eph,PCD", c.ScalarMult(gHat, skEphPCD), pkEphPCD)
	check("PK_eph,IC", c.ScalarMult(gHat, skEphIC), pkEphIC)

	k, err := c.NewPrivateKey(skEphPCD)
	if err != nil {
		t.Fatal(err)
	}
	got, err := k.ECDH(pkEphIC)
	if err != nil || !bytes.Equal(got, shared) {
		t.Errorf("ECDH = %X, %v; want %X", got, err, shared)
	}

	// GenerateKey takes an in-range string from rand as it is, so the
	// published key can be injected.
	gk, err := c.GenerateKey(bytes.NewReader(skMapPCD.FillBytes(make([]byte, 32))))
	if err != nil || gk.D.Cmp(skMapPCD) != 0 || !gk.Point.Equal(pkMapPCD) {
		t.Errorf("GenerateKey with injected key: %v", err)
	}
}

// TestScalarMult_MatchesCryptoECDH checks the math/big arithmetic against the
// standard library on the NIST curves it implements.
func TestScalarMult_MatchesCryptoECDH(t *testing.T) {
	for _, tc := range []struct {
		c   *Curve
		std ecdh.Curve
	}{{NISTP256(), ecdh.P256()}, {NISTP384(), ecdh.P384()}, {NISTP521(), ecdh.P521()}} {
		t.Run(tc.c.Name(), func(t *testing.T) {
			for i := 0; i < 8; i++ {
				priv, err := tc.std.GenerateKey(rand.Reader)
				if err != nil {
					t.Fatal(err)
				}
				d := new(big.Int).SetBytes(priv.Bytes())
				if got := tc.c.Marshal(tc.c.ScalarBaseMult(d)); !bytes.Equal(got, priv.PublicKey().Bytes()) {
					t.Fatalf("d·G = %X, crypto/ecdh says %X", got, priv.PublicKey().Bytes())
				}
				peer, _ := tc.std.GenerateKey(rand.Reader)
				peerPt, err := tc.c.Unmarshal(peer.PublicKey().Bytes())
				if err != nil {
					t.Fatal(err)
				}
				want, _ := priv.ECDH(peer.PublicKey())
				if got := tc.c.ScalarMult(peerPt, d); !bytes.Equal(got.X.FillBytes(make([]byte, tc.c.ByteLen())), want) {
					t.Fatalf("d·Q mismatch")
				}
			}
		})
	}
}

// TestCurve_GroupLaws checks the group laws on every named curve (for the
// brainpool curves the a ≠ −3 formulas are exercised).
func TestCurve_GroupLaws(t *testing.T) {
	rng := mrand.New(mrand.NewPCG(1, 2))
	randScalarT := func(c *Curve) *big.Int {
		b := make([]byte, c.ByteLen())
		for i := range b {
			b[i] = byte(rng.Uint32())
		}
		return new(big.Int).Mod(new(big.Int).SetBytes(b), c.n)
	}
	for _, c := range namedCurves() {
		t.Run(c.Name(), func(t *testing.T) {
			a, b := randScalarT(c), randScalarT(c)
			pa, pb := c.ScalarBaseMult(a), c.ScalarBaseMult(b)
			sum := new(big.Int).Add(a, b)
			if !c.Add(pa, pb).Equal(c.ScalarBaseMult(sum)) {
				t.Error("aG + bG != (a+b)G")
			}
			if !c.Add(pa, pb).Equal(c.Add(pb, pa)) {
				t.Error("addition not commutative")
			}
			ab := new(big.Int).Mod(new(big.Int).Mul(a, b), c.n)
			if !c.ScalarMult(pa, b).Equal(c.ScalarBaseMult(ab)) {
				t.Error("b(aG) != (ab)G")
			}
			if !c.Double(pa).Equal(c.Add(pa, pa)) {
				t.Error("2P != P + P")
			}
			if !c.Add(pa, c.Neg(pa)).IsInfinity() {
				t.Error("P + (-P) != O")
			}
			if !c.Add(pa, Point{}).Equal(pa) || !c.Add(Point{}, pa).Equal(pa) {
				t.Error("P + O != P")
			}
			if !c.CombinedMult(pb, a, b).Equal(c.Add(pa, c.ScalarMult(pb, b))) {
				t.Error("CombinedMult != aG + b·Q")
			}
			if !c.ScalarMult(pa, big.NewInt(0)).IsInfinity() {
				t.Error("0·P != O")
			}
			if !c.ScalarMult(pa, new(big.Int).Neg(b)).Equal(c.Neg(c.ScalarMult(pa, b))) {
				t.Error("(-b)P != -(bP)")
			}
			// Scalars larger than n are not reduced, and still land right.
			big2 := new(big.Int).Add(a, new(big.Int).Mul(c.n, big.NewInt(3)))
			if !c.ScalarBaseMult(big2).Equal(pa) {
				t.Error("(a+3n)G != aG")
			}
			for _, enc := range [][]byte{c.Marshal(pa), c.MarshalCompressed(pa), c.MarshalCompressed(c.Neg(pa))} {
				got, err := c.Unmarshal(enc)
				if err != nil {
					t.Fatal(err)
				}
				if !bytes.Equal(c.Marshal(got), c.Marshal(pa)) && !got.Equal(c.Neg(pa)) {
					t.Error("Unmarshal(Marshal(P)) != P")
				}
			}
		})
	}
}

func TestCurve_UnmarshalRejectsInvalid(t *testing.T) {
	c := BrainpoolP256r1()
	g := c.Marshal(c.G())
	offCurve := append([]byte(nil), g...)
	offCurve[len(offCurve)-1] ^= 1
	tooBig := append([]byte{4}, bytes.Repeat([]byte{0xFF}, 64)...)
	for name, b := range map[string][]byte{
		"empty": nil, "infinity": {0}, "off curve": offCurve, "short": g[:40], "coordinates ≥ p": tooBig,
		"bad prefix": append([]byte{5}, g[1:]...), "compressed x ≥ p": append([]byte{2}, bytes.Repeat([]byte{0xFF}, 32)...),
	} {
		if _, err := c.Unmarshal(b); !errors.Is(err, ErrInvalidPoint) {
			t.Errorf("%s: err = %v", name, err)
		}
	}
	k, _ := c.NewPrivateKey(big.NewInt(7))
	if _, err := k.ECDH(Point{X: big.NewInt(1), Y: big.NewInt(1)}); !errors.Is(err, ErrInvalidPoint) {
		t.Errorf("ECDH with an off-curve peer: err = %v", err)
	}
	if _, err := c.NewPrivateKey(c.N()); err == nil {
		t.Error("NewPrivateKey(n) accepted")
	}
}

func TestParseCurveParameters_NamedAndExplicit(t *testing.T) {
	for _, c := range namedCurves() {
		for _, explicit := range []bool{false, true} {
			der, err := c.MarshalParameters(explicit)
			if err != nil {
				t.Fatal(err)
			}
			got, err := ParseCurveParameters(der)
			if err != nil {
				t.Fatalf("%s explicit=%v: %v", c, explicit, err)
			}
			if got != c {
				t.Errorf("%s explicit=%v parsed as %s", c, explicit, got)
			}
		}
	}
	// A curve that is not named: brainpoolP256r1 with a different generator 2G.
	bp := BrainpoolP256r1()
	g2 := bp.Double(bp.G())
	c, err := NewCurve(bp.P(), bp.A(), bp.B(), g2.X, g2.Y, bp.N(), 1)
	if err != nil {
		t.Fatal(err)
	}
	if c.Name() != "" || c.OID() != nil {
		t.Errorf("unnamed curve got name %q", c.Name())
	}
	der, _ := c.MarshalParameters(false)
	back, err := ParseCurveParameters(der)
	if err != nil || !back.G().Equal(g2) {
		t.Errorf("unnamed curve round trip: %v", err)
	}
	// Broken parameters are refused.
	if _, err := NewCurve(bp.P(), bp.A(), bp.B(), g2.X, g2.Y, new(big.Int).Add(bp.N(), big.NewInt(2)), 1); !errors.Is(err, ErrUnsupportedCurve) {
		t.Errorf("wrong order accepted: %v", err)
	}
	if _, err := NewCurve(bp.P(), bp.A(), bp.B(), g2.X, new(big.Int).Add(g2.Y, big.NewInt(1)), bp.N(), 1); !errors.Is(err, ErrUnsupportedCurve) {
		t.Errorf("off-curve generator accepted: %v", err)
	}
	for name, der := range map[string]string{
		"unknown OID":   "06032B0601",
		"garbage":       "3003020101",
		"binary field":  "3022020101300b06072a8648ce3d0102020101",
		"trailing data": "06092B2403030208010107" + "00",
	} {
		if _, err := ParseCurveParameters(testhex.Decode(t, der)); !errors.Is(err, ErrUnsupportedCurve) {
			t.Errorf("%s: err = %v", name, err)
		}
	}
}

var benchSink Point

// BenchmarkScalarMult_BrainpoolP256r1 is the cost of one PACE/CA key
// agreement step on the math/big arithmetic; compare with
// BenchmarkRawECDH_P256, the standard library on a curve it supports.
func BenchmarkScalarMult_BrainpoolP256r1(b *testing.B) {
	c := BrainpoolP256r1()
	k := hexBig(b, "A73FB703AC1436A18E0CFA5ABB3F7BEC7A070E7A6788486BEE230C4A22762595")
	g := c.G()
	for b.Loop() {
		benchSink = c.ScalarMult(g, k)
	}
}

// BenchmarkScalarMult_P256MathBig runs the same math/big code on P-256 (a = −3).
func BenchmarkScalarMult_P256MathBig(b *testing.B) {
	c := NISTP256()
	k := hexBig(b, "A73FB703AC1436A18E0CFA5ABB3F7BEC7A070E7A6788486BEE230C4A22762595")
	g := c.G()
	for b.Loop() {
		benchSink = c.ScalarMult(g, k)
	}
}

// BenchmarkScalarMult_BrainpoolP384r1 shows how the cost grows with the field.
func BenchmarkScalarMult_BrainpoolP384r1(b *testing.B) {
	c := BrainpoolP384r1()
	k := new(big.Int).Sub(c.N(), big.NewInt(12345))
	g := c.G()
	for b.Loop() {
		benchSink = c.ScalarMult(g, k)
	}
}

// BenchmarkCombinedMult_BrainpoolP256r1 is the core of an ECDSA verification.
func BenchmarkCombinedMult_BrainpoolP256r1(b *testing.B) {
	c := BrainpoolP256r1()
	s := hexBig(b, "A73FB703AC1436A18E0CFA5ABB3F7BEC7A070E7A6788486BEE230C4A22762595")
	q := c.ScalarBaseMult(big.NewInt(99))
	for b.Loop() {
		benchSink = c.CombinedMult(q, s, s)
	}
}

// BenchmarkRawECDH_P256 is the raw primitive: crypto/ecdh on P-256.
func BenchmarkRawECDH_P256(b *testing.B) {
	priv, _ := ecdh.P256().GenerateKey(rand.Reader)
	peer, _ := ecdh.P256().GenerateKey(rand.Reader)
	for b.Loop() {
		if _, err := priv.ECDH(peer.PublicKey()); err != nil {
			b.Fatal(err)
		}
	}
}

// TestBrainpool_RFC7027KeyExchange reproduces the ECDH examples of RFC 7027
// Appendix A (also RFC 6932) on brainpoolP256r1, P384r1 and P512r1: both
// public keys from the private ones, and the shared point from both sides.
func TestBrainpool_RFC7027KeyExchange(t *testing.T) {
	tests := []struct {
		c                                  *Curve
		dA, qAx, qAy, dB, qBx, qBy, zx, zy string
	}{
		{BrainpoolP256r1(),
			"81DB1EE100150FF2EA338D708271BE38300CB54241D79950F77B063039804F1D",
			"44106E913F92BC02A1705D9953A8414DB95E1AAA49E81D9E85F929A8E3100BE5", "8AB4846F11CACCB73CE49CBDD120F5A900A69FD32C272223F789EF10EB089BDC",
			"55E40BC41E37E3E2AD25C3C6654511FFA8474A91A0032087593852D3E7D76BD3",
			"8D2D688C6CF93E1160AD04CC4429117DC2C41825E1E9FCA0ADDD34E6F1B39F7B", "990C57520812BE512641E47034832106BC7D3E8DD0E4C7F1136D7006547CEC6A",
			"89AFC39D41D3B327814B80940B042590F96556EC91E6AE7939BCE31F3A18BF2B", "49C27868F4ECA2179BFD7D59B1E3BF34C1DBDE61AE12931648F43E59632504DE"},
		{BrainpoolP384r1(),
			"1E20F5E048A5886F1F157C74E91BDE2B98C8B52D58E5003D57053FC4B0BD65D6F15EB5D1EE1610DF870795143627D042",
			"68B665DD91C195800650CDD363C625F4E742E8134667B767B1B476793588F885AB698C852D4A6E77A252D6380FCAF068", "55BC91A39C9EC01DEE36017B7D673A931236D2F1F5C83942D049E3FA20607493E0D038FF2FD30C2AB67D15C85F7FAA59",
			"032640BC6003C59260F7250C3DB58CE647F98E1260ACCE4ACDA3DD869F74E01F8BA5E0324309DB6A9831497ABAC96670",
			"4D44326F269A597A5B58BBA565DA5556ED7FD9A8A9EB76C25F46DB69D19DC8CE6AD18E404B15738B2086DF37E71D1EB4", "62D692136DE56CBE93BF5FA3188EF58BC8A3A0EC6C1E151A21038A42E9185329B5B275903D192F8D4E1F32FE9CC78C48",
			"0BD9D3A7EA0B3D519D09D8E48D0785FB744A6B355E6304BC51C229FBBCE239BBADF6403715C35D4FB2A5444F575D4F42", "0DF213417EBE4D8E40A5F76F66C56470C489A3478D146DECF6DF0D94BAE9E598157290F8756066975F1DB34B2324B7BD"},
		{BrainpoolP512r1(),
			"16302FF0DBBB5A8D733DAB7141C1B45ACBC8715939677F6A56850A38BD87BD59B09E80279609FF333EB9D4C061231FB26F92EEB04982A5F1D1764CAD57665422",
			"0A420517E406AAC0ACDCE90FCD71487718D3B953EFD7FBEC5F7F27E28C6149999397E91E029E06457DB2D3E640668B392C2A7E737A7F0BF04436D11640FD09FD", "72E6882E8DB28AAD36237CD25D580DB23783961C8DC52DFA2EC138AD472A0FCEF3887CF62B623B2A87DE5C588301EA3E5FC269B373B60724F5E82A6AD147FDE7",
			"230E18E1BCC88A362FA54E4EA3902009292F7F8033624FD471B5D8ACE49D12CFABBC19963DAB8E2F1EBA00BFFB29E4D72D13F2224562F405CB80503666B25429",
			"9D45F66DE5D67E2E6DB6E93A59CE0BB48106097FF78A081DE781CDB31FCE8CCBAAEA8DD4320C4119F1E9CD437A2EAB3731FA9668AB268D871DEDA55A5473199F", "2FDC313095BCDD5FB3A91636F07A959C8E86B5636A1E930E8396049CB481961D365CC11453A06C719835475B12CB52FC3C383BCE35E27EF194512B71876285FA",
			"A7927098655F1F9976FA50A9D566865DC530331846381C87256BAF3226244B76D36403C024D7BBF0AA0803EAFF405D3D24F11A9B5C0BEF679FE1454B21C4CD1F", "7DB71C3DEF63212841C463E881BDCF055523BD368240E6C3143BD8DEF8B3B3223B95E0F53082FF5E412F4222537A43DF1C6D25729DDB51620A832BE6A26680A2"},
	}
	for _, tc := range tests {
		t.Run(tc.c.Name(), func(t *testing.T) {
			c := tc.c
			qa, qb, z := hexPoint(t, tc.qAx, tc.qAy), hexPoint(t, tc.qBx, tc.qBy), hexPoint(t, tc.zx, tc.zy)
			ka, err := c.NewPrivateKey(hexBig(t, tc.dA))
			if err != nil {
				t.Fatal(err)
			}
			kb, err := c.NewPrivateKey(hexBig(t, tc.dB))
			if err != nil {
				t.Fatal(err)
			}
			if !ka.Point.Equal(qa) || !kb.Point.Equal(qb) {
				t.Fatal("public keys differ from RFC 7027")
			}
			if !c.ScalarMult(qb, ka.D).Equal(z) || !c.ScalarMult(qa, kb.D).Equal(z) {
				t.Fatal("shared point differs from RFC 7027")
			}
			if x, err := ka.ECDH(qb); err != nil || !bytes.Equal(x, z.X.FillBytes(make([]byte, c.ByteLen()))) {
				t.Fatalf("ECDH = %X, %v", x, err)
			}
		})
	}
}

// FuzzParseCurveParameters: the parameters of an id-ecPublicKey key (a
// named curve or explicit ECParameters, from a certificate or a chip) are
// refused with ErrUnsupportedCurve or give a curve whose explicit form
// parses back to the same curve (the same named curve, or the same p, a,
// b, G and n), and whose base point decodes from its own encoding.
func FuzzParseCurveParameters(f *testing.F) {
	for _, c := range []*Curve{BrainpoolP256r1(), NISTP256(), BrainpoolP160r1()} {
		for _, explicit := range []bool{false, true} {
			der, err := c.MarshalParameters(explicit)
			if err != nil {
				f.Fatal(err)
			}
			f.Add(der)
		}
	}
	f.Add(testhex.Decode(f, "3022020101300b06072a8648ce3d0102020101"))
	f.Fuzz(func(t *testing.T, der []byte) {
		c, err := ParseCurveParameters(der)
		if err != nil {
			if !errors.Is(err, ErrUnsupportedCurve) {
				t.Fatalf("error %v is not ErrUnsupportedCurve", err)
			}
			return
		}
		if c.N().BitLen() > c.P().BitLen()+1 {
			t.Fatalf("%s: order of %d bits on a %d-bit field", c, c.N().BitLen(), c.P().BitLen())
		}
		enc, err := c.MarshalParameters(true)
		if err != nil {
			t.Fatal(err)
		}
		back, err := ParseCurveParameters(enc)
		if err != nil {
			t.Fatalf("%s: its explicit parameters do not parse: %v", c, err)
		}
		if back != c && (back.P().Cmp(c.P()) != 0 || back.A().Cmp(c.A()) != 0 || back.B().Cmp(c.B()) != 0 || !back.G().Equal(c.G()) || back.N().Cmp(c.N()) != 0) {
			t.Fatalf("%s came back as %s", c, back)
		}
		if g, err := c.Unmarshal(c.Marshal(c.G())); err != nil || !g.Equal(c.G()) {
			t.Fatalf("%s: base point does not decode: %v", c, err)
		}
	})
}

// FuzzUnmarshalPoint: a point from a chip or a certificate is refused with
// ErrInvalidPoint or lies on the curve and encodes back, uncompressed and
// compressed, to a point that decodes the same.
func FuzzUnmarshalPoint(f *testing.F) {
	c := BrainpoolP256r1()
	f.Add(uint8(0), c.Marshal(c.G()))
	f.Add(uint8(0), c.MarshalCompressed(c.G()))
	f.Add(uint8(1), NISTP256().Marshal(NISTP256().G()))
	f.Add(uint8(2), BrainpoolP160r1().MarshalCompressed(BrainpoolP160r1().G()))
	f.Add(uint8(0), []byte{0})
	curves := []*Curve{BrainpoolP256r1(), NISTP256(), BrainpoolP160r1(), NISTP521()}
	f.Fuzz(func(t *testing.T, which uint8, b []byte) {
		c := curves[int(which)%len(curves)]
		p, err := c.Unmarshal(b)
		if err != nil {
			if !errors.Is(err, ErrInvalidPoint) {
				t.Fatalf("error %v is not ErrInvalidPoint", err)
			}
			return
		}
		if !c.IsOnCurve(p) {
			t.Fatalf("%x decoded off %s", b, c)
		}
		for _, enc := range [][]byte{c.Marshal(p), c.MarshalCompressed(p)} {
			if q, err := c.Unmarshal(enc); err != nil || !q.Equal(p) {
				t.Fatalf("%x: %x decodes to %v, %v", b, enc, q, err)
			}
		}
	})
}

// TestParseCurveParameters_RefusesFieldsOutsideTheSupportedSizes: explicit
// parameters over a field below 160 bits are refused with
// ErrUnsupportedCurve before their base point is decoded (a two-element
// field used to panic decoding a compressed point), and an order beyond
// the Hasse bound of its field (n ≤ p + 1 + 2√p, so at most one bit longer
// than p) is refused before any primality test on it, however long.
func TestParseCurveParameters_RefusesFieldsOutsideTheSupportedSizes(t *testing.T) {
	bp := BrainpoolP256r1()
	huge := new(big.Int).Lsh(big.NewInt(1), 1<<16)
	huge.Add(huge, big.NewInt(1)) // no factor below 59 to stop the primality test early: 16 s of it
	for _, tc := range []struct {
		rule string
		ep   asn1ECParameters
	}{
		{"a two-element field, compressed base point", asn1ECParameters{Version: 1, FieldID: asn1FieldID{FieldType: oidPrimeField, Prime: big.NewInt(2)},
			Curve: asn1CurveCoeffs{A: []byte{0}, B: []byte{1}}, Base: []byte{2, 0}, Order: big.NewInt(3)}},
		{"a three-element field, compressed base point", asn1ECParameters{Version: 1, FieldID: asn1FieldID{FieldType: oidPrimeField, Prime: big.NewInt(3)},
			Curve: asn1CurveCoeffs{A: []byte{1}, B: []byte{1}}, Base: []byte{3, 0}, Order: big.NewInt(3)}},
		{"a 159-bit field", asn1ECParameters{Version: 1, FieldID: asn1FieldID{FieldType: oidPrimeField, Prime: new(big.Int).Rsh(BrainpoolP160r1().P(), 1)},
			Curve: asn1CurveCoeffs{A: []byte{1}, B: []byte{1}}, Base: []byte{2, 1}, Order: big.NewInt(3)}},
		{"an order of 2^16 bits", asn1ECParameters{Version: 1, FieldID: asn1FieldID{FieldType: oidPrimeField, Prime: bp.P()},
			Curve: asn1CurveCoeffs{A: bp.A().Bytes(), B: bp.B().Bytes()}, Base: bp.Marshal(bp.G()), Order: huge}},
	} {
		t.Run(tc.rule, func(t *testing.T) {
			der, err := asn1.Marshal(tc.ep)
			if err != nil {
				t.Fatal(err)
			}
			done := make(chan error, 1)
			go func() { _, err := ParseCurveParameters(der); done <- err }()
			select {
			case err := <-done:
				if !errors.Is(err, ErrUnsupportedCurve) {
					t.Fatalf("err = %v, want ErrUnsupportedCurve", err)
				}
			case <-time.After(5 * time.Second):
				t.Fatal("still working after 5 s")
			}
		})
	}
}
