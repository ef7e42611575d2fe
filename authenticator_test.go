package mitid_test

import (
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/go-mitid/mitid"
	"github.com/go-mitid/mitid/chip/credential"
)

var (
	tNow   = time.Date(2026, 11, 21, 10, 0, 0, 0, time.UTC)
	policy = mitid.DefaultPolicy()
)

// allowed is the transition table written out again, independently of the
// code, as the rules read: from → the states it may move to.
var allowed = map[mitid.State][]mitid.State{
	mitid.StateOrdered:           {mitid.StatePendingActivation, mitid.StateBlocked},
	mitid.StatePendingActivation: {mitid.StateWaitingForAccess, mitid.StateActive, mitid.StateBlocked},
	mitid.StateWaitingForAccess:  {mitid.StateActive, mitid.StateBlocked},
	mitid.StateActive:            {mitid.StateSuspended, mitid.StateBlocked, mitid.StateReplaced},
	mitid.StateSuspended:         {mitid.StateActive, mitid.StateBlocked, mitid.StateReplaced},
	mitid.StateBlocked:           nil,
	mitid.StateReplaced:          nil,
}

func isAllowed(from, to mitid.State) bool {
	for _, s := range allowed[from] {
		if s == to {
			return true
		}
	}
	return false
}

// TestTransitionTable_EveryPair checks all 49 pairs of states, both against
// CanTransition and through User.Transition on a user holding an
// authenticator in the from state.
func TestTransitionTable_EveryPair(t *testing.T) {
	for _, from := range mitid.States() {
		for _, to := range mitid.States() {
			want := isAllowed(from, to)
			name := fmt.Sprintf("%s→%s allowed=%v", from, to, want)
			t.Run(name, func(t *testing.T) {
				assert.Equal(t, want, mitid.CanTransition(from, to))
				u := &mitid.User{ID: uuid.New()}
				a := withSecret(mitid.Authenticator{ID: uuid.New(), Kind: mitid.KindApp, State: from, WaitUntil: tNow.Add(-time.Minute)})
				if from == mitid.StateSuspended {
					a.SuspendedUntil = tNow.Add(time.Hour)
				}
				u.Authenticators = []mitid.Authenticator{a}
				evs, err := u.Transition(&policy, a.ID, to, tNow, mitid.TransitionOptions{Reason: "test"})
				if !want {
					require.Error(t, err)
					assert.True(t, mitid.ErrorCode(err) == mitid.CodeTransitionForbidden || mitid.ErrorCode(err) == mitid.CodeAuthenticatorBlocked,
						"a forbidden transition is refused with a code that says so, got %v", err)
					assert.Equal(t, from, u.Authenticators[0].State, "and changes nothing")
					return
				}
				require.NoError(t, err)
				require.Len(t, evs, 1)
				assert.Equal(t, mitid.EventAuthenticatorState, evs[0].Type)
				assert.Equal(t, from, evs[0].From)
				assert.Equal(t, to, evs[0].To)
				assert.Equal(t, to, u.Authenticators[0].State)
				assert.Equal(t, tNow, u.Authenticators[0].StateChangedAt)
			})
		}
	}
}

func TestTransition_FinalStatesSayWhatToDo(t *testing.T) {
	for _, tc := range []struct {
		kind mitid.Kind
		hint string
	}{
		{mitid.KindCodeDisplay, "order a new one"},
		{mitid.KindChip, "add it again as a new authenticator"},
	} {
		u := &mitid.User{Authenticators: []mitid.Authenticator{{ID: uuid.New(), Kind: tc.kind, State: mitid.StateBlocked}}}
		_, err := u.Transition(&policy, u.Authenticators[0].ID, mitid.StateActive, tNow, mitid.TransitionOptions{})
		require.ErrorIs(t, err, mitid.ErrLocked)
		assert.Contains(t, err.Error(), tc.hint)
	}
}

func TestTransition_WaitingPeriodMustPass(t *testing.T) {
	wait := tNow.Add(24 * time.Hour)
	u := &mitid.User{Authenticators: []mitid.Authenticator{withSecret(mitid.Authenticator{ID: uuid.New(), Kind: mitid.KindChip, State: mitid.StateWaitingForAccess, WaitUntil: wait})}}
	id := u.Authenticators[0].ID
	_, err := u.Transition(&policy, id, mitid.StateActive, wait.Add(-time.Second), mitid.TransitionOptions{})
	require.ErrorIs(t, err, mitid.ErrWaiting)
	var me *mitid.Error
	require.ErrorAs(t, err, &me)
	assert.Equal(t, wait, me.Until, "the error says until when")
	_, err = u.Transition(&policy, id, mitid.StateActive, wait, mitid.TransitionOptions{})
	require.NoError(t, err, "at the end of the waiting period activation is allowed")
}

