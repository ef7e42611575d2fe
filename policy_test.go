package mitid_test

import (
	"reflect"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/go-mitid/mitid"
)

func TestDefaultPolicy_HoldsTheReferenceNumbers(t *testing.T) {
	p := mitid.DefaultPolicy()
	assert.Equal(t, 5, p.UserIDMinLength)
	assert.Equal(t, 48, p.UserIDMaxLength)
	assert.Equal(t, 13, p.MinimumAge)
	assert.Equal(t, 8, p.PCodeDigits)
	assert.Equal(t, 60*24*time.Hour, p.PCodeValidity)
	assert.Equal(t, 3, p.PCodeAttempts)
	assert.Equal(t, 8, p.PasswordMinLength)
	assert.Equal(t, 30*time.Minute, p.AppActivationCodeValidity)
	assert.Equal(t, 48*time.Hour, p.PaperActivationCodeValidity)
	assert.Equal(t, 30*time.Minute, p.SMSActivationCodeValidity)
	assert.Equal(t, 120*time.Hour, p.PhoneChangeQuarantine)
	assert.Equal(t, 3, p.ActivationCodeAttempts)
	assert.Equal(t, 24*time.Hour, p.AccessRequestWait)
	assert.Equal(t, time.Minute, p.CodeInterval)
	assert.Equal(t, 5, p.SMSCodesPerDay)
	assert.Equal(t, 3, p.MaxApps)
	assert.Equal(t, 1, p.MaxCodeDevices)
	assert.Equal(t, 1, p.MaxChips)
	assert.Equal(t, 3, p.FreeCodeDevices)
	assert.Equal(t, 4176, p.CodeDevicePriceOre)
	assert.Equal(t, 14360, p.ChipPriceOre)
	assert.Equal(t, 8, p.DeliveryWorkingDays)
	assert.Equal(t, 3, p.ChipDeliveryMinWorkingDay)
	assert.Equal(t, 7, p.ChipDeliveryMaxWorkingDay)
	assert.Equal(t, 6, p.OTPDigits)
	assert.Equal(t, 30*time.Second, p.OTPPeriod)
	assert.Equal(t, 3, p.WrongCodeLimit)
	assert.Equal(t, 15*time.Minute, p.SuspensionDuration)
	assert.Equal(t, 100, p.MaxConsecutiveFailures)
	assert.Equal(t, 18, p.WitnessMinAge)
	assert.Equal(t, 30*24*time.Hour, p.WitnessMinMitIDAge)
	assert.Equal(t, 3, p.WitnessMaxActs)
	assert.Equal(t, 120*24*time.Hour, p.WitnessActsWindow)
	assert.Equal(t, 10*time.Minute, p.LoginSessionTTL)
	assert.Equal(t, 130, p.TransactionTextLimit)
}

// TestDefaultPolicy_DepartsFromNISTWhereTheReferenceSays: MitID's own numbers
// depart from NIST SP 800-63B on activation codes, and only there.
func TestDefaultPolicy_DepartsFromNISTWhereTheReferenceSays(t *testing.T) {
	var fields []string
	for _, d := range mitid.DefaultPolicy().Validate() {
		require.Equal(t, mitid.SourceNIST, d.Source, "MitID's policy departs from nothing but NIST: %s", d)
		fields = append(fields, d.Field)
	}
	assert.ElementsMatch(t, []string{
		"AppActivationCodeValidity",   // 30 min > 10 min
		"PaperActivationCodeValidity", // 48 h > 10 min
		"SMSActivationCodeValidity",   // 30 min > 10 min
		"SMSActivationCodeValidity",   // and sent by SMS at all
	}, fields)
}

