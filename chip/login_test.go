package chip

import (
	"encoding/json"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/descope/virtualwebauthn"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/go-mitid/mitid/chip/chiptest"
	"github.com/go-mitid/mitid/mitidtest/fake"
)

func TestLogin_SimulatorFIDOU2F(t *testing.T) {
	v, _ := newTestVerifier(t)
	sim := newTestSimulator(t, 20)
	cred := register(t, v, sim, testUser, chiptest.WithTransport(TransportNFC))

	options, ch, err := v.BeginLogin(testUser, []Credential{cred})
	require.NoError(t, err)
	var o struct {
		PublicKey struct {
			RPID             string `json:"rpId"`
			Challenge        string
			UserVerification string
			Allow            []struct {
				ID         string
				Transports []string
			} `json:"allowCredentials"`
			Extensions map[string]any
		} `json:"publicKey"`
	}
	require.NoError(t, json.Unmarshal(options, &o))
	assert.Equal(t, testRPID, o.PublicKey.RPID)
	assert.Equal(t, ch.Key(), o.PublicKey.Challenge)
	assert.Equal(t, "discouraged", o.PublicKey.UserVerification)
	require.Len(t, o.PublicKey.Allow, 1)
	assert.Equal(t, b64(cred.ID), o.PublicKey.Allow[0].ID)
	assert.Equal(t, []string{TransportNFC}, o.PublicKey.Allow[0].Transports)
	assert.Empty(t, o.PublicKey.Extensions, "no AppID extension for a credential registered with WebAuthn")

	resp, err := sim.Login(options, testOrigin, chiptest.WithTransport(TransportNFC))
	require.NoError(t, err)
	a, err := v.FinishLogin(ch, testUser, []Credential{cred}, resp)
	require.NoError(t, err)
	assert.Equal(t, cred.ID, a.CredentialID)
	assert.Equal(t, uint32(0), a.PreviousSignCount)
	assert.Equal(t, sim.Counter(), a.NewSignCount)
	assert.False(t, a.UsedAppID)
	require.NoError(t, a.Apply(&cred))
	assert.Equal(t, sim.Counter(), cred.SignCount)
}

func TestLogin_OffersAllChipTransportsWhenNoneReported(t *testing.T) {
	v, _ := newTestVerifier(t)
	cred := register(t, v, newTestSimulator(t, 21), testUser)
	cred.Transports = nil
	options, _, err := v.BeginLogin(testUser, []Credential{cred})
	require.NoError(t, err)
	assert.Contains(t, string(options), `"transports":["usb","nfc","ble"]`)
}

func TestLogin_PackedVirtualWebAuthn(t *testing.T) {
	v, _ := newTestVerifier(t)
	key := newVirtualKey(virtualwebauthn.AuthenticatorOptions{})
	cred := registerVirtual(t, v, key, testUser)
	creds := []Credential{cred}
	for counter := uint32(1); counter <= 3; counter++ {
		options, ch, err := v.BeginLogin(testUser, creds)
		require.NoError(t, err)
		a, err := v.FinishLogin(ch, testUser, creds, key.login(t, options, counter))
		require.NoError(t, err)
		assert.Equal(t, counter, a.NewSignCount)
		require.NoError(t, a.Apply(&creds[0]))
	}
}

func TestLogin_LegacyAppID(t *testing.T) {
	v, _ := newTestVerifier(t)
	sim := newTestSimulator(t, 22)
	legacy := legacyCredential(t, sim)
	assert.Equal(t, FormatFIDOU2F, legacy.Format, "go-webauthn drops the AppID for any other format")
	assert.True(t, legacy.LegacyAppID)
	modern := register(t, v, newTestSimulator(t, 23), testUser)
	creds := []Credential{modern, legacy}

	options, ch, err := v.BeginLogin(testUser, creds)
	require.NoError(t, err)
	assert.Equal(t, testAppID, ch.AppID)
	assert.Contains(t, string(options), `"appid":"`+testAppID+`"`)

	resp, err := sim.Login(options, testOrigin)
	require.NoError(t, err)
	assert.Contains(t, string(resp), `"appid":true`)
	a, err := v.FinishLogin(ch, testUser, creds, resp)
	require.NoError(t, err)
	assert.True(t, a.UsedAppID)
	assert.Equal(t, legacy.ID, a.CredentialID)
	assert.Equal(t, uint32(1), a.NewSignCount)

	// The modern chip answers the same options under the RP ID.
	options, ch, err = v.BeginLogin(testUser, creds)
	require.NoError(t, err)
	resp, err = newTestSimulator(t, 23).Login(options, testOrigin)
	require.NoError(t, err)
	assert.Contains(t, string(resp), `"appid":false`)
	a, err = v.FinishLogin(ch, testUser, creds, resp)
	require.NoError(t, err)
	assert.False(t, a.UsedAppID)
}

