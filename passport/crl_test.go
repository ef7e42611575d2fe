package passport_test

import (
	"errors"
	"testing"

	"github.com/go-mitid/mitid/passport"
	"github.com/go-mitid/mitid/passport/passporttest"
)

func TestCRL_ParseAndRevoke(t *testing.T) {
	p := pkiTestPKI(t, passporttest.RSA)
	der, err := p.CRL(pkiTestRand(1), pkiTestNow, pkiTestNow.AddDate(0, 0, -10), p.DSC, p.MasterListSigner)
	if err != nil {
		t.Fatal(err)
	}
	crl, err := passport.ParseCRL(der)
	if err != nil {
		t.Fatal(err)
	}
	if len(crl.Revoked) != 2 || crl.Revoked[0].SerialNumber.Cmp(p.DSC.SerialNumber) != 0 ||
		!crl.ThisUpdate.Equal(pkiTestNow) || !crl.NextUpdate.Equal(pkiTestNow.AddDate(0, 0, 90)) ||
		string(crl.AuthorityKeyID) != string(p.CSCA.SubjectKeyID) {
		t.Fatalf("CRL = %+v", crl)
	}
	if err := crl.CheckSignatureFrom(p.CSCA); err != nil {
		t.Fatal(err)
	}
	store := p.TrustStore()
	if err := store.AddCRL(crl); err != nil {
		t.Fatal(err)
	}
	dgs := pkiTestDataGroups()
	sod := pkiSignSOD(t, p, dgs, passporttest.SODOptions{})
	res, err := passport.VerifyPassive(sod, dgs, store, pkiTestNow)
	if !errors.Is(err, passport.ErrCertificateRevoked) {
		t.Fatalf("revoked DSC: %v", err)
	}
	var ce *passport.CertificateError
	if !errors.As(err, &ce) || ce.Role != passport.RoleDocumentSigner {
		t.Errorf("error %v", err)
	}
	if c, ok := res.Check(passport.PACheckSignerNotRevoked); !ok || c.Passed() {
		t.Errorf("revocation check %+v", c)
	}
	// Before the revocation date the DSC was good.
	if _, err := passport.VerifyPassive(sod, dgs, store, pkiTestNow.AddDate(0, 0, -11)); err != nil {
		t.Errorf("before revocation: %v", err)
	}
	// The master list signer is revoked too.
	ml, _ := p.MasterList(pkiTestRand(2), pkiTestNow)
	if _, err := passport.VerifyMasterList(ml, store, pkiTestNow); !errors.Is(err, passport.ErrCertificateRevoked) {
		t.Errorf("master list by a revoked signer: %v", err)
	}
	// An older CRL does not replace a newer one.
	older, _ := p.CRL(pkiTestRand(3), pkiTestNow.AddDate(0, 0, -30), pkiTestNow)
	oc, _ := passport.ParseCRL(older)
	if err := store.AddCRL(oc); err != nil {
		t.Fatal(err)
	}
	if _, err := passport.VerifyPassive(sod, dgs, store, pkiTestNow); !errors.Is(err, passport.ErrCertificateRevoked) {
		t.Errorf("older CRL replaced the newer: %v", err)
	}
	// A store without the CRL reports no revocation check at all.
	res, err = passport.VerifyPassive(sod, dgs, p.TrustStore(), pkiTestNow)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := res.Check(passport.PACheckSignerNotRevoked); ok {
		t.Error("revocation check reported without a CRL")
	}
}

func TestTrustStore_AddCRLRejectsForeignIssuer(t *testing.T) {
	p := pkiTestPKI(t, passporttest.ECDSAP256)
	q := pkiTestPKI(t, passporttest.ECDSABrainpoolP256)
	der, err := q.CRL(pkiTestRand(1), pkiTestNow, pkiTestNow, q.DSC)
	if err != nil {
		t.Fatal(err)
	}
	crl, err := passport.ParseCRL(der)
	if err != nil {
		t.Fatal(err)
	}
	if err := p.TrustStore().AddCRL(crl); !errors.Is(err, passport.ErrUntrustedSigner) {
		t.Errorf("foreign CRL: %v", err)
	}
	bad := append([]byte(nil), der...)
	bad[len(bad)-3] ^= 1
	if badCRL, err := passport.ParseCRL(bad); err == nil {
		if err := q.TrustStore().AddCRL(badCRL); !errors.Is(err, passport.ErrUntrustedSigner) {
			t.Errorf("tampered CRL: %v", err)
		}
	}
	if _, err := passport.ParseCRL([]byte{0x30, 0x00}); !errors.Is(err, passport.ErrMalformedCertificate) {
		t.Errorf("empty CRL: %v", err)
	}
}
