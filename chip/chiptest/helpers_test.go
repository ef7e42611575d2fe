package chiptest

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/go-mitid/mitid/chip"
)

const (
	testRPID   = "mitid.dk"
	testOrigin = "https://mitid.dk"
	testAppID  = "https://mitid.dk/u2f/appid.json"
)

var testUser = chip.User{ID: []byte("user-0001-handle"), Name: "Bjørn Ærø", DisplayName: "Bjørn"}

// newTestVerifier is the relying party the simulator's output must satisfy.
func newTestVerifier(t testing.TB) *chip.Verifier {
	t.Helper()
	now := func() time.Time { return time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC) }
	v, err := chip.New(chip.Config{RPID: testRPID, RPName: "MitID", Origins: []string{testOrigin}, AppID: testAppID, Now: now, Rand: Seeded(1)})
	require.NoError(t, err)
	return v
}

func newTestSimulator(t testing.TB, seed uint64) *Simulator {
	t.Helper()
	s, err := NewSimulator(Seeded(seed))
	require.NoError(t, err)
	return s
}

// register runs a whole registration of sim for user and returns the credential.
func register(t testing.TB, v *chip.Verifier, sim *Simulator, user chip.User) chip.Credential {
	t.Helper()
	options, ch, err := v.BeginRegistration(user, nil)
	require.NoError(t, err)
	resp, err := sim.Register(options, testOrigin)
	require.NoError(t, err)
	cred, err := v.FinishRegistration(t.Context(), ch, user, resp)
	require.NoError(t, err)
	return cred
}
