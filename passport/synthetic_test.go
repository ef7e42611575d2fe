package passport_test

import (
	"bytes"
	"context"
	"crypto"
	"crypto/rand"
	"errors"
	"fmt"
	"reflect"
	"testing"

	"github.com/go-mitid/mitid/passport"
	"github.com/go-mitid/mitid/passport/passporttest"
)

// synthTestDoc builds a document on the shared test PKI of alg.
func synthTestDoc(t testing.TB, alg passporttest.Algorithm, mod func(*passporttest.DocumentOptions)) *passporttest.Document {
	t.Helper()
	opts := passporttest.DocumentOptions{Rand: pkiTestRand(21), Now: pkiTestNow, PKI: pkiTestPKI(t, alg),
		AAKey: aaKeys(t).rsa1024}
	if mod != nil {
		mod(&opts)
	}
	doc, err := passporttest.NewDocument(opts)
	if err != nil {
		t.Fatalf("NewSyntheticDocument: %v", err)
	}
	return doc
}

func TestNewSyntheticDocument_ParsesAndPassesPassiveAuthentication(t *testing.T) {
	for _, alg := range pkiAllAlgorithms {
		for _, face := range []passport.FaceEncoding{passport.FaceISO19794, passport.FaceISO39794} {
			t.Run(fmt.Sprintf("%v/%v", alg, face), func(t *testing.T) {
				doc := synthTestDoc(t, alg, func(o *passporttest.DocumentOptions) { o.Face = face })
				res, err := passport.VerifyPassive(doc.SOD, doc.DataGroups, doc.Trust, pkiTestNow)
				if err != nil {
					t.Fatalf("VerifyPassive: %v", err)
				}
				if len(res.DataGroups) != 6 || len(res.NotRead) != 0 {
					t.Errorf("data groups %v, not read %v", res.DataGroups, res.NotRead)
				}
				com, err := passport.ParseCOM(doc.Files[passport.FileCOM])
				if err != nil || fmt.Sprint(com.DataGroups()) != "[1 2 11 12 14 15]" {
					t.Fatalf("COM %v, %v", com, err)
				}
				dg1, err := passport.ParseDG1(doc.Files[passport.FileDG(1)])
				if err != nil || dg1.MRZ.DocumentNumber != "L898902C3" {
					t.Fatalf("DG1 %+v, %v", dg1, err)
				}
				dg2, err := passport.ParseDG2(doc.Files[passport.FileDG(2)])
				if err != nil || dg2.Faces[0].Encoding != face || dg2.Faces[0].Format != passport.ImageJPEG || !bytes.Equal(dg2.Faces[0].Image, doc.FaceImage) {
					t.Fatalf("DG2 %v", err)
				}
				dg11, err := passport.ParseDG11(doc.Files[passport.FileDG(11)])
				if err != nil || dg11.FullName != "ERIKSSON<<ANNA<MARIA" || dg11.FullDateOfBirth != "19740812" {
					t.Fatalf("DG11 %+v, %v", dg11, err)
				}
				if _, err := passport.ParseDG12(doc.Files[passport.FileDG(12)]); err != nil {
					t.Fatal(err)
				}
				dg14, err := passport.ParseDG14(doc.Files[passport.FileDG(14)])
				if err != nil {
					t.Fatal(err)
				}
				si := dg14.SecurityInfos
				if len(si.ChipAuthenticationPublicKeys) != 1 || !si.ChipAuthenticationPublicKeys[0].PublicKey.Point.Equal(doc.CAKey.Point) {
					t.Error("DG14 does not carry the CA key")
				}
				if len(si.PACE) != 1 || len(si.ChipAuthentication) != 1 {
					t.Errorf("DG14 infos: %+v", si)
				}
				dg15, err := passport.ParseDG15(doc.Files[passport.FileDG(15)])
				if err != nil {
					t.Fatal(err)
				}
				sig, err := passporttest.SignActive(pkiTestRand(5), doc.AAKey, aaChallenge, doc.AAOptions)
				if err != nil {
					t.Fatal(err)
				}
				if _, err := passport.VerifyActive(dg15.PublicKey, aaChallenge, sig, 0); err != nil {
					t.Errorf("AA with DG15: %v", err)
				}
			})
		}
	}
}

