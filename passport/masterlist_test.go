package passport_test

import (
	"bytes"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"errors"
	"math/big"
	"testing"

	"github.com/go-mitid/mitid/passport"
	"github.com/go-mitid/mitid/passport/internal/ber"
	"github.com/go-mitid/mitid/passport/internal/ec"
	"github.com/go-mitid/mitid/passport/internal/oids"
	"github.com/go-mitid/mitid/passport/passporttest"
)

func TestVerifyMasterList_LoadsTrustForPassiveAuthentication(t *testing.T) {
	p := pkiTestPKI(t, passporttest.ECDSAP256)
	q := pkiTestPKI(t, passporttest.ECDSABrainpoolP256)
	r := pkiTestPKI(t, passporttest.RSA)
	der, err := p.MasterList(pkiTestRand(1), pkiTestNow, q.CSCA, r.CSCA)
	if err != nil {
		t.Fatal(err)
	}
	ml, err := passport.VerifyMasterList(der, p.TrustStore(), pkiTestNow)
	if err != nil {
		t.Fatalf("VerifyMasterList: %v", err)
	}
	if len(ml.CSCAs) != 3 || len(ml.Rejected) != 0 || ml.Signer == nil || ml.Version != 0 {
		t.Fatalf("master list: %d CSCAs, %d rejected, signer %v", len(ml.CSCAs), len(ml.Rejected), ml.Signer)
	}
	store := passport.NewTrustStore(ml.CSCAs...)
	for _, pki := range []*passporttest.PKI{p, q, r} {
		dgs := pkiTestDataGroups()
		sod := pkiSignSOD(t, pki, dgs, passporttest.SODOptions{})
		if _, err := passport.VerifyPassive(sod, dgs, store, pkiTestNow); err != nil {
			t.Errorf("%v document against the master list's trust: %v", pki.Algorithm, err)
		}
	}
}

func TestVerifyMasterList_Rejects(t *testing.T) {
	p := pkiTestPKI(t, passporttest.ECDSAP256)
	q := pkiTestPKI(t, passporttest.ECDSABrainpoolP256)
	good, err := p.MasterList(pkiTestRand(1), pkiTestNow, q.CSCA)
	if err != nil {
		t.Fatal(err)
	}
	// A list signed by the DSC, which lacks the master-list-signing EKU.
	enc := func(v any) []byte { b, _ := asn1.Marshal(v); return b }
	content := ber.DER(0x30, enc(0), ber.DER(0x31, p.CSCA.Raw))
	byDSC, err := passporttest.SignCMS(pkiTestRand(2), oids.CSCAMasterList, content, p.DSC, p.DSCKey, p.Algorithm, pkiTestNow, passporttest.SignerIssuerSerial, false)
	if err != nil {
		t.Fatal(err)
	}
	// Another issuer's CSCA substituted in the signed list.
	tampered := bytes.Replace(good, q.CSCA.Raw[20:60], make([]byte, 40), 1)
	// An SOD is CMS but not a master list.
	sod := pkiSignSOD(t, p, pkiTestDataGroups(), passporttest.SODOptions{})
	sodCI, _ := ber.ReadAll(sod)

	cases := []struct {
		name     string
		der      []byte
		anchors  *passport.TrustStore
		sentinel error
	}{
		{"anchors that did not issue the signer", good, q.TrustStore(), passport.ErrUntrustedSigner},
		{"no anchors", good, passport.NewTrustStore(), passport.ErrMasterListSigner},
		{"signer without master list EKU", byDSC, p.TrustStore(), passport.ErrMasterListSigner},
		{"modified content", tampered, p.TrustStore(), passport.ErrMessageDigestMismatch},
		{"EF.SOD instead of a master list", sodCI.Content, p.TrustStore(), passport.ErrContentTypeMismatch},
		{"garbage", []byte{0x30, 0x80, 0x00}, p.TrustStore(), passport.ErrMalformedCMS},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := passport.VerifyMasterList(tc.der, tc.anchors, pkiTestNow)
			if !errors.Is(err, tc.sentinel) {
				t.Fatalf("err = %v; want %v", err, tc.sentinel)
			}
		})
	}
	if _, err := passport.VerifyMasterList(good, p.TrustStore(), p.MasterListSigner.NotAfter.AddDate(0, 0, 1)); !errors.Is(err, passport.ErrCertificateExpired) {
		t.Errorf("expired signer: %v", err)
	}
}

