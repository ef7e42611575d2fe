package passport_test

import (
	"bytes"
	"errors"
	"math/big"
	"testing"

	"github.com/go-mitid/mitid/passport"
	"github.com/go-mitid/mitid/passport/internal/ec"
	"github.com/go-mitid/mitid/passport/internal/oids"
	"github.com/go-mitid/mitid/passport/internal/pace"
	"github.com/go-mitid/mitid/passport/internal/sm"
	"github.com/go-mitid/mitid/passport/internal/testhex"
)

func TestParseSecurityInfos_CardAccessAppendixG1(t *testing.T) {
	der := testhex.Decode(t, "31143012060A04007F0007020204020202010202010D")
	si, err := passport.ParseSecurityInfos(der)
	if err != nil {
		t.Fatal(err)
	}
	if len(si.PACE) != 1 {
		t.Fatalf("%d PACEInfos", len(si.PACE))
	}
	p := si.PACE[0]
	if !p.Protocol.Equal(oids.PACEECDHGMAES128) || p.Version != 2 || !p.HasParameterID || p.ParameterID != 13 {
		t.Errorf("PACEInfo = %+v", p)
	}
	if s := p.String(); s != "id-PACE-ECDH-GM-AES-CBC-CMAC-128 (brainpoolP256r1)" {
		t.Errorf("String = %q", s)
	}
	back, err := si.Marshal()
	if err != nil || !bytes.Equal(back, der) {
		t.Errorf("Marshal = %X, %v", back, err)
	}
}

func TestParseSecurityInfos_TwoPACEInfosGmrtd(t *testing.T) {
	der := testhex.Decode(t, "31283012060a04007f000702020402040201020201103012060a04007f00070202040604020102020110")
	si, err := passport.ParseSecurityInfos(der)
	if err != nil {
		t.Fatal(err)
	}
	if len(si.PACE) != 2 || !si.PACE[0].Protocol.Equal(oids.PACEECDHGMAES256) || !si.PACE[1].Protocol.Equal(oids.PACEECDHCAMAES256) {
		t.Fatalf("PACE = %+v", si.PACE)
	}
	for _, p := range si.PACE {
		if c, err := pace.StandardCurve(p.ParameterID); err != nil || c != ec.BrainpoolP384r1() {
			t.Errorf("parameter %d → %v, %v", p.ParameterID, c, err)
		}
	}
	if s, _ := pace.SuiteFor(si.PACE[1].Protocol); s.Mapping != pace.MappingCAM || s.Cipher != sm.CipherAES256 {
		t.Errorf("CAM suite = %+v", s)
	}
	back, _ := si.Marshal()
	if !bytes.Equal(back, der) {
		t.Errorf("Marshal = %X", back)
	}
}

// TestSecurityInfos_DG14RoundTrip builds a DG14-style SET with CA, a CA key
// (named and explicit curve), AA and an unknown protocol, and reads it back.
func TestSecurityInfos_DG14RoundTrip(t *testing.T) {
	c := ec.BrainpoolP256r1()
	k, _ := c.NewPrivateKey(big.NewInt(123456789))
	for _, explicit := range []bool{false, true} {
		in := &passport.SecurityInfos{
			ChipAuthentication:           []passport.ChipAuthenticationInfo{{Protocol: oids.CAECDHAES128, Version: 1, KeyID: 7, HasKeyID: true}},
			ChipAuthenticationPublicKeys: []passport.ChipAuthenticationPublicKeyInfo{{Protocol: oids.PKECDH, PublicKey: &k.PublicKey, ExplicitParameters: explicit, KeyID: 7, HasKeyID: true}},
			ActiveAuthentication:         []passport.ActiveAuthenticationInfo{{Protocol: oids.ActiveAuthentication, Version: 1, SignatureAlgorithm: oids.ECDSAPlainSHA256}},
			Other:                        []passport.RawSecurityInfo{{Protocol: oidTestTA, DER: testhex.Decode(t, "300F060A04007F00070202020102020101")}},
		}
		der, err := in.Marshal()
		if err != nil {
			t.Fatal(err)
		}
		out, err := passport.ParseSecurityInfos(der)
		if err != nil {
			t.Fatal(err)
		}
		if len(out.ChipAuthentication) != 1 || out.ChipAuthentication[0].KeyID != 7 || !out.ChipAuthentication[0].HasKeyID {
			t.Errorf("CA info = %+v", out.ChipAuthentication)
		}
		pk := out.ChipAuthenticationPublicKeys
		if len(pk) != 1 || pk[0].PublicKey.Curve != c || !pk[0].PublicKey.Point.Equal(k.Point) || pk[0].ExplicitParameters != explicit || pk[0].KeyID != 7 {
			t.Errorf("CA key = %+v", pk)
		}
		if len(out.ActiveAuthentication) != 1 || !out.ActiveAuthentication[0].SignatureAlgorithm.Equal(oids.ECDSAPlainSHA256) {
			t.Errorf("AA info = %+v", out.ActiveAuthentication)
		}
		if len(out.Other) != 1 || !out.Other[0].Protocol.Equal(oidTestTA) {
			t.Errorf("Other = %+v", out.Other)
		}
		again, _ := out.Marshal()
		if !bytes.Equal(again, der) {
			t.Error("second Marshal differs")
		}
	}
}

// oidTestTA is id-TA-ECDSA-SHA-1 (Terminal Authentication), which the
// package keeps raw.
var oidTestTA = append(passport.OidBSI[:len(passport.OidBSI):len(passport.OidBSI)], 2, 2, 2, 1, 2)

func TestParseSecurityInfos_RejectsMalformed(t *testing.T) {
	for name, h := range map[string]string{
		"not a set":            "3003020101",
		"trailing bytes":       "31143012060A04007F0007020204020202010202010D00",
		"PACE without version": "310E300C060A04007F00070202040202",
		"bad CA key":           "3112301006 0A04007F000702020102 3002 0500",
	} {
		if _, err := passport.ParseSecurityInfos(testhex.Decode(t, stripSpaces(h))); !errors.Is(err, passport.ErrMalformedSecurityInfos) {
			t.Errorf("%s: err = %v", name, err)
		}
	}
}

func stripSpaces(s string) string { return string(bytes.ReplaceAll([]byte(s), []byte(" "), nil)) }

func FuzzParseSecurityInfos(f *testing.F) {
	f.Add(testhex.Decode(f, "31143012060A04007F0007020204020202010202010D"))
	f.Add(testhex.Decode(f, "31283012060a04007f000702020402040201020201103012060a04007f00070202040604020102020110"))
	f.Fuzz(func(t *testing.T, b []byte) {
		si, err := passport.ParseSecurityInfos(b)
		if err != nil {
			requireSentinel(t, "ParseSecurityInfos", err, passport.ErrMalformedSecurityInfos)
			return
		}
		if _, err := si.Marshal(); err != nil {
			t.Fatalf("parsed SecurityInfos do not marshal: %v", err)
		}
		for _, p := range si.PACE {
			_ = p.String()
		}
	})
}
