package chip

import (
	"crypto/ecdsa"
	"crypto/sha256"
	"encoding/json"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// The login hot path, benchmarked beside the primitive it wraps: a bare
// crypto/ecdsa P-256 verification of the same signature over the same data.
// The package's overhead (JSON and client data parsing, origin and RP ID
// checks, key decoding) reads as the ratio of the two.

type loginBench struct {
	v     *Verifier
	ch    Challenge
	creds []Credential
	resp  []byte

	// The raw primitive's inputs, extracted once from resp.
	key        *ecdsa.PublicKey
	authData   []byte
	clientData []byte
	sig        []byte
}

func newLoginBench(b *testing.B, legacy bool) loginBench {
	v, _ := newTestVerifier(b)
	sim := newTestSimulator(b, 90)
	cred := register(b, v, sim, testUser)
	if legacy {
		cred = legacyCredential(b, sim)
	}
	creds := []Credential{cred}
	options, ch, err := v.BeginLogin(testUser, creds)
	require.NoError(b, err)
	resp, err := sim.Login(options, testOrigin)
	require.NoError(b, err)
	var r struct {
		Response struct {
			ClientDataJSON    string
			AuthenticatorData string
			Signature         string
		}
	}
	require.NoError(b, json.Unmarshal(resp, &r))
	lb := loginBench{v: v, ch: ch, creds: creds, resp: resp}
	lb.clientData, _ = unb64(r.Response.ClientDataJSON)
	lb.authData, _ = unb64(r.Response.AuthenticatorData)
	lb.sig, _ = unb64(r.Response.Signature)
	lb.key, err = publicKeyFromCOSE(cred.PublicKey)
	require.NoError(b, err)
	require.True(b, lb.rawVerify())
	_, err = v.FinishLogin(ch, testUser, creds, resp)
	require.NoError(b, err)
	return lb
}

// rawVerify is the primitive: SHA-256 over authenticatorData ||
// SHA-256(clientDataJSON), then ecdsa.VerifyASN1 with an already parsed key.
func (lb *loginBench) rawVerify() bool {
	cdh := sha256.Sum256(lb.clientData)
	h := sha256.New()
	h.Write(lb.authData)
	h.Write(cdh[:])
	return ecdsa.VerifyASN1(lb.key, h.Sum(nil), lb.sig)
}

func (lb *loginBench) finishLogin() error {
	_, err := lb.v.FinishLogin(lb.ch, testUser, lb.creds, lb.resp)
	return err
}

// BenchmarkFinishLogin is the whole assertion verification of a fido-u2f
// chip, from the JSON the browser posts to the Assertion.
func BenchmarkFinishLogin(b *testing.B) {
	lb := newLoginBench(b, false)
	b.ReportAllocs()
	for b.Loop() {
		if err := lb.finishLogin(); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkFinishLoginLegacyAppID is the same through the AppID extension.
func BenchmarkFinishLoginLegacyAppID(b *testing.B) {
	lb := newLoginBench(b, true)
	b.ReportAllocs()
	for b.Loop() {
		if err := lb.finishLogin(); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkRawECDSAVerifyP256 is the primitive on the same data.
func BenchmarkRawECDSAVerifyP256(b *testing.B) {
	lb := newLoginBench(b, false)
	b.ReportAllocs()
	for b.Loop() {
		if !lb.rawVerify() {
			b.Fatal("signature does not verify")
		}
	}
}

// BenchmarkGoWebAuthnValidateLogin is go-webauthn's own path on the same
// response (its parser, ValidateLogin), for comparison with FinishLogin.
func BenchmarkGoWebAuthnValidateLogin(b *testing.B) {
	lb := newLoginBench(b, false)
	b.ReportAllocs()
	for b.Loop() {
		if err := goWebAuthnVerdict(lb.v, lb.ch, testUser, lb.creds, lb.resp); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkFinishLoginOverRaw alternates the two in one loop, times every
// call, and reports the medians and their ratio. On a shared machine other
// processes shift separate benchmarks differently; alternating puts the same
// conditions on both, and the median ignores the calls that were preempted.
func BenchmarkFinishLoginOverRaw(b *testing.B) {
	lb := newLoginBench(b, false)
	overRaw(b, &lb, lb.finishLogin)
}

// BenchmarkGoWebAuthnOverRaw is the same measurement for go-webauthn's own
// path (its parser and ValidateLogin), which FinishLogin replaces on the hot
// path.
func BenchmarkGoWebAuthnOverRaw(b *testing.B) {
	lb := newLoginBench(b, false)
	overRaw(b, &lb, func() error { return goWebAuthnVerdict(lb.v, lb.ch, testUser, lb.creds, lb.resp) })
}

func overRaw(b *testing.B, lb *loginBench, f func() error) {
	var raw, ours []time.Duration
	for b.Loop() {
		t0 := time.Now()
		if !lb.rawVerify() {
			b.Fatal("signature does not verify")
		}
		t1 := time.Now()
		if err := f(); err != nil {
			b.Fatal(err)
		}
		t2 := time.Now()
		raw = append(raw, t1.Sub(t0))
		ours = append(ours, t2.Sub(t1))
	}
	rawMed, oursMed := median(raw), median(ours)
	b.ReportMetric(float64(rawMed.Nanoseconds()), "raw-median-ns")
	b.ReportMetric(float64(oursMed.Nanoseconds()), "wrapped-median-ns")
	b.ReportMetric(float64(oursMed)/float64(rawMed), "ratio")
}

func median(ds []time.Duration) time.Duration {
	s := slices.Clone(ds)
	slices.Sort(s)
	return s[len(s)/2]
}