func TestPolicyValidate_ReportsDepartures(t *testing.T) {
	tests := []struct {
		rule   string
		change func(p *mitid.Policy)
		field  string
		source mitid.Source
	}{
		{"more than 100 failures breaks NIST", func(p *mitid.Policy) { p.MaxConsecutiveFailures = 200 }, "MaxConsecutiveFailures", mitid.SourceNIST},
		{"a short password breaks NIST", func(p *mitid.Policy) { p.PasswordMinLength = 6 }, "PasswordMinLength", mitid.SourceNIST},
		{"weak argon2 memory breaks NIST guidance", func(p *mitid.Policy) { p.Argon2.Memory = 1024 }, "Argon2", mitid.SourceNIST},
		{"argon2 below OWASP's floor: 19 MiB with one pass", func(p *mitid.Policy) { p.Argon2.Memory, p.Argon2.Time = 19*1024, 1 }, "Argon2", mitid.SourceNIST},
		{"argon2 below OWASP's floor: 6 MiB with ten passes", func(p *mitid.Policy) { p.Argon2.Memory, p.Argon2.Time = 6*1024, 10 }, "Argon2", mitid.SourceNIST},
		{"a fourth app departs from MitID", func(p *mitid.Policy) { p.MaxApps = 4 }, "MaxApps", mitid.SourceMitID},
		{"a cheaper chip departs from MitID", func(p *mitid.Policy) { p.ChipPriceOre = 100 }, "ChipPriceOre", mitid.SourceMitID},
		{"zero wrong codes is nonsense", func(p *mitid.Policy) { p.WrongCodeLimit = 0 }, "WrongCodeLimit", mitid.SourceSanity},
		{"a negative wait is nonsense", func(p *mitid.Policy) { p.AccessRequestWait = -time.Hour }, "AccessRequestWait", mitid.SourceSanity},
		{"an unknown OTP algorithm is nonsense", func(p *mitid.Policy) { p.OTPAlgorithm = "MD5" }, "OTPAlgorithm", mitid.SourceSanity},
		{"min above max is nonsense", func(p *mitid.Policy) { p.UserIDMinLength = 50 }, "UserIDMinLength", mitid.SourceSanity},
		{"short codes are nonsense", func(p *mitid.Policy) { p.OTPDigits = 4 }, "OTPDigits", mitid.SourceSanity},
		{"codes by SMS without a pause is nonsense", func(p *mitid.Policy) { p.CodeInterval = 0 }, "CodeInterval", mitid.SourceSanity},
		{"a pause between codes longer than a day is nonsense", func(p *mitid.Policy) { p.CodeInterval = 25 * time.Hour }, "CodeInterval", mitid.SourceSanity},
		{"codes by SMS without a daily bound is nonsense", func(p *mitid.Policy) { p.SMSCodesPerDay = 0 }, "SMSCodesPerDay", mitid.SourceSanity},
		{"more codes by SMS a day departs from the profile", func(p *mitid.Policy) { p.SMSCodesPerDay = 10 }, "SMSCodesPerDay", mitid.SourceMitID},
	}
	for _, tc := range tests {
		t.Run(tc.rule, func(t *testing.T) {
			p := mitid.DefaultPolicy()
			tc.change(&p)
			found := false
			for _, d := range p.Validate() {
				if d.Field == tc.field && d.Source == tc.source {
					found = true
					assert.NotEmpty(t, d.Rule)
					assert.NotEmpty(t, d.String())
				}
			}
			assert.True(t, found, "expected a %s departure on %s in %v", tc.source, tc.field, p.Validate())
		})
	}
}

// TestPolicyValidate_CoversEveryField changes each field of Policy in turn
// and checks that Validate reports a departure from MitID on it, so a field
// added to Policy without a line in the validator fails here.
func TestPolicyValidate_CoversEveryField(t *testing.T) {
	typ := reflect.TypeOf(mitid.Policy{})
	for i := 0; i < typ.NumField(); i++ {
		f := typ.Field(i)
		t.Run(f.Name, func(t *testing.T) {
			p := mitid.DefaultPolicy()
			v := reflect.ValueOf(&p).Elem().Field(i)
			switch v.Kind() {
			case reflect.Int, reflect.Int64:
				v.SetInt(v.Int() + 1)
			case reflect.Uint64:
				v.SetUint(v.Uint() + 1)
			case reflect.Bool:
				v.SetBool(!v.Bool())
			case reflect.String:
				v.SetString("SHA256")
			case reflect.Struct:
				v.Field(0).SetUint(v.Field(0).Uint() + 1)
			default:
				t.Fatalf("field kind %s has no perturbation", v.Kind())
			}
			for _, d := range p.Validate() {
				if d.Field == f.Name && d.Source == mitid.SourceMitID {
					return
				}
			}
			t.Errorf("changing %s is not reported as a departure from MitID", f.Name)
		})
	}
}

func TestNew_RefusesANonsensePolicyAndMissingParts(t *testing.T) {
	keys, err := mitid.NewRandomKeyRing(seeded(1))
	require.NoError(t, err)
	p := mitid.DefaultPolicy()
	p.MaxChips = 0
	_, err = mitid.New(mitid.Config{Store: checkedStore(t), Keys: keys, Policy: &p})
	require.ErrorIs(t, err, mitid.ErrInvalid)
	assert.Contains(t, err.Error(), "MaxChips")

	_, err = mitid.New(mitid.Config{Keys: keys})
	require.ErrorIs(t, err, mitid.ErrInvalid)
	assert.Contains(t, err.Error(), "Store")
	_, err = mitid.New(mitid.Config{Store: checkedStore(t)})
	require.ErrorIs(t, err, mitid.ErrInvalid)
	assert.Contains(t, err.Error(), "KeyRing")

	p = mitid.DefaultPolicy()
	p.MaxApps = 5 // a departure, not nonsense
	_, err = mitid.New(mitid.Config{Store: checkedStore(t), Keys: keys, Policy: &p})
	require.NoError(t, err)
}

// TestPolicyValidate_OWASPsArgon2PairsMeetTheFloor: each equal-strength
// argon2id pair OWASP lists passes the floor, the default among them.
func TestPolicyValidate_OWASPsArgon2PairsMeetTheFloor(t *testing.T) {
	for _, pair := range [][2]uint32{{46 * 1024, 1}, {19 * 1024, 2}, {12 * 1024, 3}, {9 * 1024, 4}, {7 * 1024, 5}} {
		p := mitid.DefaultPolicy()
		p.Argon2.Memory, p.Argon2.Time = pair[0], pair[1]
		for _, d := range p.Validate() {
			assert.False(t, d.Field == "Argon2" && d.Source == mitid.SourceNIST, "m=%d t=%d: %s", pair[0], pair[1], d)
		}
	}
	assert.Equal(t, mitid.Argon2Params{Time: 1, Memory: 46 * 1024, Threads: 1, KeyLen: 32, SaltLen: 16}, mitid.DefaultPolicy().Argon2)
}
