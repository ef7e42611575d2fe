package passport

import (
	"bytes"
	"crypto/x509"
	"encoding/asn1"
	"errors"
	"testing"
)

func TestVerifyMasterList_LoadsTrustForPassiveAuthentication(t *testing.T) {
	p := pkiTestPKI(t, SyntheticECDSAP256)
	q := pkiTestPKI(t, SyntheticECDSABrainpoolP256)
	r := pkiTestPKI(t, SyntheticRSA)
	der, err := p.MasterList(pkiTestRand(1), pkiTestNow, q.CSCA, r.CSCA)
	if err != nil {
		t.Fatal(err)
	}
	ml, err := VerifyMasterList(der, p.TrustStore(), pkiTestNow)
	if err != nil {
		t.Fatalf("VerifyMasterList: %v", err)
	}
	if len(ml.CSCAs) != 3 || len(ml.Rejected) != 0 || ml.Signer == nil || ml.Version != 0 {
		t.Fatalf("master list: %d CSCAs, %d rejected, signer %v", len(ml.CSCAs), len(ml.Rejected), ml.Signer)
	}
	store := NewTrustStore(ml.CSCAs...)
	for _, pki := range []*SyntheticPKI{p, q, r} {
		dgs := pkiTestDataGroups()
		sod := pkiSignSOD(t, pki, dgs, SODOptions{})
		if _, err := VerifyPassive(sod, dgs, store, pkiTestNow); err != nil {
			t.Errorf("%v document against the master list's trust: %v", pki.Algorithm, err)
		}
	}
}

func TestVerifyMasterList_Rejects(t *testing.T) {
	p := pkiTestPKI(t, SyntheticECDSAP256)
	q := pkiTestPKI(t, SyntheticECDSABrainpoolP256)
	good, err := p.MasterList(pkiTestRand(1), pkiTestNow, q.CSCA)
	if err != nil {
		t.Fatal(err)
	}
	// A list signed by the DSC, which lacks the master-list-signing EKU.
	enc := func(v any) []byte { b, _ := asn1.Marshal(v); return b }
	content := derTLV(0x30, enc(0), derTLV(0x31, p.CSCA.Raw))
	byDSC, err := synthSignedData(pkiTestRand(2), OIDCSCAMasterList, content, p.DSC, p.DSCKey, p.Algorithm, pkiTestNow, false)
	if err != nil {
		t.Fatal(err)
	}
	// Another issuer's CSCA substituted in the signed list.
	tampered := bytes.Replace(good, q.CSCA.Raw[20:60], make([]byte, 40), 1)
	// An SOD is CMS but not a master list.
	sod := pkiSignSOD(t, p, pkiTestDataGroups(), SODOptions{})
	sodCI, _ := berReadAll(sod)

	cases := []struct {
		name     string
		der      []byte
		anchors  *TrustStore
		sentinel error
	}{
		{"anchors that did not issue the signer", good, q.TrustStore(), ErrUntrustedSigner},
		{"no anchors", good, NewTrustStore(), ErrMasterListSigner},
		{"signer without master list EKU", byDSC, p.TrustStore(), ErrMasterListSigner},
		{"modified content", tampered, p.TrustStore(), ErrMessageDigestMismatch},
		{"EF.SOD instead of a master list", sodCI.content, p.TrustStore(), ErrContentTypeMismatch},
		{"garbage", []byte{0x30, 0x80, 0x00}, p.TrustStore(), ErrMalformedCMS},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := VerifyMasterList(tc.der, tc.anchors, pkiTestNow)
			if !errors.Is(err, tc.sentinel) {
				t.Fatalf("err = %v; want %v", err, tc.sentinel)
			}
		})
	}
	if _, err := VerifyMasterList(good, p.TrustStore(), p.MasterListSigner.NotAfter.AddDate(0, 0, 1)); !errors.Is(err, ErrCertificateExpired) {
		t.Errorf("expired signer: %v", err)
	}
}

