package passport

import (
	"bytes"
	"context"
	"crypto/rand"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/go-mitid/mitid/passport/internal/dh"
	"github.com/go-mitid/mitid/passport/internal/ec"
)

// Fuzz targets for the parsers of issue 14: EF.CardSecurity, the three
// forms of chip authentication keys, RDN-set name comparison, and both
// sides of PACE with DH and Integrated Mapping. Seeds are checked in under
// testdata/fuzz (regenerate with MITID_WRITE_FUZZ_SEEDS=1 go test -run TestWriteFuzzSeeds).

func FuzzParseCardSecurity(f *testing.F) {
	f.Add([]byte{0x30, 0x00})
	f.Fuzz(func(t *testing.T, b []byte) {
		cs, err := ParseCardSecurity(b)
		if err != nil {
			return
		}
		if _, err := cs.SecurityInfos.Marshal(); err != nil {
			t.Fatalf("parsed SecurityInfos do not marshal: %v", err)
		}
		// Verification must not panic either, whatever the content.
		if _, _, err := VerifyCardSecurity(b, PassiveOptions{At: fixtureNow}); err == nil {
			t.Fatal("EF.CardSecurity verified against an empty trust store")
		}
	})
}

func FuzzParseAgreementKey(f *testing.F) {
	f.Add([]byte{0x30, 0x03, 0x30, 0x01, 0x00})
	f.Fuzz(func(t *testing.T, b []byte) {
		k, err := parseAgreementKey(b)
		if err != nil {
			return
		}
		again, err := k.marshal()
		if err != nil {
			t.Fatalf("a parsed key does not marshal: %v", err)
		}
		k2, err := parseAgreementKey(again)
		if err != nil {
			t.Fatalf("a marshalled key does not parse: %v", err)
		}
		switch {
		case k.ec != nil && (k2.ec == nil || k2.ec.Curve != k.ec.Curve || !k2.ec.Point.Equal(k.ec.Point)):
			t.Fatal("EC key changed in a round trip")
		case k.dh != nil && (k2.dh == nil || k2.dh.Group != k.dh.Group || k2.dh.Y.Cmp(k.dh.Y) != 0):
			t.Fatal("DH key changed in a round trip")
		}
	})
}

func FuzzNamesSameRDNs(f *testing.F) {
	f.Add(mustHex(f, "3027310B3009060355040613025554311830160603550403130F43534341205554"),
		mustHex(f, "3027311830160603550403130F43534341205554310B300906035504061302555"+"4"))
	f.Fuzz(func(t *testing.T, a, b []byte) {
		if pkiNamesSameRDNs(a, b) != pkiNamesSameRDNs(b, a) {
			t.Fatal("not symmetric")
		}
		if _, ok := pkiRDNKeys(a); ok && !pkiNamesSameRDNs(a, a) {
			t.Fatal("not reflexive")
		}
	})
}

// FuzzPACEChipAnswers runs the terminal's PACE (DH generic mapping, ECDH
// and DH Integrated Mapping) against arbitrary chip answers: it must fail
// cleanly, never panic, and never start secure messaging on garbage.
func FuzzPACEChipAnswers(f *testing.F) {
	for i := range appendixG2 {
		f.Add(uint8(0), mustHex(f, appendixG2[i].resp))
	}
	f.Add(uint8(1), mustHex(f, "7C128010143DC40C08C8E891FBED7DEDB92B64AD9000"))
	f.Add(uint8(2), mustHex(f, "7C0090009000"))
	infos := []PACEInfo{
		{Protocol: OIDPACEDHGMAES128, Version: 2, ParameterID: 0, HasParameterID: true},
		{Protocol: OIDPACEECDHIMAES128, Version: 2, ParameterID: 13, HasParameterID: true},
		{Protocol: OIDPACEDHIMAES128, Version: 2, ParameterID: 0, HasParameterID: true},
	}
	f.Fuzz(func(t *testing.T, which uint8, answers []byte) {
		info := infos[int(which)%len(infos)]
		// Every answer is the whole input: 9000 first, then the fuzzed bytes.
		n := 0
		chip := TransceiverFunc(func(context.Context, []byte) ([]byte, error) {
			n++
			if n == 1 {
				return []byte{0x90, 0x00}, nil
			}
			return answers, nil
		})
		s := NewSession(chip, &SessionOptions{Rand: rand.Reader})
		if _, err := s.PACE(context.Background(), appendixG1Key, info); err == nil {
			t.Fatal("PACE succeeded against a chip that repeats one answer")
		}
		if s.SecureMessaging() != "" {
			t.Fatal("secure messaging started after a failed PACE")
		}
	})
}

