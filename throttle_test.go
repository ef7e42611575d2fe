package mitid_test

import (
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/go-mitid/mitid"
)

// yearOfAttack is what a year of the best paced anonymous attacker got
// against an idle holder.
type yearOfAttack struct {
	codeComparisons     int           // wrong codes compared at the code display
	passwordComparisons int           // wrong passwords compared
	codeLocked          time.Duration // time the code display could not be used
	exhaustedAfter      time.Duration // when the stranger's budget ran out
}

// attackForAYear plays a stranger who knows only h's user ID, for a year of
// fake time: a wrong code at the code display whenever it takes one (each
// suspension waited out to the second), and once an hour a chip login with
// a guessed password and a forged answer. The holder stays idle. It checks
// on the way that the holder's other way in stays open.
func attackForAYear(t *testing.T, e *loginEnv, h *holder, other mitid.Method) yearOfAttack {
	t.Helper()
	var r yearOfAttack
	start := e.clock.Now()
	end := start.Add(365 * 24 * time.Hour)
	lastCheck := start
	for e.clock.Now().Before(end) {
		l, err := e.svc.ChooseMethod(e.ctx, e.begin(t, h, mitid.LevelSubstantial).ID, mitid.MethodCodeDisplay, uuid.Nil)
		if err == nil {
			_, err = e.svc.SubmitCode(e.ctx, l.ID, wrongCode(h.code(t)))
		}
		var wait time.Duration
		switch code := mitid.ErrorCode(err); code {
		case mitid.CodeWrongCode:
			r.codeComparisons++
			continue
		case mitid.CodeAuthenticatorSuspended:
			// The refusal does not say until when; the best attacker
			// knows the policy and comes back the moment it ends.
			wait = suspendedUntil(t, e, h, h.codeID).Sub(e.clock.Now())
		case mitid.CodeAttemptsExhausted:
			if r.exhaustedAfter == 0 {
				r.exhaustedAfter = e.clock.Now().Sub(start)
			}
			wait = time.Hour
		default:
			t.Fatalf("unexpected answer to a wrong code: %v", err)
		}
		if h.chip != nil {
			r.passwordComparisons += strangerTriesTheChip(t, e, h)
		}
		r.codeLocked += wait
		e.clock.Advance(wait)
		if e.clock.Now().Sub(lastCheck) >= 7*24*time.Hour {
			// Once a week: the holder's other way in is open (looked at,
			// not used, so the holder stays idle).
			l, err := e.svc.ChooseMethod(e.ctx, e.begin(t, h, mitid.LevelSubstantial).ID, other, uuid.Nil)
			require.NoError(t, err, "day %d: the holder can start a login with %s", int(e.clock.Now().Sub(start).Hours()/24), other)
			require.NotEqual(t, mitid.StepDone, l.Next)
			lastCheck = e.clock.Now()
		}
	}
	return r
}

// strangerTriesTheChip starts a chip login, types a password and answers
// with a forged assertion; it returns how many passwords were compared.
func strangerTriesTheChip(t *testing.T, e *loginEnv, h *holder) int {
	t.Helper()
	l, err := e.svc.ChooseMethod(e.ctx, e.begin(t, h, mitid.LevelSubstantial).ID, mitid.MethodChip, uuid.Nil)
	require.NoError(t, err)
	l, err = e.svc.SubmitPassword(e.ctx, l.ID, "Sommer2026!")
	require.NoError(t, err, "the password is held, not judged, until the chip answers")
	require.Equal(t, mitid.StepChip, l.Next)
	_, err = e.svc.SubmitChip(e.ctx, l.ID, []byte(`{"id":"forged","type":"public-key"}`))
	require.Error(t, err)
	if mitid.ErrorCode(err) == mitid.CodeWrongPassword {
		return 1
	}
	return 0
}

