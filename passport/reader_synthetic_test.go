package passport_test

import (
	"context"
	"crypto/rand"
	"errors"
	"testing"
	"time"

	"github.com/go-mitid/mitid/passport"
	"github.com/go-mitid/mitid/passport/passporttest"
)

// TestReader_SyntheticDocuments reads documents built by NewSyntheticDocument
// (the PKI side's generator) through the VirtualChip, intact and broken in
// each way the generator offers, and checks the evidence names the fault.
func TestReader_SyntheticDocuments(t *testing.T) {
	pki, err := passporttest.NewPKI(passporttest.PKIOptions{Rand: rand.Reader, Now: fixtureNow, Algorithm: passporttest.ECDSABrainpoolP256})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		opts    passporttest.DocumentOptions
		pa      passport.CheckStatus
		paErr   error
		aa      passport.CheckStatus
		genuine bool
	}{
		{"intact, RSA-1024 AA", passporttest.DocumentOptions{}, passport.Passed, nil, passport.Passed, true},
		{"intact, ECDSA brainpool AA", passporttest.DocumentOptions{AAKeyType: passporttest.AAECDSABrainpoolP256}, passport.Passed, nil, passport.Passed, true},
		{"intact, TD1 card without AA", passporttest.DocumentOptions{AAKeyType: passporttest.AANone,
			MRZ: "I<UTOD23145890<7349<<<<<<<<<<<3407127M9507122UTO<<<<<<<<<<<2STEVENSON<<PETER<JOHN<<<<<<<<<"}, passport.Passed, nil, passport.Skipped, true},
		{"changed DG2", passporttest.DocumentOptions{ChangeDataGroup: 2}, passport.Failed, passport.ErrDataGroupHashMismatch, passport.Passed, false},
		{"DG11 not in EF.SOD", passporttest.DocumentOptions{OmitFromSOD: 11}, passport.Failed, passport.ErrDataGroupNotInSOD, passport.Passed, false},
		{"wrong CSCA", passporttest.DocumentOptions{WrongCSCA: true}, passport.Failed, passport.ErrUntrustedSigner, passport.Passed, false},
		{"expired DSC", passporttest.DocumentOptions{ExpiredDSC: true}, passport.Failed, passport.ErrCertificateExpired, passport.Passed, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			o := tc.opts
			o.Rand, o.Now = rand.Reader, fixtureNow
			if !o.ExpiredDSC && !o.WrongCSCA {
				o.PKI = pki
			} else {
				o.Algorithm = passporttest.ECDSAP256
			}
			doc, err := passporttest.NewDocument(o)
			if err != nil {
				t.Fatal(err)
			}
			chip, err := passporttest.NewChip(doc.ChipConfig(rand.Reader))
			if err != nil {
				t.Fatal(err)
			}
			got, ev, err := passport.NewReader(chip).Read(context.Background(), passport.Options{
				Key: doc.MRZ.Key(), Trust: doc.Trust, Now: func() time.Time { return fixtureNow },
			})
			if err != nil {
				t.Fatalf("Read: %v\n%s", err, ev)
			}
			requireStatus(t, ev, passport.CheckPACE, passport.Passed)
			requireStatus(t, ev, passport.CheckMRZMatchesKey, passport.Passed)
			requireStatus(t, ev, passport.CheckChipAuthentication, passport.Passed)
			requireStatus(t, ev, passport.CheckActiveAuthentication, tc.aa)
			c := requireStatus(t, ev, passport.CheckPassiveAuthentication, tc.pa)
			if tc.paErr != nil && !errors.Is(c.Err, tc.paErr) {
				t.Errorf("PA error %v, want %v", c.Err, tc.paErr)
			}
			if ev.ChipGenuine() != tc.genuine {
				t.Errorf("ChipGenuine = %v, want %v\n%s", ev.ChipGenuine(), tc.genuine, ev)
			}
			if got.MRZ == nil || got.MRZ.DocumentNumber != doc.MRZ.DocumentNumber {
				t.Errorf("MRZ %v", got.MRZ)
			}
			if got.DG2 == nil || len(got.DG2.Faces) == 0 {
				t.Error("no face")
			}
		})
	}
}
