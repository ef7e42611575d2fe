package mitid_test

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/go-mitid/mitid"
	"github.com/go-mitid/mitid/mitidtest/fake"
)

// limitedEnv is a login environment whose Service limits each client to
// limit failed attempts an hour (a ClientWindow on the environment's clock).
func limitedEnv(t *testing.T, limit int) *loginEnv {
	t.Helper()
	e := newLoginEnv(t, checkedStore(t))
	return e.twin(t, func(c *mitid.Config) {
		c.Clients = &mitid.ClientWindow{Limit: limit, Window: time.Hour, Clock: e.clock}
	})
}

// TestClientLimiter_RefusesAClientBeforeAnyComparison: a client past its
// limit is refused before a code is compared, so its attempts spend nothing
// of the holder's budget; other clients are not affected.
func TestClientLimiter_RefusesAClientBeforeAnyComparison(t *testing.T) {
	e := limitedEnv(t, 2)
	h := e.enrol(t, "client-limited", mitid.LevelSubstantial, mitid.KindCodeDisplay)
	stranger := mitid.WithClient(e.ctx, mitid.Client{Address: "198.51.100.7"})
	for i := 0; i < 2; i++ {
		l := e.begin(t, h, mitid.LevelSubstantial)
		_, err := e.svc.SubmitCode(stranger, l.ID, wrongCode(h.code(t)))
		require.Equal(t, mitid.CodeWrongCode, mitid.ErrorCode(err))
	}
	l := e.begin(t, h, mitid.LevelSubstantial)
	_, err := e.svc.SubmitCode(stranger, l.ID, wrongCode(h.code(t)))
	require.ErrorIs(t, err, mitid.ErrLimit)
	var me *mitid.Error
	require.ErrorAs(t, err, &me)
	assert.Equal(t, mitid.CodeClientLimited, me.Code)
	assert.Equal(t, e.clock.Now().Add(time.Hour), me.Until)
	u, err := e.svc.User(e.ctx, h.user.ID)
	require.NoError(t, err)
	assert.Equal(t, 2, u.Failures, "the refused attempt spent nothing of the holder's budget")

	holder := mitid.WithClient(e.ctx, mitid.Client{Address: "203.0.113.9"})
	_, err = e.svc.SubmitCode(holder, l.ID, h.code(t))
	require.NoError(t, err, "the holder, from elsewhere, is not limited")

	e.clock.Advance(time.Hour)
	l = e.begin(t, h, mitid.LevelSubstantial)
	_, err = e.svc.SubmitCode(stranger, l.ID, wrongCode(h.code(t)))
	assert.Equal(t, mitid.CodeWrongCode, mitid.ErrorCode(err), "the window moved on")
}

// TestClientLimiter_LimitsAClientAtADecoyAsAtARealUser: a decoy's wrong
// codes count against the client as a real user's do, and a client past
// its limit is refused at a user ID nobody has in the same words as at a
// real one; otherwise, limited once, a client would be refused at every
// real user ID and answered at every other.
func TestClientLimiter_LimitsAClientAtADecoyAsAtARealUser(t *testing.T) {
	e := limitedEnv(t, 2)
	h := e.enrol(t, "client-limited-real", mitid.LevelSubstantial, mitid.KindCodeDisplay)
	decoys := decoysShowing(t, e, mitid.MethodCodeDisplay, 3)
	stranger := mitid.WithClient(e.ctx, mitid.Client{Address: "198.51.100.7"})
	try := func(uid, code string) error {
		l, err := e.svc.BeginLogin(stranger, mitid.LoginRequest{UserID: uid, Action: mitid.ActionLogOn, Text: "Log på", Level: mitid.LevelSubstantial})
		require.NoError(t, err)
		_, err = e.svc.SubmitCode(stranger, l.ID, code)
		return err
	}
	assert.Equal(t, mitid.CodeCodeMalformed, mitid.ErrorCode(try(decoys[0], "x")), "a malformed code counts nothing")
	for _, uid := range decoys[:2] {
		assert.Equal(t, mitid.CodeWrongCode, mitid.ErrorCode(try(uid, "000000")))
	}
	person, decoy := try(h.user.UserID, "000000"), try(decoys[2], "000000")
	assert.Equal(t, mitid.CodeClientLimited, mitid.ErrorCode(person), "two wrong codes at decoys reached the limit: %v", person)
	require.Error(t, decoy)
	assert.Equal(t, person.Error(), decoy.Error(), "refused alike at a real user ID and a decoy")
	person, decoy = try(h.user.UserID, "x"), try(decoys[0], "x")
	assert.Equal(t, mitid.CodeClientLimited, mitid.ErrorCode(person), "a limited client is refused before its code is read: %v", person)
	require.Error(t, decoy)
	assert.Equal(t, person.Error(), decoy.Error(), "a malformed code from a limited client, refused alike")

	// An app's approval that does not verify is refused before the
	// limiter is asked, at a real login and so at a decoy.
	app := e.enrol(t, "client-limited-app", mitid.LevelSubstantial, mitid.KindApp)
	appDecoy := decoyLike(t, e, e.begin(t, app, mitid.LevelSubstantial))
	approve := func(uid string) error {
		l, err := e.svc.BeginLogin(stranger, mitid.LoginRequest{UserID: uid, Action: mitid.ActionLogOn, Text: "Log på", Level: mitid.LevelSubstantial})
		require.NoError(t, err)
		_, err = e.svc.SubmitApproval(stranger, l.ID, []byte("not a signature"))
		return err
	}
	person, decoy = approve(app.user.UserID), approve(appDecoy)
	assert.Equal(t, mitid.CodeWrongSignature, mitid.ErrorCode(person), "%v", person)
	require.Error(t, decoy)
	assert.Equal(t, person.Error(), decoy.Error(), "a limited client's bad approval, refused alike")
	u, err := e.svc.User(e.ctx, h.user.ID)
	require.NoError(t, err)
	assert.Zero(t, u.Failures, "the refused attempt spent nothing of the holder's budget")
}

