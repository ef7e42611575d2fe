package passport_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"time"

	"github.com/go-mitid/mitid/passport"
	"github.com/go-mitid/mitid/passport/passporttest"
)

// Passive Authentication of a document: EF.SOD and the data groups read
// from the chip, checked against the CSCAs you trust, at a time from your
// clock. Every check is reported, pass or fail.
func ExampleVerifyPassive() {
	now := time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)
	doc, err := passporttest.NewDocument(passporttest.DocumentOptions{
		Rand: rand.Reader, Now: now, AAKeyType: passporttest.AAECDSAP256,
	})
	if err != nil {
		panic(err)
	}
	res, err := passport.VerifyPassive(doc.SOD, doc.DataGroups, doc.Trust, now)
	fmt.Println("ok:", res.OK(), err)
	for _, c := range res.Checks {
		fmt.Printf("%v  %s\n", c.Passed(), c.Check)
	}
	// Output:
	// ok: true <nil>
	// true  EF.SOD is a well-formed SignedData with an LDSSecurityObject
	// true  EF.SOD carries the document signer certificate
	// true  EF.SOD signed attributes and signature verify with the DSC key
	// true  DSC issued and signed by a trusted CSCA
	// true  DSC valid at verification time
	// true  CSCA valid at verification time
	// true  DSC not revoked by its CSCA's CRL
	// true  DSC key usage allows digital signatures
	// true  every data group read is listed in EF.SOD with a matching hash
}

// A forged data group fails Passive Authentication with a typed reason
// naming the data group.
func ExampleVerifyPassive_changedDataGroup() {
	now := time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)
	doc, err := passporttest.NewDocument(passporttest.DocumentOptions{
		Rand: rand.Reader, Now: now, AAKeyType: passporttest.AANone, ChangeDataGroup: 1,
	})
	if err != nil {
		panic(err)
	}
	_, err = passport.VerifyPassive(doc.SOD, doc.DataGroups, doc.Trust, now)
	var dge *passport.DataGroupError
	if errors.As(err, &dge) {
		fmt.Println("DG", dge.DataGroup, errors.Is(err, passport.ErrDataGroupHashMismatch))
	}
	fmt.Println(err)
	// Output:
	// DG 1 true
	// EF.SOD: check failed: every data group read is listed in EF.SOD with a matching hash: DG1: passport: data group hash does not match EF.SOD
}

// Trust anchors usually come from a CSCA master list, verified against a
// CSCA you already trust out of band.
func ExampleVerifyMasterList() {
	now := time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)
	pki, err := passporttest.NewPKI(passporttest.PKIOptions{Rand: rand.Reader, Now: now})
	if err != nil {
		panic(err)
	}
	der, err := pki.MasterList(rand.Reader, now)
	if err != nil {
		panic(err)
	}
	ml, err := passport.VerifyMasterList(der, passport.NewTrustStore(pki.CSCA), now)
	if err != nil {
		panic(err)
	}
	store := passport.NewTrustStore(ml.CSCAs...)
	fmt.Println(store.Len(), ml.CSCAs[0].SubjectString())
	// Output: 1 CN=CSCA UT,O=Synthetic State of UT,C=UT
}

// Active Authentication: send a fresh random challenge in INTERNAL
// AUTHENTICATE, verify the answer with the DG15 key. (Here SignActive plays
// the chip.)
func ExampleVerifyActive() {
	chipKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		panic(err)
	}
	dg15, err := passport.MarshalDG15(chipKey.Public(), false)
	if err != nil {
		panic(err)
	}
	challenge := make([]byte, 8)
	if _, err := rand.Read(challenge); err != nil {
		panic(err)
	}
	answer, err := passporttest.SignActive(rand.Reader, chipKey, challenge, passporttest.ActiveSignOptions{})
	if err != nil {
		panic(err)
	}
	key, err := passport.ParseDG15(dg15)
	if err != nil {
		panic(err)
	}
	res, err := passport.VerifyActive(key.PublicKey, challenge, answer, 0)
	fmt.Println(res.Algorithm, err)
	// Output: ECDSA/SHA-256 (plain r‖s) <nil>
}

// EF.COM of ICAO 9303 Part 10's worked example.
func ExampleParseCOM() {
	b, _ := hex.DecodeString("60145F0104303130365F36063034303030305C026175")
	com, err := passport.ParseCOM(b)
	if err != nil {
		panic(err)
	}
	fmt.Println(com.LDSVersion, com.UnicodeVersion, com.DataGroups())
	// Output: 0106 040000 [1 2]
}
