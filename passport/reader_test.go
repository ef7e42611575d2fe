package passport_test

import (
	"bytes"
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/go-mitid/mitid/passport"
	"github.com/go-mitid/mitid/passport/internal/ber"
	"github.com/go-mitid/mitid/passport/internal/ec"
	"github.com/go-mitid/mitid/passport/internal/oids"
	"github.com/go-mitid/mitid/passport/passporttest"
)

// readerFixture is a synthetic passport: its chip, the trust anchors that
// vouch for it, and the key printed on it.
type readerFixture struct {
	chip  *passporttest.Chip
	pki   *passporttest.PKI
	trust *passport.TrustStore
	key   passport.BACKey
	files map[uint16][]byte
}

type fixtureOptions struct {
	alg        passporttest.Algorithm
	expiredDSC bool
	pace       []passport.PACEInfo // EF.CardAccess; nil means a BAC-only chip
	aaKey      crypto.Signer
	caCurve    *ec.Curve // nil: no Chip Authentication (no DG14)
	caOID      []int
	tamperDG   int // change one byte of this data group after signing
	omitFromSO int // leave this data group out of EF.SOD
}

var fixtureNow = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

func newReaderFixture(t testing.TB, o fixtureOptions) *readerFixture {
	t.Helper()
	pki, err := passporttest.NewPKI(passporttest.PKIOptions{Rand: rand.Reader, Now: fixtureNow, Algorithm: o.alg, ExpiredDSC: o.expiredDSC})
	if err != nil {
		t.Fatal(err)
	}
	key := passport.BACKey{"L898902C3", "740812", "120415"}
	face, err := passporttest.FaceJPEG(60, 80)
	if err != nil {
		t.Fatal(err)
	}
	dg2, err := (&passport.DG2{Faces: []passport.FaceImage{{Image: face, Width: 60, Height: 80}}}).Marshal()
	if err != nil {
		t.Fatal(err)
	}
	dgs := map[int][]byte{1: testDG1(), 2: dg2}
	var caKey *ec.PrivateKey
	si := &passport.SecurityInfos{}
	if o.caCurve != nil {
		caKey, _ = o.caCurve.GenerateKey(rand.Reader)
		oid := o.caOID
		if oid == nil {
			oid = oids.CAECDHAES128
		}
		si.ChipAuthentication = []passport.ChipAuthenticationInfo{{Protocol: oid, Version: 1}}
		si.ChipAuthenticationPublicKeys = []passport.ChipAuthenticationPublicKeyInfo{{Protocol: oids.PKECDH, PublicKey: &caKey.PublicKey}}
	}
	if o.aaKey != nil {
		if dgs[15], err = passport.MarshalDG15(o.aaKey.Public(), false); err != nil {
			t.Fatal(err)
		}
		if _, isRSA := o.aaKey.(*rsa.PrivateKey); !isRSA {
			si.ActiveAuthentication = []passport.ActiveAuthenticationInfo{{Protocol: oids.ActiveAuthentication, Version: 1, SignatureAlgorithm: oids.ECDSAPlainSHA256}}
		}
	}
	if o.caCurve != nil || len(si.ActiveAuthentication) > 0 {
		b, err := si.Marshal()
		if err != nil {
			t.Fatal(err)
		}
		dgs[14] = ber.EncodeTLV(0x6E, b)
	}
	signed := map[int][]byte{}
	com := &passport.COM{LDSVersion: "0108", UnicodeVersion: "040000"}
	for n, b := range dgs {
		if n != o.omitFromSO {
			signed[n] = b
		}
	}
	for n := 1; n <= 16; n++ {
		if _, ok := dgs[n]; ok {
			tag, _ := passport.DataGroupTag(n)
			com.Tags = append(com.Tags, tag)
		}
	}
	sod, err := pki.SignSOD(rand.Reader, signed, passporttest.SODOptions{SigningTime: fixtureNow})
	if err != nil {
		t.Fatal(err)
	}
	if o.tamperDG != 0 {
		b := bytes.Clone(dgs[o.tamperDG])
		b[len(b)-1] ^= 0x01
		dgs[o.tamperDG] = b
	}
	files := map[uint16][]byte{passport.FileCOM: com.Marshal(), passport.FileSOD: sod}
	for n, b := range dgs {
		files[passport.FileDG(n)] = b
	}
	cfg := passporttest.ChipConfig{Files: files, Key: key, AAKey: o.aaKey, CAKey: caKey}
	if o.pace != nil {
		cfg.CardAccess = cardAccess(t, o.pace...)
	}
	chip, err := passporttest.NewChip(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return &readerFixture{chip: chip, pki: pki, trust: pki.TrustStore(), key: key, files: files}
}

func (f *readerFixture) read(t testing.TB, o passport.Options) (*passport.Document, *passport.Evidence) {
	t.Helper()
	if o.Key == nil {
		o.Key = f.key
	}
	if o.Trust == nil {
		o.Trust = f.trust
	}
	if o.Now == nil {
		o.Now = func() time.Time { return fixtureNow }
	}
	doc, ev, err := passport.NewReader(f.chip).Read(context.Background(), o)
	if err != nil {
		t.Fatalf("Read: %v\n%s", err, ev)
	}
	return doc, ev
}

func requireStatus(t *testing.T, ev *passport.Evidence, name passport.CheckName, want passport.CheckStatus) passport.Check {
	t.Helper()
	c, ok := ev.Check(name)
	if !ok || c.Status != want {
		t.Fatalf("%s: got %v (%v), want %v\n%s", name, c.Status, c.Err, want, ev)
	}
	return c
}

func TestReader_WholeReadWithBAC(t *testing.T) {
	ecKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	f := newReaderFixture(t, fixtureOptions{alg: passporttest.ECDSAP256, aaKey: ecKey, caCurve: ec.BrainpoolP256r1()})
	doc, ev := f.read(t, passport.Options{})
	requireStatus(t, ev, passport.CheckPACE, passport.Skipped)
	requireStatus(t, ev, passport.CheckBAC, passport.Passed)
	requireStatus(t, ev, passport.CheckReadFiles, passport.Passed)
	requireStatus(t, ev, passport.CheckParseLDS, passport.Passed)
	requireStatus(t, ev, passport.CheckMRZMatchesKey, passport.Passed)
	requireStatus(t, ev, passport.CheckChipAuthentication, passport.Passed)
	requireStatus(t, ev, passport.CheckActiveAuthentication, passport.Passed)
	requireStatus(t, ev, passport.CheckPassiveAuthentication, passport.Passed)
	if !ev.Authentic() || !ev.ChipGenuine() || ev.Err() != nil {
		t.Errorf("verdict: authentic=%v genuine=%v err=%v", ev.Authentic(), ev.ChipGenuine(), ev.Err())
	}
	if ev.AccessControl != "BAC" || ev.SecureMessaging != "AES-128" {
		t.Errorf("access %s, SM %s (CA restarts SM with AES)", ev.AccessControl, ev.SecureMessaging)
	}
	if doc.MRZ == nil || doc.MRZ.PrimaryIdentifier != "ERIKSSON" || doc.DG2 == nil || len(doc.DG2.Faces) != 1 || doc.DG2.Faces[0].Format != passport.ImageJPEG {
		t.Errorf("document: %+v", doc)
	}
	if doc.DG14 == nil || doc.DG15 == nil || doc.SOD == nil || doc.COM == nil {
		t.Error("DG14, DG15, SOD or COM missing")
	}
	if !slices.Equal(ev.DataGroupsRead, []int{1, 2, 14, 15}) {
		t.Errorf("read %v", ev.DataGroupsRead)
	}
}

func TestReader_WholeReadWithPACE(t *testing.T) {
	rsaKey, err := rsa.GenerateKey(rand.Reader, 1024) //nolint:gosec // G403: a test chip's RSA-1024 Active Authentication key, as issued passports carry
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		alg  passporttest.Algorithm
		pace passport.PACEInfo
		key  passport.AccessKey
	}{
		{"GM brainpoolP256r1, brainpool PKI, MRZ", passporttest.ECDSABrainpoolP256, paceInfo(oids.PACEECDHGMAES128, 13), nil},
		{"GM P-256, P-256 PKI, MRZ", passporttest.ECDSAP256, paceInfo(oids.PACEECDHGMAES256, 12), nil},
		{"CAM brainpoolP256r1", passporttest.ECDSAP256, paceInfo(oids.PACEECDHCAMAES128, 13), nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newReaderFixture(t, fixtureOptions{alg: tc.alg, pace: []passport.PACEInfo{tc.pace}, aaKey: rsaKey, caCurve: ec.BrainpoolP256r1()})
			_, ev := f.read(t, passport.Options{Key: tc.key})
			requireStatus(t, ev, passport.CheckPACE, passport.Passed)
			requireStatus(t, ev, passport.CheckBAC, passport.Skipped)
			requireStatus(t, ev, passport.CheckActiveAuthentication, passport.Passed)
			requireStatus(t, ev, passport.CheckPassiveAuthentication, passport.Passed)
			if tc.pace.Protocol.Equal(oids.PACEECDHCAMAES128) {
				requireStatus(t, ev, passport.CheckPACECAM, passport.Passed)
				requireStatus(t, ev, passport.CheckChipAuthentication, passport.Skipped)
			} else {
				requireStatus(t, ev, passport.CheckChipAuthentication, passport.Passed)
			}
			if !ev.Authentic() || !ev.ChipGenuine() || ev.AccessControl != "PACE" {
				t.Errorf("verdict wrong:\n%s", ev)
			}
			if !strings.Contains(ev.String(), "passed  Passive Authentication") {
				t.Errorf("String:\n%s", ev)
			}
		})
	}
}

