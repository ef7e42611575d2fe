package mitid_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/go-mitid/mitid"
)

// TestProof_ALoginTheSiteFinishedProvesOnceWithinItsLifetime: a login the
// relying party finished (the person logged on to its site) serves once as
// proof, within Policy.LoginSessionTTL, for the person who made it.
func TestProof_ALoginTheSiteFinishedProvesOnceWithinItsLifetime(t *testing.T) {
	e := newLoginEnv(t, checkedStore(t))
	h := e.enrol(t, "proof-finished", mitid.LevelSubstantial, mitid.KindCodeDisplay)
	other := e.enrol(t, "proof-other", mitid.LevelSubstantial, mitid.KindCodeDisplay)
	res, err := e.svc.FinishLogin(e.ctx, e.complete(t, h, e.begin(t, h, mitid.LevelSubstantial)).ID)
	require.NoError(t, err)
	require.NotEmpty(t, res.Login)

	_, _, err = e.svc.RequestPasswordChange(e.ctx, other.user.ID, res.Login)
	assert.Equal(t, mitid.CodeSessionUsed, mitid.ErrorCode(err), "another person's login proves nothing for them")
	_, _, err = e.svc.RequestPasswordChange(e.ctx, h.user.ID, res.Login)
	require.NoError(t, err, "the finished login proves who asks")
	_, _, err = e.svc.RequestPasswordChange(e.ctx, h.user.ID, res.Login)
	assert.Equal(t, mitid.CodeSessionUsed, mitid.ErrorCode(err), "once")

	e.clock.Advance(31 * time.Second) // the next code
	late, err := e.svc.FinishLogin(e.ctx, e.complete(t, h, e.begin(t, h, mitid.LevelSubstantial)).ID)
	require.NoError(t, err)
	e.clock.Advance(10 * time.Minute)
	_, _, err = e.svc.RequestPasswordChange(e.ctx, h.user.ID, late.Login)
	assert.Equal(t, mitid.CodeSessionUsed, mitid.ErrorCode(err), "not after the login's lifetime")
}
