package chip

import (
	"context"
	"crypto/x509"
	"encoding/json"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/descope/virtualwebauthn"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/go-mitid/mitid/chip/chiptest"
	"github.com/go-mitid/mitid/mitidtest/fake"
)

func TestRegistration_SimulatorFIDOU2F(t *testing.T) {
	v, clk := newTestVerifier(t)
	sim := newTestSimulator(t, 1)

	options, ch, err := v.BeginRegistration(testUser, nil)
	require.NoError(t, err)
	assert.Equal(t, CeremonyRegistration, ch.Ceremony)
	assert.Equal(t, clk.Now().Add(DefaultTimeout), ch.Expires)
	assert.Len(t, ch.Value, 32)

	var o struct {
		PublicKey struct {
			RP        struct{ ID, Name string }
			Challenge string
			Params    []struct {
				Type string
				Alg  int
			} `json:"pubKeyCredParams"`
			Timeout                int
			Attestation            string
			Hints                  []string
			AuthenticatorSelection struct {
				AuthenticatorAttachment string
				ResidentKey             string
				UserVerification        string
			}
		} `json:"publicKey"`
	}
	require.NoError(t, json.Unmarshal(options, &o))
	assert.Equal(t, "direct", o.PublicKey.Attestation, "a MitID chip registration asks for direct attestation")
	assert.Equal(t, testRPID, o.PublicKey.RP.ID)
	assert.Equal(t, ch.Key(), o.PublicKey.Challenge)
	require.Len(t, o.PublicKey.Params, 1)
	assert.Equal(t, -7, o.PublicKey.Params[0].Alg, "ES256 only")
	assert.Equal(t, "cross-platform", o.PublicKey.AuthenticatorSelection.AuthenticatorAttachment)
	assert.Equal(t, "discouraged", o.PublicKey.AuthenticatorSelection.UserVerification)
	assert.Equal(t, []string{"security-key"}, o.PublicKey.Hints)
	assert.Equal(t, int(DefaultTimeout/time.Millisecond), o.PublicKey.Timeout)

	resp, err := sim.Register(options, testOrigin)
	require.NoError(t, err)
	cred, err := v.FinishRegistration(t.Context(), ch, testUser, resp)
	require.NoError(t, err)
	assert.Equal(t, FormatFIDOU2F, cred.Format)
	assert.Equal(t, "basic_full", cred.AttestationType)
	assert.Equal(t, make([]byte, 16), cred.AAGUID, "U2F chips have no AAGUID")
	assert.Equal(t, uint32(0), cred.SignCount, "a U2F registration carries no counter")
	assert.Equal(t, []string{TransportUSB}, cred.Transports)
	assert.False(t, cred.LegacyAppID)
	assert.Equal(t, sim.AttestationCert(), cred.AttestationCert)
	_, err = publicKeyFromCOSE(cred.PublicKey)
	require.NoError(t, err)

	// The stored credential survives a JSON round trip unchanged.
	b, err := json.Marshal(cred)
	require.NoError(t, err)
	var back Credential
	require.NoError(t, json.Unmarshal(b, &back))
	assert.Equal(t, cred, back)
}

func TestRegistration_ReportsTransport(t *testing.T) {
	v, _ := newTestVerifier(t)
	sim := newTestSimulator(t, 2)
	for _, tr := range []string{TransportUSB, TransportNFC, TransportBLE} {
		t.Run(tr, func(t *testing.T) {
			cred := register(t, v, sim, testUser, chiptest.WithTransport(tr))
			assert.Equal(t, []string{tr}, cred.Transports)
		})
	}
}

func TestRegistration_PackedVirtualWebAuthn(t *testing.T) {
	v, _ := newTestVerifier(t)
	key := newVirtualKey(virtualwebauthn.AuthenticatorOptions{Transports: []virtualwebauthn.Transport{virtualwebauthn.TransportNFC}})
	cred := registerVirtual(t, v, key, testUser)
	assert.Equal(t, FormatPacked, cred.Format)
	assert.Equal(t, "basic_surrogate", cred.AttestationType, "go-webauthn's name for self attestation")
	assert.Equal(t, []string{TransportNFC}, cred.Transports)
	assert.Nil(t, cred.AttestationCert)
}

