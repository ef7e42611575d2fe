package passport_test

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"math/big"
	"testing"

	"github.com/go-mitid/mitid/passport"
	"github.com/go-mitid/mitid/passport/passporttest"
)

// Benchmarks of Passive and Active Authentication, each beside the raw
// primitive it wraps, so the overhead reads as a ratio:
//
//	BenchmarkVerifyPassive_P256 / BenchmarkRawECDSAVerifyASN1_P256   (target ≤ 1.5×)
//
// go test -run=^$ -bench='Passive|Raw|Active' -benchmem -count=5 ./passport/

// benchPassiveFixture is a P-256 document: SOD, its data groups (DG1, a
// 1.5 KB DG2 face, DG11) and a trust store.
func benchPassiveFixture(b *testing.B) ([]byte, map[int][]byte, *passporttest.PKI) {
	p := pkiTestPKI(b, passporttest.ECDSAP256)
	dgs := pkiTestDataGroups()
	face, err := passporttest.FaceJPEG(60, 80)
	if err != nil {
		b.Fatal(err)
	}
	if dgs[2], err = (&passport.DG2{Faces: []passport.FaceImage{{Image: face, Format: passport.ImageJPEG, Width: 60, Height: 80}}}).Marshal(); err != nil {
		b.Fatal(err)
	}
	return pkiSignSOD(b, p, dgs, passporttest.SODOptions{}), dgs, p
}

// BenchmarkVerifyPassive_P256 is PA of a P-256 SOD with a warm trust store:
// parse EF.SOD and the DSC, check the signed attributes, verify the SOD
// signature, check the chain (DSC signature cached by the store), hash
// three data groups.
func BenchmarkVerifyPassive_P256(b *testing.B) {
	sod, dgs, p := benchPassiveFixture(b)
	store := p.TrustStore()
	if _, err := passport.VerifyPassive(sod, dgs, store, pkiTestNow); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := passport.VerifyPassive(sod, dgs, store, pkiTestNow); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkVerifyPassive_P256Cold uses a fresh trust store each time, so
// the DSC → CSCA signature is verified too: two ECDSA verifications.
func BenchmarkVerifyPassive_P256Cold(b *testing.B) {
	sod, dgs, p := benchPassiveFixture(b)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := passport.VerifyPassive(sod, dgs, passport.NewTrustStore(p.CSCA), pkiTestNow); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkRawECDSAVerifyASN1_P256 is the primitive: one crypto/ecdsa
// verification of a P-256 signature over a SHA-256 digest.
func BenchmarkRawECDSAVerifyASN1_P256(b *testing.B) {
	p := pkiTestPKI(b, passporttest.ECDSAP256)
	key := p.DSCKey.(*ecdsa.PrivateKey)
	digest := sha256.Sum256([]byte("signed attributes"))
	sig, err := ecdsa.SignASN1(rand.Reader, key, digest[:])
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if !ecdsa.VerifyASN1(&key.PublicKey, digest[:], sig) {
			b.Fatal("verify failed")
		}
	}
}

// BenchmarkVerifyActive_RSA2048 is AA with ISO/IEC 9796-2 (SHA-256 trailer)
// beside BenchmarkRawRSAVerifyPKCS1v15_2048, one RSA public operation.
func BenchmarkVerifyActive_RSA2048(b *testing.B) {
	key := aaKeys(b).rsa2048
	sig, err := passporttest.SignActive(pkiTestRand(1), key, aaChallenge, passporttest.ActiveSignOptions{Hash: crypto.SHA256})
	if err != nil {
		b.Fatal(err)
	}
	pub := &passport.PublicKey{RSA: &key.PublicKey}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := passport.VerifyActive(pub, aaChallenge, sig, 0); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkRawRSAVerifyPKCS1v15_2048(b *testing.B) {
	key := aaKeys(b).rsa2048
	digest := sha256.Sum256(aaChallenge)
	sig, err := rsa.SignPKCS1v15(nil, key, crypto.SHA256, digest[:])
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if err := rsa.VerifyPKCS1v15(&key.PublicKey, crypto.SHA256, digest[:], sig); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkVerifyActive_BrainpoolP256 is AA with ECDSA on brainpoolP256r1
// beside BenchmarkRawCombinedMult_BrainpoolP256 (u1·G + u2·Q, the cost of
// one verification on curve.go's arithmetic).
func BenchmarkVerifyActive_BrainpoolP256(b *testing.B) {
	key := aaKeys(b).brainpool
	sig, err := passporttest.SignActive(pkiTestRand(1), key, aaChallenge, passporttest.ActiveSignOptions{})
	if err != nil {
		b.Fatal(err)
	}
	pub := &passport.PublicKey{EC: &key.PublicKey}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := passport.VerifyActive(pub, aaChallenge, sig, 0); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkRawCombinedMult_BrainpoolP256(b *testing.B) {
	key := aaKeys(b).brainpool
	c := key.Curve
	u1 := new(big.Int).Rsh(c.N(), 3) // full-size scalars, as in a real verification
	u2 := new(big.Int).Rsh(c.N(), 5)
	b.ReportAllocs()
	for b.Loop() {
		if c.CombinedMult(key.Point, u1, u2).IsInfinity() {
			b.Fatal("infinity")
		}
	}
}
