package passport_test

import (
	"bytes"
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"encoding/asn1"
	"errors"
	"runtime"
	"testing"

	"github.com/go-mitid/mitid/passport"
	"github.com/go-mitid/mitid/passport/internal/ber"
	"github.com/go-mitid/mitid/passport/internal/oids"
	"github.com/go-mitid/mitid/passport/internal/rsaraw"
	"github.com/go-mitid/mitid/passport/passporttest"
)

// berIndefinite re-encodes a DER SOD the way BER producers do: indefinite
// lengths on ContentInfo, SignedData and encapContentInfo, and the eContent
// as a constructed OCTET STRING in two segments.
func berIndefinite(t *testing.T, efSOD []byte) []byte {
	t.Helper()
	w, _ := ber.ReadAll(efSOD)
	ci, _ := ber.ReadAll(w.Content)
	ciParts, _ := ber.Children(ci)
	sdWrap, _ := ber.ReadAll(ciParts[1].Content)
	sd, _ := ber.Children(sdWrap)
	encap, _ := ber.Children(sd[2])
	oct, _ := ber.ReadAll(encap[1].Content)
	content := oct.Content
	half := len(content) / 2
	eContent := append([]byte{0x24, 0x80}, ber.DER(0x04, content[:half])...)
	eContent = append(eContent, ber.DER(0x04, content[half:])...)
	eContent = append(eContent, 0, 0)
	indef := func(id byte, parts ...[]byte) []byte {
		out := []byte{id, 0x80}
		for _, p := range parts {
			out = append(out, p...)
		}
		return append(out, 0, 0)
	}
	newEncap := indef(0x30, encap[0].Full, indef(0xA0, eContent))
	var rest [][]byte
	for _, e := range sd[3:] {
		rest = append(rest, e.Full)
	}
	newSD := indef(0x30, append([][]byte{sd[0].Full, sd[1].Full, newEncap}, rest...)...)
	newCI := indef(0x30, ciParts[0].Full, indef(0xA0, newSD))
	return ber.EncodeTLV(passport.TagSOD, newCI)
}

func TestParseSOD_BERIndefiniteLengths(t *testing.T) {
	p := pkiTestPKI(t, passporttest.ECDSAP256)
	dgs := pkiTestDataGroups()
	der := pkiSignSOD(t, p, dgs, passporttest.SODOptions{})
	ber := berIndefinite(t, der)
	if bytes.Equal(ber, der) || ber[5] != 0x80 {
		t.Fatalf("re-encoding did not produce BER: % X", ber[:8])
	}
	a, err := passport.ParseSOD(der)
	if err != nil {
		t.Fatal(err)
	}
	b, err := passport.ParseSOD(ber)
	if err != nil {
		t.Fatalf("BER SOD: %v", err)
	}
	if !bytes.Equal(a.SignedData.EContent, b.SignedData.EContent) {
		t.Error("eContent differs between DER and BER")
	}
	if _, err := passport.VerifyPassive(ber, dgs, p.TrustStore(), pkiTestNow); err != nil {
		t.Errorf("VerifyPassive(BER): %v", err)
	}
}

// TestSignedData_WithoutSignedAttributes: RFC 5652 allows the signature
// over the content itself; some older SODs do that.
func TestSignedData_WithoutSignedAttributes(t *testing.T) {
	p := pkiTestPKI(t, passporttest.ECDSAP256)
	content := []byte{0x30, 0x03, 0x02, 0x01, 0x00}
	sig, err := p.Algorithm.Sign(rand.Reader, p.DSCKey, content)
	if err != nil {
		t.Fatal(err)
	}
	enc := func(v any) []byte { b, _ := asn1.Marshal(v); return b }
	digestAlg := ber.DER(0x30, enc(passport.OidSHA256), []byte{5, 0})
	si := ber.DER(0x30, enc(1), ber.DER(0x30, p.DSC.RawIssuer, enc(p.DSC.SerialNumber)), digestAlg, p.Algorithm.AlgorithmID(), ber.DER(0x04, sig))
	sdBytes := ber.DER(0x30, enc(3), ber.DER(0x31, digestAlg), ber.DER(0x30, enc(oids.LDSSecurityObject), ber.DER(0xA0, ber.DER(0x04, content))),
		ber.DER(0xA0, p.DSC.Raw), ber.DER(0x31, si))
	ci := ber.DER(0x30, enc(passport.OidSignedData), ber.DER(0xA0, sdBytes))
	sd, err := passport.ParseSignedData(ci)
	if err != nil {
		t.Fatal(err)
	}
	signer, err := sd.Signer(sd.SignerInfos[0])
	if err != nil {
		t.Fatal(err)
	}
	if err := sd.VerifySignerInfo(sd.SignerInfos[0], signer); err != nil {
		t.Errorf("VerifySignerInfo: %v", err)
	}
	sd.EContent = []byte{0x30, 0x03, 0x02, 0x01, 0x01}
	var ce *passport.CMSError
	if err := sd.VerifySignerInfo(sd.SignerInfos[0], signer); !errors.As(err, &ce) || ce.Check != passport.CMSCheckSignature {
		t.Errorf("changed content: %v", err)
	}
}