func TestLogin_LegacyAppIDRules(t *testing.T) {
	sim := newTestSimulator(t, 24)
	legacy := legacyCredential(t, sim)

	t.Run("a legacy credential must be fido-u2f", func(t *testing.T) {
		v, _ := newTestVerifier(t)
		bad := legacy
		bad.Format = FormatPacked
		_, _, err := v.BeginLogin(testUser, []Credential{bad})
		require.ErrorIs(t, err, ErrInvalidKey)
	})
	t.Run("a legacy credential needs Config.AppID", func(t *testing.T) {
		v, _ := newTestVerifier(t, func(c *Config) { c.AppID = "" })
		_, _, err := v.BeginLogin(testUser, []Credential{legacy})
		require.ErrorIs(t, err, ErrInvalidConfig)
	})
	t.Run("without the extension the legacy chip is not found", func(t *testing.T) {
		v, _ := newTestVerifier(t)
		options, _, err := v.BeginLogin(testUser, []Credential{legacy})
		require.NoError(t, err)
		var m map[string]map[string]any
		require.NoError(t, json.Unmarshal(options, &m))
		delete(m["publicKey"], "extensions")
		stripped, err := json.Marshal(m)
		require.NoError(t, err)
		_, err = sim.Login(stripped, testOrigin)
		require.ErrorIs(t, err, chiptest.ErrSimNoCredential, "a U2F key handle is bound to the AppID it was made under")
	})
	t.Run("appid claimed for a credential registered under the RP ID", func(t *testing.T) {
		v, _ := newTestVerifier(t)
		modernSim := newTestSimulator(t, 25)
		modern := register(t, v, modernSim, testUser)
		creds := []Credential{modern, legacy}
		options, ch, err := v.BeginLogin(testUser, creds)
		require.NoError(t, err)
		resp, err := modernSim.Login(options, testOrigin)
		require.NoError(t, err)
		resp = editResponse(t, resp, func(m, _ map[string]any) {
			m["clientExtensionResults"] = map[string]any{"appid": true}
		})
		_, err = v.FinishLogin(ch, testUser, creds, resp)
		require.ErrorIs(t, err, ErrRPIDMismatch)
	})
}