// FuzzVirtualChipPACE sends arbitrary GENERAL AUTHENTICATE sequences to a
// chip offering DH generic mapping and ECDH and DH Integrated Mapping: the
// chip answers each with a status word and never grants access to garbage.
func FuzzVirtualChipPACE(f *testing.F) {
	seq := func(hexAPDUs ...string) []byte { return apduScript(f, hexAPDUs...) }
	f.Add(seq(appendixG2[0].cmd, appendixG2[1].cmd))
	f.Add(seq("0022C1A40F800A04007F00070202040402830101", "10860000027C0000", "10860000127C10811000112233445566778899AABBCCDDEEFF00"))
	f.Add(seq("0022C1A40F800A04007F00070202040302830101", "10860000027C0000", "10860000127C10811000112233445566778899AABBCCDDEEFF00"))
	cardAccess, err := (&SecurityInfos{PACE: []PACEInfo{
		{Protocol: OIDPACEDHGMAES128, Version: 2, ParameterID: 0, HasParameterID: true},
		{Protocol: OIDPACEECDHIMAES128, Version: 2, ParameterID: 13, HasParameterID: true},
		{Protocol: OIDPACEDHIMAES128, Version: 2, ParameterID: 0, HasParameterID: true},
	}}).Marshal()
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, script []byte) {
		chip, err := NewVirtualChip(VirtualChipConfig{
			Files:      map[uint16][]byte{FileCOM: mustHex(t, "60145F0104303130365F36063034303030305C026175")},
			CardAccess: cardAccess,
			Key:        appendixG1Key,
			DisableBAC: true,
		})
		if err != nil {
			t.Fatal(err)
		}
		playScript(t, chip, script, 8)
		chip.mu.Lock()
		defer chip.mu.Unlock()
		if chip.access {
			t.Fatal("a fuzzed script opened the chip without the password")
		}
	})
}

// TestWriteFuzzSeeds writes the seed corpus of the targets above from
// synthetic documents (run with MITID_WRITE_FUZZ_SEEDS=1).
func TestWriteFuzzSeeds(t *testing.T) {
	if os.Getenv("MITID_WRITE_FUZZ_SEEDS") == "" {
		t.Skip("set MITID_WRITE_FUZZ_SEEDS=1 to rewrite testdata/fuzz seeds")
	}
	doc, err := NewSyntheticDocument(SyntheticDocumentOptions{Rand: rand.Reader, Now: fixtureNow, PACECAM: true})
	if err != nil {
		t.Fatal(err)
	}
	write := func(target string, i int, args ...any) {
		var b bytes.Buffer
		b.WriteString("go test fuzz v1\n")
		for _, a := range args {
			switch v := a.(type) {
			case []byte:
				fmt.Fprintf(&b, "[]byte(%q)\n", v)
			case uint8:
				fmt.Fprintf(&b, "byte(%q)\n", v)
			}
		}
		dir := filepath.Join("testdata", "fuzz", target)
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("seed%d", i)), b.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("FuzzParseCardSecurity", 0, doc.CardSecurity)
	cs, err := ParseCardSecurity(doc.CardSecurity)
	if err != nil {
		t.Fatal(err)
	}
	write("FuzzParseCardSecurity", 1, cs.SignedData.EContent)

	eck, _ := ec.BrainpoolP256r1().GenerateKey(rand.Reader)
	grp, _ := dh.StandardDHGroup(0)
	dhk, _ := grp.GenerateKey(rand.Reader)
	for i, k := range []agreementKey{{ec: &eck.ECPublicKey}, {ec: &eck.ECPublicKey, explicit: true}, {ec: &eck.ECPublicKey, standardized: true},
		{dh: &dhk.DHPublicKey, standardized: true}, {dh: &dhk.DHPublicKey, explicit: true}} {
		der, err := k.marshal()
		if err != nil {
			t.Fatal(err)
		}
		write("FuzzParseAgreementKey", i, der)
	}
	bp := ec.BrainpoolP256r1()
	g2 := bp.Double(bp.G())
	unnamed, err := ec.NewCurve(bp.P(), bp.A(), bp.B(), g2.X, g2.Y, bp.N(), 1)
	if err != nil {
		t.Fatal(err)
	}
	withCustom, err := (&SecurityInfos{PACE: []PACEInfo{{Protocol: OIDPACEECDHIMAES128, Version: 2, ParameterID: 32, HasParameterID: true}},
		PACEDomainParameters: []PACEDomainParameterInfo{{Protocol: OIDPACEECDHIMAES128[:10], Curve: unnamed, ParameterID: 32, HasParameterID: true}}}).Marshal()
	if err != nil {
		t.Fatal(err)
	}
	write("FuzzParseSecurityInfos", 2, withCustom)
	name := doc.PKI.DSC.RawIssuer
	write("FuzzNamesSameRDNs", 0, name, synthReverseRDNs(name))
	write("FuzzNamesSameRDNs", 1, name, synthDropFirstRDN(name))
	for i, e := range appendixG2 {
		write("FuzzPACEChipAnswers", i, uint8(0), mustHex(t, e.resp))
	}
	write("FuzzVirtualChipPACE", 0, apduScript(t, appendixG2[0].cmd, appendixG2[1].cmd, appendixG2[2].cmd, appendixG2[3].cmd))
}