func TestRegistration_AttestationRoots(t *testing.T) {
	sim := newTestSimulator(t, 3)
	trusted := x509.NewCertPool()
	trusted.AddCert(sim.AttestationRoot())
	other := x509.NewCertPool()
	other.AddCert(newTestSimulator(t, 4).AttestationRoot())

	t.Run("chains to the chip vendor root", func(t *testing.T) {
		v, _ := newTestVerifier(t, func(c *Config) { c.AttestationRoots = trusted })
		register(t, v, sim, testUser)
	})
	t.Run("another vendor's chip is refused", func(t *testing.T) {
		v, _ := newTestVerifier(t, func(c *Config) { c.AttestationRoots = other })
		options, ch, err := v.BeginRegistration(testUser, nil)
		require.NoError(t, err)
		resp, err := sim.Register(options, testOrigin)
		require.NoError(t, err)
		_, err = v.FinishRegistration(t.Context(), ch, testUser, resp)
		require.ErrorIs(t, err, ErrAttestation)
	})
	t.Run("self attestation is refused", func(t *testing.T) {
		v, _ := newTestVerifier(t, func(c *Config) { c.AttestationRoots = trusted })
		options, ch, err := v.BeginRegistration(testUser, nil)
		require.NoError(t, err)
		resp := newVirtualKey(virtualwebauthn.AuthenticatorOptions{}).register(t, options)
		_, err = v.FinishRegistration(t.Context(), ch, testUser, resp)
		require.ErrorIs(t, err, ErrAttestation)
	})
	t.Run("the root is checked at the injected time", func(t *testing.T) {
		v, clk := newTestVerifier(t, func(c *Config) { c.AttestationRoots = trusted })
		options, ch, err := v.BeginRegistration(testUser, nil)
		require.NoError(t, err)
		resp, err := sim.Register(options, testOrigin)
		require.NoError(t, err)
		clk.Advance(-7 * 365 * 24 * time.Hour) // before the certificates' NotBefore (2020)
		ch.Expires = clk.Now().Add(time.Minute)
		_, err = v.FinishRegistration(t.Context(), ch, testUser, resp)
		require.ErrorIs(t, err, ErrAttestation)
	})
}

func TestRegistration_AttestationFormatPolicy(t *testing.T) {
	v, _ := newTestVerifier(t, func(c *Config) { c.AttestationFormats = []string{FormatPacked} })
	options, ch, err := v.BeginRegistration(testUser, nil)
	require.NoError(t, err)
	resp, err := newTestSimulator(t, 5).Register(options, testOrigin)
	require.NoError(t, err)
	_, err = v.FinishRegistration(t.Context(), ch, testUser, resp)
	require.ErrorIs(t, err, ErrAttestation)
	assert.Contains(t, err.Error(), `"fido-u2f"`)
}

// stripAttestation rewrites a virtualwebauthn registration to attestation
// "none", as a browser does when the user declines to share attestation.
func TestRegistration_NoneAttestationRefused(t *testing.T) {
	v, _ := newTestVerifier(t)
	options, ch, err := v.BeginRegistration(testUser, nil)
	require.NoError(t, err)
	resp := newVirtualKey(virtualwebauthn.AuthenticatorOptions{}).register(t, options)
	resp = rewriteAttestationFormat(t, resp, "none")
	_, err = v.FinishRegistration(t.Context(), ch, testUser, resp)
	require.ErrorIs(t, err, ErrAttestation)
}

