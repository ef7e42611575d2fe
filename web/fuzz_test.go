package web_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/go-mitid/mitid"
	"github.com/go-mitid/mitid/web"
)

// FuzzEdge posts arbitrary bodies to every JSON endpoint, as the site's own
// page with a valid token would. Whatever the body, the answer is JSON; an
// error carries a code whose status is the one Status gives, and nothing but
// the missing chip verifier is a fault (500).
func FuzzEdge(f *testing.F) {
	for _, seed := range []string{`{"user_id":"anna.web"}`, `{"code":"123456"}`, `{"password":"x"}`, `{"signature":"AAAA"}`,
		`{"credential":{"id":"x","response":{}}}`, `{"method":"code_display"}`, `{"authenticator":"00000000-0000-0000-0000-000000000000"}`,
		`{`, `[]`, `null`, `{"code":1}`, "\x00", `{"user_id":"` + strings.Repeat("a", 100) + `"}`} {
		f.Add(seed)
	}
	s := newSite(f)
	h, err := web.New(web.Config{Service: s.svc, Origin: "https://bank.example", MaxBody: 1 << 10})
	if err != nil {
		f.Fatal(err)
	}
	token := strings.Repeat("A", 43)
	paths := []string{"/login", "/login/L/method", "/login/L/code", "/login/L/password", "/login/L/approval", "/login/L/chip",
		"/login/L/finish", "/login/L/cancel", "/chip/registration", "/chip/registration/finish"}
	f.Fuzz(func(t *testing.T, body string) {
		for _, p := range paths {
			req := httptest.NewRequest(http.MethodPost, p, strings.NewReader(body))
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("Origin", "https://bank.example")
			req.Header.Set("X-CSRF-Token", token)
			req.AddCookie(&http.Cookie{Name: "__Host-mitid-csrf", Value: token}) //nolint:gosec // G124: a request cookie carries only its name and value; the attributes belong to Set-Cookie
			req.AddCookie(&http.Cookie{Name: "__Host-mitid-login", Value: "L"})  //nolint:gosec // G124: a request cookie carries only its name and value; the attributes belong to Set-Cookie
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			if rec.Code == http.StatusNoContent {
				continue
			}
			// The fuzzed site has no chip verifier: that refusal is the
			// deployment's fault and rightly a 500; nothing else is.
			if rec.Code >= 500 && !strings.Contains(rec.Body.String(), `"config_invalid"`) {
				t.Fatalf("%s %q: %d %s", p, body, rec.Code, rec.Body)
			}
			if rec.Code == http.StatusOK {
				continue
			}
			var e web.ErrorBody
			if err := json.Unmarshal(rec.Body.Bytes(), &e); err != nil || e.Code == "" || e.Message == "" {
				t.Fatalf("%s %q: not a JSON error: %s", p, body, rec.Body)
			}
			if web.Status(e.Code) != rec.Code {
				t.Fatalf("%s: code %s answered %d, Status says %d", p, e.Code, rec.Code, web.Status(e.Code))
			}
		}
	})
}

