package web

import (
	"context"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"path"
	"strings"

	"github.com/google/uuid"

	"github.com/go-mitid/mitid"
)

// DefaultMaxBody is the largest request body the Handler reads when
// Config.MaxBody is zero: a chip's registration answer with its attestation
// certificate fits many times over.
const DefaultMaxBody = 64 << 10

// BeginRequest is what the browser posts to begin a login.
type BeginRequest struct {
	UserID string `json:"user_id"`
	// Context is the relying party's own reference (a payment's ID, say),
	// handed to Config.Prepare; the browser never sets the text or level.
	Context string `json:"context,omitempty"`
}

// Config configures a Handler.
type Config struct {
	// Service is the MitID service. Required.
	Service *mitid.Service
	// Origin is the site's own web origin, "https://bank.example". Required.
	// A POST from another origin is refused. http is allowed for localhost
	// only, and then cookies go without Secure.
	Origin string
	// RelyingParty names the site in the activity log ("bank.example").
	RelyingParty string
	// Prepare turns what the browser posted into the login request: it is
	// where the relying party sets the action, the transaction text and the
	// level from its own state (a payment, a page), never from the browser.
	// The Handler sets UserID, and FinishAtLastFactor (see the package doc).
	// When nil, every login is ActionLogOn at LevelSubstantial with the text
	// "Log on to <RelyingParty>".
	Prepare func(r *http.Request, b BeginRequest) (mitid.LoginRequest, error)
	// Begun is called with every login begun, for the relying party to
	// log or follow it (the demo servers hand it to their simulated phone).
	Begun func(r *http.Request, b BeginRequest, l *mitid.Login)
	// Finished is called with every finished login, for the relying party
	// to start its own session, in the browser's request that finished it:
	// the step that gave the last factor, or POST /login/{id}/finish after
	// the app's approval. The redirect it returns goes to the browser (in
	// the result). An error it returns goes to the browser as the response;
	// the login is finished all the same.
	Finished func(w http.ResponseWriter, r *http.Request, res *mitid.LoginResult) (redirect string, err error)
	// LoginProof returns the ID of the MitID login with which the person
	// logged on to this site, the proof a chip connected after its access
	// request needs (mitid.ChipActivation.Login); the Service accepts a
	// login finished within Policy.LoginSessionTTL, once.
	LoginProof func(r *http.Request) string
	// User names the MitID user logged on to this site, for chip
	// registration (self-service). When nil, chip registration is off.
	User func(r *http.Request) (uuid.UUID, bool)
	// MaxBody limits request bodies (DefaultMaxBody when zero).
	MaxBody int64
	// Log receives faults (slog.Default when nil).
	Log *slog.Logger
}

// Handler serves the endpoints of the package doc. It is safe for
// concurrent use.
type Handler struct {
	cfg    Config
	svc    *mitid.Service
	origin string
	secure bool
	max    int64
	log    *slog.Logger
	mux    *http.ServeMux
}

// New builds a Handler, checking its Config.
func New(cfg Config) (*Handler, error) {
	if cfg.Service == nil {
		return nil, mitid.NewError(mitid.CodeConfigInvalid, nil, "web: a Service is required")
	}
	u, err := url.Parse(cfg.Origin)
	if err != nil || u.Host == "" || u.Path != "" || u.RawQuery != "" || (u.Scheme != "https" && u.Scheme != "http") {
		return nil, mitid.NewError(mitid.CodeConfigInvalid, err, "web: Origin must be a web origin such as https://bank.example, not %q", cfg.Origin)
	}
	if u.Scheme == "http" && !loopback(u.Hostname()) {
		return nil, mitid.NewError(mitid.CodeConfigInvalid, nil, "web: Origin %q must be https (http only for localhost)", cfg.Origin)
	}
	h := &Handler{cfg: cfg, svc: cfg.Service, origin: u.Scheme + "://" + u.Host, secure: u.Scheme == "https",
		max: cfg.MaxBody, log: cfg.Log, mux: http.NewServeMux()}
	if h.max <= 0 {
		h.max = DefaultMaxBody
	}
	if h.log == nil {
		h.log = slog.Default()
	}
	if h.cfg.RelyingParty == "" {
		h.cfg.RelyingParty = u.Hostname()
	}
	h.routes()
	return h, nil
}

func loopback(host string) bool {
	return host == "localhost" || host == "127.0.0.1" || host == "::1"
}

