package chip

import (
	"testing"

	"github.com/descope/virtualwebauthn"
	"github.com/stretchr/testify/require"
)

// virtualKey is a FIDO2 security key from descope/virtualwebauthn, which
// makes "packed" attestations (self attestation) and counts only when told.
type virtualKey struct {
	rp   virtualwebauthn.RelyingParty
	auth virtualwebauthn.Authenticator
	cred virtualwebauthn.Credential
}

func newVirtualKey(opts virtualwebauthn.AuthenticatorOptions) *virtualKey {
	if opts.Transports == nil {
		opts.Transports = []virtualwebauthn.Transport{virtualwebauthn.TransportUSB}
	}
	return &virtualKey{
		rp:   virtualwebauthn.RelyingParty{Name: "MitID", ID: testRPID, Origin: testOrigin},
		auth: virtualwebauthn.NewAuthenticatorWithOptions(opts),
		cred: virtualwebauthn.NewCredential(virtualwebauthn.KeyTypeEC2),
	}
}

func (k *virtualKey) register(t testing.TB, options []byte) []byte {
	t.Helper()
	o, err := virtualwebauthn.ParseAttestationOptions(string(options))
	require.NoError(t, err)
	resp := virtualwebauthn.CreateAttestationResponse(k.rp, k.auth, k.cred, *o)
	k.auth.AddCredential(k.cred)
	return []byte(resp)
}

// login answers with the key's credential at the given counter.
func (k *virtualKey) login(t testing.TB, options []byte, counter uint32) []byte {
	t.Helper()
	o, err := virtualwebauthn.ParseAssertionOptions(string(options))
	require.NoError(t, err)
	cred := k.auth.FindAllowedCredential(*o)
	require.NotNil(t, cred, "the virtual key holds none of the allowed credentials")
	cred.Counter = counter
	return []byte(virtualwebauthn.CreateAssertionResponse(k.rp, k.auth, *cred, *o))
}

func registerVirtual(t testing.TB, v *Verifier, k *virtualKey, user User) Credential {
	t.Helper()
	options, ch, err := v.BeginRegistration(user, nil)
	require.NoError(t, err)
	cred, err := v.FinishRegistration(t.Context(), ch, user, k.register(t, options))
	require.NoError(t, err)
	return cred
}