// TestParseCertificate_ExplicitBrainpoolParameters builds, at test time, a
// chain whose keys carry explicit brainpoolP256r1 domain parameters (which
// crypto/x509 refuses) and verifies a document with it.
func TestParseCertificate_ExplicitBrainpoolParameters(t *testing.T) {
	for _, alg := range []SyntheticAlgorithm{SyntheticECDSABrainpoolP256, SyntheticECDSABrainpoolP384, SyntheticECDSAP256} {
		t.Run(alg.String(), func(t *testing.T) {
			base := pkiTestPKI(t, alg)
			p, err := NewSyntheticPKI(SyntheticPKIOptions{Rand: pkiTestRand(9), Now: pkiTestNow, Algorithm: alg,
				ExplicitParameters: true, CSCAKey: base.CSCAKey, DSCKey: base.DSCKey})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := x509.ParseCertificate(p.DSC.Raw); err == nil {
				t.Error("crypto/x509 parsed an explicit-parameter certificate; this test no longer shows why our parser exists")
			}
			if !p.DSC.PublicKey.ExplicitParameters || !p.CSCA.PublicKey.ExplicitParameters {
				t.Fatal("keys not marked explicit")
			}
			spki, _ := berReadAll(p.DSC.RawSubjectPublicKeyInfo)
			parts, _ := berChildren(spki)
			alg, _ := berAlgorithm(parts[0], "alg")
			if alg.Params == nil || !alg.Params.isUniversal(berTagSequence) {
				t.Fatal("SubjectPublicKeyInfo does not carry ECParameters")
			}
			// Explicit parameters equal to a named curve are recognised as it.
			if p.DSC.PublicKey.EC.Curve.Name() != base.DSC.PublicKey.EC.Curve.Name() {
				t.Errorf("curve %q, want %q", p.DSC.PublicKey.EC.Curve.Name(), base.DSC.PublicKey.EC.Curve.Name())
			}
			dgs := pkiTestDataGroups()
			sod := pkiSignSOD(t, p, dgs, SODOptions{})
			if _, err := VerifyPassive(sod, dgs, p.TrustStore(), pkiTestNow); err != nil {
				t.Fatal(err)
			}
		})
	}
}

func TestParseCertificate_Fields(t *testing.T) {
	p := pkiTestPKI(t, SyntheticRSAPSS)
	c := p.DSC
	if c.Version != 3 || c.SerialNumber.Int64() != 2 || c.IsCA || !c.HasKeyUsage || c.KeyUsage != x509.KeyUsageDigitalSignature {
		t.Errorf("DSC fields: v%d serial %v CA %v KU %v", c.Version, c.SerialNumber, c.IsCA, c.KeyUsage)
	}
	if len(c.DocumentTypes) != 2 || c.DocumentTypes[0] != "P" {
		t.Errorf("document types %q", c.DocumentTypes)
	}
	if !bytes.Equal(c.AuthorityKeyID, p.CSCA.SubjectKeyID) || len(c.SubjectKeyID) != 20 {
		t.Error("key identifiers")
	}
	if c.SignatureAlgorithm != "RSASSA-PSS/SHA-256 (MGF1-SHA-256, salt 32)" {
		t.Errorf("SignatureAlgorithm %q", c.SignatureAlgorithm)
	}
	if c.PublicKey.String() != "RSA-2048" {
		t.Errorf("key %v", c.PublicKey)
	}
	// crypto/x509 agrees with our parser on an RSA certificate.
	std, err := x509.ParseCertificate(c.Raw)
	if err != nil {
		t.Fatal(err)
	}
	if std.SerialNumber.Cmp(c.SerialNumber) != 0 || !std.NotAfter.Equal(c.NotAfter) || std.Subject.String() != c.Subject.String() {
		t.Error("crypto/x509 disagrees")
	}
	if err := std.CheckSignatureFrom(mustStdCert(t, p.CSCA.Raw)); err != nil {
		t.Errorf("crypto/x509 rejects our PSS signature: %v", err)
	}
	if err := c.CheckSignatureFrom(p.CSCA); err != nil {
		t.Error(err)
	}
	if err := p.CSCA.CheckSignatureFrom(c); !errors.Is(err, ErrSignatureInvalid) {
		t.Errorf("signature from the wrong key: %v", err)
	}
}

func mustStdCert(t *testing.T, der []byte) *x509.Certificate {
	t.Helper()
	c, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestParseCertificate_RejectsMalformed(t *testing.T) {
	p := pkiTestPKI(t, SyntheticECDSAP256)
	raw := p.DSC.Raw
	for name, der := range map[string][]byte{
		"empty":     nil,
		"truncated": raw[:len(raw)-1],
		"trailing":  append(append([]byte(nil), raw...), 0),
		"not a seq": {0x02, 0x01, 0x00},
	} {
		if _, err := ParseCertificate(der); !errors.Is(err, ErrMalformedCertificate) {
			t.Errorf("%s: err = %v", name, err)
		}
	}
}
