package passport

import (
	"context"
	"crypto/rand"
	"errors"
	"testing"
	"time"
)

// TestReader_SyntheticDocuments reads documents built by NewSyntheticDocument
// (the PKI side's generator) through the VirtualChip, intact and broken in
// each way the generator offers, and checks the evidence names the fault.
func TestReader_SyntheticDocuments(t *testing.T) {
	pki, err := NewSyntheticPKI(SyntheticPKIOptions{Rand: rand.Reader, Now: fixtureNow, Algorithm: SyntheticECDSABrainpoolP256})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		opts    SyntheticDocumentOptions
		pa      CheckStatus
		paErr   error
		aa      CheckStatus
		genuine bool
	}{
		{"intact, RSA-1024 AA", SyntheticDocumentOptions{}, Passed, nil, Passed, true},
		{"intact, ECDSA brainpool AA", SyntheticDocumentOptions{AAKeyType: SyntheticAAECDSABrainpoolP256}, Passed, nil, Passed, true},
		{"intact, TD1 card without AA", SyntheticDocumentOptions{AAKeyType: SyntheticAANone,
			MRZ: "I<UTOD23145890<7349<<<<<<<<<<<3407127M9507122UTO<<<<<<<<<<<2STEVENSON<<PETER<JOHN<<<<<<<<<"}, Passed, nil, Skipped, true},
		{"changed DG2", SyntheticDocumentOptions{ChangeDataGroup: 2}, Failed, ErrDataGroupHashMismatch, Passed, false},
		{"DG11 not in EF.SOD", SyntheticDocumentOptions{OmitFromSOD: 11}, Failed, ErrDataGroupNotInSOD, Passed, false},
		{"wrong CSCA", SyntheticDocumentOptions{WrongCSCA: true}, Failed, ErrUntrustedSigner, Passed, false},
		{"expired DSC", SyntheticDocumentOptions{ExpiredDSC: true}, Failed, ErrCertificateExpired, Passed, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			o := tc.opts
			o.Rand, o.Now = rand.Reader, fixtureNow
			if !o.ExpiredDSC && !o.WrongCSCA {
				o.PKI = pki
			} else {
				o.Algorithm = SyntheticECDSAP256
			}
			doc, err := NewSyntheticDocument(o)
			if err != nil {
				t.Fatal(err)
			}
			chip, err := NewVirtualChip(doc.VirtualChipConfig(rand.Reader))
			if err != nil {
				t.Fatal(err)
			}
			got, ev, err := NewReader(chip).Read(context.Background(), Options{
				Key: doc.MRZ.Key(), Trust: doc.Trust, Now: func() time.Time { return fixtureNow },
			})
			if err != nil {
				t.Fatalf("Read: %v\n%s", err, ev)
			}
			requireStatus(t, ev, CheckPACE, Passed)
			requireStatus(t, ev, CheckMRZMatchesKey, Passed)
			requireStatus(t, ev, CheckChipAuthentication, Passed)
			requireStatus(t, ev, CheckActiveAuthentication, tc.aa)
			c := requireStatus(t, ev, CheckPassiveAuthentication, tc.pa)
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