// FuzzEdgeGuards fuzzes what a request carries besides its body: the
// login ID in the path, Content-Type, Origin, Sec-Fetch-Site, the
// X-CSRF-Token header and the whole Cookie header. Whatever they hold, the
// answer is success or a JSON error whose status is the one Status gives,
// never a fault; and no request succeeds that another site's page sent
// (cross_origin first), that a browser endpoint gets without the CSRF
// cookie's own token (csrf_token_invalid next), or that names a login other
// than the one this browser's login cookie holds.
func FuzzEdgeGuards(f *testing.F) {
	s := newSite(f)
	const origin = "https://bank.example"
	h, err := web.New(web.Config{Service: s.svc, Origin: origin, MaxBody: 1 << 10})
	if err != nil {
		f.Fatal(err)
	}
	l, err := s.svc.BeginLogin(context.Background(), mitid.LoginRequest{UserID: "anna.web", Action: mitid.ActionLogOn, Text: "fuzz", Level: mitid.LevelSubstantial})
	if err != nil {
		f.Fatal(err)
	}
	token := strings.Repeat("A", 43)
	cookies := "__Host-mitid-csrf=" + token + "; __Host-mitid-login=" + l.ID
	f.Add(uint8(0), l.ID, "application/json", origin, "same-origin", token, cookies)
	f.Add(uint8(1), l.ID, "application/json; charset=utf-8", "", "", token, cookies)
	f.Add(uint8(2), l.ID, "text/plain", origin, "cross-site", token, cookies)
	f.Add(uint8(3), "other", "application/json", "null", "none", token[:42], "__Host-mitid-csrf="+token)
	f.Add(uint8(4), l.ID, "application/json", origin, "", token, "__Host-mitid-csrf="+token+"; __Host-mitid-csrf=x; __Host-mitid-login=x")
	f.Add(uint8(9), "../csrf", "", "https://evil.example", "same-site", "", "")
	type endpoint struct {
		method, path string
		csrf, bound  bool
		body         string
	}
	endpoints := []endpoint{
		{"GET", "/login/{id}", false, true, ""},
		{"POST", "/login/{id}/method", true, true, `{"method":"code_display"}`},
		{"POST", "/login/{id}/code", true, true, `{"code":"123456"}`},
		{"POST", "/login/{id}/password", true, true, `{"password":"x"}`},
		{"POST", "/login/{id}/chip", true, true, `{"credential":{}}`},
		{"POST", "/login/{id}/finish", true, true, `{}`},
		{"POST", "/login/{id}/cancel", true, true, ``},
		{"POST", "/login/{id}/approval", false, false, `{"signature":"AAAA"}`},
		{"POST", "/login", true, false, `{"user_id":"anna.web"}`},
		{"POST", "/chip/registration", true, false, `{}`},
		{"GET", "/csrf", false, false, ""},
	}
	f.Fuzz(func(t *testing.T, which uint8, id, contentType, fromOrigin, fetchSite, csrf, cookie string) {
		e := endpoints[int(which)%len(endpoints)]
		req := httptest.NewRequest(e.method, strings.Replace(e.path, "{id}", url.PathEscape(id), 1), strings.NewReader(e.body))
		for k, v := range map[string]string{"Content-Type": contentType, "Origin": fromOrigin, "Sec-Fetch-Site": fetchSite, "X-CSRF-Token": csrf, "Cookie": cookie} {
			if v != "" {
				req.Header.Set(k, v)
			}
		}
		cookieOf := func(name string) string {
			if c, err := req.Cookie(name); err == nil {
				return c.Value
			}
			return ""
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code < 300 {
			crossSite := fromOrigin != "" && fromOrigin != origin || fetchSite != "" && fetchSite != "same-origin" && fetchSite != "none"
			switch {
			case e.method == "POST" && crossSite:
				t.Fatalf("%s %q from %q (%q) answered %d", e.method, e.path, fromOrigin, fetchSite, rec.Code)
			case e.csrf && (cookieOf("__Host-mitid-csrf") != csrf || len(csrf) != 43):
				t.Fatalf("%s %s with token %q, cookie %q answered %d", e.method, e.path, csrf, cookieOf("__Host-mitid-csrf"), rec.Code)
			case e.bound && cookieOf("__Host-mitid-login") != id:
				t.Fatalf("%s %s for login %q with login cookie %q answered %d", e.method, e.path, id, cookieOf("__Host-mitid-login"), rec.Code)
			}
			return
		}
		if rec.Code >= 500 && !strings.Contains(rec.Body.String(), `"config_invalid"`) {
			t.Fatalf("%s %s: %d %s", e.method, e.path, rec.Code, rec.Body)
		}
		var body web.ErrorBody
		if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil || body.Code == "" || body.Message == "" {
			t.Fatalf("%s %s: not a JSON error: %d %s", e.method, e.path, rec.Code, rec.Body)
		}
		if web.Status(body.Code) != rec.Code {
			t.Fatalf("%s %s: code %s answered %d, Status says %d", e.method, e.path, body.Code, rec.Code, web.Status(body.Code))
		}
	})
}
