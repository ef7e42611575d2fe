// Command prometheus shows go-mitid's Observer feeding Prometheus: a
// Service and its Dispatcher report to Metrics (metrics.go), and /metrics
// serves them beside a tiny demo that logs a citizen in every few seconds,
// now and then with a wrong code first.
//
//	cd examples/prometheus && go run . -addr 127.0.0.1:9464
//	curl -s http://127.0.0.1:9464/metrics | grep ^mitid_
//
// This example is a module of its own (see go.mod), so the Prometheus
// client is a dependency of the example only, never of go-mitid: a
// program that imports go-mitid links no metrics library it did not ask
// for.
//
// The demo's Service is the test kit's (mitidtest): an in-memory store, a
// simulated clock and simulated devices. In production the Observer is
// set the same way, in mitid.Config.Observer, and the Dispatcher built by
// Service.Dispatcher reports to it too.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/go-mitid/mitid"
	"github.com/go-mitid/mitid/mitidtest"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:9464", "where to serve /metrics")
	every := flag.Duration("every", 2*time.Second, "how often the demo logs someone in")
	flag.Parse()
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("metrics on http://%s/metrics\n", ln.Addr())
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	err = serve(ctx, ln, *every)
	stop() // before log.Fatal, which skips deferred calls
	if err != nil && !errors.Is(err, context.Canceled) {
		log.Fatal(err)
	}
}

// serve runs the demo and serves its metrics on ln until ctx ends.
func serve(ctx context.Context, ln net.Listener, every time.Duration) error {
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector())
	d := newDemo(ctx, NewMetrics(reg))
	srv := &http.Server{Handler: handler(reg), ReadHeaderTimeout: 5 * time.Second}
	go func() {
		<-ctx.Done()
		sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(sctx)
	}()
	go d.dispatcher.Run(ctx, every) //nolint:errcheck // it ends with ctx
	go func() {
		t := time.NewTicker(every)
		defer t.Stop()
		for i := 0; ; i++ {
			// A login under way finishes even when the server stops.
			d.login(context.WithoutCancel(ctx), i%3 == 0)
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			}
		}
	}()
	if err := srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return ctx.Err()
}

// handler serves /metrics from reg, and a line saying what this is at /.
func handler(reg *prometheus.Registry) http.Handler {
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{}))
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		fmt.Fprintln(w, "go-mitid with a Prometheus Observer: see /metrics")
	})
	return mux
}

// demo is a Service with one citizen who logs in by code display.
type demo struct {
	env        *mitidtest.Env
	anna       *mitidtest.Person
	dispatcher *mitid.Dispatcher
}

// newDemo builds the demo's Service, reporting to obs.
func newDemo(ctx context.Context, obs mitid.Observer) *demo {
	t := runner{ctx: ctx}
	env := mitidtest.New(t, mitidtest.WithConfig(func(c *mitid.Config) {
		c.Observer = obs
		c.Logger = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	}))
	anna := env.Enrol(t, "anna-hansen", mitid.LevelSubstantial, mitid.KindCodeDisplay)
	return &demo{env: env, anna: anna, dispatcher: env.Service.Dispatcher(mitid.DispatcherConfig{StatsEvery: time.Second})}
}

// login logs Anna in once, after a wrong code when wrong is set. The
// simulated clock moves 30 seconds first, so the device shows a new code.
func (d *demo) login(ctx context.Context, wrong bool) {
	d.env.Clock.Advance(30 * time.Second)
	t := runner{ctx: ctx}
	l := d.env.Begin(t, d.anna, mitid.LevelSubstantial)
	if wrong {
		_, _ = d.env.Service.SubmitCode(ctx, l.ID, "000000")
	}
	l = d.env.Complete(t, d.anna, l)
	if _, err := d.env.Service.FinishLogin(ctx, l.ID); err != nil {
		log.Printf("finish: %v", err)
	}
}

// runner stands in for the *testing.T the test kit expects: this is a
// program, so a failure ends it.
type runner struct{ ctx context.Context }

func (runner) Helper()                        {}
func (runner) Cleanup(func())                 {}
func (runner) Errorf(format string, a ...any) { log.Fatalf(format, a...) }
func (runner) Fatalf(format string, a ...any) { log.Fatalf(format, a...) }
func (r runner) Context() context.Context     { return r.ctx }