func TestLogin_Refusals(t *testing.T) {
	otherUser := User{ID: []byte("someone-else"), Name: "someone"}
	tests := []struct {
		name    string
		simOpts []chiptest.SimOption
		origin  string
		edit    func(t *testing.T, m, r map[string]any)
		mutate  func(ch *Challenge, clk *fake.Clock)
		user    *User
		want    error
	}{
		{name: "wrong origin (a subdomain)", origin: "https://phish.mitid.dk", want: ErrOriginMismatch},
		{name: "wrong origin (cross-site, compromised client)", origin: "https://mitid-login.example", simOpts: []chiptest.SimOption{chiptest.WithoutClientChecks()}, want: ErrOriginMismatch},
		{name: "button not pressed", simOpts: []chiptest.SimOption{chiptest.WithoutUserPresence()}, want: ErrUserPresence},
		{
			name: "wrong RP ID hash",
			edit: func(t *testing.T, _, r map[string]any) {
				editBinary(t, r, "authenticatorData", func(b []byte) []byte { b[0] ^= 1; return b })
			},
			want: ErrRPIDMismatch,
		},
		{
			name: "signature tampered",
			edit: func(t *testing.T, _, r map[string]any) {
				editBinary(t, r, "signature", func(b []byte) []byte { b[len(b)-1] ^= 1; return b })
			},
			want: ErrBadSignature,
		},
		{
			name: "counter raised without the key",
			edit: func(t *testing.T, _, r map[string]any) {
				editBinary(t, r, "authenticatorData", func(b []byte) []byte { b[33] = 0x7f; return b })
			},
			want: ErrBadSignature,
		},
		{
			name: "backup flags set",
			edit: func(t *testing.T, _, r map[string]any) {
				editBinary(t, r, "authenticatorData", func(b []byte) []byte { b[32] |= 0x08; return b })
			},
			want: ErrNotDeviceBound,
		},
		{
			name: "user handle of another user",
			edit: func(t *testing.T, _, r map[string]any) { r["userHandle"] = b64([]byte("someone-else")) },
			want: ErrUnknownCredential,
		},
		{
			name: "unsolicited extension output",
			edit: func(t *testing.T, m, _ map[string]any) {
				m["clientExtensionResults"] = map[string]any{"credProps": map[string]any{"rk": false}}
			},
			want: ErrVerification,
		},
		{name: "expired challenge", mutate: func(_ *Challenge, clk *fake.Clock) { clk.Advance(DefaultTimeout + 1) }, want: ErrChallengeExpired},
		{name: "registration challenge", mutate: func(ch *Challenge, _ *fake.Clock) { ch.Ceremony = CeremonyRegistration }, want: ErrInvalidChallenge},
		{name: "challenge of another user", user: &otherUser, want: ErrInvalidChallenge},
		{name: "truncated challenge", mutate: func(ch *Challenge, _ *fake.Clock) { ch.Value = ch.Value[:8] }, want: ErrInvalidChallenge},
		{
			name: "response to another challenge",
			mutate: func(ch *Challenge, _ *fake.Clock) {
				ch.Value = []byte("a-different-challenge-32-bytes!!")
			},
			want: ErrChallengeMismatch,
		},
		{
			name: "registration posted as a login",
			edit: func(t *testing.T, m, _ map[string]any) { m["response"] = map[string]any{"clientDataJSON": "e30"} },
			want: ErrInvalidResponse,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v, clk := newTestVerifier(t)
			sim := newTestSimulator(t, 26)
			cred := register(t, v, sim, testUser)
			sim.SetCounter(9)
			creds := []Credential{cred}
			options, ch, err := v.BeginLogin(testUser, creds)
			require.NoError(t, err)
			origin := testOrigin
			if tt.origin != "" {
				origin = tt.origin
			}
			resp, err := sim.Login(options, origin, tt.simOpts...)
			require.NoError(t, err)
			if tt.edit != nil {
				resp = editResponse(t, resp, func(m, r map[string]any) { tt.edit(t, m, r) })
			}
			if tt.mutate != nil {
				tt.mutate(&ch, clk)
			}
			user := testUser
			if tt.user != nil {
				user = *tt.user
			}
			_, err = v.FinishLogin(ch, user, creds, resp)
			require.ErrorIs(t, err, tt.want)
			assert.False(t, errors.Is(err, ErrCounterNotIncreased), "only a valid signature may flag a clone")
		})
	}
}

func TestLogin_WrongRPIDSignedByAuthenticator(t *testing.T) {
	// A key that signs for any RP ID (virtualwebauthn does; a U2F chip cannot,
	// its key handle is bound to the RP ID) still gets refused.
	v, _ := newTestVerifier(t)
	key := newVirtualKey(virtualwebauthn.AuthenticatorOptions{})
	cred := registerVirtual(t, v, key, testUser)
	options, ch, err := v.BeginLogin(testUser, []Credential{cred})
	require.NoError(t, err)
	key.rp.ID = "evil.example"
	_, err = v.FinishLogin(ch, testUser, []Credential{cred}, key.login(t, options, 1))
	require.ErrorIs(t, err, ErrRPIDMismatch)
}

func TestLogin_CredentialOfAnotherUserRefused(t *testing.T) {
	v, _ := newTestVerifier(t)
	alice := User{ID: []byte("alice-handle"), Name: "alice"}
	bob := User{ID: []byte("bob-handle"), Name: "bob"}
	aliceChip := newTestSimulator(t, 27)
	aliceCred := register(t, v, aliceChip, alice)
	bobCred := register(t, v, newTestSimulator(t, 28), bob)

	// Bob's login; a malicious client swaps in Alice's credential.
	options, ch, err := v.BeginLogin(bob, []Credential{bobCred})
	require.NoError(t, err)
	var m map[string]map[string]any
	require.NoError(t, json.Unmarshal(options, &m))
	m["publicKey"]["allowCredentials"] = []map[string]any{{"type": "public-key", "id": b64(aliceCred.ID)}}
	swapped, err := json.Marshal(m)
	require.NoError(t, err)
	resp, err := aliceChip.Login(swapped, testOrigin)
	require.NoError(t, err)

	_, err = v.FinishLogin(ch, bob, []Credential{bobCred}, resp)
	require.ErrorIs(t, err, ErrUnknownCredential)
	var ce *CredentialError
	require.ErrorAs(t, err, &ce)
	assert.Equal(t, aliceCred.ID, ce.CredentialID)

	// Even if the caller wrongly passes Alice's credential in Bob's list, it
	// was not offered by Bob's challenge.
	_, err = v.FinishLogin(ch, bob, []Credential{bobCred, aliceCred}, resp)
	require.ErrorIs(t, err, ErrUnknownCredential)
}

