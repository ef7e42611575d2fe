package web_test

import (
	"context"
	"crypto/rand"
	"fmt"
	"html/template"
	"net/http"
	"net/http/httptest"

	"github.com/go-mitid/mitid"
	"github.com/go-mitid/mitid/store/memory"
	"github.com/go-mitid/mitid/web"
)

// A relying party mounts the login under /mitid and puts the login box on
// its own page; the payment's text and level come from its own state, never
// from the browser.
func Example() {
	keys, _ := mitid.NewRandomKeyRing(rand.Reader) // production: keys from the secret store
	svc, _ := mitid.New(mitid.Config{Store: memory.New(), Keys: keys})

	h, err := web.New(web.Config{
		Service:      svc,
		Origin:       "https://bank.example",
		RelyingParty: "bank.example",
		Prepare: func(r *http.Request, b web.BeginRequest) (mitid.LoginRequest, error) {
			// b.Context names the payment; look it up in your own store.
			return mitid.LoginRequest{Action: mitid.ActionApprove, Text: "Pay 1.250,00 kr. to Elselskabet A/S", Level: mitid.LevelSubstantial}, nil
		},
		Finished: func(w http.ResponseWriter, r *http.Request, res *mitid.LoginResult) (string, error) {
			// Start your own session for res.User here.
			return "/paid", nil
		},
	})
	if err != nil {
		panic(err)
	}
	page := template.Must(template.New("pay").Parse(`<!doctype html><html lang="en"><head><title>Pay</title>{{.Scripts}}</head>
<body><main>{{.Box}}</main></body></html>`))

	mux := http.NewServeMux()
	mux.Handle("/mitid/", http.StripPrefix("/mitid", h))
	mux.Handle("GET /pay", web.SecureHeaders(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_ = page.Execute(w, map[string]template.HTML{
			"Scripts": web.Scripts("/mitid"),
			"Box":     web.LoginBox(web.LoginBoxOptions{Base: "/mitid", Context: "payment-42", Title: "Approve the payment with MitID"}),
		})
	})))

	// A user ID nobody has: a JSON error with its code and status.
	rec := httptest.NewRecorder()
	req := httptest.NewRequestWithContext(context.Background(), http.MethodGet, "/mitid/csrf", nil)
	mux.ServeHTTP(rec, req)
	fmt.Println(rec.Code, rec.Header().Get("X-Frame-Options"))
	// Output: 200 DENY
}
