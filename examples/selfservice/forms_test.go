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
)

// TestForms_RefuseForgedPosts proves a self-service form post without the
// CSRF token, with a wrong one, or from another origin is refused and
// changes nothing, and that the same post with the token goes through.
func TestForms_RefuseForgedPosts(t *testing.T) {
	const origin = "http://localhost:1"
	s, err := newServer(context.Background(), demo.Options{Origin: origin, CheapHashing: true}, true)
	if err != nil {
		t.Fatal(err)
	}
	defer s.demo.Close()
	anna := s.demo.Person("anna.hansen")
	s.sessions["session"] = anna.User

	// The page hands out the token with its cookie.
	rec := httptest.NewRecorder()
	req := httptest.NewRequest(http.MethodGet, "/contact", nil)
	req.AddCookie(&http.Cookie{Name: "ss-session", Value: "session"}) //nolint:gosec // G124: a request cookie carries only its name and value; the attributes belong to Set-Cookie
	s.ServeHTTP(rec, req)
	cookies := rec.Result().Cookies()
	if len(cookies) != 1 || !strings.Contains(rec.Body.String(), cookies[0].Value) {
		t.Fatalf("the contact page does not carry its CSRF token: %v", cookies)
	}
	token := cookies[0]

	post := func(origin, formToken string) int {
		form := url.Values{"phone": {"+45 99 88 77 66"}, "email": {"new@example.dk"}, "channel": {"email"}, "back": {"/contact"}}
		if formToken != "" {
			form.Set("csrf_token", formToken)
		}
		req := httptest.NewRequest(http.MethodPost, "/contact", strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Origin", origin)
		req.AddCookie(&http.Cookie{Name: "ss-session", Value: "session"}) //nolint:gosec // G124: a request cookie carries only its name and value; the attributes belong to Set-Cookie
		req.AddCookie(token)
		rec := httptest.NewRecorder()
		s.ServeHTTP(rec, req)
		return rec.Code
	}
	for _, tt := range []struct {
		name, origin, token string
	}{
		{"no token", origin, ""},
		{"wrong token", origin, strings.Repeat("A", 43)},
		{"another origin", "https://evil.example", token.Value},
		{"Origin null (a sandboxed frame)", "null", token.Value},
	} {
		if code := post(tt.origin, tt.token); code != http.StatusForbidden {
			t.Errorf("%s: %d, want 403", tt.name, code)
		}
	}
	u, err := s.svc.User(context.Background(), anna.User)
	if err != nil {
		t.Fatal(err)
	}
	if u.Email == "new@example.dk" {
		t.Fatal("a refused post changed the contact details")
	}
	if code := post(origin, token.Value); code != http.StatusSeeOther {
		t.Fatalf("the genuine post: %d", code)
	}
	if u, _ = s.svc.User(context.Background(), anna.User); u.Email != "new@example.dk" || u.Phone != "+4599887766" {
		t.Fatalf("the genuine post did not save: %s %s", u.Email, u.Phone)
	}
}

// TestPages_Render renders every page for a logged-on person: a template
// that fails mid-page is a 500, never half a page.
func TestPages_Render(t *testing.T) {
	s, err := newServer(context.Background(), demo.Options{Origin: "http://localhost:1", CheapHashing: true}, true)
	if err != nil {
		t.Fatal(err)
	}
	defer s.demo.Close()
	s.sessions["session"] = s.demo.Person("dorte.chip").User
	for _, path := range []string{"/authenticators", "/contact", "/activity", "/activate", "/order", "/demo"} {
		req := httptest.NewRequest(http.MethodGet, path, nil)
		req.AddCookie(&http.Cookie{Name: "ss-session", Value: "session"}) //nolint:gosec // G124: a request cookie carries only its name and value; the attributes belong to Set-Cookie
		rec := httptest.NewRecorder()
		s.ServeHTTP(rec, req)
		if rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), "</html>") {
			t.Errorf("%s: %d", path, rec.Code)
		}
	}
}

