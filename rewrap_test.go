package mitid_test

import (
	"bytes"
	"context"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/go-mitid/mitid"
)

// rotate replaces e's Service by one on the same store and clock whose key
// ring is ring.
func (e *env) rotate(t *testing.T, ring *mitid.KeyRing) {
	t.Helper()
	p := e.svc.Policy()
	svc, err := mitid.New(mitid.Config{Store: e.svc.Store(), Keys: ring, Clock: e.clock, Rand: seeded(int(seqN.Add(1)) + 90000), Policy: &p})
	require.NoError(t, err)
	e.svc = svc
}

func ring(t *testing.T, primary string, ids ...string) *mitid.KeyRing {
	t.Helper()
	keys := map[string][]byte{}
	for _, id := range ids {
		keys[id] = bytes.Repeat([]byte(id[:1]), 32)
	}
	r, err := mitid.NewKeyRing(primary, keys)
	require.NoError(t, err)
	return r
}

// seedKey is the key ID the seed of h's code display is sealed under.
func seedKey(t *testing.T, e *loginEnv, h *holder) string {
	t.Helper()
	u, err := e.svc.User(e.ctx, h.user.ID)
	require.NoError(t, err)
	a, err := u.Authenticator(h.codeID)
	require.NoError(t, err)
	return a.OTP.Seed.KeyID
}

// TestKeyRotation_ASeedIsResealedWhenUsedAndTheOldKeyCanGo: after a new
// primary key is rolled out, a code display's seed moves to it at its next
// use, and the old key can then leave the ring.
func TestKeyRotation_ASeedIsResealedWhenUsedAndTheOldKeyCanGo(t *testing.T) {
	e := newLoginEnv(t, checkedStore(t))
	e.rotate(t, ring(t, "a", "a"))
	h := e.enrol(t, "rotating", mitid.LevelSubstantial, mitid.KindCodeDisplay)
	require.Equal(t, "a", seedKey(t, e, h))

	e.rotate(t, ring(t, "b", "a", "b"))
	l := e.begin(t, h, mitid.LevelSubstantial)
	_, err := e.svc.SubmitCode(e.ctx, l.ID, h.code(t))
	require.NoError(t, err)
	assert.Equal(t, "b", seedKey(t, e, h), "resealed under the primary at its use")

	e.rotate(t, ring(t, "b", "b"))
	e.clock.Advance(31 * time.Second)
	l = e.begin(t, h, mitid.LevelSubstantial)
	_, err = e.svc.SubmitCode(e.ctx, l.ID, h.code(t))
	require.NoError(t, err, "the old key is no longer needed")
}

// TestKeyRotation_RewrapMovesEverySealedSecret: Rewrap reseals a seed that
// was never used since the new key came.
func TestKeyRotation_RewrapMovesEverySealedSecret(t *testing.T) {
	e := newLoginEnv(t, checkedStore(t))
	e.rotate(t, ring(t, "a", "a"))
	h := e.enrol(t, "rewrapped", mitid.LevelSubstantial, mitid.KindCodeDisplay)
	e.rotate(t, ring(t, "b", "a", "b"))
	n, err := e.svc.Rewrap(e.ctx, h.user.ID)
	require.NoError(t, err)
	assert.Equal(t, 2, n, "the seed and the CPR number")
	assert.Equal(t, "b", seedKey(t, e, h))
	writes := &countingStore{Store: e.svc.Store()}
	p := e.svc.Policy()
	svc, err := mitid.New(mitid.Config{Store: writes, Keys: ring(t, "b", "a", "b"), Clock: e.clock, Policy: &p})
	require.NoError(t, err)
	n, err = svc.Rewrap(e.ctx, h.user.ID)
	require.NoError(t, err)
	assert.Zero(t, n, "nothing left to move")
	assert.Zero(t, writes.updates, "and nothing written for it")
}

// countingStore counts user updates.
type countingStore struct {
	mitid.Store
	updates int
}

func (c *countingStore) UpdateUser(ctx context.Context, id uuid.UUID, fn func(*mitid.User) ([]mitid.Event, error)) (*mitid.User, error) {
	c.updates++
	return c.Store.UpdateUser(ctx, id, fn)
}

// TestKeyRotation_AValueUnderAnUnknownKeyIsNoWrongGuess: a code display
// whose seed, or an activation code whose hash, is under a key gone from
// the ring cannot be checked; that is said, and nothing is counted.
func TestKeyRotation_AValueUnderAnUnknownKeyIsNoWrongGuess(t *testing.T) {
	e := newLoginEnv(t, checkedStore(t))
	e.rotate(t, ring(t, "a", "a"))
	h := e.enrol(t, "lost-key", mitid.LevelSubstantial, mitid.KindCodeDisplay)
	_, _, _, err := e.svc.IssueCode(e.ctx, h.user.ID, mitid.PurposeActivation, mitid.CodeOnPaper)
	require.NoError(t, err)
	pending, _ := e.codeDevice(t, h.user.ID, mitid.KindAudioReader, mitid.StatePendingActivation)

	e.rotate(t, ring(t, "b", "b"))
	l := e.begin(t, h, mitid.LevelSubstantial)
	_, err = e.svc.SubmitCode(e.ctx, l.ID, h.code(t))
	assert.Equal(t, mitid.CodeSecretUnreadable, mitid.ErrorCode(err))
	_, _, err = e.svc.ActivateWithCode(e.ctx, h.user.UserID, pending, mitid.ActivationCodes{Code: "AAAA-AAAA"})
	assert.Equal(t, mitid.CodeSecretUnreadable, mitid.ErrorCode(err))
	u, err := e.svc.User(e.ctx, h.user.ID)
	require.NoError(t, err)
	assert.Zero(t, u.Failures)
}