// ServeHTTP serves the endpoints with the security headers on every answer.
//
// Each request's attempts are made as coming from its source address (see
// mitid.WithClient and Config.Clients of the Service), so a Service with a
// ClientLimiter throttles a stranger by address. Behind a proxy, set the
// client yourself in a handler in front of this one.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if mitid.ClientOf(r.Context()) == (mitid.Client{}) {
		addr := r.RemoteAddr
		if host, _, err := net.SplitHostPort(addr); err == nil {
			addr = host
		}
		r = r.WithContext(mitid.WithClient(r.Context(), mitid.Client{Address: addr}))
	}
	var next http.Handler = h.mux
	if !cleanPath(r.URL.Path) {
		// ServeMux would redirect to the cleaned path: a login ID that is
		// empty or "." or ".." would send the call elsewhere (outside
		// the mount, under http.StripPrefix) rather than be refused.
		next = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			writeError(w, h.log, edgeError(CodeRouteNotFound, "there is no such endpoint: "+r.Method+" "+r.URL.Path))
		})
	}
	SecureHeaders(next).ServeHTTP(w, r)
}

// cleanPath reports whether p is a path ServeMux serves as it is: rooted,
// without empty, "." or ".." segments (a trailing slash aside).
func cleanPath(p string) bool {
	if p == "" || p[0] != '/' {
		return false
	}
	c := path.Clean(p)
	if strings.HasSuffix(p, "/") && c != "/" {
		c += "/"
	}
	return c == p
}

// guard says what a POST must pass before its handler runs.
type guard int

const (
	browser guard = iota // same origin and the CSRF token
	app                  // same origin if a browser sent it; no token (a phone posts it)
)

// post wraps a JSON POST endpoint: the origin and CSRF checks, then fn.
func (h *Handler) post(g guard, fn func(w http.ResponseWriter, r *http.Request) (any, error)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		err := h.sameOrigin(r)
		if err == nil && g == browser {
			err = h.checkCSRF(r)
		}
		var v any
		if err == nil {
			v, err = fn(w, r)
		}
		h.answer(w, v, err)
	}
}

func (h *Handler) answer(w http.ResponseWriter, v any, err error) {
	switch {
	case err != nil:
		writeError(w, h.log, err)
	case v == nil:
		w.WriteHeader(http.StatusNoContent)
	default:
		writeJSON(w, http.StatusOK, v)
	}
}

func (h *Handler) routes() {
	m := h.mux
	m.HandleFunc("GET /csrf", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, map[string]string{"csrf_token": h.CSRFToken(w, r)})
	})
	m.HandleFunc("POST /login", h.post(browser, h.begin))
	m.HandleFunc("GET /login/{id}", func(w http.ResponseWriter, r *http.Request) {
		v, err := h.bound(w, r, func(ctx context.Context, id string) (*mitid.Login, error) { return h.svc.ResumeLogin(ctx, id) })
		h.answer(w, v, err)
	})
	m.HandleFunc("POST /login/{id}/method", h.post(browser, func(w http.ResponseWriter, r *http.Request) (any, error) {
		var b struct {
			Method        mitid.Method `json:"method"`
			Authenticator uuid.UUID    `json:"authenticator"`
		}
		if err := decode(w, r, h.max, &b); err != nil {
			return nil, err
		}
		return h.bound(w, r, func(ctx context.Context, id string) (*mitid.Login, error) {
			return h.svc.ChooseMethod(ctx, id, b.Method, b.Authenticator)
		})
	}))
	m.HandleFunc("POST /login/{id}/code", h.post(browser, func(w http.ResponseWriter, r *http.Request) (any, error) {
		var b struct {
			Code string `json:"code"`
		}
		if err := decode(w, r, h.max, &b); err != nil {
			return nil, err
		}
		return h.bound(w, r, func(ctx context.Context, id string) (*mitid.Login, error) { return h.svc.SubmitCode(ctx, id, b.Code) })
	}))
	m.HandleFunc("POST /login/{id}/password", h.post(browser, func(w http.ResponseWriter, r *http.Request) (any, error) {
		var b struct {
			Password string `json:"password"`
		}
		if err := decode(w, r, h.max, &b); err != nil {
			return nil, err
		}
		return h.bound(w, r, func(ctx context.Context, id string) (*mitid.Login, error) {
			return h.svc.SubmitPassword(ctx, id, b.Password)
		})
	}))
	m.HandleFunc("POST /login/{id}/approval", h.post(app, func(w http.ResponseWriter, r *http.Request) (any, error) {
		var b struct {
			Signature string `json:"signature"`
		}
		if err := decode(w, r, h.max, &b); err != nil {
			return nil, err
		}
		sig, err := base64.RawURLEncoding.DecodeString(b.Signature)
		if err != nil {
			return nil, &mitid.Error{Code: CodeBadJSON, Message: "the signature must be base64url without padding", Field: "signature"}
		}
		l, err := h.svc.SubmitApproval(r.Context(), r.PathValue("id"), sig)
		if err != nil {
			return nil, err
		}
		return NewLoginView(l)
	}))
	m.HandleFunc("POST /login/{id}/chip", h.post(browser, func(w http.ResponseWriter, r *http.Request) (any, error) {
		var b struct {
			Credential json.RawMessage `json:"credential"`
		}
		if err := decode(w, r, h.max, &b); err != nil {
			return nil, err
		}
		return h.bound(w, r, func(ctx context.Context, id string) (*mitid.Login, error) {
			return h.svc.SubmitChip(ctx, id, b.Credential)
		})
	}))
	m.HandleFunc("POST /login/{id}/finish", h.post(browser, h.finish))
	m.HandleFunc("POST /login/{id}/cancel", h.post(browser, func(w http.ResponseWriter, r *http.Request) (any, error) {
		if err := decode(w, r, h.max, nil); err != nil {
			return nil, err
		}
		id, err := h.loginID(r)
		if err != nil {
			return nil, err
		}
		if err := h.svc.CancelLogin(r.Context(), id); err != nil {
			return nil, err
		}
		http.SetCookie(w, h.cookie(loginCookie, "", -1))
		return nil, nil
	}))
	m.HandleFunc("POST /chip/registration", h.post(browser, h.beginChip))
	m.HandleFunc("POST /chip/registration/finish", h.post(browser, h.finishChip))
	h.assets(m)
	m.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		writeError(w, h.log, edgeError(CodeRouteNotFound, "there is no such endpoint: "+r.Method+" "+r.URL.Path))
	})
}

