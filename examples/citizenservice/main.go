// Command citizenservice is the Citizen Service desk (Borgerservice) on
// go-mitid: an operator finds the person by user ID or CPR number, records
// the picture ID they show (an expired one is refused), proves who they are
// with control questions from the CPR register or with a witness, who
// confirms with their own MitID on the same page (the login's text names the
// act), blocks the defective authenticator and hands out a paper activation
// code.
//
//	go run ./examples/citizenservice                 # memory store, demo people
//	go run ./examples/citizenservice -dsn postgres://…  # or MITID_DSN=…
//
// It prints its URL. In demo mode (the default) the demo clock starts 31
// days ahead, so that the demo people's MitIDs are old enough for them to be
// witnesses, and /demo lists the demo people, their codes and a phone.
package main

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"html/template"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/google/uuid"

	"github.com/go-mitid/mitid"
	"github.com/go-mitid/mitid/examples/internal/demo"
	"github.com/go-mitid/mitid/web"
)

func main() {
	demo.Main("MitID Citizen Service desk (go-mitid example)", "localhost:8083", newServer)
}

// Close releases the site's store.
func (s *server) Close() { s.demo.Close() }

// witnessAge is how far the demo clock starts ahead: beyond the 30 days a
// witness's MitID must have been active.
const witnessAge = 31 * 24 * time.Hour

// server is the desk site.
type server struct {
	http.Handler
	demo     *demo.Demo
	svc      *mitid.Service
	mitid    *web.Handler
	demoMode bool
	pages    map[string]*template.Template

	mu      sync.Mutex
	desks   map[string]string // the operator's name, by the desk-session cookie
	visits  map[string]*visit // open visits, by the Service's proofing ID
	byLogin map[string]string // witness logins begun, to their visit
}

// visit is a desk visit as this site follows it.
type visit struct {
	desk     string // the desk session that opened it: only it sees the visit
	proofing *mitid.Proofing
	// witnessLogin is the finished MitID login of a witness, and
	// witnessUser who logged in; ConfirmWitness checks both.
	witnessLogin string
	witnessUser  uuid.UUID
}

func newServer(ctx context.Context, o demo.Options, demoMode bool) (*server, error) {
	d, err := demo.New(ctx, o)
	if err != nil {
		return nil, err
	}
	if demoMode {
		d.Clock.Advance(witnessAge)
	}
	s := &server{demo: d, svc: d.Service, demoMode: demoMode, pages: templates(),
		desks: map[string]string{}, visits: map[string]*visit{}, byLogin: map[string]string{}}
	s.mitid, err = web.New(web.Config{Service: d.Service, Origin: o.Origin, RelyingParty: "Citizen Service",
		Prepare: s.prepareWitness, Begun: s.begun, Finished: s.finished})
	if err != nil {
		d.Close()
		return nil, err
	}
	m := http.NewServeMux()
	m.Handle("/mitid/", http.StripPrefix("/mitid", s.mitid))
	m.HandleFunc("GET /static/site.css", demo.ServeCSS)
	m.HandleFunc("GET /{$}", s.home)
	m.HandleFunc("POST /find", s.form(false, s.find))
	m.HandleFunc("GET /people/{id}", s.desk(s.person))
	m.HandleFunc("POST /people/{id}/visit", s.form(true, s.startVisit))
	m.HandleFunc("GET /visits/{id}", s.desk(s.visitPage))
	m.HandleFunc("POST /visits/{id}/answers", s.form(true, s.answers))
	m.HandleFunc("POST /visits/{id}/witness", s.form(true, s.witness))
	m.HandleFunc("POST /visits/{id}/complete", s.complete)
	if demoMode {
		m.HandleFunc("GET /demo", func(w http.ResponseWriter, r *http.Request) {
			flash, errText := s.demo.Notes(r)
			demo.Render(w, s.pages["demo"], demo.Page{Site: site, Title: "Demo people", Nav: nav,
				Flash: flash, Error: errText,
				Data: map[string]any{"People": s.demo.People, "CSRF": s.mitid.CSRFToken(w, r)}})
		})
		m.HandleFunc("POST /demo/phone/{user}", d.PhoneHandler(s.mitid.CheckForm))
	}
	s.Handler = web.SecureHeaders(m)
	return s, nil
}

const site = "Citizen Service — MitID desk"

var nav = []demo.NavItem{{Href: "/", Label: "Find a person"}, {Href: "/demo", Label: "Demo people"}}

