// Command relyingparty is a relying party (a bank) on go-mitid: it logs a
// person on with the MitID login box and has a payment approved with its
// transaction text, and shows the levels the login reached (IAL, AAL, LoA).
//
//	go run ./examples/relyingparty                 # memory store, demo people
//	go run ./examples/relyingparty -dsn postgres://…  # or MITID_DSN=…
//
// It prints its URL. In demo mode (the default) /demo lists the demo people
// and the codes their simulated code displays show now.
package main

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"html/template"
	"net/http"
	"sync"

	"github.com/go-mitid/mitid"
	"github.com/go-mitid/mitid/examples/internal/demo"
	"github.com/go-mitid/mitid/web"
)

// payment is the one bill the demo bank has its customer approve.
const payment = "Pay 1.250,00 kr. to Elselskabet A/S from account 1234-567890"

func main() {
	demo.Main("Demo Bank (a relying party on go-mitid)", "localhost:8080", newServer)
}

// Close releases the site's store.
func (s *server) Close() { s.demo.Close() }

// server is the bank's site.
type server struct {
	http.Handler
	demo     *demo.Demo
	mitid    *web.Handler
	demoMode bool
	pages    map[string]*template.Template

	mu       sync.Mutex
	sessions map[string]*session // by the rp-session cookie
}

// session is what the bank remembers of a finished login.
type session struct {
	Result  web.ResultView
	Payment string // the text approved, when it was a payment
}

func newServer(ctx context.Context, o demo.Options, demoMode bool) (*server, error) {
	origin := o.Origin
	d, err := demo.New(ctx, o)
	if err != nil {
		return nil, err
	}
	s := &server{demo: d, demoMode: demoMode, sessions: map[string]*session{}, pages: demo.Templates(pages)}
	s.mitid, err = web.New(web.Config{Service: d.Service, Origin: origin, RelyingParty: "Demo Bank",
		Prepare: s.prepare, Finished: s.finished, Begun: s.begun})
	if err != nil {
		return nil, err
	}
	mux := http.NewServeMux()
	mux.Handle("/mitid/", http.StripPrefix("/mitid", s.mitid))
	mux.HandleFunc("GET /static/site.css", demo.ServeCSS)
	mux.HandleFunc("GET /{$}", s.home)
	mux.HandleFunc("GET /login", s.login)
	mux.HandleFunc("GET /pay", s.pay)
	mux.HandleFunc("GET /done", s.done)
	if demoMode {
		mux.HandleFunc("GET /demo", s.demoPage)
		mux.HandleFunc("POST /demo/phone/{user}", d.PhoneHandler(s.mitid.CheckForm))
	}
	s.Handler = web.SecureHeaders(mux)
	return s, nil
}

// prepare sets the login's action, text and level from the bank's own
// state: the browser only says which page it is on.
func (s *server) prepare(_ *http.Request, b web.BeginRequest) (mitid.LoginRequest, error) {
	if b.Context == "payment" {
		return mitid.LoginRequest{Action: mitid.ActionApprove, Text: payment, Level: mitid.LevelSubstantial}, nil
	}
	return mitid.LoginRequest{Action: mitid.ActionLogOn, Text: "Log on to Demo Bank", Level: mitid.LevelSubstantial}, nil
}

// begun hands a login to the demo's simulated phone, in demo mode.
func (s *server) begun(_ *http.Request, b web.BeginRequest, l *mitid.Login) {
	if s.demoMode {
		s.demo.Begun(b.UserID, l)
	}
}

