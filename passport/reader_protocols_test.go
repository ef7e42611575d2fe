package passport_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/go-mitid/mitid/passport"
	"github.com/go-mitid/mitid/passport/internal/ec"
	"github.com/go-mitid/mitid/passport/internal/oids"
	"github.com/go-mitid/mitid/passport/passporttest"
)

// TestReader_WholeReadEveryPACEAndCA reads synthetic documents whose chips
// run each PACE variant (ECDH and DH, generic and integrated mapping) and
// Chip Authentication with ECDH and DH keys, end to end through the
// virtual chip: access, every file, Chip and Active Authentication,
// Passive Authentication.
func TestReader_WholeReadEveryPACEAndCA(t *testing.T) {
	pace := func(oid []int, id int) []passport.PACEInfo {
		return []passport.PACEInfo{{Protocol: oid, Version: 2, ParameterID: id, HasParameterID: true}}
	}
	tests := []struct {
		name   string
		opts   passporttest.DocumentOptions
		pace   []int
		caName string
	}{
		{"PACE-ECDH-GM, CA-ECDH", passporttest.DocumentOptions{}, oids.PACEECDHGMAES128, "id-CA-ECDH-AES-CBC-CMAC-128"},
		{"PACE-ECDH-IM brainpoolP256r1, CA-ECDH", passporttest.DocumentOptions{PACE: pace(oids.PACEECDHIMAES128, 13)}, oids.PACEECDHIMAES128, "id-CA-ECDH"},
		{"PACE-ECDH-IM P-256, CA-ECDH", passporttest.DocumentOptions{PACE: pace(oids.PACEECDHIMAES128, 12)}, oids.PACEECDHIMAES128, "id-CA-ECDH"},
		{"PACE-DH-GM 1024-bit, CA-DH", passporttest.DocumentOptions{PACE: pace(oids.PACEDHGMAES128, 0), CADH: true}, oids.PACEDHGMAES128, "id-CA-DH-AES-CBC-CMAC-128"},
		{"PACE-DH-GM 2048-bit AES-256, CA-DH standardized", passporttest.DocumentOptions{PACE: pace(oids.PACEDHGMAES256, 2), CADH: true, CAKeyStandardized: true},
			oids.PACEDHGMAES256, "id-CA-DH-AES-CBC-CMAC-128"},
		{"PACE-DH-IM 2048-bit, CA-DH", passporttest.DocumentOptions{PACE: pace(oids.PACEDHIMAES128, 2), CADH: true}, oids.PACEDHIMAES128, "id-CA-DH"},
		{"PACE-DH-GM 3DES, CA-ECDH", passporttest.DocumentOptions{PACE: pace(oids.PACEDHGM3DES, 1)}, oids.PACEDHGM3DES, "id-CA-ECDH"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, got, ev := readSynthetic(t, tc.opts, passport.Options{})
			requireStatus(t, ev, passport.CheckPACE, passport.Passed)
			if ev.PACE == nil || !ev.PACE.Protocol.Equal(tc.pace) {
				t.Fatalf("PACE ran %v, want %v", ev.PACE, tc.pace)
			}
			c := requireStatus(t, ev, passport.CheckChipAuthentication, passport.Passed)
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
	for _, oid := range [][]int{oids.PACEECDHGMAES128, oids.PACEECDHIMAES128, oids.PACEDHGMAES128, oids.PACEDHIMAES128} {
		id := 13
		if oid[9] == 1 || oid[9] == 3 {
			id = 0
		}
		t.Run(passport.PACEInfo{Protocol: oid}.String(), func(t *testing.T) {
			opts := passporttest.DocumentOptions{PACE: []passport.PACEInfo{{Protocol: oid, Version: 2, ParameterID: id, HasParameterID: true}}}
			opts.Rand, opts.Now, opts.PKI = randReader(), fixtureNow, sharedRealWorldPKI(t)
			doc, err := passporttest.NewDocument(opts)
			if err != nil {
				t.Fatal(err)
			}
			cfg := doc.ChipConfig(randReader())
			cfg.CAN, cfg.DisableBAC = "123456", true
			chip, err := passporttest.NewChip(cfg)
			if err != nil {
				t.Fatal(err)
			}
			_, ev, err := passport.NewReader(chip).Read(t.Context(), passport.Options{Key: passport.CAN("654321"), Trust: doc.Trust})
			if !errors.Is(err, passport.ErrAccessControl) || !errors.Is(err, passport.ErrAuthenticationFailed) {
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
	custom := []passport.PACEDomainParameterInfo{{Protocol: oids.PACEECDHGMAES128[:10], Curve: curve, ParameterID: 32, HasParameterID: true}}
	for _, oid := range [][]int{oids.PACEECDHGMAES128, oids.PACEECDHIMAES128} {
		t.Run(passport.PACEInfo{Protocol: oid}.String(), func(t *testing.T) {
			doc, _, ev := readSynthetic(t, passporttest.DocumentOptions{
				PACE:                 []passport.PACEInfo{{Protocol: oid, Version: 2, ParameterID: 32, HasParameterID: true}},
				PACEDomainParameters: custom,
			}, passport.Options{})
			c := requireStatus(t, ev, passport.CheckPACE, passport.Passed)
			if !strings.Contains(c.Detail, "proprietary") || !ev.Authentic() || !ev.ChipGenuine() {
				t.Fatalf("PACE %q\n%s", c.Detail, ev)
			}
			si, err := passport.ParseSecurityInfos(doc.CardAccess)
			if err != nil || len(si.PACEDomainParameters) != 1 || si.PACE[0].Custom() == nil || si.PACEDomainParameters[0].Curve.G().Equal(bp.G()) {
				t.Fatalf("EF.CardAccess: %v", err)
			}
		})
	}
	t.Run("unresolved parameterId", func(t *testing.T) {
		si, err := passport.ParseSecurityInfos(mustMarshal(t, &passport.SecurityInfos{PACE: []passport.PACEInfo{{Protocol: oids.PACEECDHGMAES128, Version: 2, ParameterID: 33, HasParameterID: true}},
			PACEDomainParameters: custom}))
		if err != nil {
			t.Fatal(err)
		}
		if _, ok := passport.SupportedPACE(si.PACE); ok {
			t.Error("a PACEInfo naming parameters nobody carries is reported as supported")
		}
	})
}

func mustMarshal(t *testing.T, si *passport.SecurityInfos) []byte {
	t.Helper()
	b, err := si.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	return b
}
