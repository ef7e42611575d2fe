package chip

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/descope/virtualwebauthn"
	"github.com/stretchr/testify/require"

	"github.com/go-mitid/mitid/chip/chiptest"
)

// The fuzz targets feed arbitrary bytes where a browser posts its JSON (and
// where raw U2F messages and stored keys are parsed). Setups are
// deterministic (seeded challenge and chip keys) so the checked-in seed
// corpus under testdata/fuzz keeps verifying on every run.

type fuzzRegistration struct {
	v  *Verifier
	ch Challenge
}

func newFuzzRegistration(t testing.TB) fuzzRegistration {
	v, _ := newTestVerifier(t, func(c *Config) { c.Rand = chiptest.Seeded(200) })
	_, ch, err := v.BeginRegistration(testUser, nil)
	require.NoError(t, err)
	return fuzzRegistration{v, ch}
}

type fuzzLogin struct {
	v     *Verifier
	ch    Challenge
	creds []Credential
}

// newFuzzLogin registers a seeded chip and a seeded legacy chip and begins a
// login offering both.
func newFuzzLogin(t testing.TB) (fuzzLogin, *chiptest.Simulator, *chiptest.Simulator) {
	v, _ := newTestVerifier(t, func(c *Config) { c.Rand = chiptest.Seeded(201) })
	sim := newTestSimulator(t, 202)
	legacySim := newTestSimulator(t, 203)
	cred := register(t, v, sim, testUser)
	creds := []Credential{cred, legacyCredential(t, legacySim)}
	options, ch, err := v.BeginLogin(testUser, creds)
	require.NoError(t, err)
	_ = options
	return fuzzLogin{v, ch, creds}, sim, legacySim
}

func (fl fuzzLogin) options(t testing.TB) []byte {
	// Rebuild the options the challenge was issued with, for the seed
	// generator: the same challenge and credentials.
	v, _ := newTestVerifier(t, func(c *Config) { c.Rand = bytes.NewReader(fl.ch.Value) })
	options, ch, err := v.BeginLogin(testUser, fl.creds)
	require.NoError(t, err)
	require.Equal(t, fl.ch.Value, ch.Value)
	return options
}

func FuzzFinishRegistration(f *testing.F) {
	fr := newFuzzRegistration(f)
	f.Add([]byte(`{}`))
	f.Add([]byte(`{"id":"AA","rawId":"AA","type":"public-key","response":{"clientDataJSON":"e30","attestationObject":"oA"}}`))
	f.Fuzz(func(t *testing.T, resp []byte) {
		cred, err := fr.v.FinishRegistration(t.Context(), fr.ch, testUser, resp)
		if err != nil {
			requireOurSentinel(t, err)
			return
		}
		if _, err := publicKeyFromCOSE(cred.PublicKey); err != nil {
			t.Fatalf("accepted a credential whose key does not parse: %v", err)
		}
	})
}

func FuzzFinishLogin(f *testing.F) {
	fl, _, _ := newFuzzLogin(f)
	f.Add([]byte(`{}`))
	f.Add([]byte(`{"id":"AA","rawId":"AA","type":"public-key","response":{"clientDataJSON":"e30","authenticatorData":"AA","signature":"AA"},"clientExtensionResults":{"appid":true}}`))
	f.Fuzz(func(t *testing.T, resp []byte) {
		_, err := fl.v.FinishLogin(fl.ch, testUser, fl.creds, resp)
		if err != nil && !errors.Is(err, ErrCounterNotIncreased) {
			requireOurSentinel(t, err)
			return
		}
		// Whatever FinishLogin accepts, go-webauthn's ValidateLogin must too.
		if ref := goWebAuthnVerdict(fl.v, fl.ch, testUser, fl.creds, resp); ref != nil {
			t.Fatalf("FinishLogin accepted what go-webauthn refuses: %v", ref)
		}
	})
}

func FuzzParseU2FRegistration(f *testing.F) {
	f.Add([]byte{0x05})
	f.Add(append([]byte{0x05}, make([]byte, 70)...))
	f.Fuzz(func(t *testing.T, msg []byte) {
		reg, err := ParseU2FRegistration(msg)
		if err != nil {
			if !errors.Is(err, ErrInvalidU2FMessage) {
				t.Fatalf("unexpected error type: %v", err)
			}
			return
		}
		// The parts are the whole message, in order.
		var back []byte
		back = append(back, 0x05)
		back = append(back, reg.PublicKey...)
		back = append(back, byte(len(reg.KeyHandle)))
		back = append(back, reg.KeyHandle...)
		back = append(back, reg.AttestationCert...)
		back = append(back, reg.Signature...)
		if !bytes.Equal(back, msg) {
			t.Fatalf("parts do not reassemble the message")
		}
		var zero [32]byte
		if err := reg.VerifySignature(zero, zero); err == nil {
			t.Fatalf("a fuzzed registration verified over zero parameters")
		}
	})
}

func FuzzParseU2FAuthentication(f *testing.F) {
	f.Add([]byte{0x01, 0, 0, 0, 1, 0x30})
	f.Fuzz(func(t *testing.T, msg []byte) {
		a, err := ParseU2FAuthentication(msg)
		if err != nil {
			if !errors.Is(err, ErrInvalidU2FMessage) {
				t.Fatalf("unexpected error type: %v", err)
			}
			return
		}
		if len(a.Signature) != len(msg)-5 || a.UserPresent != (msg[0] == 1) {
			t.Fatalf("fields do not match the message")
		}
	})
}

