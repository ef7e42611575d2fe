package main

import (
	"github.com/prometheus/client_golang/prometheus"

	"github.com/go-mitid/mitid"
)

// Metrics is a mitid.Observer that keeps Prometheus metrics of a Service
// and its Dispatcher. It lives in its own module so that go-mitid itself
// never depends on a metrics library: any other system (OpenTelemetry, a
// StatsD client) is adapted the same way, by one Observe method.
//
// Every label is a stable, bounded value of the library (a LoginCall, a
// Method, an error Code, an EventType, a Channel, an Outcome): never a
// user, a login or anything a person typed, so the number of series stays
// small and the metrics hold nothing personal.
type Metrics struct {
	loginCalls   *prometheus.CounterVec
	loginLatency *prometheus.HistogramVec
	logins       *prometheus.CounterVec
	commits      prometheus.Counter
	events       *prometheus.CounterVec
	notices      *prometheus.CounterVec
	rounds       *prometheus.CounterVec
	waiting      prometheus.Gauge
	parked       prometheus.Gauge
	oldest       prometheus.Gauge
}

// NewMetrics registers go-mitid's metrics with reg and returns the
// Observer that keeps them.
func NewMetrics(reg prometheus.Registerer) *Metrics {
	m := &Metrics{
		loginCalls: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "mitid_login_calls_total",
			Help: "Returns of a login call, by call, method (empty when the call failed) and outcome (ok or the error code)."},
			[]string{"call", "method", "outcome"}),
		loginLatency: prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "mitid_login_call_duration_seconds",
			Help:    "How long a login call took, by call.",
			Buckets: []float64{.001, .005, .01, .025, .05, .1, .25, .5, 1, 2.5}},
			[]string{"call"}),
		logins: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "mitid_logins_total",
			Help: "Logins finished (by the relying party or as a proof), by method and outcome (ok or the error code)."},
			[]string{"method", "outcome"}),
		commits: prometheus.NewCounter(prometheus.CounterOpts{Name: "mitid_commits_total",
			Help: "Writes the Service committed."}),
		events: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "mitid_events_total",
			Help: "Events committed, by type."}, []string{"type"}),
		notices: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "mitid_notifications_total",
			Help: "What the Dispatcher did with a notification, by outcome (sent, retried, parked, rerouted, unreached) and channel."},
			[]string{"outcome", "channel"}),
		rounds: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "mitid_dispatch_rounds_total",
			Help: "Dispatch rounds, by result (ok, or error when the outbox could not be used)."}, []string{"result"}),
		waiting: prometheus.NewGauge(prometheus.GaugeOpts{Name: "mitid_outbox_waiting",
			Help: "Notifications waiting in the outbox, at the last report."}),
		parked: prometheus.NewGauge(prometheus.GaugeOpts{Name: "mitid_outbox_parked",
			Help: "Notifications parked for good, at the last report."}),
		oldest: prometheus.NewGauge(prometheus.GaugeOpts{Name: "mitid_outbox_oldest_age_seconds",
			Help: "How long the oldest waiting notification has waited, at the last report."}),
	}
	reg.MustRegister(m.loginCalls, m.loginLatency, m.logins, m.commits, m.events, m.notices, m.rounds,
		m.waiting, m.parked, m.oldest)
	return m
}

// Observe updates the metrics of what o reports.
func (m *Metrics) Observe(o mitid.Observation) {
	switch o.Outcome {
	case mitid.OutcomeLogin:
		outcome := string(o.Code)
		if outcome == "" {
			outcome = "ok"
		}
		m.loginCalls.WithLabelValues(string(o.Call), string(o.Method), outcome).Inc()
		m.loginLatency.WithLabelValues(string(o.Call)).Observe(o.Duration.Seconds())
		if o.Call == mitid.CallFinishLogin || o.Call == mitid.CallProveLogin {
			m.logins.WithLabelValues(string(o.Method), outcome).Inc()
		}
	case mitid.OutcomeCommit:
		m.commits.Inc()
		for _, e := range o.Events {
			m.events.WithLabelValues(string(e.Type)).Inc()
		}
	case mitid.OutcomeSent, mitid.OutcomeRetried, mitid.OutcomeParked, mitid.OutcomeRerouted, mitid.OutcomeUnreached:
		channel := ""
		if o.Message != nil {
			channel = string(o.Message.Delivery.Channel)
		}
		m.notices.WithLabelValues(string(o.Outcome), channel).Inc()
	case mitid.OutcomeRound:
		result := "ok"
		if o.Err != nil {
			result = "error"
		}
		m.rounds.WithLabelValues(result).Inc()
	case mitid.OutcomeQueue:
		m.waiting.Set(float64(o.Stats.Waiting))
		m.parked.Set(float64(o.Stats.Parked))
		m.oldest.Set(o.OldestAge().Seconds())
	}
}
