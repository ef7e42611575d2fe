package web_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/go-mitid/mitid"
	"github.com/go-mitid/mitid/codedisplay"
	"github.com/go-mitid/mitid/codedisplay/codedisplaytest"
	"github.com/go-mitid/mitid/mitidtest/fake"
	"github.com/go-mitid/mitid/store/memory"
	"github.com/go-mitid/mitid/web"
)

const password = "korrekt hest batteri"

func seeded(n uint64) io.Reader { return fake.Rand(n) }

// site is a Handler on a memory store with one citizen holding a code
// display, served over loopback.
type site struct {
	svc     *mitid.Service
	clock   *fake.Clock
	display *codedisplaytest.Device
	user    *mitid.User
	srv     *httptest.Server
	client  *http.Client
	csrf    string
}

func newSite(t testing.TB) *site {
	t.Helper()
	return newSiteWith(t, true)
}

// newSiteWith builds the site with cheap password hashing, or with
// DefaultPolicy's (argon2id, 64 MiB, 3 passes) when cheap is false.
func newSiteWith(t testing.TB, cheap bool) *site {
	t.Helper()
	return newSiteOn(t, memory.New(), cheap)
}

// newSiteOn builds the site on store.
func newSiteOn(t testing.TB, store mitid.Store, cheap bool) *site {
	t.Helper()
	ctx := context.Background()
	clk := fake.NewClock(time.Date(2026, 11, 21, 9, 0, 0, 0, time.UTC))
	svc := newService(t, mitid.Config{Store: store, Clock: clk}, cheap)
	u, _, err := svc.CreateUser(ctx, mitid.UserRequest{Email: "holder@example.dk", UserID: "anna.web", CPR: "010190-1234", IAL: mitid.LevelSubstantial})
	require.NoError(t, err)
	dev, err := codedisplaytest.Manufacture(seeded(3), codedisplay.MitIDParams(), clk.Now)
	require.NoError(t, err)
	_, evs, err := svc.AddCodeDevice(ctx, u.ID, mitid.CodeDeviceRequest{Kind: mitid.KindCodeDisplay, Serial: dev.Serial().String(), Seed: dev.Seed(), State: mitid.StatePendingActivation})
	require.NoError(t, err)
	code, err := dev.Code()
	require.NoError(t, err)
	paper, _, _, err := svc.IssueCode(ctx, u.ID, mitid.PurposeActivation, mitid.CodeOnPaper)
	require.NoError(t, err)
	u, _, err = svc.ActivateWithCode(ctx, u.UserID, evs[0].Authenticator, mitid.ActivationCodes{Code: paper,
		Serial: dev.Serial().String(), DeviceCode: code, Password: password})
	require.NoError(t, err)
	clk.Advance(30 * time.Second)

	s := &site{svc: svc, clock: clk, display: dev, user: u}
	s.srv = httptest.NewUnstartedServer(nil)
	s.srv.Start()
	t.Cleanup(s.srv.Close)
	h, err := web.New(web.Config{Service: svc, Origin: s.srv.URL, RelyingParty: "bank.example"})
	require.NoError(t, err)
	s.serve(t, h)
	return s
}

// newService builds a Service from cfg with a test key ring and seeded
// randomness, and cheap password hashing when cheap is set.
func newService(t testing.TB, cfg mitid.Config, cheap bool) *mitid.Service {
	t.Helper()
	keys, err := mitid.NewRandomKeyRing(seeded(1))
	require.NoError(t, err)
	p := mitid.DefaultPolicy()
	if cheap {
		p.Argon2 = mitid.Argon2Params{Time: 1, Memory: 64, Threads: 1, KeyLen: 32, SaltLen: 16}
	}
	cfg.Keys, cfg.Rand, cfg.Policy = keys, seeded(2), &p
	svc, err := mitid.New(cfg)
	require.NoError(t, err)
	return svc
}

// serve puts h behind the site's server and gives the site a browser-like
// client: a cookie jar and the CSRF token.
func (s *site) serve(t testing.TB, h http.Handler) {
	t.Helper()
	s.srv.Config.Handler = h
	jar, err := cookiejar.New(nil)
	require.NoError(t, err)
	s.client = &http.Client{Jar: jar}
	var tok struct {
		CSRFToken string `json:"csrf_token"`
	}
	s.get(t, "/csrf", &tok)
	s.csrf = tok.CSRFToken
}

// request sends a request as the site's own page would, with changes.
type request struct {
	method, path, body string
	contentType        string // "application/json" when empty
	origin             string // the site's when empty; "-" for none
	csrf               string // the site's token when empty; "-" for none
	fetchSite          string // Sec-Fetch-Site, none when empty
}

func (s *site) do(t testing.TB, r request) *http.Response {
	t.Helper()
	if r.method == "" {
		r.method = http.MethodPost
	}
	req, err := http.NewRequest(r.method, s.srv.URL+r.path, strings.NewReader(r.body))
	require.NoError(t, err)
	set := func(k, v, dflt string) {
		switch v {
		case "-":
		case "":
			req.Header.Set(k, dflt)
		default:
			req.Header.Set(k, v)
		}
	}
	set("Content-Type", r.contentType, "application/json")
	set("Origin", r.origin, s.srv.URL)
	set("X-CSRF-Token", r.csrf, s.csrf)
	if r.fetchSite != "" {
		req.Header.Set("Sec-Fetch-Site", r.fetchSite)
	}
	resp, err := s.client.Do(req)
	require.NoError(t, err)
	return resp
}

// call posts body to path and decodes the answer into v, failing the test
// unless it is 200.
func (s *site) call(t testing.TB, path, body string, v any) {
	t.Helper()
	resp := s.do(t, request{path: path, body: body})
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(resp.Body)
		t.Fatalf("POST %s: %d %s", path, resp.StatusCode, b)
	}
	require.NoError(t, json.NewDecoder(resp.Body).Decode(v))
}

func (s *site) get(t testing.TB, path string, v any) {
	t.Helper()
	resp, err := s.client.Get(s.srv.URL + path)
	require.NoError(t, err)
	defer resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode)
	require.NoError(t, json.NewDecoder(resp.Body).Decode(v))
}

// errorOf decodes an error response.
func errorOf(t testing.TB, resp *http.Response) web.ErrorBody {
	t.Helper()
	defer resp.Body.Close()
	require.Equal(t, "application/json; charset=utf-8", resp.Header.Get("Content-Type"))
	var e web.ErrorBody
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&e))
	return e
}

func (s *site) code(t testing.TB) string {
	t.Helper()
	c, err := s.display.Code()
	require.NoError(t, err)
	return c
}