// TestReceipt_OnlyTheOrderersOwn proves an order's receipt is shown to the
// person who placed it only: to anyone else its number is "not found".
func TestReceipt_OnlyTheOrderersOwn(t *testing.T) {
	s, err := newServer(context.Background(), demo.Options{Origin: "http://localhost:1", CheapHashing: true}, true)
	if err != nil {
		t.Fatal(err)
	}
	defer s.demo.Close()
	anna := s.demo.Person("anna.hansen")
	rc, err := s.svc.PlaceOrder(context.Background(), mitid.OrderRequest{Kind: mitid.KindCodeDisplay, CPR: anna.CPR, Passport: anna.Passport,
		Reason: mitid.ReasonNew, Delivery: mitid.DeliverToRegisteredAddress, AcceptTerms: true, Language: mitid.English})
	if err != nil {
		t.Fatal(err)
	}
	s.sessions["anna"], s.sessions["dorte"] = anna.User, s.demo.Person("dorte.chip").User
	get := func(session string) string {
		req := httptest.NewRequest(http.MethodGet, "/orders/"+rc.Order.Number, nil)
		req.AddCookie(&http.Cookie{Name: "ss-session", Value: session}) //nolint:gosec // G124: a request cookie carries only its name and value; the attributes belong to Set-Cookie
		rec := httptest.NewRecorder()
		s.ServeHTTP(rec, req)
		return rec.Body.String()
	}
	if body := get("dorte"); strings.Contains(body, `id="order-number"`) || !strings.Contains(body, "no order with this number") {
		t.Error("another person reads the receipt")
	}
	if body := get("anna"); !strings.Contains(body, rc.Order.Number) || !strings.Contains(body, "Free") {
		t.Error("the orderer does not read her receipt")
	}
}

// TestForms_BackStaysOnSite proves a form's back link can only send the
// browser to a path on this site: "//host" and "/\host" (which browsers read
// as another host) and absolute URLs fall back to the home page.
func TestForms_BackStaysOnSite(t *testing.T) {
	const origin = "http://localhost:1"
	s, err := newServer(context.Background(), demo.Options{Origin: origin, CheapHashing: true}, true)
	if err != nil {
		t.Fatal(err)
	}
	defer s.demo.Close()
	s.sessions["session"] = s.demo.Person("anna.hansen").User

	rec := httptest.NewRecorder()
	req := httptest.NewRequest(http.MethodGet, "/contact", nil)
	req.AddCookie(&http.Cookie{Name: "ss-session", Value: "session"}) //nolint:gosec // G124: a request cookie carries only its name and value; the attributes belong to Set-Cookie
	s.ServeHTTP(rec, req)
	cookies := rec.Result().Cookies()
	if len(cookies) != 1 {
		t.Fatalf("the contact page set %d cookies, want its CSRF cookie", len(cookies))
	}
	token := cookies[0]

	for _, tt := range []struct{ back, want string }{
		{"/contact", "/contact?"},
		{"//evil.example", "/?"},
		{`/\evil.example`, "/?"},
		{"https://evil.example", "/?"},
		{"/\t/evil.example", "/?"},
		{"/\n/evil.example", "/?"},
		{"/contact\\..\\//evil.example", "/?"},
		{"", "/?"},
	} {
		form := url.Values{"phone": {"+45 99 88 77 66"}, "email": {"new@example.dk"}, "channel": {"email"},
			"back": {tt.back}, "csrf_token": {token.Value}}
		req := httptest.NewRequest(http.MethodPost, "/contact", strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Origin", origin)
		req.AddCookie(&http.Cookie{Name: "ss-session", Value: "session"}) //nolint:gosec // G124: a request cookie carries only its name and value; the attributes belong to Set-Cookie
		req.AddCookie(token)
		rec := httptest.NewRecorder()
		s.ServeHTTP(rec, req)
		if loc := rec.Header().Get("Location"); rec.Code != http.StatusSeeOther || !strings.HasPrefix(loc, tt.want) {
			t.Errorf("back %q: %d to %q, want 303 to %s…", tt.back, rec.Code, loc, tt.want)
		}
	}
}
