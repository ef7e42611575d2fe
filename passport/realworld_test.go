package passport_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/asn1"
	"errors"
	"io"
	"math/big"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-mitid/mitid/passport"
	"github.com/go-mitid/mitid/passport/internal/ber"
	"github.com/go-mitid/mitid/passport/internal/dh"
	"github.com/go-mitid/mitid/passport/internal/ec"
	"github.com/go-mitid/mitid/passport/internal/oids"
	"github.com/go-mitid/mitid/passport/passporttest"
)

// Documents in the shapes real issuers produce that an earlier version of
// this package called malformed or not genuine.

var (
	realWorldPKIOnce sync.Once
	realWorldPKI     *passporttest.PKI
	realWorldPKIErr  error
)

// sharedRealWorldPKI is one ECDSA P-256 PKI for the tests of this file (key
// generation is the slow part of building a document).
func sharedRealWorldPKI(t testing.TB) *passporttest.PKI {
	t.Helper()
	realWorldPKIOnce.Do(func() {
		realWorldPKI, realWorldPKIErr = passporttest.NewPKI(passporttest.PKIOptions{Rand: rand.Reader, Now: fixtureNow})
	})
	if realWorldPKIErr != nil {
		t.Fatal(realWorldPKIErr)
	}
	return realWorldPKI
}

// readSynthetic builds a document with opts, serves it from a virtual chip
// and reads it whole.
func readSynthetic(t *testing.T, opts passporttest.DocumentOptions, ro passport.Options) (*passporttest.Document, *passport.Document, *passport.Evidence) {
	t.Helper()
	opts.Rand, opts.Now = rand.Reader, fixtureNow
	if opts.PKI == nil {
		opts.PKI = sharedRealWorldPKI(t)
	}
	doc, err := passporttest.NewDocument(opts)
	if err != nil {
		t.Fatal(err)
	}
	chip, err := passporttest.NewChip(doc.ChipConfig(rand.Reader))
	if err != nil {
		t.Fatal(err)
	}
	if ro.Key == nil {
		ro.Key = doc.MRZ.Key()
	}
	if ro.Trust == nil {
		ro.Trust = doc.Trust
	}
	if ro.Now == nil {
		ro.Now = func() time.Time { return fixtureNow }
	}
	got, ev, err := passport.NewReader(chip).Read(context.Background(), ro)
	if err != nil {
		t.Fatalf("Read: %v\n%s", err, ev)
	}
	return doc, got, ev
}

// TestSignerLookup_IssuerRDNOrder: a SignerInfo whose issuer lists the
// DSC issuer's RDNs in another order still finds its certificate (same
// serial number, same set of RDNs), and the whole of Passive Authentication
// runs and passes; a different serial or a different set of RDNs does not.
func TestSignerLookup_IssuerRDNOrder(t *testing.T) {
	doc, _, ev := readSynthetic(t, passporttest.DocumentOptions{SOD: passporttest.SODOptions{SignerIssuerReversed: true}}, passport.Options{})
	if !ev.Authentic() || !ev.ChipGenuine() {
		t.Fatalf("a document whose SignerInfo reorders the issuer's RDNs is not authentic:\n%s", ev)
	}
	sod, err := passport.ParseSOD(doc.SOD)
	if err != nil {
		t.Fatal(err)
	}
	si := sod.SignedData.SignerInfos[0]
	if passport.PkiNamesEqual(si.RawIssuer, doc.PKI.DSC.RawIssuer) {
		t.Fatal("the synthetic SignerInfo does not reorder the issuer; the test proves nothing")
	}
	tests := []struct {
		name   string
		change func(si *passport.SignerInfo)
		want   error
	}{
		{"same serial, same RDNs reordered", func(*passport.SignerInfo) {}, nil},
		{"another serial number", func(si *passport.SignerInfo) { si.SerialNumber = new(big.Int).Add(si.SerialNumber, big.NewInt(1)) }, passport.ErrSignerNotFound},
		{"one RDN fewer", func(si *passport.SignerInfo) { si.RawIssuer = synthDropFirstRDN(si.RawIssuer) }, passport.ErrSignerNotFound},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := *si
			tc.change(&c)
			got, err := sod.SignedData.Signer(&c)
			if !errors.Is(err, tc.want) {
				t.Fatalf("Signer: %v, want %v", err, tc.want)
			}
			if tc.want == nil && got != doc.PKI.DSC && string(got.Raw) != string(doc.PKI.DSC.Raw) {
				t.Fatal("Signer found another certificate than the DSC")
			}
		})
	}
}

