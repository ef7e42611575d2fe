package passporttest_test

import (
	"context"
	"crypto/rand"
	"fmt"
	"time"

	"github.com/go-mitid/mitid/passport"
	"github.com/go-mitid/mitid/passport/passporttest"
)

// A test suite makes a document signed by its own CSCA, puts it on a
// virtual chip, and reads it back with the production Reader, as a phone
// would read a real passport.
func Example() {
	now := time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)
	doc, err := passporttest.NewDocument(passporttest.DocumentOptions{
		Rand: rand.Reader, Now: now, AAKeyType: passporttest.AAECDSAP256,
	})
	if err != nil {
		panic(err)
	}
	chip, err := passporttest.NewChip(doc.ChipConfig(rand.Reader))
	if err != nil {
		panic(err)
	}
	read, ev, err := passport.NewReader(chip).Read(context.Background(), passport.Options{
		Key: doc.MRZ.Key(), Trust: doc.Trust, Now: func() time.Time { return now },
	})
	if err != nil {
		panic(err)
	}
	fmt.Println(read.MRZ.PrimaryIdentifier)
	fmt.Println("authentic:", ev.Authentic(), "genuine chip:", ev.ChipGenuine())
	// Output:
	// ERIKSSON
	// authentic: true genuine chip: true
}

// A document a forger changed: the chip serves DG1 with another surname,
// and Passive Authentication catches the changed hash.
func ExampleDocumentOptions_changedDataGroup() {
	now := time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)
	doc, err := passporttest.NewDocument(passporttest.DocumentOptions{
		Rand: rand.Reader, Now: now, AAKeyType: passporttest.AANone, ChangeDataGroup: 1,
	})
	if err != nil {
		panic(err)
	}
	_, err = passport.VerifyPassive(doc.SOD, doc.DataGroups, doc.Trust, now)
	fmt.Println(err != nil)
	// Output: true
}
