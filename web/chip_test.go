package web_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/go-mitid/mitid"
	"github.com/go-mitid/mitid/chip"
	"github.com/go-mitid/mitid/chip/chiptest"
	"github.com/go-mitid/mitid/mitidtest/fake"
	"github.com/go-mitid/mitid/store/memory"
	"github.com/go-mitid/mitid/web"
)

// chipSite is a Handler on "http://localhost:PORT" whose logged-on user
// has a chip waiting to be connected.
type chipSite struct {
	*site
	origin string
	sim    *chiptest.Simulator
	chipID uuid.UUID
	code   string // the chip's paper activation code: it came by mail
}

func newChipSite(t *testing.T) *chipSite {
	t.Helper()
	ctx := context.Background()
	s := &site{clock: fake.NewClock(time.Date(2026, 11, 21, 9, 0, 0, 0, time.UTC))}
	s.srv = httptest.NewServer(nil)
	t.Cleanup(s.srv.Close)
	origin := strings.Replace(s.srv.URL, "127.0.0.1", "localhost", 1)
	cv, err := chip.New(chip.Config{RPID: "localhost", RPName: "Bank", Origins: []string{origin}, Now: s.clock.Now, Rand: seeded(9)})
	require.NoError(t, err)
	s.svc = newService(t, mitid.Config{Store: memory.New(), Clock: s.clock, Chip: cv}, true)
	u, _, err := s.svc.CreateUser(ctx, mitid.UserRequest{Email: "holder@example.dk", UserID: "chip.web", CPR: "010190-1234", IAL: mitid.LevelSubstantial})
	require.NoError(t, err)
	_, evs, err := s.svc.AddAuthenticator(ctx, u.ID, mitid.AuthenticatorRequest{Kind: mitid.KindChip, State: mitid.StatePendingActivation})
	require.NoError(t, err)
	s.user = u
	h, err := web.New(web.Config{Service: s.svc, Origin: origin, User: func(*http.Request) (uuid.UUID, bool) { return u.ID, true }})
	require.NoError(t, err)
	s.serve(t, h)
	sim, err := chiptest.NewSimulator(seeded(5))
	require.NoError(t, err)
	code, _, _, err := s.svc.IssueCode(ctx, u.ID, mitid.PurposeActivation, mitid.CodeOnPaper)
	require.NoError(t, err)
	return &chipSite{site: s, origin: origin, sim: sim, chipID: evs[0].Authenticator, code: code}
}

func (c *chipSite) post(t *testing.T, path, body string) *http.Response {
	t.Helper()
	return c.do(t, request{path: path, body: body, origin: c.origin})
}

// TestChip_OverHTTP connects a chip through the registration endpoints and
// logs on with it; the options are the bare JSON a browser's helper takes,
// and each kind of refused answer reaches the page with its own code.
func TestChip_OverHTTP(t *testing.T) {
	c := newChipSite(t)
	resp := c.post(t, "/chip/registration", `{"authenticator":"`+c.chipID.String()+`","activation_code":"`+c.code+`"}`)
	require.Equal(t, http.StatusOK, resp.StatusCode)
	var reg web.ChipRegistrationView
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&reg))
	resp.Body.Close()
	var opts map[string]any
	require.NoError(t, json.Unmarshal(reg.Options, &opts))
	assert.Contains(t, opts, "challenge", "the creation options themselves, not wrapped in publicKey")
	assert.NotContains(t, opts, "publicKey")
	cred, err := c.sim.Register([]byte(`{"publicKey":`+string(reg.Options)+`}`), c.origin)
	require.NoError(t, err)
	body, _ := json.Marshal(map[string]any{"session": reg.Session, "credential": json.RawMessage(cred), "password": password})
	resp = c.post(t, "/chip/registration/finish", string(body))
	require.Equal(t, http.StatusOK, resp.StatusCode)
	var a web.AuthenticatorView
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&a))
	resp.Body.Close()
	assert.Equal(t, mitid.StateActive, a.State)
	assert.Equal(t, c.chipID, a.ID)

	var l web.LoginView
	c.callAt(t, "/login", `{"user_id":"chip.web"}`, &l)
	require.Equal(t, mitid.StepPassword, l.Next)
	c.callAt(t, "/login/"+l.ID+"/password", `{"password":"`+password+`"}`, &l)
	require.Equal(t, mitid.StepChip, l.Next)
	var req map[string]any
	require.NoError(t, json.Unmarshal(l.ChipOptions, &req))
	assert.Contains(t, req, "allowCredentials", "the request options themselves")

	refusals := []struct {
		name   string
		cred   func(opts []byte) []byte
		code   mitid.Code
		status int
	}{
		{"malformed", func([]byte) []byte { return []byte(`{"id":"x"}`) }, mitid.CodeChipMalformed, 400},
		{"another origin", func(o []byte) []byte {
			b, err := c.sim.Login(o, "http://localhost.evil:1", chiptest.WithoutClientChecks())
			require.NoError(t, err)
			return b
		}, mitid.CodeChipWrongOrigin, 401},
	}
	for _, r := range refusals {
		c.get(t, "/login/"+l.ID, &l)
		body, _ := json.Marshal(map[string]any{"credential": json.RawMessage(r.cred([]byte(`{"publicKey":` + string(l.ChipOptions) + `}`)))})
		resp := c.post(t, "/login/"+l.ID+"/chip", string(body))
		e := errorOf(t, resp)
		assert.Equal(t, r.code, e.Code, r.name)
		assert.Equal(t, r.status, resp.StatusCode, r.name)
	}
	c.get(t, "/login/"+l.ID, &l)
	good, err := c.sim.Login([]byte(`{"publicKey":`+string(l.ChipOptions)+`}`), c.origin)
	require.NoError(t, err)
	body, _ = json.Marshal(map[string]any{"credential": json.RawMessage(good)})
	c.callAt(t, "/login/"+l.ID+"/chip", string(body), &l)
	require.NotNil(t, l.Result, "the chip's answer finishes the login")
	assert.Equal(t, []mitid.Kind{mitid.KindPassword, mitid.KindChip}, l.Result.Kinds)
}

func (c *chipSite) callAt(t *testing.T, path, body string, v any) {
	t.Helper()
	resp := c.post(t, path, body)
	defer resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode, path)
	require.NoError(t, json.NewDecoder(resp.Body).Decode(v))
}