func TestSuspension_EndsByItself(t *testing.T) {
	until := tNow.Add(15 * time.Minute)
	a := mitid.Authenticator{ID: uuid.New(), Kind: mitid.KindCodeDisplay, State: mitid.StateSuspended, SuspendedUntil: until}
	assert.Equal(t, mitid.StateSuspended, a.EffectiveState(until.Add(-time.Nanosecond)))
	assert.Equal(t, mitid.StateActive, a.EffectiveState(until))
	indefinite := mitid.Authenticator{State: mitid.StateSuspended}
	assert.Equal(t, mitid.StateSuspended, indefinite.EffectiveState(tNow.Add(1000*time.Hour)), "a suspension without end lasts until lifted")
}

// TestLimits_PerKind activates authenticators of each kind until the limit,
// and checks that one more is refused.
func TestLimits_PerKind(t *testing.T) {
	tests := []struct {
		rule  string
		kinds []mitid.Kind // activated in order
		fails int          // index of the first activation refused; -1 if none
	}{
		{"three apps are allowed", []mitid.Kind{mitid.KindApp, mitid.KindApp, mitid.KindApp}, -1},
		{"a fourth app is refused", []mitid.Kind{mitid.KindApp, mitid.KindApp, mitid.KindApp, mitid.KindApp}, 3},
		{"one chip", []mitid.Kind{mitid.KindChip, mitid.KindChip}, 1},
		{"one code display", []mitid.Kind{mitid.KindCodeDisplay, mitid.KindCodeDisplay}, 1},
		{"a code display and an audio reader share one place", []mitid.Kind{mitid.KindCodeDisplay, mitid.KindAudioReader}, 1},
		{"an audio reader and a code display share one place", []mitid.Kind{mitid.KindAudioReader, mitid.KindCodeDisplay}, 1},
		{"one password", []mitid.Kind{mitid.KindPassword, mitid.KindPassword}, 1},
		{"kinds in different groups do not limit each other",
			[]mitid.Kind{mitid.KindApp, mitid.KindCodeDisplay, mitid.KindChip, mitid.KindPassword, mitid.KindApp}, -1},
	}
	for _, tc := range tests {
		t.Run(tc.rule, func(t *testing.T) {
			u := &mitid.User{}
			for _, k := range tc.kinds {
				u.Authenticators = append(u.Authenticators, withSecret(mitid.Authenticator{ID: uuid.New(), Kind: k, State: mitid.StatePendingActivation}))
			}
			for i := range tc.kinds {
				_, err := u.Transition(&policy, u.Authenticators[i].ID, mitid.StateActive, tNow, mitid.TransitionOptions{})
				if i == tc.fails {
					require.ErrorIs(t, err, mitid.ErrLimit)
					assert.Equal(t, mitid.CodeAuthenticatorLimit, mitid.ErrorCode(err))
					assert.Equal(t, mitid.StatePendingActivation, u.Authenticators[i].State)
					return
				}
				require.NoError(t, err, "activation %d", i)
			}
		})
	}
}

func TestLimits_SuspendedCountsBlockedDoesNot(t *testing.T) {
	u := &mitid.User{Authenticators: []mitid.Authenticator{
		withSecret(mitid.Authenticator{ID: uuid.New(), Kind: mitid.KindChip, State: mitid.StateSuspended}),
		withSecret(mitid.Authenticator{ID: uuid.New(), Kind: mitid.KindChip, State: mitid.StatePendingActivation}),
	}}
	_, err := u.Transition(&policy, u.Authenticators[1].ID, mitid.StateActive, tNow, mitid.TransitionOptions{})
	require.ErrorIs(t, err, mitid.ErrLimit, "a suspended chip is still in use")
	_, err = u.Transition(&policy, u.Authenticators[0].ID, mitid.StateBlocked, tNow, mitid.TransitionOptions{})
	require.NoError(t, err)
	_, err = u.Transition(&policy, u.Authenticators[1].ID, mitid.StateActive, tNow, mitid.TransitionOptions{})
	require.NoError(t, err, "a blocked chip frees the place")
}

func TestLimits_ReplacementSwapsInOneChange(t *testing.T) {
	oldID, newID := uuid.New(), uuid.New()
	u := &mitid.User{Authenticators: []mitid.Authenticator{
		withSecret(mitid.Authenticator{ID: oldID, Kind: mitid.KindCodeDisplay, State: mitid.StateActive}),
		withSecret(mitid.Authenticator{ID: newID, Kind: mitid.KindAudioReader, State: mitid.StatePendingActivation}),
	}}
	evs, err := u.Transition(&policy, newID, mitid.StateActive, tNow, mitid.TransitionOptions{Replaces: oldID, Reason: "broken"})
	require.NoError(t, err)
	require.Len(t, evs, 2)
	assert.Equal(t, mitid.StateReplaced, evs[0].To)
	assert.Equal(t, mitid.StateActive, evs[1].To)
	assert.Equal(t, mitid.StateReplaced, u.Authenticators[0].State)
	assert.Equal(t, newID, u.Authenticators[0].ReplacedBy)

	chip := withSecret(mitid.Authenticator{ID: uuid.New(), Kind: mitid.KindChip, State: mitid.StatePendingActivation})
	u.Authenticators = append(u.Authenticators, chip)
	_, err = u.Transition(&policy, chip.ID, mitid.StateActive, tNow, mitid.TransitionOptions{Replaces: newID})
	require.ErrorIs(t, err, mitid.ErrInvalid, "a chip cannot replace an audio code reader")
	assert.Equal(t, mitid.StateActive, u.Authenticators[1].State)
}

