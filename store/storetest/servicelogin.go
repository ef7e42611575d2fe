package storetest

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/go-mitid/mitid"
)

// Whole logins through the Service, and many requests to one login at
// once. Run runs them on the store and on CoreOnly(store), so a login is
// the same with or without the store's optional capabilities.

var loginServiceTests = []suiteTest{
	{"Service/CompleteLoginFinishesOnce", testServiceCompleteLogin},
	{"Service/ConcurrentStepsOfOneLoginRecordTheFactorOnce", testServiceConcurrentSteps},
	{"Service/ConcurrentFinishesOfOneLoginSucceedOnce", testServiceConcurrentFinish},
}

// codeLoginAtPassword begins a login of u and gives it the right code: it
// then waits for the password.
func codeLoginAtPassword(t *testing.T, svc *mitid.Service, u *mitid.User, code func() string) *mitid.Login {
	t.Helper()
	l := beginLogins(t, svc, u, 1)[0]
	l, err := svc.SubmitCode(context.Background(), l.ID, code())
	require.NoError(t, err)
	require.Equal(t, mitid.StepPassword, l.Next)
	return l
}

func testServiceCompleteLogin(t *testing.T, s mitid.Store) {
	ctx := context.Background()
	svc, clk := newService(t, s)
	u, dev := enrolCodeDisplay(t, svc, clk)
	code := func() string {
		c, err := dev.Code()
		require.NoError(t, err)
		return c
	}
	l := codeLoginAtPassword(t, svc, u, code)
	_, err := svc.SubmitPassword(ctx, l.ID, "a wrong password")
	assert.Equal(t, mitid.CodeWrongPassword, mitid.ErrorCode(err))
	got, err := svc.User(ctx, u.ID)
	require.NoError(t, err)
	assert.Equal(t, 1, got.Failures, "the wrong password counted")
	l, err = svc.SubmitPassword(ctx, l.ID, servicePassword)
	require.NoError(t, err)
	require.Equal(t, mitid.StepDone, l.Next)
	res, err := svc.FinishLogin(ctx, l.ID)
	require.NoError(t, err)
	assert.Equal(t, mitid.LevelSubstantial, res.LoA)
	assert.Equal(t, []mitid.Kind{mitid.KindCodeDisplay, mitid.KindPassword}, res.Kinds)
	got, err = svc.User(ctx, u.ID)
	require.NoError(t, err)
	assert.Zero(t, got.Failures, "a completed login resets the count")
	_, err = svc.FinishLogin(ctx, l.ID)
	require.ErrorIs(t, err, mitid.ErrReplay, "a login is finished once")
	_, err = svc.SubmitPassword(ctx, l.ID, servicePassword)
	require.ErrorIs(t, err, mitid.ErrReplay, "its session is consumed")
	used, err := s.Events(ctx, mitid.EventFilter{User: u.ID, Types: []mitid.EventType{mitid.EventAuthenticatorUsed}})
	require.NoError(t, err)
	assert.Len(t, used, 1, "one use in the activity log")

	// A decoy login answers as a real one would, and commits no user.
	d, err := svc.BeginLogin(ctx, mitid.LoginRequest{UserID: uniqueName("nobody"), Action: mitid.ActionLogOn, Text: "Log på", Level: mitid.LevelSubstantial})
	require.NoError(t, err)
	for d.Next == mitid.StepApproval {
		d, err = svc.ChooseMethod(ctx, d.ID, mitid.MethodCodeDisplay, [16]byte{})
		if err != nil {
			break
		}
	}
	if err == nil && d.Next == mitid.StepCode {
		_, err = svc.SubmitCode(ctx, d.ID, "000000")
		assert.Equal(t, mitid.CodeWrongCode, mitid.ErrorCode(err))
	}
}

// testServiceConcurrentSteps: the right password submitted many times at
// once to one login: every comparison is an attempt on the user, and the
// login records the factor once; the others are told it moved on. The
// code's step left the login in the Service's login cache, so one racer
// decides on the kept state (SessionAt.Exact) and the rest on fresh reads;
// the login then finishes once.
func testServiceConcurrentSteps(t *testing.T, s mitid.Store) {
	ctx := context.Background()
	svc, clk := newService(t, s)
	u, dev := enrolCodeDisplay(t, svc, clk)
	l := codeLoginAtPassword(t, svc, u, func() string {
		c, err := dev.Code()
		require.NoError(t, err)
		return c
	})
	var ok, movedOn atomic.Int64
	parallel(Goroutines, func(int) {
		_, err := svc.SubmitPassword(ctx, l.ID, servicePassword)
		switch {
		case err == nil:
			ok.Add(1)
		case mitid.ErrorCode(err) == mitid.CodeLoginOrder:
			movedOn.Add(1)
		default:
			t.Error(err)
		}
	})
	assert.Equal(t, int64(1), ok.Load(), "the factor is recorded once")
	assert.Equal(t, int64(Goroutines-1), movedOn.Load())
	got, err := svc.ResumeLogin(ctx, l.ID)
	require.NoError(t, err)
	assert.Equal(t, mitid.StepDone, got.Next)
	res, err := svc.FinishLogin(ctx, l.ID)
	require.NoError(t, err)
	assert.Equal(t, mitid.LevelSubstantial, res.LoA)
	_, err = svc.FinishLogin(ctx, l.ID)
	require.ErrorIs(t, err, mitid.ErrReplay)
}

// testServiceConcurrentFinishes: many FinishLogin calls of one login at
// once: one result, one use in the activity log, one FinishedLogin record.
func testServiceConcurrentFinish(t *testing.T, s mitid.Store) {
	ctx := context.Background()
	svc, clk := newService(t, s)
	u, dev := enrolCodeDisplay(t, svc, clk)
	l := codeLoginAtPassword(t, svc, u, func() string {
		c, err := dev.Code()
		require.NoError(t, err)
		return c
	})
	l, err := svc.SubmitPassword(ctx, l.ID, servicePassword)
	require.NoError(t, err)
	clk.Advance(time.Second)
	var ok atomic.Int64
	parallel(Goroutines, func(int) {
		_, err := svc.FinishLogin(ctx, l.ID)
		switch {
		case err == nil:
			ok.Add(1)
		case errors.Is(err, mitid.ErrReplay):
		default:
			t.Error(fmt.Errorf("a finish failed otherwise than as a replay: %w", err))
		}
	})
	assert.Equal(t, int64(1), ok.Load(), "a login is finished once")
	used, err := s.Events(ctx, mitid.EventFilter{User: u.ID, Types: []mitid.EventType{mitid.EventAuthenticatorUsed}})
	require.NoError(t, err)
	assert.Len(t, used, 1)
	got, err := svc.User(ctx, u.ID)
	require.NoError(t, err)
	assert.Len(t, got.Logins, 1)
}