// operator is the name of the operator at this desk session, if any.
func (s *server) operator(r *http.Request) (token, name string) {
	c, err := r.Cookie("desk-session")
	if err != nil {
		return "", ""
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return c.Value, s.desks[c.Value]
}

// ownVisit returns the visit id when the desk session r opened it.
func (s *server) ownVisit(r *http.Request, id string) (*visit, bool) {
	token, name := s.operator(r)
	s.mu.Lock()
	defer s.mu.Unlock()
	v, ok := s.visits[id]
	if !ok || name == "" || v.desk != token {
		return nil, false
	}
	return v, true
}

// prepareWitness makes the witness's login: a confirmation whose text is
// the visit's witness text, for a visit this desk session opened; never
// from what the browser says.
func (s *server) prepareWitness(r *http.Request, b web.BeginRequest) (mitid.LoginRequest, error) {
	v, ok := s.ownVisit(r, b.Context)
	if !ok {
		return mitid.LoginRequest{}, mitid.NewError(mitid.CodeSessionNotFound, nil, "there is no open visit at this desk for this login")
	}
	return mitid.LoginRequest{Action: mitid.ActionConfirm, Text: v.proofing.WitnessText, Level: mitid.LevelSubstantial}, nil
}

func (s *server) begun(r *http.Request, b web.BeginRequest, l *mitid.Login) {
	s.mu.Lock()
	s.byLogin[l.ID] = b.Context
	s.mu.Unlock()
	if s.demoMode {
		s.demo.Begun(b.UserID, l)
	}
}

// finished keeps the witness's login for their confirmation; the
// Service, not this site, checks it is theirs and named this visit.
func (s *server) finished(_ http.ResponseWriter, r *http.Request, res *mitid.LoginResult) (string, error) {
	s.mu.Lock()
	id := s.byLogin[res.Login]
	delete(s.byLogin, res.Login)
	v, ok := s.visits[id]
	if ok {
		v.witnessLogin, v.witnessUser = res.Login, res.User
	}
	s.mu.Unlock()
	if !ok {
		return "", mitid.NewError(mitid.CodeSessionNotFound, nil, "the visit is closed")
	}
	return "/visits/" + id, nil
}

// desk serves a page to an operator who has given their name.
func (s *server) desk(fn func(w http.ResponseWriter, r *http.Request)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if _, name := s.operator(r); name == "" {
			http.Redirect(w, r, "/", http.StatusSeeOther)
			return
		}
		fn(w, r)
	}
}

// form guards a form post (origin, CSRF token, an operator where asked)
// and sends the browser on, or back with what went wrong.
func (s *server) form(needOperator bool, fn func(w http.ResponseWriter, r *http.Request) (next string, err error)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		r.Body = http.MaxBytesReader(w, r.Body, 16<<10)
		if err := s.mitid.CheckForm(r); err != nil {
			http.Error(w, err.Error(), http.StatusForbidden)
			return
		}
		if _, name := s.operator(r); needOperator && name == "" {
			http.Redirect(w, r, "/", http.StatusSeeOther)
			return
		}
		back := demo.LocalPath(r.PostFormValue("back"))
		next, err := fn(w, r)
		if err != nil {
			http.Redirect(w, r, s.demo.NoteURL(back, demo.Message(err), true), http.StatusSeeOther)
			return
		}
		http.Redirect(w, r, next, http.StatusSeeOther)
	}
}

// page renders a page of the desk.
func (s *server) page(w http.ResponseWriter, r *http.Request, name, title string, scripts bool, data any) {
	flash, errText := s.demo.Notes(r)
	p := demo.Page{Site: site, Title: title, Nav: nav, Flash: flash, Error: errText,
		Data: view{CSRF: s.mitid.CSRFToken(w, r), Demo: s.demoMode, Now: s.demo.Clock.Now(), Data: data}}
	if scripts {
		p.Scripts = web.Scripts("/mitid")
	}
	demo.Render(w, s.pages[name], p)
}

// view is what every page body gets.
type view struct {
	CSRF string
	Demo bool
	Now  time.Time
	Data any
}

func (s *server) home(w http.ResponseWriter, r *http.Request) {
	_, name := s.operator(r)
	s.page(w, r, "home", "Find the person", false, name)
}

// find starts a desk session for the operator and finds the person by
// user ID or CPR number.
func (s *server) find(w http.ResponseWriter, r *http.Request) (string, error) {
	name := strings.Join(strings.Fields(r.PostFormValue("operator")), " ")
	if name == "" || len(name) > 100 {
		return "", mitid.NewError(mitid.CodeProofingFailed, nil, "write your name as the operator: it is recorded with every step")
	}
	token, _ := s.operator(r)
	s.mu.Lock()
	if _, ok := s.desks[token]; !ok {
		b := make([]byte, 32)
		_, _ = rand.Read(b)
		token = base64.RawURLEncoding.EncodeToString(b)
		http.SetCookie(w, &http.Cookie{Name: "desk-session", Value: token, Path: "/", HttpOnly: true, SameSite: http.SameSiteStrictMode}) //nolint:gosec // G124: the demo serves plain http on localhost, where a Secure cookie is dropped; HttpOnly and SameSite are set
	}
	s.desks[token] = name
	s.mu.Unlock()
	who := strings.TrimSpace(r.PostFormValue("who"))
	var u *mitid.User
	var err error
	if _, perr := mitid.ParseCPR(who); perr == nil {
		u, err = s.svc.UserByCPR(r.Context(), who)
	} else {
		u, err = s.svc.UserByUserID(r.Context(), who)
	}
	if errors.Is(err, mitid.ErrNotFound) || errors.Is(err, mitid.ErrInvalid) {
		return "", mitid.NewError(mitid.CodeUserNotFound, err, "nobody has MitID with this user ID or CPR number")
	}
	if err != nil {
		return "", err
	}
	return "/people/" + u.ID.String(), nil
}