func TestAddAuthenticator_StartingStates(t *testing.T) {
	for _, st := range mitid.States() {
		u := &mitid.User{}
		_, err := u.AddAuthenticator(&policy, mitid.Authenticator{ID: uuid.New(), Kind: mitid.KindApp, State: st}, tNow)
		switch st {
		case mitid.StateOrdered, mitid.StatePendingActivation, mitid.StateWaitingForAccess:
			assert.NoError(t, err, st)
		default:
			// Active too: only activation, after its proof, makes an app
			// (or any device) active.
			assert.Equal(t, mitid.CodeTransitionForbidden, mitid.ErrorCode(err), st)
		}
	}
	// A password is created, not proven: it may start active.
	u := &mitid.User{}
	_, err := u.AddAuthenticator(&policy, withSecret(mitid.Authenticator{ID: uuid.New(), Kind: mitid.KindPassword, State: mitid.StateActive}), tNow)
	require.NoError(t, err)
	_, err = u.AddAuthenticator(&policy, mitid.Authenticator{ID: uuid.New(), Kind: mitid.KindPassword, State: mitid.StateActive}, tNow)
	assert.Equal(t, mitid.CodeTransitionForbidden, mitid.ErrorCode(err), "not without its hash")
	u = &mitid.User{}
	_, err = u.AddAuthenticator(&policy, mitid.Authenticator{ID: uuid.New(), Kind: "token", State: mitid.StateOrdered}, tNow)
	require.ErrorIs(t, err, mitid.ErrInvalid, "unknown kind")
}

// withSecret gives a an opaque stand-in for the secret its kind is verified
// against: User.Transition activates nothing without one.
func withSecret(a mitid.Authenticator) mitid.Authenticator {
	switch a.Kind {
	case mitid.KindApp:
		a.DeviceKey = []byte{1}
	case mitid.KindCodeDisplay, mitid.KindAudioReader:
		a.OTP = &mitid.OTPSecret{}
	case mitid.KindChip:
		a.Chip = &credential.Credential{}
	case mitid.KindPassword:
		a.Password = &mitid.PasswordHash{}
	}
	return a
}

func TestTransition_NothingBecomesActiveWithoutItsSecret(t *testing.T) {
	for _, k := range []mitid.Kind{mitid.KindApp, mitid.KindCodeDisplay, mitid.KindAudioReader, mitid.KindChip, mitid.KindPassword} {
		u := &mitid.User{Authenticators: []mitid.Authenticator{{ID: uuid.New(), Kind: k, State: mitid.StatePendingActivation}}}
		_, err := u.Transition(&policy, u.Authenticators[0].ID, mitid.StateActive, tNow, mitid.TransitionOptions{})
		assert.Equal(t, mitid.CodeTransitionForbidden, mitid.ErrorCode(err), k)
		assert.Equal(t, mitid.StatePendingActivation, u.Authenticators[0].State)
	}
}

// TestAuthenticator_StoredChipDecodes: a chip authenticator as stores keep
// it (the user's JSON, in memory and in PostgreSQL) decodes into every field
// of the chip's credential and encodes back to the same JSON, so users
// stored before the chip data moved to package credential still load.
func TestAuthenticator_StoredChipDecodes(t *testing.T) {
	const stored = `{"id":"6f1c2a8e-0b7d-4c55-9a51-1d1b8e0c2f3a","kind":"chip","state":"active","created_at":"2026-11-21T10:00:00Z",` +
		`"state_changed_at":"2026-11-21T10:00:00Z","credential_id":"a2g=","chip":{"id":"a2g=","publicKey":"pQECAyYgASFYIA==",` +
		`"format":"fido-u2f","attestationType":"basic_full","attestationCert":"MIIB","aaguid":"AAAAAAAAAAAAAAAAAAAAAA==",` +
		`"signCount":42,"transports":["usb","nfc"],"legacyAppId":true}}`
	var a mitid.Authenticator
	require.NoError(t, json.Unmarshal([]byte(stored), &a))
	require.NotNil(t, a.Chip)
	assert.Equal(t, credential.Credential{
		ID: []byte("kh"), PublicKey: []byte{0xa5, 0x01, 0x02, 0x03, 0x26, 0x20, 0x01, 0x21, 0x58, 0x20},
		Format: credential.FormatFIDOU2F, AttestationType: "basic_full", AttestationCert: []byte{0x30, 0x82, 0x01},
		AAGUID: make([]byte, 16), SignCount: 42, Transports: []string{"usb", "nfc"}, LegacyAppID: true,
	}, *a.Chip)
	out, err := json.Marshal(a)
	require.NoError(t, err)
	assert.JSONEq(t, stored, string(out))
}