// finished starts the bank's own session.
func (s *server) finished(w http.ResponseWriter, _ *http.Request, res *mitid.LoginResult) (string, error) {
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	token := base64.RawURLEncoding.EncodeToString(b)
	sess := &session{Result: web.NewResultView(res)}
	if sum := sha256.Sum256([]byte(payment)); res.Action == mitid.ActionApprove && res.TextHash == sum {
		sess.Payment = payment // the person saw and approved exactly this text
	}
	s.mu.Lock()
	s.sessions[token] = sess
	s.mu.Unlock()
	http.SetCookie(w, &http.Cookie{Name: "rp-session", Value: token, Path: "/", HttpOnly: true, SameSite: http.SameSiteLaxMode}) //nolint:gosec // G124: the demo serves plain http on localhost, where a Secure cookie is dropped; HttpOnly and SameSite are set
	return "/done", nil
}

var nav = []demo.NavItem{{Href: "/", Label: "Home"}, {Href: "/login", Label: "Log on"}, {Href: "/pay", Label: "Pay a bill"}, {Href: "/demo", Label: "Demo people"}}

func (s *server) page(w http.ResponseWriter, name, title string, scripts bool, data any) {
	p := demo.Page{Site: "Demo Bank", Title: title, Nav: nav, Data: data}
	if scripts {
		p.Scripts = web.Scripts("/mitid")
	}
	demo.Render(w, s.pages[name], p)
}

func (s *server) home(w http.ResponseWriter, r *http.Request) {
	s.page(w, "home", "Welcome to Demo Bank", false, nil)
}

func (s *server) login(w http.ResponseWriter, r *http.Request) {
	s.page(w, "login", "Log on", true, web.LoginBox(web.LoginBoxOptions{Base: "/mitid", Context: "logon"}))
}

func (s *server) pay(w http.ResponseWriter, r *http.Request) {
	s.page(w, "pay", "Pay a bill", true, map[string]any{"Payment": payment,
		"Box": web.LoginBox(web.LoginBoxOptions{Base: "/mitid", Context: "payment", Title: "Approve the payment with MitID"})})
}

func (s *server) done(w http.ResponseWriter, r *http.Request) {
	var sess *session
	if c, err := r.Cookie("rp-session"); err == nil {
		s.mu.Lock()
		sess = s.sessions[c.Value]
		s.mu.Unlock()
	}
	if sess == nil {
		http.Redirect(w, r, "/login", http.StatusSeeOther)
		return
	}
	title := "You are logged on"
	if sess.Payment != "" {
		title = "Payment approved"
	}
	s.page(w, "done", title, false, map[string]any{"S": sess})
}

func (s *server) demoPage(w http.ResponseWriter, r *http.Request) {
	flash, errText := s.demo.Notes(r)
	p := demo.Page{Site: "Demo Bank", Title: "Demo people", Nav: nav, Flash: flash, Error: errText,
		Data: map[string]any{"People": s.demo.People, "CSRF": s.mitid.CSRFToken(w, r)}}
	demo.Render(w, s.pages["demo"], p)
}

var pages = map[string]string{
	"home": `<p>Log on to see your accounts, or approve a payment. Both use MitID.</p>
<ul><li><a href="/login">Log on with MitID</a></li><li><a href="/pay">Pay a bill</a></li></ul>`,
	"login": `{{.Data}}`,
	"pay": `<section class="payment" aria-labelledby="payment-title">
<h2 id="payment-title">The payment</h2>
<p id="payment-text">{{.Data.Payment}}</p>
</section>
{{.Data.Box}}`,
	"done": `{{with .Data.S}}
{{if .Payment}}<p id="approved">You approved: <strong>{{.Payment}}</strong></p>{{end}}
<dl id="levels">
<dt>User ID</dt><dd id="user-id">{{.Result.UserID}}</dd>
<dt>Action</dt><dd>{{.Result.Action}}</dd>
<dt>Method</dt><dd id="method">{{.Result.Method}}</dd>
<dt>Identity level (IAL)</dt><dd id="ial">{{.Result.IAL}}</dd>
<dt>Authentication level (AAL)</dt><dd id="aal">{{.Result.AAL}}</dd>
<dt>Level of assurance (LoA)</dt><dd id="loa">{{.Result.LoA}}</dd>
</dl>{{end}}`,
	"demo": demo.PeopleTable,
}