// TestClientWindow_CountsFailuresPerClientWithinTheWindow covers the
// in-memory limiter's own rules.
func TestClientWindow_CountsFailuresPerClientWithinTheWindow(t *testing.T) {
	clock := fake.NewClock(tNow)
	w := &mitid.ClientWindow{Limit: 2, Window: time.Minute, MaxClients: 2, Clock: clock}
	ctx := context.Background()
	a, b, c := mitid.Client{Address: "a"}, mitid.Client{Address: "b"}, mitid.Client{Address: "c"}

	w.Failed(ctx, a)
	require.NoError(t, w.Allow(ctx, a))
	clock.Advance(30 * time.Second)
	w.Failed(ctx, a)
	assert.Equal(t, mitid.CodeClientLimited, mitid.ErrorCode(w.Allow(ctx, a)), "two failures within the minute")
	clock.Advance(30 * time.Second)
	assert.NoError(t, w.Allow(ctx, a), "the first failure is a minute old")

	w.Failed(ctx, mitid.Client{})
	w.Failed(ctx, mitid.Client{})
	assert.NoError(t, w.Allow(ctx, mitid.Client{}), "an unknown client is never limited")

	w.Failed(ctx, b)
	w.Failed(ctx, b)
	clock.Advance(time.Second)
	w.Failed(ctx, c) // the table is full: a, seen longest ago, goes
	w.Failed(ctx, c)
	assert.Equal(t, mitid.CodeClientLimited, mitid.ErrorCode(w.Allow(ctx, b)))
	assert.Equal(t, mitid.CodeClientLimited, mitid.ErrorCode(w.Allow(ctx, c)))
}

// TestClientWindow_ForgetsTheClientSeenLongestAgoWhenFull: the table is
// bounded, so a flood of addresses cannot exhaust memory; what goes is the
// client seen longest ago.
func TestClientWindow_ForgetsTheClientSeenLongestAgoWhenFull(t *testing.T) {
	clock := fake.NewClock(tNow)
	w := &mitid.ClientWindow{Limit: 2, Window: time.Hour, MaxClients: 2, Clock: clock}
	ctx := context.Background()
	a, b, c := mitid.Client{Address: "a"}, mitid.Client{Address: "b"}, mitid.Client{Address: "c"}
	w.Failed(ctx, a)
	w.Failed(ctx, a)
	require.Error(t, w.Allow(ctx, a))
	clock.Advance(time.Second)
	w.Failed(ctx, b)
	clock.Advance(time.Second)
	w.Failed(ctx, c)
	assert.NoError(t, w.Allow(ctx, a), "a was forgotten to make room for c")
	w.Failed(ctx, c)
	assert.Error(t, w.Allow(ctx, c))
}

// BenchmarkClientWindowFloodOfNewAddresses is a failure from a new address
// each time, with the table full (100,000 clients): forgetting the oldest is
// constant time, beside a bare map insert and delete.
//
//	go test -run='^$' -bench='ClientWindowFlood|RawMapInsertDelete' -benchmem -count=3 .
func BenchmarkClientWindowFloodOfNewAddresses(b *testing.B) {
	w := &mitid.ClientWindow{Limit: 5, Window: time.Hour, MaxClients: 100_000, Clock: fake.NewClock(tNow)}
	ctx := context.Background()
	for i := 0; i < 100_000; i++ {
		w.Failed(ctx, mitid.Client{Address: fmt.Sprintf("a%d", i)})
	}
	addrs := make([]mitid.Client, 1<<16)
	for i := range addrs {
		addrs[i] = mitid.Client{Address: fmt.Sprintf("b%d", i)}
	}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		w.Failed(ctx, addrs[i&(len(addrs)-1)])
		i++
	}
}

func BenchmarkRawMapInsertDelete(b *testing.B) {
	m := map[mitid.Client]int{}
	addrs := make([]mitid.Client, 1<<16)
	for i := range addrs {
		addrs[i] = mitid.Client{Address: fmt.Sprintf("b%d", i)}
	}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		m[addrs[i&(len(addrs)-1)]] = i
		delete(m, addrs[(i+1)&(len(addrs)-1)])
		i++
	}
}

// TestClientWindow_TakeNeverGivesMoreThanItsLimitAtOnce: 64 goroutines
// taking a use of one client at once get Limit uses between them, no more.
func TestClientWindow_TakeNeverGivesMoreThanItsLimitAtOnce(t *testing.T) {
	w := &mitid.ClientWindow{Limit: 3, Window: time.Hour, Clock: fake.NewClock(tNow)}
	c := mitid.Client{Address: "receipt anna@example.dk"}
	var taken atomic.Int64
	var wg sync.WaitGroup
	start := make(chan struct{})
	for range 64 {
		wg.Go(func() {
			<-start
			if mitid.TakeClient(w, c) {
				taken.Add(1)
			}
		})
	}
	close(start)
	wg.Wait()
	assert.Equal(t, int64(3), taken.Load())
	assert.Equal(t, mitid.CodeClientLimited, mitid.ErrorCode(w.Allow(t.Context(), c)), "and the client is then limited")
}
