package passport_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/go-mitid/mitid/passport"
	"github.com/go-mitid/mitid/passport/internal/dh"
	"github.com/go-mitid/mitid/passport/internal/ec"
	"github.com/go-mitid/mitid/passport/internal/oids"
	"github.com/go-mitid/mitid/passport/internal/testhex"
	"github.com/go-mitid/mitid/passport/passporttest"
)

// Fuzz targets for the parsers documents in the wild exercise: EF.CardSecurity, the three
// forms of chip authentication keys, RDN-set name comparison, and both
// sides of PACE with DH and Integrated Mapping. Seeds are checked in under
// testdata/fuzz (regenerate with MITID_WRITE_FUZZ_SEEDS=1 go test -run TestWriteFuzzSeeds).

func FuzzParseCardSecurity(f *testing.F) {
	f.Add([]byte{0x30, 0x00})
	f.Fuzz(func(t *testing.T, b []byte) {
		cs, err := passport.ParseCardSecurity(b)
		if err != nil {
			requireSentinel(t, "ParseCardSecurity", err, passport.ErrMalformedCardSecurity)
			return
		}
		if _, err := cs.SecurityInfos.Marshal(); err != nil {
			t.Fatalf("parsed SecurityInfos do not marshal: %v", err)
		}
		// Verification must not panic either, whatever the content.
		if _, _, err := passport.VerifyCardSecurity(b, passport.PassiveOptions{At: fixtureNow}); err == nil {
			t.Fatal("EF.CardSecurity verified against an empty trust store")
		}
	})
}

// FuzzParseAgreementKey: a chip authentication or PACE key is refused as no
// SubjectPublicKeyInfo (ErrMalformedSPKI, which fails the whole
// SecurityInfos) or as a key this package cannot use (ErrUnsupportedCurve,
// ErrInvalidPoint, ErrInvalidDHKey, which the SecurityInfos keep as the
// key's KeyError), never both; what parses marshals back to the same key.
func FuzzParseAgreementKey(f *testing.F) {
	f.Add([]byte{0x30, 0x03, 0x30, 0x01, 0x00})
	f.Fuzz(func(t *testing.T, b []byte) {
		k, err := passport.ParseAgreementKey(b)
		if err != nil {
			unusable := errors.Is(err, passport.ErrUnsupportedCurve) || errors.Is(err, passport.ErrInvalidPoint) || errors.Is(err, passport.ErrInvalidDHKey)
			if errors.Is(err, passport.ErrMalformedSPKI) == unusable {
				t.Fatalf("error %q is malformed %v, unusable %v", err, !unusable, unusable)
			}
			return
		}
		again, err := k.Marshal()
		if err != nil {
			t.Fatalf("a parsed key does not marshal: %v", err)
		}
		k2, err := passport.ParseAgreementKey(again)
		if err != nil {
			t.Fatalf("a marshalled key does not parse: %v", err)
		}
		switch {
		case k.EC() != nil && (k2.EC() == nil || k2.EC().Curve != k.EC().Curve || !k2.EC().Point.Equal(k.EC().Point)):
			t.Fatal("EC key changed in a round trip")
		case k.DH() != nil && (k2.DH() == nil || k2.DH().Group != k.DH().Group || k2.DH().Y.Cmp(k.DH().Y) != 0):
			t.Fatal("DH key changed in a round trip")
		}
	})
}

func FuzzNamesSameRDNs(f *testing.F) {
	f.Add(testhex.Decode(f, "3027310B3009060355040613025554311830160603550403130F43534341205554"),
		testhex.Decode(f, "3027311830160603550403130F43534341205554310B300906035504061302555"+"4"))
	f.Fuzz(func(t *testing.T, a, b []byte) {
		if passport.PkiNamesSameRDNs(a, b) != passport.PkiNamesSameRDNs(b, a) {
			t.Fatal("not symmetric")
		}
		if _, ok := passport.PkiRDNKeys(a); ok && !passport.PkiNamesSameRDNs(a, a) {
			t.Fatal("not reflexive")
		}
	})
}

