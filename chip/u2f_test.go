package chip

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestU2FRegistration_RawMessageFormat checks a registration message from the
// Simulator field by field against FIDO U2F Raw Message Formats §4.3:
// 0x05 | public key (65) | L (1) | key handle (L) | certificate (DER) | signature.
func TestU2FRegistration_RawMessageFormat(t *testing.T) {
	sim := newTestSimulator(t, 50)
	appID, clientData := "https://mitid.dk", []byte(`{"typ":"navigator.id.finishEnrollment"}`)
	msg, err := sim.RegisterU2F(appID, clientData)
	require.NoError(t, err)

	require.Equal(t, byte(0x05), msg[0])
	reg, err := ParseU2FRegistration(msg)
	require.NoError(t, err)
	assert.Equal(t, msg[1:66], reg.PublicKey)
	assert.Equal(t, byte(0x04), reg.PublicKey[0], "uncompressed point")
	assert.Equal(t, int(msg[66]), len(reg.KeyHandle))
	assert.Equal(t, msg[67:67+len(reg.KeyHandle)], reg.KeyHandle)
	assert.Equal(t, sim.AttestationCert(), reg.AttestationCert)
	assert.Equal(t, msg[67+len(reg.KeyHandle)+len(reg.AttestationCert):], reg.Signature)

	app, chal := sha256.Sum256([]byte(appID)), sha256.Sum256(clientData)
	require.NoError(t, reg.VerifySignature(app, chal))
	require.ErrorIs(t, reg.VerifySignature(sha256.Sum256([]byte("https://other.example")), chal), ErrBadSignature)
	require.ErrorIs(t, reg.VerifySignature(app, sha256.Sum256([]byte("other client data"))), ErrBadSignature)
}

func TestU2FRegistration_SignedDataLayout(t *testing.T) {
	app := bytes.Repeat([]byte{0xaa}, 32)
	chal := bytes.Repeat([]byte{0xcc}, 32)
	kh := []byte{1, 2, 3}
	pk := append([]byte{0x04}, bytes.Repeat([]byte{0x55}, 64)...)
	got := u2fRegistrationSignedData(app, chal, kh, pk)
	want := append(append(append(append([]byte{0x00}, app...), chal...), kh...), pk...)
	assert.Equal(t, want, got)
	assert.Len(t, got, 1+32+32+3+65)
}

// TestU2FAuthentication_IsWebAuthnAuthData shows why a U2F chip works under
// WebAuthn unchanged: what it signs (§5.4: application parameter | user
// presence | counter | challenge parameter) is authenticatorData |
// clientDataHash.
func TestU2FAuthentication_IsWebAuthnAuthData(t *testing.T) {
	rpIDHash := sha256.Sum256([]byte("mitid.dk"))
	clientDataHash := sha256.Sum256([]byte(`{"type":"webauthn.get"}`))
	authData := append(rpIDHash[:], 0x01, 0, 0, 0x01, 0x2c) // UP, counter 300
	got := u2fAuthenticationSignedData(rpIDHash[:], u2fUserPresent, 300, clientDataHash[:])
	assert.Equal(t, append(authData, clientDataHash[:]...), got)
}

func TestParseU2FAuthentication(t *testing.T) {
	msg := []byte{0x01, 0x00, 0x00, 0x01, 0x00, 0x30, 0x44}
	a, err := ParseU2FAuthentication(msg)
	require.NoError(t, err)
	assert.True(t, a.UserPresent)
	assert.Equal(t, uint32(256), a.Counter)
	assert.Equal(t, []byte{0x30, 0x44}, a.Signature)

	for _, bad := range [][]byte{nil, {0x01, 0, 0, 0, 1}, {0x02, 0, 0, 0, 1, 0x30}} {
		_, err := ParseU2FAuthentication(bad)
		require.ErrorIs(t, err, ErrInvalidU2FMessage, "%x", bad)
	}
}

func TestParseU2FRegistration_Malformed(t *testing.T) {
	sim := newTestSimulator(t, 51)
	msg, err := sim.RegisterU2F("https://mitid.dk", []byte("{}"))
	require.NoError(t, err)
	khLen := int(msg[66])
	certAt := 67 + khLen
	corrupt := func(f func(m []byte) []byte) []byte { return f(bytes.Clone(msg)) }
	tests := map[string][]byte{
		"empty":                    nil,
		"wrong reserved byte":      corrupt(func(m []byte) []byte { m[0] = 0x04; return m }),
		"point not on the curve":   corrupt(func(m []byte) []byte { m[10] ^= 1; return m }),
		"compressed point":         corrupt(func(m []byte) []byte { m[1] = 0x02; return m }),
		"zero key handle length":   corrupt(func(m []byte) []byte { m[66] = 0; return m }),
		"key handle past the end":  msg[:67+khLen-1],
		"no certificate":           msg[:certAt],
		"certificate not DER":      corrupt(func(m []byte) []byte { m[certAt] = 0x31; return m }),
		"certificate length > msg": corrupt(func(m []byte) []byte { m[certAt+2] = 0xff; return m }),
		"no signature":             msg[:certAt+len(sim.AttestationCert())],
	}
	for name, m := range tests {
		t.Run(name, func(t *testing.T) {
			_, err := ParseU2FRegistration(m)
			require.ErrorIs(t, err, ErrInvalidU2FMessage)
		})
	}
}

