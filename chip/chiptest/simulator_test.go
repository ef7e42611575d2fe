package chiptest

import (
	"crypto"
	"crypto/sha256"
	"encoding/json"
	"sync"
	"testing"

	"github.com/go-webauthn/webauthn/protocol/webauthncbor"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/go-mitid/mitid/chip"
)

func TestSimulator_DeterministicFromItsRandomness(t *testing.T) {
	// Keys, key handles and certificate contents come from the injected
	// reader; ECDSA signature bytes do not (Go 1.26 signs with its own
	// randomness), so the certificates are compared by key.
	a, b := newTestSimulator(t, 60), newTestSimulator(t, 60)
	assert.True(t, a.attKey.Equal(b.attKey))
	assert.True(t, a.root.PublicKey.(interface{ Equal(crypto.PublicKey) bool }).Equal(b.root.PublicKey))
	ma, err := a.RegisterU2F(testAppID, []byte("{}"))
	require.NoError(t, err)
	mb, err := b.RegisterU2F(testAppID, []byte("{}"))
	require.NoError(t, err)
	ra, _ := chip.ParseU2FRegistration(ma)
	rb, _ := chip.ParseU2FRegistration(mb)
	assert.Equal(t, ra.KeyHandle, rb.KeyHandle)
	assert.Equal(t, ra.PublicKey, rb.PublicKey)
	assert.False(t, newTestSimulator(t, 61).attKey.Equal(a.attKey))
}

func TestSimulator_KeyHandleBoundToApplication(t *testing.T) {
	sim := newTestSimulator(t, 62)
	msg, err := sim.RegisterU2F(testAppID, []byte("{}"))
	require.NoError(t, err)
	reg, err := chip.ParseU2FRegistration(msg)
	require.NoError(t, err)
	assert.True(t, sim.owns(sha256.Sum256([]byte(testAppID)), reg.KeyHandle))
	assert.False(t, sim.owns(sha256.Sum256([]byte(testRPID)), reg.KeyHandle))
	assert.False(t, newTestSimulator(t, 63).owns(sha256.Sum256([]byte(testAppID)), reg.KeyHandle), "another chip cannot open the handle")
	assert.True(t, sim.Clone().owns(sha256.Sum256([]byte(testAppID)), reg.KeyHandle), "a clone can")
	assert.Equal(t, uint32(0), sim.Counter(), "a check-only request does not count")
}

func TestSimulator_BrowserRules(t *testing.T) {
	v := newTestVerifier(t)
	sim := newTestSimulator(t, 64)
	options, _, err := v.BeginRegistration(testUser, nil)
	require.NoError(t, err)

	_, err = sim.Register(options, "https://mitid-login.example")
	require.ErrorIs(t, err, ErrSimSecurity, "a cross-site origin may not use the RP ID")
	_, err = sim.Register(options, "https://mitid-login.example", WithoutClientChecks())
	require.NoError(t, err)

	_, err = sim.Register([]byte(`{"publicKey":{"rp":{"id":"mitid.dk"},"challenge":"AAAA","pubKeyCredParams":[{"type":"public-key","alg":-257}]}}`), testOrigin)
	require.ErrorIs(t, err, ErrSimNotSupported)
	_, err = sim.Register([]byte(`{"rp":{}}`), testOrigin)
	require.ErrorIs(t, err, ErrSimBadOptions)
	_, err = sim.Login([]byte(`not json`), testOrigin)
	require.ErrorIs(t, err, ErrSimBadOptions)

	cred := register(t, v, newTestSimulator(t, 65), testUser)
	options, _, err = v.BeginLogin(testUser, []chip.Credential{cred})
	require.NoError(t, err)
	_, err = sim.Login(options, testOrigin)
	require.ErrorIs(t, err, ErrSimNoCredential, "this chip does not hold that credential")
}

func TestSimulator_RegistrationIsFIDOU2FAttestation(t *testing.T) {
	v := newTestVerifier(t)
	sim := newTestSimulator(t, 66)
	options, _, err := v.BeginRegistration(testUser, nil)
	require.NoError(t, err)
	resp, err := sim.Register(options, testOrigin)
	require.NoError(t, err)
	var r struct {
		ID       string
		RawID    string
		Type     string
		Response struct {
			AttestationObject string
			ClientDataJSON    string
		}
	}
	require.NoError(t, json.Unmarshal(resp, &r))
	assert.Equal(t, r.ID, r.RawID)
	assert.Equal(t, "public-key", r.Type)
	raw, err := unb64(r.Response.AttestationObject)
	require.NoError(t, err)
	var att struct {
		Fmt     string         `cbor:"fmt"`
		AttStmt map[string]any `cbor:"attStmt"`
	}
	require.NoError(t, webauthncbor.Unmarshal(raw, &att))
	assert.Equal(t, "fido-u2f", att.Fmt)
	assert.Contains(t, att.AttStmt, "sig")
	assert.Len(t, att.AttStmt["x5c"], 1)
	cd, err := unb64(r.Response.ClientDataJSON)
	require.NoError(t, err)
	assert.JSONEq(t, `{"type":"webauthn.create","challenge":"`+optionsChallenge(t, options)+`","origin":"https://mitid.dk","crossOrigin":false}`, string(cd))
}

func optionsChallenge(t *testing.T, options []byte) string {
	var o struct {
		PublicKey struct{ Challenge string } `json:"publicKey"`
	}
	require.NoError(t, json.Unmarshal(options, &o))
	return o.PublicKey.Challenge
}

func TestSimulator_ConcurrentAssertionsCountUniquely(t *testing.T) {
	v := newTestVerifier(t)
	sim := newTestSimulator(t, 67)
	cred := register(t, v, sim, testUser)
	options, _, err := v.BeginLogin(testUser, []chip.Credential{cred})
	require.NoError(t, err)

	const n = 32
	counters := make(chan uint32, n)
	var wg sync.WaitGroup
	for range n {
		wg.Go(func() {
			resp, err := sim.Login(options, testOrigin)
			if !assert.NoError(t, err) {
				return
			}
			var r struct {
				Response struct{ AuthenticatorData string }
			}
			if !assert.NoError(t, json.Unmarshal(resp, &r)) {
				return
			}
			ad, _ := unb64(r.Response.AuthenticatorData)
			counters <- uint32(ad[33])<<24 | uint32(ad[34])<<16 | uint32(ad[35])<<8 | uint32(ad[36])
		})
	}
	wg.Wait()
	close(counters)
	seen := map[uint32]bool{}
	for c := range counters {
		assert.False(t, seen[c], "counter %d signed twice", c)
		seen[c] = true
	}
	assert.Len(t, seen, n)
	assert.Equal(t, uint32(n), sim.Counter())
}
