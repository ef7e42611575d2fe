package web_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/go-mitid/mitid"
	"github.com/go-mitid/mitid/web"
)

func TestLogin_CodeDisplayOverHTTP(t *testing.T) {
	s := newSite(t)
	var l web.LoginView
	s.call(t, "/login", `{"user_id":"Anna.Web"}`, &l)
	assert.Equal(t, mitid.StepCode, l.Next)
	assert.Equal(t, "Log on to bank.example", l.Text)
	assert.Equal(t, "Substantial", l.Level)
	require.NotEmpty(t, l.Options)
	s.call(t, "/login/"+l.ID+"/code", `{"code":"`+s.code(t)+`"}`, &l)
	assert.Equal(t, mitid.StepPassword, l.Next)
	s.call(t, "/login/"+l.ID+"/password", `{"password":"`+password+`"}`, &l)
	assert.Equal(t, mitid.StepDone, l.Next)
	require.NotNil(t, l.Result, "the last step answers with the result")
	res := *l.Result
	assert.Equal(t, "anna.web", res.UserID)
	assert.Equal(t, "Substantial", res.LoA)
	assert.Equal(t, []mitid.Kind{mitid.KindCodeDisplay, mitid.KindPassword}, res.Kinds)
}

// TestEdge_BadRequestsAreRefusedAndChangeNothing proves every refusal at
// the edge answers with its code and status as JSON, and that after all of
// them the login still waits for its first factor and no attempt counted.
func TestEdge_BadRequestsAreRefusedAndChangeNothing(t *testing.T) {
	s := newSite(t)
	var l web.LoginView
	s.call(t, "/login", `{"user_id":"anna.web"}`, &l)
	code := "/login/" + l.ID + "/code"
	wrong := `{"code":"000000"}`
	tests := []struct {
		name   string
		req    request
		code   mitid.Code
		status int
	}{
		{"malformed JSON", request{path: code, body: `{"code":`}, web.CodeBadJSON, 400},
		{"two JSON values", request{path: code, body: `{"code":"1"}{}`}, web.CodeBadJSON, 400},
		{"unknown member", request{path: code, body: `{"code":"1","admin":true}`}, web.CodeBadJSON, 400},
		{"wrong type", request{path: code, body: `{"code":123456}`}, web.CodeBadJSON, 400},
		{"oversized body", request{path: code, body: `{"code":"` + strings.Repeat("1", web.DefaultMaxBody) + `"}`}, web.CodeBodyTooLarge, 413},
		{"form post", request{path: code, body: "code=000000", contentType: "application/x-www-form-urlencoded"}, web.CodeContentType, 415},
		{"text/plain (a no-CORS post)", request{path: code, body: wrong, contentType: "text/plain"}, web.CodeContentType, 415},
		{"no content type", request{path: code, body: wrong, contentType: "-"}, web.CodeContentType, 415},
		{"missing CSRF token", request{path: code, body: wrong, csrf: "-"}, web.CodeCSRF, 403},
		{"wrong CSRF token", request{path: code, body: wrong, csrf: "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"}, web.CodeCSRF, 403},
		{"cross-origin post", request{path: code, body: wrong, origin: "https://evil.example"}, web.CodeCrossOrigin, 403},
		{"cross-site by Fetch Metadata, no Origin", request{path: code, body: wrong, origin: "-", fetchSite: "cross-site"}, web.CodeCrossOrigin, 403},
		{"cross-origin approval", request{path: "/login/" + l.ID + "/approval", body: `{"signature":"AA"}`, origin: "https://evil.example", csrf: "-"}, web.CodeCrossOrigin, 403},
		{"unknown route", request{path: "/login/" + l.ID + "/admin", body: `{}`}, web.CodeRouteNotFound, 404},
		{"another browser's login", request{path: "/login/someone-elses/code", body: wrong}, web.CodeNotBound, 403},
		{"bad base64 signature", request{path: "/login/" + l.ID + "/approval", body: `{"signature":"!!"}`, csrf: "-"}, web.CodeBadJSON, 400},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp := s.do(t, tt.req)
			e := errorOf(t, resp)
			assert.Equal(t, tt.code, e.Code)
			assert.Equal(t, tt.status, resp.StatusCode)
			assert.NotEmpty(t, e.Message)
		})
	}
	var after web.LoginView
	s.get(t, "/login/"+l.ID, &after)
	assert.Equal(t, mitid.StepCode, after.Next, "nothing moved the login")
	u, err := s.svc.User(t.Context(), s.user.ID)
	require.NoError(t, err)
	assert.Zero(t, u.Failures, "no refused request counted as an attempt")
	for _, a := range u.Authenticators {
		assert.Zero(t, a.Failures, "%s", a.Kind)
	}
}

// TestEdge_AnUncleanPathIsRouteNotFound: a path with an empty, "." or ".."
// segment (an empty login ID) is refused as no endpoint, in JSON, where
// ServeMux redirected it to the cleaned path (outside the mount, under
// http.StripPrefix). FuzzEdgeGuards found the empty login ID.
func TestEdge_AnUncleanPathIsRouteNotFound(t *testing.T) {
	s := newSite(t)
	h, err := web.New(web.Config{Service: s.svc, Origin: "https://bank.example"})
	require.NoError(t, err)
	for _, tc := range []struct{ rule, method, path string }{
		{"an empty login ID", http.MethodPost, "/login//password"},
		{"a login ID of .", http.MethodPost, "/login/./code"},
		{"a login ID of ..", http.MethodGet, "/login/../csrf"},
		{"a doubled slash", http.MethodGet, "//csrf"},
		{"a trailing dot segment", http.MethodGet, "/login/x/."},
	} {
		t.Run(tc.rule, func(t *testing.T) {
			rec := newRecorder(h, tc.method, tc.path)
			assert.Equal(t, http.StatusNotFound, rec.Code)
			assert.Empty(t, rec.Header().Get("Location"))
			var e web.ErrorBody
			require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &e), rec.Body.String())
			assert.Equal(t, web.CodeRouteNotFound, e.Code)
		})
	}
	assert.Equal(t, http.StatusOK, newRecorder(h, http.MethodGet, "/csrf").Code, "a clean path is served")
}