// TestParseMasterList_RefusalsWrapTheDocumentedSentinels: each refusal of
// ParseMasterList is one its documentation names, an unknown digest
// algorithm ErrUnsupportedAlgorithm (which it returned before and did not
// document; FuzzParseMasterList found it).
func TestParseMasterList_RefusalsWrapTheDocumentedSentinels(t *testing.T) {
	p := pkiTestPKI(t, passporttest.ECDSAP256)
	good, err := p.MasterList(pkiTestRand(1), pkiTestNow)
	if err != nil {
		t.Fatal(err)
	}
	sha256OID, _ := asn1.Marshal(asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 2, 1})
	unknownOID, _ := asn1.Marshal(asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 2, 99})
	unknownDigest := bytes.ReplaceAll(good, sha256OID, unknownOID)
	sod := pkiSignSOD(t, p, pkiTestDataGroups(), passporttest.SODOptions{})
	sodCI, _ := ber.ReadAll(sod)
	notAList, err := passporttest.SignCMS(pkiTestRand(2), oids.CSCAMasterList, ber.DER(0x30), p.MasterListSigner, p.MasterListSignerKey, p.Algorithm, pkiTestNow, passporttest.SignerIssuerSerial, false)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		rule string
		der  []byte
		want error
	}{
		{"an unknown digest algorithm is ErrUnsupportedAlgorithm", unknownDigest, passport.ErrUnsupportedAlgorithm},
		{"no CMS is ErrMalformedCMS", []byte{0x30, 0x80, 0x00}, passport.ErrMalformedCMS},
		{"an EF.SOD is ErrContentTypeMismatch", sodCI.Content, passport.ErrContentTypeMismatch},
		{"an empty CscaMasterList is ErrMalformedMasterList", notAList, passport.ErrMalformedMasterList},
	} {
		t.Run(tc.rule, func(t *testing.T) {
			if _, err := passport.ParseMasterList(tc.der); !errors.Is(err, tc.want) {
				t.Fatalf("err = %v, want %v", err, tc.want)
			}
		})
	}
}

