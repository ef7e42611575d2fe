package passport

import (
	"errors"
	"strings"
	"testing"

	"github.com/go-mitid/mitid/passport/internal/ec"
)

// TestReader_WholeReadEveryPACEAndCA reads synthetic documents whose chips
// run each PACE variant (ECDH and DH, generic and integrated mapping) and
// Chip Authentication with ECDH and DH keys, end to end through the
// virtual chip: access, every file, Chip and Active Authentication,
// Passive Authentication.
func TestReader_WholeReadEveryPACEAndCA(t *testing.T) {
	pace := func(oid []int, id int) []PACEInfo {
		return []PACEInfo{{Protocol: oid, Version: 2, ParameterID: id, HasParameterID: true}}
	}
	tests := []struct {
		name   string
		opts   SyntheticDocumentOptions
		pace   []int
		caName string
	}{
		{"PACE-ECDH-GM, CA-ECDH", SyntheticDocumentOptions{}, OIDPACEECDHGMAES128, "id-CA-ECDH-AES-CBC-CMAC-128"},
		{"PACE-ECDH-IM brainpoolP256r1, CA-ECDH", SyntheticDocumentOptions{PACE: pace(OIDPACEECDHIMAES128, 13)}, OIDPACEECDHIMAES128, "id-CA-ECDH"},
		{"PACE-ECDH-IM P-256, CA-ECDH", SyntheticDocumentOptions{PACE: pace(OIDPACEECDHIMAES128, 12)}, OIDPACEECDHIMAES128, "id-CA-ECDH"},
		{"PACE-DH-GM 1024-bit, CA-DH", SyntheticDocumentOptions{PACE: pace(OIDPACEDHGMAES128, 0), CADH: true}, OIDPACEDHGMAES128, "id-CA-DH-AES-CBC-CMAC-128"},
		{"PACE-DH-GM 2048-bit AES-256, CA-DH standardized", SyntheticDocumentOptions{PACE: pace(OIDPACEDHGMAES256, 2), CADH: true, CAKeyStandardized: true},
			OIDPACEDHGMAES256, "id-CA-DH-AES-CBC-CMAC-128"},
		{"PACE-DH-IM 2048-bit, CA-DH", SyntheticDocumentOptions{PACE: pace(OIDPACEDHIMAES128, 2), CADH: true}, OIDPACEDHIMAES128, "id-CA-DH"},
		{"PACE-DH-GM 3DES, CA-ECDH", SyntheticDocumentOptions{PACE: pace(OIDPACEDHGM3DES, 1)}, OIDPACEDHGM3DES, "id-CA-ECDH"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, got, ev := readSynthetic(t, tc.opts, Options{})
			requireStatus(t, ev, CheckPACE, Passed)
			if ev.PACE == nil || !ev.PACE.Protocol.Equal(tc.pace) {
				t.Fatalf("PACE ran %v, want %v", ev.PACE, tc.pace)
			}
			c := requireStatus(t, ev, CheckChipAuthentication, Passed)
			if !strings.Contains(c.Detail, tc.caName) {
				t.Errorf("Chip Authentication %q, want %s", c.Detail, tc.caName)
			}
			if !ev.Authentic() || !ev.ChipGenuine() || got.MRZ == nil || got.DG2 == nil {
				t.Fatalf("authentic %v, genuine %v\n%s", ev.Authentic(), ev.ChipGenuine(), ev)
			}
		})
	}
}

// TestReader_WrongPasswordFailsEveryPACE: a wrong CAN fails PACE with
// ErrAuthenticationFailed in each mapping, and nothing is read.
func TestReader_WrongPasswordFailsEveryPACE(t *testing.T) {
	for _, oid := range [][]int{OIDPACEECDHGMAES128, OIDPACEECDHIMAES128, OIDPACEDHGMAES128, OIDPACEDHIMAES128} {
		id := 13
		if oid[9] == 1 || oid[9] == 3 {
			id = 0
		}
		t.Run(PACEInfo{Protocol: oid}.String(), func(t *testing.T) {
			opts := SyntheticDocumentOptions{PACE: []PACEInfo{{Protocol: oid, Version: 2, ParameterID: id, HasParameterID: true}}}
			opts.Rand, opts.Now, opts.PKI = randReader(), fixtureNow, sharedRealWorldPKI(t)
			doc, err := NewSyntheticDocument(opts)
			if err != nil {
				t.Fatal(err)
			}
			cfg := doc.VirtualChipConfig(randReader())
			cfg.CAN, cfg.DisableBAC = "123456", true
			chip, err := NewVirtualChip(cfg)
			if err != nil {
				t.Fatal(err)
			}
			_, ev, err := NewReader(chip).Read(t.Context(), Options{Key: CAN("654321"), Trust: doc.Trust})
			if !errors.Is(err, ErrAccessControl) || !errors.Is(err, ErrAuthenticationFailed) {
				t.Fatalf("Read with a wrong CAN: %v\n%s", err, ev)
			}
		})
	}
}

// TestReader_ProprietaryPACEDomainParameters: EF.CardAccess offers PACE on
// domain parameters of its own (a PACEDomainParameterInfo with parameterId
// 32, an unnamed curve) beside the standardized ones; SecurityInfos resolve
// the reference, and a whole read runs PACE (GM and IM) on that curve.
func TestReader_ProprietaryPACEDomainParameters(t *testing.T) {
	bp := ec.BrainpoolP256r1()
	g2 := bp.Double(bp.G())
	curve, err := ec.NewCurve(bp.P(), bp.A(), bp.B(), g2.X, g2.Y, bp.N(), 1)
	if err != nil || curve.Name() != "" {
		t.Fatalf("unnamed curve: %v", err)
	}
	custom := []PACEDomainParameterInfo{{Protocol: OIDPACEECDHGMAES128[:10], Curve: curve, ParameterID: 32, HasParameterID: true}}
	for _, oid := range [][]int{OIDPACEECDHGMAES128, OIDPACEECDHIMAES128} {
		t.Run(PACEInfo{Protocol: oid}.String(), func(t *testing.T) {
			doc, _, ev := readSynthetic(t, SyntheticDocumentOptions{
				PACE:                 []PACEInfo{{Protocol: oid, Version: 2, ParameterID: 32, HasParameterID: true}},
				PACEDomainParameters: custom,
			}, Options{})
			c := requireStatus(t, ev, CheckPACE, Passed)
			if !strings.Contains(c.Detail, "proprietary") || !ev.Authentic() || !ev.ChipGenuine() {
				t.Fatalf("PACE %q\n%s", c.Detail, ev)
			}
			si, err := ParseSecurityInfos(doc.CardAccess)
			if err != nil || len(si.PACEDomainParameters) != 1 || si.PACE[0].custom == nil || si.PACEDomainParameters[0].Curve.G().Equal(bp.G()) {
				t.Fatalf("EF.CardAccess: %v", err)
			}
		})
	}
	t.Run("unresolved parameterId", func(t *testing.T) {
		si, err := ParseSecurityInfos(mustMarshal(t, &SecurityInfos{PACE: []PACEInfo{{Protocol: OIDPACEECDHGMAES128, Version: 2, ParameterID: 33, HasParameterID: true}},
			PACEDomainParameters: custom}))
		if err != nil {
			t.Fatal(err)
		}
		if _, ok := SupportedPACE(si.PACE); ok {
			t.Error("a PACEInfo naming parameters nobody carries is reported as supported")
		}
	})
}

func mustMarshal(t *testing.T, si *SecurityInfos) []byte {
	t.Helper()
	b, err := si.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	return b
}