const loginCookie = "mitid-login"

// loginID returns the login of the request's path, if this browser began it.
func (h *Handler) loginID(r *http.Request) (string, error) {
	id, c := r.PathValue("id"), h.cookieValue(r, loginCookie)
	if c == "" || subtle.ConstantTimeCompare([]byte(id), []byte(c)) != 1 {
		return "", edgeError(CodeNotBound, "this login was not begun in this browser; start again")
	}
	return id, nil
}

// bound runs fn on the request's login, if this browser began it, and
// renders the login it returns, with its result if fn's step finished it
// (see stepView).
func (h *Handler) bound(w http.ResponseWriter, r *http.Request, fn func(ctx context.Context, id string) (*mitid.Login, error)) (any, error) {
	id, err := h.loginID(r)
	if err != nil {
		return nil, err
	}
	l, err := fn(r.Context(), id)
	if err != nil {
		return nil, err
	}
	return h.stepView(w, r, l)
}

// stepView renders the Login a step of the browser's returned. Every
// login begun here finishes at its last factor
// (mitid.LoginRequest.FinishAtLastFactor): the step that gives it answers
// with the result, so the browser needs no request more, and the relying
// party's Finished has the result first.
func (h *Handler) stepView(w http.ResponseWriter, r *http.Request, l *mitid.Login) (any, error) {
	v, err := NewLoginView(l)
	if err != nil || l.Result == nil {
		return v, err
	}
	res, err := h.finished(w, r, l.Result)
	if err != nil {
		return nil, err
	}
	v.Result = &res
	return v, nil
}

func (h *Handler) begin(w http.ResponseWriter, r *http.Request) (any, error) {
	var b BeginRequest
	if err := decode(w, r, h.max, &b); err != nil {
		return nil, err
	}
	req := mitid.LoginRequest{UserID: b.UserID, Action: mitid.ActionLogOn, Text: "Log on to " + h.cfg.RelyingParty,
		Level: mitid.LevelSubstantial, RelyingParty: h.cfg.RelyingParty}
	if h.cfg.Prepare != nil {
		var err error
		if req, err = h.cfg.Prepare(r, b); err != nil {
			return nil, err
		}
		req.UserID = b.UserID
		if req.RelyingParty == "" {
			req.RelyingParty = h.cfg.RelyingParty
		}
	}
	// The browser's last step ends the login (see stepView); an app's
	// approval, which the phone posts, leaves it to POST /finish.
	req.FinishAtLastFactor = true
	l, err := h.svc.BeginLogin(r.Context(), req)
	if err != nil {
		return nil, err
	}
	if h.cfg.Begun != nil {
		h.cfg.Begun(r, b, l)
	}
	v, err := NewLoginView(l)
	if err != nil {
		return nil, err
	}
	http.SetCookie(w, h.cookie(loginCookie, l.ID, int(h.svc.Policy().LoginSessionTTL.Seconds())))
	return v, nil
}