func TestRegistration_ExcludedChipRefusedByBrowser(t *testing.T) {
	v, _ := newTestVerifier(t)
	sim := newTestSimulator(t, 6)
	cred := register(t, v, sim, testUser)
	options, _, err := v.BeginRegistration(testUser, []Credential{cred})
	require.NoError(t, err)
	_, err = sim.Register(options, testOrigin)
	require.ErrorIs(t, err, chiptest.ErrSimExcluded)
	// Another chip registers fine against the same exclude list.
	register2 := func() error {
		options, ch, err := v.BeginRegistration(testUser, []Credential{cred})
		require.NoError(t, err)
		resp, err := newTestSimulator(t, 7).Register(options, testOrigin)
		require.NoError(t, err)
		_, err = v.FinishRegistration(t.Context(), ch, testUser, resp)
		return err
	}
	require.NoError(t, register2())
}

func TestRegistration_ExcludedCredentialRefusedByVerifier(t *testing.T) {
	// A client that ignores excludeCredentials re-registers the same
	// credential; the Verifier refuses it itself.
	v, _ := newTestVerifier(t)
	key := newVirtualKey(virtualwebauthn.AuthenticatorOptions{})
	cred := registerVirtual(t, v, key, testUser)
	options, ch, err := v.BeginRegistration(testUser, []Credential{cred})
	require.NoError(t, err)
	_, err = v.FinishRegistration(t.Context(), ch, testUser, key.register(t, options))
	require.ErrorIs(t, err, ErrCredentialExists)
	var ce *CredentialError
	require.ErrorAs(t, err, &ce)
	assert.Equal(t, cred.ID, ce.CredentialID)
}

// mapOwners is an in-test OwnerLookup over a map guarded by a mutex.
type mapOwners struct {
	mu     sync.Mutex
	owners map[string][]byte
	err    error
}

func (m *mapOwners) CredentialOwner(_ context.Context, id []byte) ([]byte, bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.err != nil {
		return nil, false, m.err
	}
	u, ok := m.owners[string(id)]
	return u, ok, nil
}

func TestRegistration_CredentialBoundToAnotherUserRefused(t *testing.T) {
	owners := &mapOwners{owners: map[string][]byte{}}
	v, _ := newTestVerifier(t, func(c *Config) { c.Owners = owners })
	alice := User{ID: []byte("alice-handle"), Name: "alice"}
	bob := User{ID: []byte("bob-handle"), Name: "bob"}
	key := newVirtualKey(virtualwebauthn.AuthenticatorOptions{})
	cred := registerVirtual(t, v, key, alice)
	owners.owners[string(cred.ID)] = alice.ID

	finish := func(user User) error {
		options, ch, err := v.BeginRegistration(user, nil)
		require.NoError(t, err)
		_, err = v.FinishRegistration(t.Context(), ch, user, key.register(t, options))
		return err
	}
	require.ErrorIs(t, finish(bob), ErrCredentialInUse)
	require.ErrorIs(t, finish(alice), ErrCredentialExists)

	owners.err = errors.New("database is down")
	err := finish(bob)
	require.ErrorIs(t, err, owners.err)
}

