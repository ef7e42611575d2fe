package mitidtest_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/go-mitid/mitid"
	"github.com/go-mitid/mitid/mitidtest"
)

func TestEnrol_EveryKindLogsInWithTheLevelItGives(t *testing.T) {
	for _, tc := range []struct {
		kinds  []mitid.Kind
		ial    mitid.Level
		method mitid.Method
		loa    mitid.Level
	}{
		{[]mitid.Kind{mitid.KindCodeDisplay}, mitid.LevelSubstantial, mitid.MethodCodeDisplay, mitid.LevelSubstantial},
		{[]mitid.Kind{mitid.KindAudioReader}, mitid.LevelSubstantial, mitid.MethodAudioReader, mitid.LevelSubstantial},
		{[]mitid.Kind{mitid.KindApp}, mitid.LevelSubstantial, mitid.MethodApp, mitid.LevelSubstantial},
		{[]mitid.Kind{mitid.KindChip}, mitid.LevelSubstantial, mitid.MethodChip, mitid.LevelSubstantial},
		{[]mitid.Kind{mitid.KindApp, mitid.KindChip}, mitid.LevelHigh, mitid.MethodAppAndChip, mitid.LevelHigh},
	} {
		t.Run(string(tc.method), func(t *testing.T) {
			env := mitidtest.New(t)
			p := env.Enrol(t, "person", tc.ial, tc.kinds...)
			res := env.LogIn(t, p, tc.loa)
			assert.Equal(t, tc.method, res.Method)
			assert.Equal(t, tc.loa, res.LoA)
			assert.Equal(t, p.User.ID, res.User)
		})
	}
}

func TestNew_ReplaysTheSameValuesForTheSameSeed(t *testing.T) {
	a := mitidtest.New(t).Enrol(t, "same-seed", mitid.LevelSubstantial, mitid.KindCodeDisplay)
	b := mitidtest.New(t).Enrol(t, "same-seed", mitid.LevelSubstantial, mitid.KindCodeDisplay)
	c := mitidtest.New(t, mitidtest.Seed(2)).Enrol(t, "same-seed", mitid.LevelSubstantial, mitid.KindCodeDisplay)
	assert.Equal(t, a.User.ID, b.User.ID)
	assert.Equal(t, a.Display.Seed(), b.Display.Seed())
	assert.NotEqual(t, a.User.ID, c.User.ID, "another seed, other values")
}

func TestEnrol_GivesEveryPersonAnotherCPR(t *testing.T) {
	env := mitidtest.New(t)
	seen := map[string]bool{}
	for i := range 20 {
		p := env.Enrol(t, fmt.Sprintf("person-%d", i), mitid.LevelSubstantial)
		require.False(t, seen[p.User.CPR.Digits()], "CPR %s twice", p.User.CPR)
		seen[p.User.CPR.Digits()] = true
	}
}

func TestRecorder_KeepsTheServicesSMS(t *testing.T) {
	env := mitidtest.New(t)
	p := env.Enrol(t, "sms-user", mitid.LevelSubstantial)
	_, _, _, err := env.Service.IssueCode(t.Context(), p.User.ID, mitid.PurposeTemporaryPIN, mitid.CodeBySMS)
	require.NoError(t, err)
	n, ok := env.Notifier.Last(mitid.ChannelSMS)
	require.True(t, ok)
	assert.Equal(t, "+4512345678", n.Delivery.Address)
}

func TestWithPolicy_ReachesTheService(t *testing.T) {
	env := mitidtest.New(t, mitidtest.WithPolicy(func(p *mitid.Policy) { p.WrongCodeLimit = 1 }))
	p := env.Enrol(t, "strict-user", mitid.LevelSubstantial, mitid.KindCodeDisplay)
	l := env.Begin(t, p, mitid.LevelSubstantial)
	right, err := p.Display.Code()
	require.NoError(t, err)
	wrong := "000000"
	if right == wrong {
		wrong = "111111"
	}
	_, err = env.Service.SubmitCode(t.Context(), l.ID, wrong)
	require.Error(t, err)
	env.Clock.Advance(time.Minute)
	_, err = env.Service.SubmitCode(t.Context(), l.ID, right)
	assert.Equal(t, mitid.CodeAuthenticatorSuspended, mitid.ErrorCode(err), "one wrong code suspends under this policy")
}
