package passport_test

import (
	"crypto"
	"errors"
	"testing"

	"github.com/go-mitid/mitid/passport"
	"github.com/go-mitid/mitid/passport/passporttest"
)

// Fuzz targets of the PKI parsers: EF.SOD/CMS, certificates, master lists
// and the Active Authentication verifier. Each must return an error that
// wraps the sentinels its documentation names, never panic, for any input,
// and must not allocate beyond a small multiple of
// its input (the parsers slice their input; they never trust a declared
// length). Seeds live in testdata/fuzz/<name>/ and are added here too.

// requireSentinel fails unless err wraps one of the sentinels a parser
// documents: a refusal a caller can tell apart with errors.Is.
func requireSentinel(t *testing.T, what string, err error, sentinels ...error) {
	t.Helper()
	for _, s := range sentinels {
		if errors.Is(err, s) {
			return
		}
	}
	t.Fatalf("%s: error %q wraps none of %q", what, err, sentinels)
}

func FuzzParseSOD(f *testing.F) {
	p := pkiTestPKI(f, passporttest.ECDSAP256)
	dgs := pkiTestDataGroups()
	sod := pkiSignSOD(f, p, dgs, passporttest.SODOptions{LDSVersion: "0108", UnicodeVersion: "040000"})
	f.Add(sod)
	f.Add(pkiSignSOD(f, p, dgs, passporttest.SODOptions{SignerBySKI: true, Hash: crypto.SHA1}))
	f.Add([]byte{0x77, 0x04, 0x30, 0x80, 0x00, 0x00})
	trust := p.TrustStore()
	f.Fuzz(func(t *testing.T, b []byte) {
		s, err := passport.ParseSOD(b)
		if err != nil {
			if s != nil {
				t.Fatal("result with error")
			}
			requireSentinel(t, "ParseSOD", err, passport.ErrMalformedSOD, passport.ErrMalformedCMS, passport.ErrUnsupportedAlgorithm)
			return
		}
		_ = s.DataGroups()
		res, err := passport.VerifyPassive(b, dgs, trust, pkiTestNow)
		if res == nil || (err == nil) != res.OK() {
			t.Fatalf("result %v inconsistent with error %v", res, err)
		}
	})
}

func FuzzParseCertificate(f *testing.F) {
	for _, alg := range []passporttest.Algorithm{passporttest.ECDSAP256, passporttest.RSAPSS} {
		p := pkiTestPKI(f, alg)
		f.Add(p.DSC.Raw)
		f.Add(p.CSCA.Raw)
	}
	crl, err := pkiTestPKI(f, passporttest.ECDSAP256).CRL(pkiTestRand(1), pkiTestNow, pkiTestNow, pkiTestPKI(f, passporttest.ECDSAP256).DSC)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(crl)
	store := pkiTestPKI(f, passporttest.ECDSAP256).TrustStore()
	f.Fuzz(func(t *testing.T, b []byte) {
		if crl, err := passport.ParseCRL(b); err == nil {
			_ = store.AddCRL(crl)
		} else {
			requireSentinel(t, "ParseCRL", err, passport.ErrMalformedCertificate)
		}
		c, err := passport.ParseCertificate(b)
		if err != nil {
			requireSentinel(t, "ParseCertificate", err, passport.ErrMalformedCertificate)
			return
		}
		_ = c.SubjectString()
		_ = c.CheckSignatureFrom(c)
		_ = c.ValidAt(pkiTestNow)
	})
}

func FuzzParseMasterList(f *testing.F) {
	p := pkiTestPKI(f, passporttest.ECDSAP256)
	ml, err := p.MasterList(pkiTestRand(1), pkiTestNow)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(ml)
	anchors := p.TrustStore()
	f.Fuzz(func(t *testing.T, b []byte) {
		if _, err := passport.ParseMasterList(b); err != nil {
			requireSentinel(t, "ParseMasterList", err, passport.ErrMalformedMasterList, passport.ErrMalformedCMS, passport.ErrContentTypeMismatch, passport.ErrUnsupportedAlgorithm)
			return
		}
		_, _ = passport.VerifyMasterList(b, anchors, pkiTestNow)
	})
}