func TestRegistration_Refusals(t *testing.T) {
	otherUser := User{ID: []byte("someone-else"), Name: "someone"}
	tests := []struct {
		name    string
		respond func(t *testing.T, options []byte) []byte
		mutate  func(ch *Challenge, clk *fake.Clock)
		user    *User
		want    error
	}{
		{
			name: "wrong origin (a subdomain the browser allows but the RP does not)",
			respond: func(t *testing.T, options []byte) []byte {
				r, err := newTestSimulator(t, 10).Register(options, "https://phish.mitid.dk")
				require.NoError(t, err)
				return r
			},
			want: ErrOriginMismatch,
		},
		{
			name: "wrong origin (cross-site, from a compromised client)",
			respond: func(t *testing.T, options []byte) []byte {
				r, err := newTestSimulator(t, 10).Register(options, "https://mitid-login.example", chiptest.WithoutClientChecks())
				require.NoError(t, err)
				return r
			},
			want: ErrOriginMismatch,
		},
		{
			name: "wrong RP ID",
			respond: func(t *testing.T, options []byte) []byte {
				k := newVirtualKey(virtualwebauthn.AuthenticatorOptions{})
				k.rp.ID = "evil.example"
				return k.register(t, options)
			},
			want: ErrRPIDMismatch,
		},
		{
			name: "no user presence",
			respond: func(t *testing.T, options []byte) []byte {
				r, err := newTestSimulator(t, 10).Register(options, testOrigin, chiptest.WithoutUserPresence())
				require.NoError(t, err)
				return r
			},
			want: ErrUserPresence,
		},
		{
			name: "synced passkey (backup eligible)",
			respond: func(t *testing.T, options []byte) []byte {
				return newVirtualKey(virtualwebauthn.AuthenticatorOptions{BackupEligible: true}).register(t, options)
			},
			want: ErrNotDeviceBound,
		},
		{
			name:   "expired challenge",
			mutate: func(_ *Challenge, clk *fake.Clock) { clk.Advance(DefaultTimeout) },
			want:   ErrChallengeExpired,
		},
		{
			name:   "login challenge",
			mutate: func(ch *Challenge, _ *fake.Clock) { ch.Ceremony = CeremonyLogin },
			want:   ErrInvalidChallenge,
		},
		{
			name: "challenge of another user",
			user: &otherUser,
			want: ErrInvalidChallenge,
		},
		{
			name: "response to another challenge",
			mutate: func(ch *Challenge, _ *fake.Clock) {
				ch.Value = []byte("a-different-challenge-32-bytes!!")
			},
			want: ErrChallengeMismatch,
		},
		{
			name: "an assertion posted as a registration",
			respond: func(t *testing.T, options []byte) []byte {
				return []byte(`{"id":"AA","rawId":"AA","type":"public-key","response":{"clientDataJSON":"e30","authenticatorData":"AA","signature":"AA"}}`)
			},
			want: ErrInvalidResponse,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v, clk := newTestVerifier(t)
			options, ch, err := v.BeginRegistration(testUser, nil)
			require.NoError(t, err)
			respond := tt.respond
			if respond == nil {
				respond = func(t *testing.T, options []byte) []byte {
					r, err := newTestSimulator(t, 10).Register(options, testOrigin)
					require.NoError(t, err)
					return r
				}
			}
			resp := respond(t, options)
			if tt.mutate != nil {
				tt.mutate(&ch, clk)
			}
			user := testUser
			if tt.user != nil {
				user = *tt.user
			}
			_, err = v.FinishRegistration(t.Context(), ch, user, resp)
			require.ErrorIs(t, err, tt.want)
			assert.False(t, strings.Contains(err.Error(), "%!"), "badly formatted error: %v", err)
		})
	}
}

func TestRegistration_LegacyAppIDExclude(t *testing.T) {
	v, _ := newTestVerifier(t)
	sim := newTestSimulator(t, 11)
	legacy := legacyCredential(t, sim)

	options, ch, err := v.BeginRegistration(testUser, []Credential{legacy})
	require.NoError(t, err)
	assert.Equal(t, testAppID, ch.AppID)
	assert.Contains(t, string(options), `"appidExclude":"`+testAppID+`"`)
	// The chip registered under the AppID is recognised and refused.
	_, err = sim.Register(options, testOrigin)
	require.ErrorIs(t, err, chiptest.ErrSimExcluded)
	// A new chip registers; its appidExclude output was requested, so accepted.
	resp, err := newTestSimulator(t, 12).Register(options, testOrigin)
	require.NoError(t, err)
	assert.Contains(t, string(resp), `"appidExclude":true`)
	_, err = v.FinishRegistration(t.Context(), ch, testUser, resp)
	require.NoError(t, err)

	// Without a legacy credential in the list no appidExclude is sent.
	options, ch, err = v.BeginRegistration(testUser, nil)
	require.NoError(t, err)
	assert.Empty(t, ch.AppID)
	assert.NotContains(t, string(options), "appidExclude")
}
