package main

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/go-mitid/mitid"
)

// TestMetrics_CountLoginsCommitsAndRounds: two logins (one after a wrong
// code) and a dispatch round are counted by call, method, outcome, event
// type and notification outcome.
func TestMetrics_CountLoginsCommitsAndRounds(t *testing.T) {
	reg := prometheus.NewRegistry()
	m := NewMetrics(reg)
	d := newDemo(t.Context(), m)
	d.login(t.Context(), true)
	d.login(t.Context(), false)
	if _, err := d.dispatcher.RunOnce(t.Context()); err != nil {
		t.Fatal(err)
	}

	for _, c := range []struct {
		metric prometheus.Collector
		want   float64
	}{
		{m.loginCalls.WithLabelValues("begin_login", "code_display", "ok"), 2},
		{m.loginCalls.WithLabelValues("submit_code", "", "wrong_code"), 1},
		{m.loginCalls.WithLabelValues("submit_code", "code_display", "ok"), 2},
		{m.loginCalls.WithLabelValues("submit_password", "code_display", "ok"), 2},
		{m.logins.WithLabelValues("code_display", "ok"), 2},
		{m.events.WithLabelValues(string(mitid.EventAuthenticatorFailed)), 1},
		{m.events.WithLabelValues(string(mitid.EventAuthenticatorUsed)), 2},
		{m.notices.WithLabelValues("sent", "sms"), 3}, // the enrolment's notices
		{m.rounds.WithLabelValues("ok"), 1},
	} {
		if got := testutil.ToFloat64(c.metric); got != c.want {
			desc := make(chan *prometheus.Desc, 1)
			c.metric.Describe(desc)
			t.Errorf("%v = %v, want %v", <-desc, got, c.want)
		}
	}
	if n := testutil.CollectAndCount(m.loginLatency); n != 4 {
		t.Errorf("latency series for %d calls, want 4 (begin, code, password, finish)", n)
	}
}

// TestMetrics_QueueGauges: a queue report sets the outbox gauges.
func TestMetrics_QueueGauges(t *testing.T) {
	m := NewMetrics(prometheus.NewRegistry())
	now := time.Date(2026, 11, 30, 9, 0, 0, 0, time.UTC)
	m.Observe(mitid.Observation{Outcome: mitid.OutcomeQueue, At: now,
		Stats: mitid.OutboxStats{Waiting: 4, Parked: 1, Oldest: now.Add(-90 * time.Second)}})
	if got := testutil.ToFloat64(m.waiting); got != 4 {
		t.Errorf("waiting = %v", got)
	}
	if got := testutil.ToFloat64(m.parked); got != 1 {
		t.Errorf("parked = %v", got)
	}
	if got := testutil.ToFloat64(m.oldest); got != 90 {
		t.Errorf("oldest age = %v s, want 90", got)
	}
}

// TestServe_MetricsEndpoint: the program serves the metrics of the logins
// its demo runs.
func TestServe_MetricsEndpoint(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() { done <- serve(ctx, ln, 10*time.Millisecond) }()
	defer func() {
		cancel()
		if err := <-done; err != nil && !errors.Is(err, context.Canceled) {
			t.Error(err)
		}
	}()
	url := "http://" + ln.Addr().String() + "/metrics"
	var body string
	for range 200 {
		resp, err := http.Get(url) //nolint:gosec // G107: the URL of the test server on its own listener
		if err == nil {
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			body = string(b)
			if strings.Contains(body, `mitid_logins_total{method="code_display",outcome="ok"}`) &&
				strings.Contains(body, "mitid_dispatch_rounds_total") {
				return
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Errorf("no login counted at /metrics:\n%s", body)
}