// TestNewSyntheticDocument_ECDSAActiveAuthenticationInfo: with an ECDSA AA
// key, DG14 names the hash and VerifyActive uses it.
func TestNewSyntheticDocument_ECDSAActiveAuthenticationInfo(t *testing.T) {
	doc := synthTestDoc(t, passporttest.ECDSAP256, func(o *passporttest.DocumentOptions) {
		o.AAKey = aaKeys(t).brainpool
		o.AAOptions = passporttest.ActiveSignOptions{Hash: crypto.SHA1}
	})
	dg14, err := passport.ParseDG14(doc.DataGroups[14])
	if err != nil {
		t.Fatal(err)
	}
	h, err := dg14.ActiveAuthenticationHash()
	if err != nil || h != crypto.SHA1 {
		t.Fatalf("AA hash from DG14: %v, %v", h, err)
	}
	dg15, _ := passport.ParseDG15(doc.DataGroups[15])
	sig, err := passporttest.SignActive(pkiTestRand(6), doc.AAKey, aaChallenge, doc.AAOptions)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := passport.VerifyActive(dg15.PublicKey, aaChallenge, sig, h); err != nil {
		t.Error(err)
	}
	if _, err := passport.VerifyActive(dg15.PublicKey, aaChallenge, sig, 0); !errors.Is(err, passport.ErrActiveAuthenticationFailed) {
		t.Errorf("without DG14's hash (SHA-256 default): %v", err)
	}
}

func TestNewSyntheticDocument_BreakersFailPassiveAuthentication(t *testing.T) {
	cases := []struct {
		name     string
		mod      func(*passporttest.DocumentOptions)
		sentinel error
		check    passport.PassiveCheck
	}{
		{"changed DG1 name", func(o *passporttest.DocumentOptions) { o.ChangeDataGroup = 1 }, passport.ErrDataGroupHashMismatch, passport.PACheckDataGroups},
		{"changed DG2 face", func(o *passporttest.DocumentOptions) { o.ChangeDataGroup = 2 }, passport.ErrDataGroupHashMismatch, passport.PACheckDataGroups},
		{"changed DG15 key", func(o *passporttest.DocumentOptions) { o.ChangeDataGroup = 15 }, passport.ErrDataGroupHashMismatch, passport.PACheckDataGroups},
		{"DG12 not in SOD", func(o *passporttest.DocumentOptions) { o.OmitFromSOD = 12 }, passport.ErrDataGroupNotInSOD, passport.PACheckDataGroups},
		{"wrong CSCA", func(o *passporttest.DocumentOptions) { o.WrongCSCA = true }, passport.ErrUntrustedSigner, passport.PACheckSignerTrusted},
		{"expired DSC", func(o *passporttest.DocumentOptions) { o.ExpiredDSC = true }, passport.ErrCertificateExpired, passport.PACheckSignerValidity},
		{"revoked DSC", func(o *passporttest.DocumentOptions) { o.RevokedDSC = true }, passport.ErrCertificateRevoked, passport.PACheckSignerNotRevoked},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			doc := synthTestDoc(t, passporttest.ECDSAP256, tc.mod)
			res, err := passport.VerifyPassive(doc.SOD, doc.DataGroups, doc.Trust, pkiTestNow)
			if !errors.Is(err, tc.sentinel) {
				t.Fatalf("err = %v, want %v", err, tc.sentinel)
			}
			if c, _ := res.Check(tc.check); !errors.Is(c.Err, tc.sentinel) {
				t.Errorf("check %q = %+v", tc.check, c)
			}
			// Exactly one check fails: the breakage is targeted.
			failed := 0
			for _, c := range res.Checks {
				if c.Err != nil {
					failed++
				}
			}
			if failed != 1 {
				t.Errorf("%d checks failed: %v", failed, err)
			}
		})
	}
	// A changed DG1 still parses: the forgery is only caught by the hash.
	doc := synthTestDoc(t, passporttest.ECDSAP256, func(o *passporttest.DocumentOptions) { o.ChangeDataGroup = 1 })
	if dg1, err := passport.ParseDG1(doc.DataGroups[1]); err != nil || dg1.MRZ.PrimaryIdentifier == "ERIKSSON" {
		t.Errorf("altered DG1: %+v, %v", dg1, err)
	}
}

func TestNewSyntheticDocument_MasterListTrust(t *testing.T) {
	doc := synthTestDoc(t, passporttest.ECDSABrainpoolP256, nil)
	ml, err := passport.VerifyMasterList(doc.MasterList, doc.PKI.TrustStore(), pkiTestNow)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := passport.VerifyPassive(doc.SOD, doc.DataGroups, passport.NewTrustStore(ml.CSCAs...), pkiTestNow); err != nil {
		t.Error(err)
	}
}