// synthDropFirstRDN returns a DER Name without its first RDN.
func synthDropFirstRDN(name []byte) []byte {
	e, _ := ber.ReadAll(name)
	rdns, _ := ber.Children(e)
	var parts [][]byte
	for _, r := range rdns[1:] {
		parts = append(parts, r.Full)
	}
	return ber.DER(0x30, parts...)
}

// TestTrustStore_ReissuedCSCAPicksTheOneValidThen: a CSCA re-issued with
// the same key and a new validity sits in the master list beside the old,
// expired certificate. Passive Authentication passes whatever order the
// anchors were loaded in, picks the valid one, still fails when only the
// expired one is trusted, and still sees a CRL held under either.
func TestTrustStore_ReissuedCSCAPicksTheOneValidThen(t *testing.T) {
	pki := sharedRealWorldPKI(t)
	old, err := pki.ReissueCSCA(rand.Reader, 7, fixtureNow.AddDate(-12, 0, 0), fixtureNow.AddDate(0, 0, -1))
	if err != nil {
		t.Fatal(err)
	}
	if string(old.RawSubject) != string(pki.CSCA.RawSubject) || string(old.SubjectKeyID) != string(pki.CSCA.SubjectKeyID) {
		t.Fatal("the re-issued CSCA does not share the subject and key identifier")
	}
	ml, err := pki.MasterList(rand.Reader, fixtureNow, old)
	if err != nil {
		t.Fatal(err)
	}
	list, err := passport.VerifyMasterList(ml, pki.TrustStore(), fixtureNow)
	if err != nil {
		t.Fatal(err)
	}
	if len(list.CSCAs) != 2 {
		t.Fatalf("master list holds %d CSCAs, want 2", len(list.CSCAs))
	}
	doc, err := passporttest.NewDocument(passporttest.DocumentOptions{Rand: rand.Reader, Now: fixtureNow, PKI: pki})
	if err != nil {
		t.Fatal(err)
	}
	revokingCRL, err := pki.CRL(rand.Reader, fixtureNow, fixtureNow.AddDate(0, 0, -1), pki.DSC)
	if err != nil {
		t.Fatal(err)
	}
	crl, err := passport.ParseCRL(revokingCRL)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		anchors []*passport.Certificate
		revoke  bool
		want    error
	}{
		{"expired first", []*passport.Certificate{old, pki.CSCA}, false, nil},
		{"valid first", []*passport.Certificate{pki.CSCA, old}, false, nil},
		{"master list order", list.CSCAs, false, nil},
		{"only the expired one", []*passport.Certificate{old}, false, passport.ErrCertificateExpired},
		{"expired first, CRL revokes the DSC", []*passport.Certificate{old, pki.CSCA}, true, passport.ErrCertificateRevoked},
		{"valid first, CRL revokes the DSC", []*passport.Certificate{pki.CSCA, old}, true, passport.ErrCertificateRevoked},
	}
	t.Run("whole read, trust from the master list with the expired CSCA first", func(t *testing.T) {
		_, _, ev := readSynthetic(t, passporttest.DocumentOptions{}, passport.Options{Trust: passport.NewTrustStore(old, pki.CSCA)})
		if !ev.Authentic() || ev.Passive.CSCA == nil || string(ev.Passive.CSCA.Raw) != string(pki.CSCA.Raw) {
			t.Fatalf("not authentic through the valid CSCA:\n%s", ev)
		}
	})
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			trust := passport.NewTrustStore(tc.anchors...)
			if tc.revoke {
				if err := trust.AddCRL(crl); err != nil {
					t.Fatal(err)
				}
			}
			res, err := passport.VerifyPassive(doc.SOD, doc.DataGroups, trust, fixtureNow)
			if !errors.Is(err, tc.want) {
				t.Fatalf("VerifyPassive: %v, want %v", err, tc.want)
			}
			if tc.want == nil && string(res.CSCA.Raw) != string(pki.CSCA.Raw) {
				t.Errorf("picked the CSCA valid until %s, want the one valid now", res.CSCA.NotAfter)
			}
		})
	}
}