func TestLogin_NoCredentials(t *testing.T) {
	v, _ := newTestVerifier(t)
	_, _, err := v.BeginLogin(testUser, nil)
	require.ErrorIs(t, err, ErrNoCredentials)
}

// sessionStore is the smallest single-use challenge store a caller could
// have: Put on Begin, Consume (read and delete atomically) before Finish.
type sessionStore struct {
	mu sync.Mutex
	m  map[string][]byte // key -> JSON, as a database row would hold it
}

var errNoSession = errors.New("no such login session (used or never issued)")

func (s *sessionStore) Put(ch Challenge) error {
	b, err := json.Marshal(ch)
	if err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.m[ch.Key()] = b
	return nil
}

func (s *sessionStore) Consume(key string) (Challenge, error) {
	s.mu.Lock()
	b, ok := s.m[key]
	delete(s.m, key)
	s.mu.Unlock()
	if !ok {
		return Challenge{}, errNoSession
	}
	var ch Challenge
	err := json.Unmarshal(b, &ch)
	return ch, err
}

func TestChallenge_SingleUseIsTheCallersContract(t *testing.T) {
	v, _ := newTestVerifier(t)
	sim := newTestSimulator(t, 29)
	creds := []Credential{register(t, v, sim, testUser)}
	store := &sessionStore{m: map[string][]byte{}}

	options, ch, err := v.BeginLogin(testUser, creds)
	require.NoError(t, err)
	require.NoError(t, store.Put(ch))
	resp, err := sim.Login(options, testOrigin)
	require.NoError(t, err)

	finish := func() (Assertion, error) {
		ch, err := store.Consume(ch.Key())
		if err != nil {
			return Assertion{}, err
		}
		return v.FinishLogin(ch, testUser, creds, resp)
	}
	a, err := finish()
	require.NoError(t, err, "the stored challenge survives its JSON round trip")
	require.NoError(t, a.Apply(&creds[0]))

	_, err = finish()
	require.ErrorIs(t, err, errNoSession, "the replay is refused by the store")

	// What the contract prevents: a challenge used twice lets the captured
	// response through the Verifier again, where it looks like a clone.
	_, err = v.FinishLogin(ch, testUser, creds, resp)
	require.ErrorIs(t, err, ErrCounterNotIncreased)

	// A replay against a fresh challenge fails on the challenge itself.
	_, ch2, err := v.BeginLogin(testUser, creds)
	require.NoError(t, err)
	_, err = v.FinishLogin(ch2, testUser, creds, resp)
	require.ErrorIs(t, err, ErrChallengeMismatch)
}

func TestChallenge_ExpiresAtTimeout(t *testing.T) {
	v, clk := newTestVerifier(t, func(c *Config) { c.Timeout = 2 * time.Minute })
	sim := newTestSimulator(t, 30)
	creds := []Credential{register(t, v, sim, testUser)}
	for _, tt := range []struct {
		name    string
		elapsed int64 // seconds
		want    error
	}{
		{"just before expiry", 119, nil},
		{"at expiry", 120, ErrChallengeExpired},
		{"long after", 3600, ErrChallengeExpired},
	} {
		t.Run(tt.name, func(t *testing.T) {
			options, ch, err := v.BeginLogin(testUser, creds)
			require.NoError(t, err)
			resp, err := sim.Login(options, testOrigin)
			require.NoError(t, err)
			clk.Advance(secs(tt.elapsed))
			defer clk.Advance(-secs(tt.elapsed))
			_, err = v.FinishLogin(ch, testUser, creds, resp)
			if tt.want == nil {
				require.NoError(t, err)
			} else {
				require.ErrorIs(t, err, tt.want)
			}
		})
	}
}