func TestReader_WithCAN(t *testing.T) {
	f := newReaderFixture(t, fixtureOptions{alg: passporttest.ECDSAP256, pace: []passport.PACEInfo{paceInfo(oids.PACEECDHGMAES128, 13)}})
	f.chip.Config().CAN = "123456"
	_, ev := f.read(t, passport.Options{Key: passport.CAN("123456")})
	requireStatus(t, ev, passport.CheckPACE, passport.Passed)
	requireStatus(t, ev, passport.CheckMRZMatchesKey, passport.Skipped)
	requireStatus(t, ev, passport.CheckPassiveAuthentication, passport.Passed)
	// A wrong CAN cannot fall back to BAC.
	_, ev, err := passport.NewReader(f.chip).Read(context.Background(), passport.Options{Key: passport.CAN("123457"), Trust: f.trust})
	if !errors.Is(err, passport.ErrAccessControl) || !errors.Is(err, passport.ErrAuthenticationFailed) {
		t.Errorf("wrong CAN: %v", err)
	}
	requireStatus(t, ev, passport.CheckPACE, passport.Failed)
}

// TestReader_PassiveAuthenticationFailures proves the evidence names each
// way a forged or outdated document fails.
func TestReader_PassiveAuthenticationFailures(t *testing.T) {
	t.Run("changed data group", func(t *testing.T) {
		f := newReaderFixture(t, fixtureOptions{alg: passporttest.ECDSAP256, tamperDG: 2})
		_, ev := f.read(t, passport.Options{})
		c := requireStatus(t, ev, passport.CheckPassiveAuthentication, passport.Failed)
		var dge *passport.DataGroupError
		if !errors.Is(c.Err, passport.ErrDataGroupHashMismatch) || !errors.As(c.Err, &dge) || dge.DataGroup != 2 {
			t.Errorf("err = %v", c.Err)
		}
		if ev.Authentic() {
			t.Error("tampered document reported authentic")
		}
	})
	t.Run("data group missing from EF.SOD", func(t *testing.T) {
		f := newReaderFixture(t, fixtureOptions{alg: passporttest.ECDSAP256, omitFromSO: 2})
		_, ev := f.read(t, passport.Options{})
		c := requireStatus(t, ev, passport.CheckPassiveAuthentication, passport.Failed)
		if !errors.Is(c.Err, passport.ErrDataGroupNotInSOD) {
			t.Errorf("err = %v", c.Err)
		}
	})
	t.Run("wrong CSCA", func(t *testing.T) {
		f := newReaderFixture(t, fixtureOptions{alg: passporttest.ECDSAP256})
		other := newReaderFixture(t, fixtureOptions{alg: passporttest.ECDSAP256})
		_, ev := f.read(t, passport.Options{Trust: other.trust})
		c := requireStatus(t, ev, passport.CheckPassiveAuthentication, passport.Failed)
		if !errors.Is(c.Err, passport.ErrUntrustedSigner) {
			t.Errorf("err = %v", c.Err)
		}
	})
	t.Run("expired DSC", func(t *testing.T) {
		f := newReaderFixture(t, fixtureOptions{alg: passporttest.ECDSAP256, expiredDSC: true})
		_, ev := f.read(t, passport.Options{})
		c := requireStatus(t, ev, passport.CheckPassiveAuthentication, passport.Failed)
		if !errors.Is(c.Err, passport.ErrCertificateExpired) {
			t.Errorf("err = %v", c.Err)
		}
	})
}