// TestSecurityInfos_StandardizedDomainParameters: a document whose DG14
// names the Chip Authentication key's domain parameters by a BSI TR-03110
// parameter ID reads whole — DG14 parses, its PACEInfo is there, Chip
// Authentication runs with the key — and the form survives a round trip.
func TestSecurityInfos_StandardizedDomainParameters(t *testing.T) {
	doc, got, ev := readSynthetic(t, passporttest.DocumentOptions{CAKeyStandardized: true, CACurve: ec.NISTP256()}, passport.Options{})
	requireStatus(t, ev, passport.CheckParseLDS, passport.Passed)
	requireStatus(t, ev, passport.CheckChipAuthentication, passport.Passed)
	if !ev.ChipGenuine() {
		t.Fatalf("not genuine:\n%s", ev)
	}
	si := got.DG14.SecurityInfos
	if len(si.PACE) != 1 || len(si.ChipAuthenticationPublicKeys) != 1 {
		t.Fatalf("DG14 read %d PACEInfos and %d keys", len(si.PACE), len(si.ChipAuthenticationPublicKeys))
	}
	k := si.ChipAuthenticationPublicKeys[0]
	if !k.StandardizedParameters || k.PublicKey == nil || k.PublicKey.Curve != ec.NISTP256() || !k.PublicKey.Point.Equal(doc.CAKey.Point) {
		t.Fatalf("key %+v", k)
	}
	if !bytes.Contains(k.SubjectPublicKeyInfo, ber.OIDContent(passport.OidStandardizedDomainParameters)) {
		t.Fatal("the synthetic DG14 does not use standardizedDomainParameters; the test proves nothing")
	}
	again, err := si.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	if want := doc.DataGroups[14]; !bytes.Equal(ber.EncodeTLV(0x6E, again), want) {
		t.Fatal("Marshal does not reproduce DG14")
	}
}

