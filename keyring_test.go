package mitid_test

import (
	"bytes"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/go-mitid/mitid"
)

func TestKeyRing_SealOpenAndRotate(t *testing.T) {
	k1, k2 := bytes.Repeat([]byte{1}, 32), bytes.Repeat([]byte{2}, 32)
	old, err := mitid.NewKeyRing("k1", map[string][]byte{"k1": k1})
	require.NoError(t, err)
	seed := []byte("12345678901234567890")
	sealed, err := old.Seal(seeded(1), seed, []byte("authenticator-1"))
	require.NoError(t, err)
	assert.NotContains(t, string(sealed.Ciphertext), string(seed), "sealed is not clear")

	rotated, err := mitid.NewKeyRing("k2", map[string][]byte{"k1": k1, "k2": k2})
	require.NoError(t, err)
	got, err := rotated.Open(sealed, []byte("authenticator-1"))
	require.NoError(t, err, "an old key on the ring still opens")
	assert.Equal(t, seed, got)
	resealed, err := rotated.Seal(seeded(2), seed, []byte("authenticator-1"))
	require.NoError(t, err)
	assert.Equal(t, "k2", resealed.KeyID, "new secrets use the primary")

	_, err = rotated.Open(sealed, []byte("authenticator-2"))
	require.Error(t, err, "a sealed value moved to another context does not open")
	tampered := sealed
	tampered.Ciphertext = append([]byte(nil), sealed.Ciphertext...)
	tampered.Ciphertext[0] ^= 1
	_, err = rotated.Open(tampered, []byte("authenticator-1"))
	require.Error(t, err)
	gone, err := mitid.NewKeyRing("k2", map[string][]byte{"k2": k2})
	require.NoError(t, err)
	_, err = gone.Open(sealed, []byte("authenticator-1"))
	require.Error(t, err, "a retired key opens nothing")
}

func TestKeyRing_HashVerify(t *testing.T) {
	r, err := mitid.NewRandomKeyRing(seeded(7))
	require.NoError(t, err)
	h := r.Hash("activation-code", []byte("ABCD-1234"))
	assert.True(t, r.Verify(h, "activation-code", []byte("ABCD-1234")))
	assert.False(t, r.Verify(h, "activation-code", []byte("ABCD-1235")))
	assert.False(t, r.Verify(h, "p-code", []byte("ABCD-1234")), "purposes are separate")
	other, err := mitid.NewRandomKeyRing(seeded(8))
	require.NoError(t, err)
	assert.False(t, other.Verify(h, "activation-code", []byte("ABCD-1234")), "the hash is keyed")
}

func TestNewKeyRing_Refusals(t *testing.T) {
	_, err := mitid.NewKeyRing("k1", map[string][]byte{"k1": []byte("short")})
	require.ErrorIs(t, err, mitid.ErrInvalid)
	_, err = mitid.NewKeyRing("k9", map[string][]byte{"k1": make([]byte, 32)})
	require.ErrorIs(t, err, mitid.ErrInvalid)
}