// TestReader_ActiveAuthenticationFails uses a clone: the chip signs with a
// key other than the one in DG15.
func TestReader_ActiveAuthenticationFails(t *testing.T) {
	aa, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	f := newReaderFixture(t, fixtureOptions{alg: passporttest.ECDSAP256, aaKey: aa})
	f.chip.Config().AAKey, _ = ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	_, ev := f.read(t, passport.Options{})
	c := requireStatus(t, ev, passport.CheckActiveAuthentication, passport.Failed)
	if !errors.Is(c.Err, passport.ErrActiveAuthenticationFailed) {
		t.Errorf("err = %v", c.Err)
	}
	requireStatus(t, ev, passport.CheckPassiveAuthentication, passport.Passed)
	if !ev.Authentic() || ev.ChipGenuine() {
		t.Errorf("a clone must be authentic data on a non-genuine chip:\n%s", ev)
	}
}

// TestReader_ChipAuthenticationFails uses a clone without the CA key.
func TestReader_ChipAuthenticationFails(t *testing.T) {
	f := newReaderFixture(t, fixtureOptions{alg: passporttest.ECDSAP256, caCurve: ec.NISTP256(), caOID: oids.CAECDH3DES})
	f.chip.Config().CAKey, _ = ec.NISTP256().GenerateKey(rand.Reader)
	_, ev := f.read(t, passport.Options{})
	c := requireStatus(t, ev, passport.CheckChipAuthentication, passport.Failed)
	if !errors.Is(c.Err, passport.ErrChipAuthenticationFailed) {
		t.Errorf("err = %v", c.Err)
	}
	if ev.ChipGenuine() {
		t.Error("clone reported genuine")
	}
}

