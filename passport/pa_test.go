package passport_test

import (
	"crypto"
	"errors"
	"fmt"
	"maps"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-mitid/mitid/passport"
	"github.com/go-mitid/mitid/passport/passporttest"
)

var pkiAllAlgorithms = []passporttest.Algorithm{
	passporttest.ECDSAP256, passporttest.ECDSABrainpoolP256, passporttest.ECDSABrainpoolP384, passporttest.RSA, passporttest.RSAPSS,
}

func TestVerifyPassive_PassesForEachSignatureAlgorithm(t *testing.T) {
	for _, alg := range pkiAllAlgorithms {
		for _, hash := range []crypto.Hash{crypto.SHA256, crypto.SHA1, crypto.SHA512} {
			t.Run(fmt.Sprintf("%v/DG-%v", alg, hash), func(t *testing.T) {
				p := pkiTestPKI(t, alg)
				dgs := pkiTestDataGroups()
				sod := pkiSignSOD(t, p, dgs, passporttest.SODOptions{Hash: hash})
				res, err := passport.VerifyPassive(sod, dgs, p.TrustStore(), pkiTestNow)
				if err != nil {
					t.Fatalf("VerifyPassive: %v", err)
				}
				if !res.OK() || res.DSC == nil || res.CSCA == nil || len(res.DataGroups) != 3 {
					t.Fatalf("result not OK: %+v", res)
				}
				if res.SOD.HashAlgorithm != hash {
					t.Errorf("hash = %v", res.SOD.HashAlgorithm)
				}
				if !strings.Contains(res.SignatureAlgorithm, map[bool]string{true: "ECDSA", false: "RSA"}[alg <= passporttest.ECDSABrainpoolP384]) {
					t.Errorf("signature algorithm %q", res.SignatureAlgorithm)
				}
			})
		}
	}
}

func TestVerifyPassive_SODv1AndSignerBySKI(t *testing.T) {
	p := pkiTestPKI(t, passporttest.ECDSAP256)
	dgs := pkiTestDataGroups()
	sod := pkiSignSOD(t, p, dgs, passporttest.SODOptions{LDSVersion: "0108", UnicodeVersion: "040000", SignerBySKI: true})
	res, err := passport.VerifyPassive(sod, dgs, p.TrustStore(), pkiTestNow)
	if err != nil {
		t.Fatal(err)
	}
	if res.SOD.Version != 1 || res.SOD.LDSVersion != "0108" || res.SOD.UnicodeVersion != "040000" {
		t.Errorf("SOD v1 fields: %+v", res.SOD)
	}
	if res.SOD.SignedData.SignerInfos[0].SubjectKeyID == nil {
		t.Error("signer not identified by SKI")
	}
}

