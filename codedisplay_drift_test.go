package mitid_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/go-mitid/mitid"
)

// TestLogin_ADriftedCodeDisplayComesBackInStepWithTwoCodes: a code display
// whose clock runs five minutes fast shows right codes the window no
// longer reaches; two codes in a row bring it back in step, and after that
// its single codes are accepted again.
func TestLogin_ADriftedCodeDisplayComesBackInStepWithTwoCodes(t *testing.T) {
	e := newLoginEnv(t, checkedStore(t))
	h := e.enrol(t, "drifted", mitid.LevelSubstantial, mitid.KindCodeDisplay)
	drift := 5 * time.Minute
	shows := func(at time.Time) string {
		c, err := h.display.CodeAt(at)
		require.NoError(t, err)
		return c
	}
	l := e.begin(t, h, mitid.LevelSubstantial)
	_, err := e.svc.SubmitCode(e.ctx, l.ID, shows(e.clock.Now().Add(drift)))
	require.Equal(t, mitid.CodeWrongCode, mitid.ErrorCode(err), "out of the window")

	now := e.clock.Now()
	l, err = e.svc.SubmitCodePair(e.ctx, l.ID, shows(now.Add(drift)), shows(now.Add(drift+30*time.Second)))
	require.NoError(t, err, "two codes in a row find the device's step")
	assert.Equal(t, mitid.StepPassword, l.Next)

	e.clock.Advance(time.Minute)
	l = e.begin(t, h, mitid.LevelSubstantial)
	_, err = e.svc.SubmitCode(e.ctx, l.ID, shows(e.clock.Now().Add(drift)))
	require.NoError(t, err, "the drift is learned: one code will do again")
}

// TestLogin_AWrongPairCountsAsOneWrongCode: the wide search gives a
// stranger nothing for free.
func TestLogin_AWrongPairCountsAsOneWrongCode(t *testing.T) {
	e := newLoginEnv(t, checkedStore(t))
	h := e.enrol(t, "wrong-pair", mitid.LevelSubstantial, mitid.KindCodeDisplay)
	l := e.begin(t, h, mitid.LevelSubstantial)
	_, err := e.svc.SubmitCodePair(e.ctx, l.ID, "000000", "000001")
	require.Equal(t, mitid.CodeWrongCode, mitid.ErrorCode(err))
	u, err := e.svc.User(e.ctx, h.user.ID)
	require.NoError(t, err)
	assert.Equal(t, 1, u.Failures)
}

// TestLogin_AConfigurationErrorIsNeverAWrongCode: a device stored with
// parameters the verifier cannot use (a period of zero seconds, left by a
// bad policy) is reported as unreadable, and nothing is counted.
func TestLogin_AConfigurationErrorIsNeverAWrongCode(t *testing.T) {
	st := checkedStore(t)
	e := newLoginEnv(t, st)
	h := e.enrol(t, "bad-config", mitid.LevelSubstantial, mitid.KindCodeDisplay)
	_, err := st.UpdateUser(e.ctx, h.user.ID, func(u *mitid.User) ([]mitid.Event, error) {
		for i := range u.Authenticators {
			if u.Authenticators[i].OTP != nil {
				u.Authenticators[i].OTP.PeriodSeconds = 0
			}
		}
		return nil, nil
	})
	require.NoError(t, err)
	l := e.begin(t, h, mitid.LevelSubstantial)
	for i := 0; i < 5; i++ {
		_, err = e.svc.SubmitCode(e.ctx, l.ID, h.code(t))
		assert.Equal(t, mitid.CodeSecretUnreadable, mitid.ErrorCode(err))
	}
	u, err := e.svc.User(e.ctx, h.user.ID)
	require.NoError(t, err)
	assert.Zero(t, u.Failures, "the holder's right codes are not wrong guesses")
}

// TestPolicyValidate_RefusesOTPSettingsTheVerifierCannotUse: a period that
// is not whole seconds (30 where 30*time.Second was meant) would make every
// right code wrong; New refuses it.
func TestPolicyValidate_RefusesOTPSettingsTheVerifierCannotUse(t *testing.T) {
	for _, tc := range []struct {
		name  string
		tweak func(*mitid.Policy)
		field string
	}{
		{"30 ns", func(p *mitid.Policy) { p.OTPPeriod = 30 }, "OTPPeriod"},
		{"1.5 s", func(p *mitid.Policy) { p.OTPPeriod = 1500 * time.Millisecond }, "OTPPeriod"},
		{"a skew of an hour", func(p *mitid.Policy) { p.OTPSkew = 120 }, "OTPSkew"},
		{"a reserve as large as the budget", func(p *mitid.Policy) { p.PossessionReserve = 100 }, "PossessionReserve"},
		{"a cap below the first suspension", func(p *mitid.Policy) { p.MaxSuspension = time.Minute }, "MaxSuspension"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := mitid.DefaultPolicy()
			tc.tweak(&p)
			found := false
			for _, d := range p.Validate() {
				found = found || (d.Field == tc.field && d.Source == mitid.SourceSanity)
			}
			assert.True(t, found, "%s not reported as unusable", tc.field)
			keys, err := mitid.NewRandomKeyRing(seeded(1))
			require.NoError(t, err)
			_, err = mitid.New(mitid.Config{Store: checkedStore(t), Keys: keys, Policy: &p})
			assert.Equal(t, mitid.CodeConfigInvalid, mitid.ErrorCode(err))
		})
	}
}