// TestParseSecurityInfos_KeyForms: every form of a chip authentication key
// parses to the same key, and a well-formed key this package cannot use is
// kept with KeyError instead of failing the whole SecurityInfos.
func TestParseSecurityInfos_KeyForms(t *testing.T) {
	ec, _ := ec.BrainpoolP256r1().GenerateKey(rand.Reader)
	grp, _ := dh.StandardGroup(2)
	dh, _ := grp.GenerateKey(rand.Reader)
	pace := passport.PACEInfo{Protocol: oids.PACEECDHGMAES128, Version: 2, ParameterID: 13, HasParameterID: true}
	tests := []struct {
		name string
		key  passport.ChipAuthenticationPublicKeyInfo
	}{
		{"EC named curve", passport.ChipAuthenticationPublicKeyInfo{Protocol: oids.PKECDH, PublicKey: &ec.PublicKey}},
		{"EC explicit parameters", passport.ChipAuthenticationPublicKeyInfo{Protocol: oids.PKECDH, PublicKey: &ec.PublicKey, ExplicitParameters: true}},
		{"EC standardized parameter ID", passport.ChipAuthenticationPublicKeyInfo{Protocol: oids.PKECDH, PublicKey: &ec.PublicKey, StandardizedParameters: true}},
		{"DH standardized parameter ID", passport.ChipAuthenticationPublicKeyInfo{Protocol: oids.PKDH, DHPublicKey: &dh.PublicKey, StandardizedParameters: true}},
		{"DH dhpublicnumber", passport.ChipAuthenticationPublicKeyInfo{Protocol: oids.PKDH, DHPublicKey: &dh.PublicKey, ExplicitParameters: true}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			der, err := (&passport.SecurityInfos{PACE: []passport.PACEInfo{pace}, ChipAuthenticationPublicKeys: []passport.ChipAuthenticationPublicKeyInfo{tc.key}}).Marshal()
			if err != nil {
				t.Fatal(err)
			}
			si, err := passport.ParseSecurityInfos(der)
			if err != nil {
				t.Fatal(err)
			}
			k := si.ChipAuthenticationPublicKeys[0]
			if len(si.PACE) != 1 || k.KeyError != nil || k.ExplicitParameters != tc.key.ExplicitParameters || k.StandardizedParameters != tc.key.StandardizedParameters {
				t.Fatalf("parsed %+v", k)
			}
			switch {
			case tc.key.PublicKey != nil && (k.PublicKey == nil || !k.PublicKey.Point.Equal(ec.Point) || k.PublicKey.Curve != ec.Curve):
				t.Fatal("EC key differs")
			case tc.key.DHPublicKey != nil && (k.DHPublicKey == nil || k.DHPublicKey.Group != grp || k.DHPublicKey.Y.Cmp(dh.Y) != 0):
				t.Fatal("DH key differs")
			}
		})
	}
	t.Run("unknown parameter ID is kept with KeyError", func(t *testing.T) {
		id, _ := asn1.Marshal(31)
		point := ec.Curve.Marshal(ec.Point)
		spki, _ := asn1.Marshal(passport.SubjectPublicKeyInfo{
			Algorithm: passport.AlgorithmIdentifier{Algorithm: passport.OidStandardizedDomainParameters, Parameters: asn1.RawValue{FullBytes: id}},
			PublicKey: asn1.BitString{Bytes: point, BitLength: 8 * len(point)}})
		der, err := (&passport.SecurityInfos{PACE: []passport.PACEInfo{pace}, ChipAuthenticationPublicKeys: []passport.ChipAuthenticationPublicKeyInfo{
			{Protocol: oids.PKECDH, SubjectPublicKeyInfo: spki}}}).Marshal()
		if err != nil {
			t.Fatal(err)
		}
		si, err := passport.ParseSecurityInfos(der)
		if err != nil {
			t.Fatal(err)
		}
		if len(si.PACE) != 1 || !errors.Is(si.ChipAuthenticationPublicKeys[0].KeyError, passport.ErrUnsupportedCurve) {
			t.Fatalf("parsed %+v", si.ChipAuthenticationPublicKeys)
		}
	})
}

