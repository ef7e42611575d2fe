package web

import (
	"bytes"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"mime"
	"net/http"
	"strings"

	"github.com/go-mitid/mitid"
)

// CSP is the Content-Security-Policy of every response of the Handler and of
// pages wrapped in SecureHeaders: scripts, styles and fetches from the site
// itself only, no inline script, no plug-ins, and no framing of the login box
// by anyone (a framed login box is how clickjacking steals an approval).
const CSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; " +
	"form-action 'self'; base-uri 'none'; frame-ancestors 'none'"

// SecureHeaders sets the security headers the login box needs on every
// response of next: the strict CSP, no framing, no MIME sniffing, no
// referrer to other sites, no caching, and a browsing context of its own.
// (Not "no-referrer": with it a browser sends "Origin: null" on a form's
// same-origin POST, which the Origin check must refuse.)
func SecureHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", CSP)
		h.Set("X-Frame-Options", "DENY")
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "same-origin")
		h.Set("Cross-Origin-Opener-Policy", "same-origin")
		h.Set("Cache-Control", "no-store")
		if r.TLS != nil {
			h.Set("Strict-Transport-Security", "max-age=31536000")
		}
		next.ServeHTTP(w, r)
	})
}

// sameOrigin refuses a request another site's page sent: the Origin header,
// which browsers send on every POST, must be the site's own, and the Fetch
// Metadata header, where sent, must not say cross-site. A request without
// either (a phone app, curl) is not a browser's and passes this check; the
// CSRF token or the approval's signature decides for it.
func (h *Handler) sameOrigin(r *http.Request) error {
	if o := r.Header.Get("Origin"); o != "" && o != h.origin {
		return edgeError(CodeCrossOrigin, "this request comes from another site's page and is refused")
	}
	if s := r.Header.Get("Sec-Fetch-Site"); s != "" && s != "same-origin" && s != "none" {
		return edgeError(CodeCrossOrigin, "this request comes from another site's page and is refused")
	}
	return nil
}

// cookie returns a cookie of the Handler with the flags every one of its
// cookies has: HttpOnly (no script reads it), SameSite=Strict (no other
// site's page sends it), Secure on https, and on https the __Host- prefix,
// which pins it to this host and path /.
func (h *Handler) cookie(name, value string, maxAge int) *http.Cookie {
	return &http.Cookie{Name: h.cookieName(name), Value: value, Path: "/", MaxAge: maxAge, //nolint:gosec // G124: HttpOnly and SameSite=Strict always; Secure on https only, since a browser drops a Secure cookie set over plain http
		HttpOnly: true, Secure: h.secure, SameSite: http.SameSiteStrictMode}
}

func (h *Handler) cookieName(name string) string {
	if h.secure {
		return "__Host-" + name
	}
	return name
}

// cookieValue returns the value of the Handler's cookie name, "" if absent.
func (h *Handler) cookieValue(r *http.Request, name string) string {
	c, err := r.Cookie(h.cookieName(name))
	if err != nil {
		return ""
	}
	return c.Value
}

const csrfCookie = "mitid-csrf"

// CSRFToken returns the CSRF token of the browser behind r, setting its
// cookie on w if it has none yet. A server-rendered page puts it in
// <meta name="mitid-csrf" content="…">, where mitid-login.js finds it.
func (h *Handler) CSRFToken(w http.ResponseWriter, r *http.Request) string {
	if t := h.cookieValue(r, csrfCookie); validToken(t) {
		return t
	}
	t := randomToken()
	http.SetCookie(w, h.cookie(csrfCookie, t, 0))
	// Later calls on the same request see it too.
	r.AddCookie(&http.Cookie{Name: h.cookieName(csrfCookie), Value: t}) //nolint:gosec // G124: a request cookie carries only its name and value; the attributes belong to Set-Cookie
	return t
}

// checkCSRF compares the X-CSRF-Token header with the cookie in constant
// time (double submit: another site can make the browser send the cookie,
// never read it to put it in a header).
func (h *Handler) checkCSRF(r *http.Request) error {
	c, t := h.cookieValue(r, csrfCookie), r.Header.Get("X-CSRF-Token")
	if !validToken(c) || subtle.ConstantTimeCompare([]byte(c), []byte(t)) != 1 {
		return edgeError(CodeCSRF, "the form's security token is missing or wrong; reload the page")
	}
	return nil
}

// randomToken returns 32 random bytes, base64url.
func randomToken() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b) // crypto/rand never fails (Go 1.24)
	return base64.RawURLEncoding.EncodeToString(b)
}

func validToken(t string) bool {
	b, err := base64.RawURLEncoding.DecodeString(t)
	return err == nil && len(b) == 32
}

// decode reads r's body as the one JSON object v: Content-Type JSON, at
// most limit bytes, no unknown member, nothing after it.
func decode(w http.ResponseWriter, r *http.Request, limit int64, v any) error {
	mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || mt != "application/json" {
		return edgeError(CodeContentType, "send the request as application/json")
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, limit))
	var tooLarge *http.MaxBytesError
	if errors.As(err, &tooLarge) {
		return edgeError(CodeBodyTooLarge, "the request is larger than this service accepts")
	}
	if err != nil {
		return edgeError(CodeBadJSON, "the request body could not be read")
	}
	if len(bytes.TrimSpace(body)) == 0 && v == nil {
		return nil
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if v == nil {
		v = &struct{}{}
	}
	if err := dec.Decode(v); err != nil {
		return badJSON(err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return edgeError(CodeBadJSON, "the request holds more than one JSON value")
	}
	return nil
}

// badJSON says what is wrong with a body in terms of its members.
func badJSON(err error) *mitid.Error {
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		e := edgeError(CodeBadJSON, "the member "+te.Field+" has the wrong type")
		e.Field = te.Field
		return e
	}
	if m, ok := strings.CutPrefix(err.Error(), "json: unknown field "); ok {
		e := edgeError(CodeBadJSON, "the request has a member this service does not know: "+m)
		e.Field = strings.Trim(m, `"`)
		return e
	}
	return edgeError(CodeBadJSON, "the request is not well-formed JSON")
}

// CheckForm guards a server-rendered form's POST on the site: it must come
// from the site's own origin and carry the CSRF token (CSRFToken) in its
// csrf_token field. It returns an *mitid.Error with CodeCrossOrigin or
// CodeCSRF when not.
func (h *Handler) CheckForm(r *http.Request) error {
	if err := h.sameOrigin(r); err != nil {
		return err
	}
	c, t := h.cookieValue(r, csrfCookie), r.PostFormValue("csrf_token")
	if !validToken(c) || subtle.ConstantTimeCompare([]byte(c), []byte(t)) != 1 {
		return edgeError(CodeCSRF, "the form's security token is missing or wrong; reload the page")
	}
	return nil
}
