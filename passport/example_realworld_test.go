package passport_test

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"time"

	"github.com/go-mitid/mitid/passport"
	"github.com/go-mitid/mitid/passport/passporttest"
)

// A document whose EF.SOD does not carry its document signer certificate:
// the DSC comes from the ICAO PKD and is given to Passive Authentication,
// which puts it through every check a carried one gets.
func ExampleVerifyPassiveWith_externalSigner() {
	now := time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)
	doc, err := passporttest.NewDocument(passporttest.DocumentOptions{
		Rand: rand.Reader, Now: now, AAKeyType: passporttest.AANone,
		SOD: passporttest.SODOptions{OmitSignerCertificate: true},
	})
	if err != nil {
		panic(err)
	}
	_, err = passport.VerifyPassive(doc.SOD, doc.DataGroups, doc.Trust, now)
	fmt.Println("without the DSC:", errors.Is(err, passport.ErrSignerNotFound))

	fromPKD := doc.PKI.DSC
	res, err := passport.VerifyPassiveWith(doc.SOD, doc.DataGroups, passport.PassiveOptions{Trust: doc.Trust, At: now, Signer: fromPKD})
	fmt.Println("with the DSC from the PKD:", res.OK(), err)
	// Output:
	// without the DSC: true
	// with the DSC from the PKD: true <nil>
}

// A chip that runs PACE-CAM with the key EF.CardSecurity publishes: the
// Reader reads and verifies EF.CardSecurity, checks the chip against its
// key, and says where the key came from.
func ExampleReader_Read_paceCAM() {
	now := time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)
	doc, err := passporttest.NewDocument(passporttest.DocumentOptions{
		Rand: rand.Reader, Now: now, PACECAM: true, AAKeyType: passporttest.AANone,
	})
	if err != nil {
		panic(err)
	}
	chip, err := passporttest.NewChip(doc.ChipConfig(rand.Reader))
	if err != nil {
		panic(err)
	}
	_, ev, err := passport.NewReader(chip).Read(context.Background(), passport.Options{
		Key: doc.MRZ.Key(), Trust: doc.Trust, Now: func() time.Time { return now },
	})
	if err != nil {
		panic(err)
	}
	fmt.Println(ev.PACE)
	fmt.Println("EF.CardSecurity verified:", ev.Passed(passport.CheckCardSecurity))
	fmt.Println("PACE-CAM key from:", ev.CAMKeyFile)
	fmt.Println("authentic:", ev.Authentic(), "genuine chip:", ev.ChipGenuine())
	// Output:
	// id-PACE-ECDH-CAM-AES-CBC-CMAC-128 (brainpoolP256r1)
	// EF.CardSecurity verified: true
	// PACE-CAM key from: EF.CardSecurity
	// authentic: true genuine chip: true
}