// TestReader_PACECAMKeyInCardSecurity: a chip whose PACE-CAM key is in
// EF.CardSecurity (and not in DG14, which holds the Chip Authentication
// key) is genuine by PACE-CAM; when EF.CardSecurity fails Passive
// Authentication its key is not used, PACE-CAM is reported failed, and
// Chip Authentication with the DG14 key runs instead.
func TestReader_PACECAMKeyInCardSecurity(t *testing.T) {
	tests := []struct {
		name         string
		opts         passporttest.DocumentOptions
		cardSecurity passport.CheckStatus
		csErr        error
		cam          passport.CheckStatus
		ca           passport.CheckStatus
		keyFile      string
		genuine      bool
	}{
		{"key in EF.CardSecurity", passporttest.DocumentOptions{PACECAM: true}, passport.Passed, nil, passport.Passed, passport.Skipped, "EF.CardSecurity", true},
		{"EF.CardSecurity altered, Chip Authentication with DG14", passporttest.DocumentOptions{PACECAM: true, ChangeCardSecurity: true},
			passport.Failed, passport.ErrSignatureInvalid, passport.Failed, passport.Passed, "", true},
		{"EF.CardSecurity altered, no DG14 key, no AA", passporttest.DocumentOptions{PACECAM: true, ChangeCardSecurity: true,
			NoChipAuthentication: true, AAKeyType: passporttest.AANone}, passport.Failed, passport.ErrSignatureInvalid, passport.Failed, passport.Skipped, "", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			doc, got, ev := readSynthetic(t, tc.opts, passport.Options{})
			if ev.PACE == nil || !ev.PACE.Protocol.Equal(oids.PACEECDHCAMAES128) {
				t.Fatalf("PACE-CAM did not run:\n%s", ev)
			}
			c := requireStatus(t, ev, passport.CheckCardSecurity, tc.cardSecurity)
			if !errors.Is(c.Err, tc.csErr) {
				t.Errorf("EF.CardSecurity error %v, want %v", c.Err, tc.csErr)
			}
			if c := requireStatus(t, ev, passport.CheckPACECAM, tc.cam); tc.cam == passport.Failed && !errors.Is(c.Err, passport.ErrAuthenticationFailed) {
				t.Errorf("PACE-CAM error %v", c.Err)
			}
			requireStatus(t, ev, passport.CheckChipAuthentication, tc.ca)
			if ev.CAMKeyFile != tc.keyFile {
				t.Errorf("CAMKeyFile %q, want %q", ev.CAMKeyFile, tc.keyFile)
			}
			if ev.ChipGenuine() != tc.genuine || !ev.Authentic() {
				t.Errorf("ChipGenuine %v (want %v), Authentic %v\n%s", ev.ChipGenuine(), tc.genuine, ev.Authentic(), ev)
			}
			if string(got.RawCardSecurity) != string(doc.CardSecurity) {
				t.Error("EF.CardSecurity not kept in the Document")
			}
			if got.DG14 != nil && len(got.DG14.SecurityInfos.KeysOnCurve(ec.BrainpoolP256r1())) > 0 &&
				got.DG14.SecurityInfos.KeysOnCurve(ec.BrainpoolP256r1())[0].Point.Equal(doc.CAMKey.Point) {
				t.Fatal("DG14 holds the PACE-CAM key; the test proves nothing")
			}
		})
	}
}

// TestVerifyPassive_ExternalSigner: an EF.SOD without its document signer
// certificate passes Passive Authentication with the DSC given from
// outside (as from the ICAO PKD), through VerifyPassiveWith and the Reader;
// the external certificate must be the one the SignerInfo names, must
// verify the signature and must chain to a trusted CSCA.
func TestVerifyPassive_ExternalSigner(t *testing.T) {
	pki := sharedRealWorldPKI(t)
	doc, err := passporttest.NewDocument(passporttest.DocumentOptions{Rand: rand.Reader, Now: fixtureNow, PKI: pki,
		SOD: passporttest.SODOptions{OmitSignerCertificate: true}})
	if err != nil {
		t.Fatal(err)
	}
	sod, err := passport.ParseSOD(doc.SOD)
	if err != nil || len(sod.SignedData.Certificates) != 0 {
		t.Fatalf("the synthetic EF.SOD carries its certificate (%v); the test proves nothing", err)
	}
	other, err := passporttest.NewPKI(passporttest.PKIOptions{Rand: rand.Reader, Now: fixtureNow, Country: "XX"})
	if err != nil {
		t.Fatal(err)
	}
	// A certificate with the DSC's issuer and serial number, signed by the
	// CSCA, for another key: it chains, but cannot verify EF.SOD.
	otherKey, _ := passporttest.ECDSAP256.GenerateKey(rand.Reader)
	impostor, err := passporttest.CreateCertificate(rand.Reader, passporttest.CertificateTemplate{Serial: pki.DSC.SerialNumber.Int64(), Subject: pki.DSC.Subject,
		NotBefore: pki.DSC.NotBefore, NotAfter: pki.DSC.NotAfter, KeyUsage: pki.DSC.KeyUsage}, otherKey.Public(), pki.CSCA, pki.CSCAKey, pki.Algorithm)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name   string
		signer *passport.Certificate
		trust  *passport.TrustStore
		want   error
		check  passport.PassiveCheck
	}{
		{"external DSC", pki.DSC, pki.TrustStore(), nil, ""},
		{"no DSC at all", nil, pki.TrustStore(), passport.ErrSignerNotFound, passport.PACheckSignerPresent},
		{"another PKI's DSC", other.DSC, pki.TrustStore(), passport.ErrSignerNotFound, passport.PACheckSignerPresent},
		{"same name and serial, another key", impostor, pki.TrustStore(), passport.ErrSignatureInvalid, passport.PACheckSODSignature},
		{"external DSC, CSCA not trusted", pki.DSC, other.TrustStore(), passport.ErrUntrustedSigner, passport.PACheckSignerTrusted},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			res, err := passport.VerifyPassiveWith(doc.SOD, doc.DataGroups, passport.PassiveOptions{Trust: tc.trust, At: fixtureNow, Signer: tc.signer})
			if !errors.Is(err, tc.want) {
				t.Fatalf("VerifyPassiveWith: %v, want %v", err, tc.want)
			}
			if tc.want != nil {
				if c, ok := res.Check(tc.check); !ok || c.Passed() {
					t.Errorf("check %q: %+v", tc.check, c)
				}
				return
			}
			if !res.OK() || res.DSC != tc.signer {
				t.Errorf("OK %v, DSC %v", res.OK(), res.DSC)
			}
		})
	}
	t.Run("Reader with Options.Signer", func(t *testing.T) {
		chip, err := passporttest.NewChip(doc.ChipConfig(rand.Reader))
		if err != nil {
			t.Fatal(err)
		}
		_, ev, err := passport.NewReader(chip).Read(context.Background(), passport.Options{Key: doc.MRZ.Key(), Trust: doc.Trust,
			Signer: pki.DSC, Now: func() time.Time { return fixtureNow }})
		if err != nil || !ev.Authentic() || !ev.ChipGenuine() {
			t.Fatalf("Read: %v\n%s", err, ev)
		}
	})
}

