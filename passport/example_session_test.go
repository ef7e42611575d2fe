package passport_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/go-mitid/mitid/passport"
	"github.com/go-mitid/mitid/passport/internal/ber"
	"github.com/go-mitid/mitid/passport/passporttest"
)

// ExampleCheckDigit computes an MRZ check digit (ICAO 9303 Part 3).
func ExampleCheckDigit() {
	d, _ := passport.CheckDigit("L898902C<")
	fmt.Println(string(d))
	// Output: 3
}

// TestSession_BACThenReadFileUnderSecureMessaging drives the session the
// Reader runs on by hand: open a chip with BAC and read one file under
// secure messaging.
func TestSession_BACThenReadFileUnderSecureMessaging(t *testing.T) {
	dg1 := ber.EncodeTLV(0x61, ber.EncodeTLV(0x5F1F, []byte("P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<L898902C36UTO7408122F1204159ZE184226B<<<<<10")))
	chip, err := passporttest.NewChip(passporttest.ChipConfig{
		Files: map[uint16][]byte{passport.FileDG(1): dg1},
		Key:   passport.BACKey{"L898902C3", "740812", "120415"},
	})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	s := passport.NewSession(chip, nil) // any Transceiver: PC/SC, NFC, or this virtual chip
	if err := s.SelectApplication(ctx); err != nil {
		t.Fatal(err)
	}
	key, _ := passport.NewBACKey("L898902C3", "740812", "120415")
	if err := s.BAC(ctx, key); err != nil {
		t.Fatal(err)
	}
	b, err := s.ReadFile(ctx, passport.FileDG(1))
	if err != nil {
		t.Fatal(err)
	}
	dg, _ := passport.ParseDG1(b)
	if got := fmt.Sprintln(s.SecureMessaging(), dg.MRZ.PrimaryIdentifier, dg.MRZ.DocumentNumber); got != "3DES ERIKSSON L898902C3\n" {
		t.Errorf("read %q", got)
	}
}
