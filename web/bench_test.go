package web_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/go-mitid/mitid"
	"github.com/go-mitid/mitid/web"
)

// BenchmarkLogin_CodeDisplay is a complete code-display login (begin, code,
// password, which finishes it: LoginRequest.FinishAtLastFactor, as the
// Handler begins every login) through direct Service calls and through the
// Handler over loopback HTTP (three JSON requests on a kept-alive
// connection), on the
// memory store, so that what HTTP adds shows as the ratio of the two: with
// cheap password hashing (the fixed cost of HTTP laid bare) and with
// DefaultPolicy's argon2id (what a deployment pays). Each login moves the fake clock to the code
// display's next 30-second step (a code is accepted once).
func BenchmarkLogin_CodeDisplay(b *testing.B) {
	for _, hashing := range []struct {
		name  string
		cheap bool
	}{{"cheap-hashing", true}, {"mitid-hashing", false}} {
		b.Run(hashing.name, func(b *testing.B) { benchLogin(b, hashing.cheap) })
	}
}

func benchLogin(b *testing.B, cheap bool) {
	b.Run("direct", func(b *testing.B) {
		s := newSiteWith(b, cheap)
		ctx := context.Background()
		b.ReportAllocs()
		for b.Loop() {
			s.clock.Advance(30 * time.Second)
			l, err := s.svc.BeginLogin(ctx, mitid.LoginRequest{UserID: "anna.web", Action: mitid.ActionLogOn, Text: "Log on to bank.example", Level: mitid.LevelSubstantial, RelyingParty: "bank.example",
				FinishAtLastFactor: true})
			if err != nil {
				b.Fatal(err)
			}
			if _, err := s.svc.SubmitCode(ctx, l.ID, s.code(b)); err != nil {
				b.Fatal(err)
			}
			if l, err = s.svc.SubmitPassword(ctx, l.ID, password); err != nil || l.Result == nil {
				b.Fatal(err, "or no result")
			}
		}
	})
	b.Run("http", func(b *testing.B) {
		s := newSiteWith(b, cheap)
		b.ReportAllocs()
		for b.Loop() {
			s.clock.Advance(30 * time.Second)
			var l web.LoginView
			s.call(b, "/login", `{"user_id":"anna.web"}`, &l)
			s.call(b, "/login/"+l.ID+"/code", `{"code":"`+s.code(b)+`"}`, &l)
			s.call(b, "/login/"+l.ID+"/password", `{"password":"`+password+`"}`, &l)
			if l.Result == nil {
				b.Fatal("no result")
			}
		}
	})
}

// BenchmarkLoopbackFloor is the raw primitive the HTTP login wraps: three
// small JSON POSTs over the same kind of kept-alive loopback connection to a
// handler that answers {} — what any HTTP layer pays before doing anything.
func BenchmarkLoopbackFloor(b *testing.B) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte("{}"))
	}))
	defer srv.Close()
	client := srv.Client()
	b.ReportAllocs()
	for b.Loop() {
		for range 3 {
			resp, err := client.Post(srv.URL+"/x", "application/json", strings.NewReader(`{"code":"123456"}`))
			if err != nil {
				b.Fatal(err)
			}
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
		}
	}
}
