package chip

import (
	"errors"
	"testing"

	"github.com/descope/virtualwebauthn"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestCounter_IncreaseAcceptedWithExactValue(t *testing.T) {
	tests := []struct {
		name        string
		stored      uint32
		chipCounter uint32 // the chip signs chipCounter+1
	}{
		{"first use after registration", 0, 0},
		{"next use", 41, 41},
		{"a jump (U2F counters are global to the chip)", 5, 1000},
		{"near the top of the range", 1<<32 - 3, 1<<32 - 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v, _ := newTestVerifier(t)
			sim := newTestSimulator(t, 40)
			cred := register(t, v, sim, testUser)
			cred.SignCount = tt.stored
			sim.SetCounter(tt.chipCounter)
			a, err := login(t, v, sim, testUser, []Credential{cred})
			require.NoError(t, err)
			assert.Equal(t, tt.stored, a.PreviousSignCount)
			assert.Equal(t, tt.chipCounter+1, a.NewSignCount, "the exact counter the chip signed")
			require.NoError(t, a.Apply(&cred))
			assert.Equal(t, tt.chipCounter+1, cred.SignCount)
		})
	}
}

func TestCounter_NotIncreasedFlagsClonedChip(t *testing.T) {
	tests := []struct {
		name         string
		originalUses uint32 // counter of the original's last accepted use
		cloneCounter uint32 // the clone signs cloneCounter+1
		wantReceived uint32
	}{
		{"equal counter (clone replays the last value)", 1, 0, 1},
		{"lower counter (clone lags behind)", 50, 9, 10},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v, _ := newTestVerifier(t)
			original := newTestSimulator(t, 41)
			cred := register(t, v, original, testUser)
			clone := original.Clone()

			original.SetCounter(tt.originalUses - 1)
			a, err := login(t, v, original, testUser, []Credential{cred})
			require.NoError(t, err)
			require.NoError(t, a.Apply(&cred))
			require.Equal(t, tt.originalUses, cred.SignCount)

			clone.SetCounter(tt.cloneCounter)
			_, err = login(t, v, clone, testUser, []Credential{cred})
			require.ErrorIs(t, err, ErrCounterNotIncreased)
			var ce *CounterError
			require.ErrorAs(t, err, &ce)
			assert.Equal(t, cred.ID, ce.CredentialID, "names the chip to suspend")
			assert.Equal(t, tt.originalUses, ce.Stored)
			assert.Equal(t, tt.wantReceived, ce.Received)
			assert.Contains(t, err.Error(), "suspend")
		})
	}
}

// The U2F zero-counter case. WebAuthn lets an authenticator without a counter
// send 0 forever. A FIDO U2F chip always counts (the MitID chip is FIDO U2F
// certified), so by default 0 after 0 is treated as "did not increase"; a
// deployment with such authenticators opts in with AllowZeroCounter, and then
// gets no clone detection for them (Assertion.CounterUnsupported).
func TestCounter_ZeroCounter(t *testing.T) {
	tests := []struct {
		name        string
		allowZero   bool
		stored      uint32
		wantErr     error
		unsupported bool
	}{
		{"0 after 0 refused by default", false, 0, ErrCounterNotIncreased, false},
		{"0 after 0 accepted when allowed", true, 0, nil, true},
		{"0 after 7 refused even when allowed", true, 7, ErrCounterNotIncreased, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v, _ := newTestVerifier(t, func(c *Config) { c.AllowZeroCounter = tt.allowZero })
			key := newVirtualKey(virtualwebauthn.AuthenticatorOptions{})
			cred := registerVirtual(t, v, key, testUser)
			cred.SignCount = tt.stored
			options, ch, err := v.BeginLogin(testUser, []Credential{cred})
			require.NoError(t, err)
			a, err := v.FinishLogin(ch, testUser, []Credential{cred}, key.login(t, options, 0))
			if tt.wantErr != nil {
				require.ErrorIs(t, err, tt.wantErr)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.unsupported, a.CounterUnsupported)
			require.NoError(t, a.Apply(&cred))
			assert.Equal(t, uint32(0), cred.SignCount)
		})
	}
}

func TestAssertionApply_RechecksTheFreshCounter(t *testing.T) {
	v, _ := newTestVerifier(t)
	sim := newTestSimulator(t, 42)
	snapshot := register(t, v, sim, testUser)
	// Two logins verified against the same snapshot (stored counter 0).
	first, err := login(t, v, sim, testUser, []Credential{snapshot})
	require.NoError(t, err)
	second, err := login(t, v, sim, testUser, []Credential{snapshot})
	require.NoError(t, err)

	// The store commits the later one first; the earlier one then no longer
	// increases the counter and must not be stored.
	fresh := snapshot
	require.NoError(t, second.Apply(&fresh))
	before := fresh
	err = first.Apply(&fresh)
	require.ErrorIs(t, err, ErrCounterNotIncreased)
	assert.Equal(t, before, fresh, "unchanged on error")

	other := snapshot
	other.ID = []byte("another credential")
	require.ErrorIs(t, second.Apply(&other), ErrUnknownCredential)
}

func TestCounterError_IsOnlyErrCounterNotIncreased(t *testing.T) {
	err := error(&CounterError{CredentialID: []byte{1, 2, 3}, Stored: 5, Received: 5})
	assert.True(t, errors.Is(err, ErrCounterNotIncreased))
	assert.False(t, errors.Is(err, ErrBadSignature))
	assert.Equal(t, "chip: signature counter did not increase (possible cloned chip): credential AQID sent counter 5, stored counter is 5; suspend the chip and ask the user to contact support", err.Error())
}
