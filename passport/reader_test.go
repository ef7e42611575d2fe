package passport

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
	"strings"
	"testing"
	"time"

	"github.com/go-mitid/mitid/passport/internal/ber"
	"github.com/go-mitid/mitid/passport/internal/ec"
)

// readerFixture is a synthetic passport: its chip, the trust anchors that
// vouch for it, and the key printed on it.
type readerFixture struct {
	chip  *VirtualChip
	pki   *SyntheticPKI
	trust *TrustStore
	key   BACKey
	files map[uint16][]byte
}

type fixtureOptions struct {
	alg        SyntheticAlgorithm
	expiredDSC bool
	pace       []PACEInfo // EF.CardAccess; nil means a BAC-only chip
	aaKey      crypto.Signer
	caCurve    *ec.Curve // nil: no Chip Authentication (no DG14)
	caOID      []int
	tamperDG   int // change one byte of this data group after signing
	omitFromSO int // leave this data group out of EF.SOD
}

var fixtureNow = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

func newReaderFixture(t testing.TB, o fixtureOptions) *readerFixture {
	t.Helper()
	pki, err := NewSyntheticPKI(SyntheticPKIOptions{Rand: rand.Reader, Now: fixtureNow, Algorithm: o.alg, ExpiredDSC: o.expiredDSC})
	if err != nil {
		t.Fatal(err)
	}
	key := BACKey{"L898902C3", "740812", "120415"}
	face, err := SyntheticFaceJPEG(60, 80)
	if err != nil {
		t.Fatal(err)
	}
	dg2, err := (&DG2{Faces: []FaceImage{{Image: face, Width: 60, Height: 80}}}).Marshal()
	if err != nil {
		t.Fatal(err)
	}
	dgs := map[int][]byte{1: testDG1(t), 2: dg2}
	var caKey *ec.ECPrivateKey
	si := &SecurityInfos{}
	if o.caCurve != nil {
		caKey, _ = o.caCurve.GenerateKey(rand.Reader)
		oid := o.caOID
		if oid == nil {
			oid = OIDCAECDHAES128
		}
		si.ChipAuthentication = []ChipAuthenticationInfo{{Protocol: oid, Version: 1}}
		si.ChipAuthenticationPublicKeys = []ChipAuthenticationPublicKeyInfo{{Protocol: OIDPKECDH, PublicKey: &caKey.ECPublicKey}}
	}
	if o.aaKey != nil {
		if dgs[15], err = MarshalDG15(o.aaKey.Public(), false); err != nil {
			t.Fatal(err)
		}
		if _, isRSA := o.aaKey.(*rsa.PrivateKey); !isRSA {
			si.ActiveAuthentication = []ActiveAuthenticationInfo{{Protocol: OIDActiveAuthentication, Version: 1, SignatureAlgorithm: OIDECDSAPlainSHA256}}
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
	com := &COM{LDSVersion: "0108", UnicodeVersion: "040000"}
	for n, b := range dgs {
		if n != o.omitFromSO {
			signed[n] = b
		}
	}
	for n := 1; n <= 16; n++ {
		if _, ok := dgs[n]; ok {
			tag, _ := DataGroupTag(n)
			com.Tags = append(com.Tags, tag)
		}
	}
	sod, err := pki.SignSOD(rand.Reader, signed, SODOptions{SigningTime: fixtureNow})
	if err != nil {
		t.Fatal(err)
	}
	if o.tamperDG != 0 {
		b := bytes.Clone(dgs[o.tamperDG])
		b[len(b)-1] ^= 0x01
		dgs[o.tamperDG] = b
	}
	files := map[uint16][]byte{FileCOM: com.Marshal(), FileSOD: sod}
	for n, b := range dgs {
		files[FileDG(n)] = b
	}
	cfg := VirtualChipConfig{Files: files, Key: key, AAKey: o.aaKey, CAKey: caKey}
	if o.pace != nil {
		cfg.CardAccess = cardAccess(t, o.pace...)
	}
	chip, err := NewVirtualChip(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return &readerFixture{chip: chip, pki: pki, trust: pki.TrustStore(), key: key, files: files}
}

func (f *readerFixture) read(t testing.TB, o Options) (*Document, *Evidence) {
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
	doc, ev, err := NewReader(f.chip).Read(context.Background(), o)
	if err != nil {
		t.Fatalf("Read: %v\n%s", err, ev)
	}
	return doc, ev
}

func requireStatus(t *testing.T, ev *Evidence, name CheckName, want CheckStatus) Check {
	t.Helper()
	c, ok := ev.Check(name)
	if !ok || c.Status != want {
		t.Fatalf("%s: got %v (%v), want %v\n%s", name, c.Status, c.Err, want, ev)
	}
	return c
}

func TestReader_WholeReadWithBAC(t *testing.T) {
	ecKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	f := newReaderFixture(t, fixtureOptions{alg: SyntheticECDSAP256, aaKey: ecKey, caCurve: ec.BrainpoolP256r1()})
	doc, ev := f.read(t, Options{})
	requireStatus(t, ev, CheckPACE, Skipped)
	requireStatus(t, ev, CheckBAC, Passed)
	requireStatus(t, ev, CheckReadFiles, Passed)
	requireStatus(t, ev, CheckParseLDS, Passed)
	requireStatus(t, ev, CheckMRZMatchesKey, Passed)
	requireStatus(t, ev, CheckChipAuthentication, Passed)
	requireStatus(t, ev, CheckActiveAuthentication, Passed)
	requireStatus(t, ev, CheckPassiveAuthentication, Passed)
	if !ev.Authentic() || !ev.ChipGenuine() || ev.Err() != nil {
		t.Errorf("verdict: authentic=%v genuine=%v err=%v", ev.Authentic(), ev.ChipGenuine(), ev.Err())
	}
	if ev.AccessControl != "BAC" || ev.SecureMessaging != "AES-128" {
		t.Errorf("access %s, SM %s (CA restarts SM with AES)", ev.AccessControl, ev.SecureMessaging)
	}
	if doc.MRZ == nil || doc.MRZ.PrimaryIdentifier != "ERIKSSON" || doc.DG2 == nil || len(doc.DG2.Faces) != 1 || doc.DG2.Faces[0].Format != ImageJPEG {
		t.Errorf("document: %+v", doc)
	}
	if doc.DG14 == nil || doc.DG15 == nil || doc.SOD == nil || doc.COM == nil {
		t.Error("DG14, DG15, SOD or COM missing")
	}
	if !slices_equal(ev.DataGroupsRead, []int{1, 2, 14, 15}) {
		t.Errorf("read %v", ev.DataGroupsRead)
	}
}

func slices_equal(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestReader_WholeReadWithPACE(t *testing.T) {
	rsaKey, err := rsa.GenerateKey(rand.Reader, 1024)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		alg  SyntheticAlgorithm
		pace PACEInfo
		key  AccessKey
	}{
		{"GM brainpoolP256r1, brainpool PKI, MRZ", SyntheticECDSABrainpoolP256, paceInfo(OIDPACEECDHGMAES128, 13), nil},
		{"GM P-256, P-256 PKI, MRZ", SyntheticECDSAP256, paceInfo(OIDPACEECDHGMAES256, 12), nil},
		{"CAM brainpoolP256r1", SyntheticECDSAP256, paceInfo(OIDPACEECDHCAMAES128, 13), nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newReaderFixture(t, fixtureOptions{alg: tc.alg, pace: []PACEInfo{tc.pace}, aaKey: rsaKey, caCurve: ec.BrainpoolP256r1()})
			_, ev := f.read(t, Options{Key: tc.key})
			requireStatus(t, ev, CheckPACE, Passed)
			requireStatus(t, ev, CheckBAC, Skipped)
			requireStatus(t, ev, CheckActiveAuthentication, Passed)
			requireStatus(t, ev, CheckPassiveAuthentication, Passed)
			if tc.pace.Protocol.Equal(OIDPACEECDHCAMAES128) {
				requireStatus(t, ev, CheckPACECAM, Passed)
				requireStatus(t, ev, CheckChipAuthentication, Skipped)
			} else {
				requireStatus(t, ev, CheckChipAuthentication, Passed)
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
	f := newReaderFixture(t, fixtureOptions{alg: SyntheticECDSAP256, pace: []PACEInfo{paceInfo(OIDPACEECDHGMAES128, 13)}})
	f.chip.cfg.CAN = "123456"
	_, ev := f.read(t, Options{Key: CAN("123456")})
	requireStatus(t, ev, CheckPACE, Passed)
	requireStatus(t, ev, CheckMRZMatchesKey, Skipped)
	requireStatus(t, ev, CheckPassiveAuthentication, Passed)
	// A wrong CAN cannot fall back to BAC.
	_, ev, err := NewReader(f.chip).Read(context.Background(), Options{Key: CAN("123457"), Trust: f.trust})
	if !errors.Is(err, ErrAccessControl) || !errors.Is(err, ErrAuthenticationFailed) {
		t.Errorf("wrong CAN: %v", err)
	}
	requireStatus(t, ev, CheckPACE, Failed)
}

// TestReader_PassiveAuthenticationFailures proves the evidence names each
// way a forged or outdated document fails.
func TestReader_PassiveAuthenticationFailures(t *testing.T) {
	t.Run("changed data group", func(t *testing.T) {
		f := newReaderFixture(t, fixtureOptions{alg: SyntheticECDSAP256, tamperDG: 2})
		_, ev := f.read(t, Options{})
		c := requireStatus(t, ev, CheckPassiveAuthentication, Failed)
		var dge *DataGroupError
		if !errors.Is(c.Err, ErrDataGroupHashMismatch) || !errors.As(c.Err, &dge) || dge.DataGroup != 2 {
			t.Errorf("err = %v", c.Err)
		}
		if ev.Authentic() {
			t.Error("tampered document reported authentic")
		}
	})
	t.Run("data group missing from EF.SOD", func(t *testing.T) {
		f := newReaderFixture(t, fixtureOptions{alg: SyntheticECDSAP256, omitFromSO: 2})
		_, ev := f.read(t, Options{})
		c := requireStatus(t, ev, CheckPassiveAuthentication, Failed)
		if !errors.Is(c.Err, ErrDataGroupNotInSOD) {
			t.Errorf("err = %v", c.Err)
		}
	})
	t.Run("wrong CSCA", func(t *testing.T) {
		f := newReaderFixture(t, fixtureOptions{alg: SyntheticECDSAP256})
		other := newReaderFixture(t, fixtureOptions{alg: SyntheticECDSAP256})
		_, ev := f.read(t, Options{Trust: other.trust})
		c := requireStatus(t, ev, CheckPassiveAuthentication, Failed)
		if !errors.Is(c.Err, ErrUntrustedSigner) {
			t.Errorf("err = %v", c.Err)
		}
	})
	t.Run("expired DSC", func(t *testing.T) {
		f := newReaderFixture(t, fixtureOptions{alg: SyntheticECDSAP256, expiredDSC: true})
		_, ev := f.read(t, Options{})
		c := requireStatus(t, ev, CheckPassiveAuthentication, Failed)
		if !errors.Is(c.Err, ErrCertificateExpired) {
			t.Errorf("err = %v", c.Err)
		}
	})
}

// TestReader_ActiveAuthenticationFails uses a clone: the chip signs with a
// key other than the one in DG15.
func TestReader_ActiveAuthenticationFails(t *testing.T) {
	aa, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	f := newReaderFixture(t, fixtureOptions{alg: SyntheticECDSAP256, aaKey: aa})
	f.chip.cfg.AAKey, _ = ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	_, ev := f.read(t, Options{})
	c := requireStatus(t, ev, CheckActiveAuthentication, Failed)
	if !errors.Is(c.Err, ErrActiveAuthenticationFailed) {
		t.Errorf("err = %v", c.Err)
	}
	requireStatus(t, ev, CheckPassiveAuthentication, Passed)
	if !ev.Authentic() || ev.ChipGenuine() {
		t.Errorf("a clone must be authentic data on a non-genuine chip:\n%s", ev)
	}
}

// TestReader_ChipAuthenticationFails uses a clone without the CA key.
func TestReader_ChipAuthenticationFails(t *testing.T) {
	f := newReaderFixture(t, fixtureOptions{alg: SyntheticECDSAP256, caCurve: ec.NISTP256(), caOID: OIDCAECDH3DES})
	f.chip.cfg.CAKey, _ = ec.NISTP256().GenerateKey(rand.Reader)
	_, ev := f.read(t, Options{})
	c := requireStatus(t, ev, CheckChipAuthentication, Failed)
	if !errors.Is(c.Err, ErrChipAuthenticationFailed) {
		t.Errorf("err = %v", c.Err)
	}
	if ev.ChipGenuine() {
		t.Error("clone reported genuine")
	}
}

func TestReader_OptionsAndAccessErrors(t *testing.T) {
	f := newReaderFixture(t, fixtureOptions{alg: SyntheticECDSAP256, pace: []PACEInfo{paceInfo(OIDPACEECDHGMAES128, 13)}})
	_, ev := f.read(t, Options{NoPACE: true, DataGroups: []int{1}, SkipActiveAuthentication: true, SkipChipAuthentication: true})
	requireStatus(t, ev, CheckPACE, Skipped)
	requireStatus(t, ev, CheckBAC, Passed)
	requireStatus(t, ev, CheckActiveAuthentication, Skipped)
	if !slices_equal(ev.DataGroupsRead, []int{1}) {
		t.Errorf("read %v", ev.DataGroupsRead)
	}
	// PA passes for the subset and notes DG2 as not read.
	requireStatus(t, ev, CheckPassiveAuthentication, Passed)
	if len(ev.Passive.NotRead) != 1 || ev.Passive.NotRead[0] != 2 {
		t.Errorf("NotRead = %v", ev.Passive.NotRead)
	}
	wrong := BACKey{"L898902C3", "740812", "120416"}
	if _, _, err := NewReader(f.chip).Read(context.Background(), Options{Key: wrong}); !errors.Is(err, ErrAccessControl) {
		t.Errorf("wrong MRZ key: %v", err)
	}
	if _, _, err := NewReader(f.chip).Read(context.Background(), Options{}); err == nil {
		t.Error("Read without a key succeeded")
	}
	// The DG1 cross-check notices a key that opens the chip but is not the
	// one printed in DG1 (a chip keyed differently from its data).
	f.chip.cfg.Key = BACKey{"X1234567", "010101", "300101"}
	_, ev = f.read(t, Options{Key: f.chip.cfg.Key})
	requireStatus(t, ev, CheckMRZMatchesKey, Failed)
}

func ExampleReader_Read() {
	// A synthetic passport on a virtual chip; with a real reader, pass any
	// Transceiver (PC/SC, NFC) instead.
	pki, _ := NewSyntheticPKI(SyntheticPKIOptions{Rand: rand.Reader, Now: fixtureNow})
	dg1 := ber.EncodeTLV(0x61, ber.EncodeTLV(0x5F1F, []byte("P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<L898902C36UTO7408122F1204159ZE184226B<<<<<10")))
	sod, _ := pki.SignSOD(rand.Reader, map[int][]byte{1: dg1}, SODOptions{SigningTime: fixtureNow})
	com := (&COM{LDSVersion: "0108", UnicodeVersion: "040000", Tags: []ber.Tag{0x61}}).Marshal()
	chip, _ := NewVirtualChip(VirtualChipConfig{
		Files: map[uint16][]byte{FileCOM: com, FileSOD: sod, FileDG(1): dg1},
		Key:   BACKey{"L898902C3", "740812", "120415"},
	})

	mrz, _ := ParseMRZ("P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<L898902C36UTO7408122F1204159ZE184226B<<<<<10")
	doc, ev, err := NewReader(chip).Read(context.Background(), Options{
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