// FuzzPACEChipAnswers runs the terminal's PACE (DH generic mapping, ECDH
// and DH Integrated Mapping) against arbitrary chip answers: it must fail
// cleanly, never panic, and never start secure messaging on garbage.
func FuzzPACEChipAnswers(f *testing.F) {
	for i := range appendixG2 {
		f.Add(uint8(0), testhex.Decode(f, appendixG2[i].resp))
	}
	f.Add(uint8(1), testhex.Decode(f, "7C128010143DC40C08C8E891FBED7DEDB92B64AD9000"))
	f.Add(uint8(2), testhex.Decode(f, "7C0090009000"))
	infos := []passport.PACEInfo{
		{Protocol: oids.PACEDHGMAES128, Version: 2, ParameterID: 0, HasParameterID: true},
		{Protocol: oids.PACEECDHIMAES128, Version: 2, ParameterID: 13, HasParameterID: true},
		{Protocol: oids.PACEDHIMAES128, Version: 2, ParameterID: 0, HasParameterID: true},
	}
	f.Fuzz(func(t *testing.T, which uint8, answers []byte) {
		info := infos[int(which)%len(infos)]
		// Every answer is the whole input: 9000 first, then the fuzzed bytes.
		n := 0
		chip := passport.TransceiverFunc(func(context.Context, []byte) ([]byte, error) {
			n++
			if n == 1 {
				return []byte{0x90, 0x00}, nil
			}
			return answers, nil
		})
		s := passport.NewSession(chip, &passport.SessionOptions{Rand: rand.Reader})
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
	cardAccess, err := (&passport.SecurityInfos{PACE: []passport.PACEInfo{
		{Protocol: oids.PACEDHGMAES128, Version: 2, ParameterID: 0, HasParameterID: true},
		{Protocol: oids.PACEECDHIMAES128, Version: 2, ParameterID: 13, HasParameterID: true},
		{Protocol: oids.PACEDHIMAES128, Version: 2, ParameterID: 0, HasParameterID: true},
	}}).Marshal()
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, script []byte) {
		chip, err := passporttest.NewChip(passporttest.ChipConfig{
			Files:      map[uint16][]byte{passport.FileCOM: testhex.Decode(t, "60145F0104303130365F36063034303030305C026175")},
			CardAccess: cardAccess,
			Key:        appendixG1Key,
			DisableBAC: true,
		})
		if err != nil {
			t.Fatal(err)
		}
		playScript(t, chip, script, 8)
		if chip.Opened() {
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
	doc, err := passporttest.NewDocument(passporttest.DocumentOptions{Rand: rand.Reader, Now: fixtureNow, PACECAM: true})
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
		if err := os.MkdirAll(dir, 0o755); err != nil { //nolint:gosec // G301: a seed corpus checked into the repository, readable like the rest of it
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("seed%d", i)), b.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("FuzzParseCardSecurity", 0, doc.CardSecurity)
	cs, err := passport.ParseCardSecurity(doc.CardSecurity)
	if err != nil {
		t.Fatal(err)
	}
	write("FuzzParseCardSecurity", 1, cs.SignedData.EContent)

	eck, _ := ec.BrainpoolP256r1().GenerateKey(rand.Reader)
	grp, _ := dh.StandardGroup(0)
	dhk, _ := grp.GenerateKey(rand.Reader)
	for i, k := range []passport.AgreementKey{passport.NewAgreementKey(&eck.PublicKey, nil, false, false),
		passport.NewAgreementKey(&eck.PublicKey, nil, true, false), passport.NewAgreementKey(&eck.PublicKey, nil, false, true),
		passport.NewAgreementKey(nil, &dhk.PublicKey, false, true), passport.NewAgreementKey(nil, &dhk.PublicKey, true, false)} {
		der, err := k.Marshal()
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
	withCustom, err := (&passport.SecurityInfos{PACE: []passport.PACEInfo{{Protocol: oids.PACEECDHIMAES128, Version: 2, ParameterID: 32, HasParameterID: true}},
		PACEDomainParameters: []passport.PACEDomainParameterInfo{{Protocol: oids.PACEECDHIMAES128[:10], Curve: unnamed, ParameterID: 32, HasParameterID: true}}}).Marshal()
	if err != nil {
		t.Fatal(err)
	}
	write("FuzzParseSecurityInfos", 2, withCustom)
	name := doc.PKI.DSC.RawIssuer
	write("FuzzNamesSameRDNs", 0, name, passporttest.ReverseRDNs(name))
	write("FuzzNamesSameRDNs", 1, name, synthDropFirstRDN(name))
	for i, e := range appendixG2 {
		write("FuzzPACEChipAnswers", i, uint8(0), testhex.Decode(t, e.resp))
	}
	write("FuzzVirtualChipPACE", 0, apduScript(t, appendixG2[0].cmd, appendixG2[1].cmd, appendixG2[2].cmd, appendixG2[3].cmd))
}