// TestThrottling_AYearOfPacedGuessingAgainstAnIdleHolder is promise (a)
// and (b) of throttle.go, for the two holders the attack review found
// locked out: code display + password + chip, and app + code display.
func TestThrottling_AYearOfPacedGuessingAgainstAnIdleHolder(t *testing.T) {
	if testing.Short() {
		t.Skip("a year of simulated attack; skipped with -short")
	}
	tests := []struct {
		name  string
		kinds []mitid.Kind
		other mitid.Method
	}{
		{"code display, password and chip", []mitid.Kind{mitid.KindCodeDisplay, mitid.KindChip}, mitid.MethodChip},
		{"app and code display", []mitid.Kind{mitid.KindApp, mitid.KindCodeDisplay}, mitid.MethodApp},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e := newLoginEnv(t, checkedStore(t))
			h := e.enrol(t, "idle-"+uuid.NewString()[:8], mitid.LevelSubstantial, tc.kinds...)
			r := attackForAYear(t, e, h, tc.other)
			worst := e.svc.Policy().WorstCase()
			t.Logf("a year: %d codes and %d passwords compared; code display unusable %.0f h (%.0f%%); budget spent after %.1f days",
				r.codeComparisons, r.passwordComparisons, r.codeLocked.Hours(), 100*r.codeLocked.Hours()/(365*24), r.exhaustedAfter.Hours()/24)

			// (a) at most 100 comparisons per authenticator and per account.
			assert.Equal(t, worst.ByStranger, r.codeComparisons, "a stranger gets the stranger's share, once")
			assert.Zero(t, r.passwordComparisons, "a stranger never reaches the password")
			assert.LessOrEqual(t, r.codeComparisons+r.passwordComparisons, 100)
			assert.GreaterOrEqual(t, r.exhaustedAfter, worst.StrangerSpan, "no faster than the policy says")

			// (b) nothing permanent; the holder's other way in lifts it all.
			u, err := e.svc.User(e.ctx, h.user.ID)
			require.NoError(t, err)
			assert.Equal(t, mitid.UserActive, u.Status)
			for _, a := range u.Authenticators {
				assert.NotEqual(t, mitid.StateBlocked, a.State, "%s", a.Kind)
			}
			l, err := e.svc.ChooseMethod(e.ctx, e.begin(t, h, mitid.LevelSubstantial).ID, tc.other, uuid.Nil)
			require.NoError(t, err)
			_, err = e.svc.FinishLogin(e.ctx, e.complete(t, h, l).ID)
			require.NoError(t, err, "the holder logs in with the other authenticator")
			l, err = e.svc.ChooseMethod(e.ctx, e.begin(t, h, mitid.LevelSubstantial).ID, mitid.MethodCodeDisplay, uuid.Nil)
			require.NoError(t, err)
			_, err = e.svc.FinishLogin(e.ctx, e.complete(t, h, l).ID)
			require.NoError(t, err, "and the code display works again")
		})
	}
}

// TestPolicy_WorstCaseOfMitIDsPolicy states the figures throttle.go
// promises.
func TestPolicy_WorstCaseOfMitIDsPolicy(t *testing.T) {
	wc := mitid.DefaultPolicy().WorstCase()
	assert.Equal(t, 100, wc.PerAccount)
	assert.Equal(t, 90, wc.ByStranger)
	assert.Equal(t, 24*time.Hour, wc.LongestSuspension)
	// 29 suspensions before the 90th guess: 15 min … 16 h, then 22 of 24 h.
	assert.Equal(t, 31*time.Hour+45*time.Minute+22*24*time.Hour, wc.StrangerSpan)
	// With codes by SMS: 15 at the start of each day; the code display's 3
	// after each suspension. Day 4 (72 h) opens with 75 made by codes and
	// the display; the 90th comes at 79 h 45 min, 3.3 days.
	assert.Equal(t, 79*time.Hour+45*time.Minute, wc.StrangerSpanWithCodes)
}