func TestEdge_SecurityHeadersAndCookieFlags(t *testing.T) {
	s := newSite(t)
	resp := s.do(t, request{path: "/login", body: `{"user_id":"anna.web"}`})
	defer resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Contains(t, resp.Header.Get("Content-Security-Policy"), "frame-ancestors 'none'")
	assert.Contains(t, resp.Header.Get("Content-Security-Policy"), "script-src 'self'")
	assert.NotContains(t, resp.Header.Get("Content-Security-Policy"), "unsafe-inline")
	assert.Equal(t, "DENY", resp.Header.Get("X-Frame-Options"))
	assert.Equal(t, "nosniff", resp.Header.Get("X-Content-Type-Options"))
	assert.Equal(t, "no-store", resp.Header.Get("Cache-Control"))
	cs := resp.Cookies()
	require.NotEmpty(t, cs)
	for _, c := range cs {
		assert.True(t, c.HttpOnly, c.Name)
		assert.Equal(t, http.SameSiteStrictMode, c.SameSite, c.Name)
		assert.False(t, c.Secure, "http on loopback goes without Secure")
	}
}

func TestNew_SecureCookiesOnHTTPS(t *testing.T) {
	s := newSite(t)
	h, err := web.New(web.Config{Service: s.svc, Origin: "https://bank.example"})
	require.NoError(t, err)
	rec := newRecorder(h, http.MethodGet, "/csrf")
	c := rec.Result().Cookies()
	require.Len(t, c, 1)
	assert.True(t, c[0].Secure)
	assert.True(t, strings.HasPrefix(c[0].Name, "__Host-"), c[0].Name)

	for _, bad := range []string{"", "bank.example", "http://bank.example", "https://bank.example/path", "ftp://x"} {
		_, err := web.New(web.Config{Service: s.svc, Origin: bad})
		assert.Equal(t, mitid.CodeConfigInvalid, mitid.ErrorCode(err), bad)
	}
}

func TestStatus_EveryLibraryCodeHasAStatus(t *testing.T) {
	tests := []struct {
		code mitid.Code
		want int
	}{
		{mitid.CodeUserNotFound, 404},
		{mitid.CodeUserIDInvalid, 400},
		{mitid.CodeWrongCode, 401},
		{mitid.CodeWrongPassword, 401},
		{mitid.CodeChipWrongOrigin, 401},
		{mitid.CodeChipMalformed, 400},
		{mitid.CodeChipStale, 409},
		{mitid.CodeSessionUsed, 409},
		{mitid.CodeSessionExpired, 410},
		{mitid.CodeAuthenticatorSuspended, 423},
		{mitid.CodeUserBlocked, 423},
		{mitid.CodeWaitingPeriod, 409},
		{mitid.CodeAuthenticatorLimit, 409},
		{mitid.CodeLevelTooLow, 403},
		{mitid.CodeStoreUnavailable, 503},
		{mitid.CodeConfigInvalid, 500},
		{mitid.CodeRecordUnreadable, 500},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, web.Status(tt.code), tt.code)
	}
}

// TestErrors_SuspensionCarriesUntil proves a suspended code display answers
// 423 with the time the suspension ends, and a wrong code 401 with its code.
// TestErrors_SuspensionBeforeAFactorSaysNoMore: a suspension met before
// any factor is 423 with its code and no end time (anyone may be at the
// keyboard; see mitid's throttling notes).
func TestErrors_SuspensionBeforeAFactorSaysNoMore(t *testing.T) {
	s := newSite(t)
	var l web.LoginView
	s.call(t, "/login", `{"user_id":"anna.web"}`, &l)
	var e web.ErrorBody
	for i := 0; i < 3; i++ {
		resp := s.do(t, request{path: "/login/" + l.ID + "/code", body: `{"code":"000000"}`})
		e = errorOf(t, resp)
		if i < 2 {
			assert.Equal(t, 401, resp.StatusCode)
			assert.Equal(t, mitid.CodeWrongCode, e.Code)
		}
	}
	resp := s.do(t, request{path: "/login", body: `{"user_id":"anna.web"}`})
	e = errorOf(t, resp)
	assert.Equal(t, http.StatusLocked, resp.StatusCode)
	assert.Equal(t, mitid.CodeAuthenticatorSuspended, e.Code)
	assert.Nil(t, e.Until)
}

func TestCancel_EndsTheLogin(t *testing.T) {
	s := newSite(t)
	var l web.LoginView
	s.call(t, "/login", `{"user_id":"anna.web"}`, &l)
	resp := s.do(t, request{path: "/login/" + l.ID + "/cancel"})
	resp.Body.Close()
	assert.Equal(t, http.StatusNoContent, resp.StatusCode)
	resp = s.do(t, request{path: "/login/" + l.ID + "/code", body: `{"code":"` + s.code(t) + `"}`}) //nolint:bodyclose // errorOf closes it
	assert.Equal(t, web.CodeNotBound, errorOf(t, resp).Code, "the login's cookie is gone with it")
}
