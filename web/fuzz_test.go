package web_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

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