// TestEvidence_ErrorsNameFileStepAndWhy: each failure in the evidence
// names the file, the step that failed (as failed, not in words of
// success) and the cause, and keeps its sentinel for errors.Is.
func TestEvidence_ErrorsNameFileStepAndWhy(t *testing.T) {
	_, _, ev := readSynthetic(t, passporttest.DocumentOptions{PACECAM: true, ChangeCardSecurity: true, ChangeDataGroup: 2}, passport.Options{})
	tests := []struct {
		check passport.CheckName
		want  []string
		is    error
	}{
		{passport.CheckCardSecurity, []string{"EF.CardSecurity: check failed: " + string(passport.PACheckSODSignature), "CMS check failed", "signature invalid"}, passport.ErrSignatureInvalid},
		{passport.CheckPACECAM, []string{"EF.CardSecurity (not used: it failed Passive Authentication)", "DG14", "brainpoolP256r1"}, passport.ErrAuthenticationFailed},
		{passport.CheckPassiveAuthentication, []string{"EF.SOD: check failed: " + string(passport.PACheckDataGroups), "DG2", "hash does not match"}, passport.ErrDataGroupHashMismatch},
	}
	for _, tc := range tests {
		t.Run(string(tc.check), func(t *testing.T) {
			c := requireStatus(t, ev, tc.check, passport.Failed)
			for _, w := range tc.want {
				if !strings.Contains(c.Err.Error(), w) {
					t.Errorf("%q does not say %q", c.Err, w)
				}
			}
			if !errors.Is(c.Err, tc.is) {
				t.Errorf("%v is not %v", c.Err, tc.is)
			}
		})
	}
	if c := requireStatus(t, ev, passport.CheckChipAuthentication, passport.Passed); !strings.Contains(c.Detail, "id-CA-ECDH-AES-CBC-CMAC-128") ||
		!strings.Contains(c.Detail, "after PACE-CAM did not authenticate the chip") {
		t.Errorf("Chip Authentication detail %q", c.Detail)
	}
	var pce *passport.PassiveCheckError
	if !errors.As(ev.Err(), &pce) || pce.File == "" {
		t.Errorf("Evidence.Err does not carry a *PassiveCheckError: %v", ev.Err())
	}
}

