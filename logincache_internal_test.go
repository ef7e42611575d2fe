package mitid

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// updaterStub is a store with LoginUpdater and nothing else.
type updaterStub struct{ Store }

func (updaterStub) UpdateLogin(context.Context, *User, uuid.UUID, SessionAt, LoginChange) (*User, *Session, error) {
	return nil, nil, nil
}

// cachedFor returns a login session of user u, as a step committed it.
func cachedFor(t *testing.T, u *User, now time.Time) *Session {
	t.Helper()
	st := &loginState{User: u.ID, Options: []optionRef{{Method: MethodCodeDisplay}}}
	return &Session{ID: "login-" + uuid.NewString(), Kind: loginKind, User: u.ID, Data: st.marshal(), CreatedAt: now, ExpiresAt: now.Add(time.Minute), Version: 2}
}

// decoyFor returns a decoy login's session (a user ID nobody has).
func decoyFor(now time.Time) *Session {
	st := &loginState{Options: []optionRef{{Method: MethodCodeDisplay}}}
	return &Session{ID: "login-" + uuid.NewString(), Kind: loginKind, Data: st.marshal(), CreatedAt: now, ExpiresAt: now.Add(time.Minute), Version: 1}
}

// TestLoginCache_IsBoundedAndKeepsOnlyWhatAStepCanUse: the cache never
// holds more than its size, keeps no decoy and no login whose user does
// not match its state or that has no version, gives an entry once, gives
// none that is no longer live or waits for another step, and sweeps
// expired ones out.
func TestLoginCache_IsBoundedAndKeepsOnlyWhatAStepCanUse(t *testing.T) {
	now := time.Date(2026, 11, 30, 10, 0, 0, 0, time.UTC)
	u := &User{ID: uuid.New(), Version: 7}
	c := newLoginCache(3, updaterStub{})
	require.NotNil(t, c)
	var kept []*Session
	for range 100 {
		sess := cachedFor(t, u, now)
		c.put(sess, u, now)
		kept = append(kept, sess)
		assert.LessOrEqual(t, len(c.m), 3)
	}
	assert.Equal(t, 3, len(c.m))

	last := kept[len(kept)-1]
	at, st, got, ok := c.take(last.ID, now, StepCode)
	require.True(t, ok, "the newest entry is there")
	assert.Equal(t, SessionAt{ID: last.ID, Version: 2, Now: now, Exact: true}, at, "a kept state is decided on exactly")
	assert.Equal(t, u.ID, st.User)
	assert.Same(t, u, got)
	_, _, _, ok = c.take(last.ID, now, StepCode)
	assert.False(t, ok, "an entry is taken once")

	for name, tc := range map[string]struct {
		sess *Session
		user *User
		now  time.Time
	}{
		"a real login, no user":  {cachedFor(t, u, now), nil, now},
		"a decoy":                {decoyFor(now), nil, now},
		"a decoy, with a user":   {decoyFor(now), u, now},
		"no version":             {func() *Session { s := cachedFor(t, u, now); s.Version = 0; return s }(), u, now},
		"expired":                {cachedFor(t, u, now), u, now.Add(time.Minute)},
		"consumed":               {func() *Session { s := cachedFor(t, u, now); s.ConsumedAt = now; return s }(), u, now},
		"another user's session": {cachedFor(t, &User{ID: uuid.New()}, now), u, now},
		"not a login":            {func() *Session { s := cachedFor(t, u, now); s.Kind = "webauthn"; return s }(), u, now},
	} {
		c.put(tc.sess, tc.user, now)
		_, _, _, ok := c.take(tc.sess.ID, tc.now, StepCode)
		assert.False(t, ok, name)
	}

	// A login that waits for another step is left to a fresh read.
	other := cachedFor(t, u, now)
	c.put(other, u, now)
	_, _, _, ok = c.take(other.ID, now, StepPassword)
	assert.False(t, ok, "it waits for a code, not the password")

	// Each put sweeps expired logins out.
	swept := newLoginCache(10, updaterStub{})
	for range sweep {
		swept.put(cachedFor(t, u, now), u, now)
	}
	swept.put(cachedFor(t, u, now.Add(time.Hour)), u, now.Add(time.Minute))
	assert.Equal(t, 1, len(swept.m), "the expired logins are gone")

	var none *loginCache
	none.put(cachedFor(t, u, now), u, now)
	_, _, _, ok = none.take("x", now, StepCode)
	assert.False(t, ok, "a nil cache keeps nothing")
	assert.Nil(t, newLoginCache(-1, updaterStub{}), "a negative size turns it off")
	assert.Nil(t, newLoginCache(0, nil), "a store without LoginUpdater gets none")
	assert.Equal(t, DefaultLoginCache, newLoginCache(0, updaterStub{}).max)
}

