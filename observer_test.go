package mitid_test

import (
	"context"
	"fmt"
	"log"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/go-mitid/mitid"
	"github.com/go-mitid/mitid/mitidtest"
)

// observations records what an Observer is told.
type observations struct {
	mu  sync.Mutex
	all []mitid.Observation
}

func (r *observations) Observe(o mitid.Observation) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.all = append(r.all, o)
}

// take returns what was observed since the last take, each as one line.
func (r *observations) take() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	var lines []string
	for _, o := range r.all {
		lines = append(lines, describe(o))
	}
	r.all = nil
	return lines
}

// describe is an observation as a line a test compares: its outcome and
// the fields of that outcome (no times, no durations).
func describe(o mitid.Observation) string {
	switch o.Outcome {
	case mitid.OutcomeCommit:
		var types []string
		for _, e := range o.Events {
			types = append(types, string(e.Type))
		}
		return fmt.Sprintf("commit %s", strings.Join(types, ","))
	case mitid.OutcomeLogin:
		return fmt.Sprintf("login %s method=%s next=%s code=%s user=%t", o.Call, o.Method, o.Next, o.Code, o.User != [16]byte{})
	case mitid.OutcomeRound:
		return fmt.Sprintf("round delivered=%d retried=%d parked=%d err=%v", o.Round.Delivered, o.Round.Retried, o.Round.Parked, o.Err)
	case mitid.OutcomeSent, mitid.OutcomeRetried, mitid.OutcomeParked:
		return fmt.Sprintf("%s %s", o.Outcome, o.Message.Event.Type)
	}
	return string(o.Outcome)
}

// TestObserver_SeesEveryStepCommitAndRound: a whole code-display login,
// with one wrong code, and a dispatch round are reported in order: each
// login call once with its method, next factor and code; each commit with
// its events; each message sent and the round.
func TestObserver_SeesEveryStepCommitAndRound(t *testing.T) {
	obs := &observations{}
	env := mitidtest.New(t, mitidtest.WithConfig(func(c *mitid.Config) { c.Observer = obs }))
	anna := env.Enrol(t, "anna-observed", mitid.LevelSubstantial, mitid.KindCodeDisplay)
	obs.take()
	ctx := t.Context()

	l := env.Begin(t, anna, mitid.LevelSubstantial)
	_, err := env.Service.SubmitCode(ctx, l.ID, "000000")
	require.Equal(t, mitid.CodeWrongCode, mitid.ErrorCode(err))
	l = env.Complete(t, anna, l)
	_, err = env.Service.FinishLogin(ctx, l.ID)
	require.NoError(t, err)
	d := env.Service.Dispatcher(mitid.DispatcherConfig{})
	_, err = d.RunOnce(ctx)
	require.NoError(t, err)

	assert.Equal(t, []string{
		"login begin_login method=code_display next=code code= user=false",
		"commit authenticator.failed", // a wrong code counts, and commits
		"login submit_code method= next= code=wrong_code user=false",
		"commit ", // the code is in: the device's step is recorded
		"login submit_code method=code_display next=password code= user=false",
		"commit ",
		"login submit_password method=code_display next=done code= user=false",
		"commit authenticator.used",
		"login finish_login method=code_display next=done code= user=true",
		"sent user.created", // enrolment's notices, from the outbox
		"sent authenticator.state_changed",
		"sent authenticator.added",
		"round delivered=3 retried=0 parked=0 err=<nil>",
	}, obs.take())
}

// exampleTB stands in for a *testing.T in an example: it stops on the
// first failure.
type exampleTB struct{}

func (exampleTB) Helper()                        {}
func (exampleTB) Cleanup(func())                 {}
func (exampleTB) Errorf(format string, a ...any) { log.Fatalf(format, a...) }
func (exampleTB) Fatalf(format string, a ...any) { log.Fatalf(format, a...) }
func (exampleTB) Context() context.Context       { return context.Background() }

// ExampleObserverFunc logs each step of a login as an operator's
// dashboard would count it: which call, which method, which outcome.
func ExampleObserverFunc() {
	steps := mitid.ObserverFunc(func(o mitid.Observation) {
		if o.Outcome == mitid.OutcomeLogin {
			code := string(o.Code)
			if code == "" {
				code = "ok"
			}
			fmt.Printf("%s %s: %s\n", o.Call, o.Method, code)
		}
	})
	t := exampleTB{}
	env := mitidtest.New(t, mitidtest.WithConfig(func(c *mitid.Config) { c.Observer = steps }))
	bo := env.Enrol(t, "bo-observed", mitid.LevelSubstantial, mitid.KindCodeDisplay)
	env.LogIn(t, bo, mitid.LevelSubstantial)
	_, _ = env.Service.SubmitCode(context.Background(), "a-login-that-is-not", "123456")
	// Output:
	// begin_login code_display: ok
	// submit_code code_display: ok
	// submit_password code_display: ok
	// finish_login code_display: ok
	// submit_code : session_not_found
}
