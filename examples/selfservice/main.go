// Command selfservice is the citizen's own MitID site on go-mitid, as
// MitID.dk works: log on; see the authenticators, block one, request access
// to a new chip, wait the 24 hours and connect it; activate a new
// authenticator with an activation code; change the user ID, contact details
// and notification channels; read the activity log.
//
//	go run ./examples/selfservice                 # memory store, demo people
//	go run ./examples/selfservice -dsn postgres://…  # or MITID_DSN=…
//
// It prints its URL. In demo mode (the default) a button skips the clock 24
// hours ahead and /demo lists the demo people and their codes.
package main

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"html/template"
	"net/http"
	"sync"
	"time"

	"github.com/google/uuid"

	"github.com/go-mitid/mitid"
	"github.com/go-mitid/mitid/examples/internal/demo"
	"github.com/go-mitid/mitid/web"
)

func main() {
	demo.Main("MitID self-service (go-mitid example)", "localhost:8081", newServer)
}

// Close releases the site's store.
func (s *server) Close() { s.demo.Close() }

// server is the self-service site.
type server struct {
	http.Handler
	demo     *demo.Demo
	svc      *mitid.Service
	mitid    *web.Handler
	demoMode bool
	pages    map[string]*template.Template

	mu       sync.Mutex
	sessions map[string]uuid.UUID // by the ss-session cookie
	logins   map[string]string    // the MitID login of each session, a proof for step B of a chip
}

func newServer(ctx context.Context, o demo.Options, demoMode bool) (*server, error) {
	d, err := demo.New(ctx, o)
	if err != nil {
		return nil, err
	}
	s := &server{demo: d, svc: d.Service, demoMode: demoMode, sessions: map[string]uuid.UUID{}, logins: map[string]string{}, pages: demo.Templates(pages)}
	s.mitid, err = web.New(web.Config{Service: d.Service, Origin: o.Origin, RelyingParty: "MitID self-service",
		Prepare: func(*http.Request, web.BeginRequest) (mitid.LoginRequest, error) {
			return mitid.LoginRequest{Action: mitid.ActionLogOn, Text: "Log on to MitID self-service", Level: mitid.LevelSubstantial}, nil
		},
		Finished: s.finished, User: s.user, LoginProof: s.loginProof,
		Begun: func(_ *http.Request, b web.BeginRequest, l *mitid.Login) {
			if demoMode {
				d.Begun(b.UserID, l)
			}
		}})
	if err != nil {
		return nil, err
	}
	m := http.NewServeMux()
	m.Handle("/mitid/", http.StripPrefix("/mitid", s.mitid))
	m.HandleFunc("GET /static/site.css", demo.ServeCSS)
	m.HandleFunc("GET /{$}", s.home)
	m.HandleFunc("GET /activate", s.activatePage)
	m.HandleFunc("POST /activate", s.form(false, s.activate))
	m.HandleFunc("GET /authenticators", s.authed(s.authenticators))
	m.HandleFunc("POST /authenticators/{id}/block", s.form(true, s.block))
	m.HandleFunc("POST /authenticators/request-chip", s.form(true, s.requestChip))
	m.HandleFunc("GET /contact", s.authed(s.contact))
	m.HandleFunc("POST /contact", s.form(true, s.changeContact))
	m.HandleFunc("POST /user-id", s.form(true, s.changeUserID))
	m.HandleFunc("GET /activity", s.authed(s.activity))
	m.HandleFunc("GET /order", s.authed(s.orderPage))
	m.HandleFunc("POST /order", s.placeOrder)
	m.HandleFunc("GET /orders/{number}", s.authed(s.receipt))
	m.HandleFunc("POST /logout", s.form(true, s.logout))
	if demoMode {
		m.HandleFunc("POST /demo/clock", s.form(true, func(w http.ResponseWriter, r *http.Request, _ uuid.UUID) (string, error) {
			s.demo.Clock.Advance(24 * time.Hour)
			return "The demo clock moved 24 hours ahead.", nil
		}))
		m.HandleFunc("GET /demo", func(w http.ResponseWriter, r *http.Request) {
			flash, errText := s.demo.Notes(r)
			demo.Render(w, s.pages["demo"], demo.Page{Site: "MitID self-service", Title: "Demo people", Nav: nav,
				Flash: flash, Error: errText,
				Data: map[string]any{"People": s.demo.People, "CSRF": s.mitid.CSRFToken(w, r)}})
		})
		m.HandleFunc("POST /demo/phone/{user}", d.PhoneHandler(s.mitid.CheckForm))
	}
	s.Handler = web.SecureHeaders(m)
	return s, nil
}

