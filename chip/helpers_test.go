package chip

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/go-webauthn/webauthn/protocol/webauthncbor"
	"github.com/stretchr/testify/require"

	"github.com/go-mitid/mitid/chip/chiptest"
	"github.com/go-mitid/mitid/mitidtest/fake"
)

const (
	testRPID   = "mitid.dk"
	testOrigin = "https://mitid.dk"
	testAppID  = "https://mitid.dk/u2f/appid.json"
)

var testUser = User{ID: []byte("user-0001-handle"), Name: "Bjørn Ærø", DisplayName: "Bjørn"}

// newFakeClock is the clock every verifier test starts from.
func newFakeClock() *fake.Clock { return fake.NewClock(time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)) }

func newTestVerifier(t testing.TB, mods ...func(*Config)) (*Verifier, *fake.Clock) {
	t.Helper()
	clk := newFakeClock()
	cfg := Config{
		RPID:    testRPID,
		RPName:  "MitID",
		Origins: []string{testOrigin},
		AppID:   testAppID,
		Rand:    rand.Reader,
		Now:     clk.Now,
	}
	for _, m := range mods {
		m(&cfg)
	}
	v, err := New(cfg)
	require.NoError(t, err)
	return v, clk
}

func newTestSimulator(t testing.TB, seed byte) *chiptest.Simulator {
	t.Helper()
	s, err := chiptest.NewSimulator(chiptest.Seeded(uint64(seed)))
	require.NoError(t, err)
	return s
}

// register runs a whole registration of sim for user and returns the credential.
func register(t testing.TB, v *Verifier, sim *chiptest.Simulator, user User, opts ...chiptest.SimOption) Credential {
	t.Helper()
	options, ch, err := v.BeginRegistration(user, nil)
	require.NoError(t, err)
	resp, err := sim.Register(options, testOrigin, opts...)
	require.NoError(t, err)
	cred, err := v.FinishRegistration(t.Context(), ch, user, resp)
	require.NoError(t, err)
	return cred
}

// login runs a whole login and returns the verifier's verdict.
func login(t testing.TB, v *Verifier, sim *chiptest.Simulator, user User, creds []Credential) (Assertion, error) {
	t.Helper()
	options, ch, err := v.BeginLogin(user, creds)
	require.NoError(t, err)
	resp, err := sim.Login(options, testOrigin)
	require.NoError(t, err)
	return v.FinishLogin(ch, user, creds, resp)
}

// legacyCredential registers sim through the old U2F API under testAppID and
// imports it, as a migration from a U2F deployment would.
func legacyCredential(t testing.TB, sim *chiptest.Simulator) Credential {
	t.Helper()
	clientData := []byte(`{"typ":"navigator.id.finishEnrollment","challenge":"bGVnYWN5LWNoYWxsZW5nZQ","origin":"https://mitid.dk"}`)
	msg, err := sim.RegisterU2F(testAppID, clientData)
	require.NoError(t, err)
	reg, err := ParseU2FRegistration(msg)
	require.NoError(t, err)
	require.NoError(t, reg.VerifySignature(sha256.Sum256([]byte(testAppID)), sha256.Sum256(clientData)))
	cred, err := LegacyCredential(reg.KeyHandle, reg.PublicKey, 0)
	require.NoError(t, err)
	return cred
}

// rewriteAttestationFormat replaces a registration's attestation statement by
// an empty one of the given format, keeping the authenticator data.
func rewriteAttestationFormat(t testing.TB, resp []byte, format string) []byte {
	t.Helper()
	var m map[string]any
	require.NoError(t, json.Unmarshal(resp, &m))
	r := m["response"].(map[string]any)
	raw, err := unb64(r["attestationObject"].(string))
	require.NoError(t, err)
	var obj struct {
		AuthData []byte `cbor:"authData"`
	}
	require.NoError(t, webauthncbor.Unmarshal(raw, &obj))
	var w cborWriter
	w.mapHeader(3)
	w.text("fmt")
	w.text(format)
	w.text("attStmt")
	w.mapHeader(0)
	w.text("authData")
	w.bytes(obj.AuthData)
	r["attestationObject"] = b64(w.b)
	out, err := json.Marshal(m)
	require.NoError(t, err)
	return out
}

// editResponse decodes a response's JSON, lets f change it, and re-encodes it.
func editResponse(t testing.TB, resp []byte, f func(m map[string]any, r map[string]any)) []byte {
	t.Helper()
	var m map[string]any
	require.NoError(t, json.Unmarshal(resp, &m))
	f(m, m["response"].(map[string]any))
	out, err := json.Marshal(m)
	require.NoError(t, err)
	return out
}

// editBinary applies f to a base64url member of the response object.
func editBinary(t testing.TB, r map[string]any, member string, f func([]byte) []byte) {
	t.Helper()
	b, err := unb64(r[member].(string))
	require.NoError(t, err)
	r[member] = b64(f(b))
}

func secs(n int64) time.Duration { return time.Duration(n) * time.Second }

func b64(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }

func unb64(s string) ([]byte, error) {
	return base64.RawURLEncoding.DecodeString(strings.TrimRight(s, "="))
}