func TestLegacyCredential(t *testing.T) {
	sim := newTestSimulator(t, 52)
	msg, err := sim.RegisterU2F(testAppID, []byte("{}"))
	require.NoError(t, err)
	reg, err := ParseU2FRegistration(msg)
	require.NoError(t, err)

	cred, err := LegacyCredential(reg.KeyHandle, reg.PublicKey, 17)
	require.NoError(t, err)
	assert.Equal(t, FormatFIDOU2F, cred.Format)
	assert.True(t, cred.LegacyAppID)
	assert.Equal(t, uint32(17), cred.SignCount)
	key, err := publicKeyFromCOSE(cred.PublicKey)
	require.NoError(t, err)
	point, err := key.Bytes()
	require.NoError(t, err)
	assert.Equal(t, reg.PublicKey, point, "the COSE key holds the U2F point")

	_, err = LegacyCredential(nil, reg.PublicKey, 0)
	require.ErrorIs(t, err, ErrInvalidKey)
	_, err = LegacyCredential(reg.KeyHandle, reg.PublicKey[:64], 0)
	require.ErrorIs(t, err, ErrInvalidKey)
}

func TestPublicKeyFromCOSE_FastPathAgreesWithGeneralParser(t *testing.T) {
	sim := newTestSimulator(t, 53)
	for i := range 20 {
		msg, err := sim.RegisterU2F(testAppID, []byte{byte(i)})
		require.NoError(t, err)
		reg, err := ParseU2FRegistration(msg)
		require.NoError(t, err)
		cose, err := coseFromPoint(reg.PublicKey)
		require.NoError(t, err)
		require.Len(t, cose, coseP256Len)
		fast, err := publicKeyFromCOSE(cose)
		require.NoError(t, err)
		general, _, err := parseCOSEP256(cose)
		require.NoError(t, err)
		assert.True(t, fast.Equal(general))
	}
	// Off the fast path: a non-canonical encoding (x and y swapped in order)
	// still parses through the general parser.
	var w cborWriter
	w.mapHeader(5)
	w.int(1)
	w.int(2)
	w.int(3)
	w.int(-7)
	w.int(-1)
	w.int(1)
	msg, err := sim.RegisterU2F(testAppID, []byte("x"))
	require.NoError(t, err)
	reg, err := ParseU2FRegistration(msg)
	require.NoError(t, err)
	w.int(-3)
	w.bytes(reg.PublicKey[33:])
	w.int(-2)
	w.bytes(reg.PublicKey[1:33])
	key, err := publicKeyFromCOSE(w.b)
	require.NoError(t, err)
	point, _ := key.Bytes()
	assert.Equal(t, reg.PublicKey, point)

	// A point off the curve in the fast-path layout is refused.
	cose, _ := coseFromPoint(reg.PublicKey)
	cose[20] ^= 1
	_, err = publicKeyFromCOSE(cose)
	require.ErrorIs(t, err, ErrInvalidKey)
}

func TestCBORWriter_CanonicalHeads(t *testing.T) {
	tests := []struct {
		write func(w *cborWriter)
		want  []byte
	}{
		{func(w *cborWriter) { w.int(0) }, []byte{0x00}},
		{func(w *cborWriter) { w.int(23) }, []byte{0x17}},
		{func(w *cborWriter) { w.int(24) }, []byte{0x18, 0x18}},
		{func(w *cborWriter) { w.int(-1) }, []byte{0x20}},
		{func(w *cborWriter) { w.int(-7) }, []byte{0x26}},
		{func(w *cborWriter) { w.int(-25) }, []byte{0x38, 0x18}},
		{func(w *cborWriter) { w.int(1000) }, []byte{0x19, 0x03, 0xe8}},
		{func(w *cborWriter) { w.int(1 << 20) }, binary.BigEndian.AppendUint32([]byte{0x1a}, 1<<20)},
		{func(w *cborWriter) { w.int(1 << 40) }, binary.BigEndian.AppendUint64([]byte{0x1b}, 1<<40)},
		{func(w *cborWriter) { w.text("fmt") }, []byte{0x63, 'f', 'm', 't'}},
		{func(w *cborWriter) { w.bytes([]byte{1, 2}) }, []byte{0x42, 1, 2}},
		{func(w *cborWriter) { w.array(1) }, []byte{0x81}},
		{func(w *cborWriter) { w.mapHeader(5) }, []byte{0xa5}},
	}
	for _, tt := range tests {
		var w cborWriter
		tt.write(&w)
		assert.Equal(t, tt.want, w.b)
	}
}