func (h *Handler) finish(w http.ResponseWriter, r *http.Request) (any, error) {
	if err := decode(w, r, h.max, nil); err != nil {
		return nil, err
	}
	id, err := h.loginID(r)
	if err != nil {
		return nil, err
	}
	res, err := h.svc.FinishLogin(r.Context(), id)
	if err != nil {
		return nil, err
	}
	return h.finished(w, r, res)
}

// finished renders a login finished for this browser, once the relying
// party's Finished has had it, and forgets the login's cookie.
func (h *Handler) finished(w http.ResponseWriter, r *http.Request, res *mitid.LoginResult) (ResultView, error) {
	http.SetCookie(w, h.cookie(loginCookie, "", -1))
	v := NewResultView(res)
	if h.cfg.Finished != nil {
		var err error
		if v.Redirect, err = h.cfg.Finished(w, r, res); err != nil {
			return ResultView{}, err
		}
	}
	return v, nil
}

const chipCookie = "mitid-chip"

// user returns who is logged on to the site, for chip registration.
func (h *Handler) user(r *http.Request) (uuid.UUID, error) {
	if h.cfg.User == nil {
		return uuid.Nil, edgeError(CodeNotConfiguredWeb, "chip registration is not offered here")
	}
	u, ok := h.cfg.User(r)
	if !ok {
		return uuid.Nil, edgeError(CodeNotLoggedOn, "log on first")
	}
	return u, nil
}

// ChipRegistrationView is the answer to POST /chip/registration.
type ChipRegistrationView struct {
	Session string `json:"session"`
	// Options is PublicKeyCredentialCreationOptionsJSON, for
	// PublicKeyCredential.parseCreationOptionsFromJSON.
	Options json.RawMessage `json:"options"`
}

func (h *Handler) beginChip(w http.ResponseWriter, r *http.Request) (any, error) {
	var b struct {
		Authenticator uuid.UUID `json:"authenticator"`
		// ActivationCode activates a chip that came by mail (from the
		// app's passport scan or Citizen Service); without it the chip must
		// have waited out its access request.
		ActivationCode string `json:"activation_code,omitempty"`
	}
	if err := decode(w, r, h.max, &b); err != nil {
		return nil, err
	}
	user, err := h.user(r)
	if err != nil {
		return nil, err
	}
	var opts []byte
	var session string
	if b.ActivationCode != "" {
		u, uerr := h.svc.User(r.Context(), user)
		if uerr != nil {
			return nil, uerr
		}
		opts, session, err = h.svc.BeginChipActivationWithCode(r.Context(), u.UserID, b.Authenticator, b.ActivationCode)
	} else {
		opts, session, err = h.svc.BeginChipRegistration(r.Context(), user, b.Authenticator)
	}
	if err != nil {
		return nil, err
	}
	pk, err := publicKey(opts)
	if err != nil {
		return nil, err
	}
	http.SetCookie(w, h.cookie(chipCookie, session, 0))
	return ChipRegistrationView{Session: session, Options: pk}, nil
}

func (h *Handler) finishChip(w http.ResponseWriter, r *http.Request) (any, error) {
	var b struct {
		Session    string          `json:"session"`
		Credential json.RawMessage `json:"credential"`
		Password   string          `json:"password,omitempty"`
	}
	if err := decode(w, r, h.max, &b); err != nil {
		return nil, err
	}
	if _, err := h.user(r); err != nil {
		return nil, err
	}
	var login string
	if h.cfg.LoginProof != nil {
		login = h.cfg.LoginProof(r)
	}
	if c := h.cookieValue(r, chipCookie); c == "" || subtle.ConstantTimeCompare([]byte(c), []byte(b.Session)) != 1 {
		return nil, edgeError(CodeNotBound, "this chip registration was not begun in this browser; start again")
	}
	u, _, err := h.svc.FinishChipRegistration(r.Context(), b.Session, b.Credential, mitid.ChipActivation{Password: b.Password, Login: login})
	if err != nil {
		return nil, err
	}
	http.SetCookie(w, h.cookie(chipCookie, "", -1))
	for i := len(u.Authenticators) - 1; i >= 0; i-- {
		if a := &u.Authenticators[i]; a.Kind == mitid.KindChip && a.State == mitid.StateActive {
			return NewAuthenticatorView(a), nil
		}
	}
	return nil, edgeError(CodeInternal, "the chip was registered but is not active")
}