func TestNewSyntheticDocument_Options(t *testing.T) {
	doc := synthTestDoc(t, passporttest.ECDSAP256, func(o *passporttest.DocumentOptions) {
		o.AAKey = nil
		o.AAKeyType = passporttest.AANone
		o.NoChipAuthentication = true
		o.MRZ = "I<UTOD231458907<<<<<<<<<<<<<<<7408122F1204159UTO<<<<<<<<<<<6ERIKSSON<<ANNA<MARIA<<<<<<<<<<"
	})
	if doc.AAKey != nil || doc.CAKey != nil || doc.DataGroups[15] != nil {
		t.Error("AA/CA present although disabled")
	}
	if doc.MRZ.Format != passport.TD1 || doc.MRZ.DocumentNumber != "D23145890" {
		t.Errorf("MRZ %+v", doc.MRZ)
	}
	if _, err := passporttest.NewDocument(passporttest.DocumentOptions{Now: pkiTestNow}); err == nil {
		t.Error("missing Rand accepted")
	}
	if _, err := passporttest.NewDocument(passporttest.DocumentOptions{Rand: rand.Reader, Now: pkiTestNow, PKI: pkiTestPKI(t, passporttest.ECDSAP256),
		ChangeDataGroup: 3}); err == nil {
		t.Error("changing an absent DG3 accepted")
	}
}

// TestSyntheticDocument_ThroughVirtualChip reads the document through the
// SM side's virtual chip (PACE, secure messaging, READ BINARY), then runs
// Passive, Active and Chip Authentication on what came over the air.
func TestSyntheticDocument_ThroughVirtualChip(t *testing.T) {
	ctx := context.Background()
	for _, aa := range []crypto.Signer{aaKeys(t).rsa1024, aaKeys(t).p256} {
		t.Run(fmt.Sprintf("%T", aa), func(t *testing.T) {
			doc := synthTestDoc(t, passporttest.ECDSABrainpoolP256, func(o *passporttest.DocumentOptions) { o.AAKey = aa })
			chip, err := passporttest.NewChip(doc.ChipConfig(pkiTestRand(30)))
			if err != nil {
				t.Fatal(err)
			}
			s := passport.NewSession(chip, &passport.SessionOptions{Rand: pkiTestRand(31)})
			ca, err := s.ReadCardAccess(ctx)
			if err != nil {
				t.Fatal(err)
			}
			infos, err := passport.ParseSecurityInfos(ca)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := s.PACE(ctx, doc.MRZ.Key(), infos.PACE[0]); err != nil {
				t.Fatalf("PACE: %v", err)
			}
			if err := s.SelectApplication(ctx); err != nil {
				t.Fatal(err)
			}
			com, err := s.ReadFile(ctx, passport.FileCOM)
			if err != nil {
				t.Fatal(err)
			}
			c, err := passport.ParseCOM(com)
			if err != nil {
				t.Fatal(err)
			}
			read := map[int][]byte{}
			for _, n := range c.DataGroups() {
				if read[n], err = s.ReadFile(ctx, passport.FileDG(n)); err != nil {
					t.Fatalf("DG%d: %v", n, err)
				}
			}
			sod, err := s.ReadFile(ctx, passport.FileSOD)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(read, doc.DataGroups) {
				t.Fatal("data groups read differ from the document's")
			}
			if _, err := passport.VerifyPassive(sod, read, doc.Trust, pkiTestNow); err != nil {
				t.Fatalf("PA over the air: %v", err)
			}
			dg14, _ := passport.ParseDG14(read[14])
			dg15, _ := passport.ParseDG15(read[15])
			h, _ := dg14.ActiveAuthenticationHash()
			challenge := []byte{1, 2, 3, 4, 5, 6, 7, 8}
			sig, err := s.InternalAuthenticate(ctx, challenge)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := passport.VerifyActive(dg15.PublicKey, challenge, sig, h); err != nil {
				t.Errorf("AA over the air: %v", err)
			}
			si := dg14.SecurityInfos
			if err := s.ChipAuthenticate(ctx, si.ChipAuthentication[0], si.ChipAuthenticationPublicKeys[0]); err != nil {
				t.Errorf("CA: %v", err)
			}
			if again, err := s.ReadFile(ctx, passport.FileDG(1)); err != nil || !bytes.Equal(again, read[1]) {
				t.Errorf("read after CA: %v", err)
			}
		})
	}
}
