package app_test

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/sha256"
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/go-mitid/mitid/app"
	"github.com/go-mitid/mitid/app/apptest"
)

func request() app.Request {
	return app.Request{Challenge: bytes.Repeat([]byte{7}, app.ChallengeSize), Action: "LOG_ON", Text: "Log på hos Skattestyrelsen"}
}

func TestApproval_VerifiesUnderTheDeviceKey(t *testing.T) {
	sim, err := apptest.NewSimulator(apptest.Seeded(1), "123456")
	require.NoError(t, err)
	pub, err := app.ParsePublicKey(sim.PublicKey())
	require.NoError(t, err)
	sig, err := sim.Approve(request(), "123456")
	require.NoError(t, err)
	require.NoError(t, app.Verify(pub, request(), sig))
}

// TestApproval_BindsChallengeActionAndText: changing any part of the
// request breaks the signature.
func TestApproval_BindsChallengeActionAndText(t *testing.T) {
	sim, err := apptest.NewSimulator(apptest.Seeded(2), "123456")
	require.NoError(t, err)
	pub, err := app.ParsePublicKey(sim.PublicKey())
	require.NoError(t, err)
	sig, err := sim.Approve(request(), "123456")
	require.NoError(t, err)
	for name, change := range map[string]func(r *app.Request){
		"another challenge": func(r *app.Request) { r.Challenge = bytes.Repeat([]byte{8}, app.ChallengeSize) },
		"another action":    func(r *app.Request) { r.Action = "SIGN" },
		"another text":      func(r *app.Request) { r.Text = "Overfør 10.000 kr." },
	} {
		r := request()
		change(&r)
		assert.ErrorIs(t, app.Verify(pub, r, sig), app.ErrBadSignature, name)
	}
	other, err := apptest.NewSimulator(apptest.Seeded(3), "123456")
	require.NoError(t, err)
	otherPub, err := app.ParsePublicKey(other.PublicKey())
	require.NoError(t, err)
	assert.ErrorIs(t, app.Verify(otherPub, request(), sig), app.ErrBadSignature, "another device")
	assert.ErrorIs(t, app.Verify(pub, request(), sig[:len(sig)-1]), app.ErrBadSignature, "a truncated signature")
}

func TestMessage_RefusesMalformedRequests(t *testing.T) {
	r := request()
	r.Challenge = r.Challenge[:31]
	_, err := r.Message()
	require.ErrorIs(t, err, app.ErrMalformedRequest)
	r = request()
	r.Action = ""
	_, err = r.Message()
	require.ErrorIs(t, err, app.ErrMalformedRequest)
}

func TestParsePublicKey_RefusesOtherKeys(t *testing.T) {
	_, err := app.ParsePublicKey([]byte("not a key"))
	require.ErrorIs(t, err, app.ErrMalformedKey)
}

func FuzzParsePublicKey(f *testing.F) {
	sim, err := apptest.NewSimulator(apptest.Seeded(6), "123456")
	require.NoError(f, err)
	f.Add(sim.PublicKey())
	f.Add([]byte{0x30, 0x00})
	f.Fuzz(func(t *testing.T, der []byte) {
		pub, err := app.ParsePublicKey(der)
		if err != nil {
			if !errors.Is(err, app.ErrMalformedKey) {
				t.Fatalf("untyped error: %v", err)
			}
			return
		}
		if _, err := pub.Bytes(); err != nil {
			t.Fatalf("a parsed key does not encode: %v", err)
		}
	})
}

func FuzzVerify(f *testing.F) {
	sim, err := apptest.NewSimulator(apptest.Seeded(7), "123456")
	require.NoError(f, err)
	pub, err := app.ParsePublicKey(sim.PublicKey())
	require.NoError(f, err)
	sig, err := sim.Approve(request(), "123456")
	require.NoError(f, err)
	f.Add(request().Challenge, "LOG_ON", request().Text, sig)
	f.Fuzz(func(t *testing.T, challenge []byte, action, text string, sig []byte) {
		err := app.Verify(pub, app.Request{Challenge: challenge, Action: action, Text: text}, sig)
		if err != nil && !errors.Is(err, app.ErrBadSignature) && !errors.Is(err, app.ErrMalformedRequest) {
			t.Fatalf("untyped error: %v", err)
		}
	})
}

// BenchmarkVerify runs beside BenchmarkRawECDSAVerify, the primitive it
// wraps: go test -run='^$' -bench=. ./app/
func BenchmarkVerify(b *testing.B) {
	sim, _ := apptest.NewSimulator(apptest.Seeded(8), "123456")
	pub, _ := app.ParsePublicKey(sim.PublicKey())
	sig, _ := sim.Approve(request(), "123456")
	for b.Loop() {
		if err := app.Verify(pub, request(), sig); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkRawECDSAVerify(b *testing.B) {
	sim, _ := apptest.NewSimulator(apptest.Seeded(8), "123456")
	pub, _ := app.ParsePublicKey(sim.PublicKey())
	sig, _ := sim.Approve(request(), "123456")
	m, _ := request().Message()
	digest := sha256.Sum256(m)
	for b.Loop() {
		if !ecdsa.VerifyASN1(pub, digest[:], sig) {
			b.Fatal("bad")
		}
	}
}
