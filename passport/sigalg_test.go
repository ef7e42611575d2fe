package passport_test

import (
	"crypto"
	"encoding/asn1"
	"errors"
	"strings"
	"testing"

	"github.com/go-mitid/mitid/passport"
	"github.com/go-mitid/mitid/passport/internal/ber"
	"github.com/go-mitid/mitid/passport/internal/oids"
	"github.com/go-mitid/mitid/passport/passporttest"
)

func pkiAlgFromDER(t *testing.T, der []byte) ber.AlgorithmIdentifier {
	t.Helper()
	e, err := ber.ReadAll(der)
	if err != nil {
		t.Fatal(err)
	}
	a, err := ber.Algorithm(e, "test")
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// TestParseSigAlg_EveryOIDMetInEMRTDs maps each signature algorithm
// identifier eMRTD SODs and certificates use to its scheme and hash.
func TestParseSigAlg_EveryOIDMetInEMRTDs(t *testing.T) {
	for _, tc := range []struct {
		oid    asn1.ObjectIdentifier
		hint   crypto.Hash
		scheme passport.SigScheme
		hash   crypto.Hash
	}{
		{passport.OidSHA1WithRSA, 0, passport.SchemeRSAPKCS1, crypto.SHA1},
		{passport.OidSHA224WithRSA, 0, passport.SchemeRSAPKCS1, crypto.SHA224},
		{passport.OidSHA256WithRSA, 0, passport.SchemeRSAPKCS1, crypto.SHA256},
		{passport.OidSHA384WithRSA, 0, passport.SchemeRSAPKCS1, crypto.SHA384},
		{passport.OidSHA512WithRSA, 0, passport.SchemeRSAPKCS1, crypto.SHA512},
		{passport.OidECDSAWithSHA1, 0, passport.SchemeECDSA, crypto.SHA1},
		{passport.OidECDSAWithSHA224, 0, passport.SchemeECDSA, crypto.SHA224},
		{passport.OidECDSAWithSHA256, 0, passport.SchemeECDSA, crypto.SHA256},
		{passport.OidECDSAWithSHA384, 0, passport.SchemeECDSA, crypto.SHA384},
		{passport.OidECDSAWithSHA512, 0, passport.SchemeECDSA, crypto.SHA512},
		{passport.OidRSAEncryption, crypto.SHA256, passport.SchemeRSAPKCS1, crypto.SHA256},
		{passport.OidECPublicKey, crypto.SHA384, passport.SchemeECDSA, crypto.SHA384},
		{oids.ECDSAPlainSHA1, 0, passport.SchemeECDSAPlain, crypto.SHA1},
		{oids.ECDSAPlainSHA224, 0, passport.SchemeECDSAPlain, crypto.SHA224},
		{oids.ECDSAPlainSHA256, 0, passport.SchemeECDSAPlain, crypto.SHA256},
		{oids.ECDSAPlainSHA384, 0, passport.SchemeECDSAPlain, crypto.SHA384},
		{oids.ECDSAPlainSHA512, 0, passport.SchemeECDSAPlain, crypto.SHA512},
		{passport.OidRSASSAPSS, 0, passport.SchemeRSAPSS, crypto.SHA1}, // absent parameters: all defaults
	} {
		a, err := passport.ParseSigAlg(ber.AlgorithmIdentifier{OID: tc.oid}, tc.hint)
		if err != nil || a.Scheme() != tc.scheme || a.Hash() != tc.hash {
			t.Errorf("%v: %+v, %v", tc.oid, a, err)
		}
	}
	for _, oid := range []asn1.ObjectIdentifier{
		{1, 2, 840, 113549, 1, 1, 4},        // md5WithRSAEncryption
		passport.OidRSAEncryption,           // without a digest hint
		{0, 4, 0, 127, 0, 7, 1, 1, 4, 1, 6}, // ecdsa-plain-RIPEMD160
	} {
		if _, err := passport.ParseSigAlg(ber.AlgorithmIdentifier{OID: oid}, 0); !errors.Is(err, passport.ErrUnsupportedAlgorithm) {
			t.Errorf("%v: %v", oid, err)
		}
	}
}

func TestParsePSSParams(t *testing.T) {
	a, err := passport.ParseSigAlg(pkiAlgFromDER(t, passporttest.RSAPSS.AlgorithmID()), 0)
	if err != nil || a.Hash() != crypto.SHA256 || a.PSSMGF() != crypto.SHA256 || a.PSSSalt() != 32 {
		t.Fatalf("%+v, %v", a, err)
	}
	enc := func(v any) []byte { b, _ := asn1.Marshal(v); return b }
	pss := func(fields ...[]byte) ber.AlgorithmIdentifier {
		return pkiAlgFromDER(t, ber.DER(0x30, enc(passport.OidRSASSAPSS), ber.DER(0x30, fields...)))
	}
	sha512 := ber.DER(0x30, enc(passport.OidSHA512))
	a, err = passport.ParseSigAlg(pss(ber.DER(0xA0, sha512), ber.DER(0xA1, ber.DER(0x30, enc(passport.OidMGF1), ber.DER(0x30, enc(passport.OidSHA1)))),
		ber.DER(0xA2, enc(64)), ber.DER(0xA3, enc(1))), 0)
	if err != nil || a.Hash() != crypto.SHA512 || a.PSSMGF() != crypto.SHA1 || a.PSSSalt() != 64 {
		t.Fatalf("explicit fields: %+v, %v", a, err)
	}
	if !strings.Contains(a.String(), "MGF1-SHA-1") {
		t.Errorf("String %q", a.String())
	}
	for name, alg := range map[string]ber.AlgorithmIdentifier{
		"trailer 2":     pss(ber.DER(0xA3, enc(2))),
		"unknown MGF":   pss(ber.DER(0xA1, ber.DER(0x30, enc(passport.OidSHA1), ber.DER(0x30, enc(passport.OidSHA1))))),
		"unknown hash":  pss(ber.DER(0xA0, ber.DER(0x30, enc(asn1.ObjectIdentifier{1, 2, 3})))),
		"unknown field": pss(ber.DER(0xA5, enc(1))),
	} {
		if _, err := passport.ParseSigAlg(alg, 0); err == nil {
			t.Errorf("%s accepted", name)
		}
	}
}

// TestNamesEqual_Normalised: a DSC's issuer may spell the CSCA's name
// with another string type or case; RFC 5280 §7.1 comparison still matches.
func TestNamesEqual_Normalised(t *testing.T) {
	enc := func(v any) []byte { b, _ := asn1.Marshal(v); return b }
	name := func(strType byte, c, cn string) []byte {
		rdn := func(oid asn1.ObjectIdentifier, v string) []byte {
			return ber.DER(0x31, ber.DER(0x30, enc(oid), ber.DER(strType, []byte(v))))
		}
		return ber.DER(0x30, rdn(asn1.ObjectIdentifier{2, 5, 4, 6}, c), rdn(asn1.ObjectIdentifier{2, 5, 4, 3}, cn))
	}
	a := name(0x13, "UT", "CSCA Utopia") // PrintableString
	for _, tc := range []struct {
		b    []byte
		want bool
	}{
		{a, true},
		{name(0x0C, "UT", "CSCA Utopia"), true},    // UTF8String
		{name(0x0C, "ut", "csca  utopia "), true},  // case and white space
		{name(0x13, "UT", "CSCA Dystopia"), false}, // another CA
		{name(0x13, "DE", "CSCA Utopia"), false},
		{[]byte{0x30, 0x00}, false},
	} {
		if got := passport.PkiNamesEqual(a, tc.b); got != tc.want {
			t.Errorf("pkiNamesEqual(%X) = %v", tc.b, got)
		}
	}
}

func TestTrustStore_AddDER(t *testing.T) {
	p := pkiTestPKI(t, passporttest.ECDSAP256)
	store := passport.NewTrustStore()
	if err := store.AddDER(p.CSCA.Raw, p.CSCA.Raw); err != nil || store.Len() != 1 {
		t.Fatalf("AddDER: %v, Len %d", err, store.Len())
	}
	if err := store.AddDER([]byte{0x30, 0x00}); !errors.Is(err, passport.ErrMalformedCertificate) {
		t.Errorf("bad DER: %v", err)
	}
	if got := store.Certificates(); len(got) != 1 || got[0].SubjectString() != p.CSCA.SubjectString() {
		t.Errorf("Certificates %v", got)
	}
}

// TestParseSOD_LDSSecurityObjectRules: structure errors inside a signed
// LDSSecurityObject are reported as ErrMalformedSOD.
func TestParseSOD_LDSSecurityObjectRules(t *testing.T) {
	p := pkiTestPKI(t, passporttest.ECDSAP256)
	enc := func(v any) []byte { b, _ := asn1.Marshal(v); return b }
	sha256Alg := ber.DER(0x30, enc(passport.OidSHA256), []byte{5, 0})
	h := func(n int, l int) []byte { return ber.DER(0x30, enc(n), ber.DER(0x04, make([]byte, l))) }
	for name, ldsSO := range map[string][]byte{
		"DG number 0":          ber.DER(0x30, enc(0), sha256Alg, ber.DER(0x30, h(0, 32), h(1, 32))),
		"DG number 17":         ber.DER(0x30, enc(0), sha256Alg, ber.DER(0x30, h(17, 32), h(1, 32))),
		"duplicate DG":         ber.DER(0x30, enc(0), sha256Alg, ber.DER(0x30, h(1, 32), h(1, 32))),
		"short hash":           ber.DER(0x30, enc(0), sha256Alg, ber.DER(0x30, h(1, 20), h(2, 32))),
		"version 2":            ber.DER(0x30, enc(2), sha256Alg, ber.DER(0x30, h(1, 32), h(2, 32))),
		"v0 with version info": ber.DER(0x30, enc(0), sha256Alg, ber.DER(0x30, h(1, 32)), ber.DER(0x30, ber.DER(0x13, []byte("0108")), ber.DER(0x13, []byte("040000")))),
		"not a sequence":       ber.DER(0x04, []byte{1}),
	} {
		ci, err := passporttest.SignCMS(pkiTestRand(1), oids.LDSSecurityObject, ldsSO, p.DSC, p.DSCKey, p.Algorithm, pkiTestNow, passporttest.SignerIssuerSerial, false)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := passport.ParseSOD(ber.EncodeTLV(passport.TagSOD, ci)); !errors.Is(err, passport.ErrMalformedSOD) {
			t.Errorf("%s: %v", name, err)
		}
	}
	ci, _ := passporttest.SignCMS(pkiTestRand(1), oids.CSCAMasterList, ber.DER(0x30), p.DSC, p.DSCKey, p.Algorithm, pkiTestNow, passporttest.SignerIssuerSerial, false)
	if _, err := passport.ParseSOD(ber.EncodeTLV(passport.TagSOD, ci)); !errors.Is(err, passport.ErrContentTypeMismatch) {
		t.Errorf("master list in EF.SOD: %v", err)
	}
	if _, err := passport.ParseSOD(ci); !errors.Is(err, passport.ErrMalformedSOD) {
		t.Errorf("missing 77 wrapper: %v", err)
	}
}