// TestAgain_OnlyARefusalOnAKeptStateIsDecidedAgain: a step on a kept state
// that commits nothing is decided again on a fresh read only when its
// error may stem from the state; a fault is reported as it is.
func TestAgain_OnlyARefusalOnAKeptStateIsDecidedAgain(t *testing.T) {
	exact, fresh := SessionAt{Exact: true}, SessionAt{}
	refusal := errorf(CodeLoginOrder, "waits")
	for _, tc := range []struct {
		at   SessionAt
		err  error
		want error
	}{
		{exact, refusal, errDecideAgain},
		{exact, ConcurrentSessionUpdate(), errDecideAgain},
		{exact, errorf(CodeAuthenticatorBlocked, "blocked"), errDecideAgain},
		{exact, nil, nil},
		{exact, errorf(CodeStoreUnavailable, "down"), nil},
		{exact, errorf(CodeBusy, "busy"), nil},
		{exact, context.Canceled, nil},
		{exact, fmt.Errorf("wrapped: %w", context.DeadlineExceeded), nil},
		{fresh, refusal, nil},
	} {
		got := again(tc.at, tc.err)
		if tc.want == nil {
			assert.Equal(t, tc.err, got, "%v (exact %v) is returned as it is", tc.err, tc.at.Exact)
		} else {
			assert.ErrorIs(t, got, tc.want, "%v", tc.err)
		}
	}
}

// TestDecoyCompare_ComparesAsARealFirstCodeIs: a decoy compares a typed
// code as many times as a real login does (twice at the first answer of a
// login that began with its code: on the state BeginLogin left, then on a
// fresh read; once after, once in a login that came to its code by
// ChooseMethod, which drops what BeginLogin left, and once without a begun
// cache), each time on a copy of its device, which no comparison changes.
func TestDecoyCompare_ComparesAsARealFirstCodeIs(t *testing.T) {
	dev := &Authenticator{Kind: KindCodeDisplay, OTP: &OTPSecret{LastStep: 7}}
	tests := []struct {
		rejected, choice int
		begun            bool
		want             int
	}{
		{0, 0, true, 2},
		{1, 0, true, 1},
		{0, 1, true, 1},
		{0, 0, false, 1},
	}
	for _, tc := range tests {
		s := &Service{decoyDevice: dev}
		if tc.begun {
			s.begun = &loginCache{max: 1, m: map[string]cachedLogin{}}
		}
		calls := 0
		err := s.decoyCompare(&loginState{Rejected: tc.rejected, Choice: tc.choice}, func(a *Authenticator, _ time.Time) error {
			calls++
			a.OTP.LastStep = 99
			return nil
		}, time.Now())
		assert.NoError(t, err, "a code of the right form")
		assert.Equal(t, tc.want, calls, "comparisons, %d rejected before, choice %d, begun cache %v", tc.rejected, tc.choice, tc.begun)
		assert.Equal(t, int64(7), dev.OTP.LastStep, "the decoy's device is compared on a copy")
	}
}

// replacerStub is a store whose ReplaceSession finds every session moved
// on, and that has nothing else.
type replacerStub struct{ Store }

func (replacerStub) ReplaceSession(context.Context, string, int64, time.Time, []byte) (*Session, error) {
	return nil, ConcurrentSessionUpdate()
}

// TestStepOn_ADecoyComparesTheCode: a code typed at a decoy's login is
// compared (decoyCompare) before the decoy refuses it as a wrong code.
func TestStepOn_ADecoyComparesTheCode(t *testing.T) {
	s := &Service{decoyDevice: &Authenticator{Kind: KindCodeDisplay, OTP: &OTPSecret{}}, raw: replacerStub{}, policy: DefaultPolicy()}
	calls := 0
	st := &loginState{Options: []optionRef{{Method: MethodCodeDisplay}}}
	_, err := s.stepOn(t.Context(), SessionAt{ID: "login-decoy", Version: 1, Now: time.Now()}, nil, st, StepCode, nil, nil,
		func(*Authenticator, time.Time) error { calls++; return nil })
	assert.Equal(t, CodeWrongCode, ErrorCode(err))
	assert.Equal(t, 1, calls, "compared once: this Service keeps no begun logins")
}