func FuzzPublicKeyFromCOSE(f *testing.F) {
	f.Add(append(bytes.Clone(coseP256Prefix), make([]byte, 67)...))
	f.Add([]byte{0xa1, 0x01, 0x02})
	f.Fuzz(func(t *testing.T, cose []byte) {
		fast, err := publicKeyFromCOSE(cose)
		if err != nil {
			if !errors.Is(err, ErrInvalidKey) {
				t.Fatalf("unexpected error type: %v", err)
			}
			return
		}
		general, _, err := parseCOSEP256(cose)
		if err != nil {
			t.Fatalf("fast path accepted a key the general parser refuses: %v", err)
		}
		if !fast.Equal(general) {
			t.Fatalf("fast path and general parser disagree")
		}
	})
}

// TestWriteFuzzSeeds regenerates the checked-in seed corpus from real
// Simulator and virtualwebauthn responses. Run with CHIP_WRITE_FUZZ_SEEDS=1.
func TestWriteFuzzSeeds(t *testing.T) {
	if os.Getenv("CHIP_WRITE_FUZZ_SEEDS") == "" {
		t.Skip("set CHIP_WRITE_FUZZ_SEEDS=1 to regenerate testdata/fuzz")
	}
	write := func(target, name string, data []byte) {
		dir := filepath.Join("testdata", "fuzz", target)
		require.NoError(t, os.MkdirAll(dir, 0o755)) //nolint:gosec // G301: a seed corpus checked into the repository, readable like the rest of it
		body := fmt.Sprintf("go test fuzz v1\n[]byte(%s)\n", strconv.Quote(string(data)))
		require.NoError(t, os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644))
	}

	fr := newFuzzRegistration(t)
	v2, _ := newTestVerifier(t, func(c *Config) { c.Rand = chiptest.Seeded(200) })
	options, ch, err := v2.BeginRegistration(testUser, nil)
	require.NoError(t, err)
	require.Equal(t, fr.ch.Value, ch.Value)
	reg, err := newTestSimulator(t, 210).Register(options, testOrigin)
	require.NoError(t, err)
	_, err = fr.v.FinishRegistration(t.Context(), fr.ch, testUser, reg)
	require.NoError(t, err, "the seed must be a valid registration")
	write("FuzzFinishRegistration", "simulator-fido-u2f", reg)
	packed := newVirtualKey(virtualwebauthn.AuthenticatorOptions{}).register(t, options)
	write("FuzzFinishRegistration", "virtualwebauthn-packed", packed)
	write("FuzzFinishRegistration", "no-user-presence", mustRegister(t, options, chiptest.WithoutUserPresence()))

	fl, sim, legacySim := newFuzzLogin(t)
	loginOptions := fl.options(t)
	for name, s := range map[string]*chiptest.Simulator{"simulator-fido-u2f": sim, "legacy-appid": legacySim} {
		resp, err := s.Login(loginOptions, testOrigin)
		require.NoError(t, err)
		_, err = fl.v.FinishLogin(fl.ch, testUser, fl.creds, resp)
		require.NoError(t, err, "the seed must be a valid assertion")
		write("FuzzFinishLogin", name, resp)
	}

	msg, err := newTestSimulator(t, 211).RegisterU2F(testAppID, []byte("{}"))
	require.NoError(t, err)
	write("FuzzParseU2FRegistration", "simulator", msg)
	r, err := ParseU2FRegistration(msg)
	require.NoError(t, err)
	cose, err := coseFromPoint(r.PublicKey)
	require.NoError(t, err)
	write("FuzzPublicKeyFromCOSE", "canonical-p256", cose)
	write("FuzzParseU2FAuthentication", "present-counter-300", []byte{0x01, 0, 0, 0x01, 0x2c, 0x30, 0x06, 0x02, 0x01, 0x01, 0x02, 0x01, 0x01})
}

func mustRegister(t *testing.T, options []byte, opts ...chiptest.SimOption) []byte {
	resp, err := newTestSimulator(t, 212).Register(options, testOrigin, opts...)
	require.NoError(t, err)
	return resp
}

// readSeed reads a one-value []byte seed file of the checked-in corpus.
func readSeed(t *testing.T, target, name string) []byte { return readSeedTB(t, target, name) }

func readSeedTB(t testing.TB, target, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "fuzz", target, name))
	require.NoError(t, err)
	lines := bytes.SplitN(b, []byte("\n"), 3)
	require.Equal(t, "go test fuzz v1", string(lines[0]))
	lit := string(bytes.TrimSpace(lines[1]))
	require.True(t, len(lit) > len("[]byte()") && lit[:7] == "[]byte(")
	s, err := strconv.Unquote(lit[7 : len(lit)-1])
	require.NoError(t, err)
	return []byte(s)
}

// TestFuzzSeeds_StillVerify keeps the deep seeds deep: the valid responses in
// the corpus must still verify against the deterministic fuzz setups, or the
// fuzzers would start from nothing but parse errors.
func TestFuzzSeeds_StillVerify(t *testing.T) {
	fr := newFuzzRegistration(t)
	for _, name := range []string{"simulator-fido-u2f", "virtualwebauthn-packed"} {
		_, err := fr.v.FinishRegistration(t.Context(), fr.ch, testUser, readSeed(t, "FuzzFinishRegistration", name))
		require.NoError(t, err, name)
	}
	_, err := fr.v.FinishRegistration(t.Context(), fr.ch, testUser, readSeed(t, "FuzzFinishRegistration", "no-user-presence"))
	require.ErrorIs(t, err, ErrUserPresence)

	fl, _, _ := newFuzzLogin(t)
	for _, name := range []string{"simulator-fido-u2f", "legacy-appid"} {
		_, err := fl.v.FinishLogin(fl.ch, testUser, fl.creds, readSeed(t, "FuzzFinishLogin", name))
		require.NoError(t, err, name)
	}
}