// TestEvidence_ChipGenuineNeedsTheCAMKeyVouched: PACE-CAM makes the chip
// genuine only when the file its key came from passed Passive
// Authentication.
func TestEvidence_ChipGenuineNeedsTheCAMKeyVouched(t *testing.T) {
	ok := &passport.PassiveResult{Checks: []passport.CheckResult{{Check: passport.PACheckSODSignature}}}
	bad := &passport.PassiveResult{Checks: []passport.CheckResult{{Check: passport.PACheckSODSignature, Err: passport.ErrSignatureInvalid}}}
	sod := func(dg14 error) *passport.PassiveResult {
		return &passport.PassiveResult{Checks: []passport.CheckResult{{Check: passport.PACheckDataGroups, Err: dg14}}, DataGroups: []passport.DataGroupResult{{DataGroup: 14, Err: dg14}}}
	}
	tests := []struct {
		name    string
		keyFile string
		cs      *passport.PassiveResult
		passive *passport.PassiveResult
		want    bool
	}{
		{"EF.CardSecurity key, EF.CardSecurity verified", passport.FileNameCardSecurity, ok, sod(nil), true},
		{"EF.CardSecurity key, EF.CardSecurity not verified", passport.FileNameCardSecurity, bad, sod(nil), false},
		{"EF.CardSecurity key, EF.CardSecurity not read", passport.FileNameCardSecurity, nil, sod(nil), false},
		{"DG14 key, DG14 vouched", "DG14", nil, sod(nil), true},
		{"DG14 key, DG14 altered", "DG14", ok, sod(passport.ErrDataGroupHashMismatch), false},
		{"no key file", "", ok, sod(nil), false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ev := &passport.Evidence{CAMKeyFile: tc.keyFile, CardSecurity: tc.cs, Passive: tc.passive}
			ev.Pass(passport.CheckPACECAM, "")
			if tc.passive.OK() {
				ev.Pass(passport.CheckPassiveAuthentication, "")
			} else {
				ev.Fail(passport.CheckPassiveAuthentication, "", tc.passive.Err())
			}
			if got := ev.ChipGenuine(); got != tc.want {
				t.Errorf("ChipGenuine %v, want %v", got, tc.want)
			}
		})
	}
}

func randReader() io.Reader { return rand.Reader }

// TestTrustStore_ReissuedCSCAConcurrent: many goroutines verify documents
// against one store holding a CSCA and its re-issue, while others add the
// anchors again and a CRL: every verdict is the same, and -race is quiet.
func TestTrustStore_ReissuedCSCAConcurrent(t *testing.T) {
	pki := sharedRealWorldPKI(t)
	old, err := pki.ReissueCSCA(rand.Reader, 8, fixtureNow.AddDate(-12, 0, 0), fixtureNow.AddDate(0, 0, -1))
	if err != nil {
		t.Fatal(err)
	}
	doc, err := passporttest.NewDocument(passporttest.DocumentOptions{Rand: rand.Reader, Now: fixtureNow, PKI: pki, AAKeyType: passporttest.AANone})
	if err != nil {
		t.Fatal(err)
	}
	emptyCRL, err := pki.CRL(rand.Reader, fixtureNow, fixtureNow)
	if err != nil {
		t.Fatal(err)
	}
	crl, _ := passport.ParseCRL(emptyCRL)
	trust := passport.NewTrustStore(old, pki.CSCA)
	var wg sync.WaitGroup
	errs := make(chan error, 64)
	for i := range 32 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if i%8 == 0 {
				trust.Add(pki.CSCA, old)
				if err := trust.AddCRL(crl); err != nil {
					errs <- err
				}
			}
			res, err := passport.VerifyPassive(doc.SOD, doc.DataGroups, trust, fixtureNow)
			if err != nil {
				errs <- err
				return
			}
			if string(res.CSCA.Raw) != string(pki.CSCA.Raw) {
				errs <- errors.New("picked the expired CSCA")
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}