func FuzzVerifyActive(f *testing.F) {
	keys := aaKeys(f)
	rsaPub := aaPub(f, keys.rsa1024)
	ecPub := aaPub(f, keys.brainpool)
	sig, err := passporttest.SignActive(pkiTestRand(1), keys.rsa1024, aaChallenge, passporttest.ActiveSignOptions{Hash: crypto.SHA256})
	if err != nil {
		f.Fatal(err)
	}
	f.Add(aaChallenge, sig)
	ecSig, err := passporttest.SignActive(pkiTestRand(2), keys.brainpool, aaChallenge, passporttest.ActiveSignOptions{})
	if err != nil {
		f.Fatal(err)
	}
	f.Add(aaChallenge, ecSig)
	f.Fuzz(func(t *testing.T, challenge, sig []byte) {
		for _, pub := range []*passport.PublicKey{rsaPub, ecPub} {
			if res, err := passport.VerifyActive(pub, challenge, sig, 0); err == nil && res == nil {
				t.Fatal("nil result without error")
			}
		}
	})
}

// FuzzParseSignedData: a CMS ContentInfo is refused with ErrMalformedCMS or
// ErrUnsupportedAlgorithm, or parses into signer infos whose verification,
// against any of its certificates, answers with an error or success and
// never panics.
func FuzzParseSignedData(f *testing.F) {
	p := pkiTestPKI(f, passporttest.ECDSAP256)
	sod := pkiSignSOD(f, p, pkiTestDataGroups(), passporttest.SODOptions{})
	f.Add(sod[4:]) // the ContentInfo inside tag 77 and its 3-byte length
	ml, err := p.MasterList(pkiTestRand(1), pkiTestNow)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(ml)
	f.Add([]byte{0x30, 0x80, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x07, 0x02, 0x00, 0x00})
	f.Fuzz(func(t *testing.T, b []byte) {
		sd, err := passport.ParseSignedData(b)
		if err != nil {
			requireSentinel(t, "ParseSignedData", err, passport.ErrMalformedCMS, passport.ErrUnsupportedAlgorithm)
			return
		}
		for _, si := range sd.SignerInfos {
			for _, c := range sd.Certificates {
				_ = sd.VerifySignerInfo(si, c)
			}
		}
	})
}

// FuzzParsePublicKeyInfo: a SubjectPublicKeyInfo (a certificate's key, DG15)
// is refused with ErrUnsupportedAlgorithm (a key this package cannot use)
// or ErrMalformedPublicKey (anything else), or gives exactly one key, which marshals back, in
// the form it came in, to a SubjectPublicKeyInfo that parses to the same
// key.
func FuzzParsePublicKeyInfo(f *testing.F) {
	keys := aaKeys(f)
	for _, k := range []crypto.PublicKey{keys.rsa1024.Public(), keys.p256.Public(), aaPub(f, keys.brainpool).EC} {
		for _, explicit := range []bool{false, true} {
			der, err := passport.MarshalPublicKeyInfo(k, explicit)
			if err != nil {
				f.Fatal(err)
			}
			f.Add(der)
		}
	}
	f.Add([]byte{0x30, 0x03, 0x30, 0x01, 0x00})
	f.Fuzz(func(t *testing.T, der []byte) {
		pk, err := passport.ParsePublicKeyInfo(der)
		if err != nil {
			requireSentinel(t, "ParsePublicKeyInfo", err, passport.ErrUnsupportedAlgorithm, passport.ErrMalformedPublicKey)
			return
		}
		if (pk.RSA == nil) == (pk.EC == nil) {
			t.Fatalf("RSA %v and EC %v", pk.RSA, pk.EC)
		}
		var pub crypto.PublicKey = pk.RSA
		if pk.EC != nil {
			pub = pk.EC
		}
		enc, err := passport.MarshalPublicKeyInfo(pub, pk.ExplicitParameters)
		if err != nil {
			t.Fatalf("a parsed key does not marshal: %v", err)
		}
		back, err := passport.ParsePublicKeyInfo(enc)
		switch {
		case err != nil:
			t.Fatalf("a marshalled key does not parse: %v", err)
		case pk.RSA != nil && (back.RSA == nil || back.RSA.N.Cmp(pk.RSA.N) != 0 || back.RSA.E != pk.RSA.E):
			t.Fatal("RSA key changed in a round trip")
		case pk.EC != nil && (back.EC == nil || !back.EC.Point.Equal(pk.EC.Point) || back.EC.Curve.P().Cmp(pk.EC.Curve.P()) != 0 || !back.EC.Curve.G().Equal(pk.EC.Curve.G())):
			t.Fatal("EC key changed in a round trip")
		}
	})
}