func TestReader_OptionsAndAccessErrors(t *testing.T) {
	f := newReaderFixture(t, fixtureOptions{alg: passporttest.ECDSAP256, pace: []passport.PACEInfo{paceInfo(oids.PACEECDHGMAES128, 13)}})
	_, ev := f.read(t, passport.Options{NoPACE: true, DataGroups: []int{1}, SkipActiveAuthentication: true, SkipChipAuthentication: true})
	requireStatus(t, ev, passport.CheckPACE, passport.Skipped)
	requireStatus(t, ev, passport.CheckBAC, passport.Passed)
	requireStatus(t, ev, passport.CheckActiveAuthentication, passport.Skipped)
	if !slices.Equal(ev.DataGroupsRead, []int{1}) {
		t.Errorf("read %v", ev.DataGroupsRead)
	}
	// PA passes for the subset and notes DG2 as not read.
	requireStatus(t, ev, passport.CheckPassiveAuthentication, passport.Passed)
	if len(ev.Passive.NotRead) != 1 || ev.Passive.NotRead[0] != 2 {
		t.Errorf("NotRead = %v", ev.Passive.NotRead)
	}
	wrong := passport.BACKey{"L898902C3", "740812", "120416"}
	if _, _, err := passport.NewReader(f.chip).Read(context.Background(), passport.Options{Key: wrong}); !errors.Is(err, passport.ErrAccessControl) {
		t.Errorf("wrong MRZ key: %v", err)
	}
	if _, _, err := passport.NewReader(f.chip).Read(context.Background(), passport.Options{}); err == nil {
		t.Error("Read without a key succeeded")
	}
	// The DG1 cross-check notices a key that opens the chip but is not the
	// one printed in DG1 (a chip keyed differently from its data).
	f.chip.Config().Key = passport.BACKey{"X1234567", "010101", "300101"}
	_, ev = f.read(t, passport.Options{Key: f.chip.Config().Key})
	requireStatus(t, ev, passport.CheckMRZMatchesKey, passport.Failed)
}

func ExampleReader_Read() {
	// A synthetic passport on a virtual chip; with a real reader, pass any
	// Transceiver (PC/SC, NFC) instead.
	pki, _ := passporttest.NewPKI(passporttest.PKIOptions{Rand: rand.Reader, Now: fixtureNow})
	dg1 := ber.EncodeTLV(0x61, ber.EncodeTLV(0x5F1F, []byte("P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<L898902C36UTO7408122F1204159ZE184226B<<<<<10")))
	sod, _ := pki.SignSOD(rand.Reader, map[int][]byte{1: dg1}, passporttest.SODOptions{SigningTime: fixtureNow})
	com := (&passport.COM{LDSVersion: "0108", UnicodeVersion: "040000", Tags: []ber.Tag{0x61}}).Marshal()
	chip, _ := passporttest.NewChip(passporttest.ChipConfig{
		Files: map[uint16][]byte{passport.FileCOM: com, passport.FileSOD: sod, passport.FileDG(1): dg1},
		Key:   passport.BACKey{"L898902C3", "740812", "120415"},
	})

	mrz, _ := passport.ParseMRZ("P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<L898902C36UTO7408122F1204159ZE184226B<<<<<10")
	doc, ev, err := passport.NewReader(chip).Read(context.Background(), passport.Options{
		Key:   mrz.Key(),
		Trust: pki.TrustStore(),
		Now:   func() time.Time { return fixtureNow },
	})
	if err != nil {
		panic(err)
	}
	fmt.Println(doc.MRZ.PrimaryIdentifier, ev.AccessControl, ev.Authentic())
	// Output: ERIKSSON BAC true
}