// TestVerifyPassive_FailuresCarryTypedReasons covers each way a document
// must fail, with the sentinel and the check that reports it.
func TestVerifyPassive_FailuresCarryTypedReasons(t *testing.T) {
	p := pkiTestPKI(t, passporttest.ECDSAP256)
	other, err := passporttest.NewPKI(passporttest.PKIOptions{Rand: pkiTestRand(2), Now: pkiTestNow, CSCAKey: p.DSCKey, DSCKey: p.CSCAKey})
	if err != nil {
		t.Fatal(err)
	}
	expired, err := passporttest.NewPKI(passporttest.PKIOptions{Rand: pkiTestRand(3), Now: pkiTestNow, ExpiredDSC: true,
		CSCAKey: p.CSCAKey, DSCKey: p.DSCKey})
	if err != nil {
		t.Fatal(err)
	}
	dgs := pkiTestDataGroups()
	good := pkiSignSOD(t, p, dgs, passporttest.SODOptions{})

	changed := maps.Clone(dgs)
	changed[2] = append([]byte(nil), dgs[2]...)
	changed[2][3] ^= 1

	extra := maps.Clone(dgs)
	extra[12] = []byte{0x6C, 0x00}

	tamperedSig := append([]byte(nil), good...)
	tamperedSig[len(tamperedSig)-5] ^= 0x40

	cases := []struct {
		name     string
		sod      []byte
		dgs      map[int][]byte
		trust    *passport.TrustStore
		sentinel error
		check    passport.PassiveCheck
		dg       int
	}{
		{"changed data group", good, changed, p.TrustStore(), passport.ErrDataGroupHashMismatch, passport.PACheckDataGroups, 2},
		{"data group not in SOD", good, extra, p.TrustStore(), passport.ErrDataGroupNotInSOD, passport.PACheckDataGroups, 12},
		{"wrong CSCA (same name, other key)", good, dgs, other.TrustStore(), passport.ErrUntrustedSigner, passport.PACheckSignerTrusted, 0},
		{"no trust store", good, dgs, nil, passport.ErrUntrustedSigner, passport.PACheckSignerTrusted, 0},
		{"expired DSC", pkiSignSOD(t, expired, dgs, passporttest.SODOptions{}), dgs, expired.TrustStore(), passport.ErrCertificateExpired, passport.PACheckSignerValidity, 0},
		{"tampered signature", tamperedSig, dgs, p.TrustStore(), passport.ErrSignatureInvalid, passport.PACheckSODSignature, 0},
		{"not an SOD", []byte{0x77, 0x03, 0x30, 0x01, 0x00}, dgs, p.TrustStore(), passport.ErrMalformedCMS, passport.PACheckSODStructure, 0},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			res, err := passport.VerifyPassive(tc.sod, tc.dgs, tc.trust, pkiTestNow)
			if err == nil || res.OK() {
				t.Fatalf("passed; want %v", tc.sentinel)
			}
			if !errors.Is(err, tc.sentinel) {
				t.Fatalf("err = %v; want %v", err, tc.sentinel)
			}
			c, ok := res.Check(tc.check)
			if !ok || c.Err == nil || !errors.Is(c.Err, tc.sentinel) {
				t.Fatalf("check %q = %+v; want failure %v", tc.check, c, tc.sentinel)
			}
			if tc.dg != 0 {
				var dge *passport.DataGroupError
				if !errors.As(err, &dge) || dge.DataGroup != tc.dg {
					t.Fatalf("DataGroupError = %v; want DG%d", dge, tc.dg)
				}
			}
			// Failures elsewhere must not hide other results: data group
			// checks always run once EF.SOD parses.
			if res.SOD != nil {
				if c, _ := res.Check(passport.PACheckDataGroups); c.Skipped {
					t.Error("data group check skipped")
				}
			}
			t.Logf("%v", err)
		})
	}
}

func TestVerifyPassive_CertificateErrorSaysWhich(t *testing.T) {
	p := pkiTestPKI(t, passporttest.ECDSAP256)
	dgs := pkiTestDataGroups()
	sod := pkiSignSOD(t, p, dgs, passporttest.SODOptions{})
	late := p.DSC.NotAfter.AddDate(0, 0, 1)
	_, err := passport.VerifyPassive(sod, dgs, p.TrustStore(), late)
	var ce *passport.CertificateError
	if !errors.As(err, &ce) || ce.Role != passport.RoleDocumentSigner || !errors.Is(ce, passport.ErrCertificateExpired) || !ce.At.Equal(late) {
		t.Fatalf("err = %v", err)
	}
	early := p.DSC.NotBefore.AddDate(0, 0, -1)
	if _, err := passport.VerifyPassive(sod, dgs, p.TrustStore(), early); !errors.Is(err, passport.ErrCertificateNotYetValid) {
		t.Fatalf("before validity: %v", err)
	}
}

