package chip

import (
	"fmt"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/go-mitid/mitid/chip/chiptest"
)

// TestVerifier_ConcurrentUse runs whole ceremonies for many users at once on
// one Verifier, which is documented as safe for concurrent use.
func TestVerifier_ConcurrentUse(t *testing.T) {
	v, _ := newTestVerifier(t)
	const users, logins = 16, 5
	sims := make([]*chiptest.Simulator, users)
	for i := range sims {
		sims[i] = newTestSimulator(t, byte(100+i))
	}
	var wg sync.WaitGroup
	for i := range users {
		wg.Go(func() {
			user := User{ID: fmt.Appendf(nil, "user-%02d", i), Name: fmt.Sprintf("user%02d", i)}
			options, ch, err := v.BeginRegistration(user, nil)
			if !assert.NoError(t, err) {
				return
			}
			resp, err := sims[i].Register(options, testOrigin)
			if !assert.NoError(t, err) {
				return
			}
			cred, err := v.FinishRegistration(t.Context(), ch, user, resp)
			if !assert.NoError(t, err) {
				return
			}
			creds := []Credential{cred}
			for range logins {
				options, ch, err := v.BeginLogin(user, creds)
				if !assert.NoError(t, err) {
					return
				}
				resp, err := sims[i].Login(options, testOrigin)
				if !assert.NoError(t, err) {
					return
				}
				a, err := v.FinishLogin(ch, user, creds, resp)
				if !assert.NoError(t, err) {
					return
				}
				assert.NoError(t, a.Apply(&creds[0]))
			}
			assert.Equal(t, uint32(logins), creds[0].SignCount)
		})
	}
	wg.Wait()
	require.False(t, t.Failed())
}