func (s *server) finished(w http.ResponseWriter, _ *http.Request, res *mitid.LoginResult) (string, error) {
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	token := base64.RawURLEncoding.EncodeToString(b)
	s.mu.Lock()
	s.sessions[token], s.logins[token] = res.User, res.Login
	s.mu.Unlock()
	http.SetCookie(w, &http.Cookie{Name: "ss-session", Value: token, Path: "/", HttpOnly: true, SameSite: http.SameSiteStrictMode}) //nolint:gosec // G124: the demo serves plain http on localhost, where a Secure cookie is dropped; HttpOnly and SameSite are set
	return "/authenticators", nil
}

// user is who is logged on.
func (s *server) user(r *http.Request) (uuid.UUID, bool) {
	c, err := r.Cookie("ss-session")
	if err != nil {
		return uuid.Nil, false
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	u, ok := s.sessions[c.Value]
	return u, ok
}

// loginProof is the MitID login the person logged on with: connecting a
// chip after its access request asks for it (within the login's ten
// minutes; after that, log on again).
func (s *server) loginProof(r *http.Request) string {
	c, err := r.Cookie("ss-session")
	if err != nil {
		return ""
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.logins[c.Value]
}

// authed serves a page to a logged-on person, or sends them to log on.
func (s *server) authed(fn func(w http.ResponseWriter, r *http.Request, u uuid.UUID)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		u, ok := s.user(r)
		if !ok {
			http.Redirect(w, r, "/", http.StatusSeeOther)
			return
		}
		fn(w, r, u)
	}
}

// form guards a form post (origin, CSRF token, logged on where asked) and
// sends the browser back to the page it came from with what happened.
func (s *server) form(needUser bool, fn func(w http.ResponseWriter, r *http.Request, u uuid.UUID) (string, error)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		r.Body = http.MaxBytesReader(w, r.Body, 16<<10)
		if err := s.mitid.CheckForm(r); err != nil {
			http.Error(w, err.Error(), http.StatusForbidden)
			return
		}
		u, ok := s.user(r)
		if needUser && !ok {
			http.Redirect(w, r, "/", http.StatusSeeOther)
			return
		}
		back := demo.LocalPath(r.PostFormValue("back"))
		msg, err := fn(w, r, u)
		if err != nil {
			msg = demo.Message(err)
		}
		http.Redirect(w, r, s.demo.NoteURL(back, msg, err != nil), http.StatusSeeOther) //nolint:gosec // G710: back is a path on this site (checked above), the rest is query-encoded
	}
}

var nav = []demo.NavItem{{Href: "/authenticators", Label: "Authenticators"}, {Href: "/contact", Label: "Contact details"},
	{Href: "/activity", Label: "Activity log"}, {Href: "/order", Label: "Order"}, {Href: "/activate", Label: "Activate"}, {Href: "/demo", Label: "Demo people"}}

// view is what every page body gets.
type view struct {
	CSRF string
	Demo bool
	Now  time.Time
	Data any
}

func (s *server) page(w http.ResponseWriter, r *http.Request, name, title string, _ uuid.UUID, errText string, data any) {
	flash, noteErr := s.demo.Notes(r)
	p := demo.Page{Site: "MitID self-service", Title: title, Nav: nav, Scripts: web.Scripts("/mitid"),
		Flash: flash, Error: noteErr,
		Data: view{CSRF: s.mitid.CSRFToken(w, r), Demo: s.demoMode, Now: s.demo.Clock.Now(), Data: data}}
	if errText != "" {
		p.Error = errText
	}
	demo.Render(w, s.pages[name], p)
}

func (s *server) home(w http.ResponseWriter, r *http.Request) {
	if _, ok := s.user(r); ok {
		http.Redirect(w, r, "/authenticators", http.StatusSeeOther)
		return
	}
	s.page(w, r, "home", "Log on to MitID", uuid.Nil, "", web.LoginBox(web.LoginBoxOptions{Base: "/mitid"}))
}