// TestPSS_IndependentMGFHash checks the RSASSA-PSS path crypto/rsa does not
// cover (MGF1 hash ≠ message hash) against an encoding built here by hand.
func TestPSS_IndependentMGFHash(t *testing.T) {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	alg := passport.NewSigAlg(passport.SchemeRSAPSS, crypto.SHA256, crypto.SHA1, 20)
	msg := []byte("LDSSecurityObject")
	d := crypto.SHA256.New()
	d.Write(msg)
	mHash := d.Sum(nil)
	salt := bytes.Repeat([]byte{0x5A}, 20)
	// EMSA-PSS-ENCODE, RFC 8017 §9.1.1, emBits = 2047.
	emLen := 256
	mp := crypto.SHA256.New()
	mp.Write(make([]byte, 8))
	mp.Write(mHash)
	mp.Write(salt)
	h := mp.Sum(nil)
	db := append(make([]byte, emLen-len(salt)-32-2), 0x01)
	db = append(db, salt...)
	mask := rsaraw.MGF1(crypto.SHA1, h, len(db))
	for i := range db {
		db[i] ^= mask[i]
	}
	db[0] &= 0x7F
	em := append(append(db, h...), 0xBC)
	sig, err := rsaraw.Private(key, em)
	if err != nil {
		t.Fatal(err)
	}
	pub := &passport.PublicKey{RSA: &key.PublicKey}
	if err := pub.Verify(alg, msg, sig); err != nil {
		t.Fatalf("verify: %v", err)
	}
	if err := pub.Verify(alg, []byte("other"), sig); !errors.Is(err, passport.ErrSignatureInvalid) {
		t.Errorf("other message: %v", err)
	}
	// The stdlib path must reject it: its MGF1 uses SHA-256.
	same := passport.NewSigAlg(passport.SchemeRSAPSS, crypto.SHA256, crypto.SHA256, 20)
	if err := pub.Verify(same, msg, sig); !errors.Is(err, passport.ErrSignatureInvalid) {
		t.Errorf("MGF1-SHA-256 accepted a MGF1-SHA-1 signature: %v", err)
	}
}

// TestParsers_DeclaredLengthsDoNotDriveAllocation: lengths claiming
// gigabytes are rejected without allocating for them.
func TestParsers_DeclaredLengthsDoNotDriveAllocation(t *testing.T) {
	inputs := [][]byte{
		{0x77, 0x84, 0x7F, 0xFF, 0xFF, 0xFF, 0x30, 0x80},
		{0x30, 0x84, 0x7F, 0xFF, 0xFF, 0xFF, 0x06, 0x09},
		{0x75, 0x84, 0x7F, 0xFF, 0xFF, 0xFF, 0x7F, 0x61},
	}
	for _, in := range inputs {
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		for range 100 {
			_, _ = passport.ParseSOD(in)
			_, _ = passport.ParseCertificate(in)
			_, _ = passport.ParseMasterList(in)
			_, _ = passport.ParseDG2(in)
		}
		runtime.ReadMemStats(&after)
		// The inputs claim 2 GiB; a few KiB per run (error messages) is fine.
		if perRun := (after.TotalAlloc - before.TotalAlloc) / 100; perRun > 64<<10 {
			t.Errorf("% X: %d bytes allocated per run", in, perRun)
		}
	}
	// A 1 MB run of nested constructed headers stays within its nesting bound.
	deep := bytes.Repeat([]byte{0x30, 0x80}, 1<<19)
	if _, err := passport.ParseSOD(append([]byte{0x77, 0x83, 0x10, 0x00, 0x00}, deep...)); err == nil {
		t.Error("deep nesting accepted")
	}
}
