package codedisplay

import (
	"bytes"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/go-mitid/mitid/mitidtest/fake"
)

func TestParams_NewSeed_RecommendedLengths(t *testing.T) {
	for alg, n := range map[Algorithm]int{SHA1: 20, SHA256: 32, SHA512: 64} {
		p := MitIDParams()
		p.Algorithm = alg
		seed, err := p.NewSeed(fake.Rand(1))
		require.NoError(t, err)
		assert.Len(t, seed, n, "%v", alg)
	}
	_, err := MitIDParams().NewSeed(bytes.NewReader(make([]byte, 19)))
	assert.ErrorContains(t, err, "reading seed")
	_, err = MitIDParams().NewSeed(nil)
	assert.Error(t, err)
	_, err = Params{}.NewSeed(fake.Rand(2))
	assert.ErrorIs(t, err, ErrInvalidParams)
}