// TestParseCertificate_ExplicitBrainpoolParameters builds, at test time, a
// chain whose keys carry explicit brainpoolP256r1 domain parameters (which
// crypto/x509 refuses) and verifies a document with it.
func TestParseCertificate_ExplicitBrainpoolParameters(t *testing.T) {
	for _, alg := range []passporttest.Algorithm{passporttest.ECDSABrainpoolP256, passporttest.ECDSABrainpoolP384, passporttest.ECDSAP256} {
		t.Run(alg.String(), func(t *testing.T) {
			base := pkiTestPKI(t, alg)
			p, err := passporttest.NewPKI(passporttest.PKIOptions{Rand: pkiTestRand(9), Now: pkiTestNow, Algorithm: alg,
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
			spki, _ := ber.ReadAll(p.DSC.RawSubjectPublicKeyInfo)
			parts, _ := ber.Children(spki)
			alg, _ := ber.Algorithm(parts[0], "alg")
			if alg.Params == nil || !alg.Params.IsUniversal(ber.TagSequence) {
				t.Fatal("SubjectPublicKeyInfo does not carry ECParameters")
			}
			// Explicit parameters equal to a named curve are recognised as it.
			if p.DSC.PublicKey.EC.Curve.Name() != base.DSC.PublicKey.EC.Curve.Name() {
				t.Errorf("curve %q, want %q", p.DSC.PublicKey.EC.Curve.Name(), base.DSC.PublicKey.EC.Curve.Name())
			}
			dgs := pkiTestDataGroups()
			sod := pkiSignSOD(t, p, dgs, passporttest.SODOptions{})
			if _, err := passport.VerifyPassive(sod, dgs, p.TrustStore(), pkiTestNow); err != nil {
				t.Fatal(err)
			}
		})
	}
}

func TestParseCertificate_Fields(t *testing.T) {
	p := pkiTestPKI(t, passporttest.RSAPSS)
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
	if err := p.CSCA.CheckSignatureFrom(c); !errors.Is(err, passport.ErrSignatureInvalid) {
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
	p := pkiTestPKI(t, passporttest.ECDSAP256)
	raw := p.DSC.Raw
	for name, der := range map[string][]byte{
		"empty":     nil,
		"truncated": raw[:len(raw)-1],
		"trailing":  append(append([]byte(nil), raw...), 0),
		"not a seq": {0x02, 0x01, 0x00},
	} {
		if _, err := passport.ParseCertificate(der); !errors.Is(err, passport.ErrMalformedCertificate) {
			t.Errorf("%s: err = %v", name, err)
		}
	}
}

// TestPassive_UnnamedExplicitCurve: a DSC whose key lies on a curve known
// to no registry here (brainpoolP256t1, given only by its explicit domain
// parameters) is parsed, and its ECDSA signature on EF.SOD verifies with
// the generic arithmetic.
func TestPassive_UnnamedExplicitCurve(t *testing.T) {
	h := func(s string) *big.Int { v, _ := new(big.Int).SetString(s, 16); return v }
	t1, err := ec.NewCurve( // brainpoolP256t1, RFC 5639 §3.4
		h("A9FB57DBA1EEA9BC3E660A909D838D726E3BF623D52620282013481D1F6E5377"),
		h("A9FB57DBA1EEA9BC3E660A909D838D726E3BF623D52620282013481D1F6E5374"),
		h("662C61C430D84EA4FE66A7733D0B76B7BF93EBC4AF2F49256AE58101FEE92B04"),
		h("A3E8EB3CC1CFE7B7732213B23A656149AFA142C47AAFBC2B79A191562E1305F4"),
		h("2D996C823439C56D7F7B22E14644417E69BCB6DE39D027001DABE8F35B25C9BE"),
		h("A9FB57DBA1EEA9BC3E660A909D838D718C397AA3B561A6F7901E0E82974856A7"), 1)
	if err != nil {
		t.Fatal(err)
	}
	if t1.OID() != nil {
		t.Fatal("brainpoolP256t1 unexpectedly named")
	}
	key, err := t1.GenerateKey(pkiTestRand(40))
	if err != nil {
		t.Fatal(err)
	}
	base := pkiTestPKI(t, passporttest.ECDSAP256)
	dsc, err := passporttest.CreateCertificate(pkiTestRand(41), passporttest.CertificateTemplate{Serial: 7, Subject: pkix.Name{CommonName: "DS t1"},
		NotBefore: pkiTestNow.AddDate(0, -1, 0), NotAfter: pkiTestNow.AddDate(1, 0, 0), KeyUsage: x509.KeyUsageDigitalSignature},
		key.Public(), base.CSCA, base.CSCAKey, base.Algorithm)
	if err != nil {
		t.Fatal(err)
	}
	if !dsc.PublicKey.ExplicitParameters || dsc.PublicKey.EC.Curve.Name() != "" {
		t.Fatalf("DSC key %v", dsc.PublicKey)
	}
	p := &passporttest.PKI{Algorithm: passporttest.ECDSABrainpoolP256, CSCA: base.CSCA, CSCAKey: base.CSCAKey, DSC: dsc, DSCKey: key}
	dgs := pkiTestDataGroups()
	sod := pkiSignSOD(t, p, dgs, passporttest.SODOptions{})
	res, err := passport.VerifyPassive(sod, dgs, base.TrustStore(), pkiTestNow)
	if err != nil {
		t.Fatal(err)
	}
	if got := res.DSC.PublicKey.String(); got != "EC unnamed 256-bit prime curve (explicit parameters)" {
		t.Errorf("key described as %q", got)
	}
}