func TestVerifyPassive_RejectsZeroTimeAndBadNumbers(t *testing.T) {
	p := pkiTestPKI(t, passporttest.ECDSAP256)
	sod := pkiSignSOD(t, p, pkiTestDataGroups(), passporttest.SODOptions{})
	if _, err := passport.VerifyPassive(sod, nil, p.TrustStore(), pkiTestNow.AddDate(-100, 0, 0)); err == nil {
		t.Error("verification 100 years early passed")
	}
	if _, err := passport.VerifyPassive(sod, nil, p.TrustStore(), time.Time{}); err == nil {
		t.Error("zero verification time accepted")
	}
	if _, err := passport.VerifyPassive(sod, map[int][]byte{17: {1}}, p.TrustStore(), pkiTestNow); !errors.Is(err, passport.ErrMalformedLDS) {
		t.Errorf("DG17: %v", err)
	}
}

func TestVerifyPassive_ReportsDataGroupsNotRead(t *testing.T) {
	p := pkiTestPKI(t, passporttest.ECDSAP256)
	dgs := pkiTestDataGroups()
	sod := pkiSignSOD(t, p, dgs, passporttest.SODOptions{})
	partial := map[int][]byte{1: dgs[1]}
	res, err := passport.VerifyPassive(sod, partial, p.TrustStore(), pkiTestNow)
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(res.NotRead) != "[2 11]" {
		t.Errorf("NotRead = %v", res.NotRead)
	}
}

// TestTrustStore_ConcurrentVerification runs many verifications (and
// additions) at once; run with -race.
func TestTrustStore_ConcurrentVerification(t *testing.T) {
	p := pkiTestPKI(t, passporttest.ECDSAP256)
	q := pkiTestPKI(t, passporttest.ECDSABrainpoolP256)
	dgs := pkiTestDataGroups()
	sodP := pkiSignSOD(t, p, dgs, passporttest.SODOptions{})
	sodQ := pkiSignSOD(t, q, dgs, passporttest.SODOptions{})
	store := passport.NewTrustStore(p.CSCA)
	crlDER, err := p.CRL(pkiTestRand(1), pkiTestNow, pkiTestNow)
	if err != nil {
		t.Fatal(err)
	}
	crl, err := passport.ParseCRL(crlDER)
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	errs := make(chan error, 64)
	for i := range 32 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if i%8 == 0 {
				store.Add(q.CSCA)
			}
			if i%8 == 1 {
				if err := store.AddCRL(crl); err != nil {
					errs <- err
				}
			}
			if _, err := passport.VerifyPassive(sodP, dgs, store, pkiTestNow); err != nil {
				errs <- err
			}
			_ = store.Certificates()
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if _, err := passport.VerifyPassive(sodQ, dgs, store, pkiTestNow); err != nil {
		t.Error(err)
	}
	if store.Len() != 2 {
		t.Errorf("Len = %d, want 2 (duplicates ignored)", store.Len())
	}
}

// TestTrustStore_CacheDoesNotBypassChecks: a cached DSC signature must not
// make an expired or differently issued certificate pass.
func TestTrustStore_CacheDoesNotBypassChecks(t *testing.T) {
	p := pkiTestPKI(t, passporttest.ECDSAP256)
	dgs := pkiTestDataGroups()
	sod := pkiSignSOD(t, p, dgs, passporttest.SODOptions{})
	store := p.TrustStore()
	if _, err := passport.VerifyPassive(sod, dgs, store, pkiTestNow); err != nil {
		t.Fatal(err)
	}
	if _, err := passport.VerifyPassive(sod, dgs, store, p.DSC.NotAfter.AddDate(0, 0, 1)); !errors.Is(err, passport.ErrCertificateExpired) {
		t.Fatalf("cached chain, expired DSC: %v", err)
	}
	q := pkiTestPKI(t, passporttest.ECDSABrainpoolP256)
	if _, err := passport.VerifyPassive(sod, dgs, q.TrustStore(), pkiTestNow); !errors.Is(err, passport.ErrUntrustedSigner) {
		t.Fatalf("other store: %v", err)
	}
}
