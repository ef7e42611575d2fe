package main

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/go-mitid/mitid"
	"github.com/go-mitid/mitid/examples/internal/demo"
	"github.com/go-mitid/mitid/web"
)

const testOrigin = "http://localhost:1"

// openVisit starts a visit for Anna at desk session "a" and proves it with
// her control questions, through the Service.
func openVisit(t *testing.T) (*server, string) {
	t.Helper()
	s, err := newServer(context.Background(), demo.Options{Origin: testOrigin, CheapHashing: true}, true)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.demo.Close)
	s.desks["a"], s.desks["b"] = "Operator Olsen", "Operator Hansen"
	anna := s.demo.Person("anna.hansen")
	p, err := s.svc.StartProofing(context.Background(), "Operator Olsen", anna.CPR,
		mitid.PictureID{Kind: mitid.IDPassport, Number: anna.Passport, Issuer: "DNK", Expires: s.demo.Clock.Now().AddDate(1, 0, 0)})
	if err != nil {
		t.Fatal(err)
	}
	if p, err = s.svc.AnswerControlQuestions(context.Background(), p.ID, []string{"8000", "Aarhus C", "Anna"}); err != nil {
		t.Fatal(err)
	}
	s.visits[p.ID] = &visit{desk: "a", proofing: p}
	return s, p.ID
}

// do serves a request from desk session desk, with the CSRF token of a
// page it got first when post is set.
func do(s *server, desk, method, path string, form url.Values, origin string, withToken bool) *httptest.ResponseRecorder {
	var token *http.Cookie
	if withToken {
		rec := httptest.NewRecorder()
		req := httptest.NewRequest(http.MethodGet, "/", nil)
		req.AddCookie(&http.Cookie{Name: "desk-session", Value: desk}) //nolint:gosec // G124: a request cookie carries only its name and value; the attributes belong to Set-Cookie
		s.ServeHTTP(rec, req)
		for _, c := range rec.Result().Cookies() {
			if c.Name != "desk-session" {
				token = c
			}
		}
		form.Set("csrf_token", token.Value)
	}
	req := httptest.NewRequest(method, path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", origin)
	req.AddCookie(&http.Cookie{Name: "desk-session", Value: desk}) //nolint:gosec // G124: a request cookie carries only its name and value; the attributes belong to Set-Cookie
	if token != nil {
		req.AddCookie(token)
	}
	rec := httptest.NewRecorder()
	s.ServeHTTP(rec, req)
	return rec
}

// TestDesk_AVisitIsItsDesksOnly proves another desk session, a forged post
// and a post from another origin can neither see a visit nor complete it,
// nor begin a witness login on it; the desk that opened it can.
func TestDesk_AVisitIsItsDesksOnly(t *testing.T) {
	s, id := openVisit(t)
	anna := s.demo.Person("anna.hansen")
	if rec := do(s, "b", http.MethodGet, "/visits/"+id, url.Values{}, testOrigin, false); strings.Contains(rec.Body.String(), s.visits[id].proofing.Reference) {
		t.Error("another desk sees the visit")
	}
	for _, tt := range []struct {
		name, desk, origin string
		token              bool
		want               int
	}{
		{"another desk", "b", testOrigin, true, http.StatusSeeOther},
		{"no CSRF token", "a", testOrigin, false, http.StatusForbidden},
		{"another origin", "a", "https://evil.example", true, http.StatusForbidden},
	} {
		rec := do(s, tt.desk, http.MethodPost, "/visits/"+id+"/complete", url.Values{}, tt.origin, tt.token)
		if rec.Code != tt.want || strings.Contains(rec.Body.String(), "activation-code") {
			t.Errorf("%s: %d, want %d without a code", tt.name, rec.Code, tt.want)
		}
	}
	if u, _ := s.svc.User(context.Background(), anna.User); u.IAL == mitid.LevelHigh {
		t.Fatal("a refused completion raised the identity level")
	}
	req := httptest.NewRequest(http.MethodPost, "/mitid/login", nil)
	req.AddCookie(&http.Cookie{Name: "desk-session", Value: "b"}) //nolint:gosec // G124: a request cookie carries only its name and value; the attributes belong to Set-Cookie
	if _, err := s.prepareWitness(req, web.BeginRequest{UserID: "bo.jensen", Context: id}); mitid.ErrorCode(err) != mitid.CodeSessionNotFound {
		t.Errorf("another desk begins a witness login for the visit: %v", err)
	}
	rec := do(s, "a", http.MethodPost, "/visits/"+id+"/complete", url.Values{}, testOrigin, true)
	if rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), `id="activation-code"`) {
		t.Fatalf("the visit's own desk: %d", rec.Code)
	}
	if u, _ := s.svc.User(context.Background(), anna.User); u.IAL != mitid.LevelHigh {
		t.Fatalf("identity level after the visit: %s", u.IAL)
	}
}

// TestPages_Render renders every page of the desk for an operator.
func TestPages_Render(t *testing.T) {
	s, id := openVisit(t)
	for _, path := range []string{"/", "/people/" + s.demo.Person("gitte.holm").User.String(), "/visits/" + id, "/demo"} {
		rec := do(s, "a", http.MethodGet, path, url.Values{}, testOrigin, false)
		if rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), "</html>") {
			t.Errorf("%s: %d", path, rec.Code)
		}
	}
}
