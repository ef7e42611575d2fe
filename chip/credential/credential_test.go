package credential_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/go-mitid/mitid/chip/credential"
)

// TestApply_CounterMustStrictlyIncrease is the clone rule: a counter at or
// below the stored one is refused, except 0 after 0 when the verifier
// accepted a chip without a counter.
func TestApply_CounterMustStrictlyIncrease(t *testing.T) {
	tests := []struct {
		name                string
		stored, received    uint32
		unsupported, accept bool
	}{
		{"higher is accepted", 5, 6, false, true},
		{"a jump is accepted", 5, 500, false, true},
		{"equal is a possible clone", 5, 5, false, false},
		{"lower is a possible clone", 5, 4, false, false},
		{"0 after 0 is refused by default", 0, 0, false, false},
		{"0 after 0 when counters are unsupported", 0, 0, true, true},
		{"unsupported does not excuse a rollback", 5, 0, true, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := credential.Credential{ID: []byte("kh"), SignCount: tt.stored}
			err := credential.Assertion{CredentialID: []byte("kh"), NewSignCount: tt.received, CounterUnsupported: tt.unsupported}.Apply(&c)
			if tt.accept {
				require.NoError(t, err)
				assert.Equal(t, tt.received, c.SignCount)
				return
			}
			require.ErrorIs(t, err, credential.ErrCounterNotIncreased)
			var ce *credential.CounterError
			require.ErrorAs(t, err, &ce)
			assert.Equal(t, credential.CounterError{CredentialID: []byte("kh"), Stored: tt.stored, Received: tt.received}, *ce)
			assert.Equal(t, tt.stored, c.SignCount, "unchanged on error")
		})
	}
}

// TestApply_RefusesAnotherCredential: an assertion applies only to the
// credential that signed it.
func TestApply_RefusesAnotherCredential(t *testing.T) {
	c := credential.Credential{ID: []byte("mine"), SignCount: 1}
	err := credential.Assertion{CredentialID: []byte("other"), NewSignCount: 9}.Apply(&c)
	require.ErrorIs(t, err, credential.ErrUnknownCredential)
	assert.Equal(t, uint32(1), c.SignCount)
}

// storedChip is a chip credential as users stored in JSON (the memory and
// PostgreSQL stores) carry it: its field names are the stored format.
const storedChip = `{"id":"a2g=","publicKey":"pQECAyYgASFYIA==","format":"fido-u2f","attestationType":"basic_full",` +
	`"attestationCert":"MIIB","aaguid":"AAAAAAAAAAAAAAAAAAAAAA==","signCount":42,"transports":["usb","nfc"],"legacyAppId":true}`

// TestCredential_StoredFormatIsStable: what stores hold decodes into every
// field and encodes back byte for byte.
func TestCredential_StoredFormatIsStable(t *testing.T) {
	var c credential.Credential
	require.NoError(t, json.Unmarshal([]byte(storedChip), &c))
	assert.Equal(t, credential.Credential{
		ID: []byte("kh"), PublicKey: []byte{0xa5, 0x01, 0x02, 0x03, 0x26, 0x20, 0x01, 0x21, 0x58, 0x20},
		Format: credential.FormatFIDOU2F, AttestationType: "basic_full", AttestationCert: []byte{0x30, 0x82, 0x01},
		AAGUID: make([]byte, 16), SignCount: 42, Transports: []string{"usb", "nfc"}, LegacyAppID: true,
	}, c)
	out, err := json.Marshal(c)
	require.NoError(t, err)
	assert.JSONEq(t, storedChip, string(out))
	assert.Equal(t, storedChip, string(out))
}

// TestChallenge_StoredFormatIsStable: a Challenge kept in a session row
// (chip registration) decodes from its stored JSON.
func TestChallenge_StoredFormatIsStable(t *testing.T) {
	const stored = `{"ceremony":"registration","value":"AQID","userId":"BAU=","expires":"2026-11-21T09:05:00Z","credentialIds":["a2g="],"appId":"https://mitid.example/appid.json"}`
	var ch credential.Challenge
	require.NoError(t, json.Unmarshal([]byte(stored), &ch))
	assert.Equal(t, credential.Challenge{Ceremony: credential.CeremonyRegistration, Value: []byte{1, 2, 3}, UserID: []byte{4, 5},
		Expires: time.Date(2026, 11, 21, 9, 5, 0, 0, time.UTC), CredentialIDs: [][]byte{[]byte("kh")}, AppID: "https://mitid.example/appid.json"}, ch)
	assert.Equal(t, "AQID", ch.Key())
	out, err := json.Marshal(ch)
	require.NoError(t, err)
	assert.Equal(t, stored, string(out))
}

// TestCredential_CloneSharesNothing: a clone can be changed while the
// original is read.
func TestCredential_CloneSharesNothing(t *testing.T) {
	var c credential.Credential
	require.NoError(t, json.Unmarshal([]byte(storedChip), &c))
	d := c.Clone()
	require.Equal(t, c, d)
	for _, b := range [][]byte{d.ID, d.PublicKey, d.AttestationCert, d.AAGUID} {
		b[0] ^= 0xff
	}
	d.Transports[0] = "ble"
	var again credential.Credential
	require.NoError(t, json.Unmarshal([]byte(storedChip), &again))
	assert.Equal(t, again, c, "the original is untouched")
}

// TestCredentialError_UnwrapsItsSentinel: errors.Is sees the sentinel a
// CredentialError carries, and only that one.
func TestCredentialError_UnwrapsItsSentinel(t *testing.T) {
	err := error(&credential.CredentialError{Err: credential.ErrCredentialInUse, CredentialID: []byte("kh")})
	assert.ErrorIs(t, err, credential.ErrCredentialInUse)
	assert.False(t, errors.Is(err, credential.ErrCredentialExists))
	assert.Contains(t, err.Error(), "a2g")
}

// A login's Assertion is applied to the freshly read credential inside the
// caller's atomic update of the user; a counter that did not increase is
// refused as a possible clone.
func ExampleAssertion_Apply() {
	stored := credential.Credential{ID: []byte("key handle"), Format: credential.FormatFIDOU2F, SignCount: 41}
	accepted := credential.Assertion{CredentialID: []byte("key handle"), PreviousSignCount: 41, NewSignCount: 42}
	fmt.Println(accepted.Apply(&stored), stored.SignCount)

	replayed := credential.Assertion{CredentialID: []byte("key handle"), PreviousSignCount: 41, NewSignCount: 42}
	err := replayed.Apply(&stored)
	fmt.Println(errors.Is(err, credential.ErrCounterNotIncreased), stored.SignCount)
	// Output:
	// <nil> 42
	// true 42
}
