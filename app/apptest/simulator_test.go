package apptest

import (
	"bytes"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/go-mitid/mitid/app"
)

func request() app.Request {
	return app.Request{Challenge: bytes.Repeat([]byte{7}, app.ChallengeSize), Action: "LOG_ON", Text: "Log på hos Skattestyrelsen"}
}

func TestSimulator_PINCheckedOnTheDevice(t *testing.T) {
	sim, err := NewSimulator(Seeded(4), "246810")
	require.NoError(t, err)
	_, err = sim.Approve(request(), "000000")
	require.ErrorIs(t, err, ErrWrongPIN)
	_, err = sim.Approve(request(), "246810")
	require.NoError(t, err, "a right PIN resets the count")
	for i := 0; i < MaxPINAttempts-1; i++ {
		_, err = sim.Approve(request(), "111111")
		require.ErrorIs(t, err, ErrWrongPIN)
	}
	_, err = sim.Approve(request(), "111111")
	require.ErrorIs(t, err, ErrDeviceLocked)
	_, err = sim.Approve(request(), "246810")
	require.ErrorIs(t, err, ErrDeviceLocked, "locked for good")
	_, err = NewSimulator(Seeded(5), "12345")
	require.Error(t, err)
}
