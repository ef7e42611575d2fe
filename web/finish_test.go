package web_test

import (
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/go-mitid/mitid"
	"github.com/go-mitid/mitid/app"
	"github.com/go-mitid/mitid/mitidtest"
	"github.com/go-mitid/mitid/web"
)

// finishes records the requests in which Config.Finished was called.
type finishes struct {
	mu    sync.Mutex
	paths []string
}

func (f *finishes) finished(_ http.ResponseWriter, r *http.Request, res *mitid.LoginResult) (string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.paths = append(f.paths, r.URL.Path)
	return "/welcome/" + res.UserID, nil
}

func (f *finishes) seen() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.paths...)
}

// finishingSite is newSite with a Finished that records where it ran.
func finishingSite(t *testing.T) (*site, *finishes) {
	t.Helper()
	s := newSite(t)
	f := &finishes{}
	h, err := web.New(web.Config{Service: s.svc, Origin: s.srv.URL, RelyingParty: "bank.example", Finished: f.finished})
	require.NoError(t, err)
	s.serve(t, h)
	return s, f
}

// TestFinish_TheBrowsersLastStepAnswersWithTheResult: the step that gives
// the last factor (here the password after the code) finishes the login:
// its answer is "done" with the result, Finished ran in that request and
// its redirect is in the result, the browser's login cookie is gone, and
// the login is used: nothing is left for /finish.
func TestFinish_TheBrowsersLastStepAnswersWithTheResult(t *testing.T) {
	s, f := finishingSite(t)
	var l web.LoginView
	s.call(t, "/login", `{"user_id":"anna.web"}`, &l)
	s.call(t, "/login/"+l.ID+"/code", `{"code":"`+s.code(t)+`"}`, &l)
	require.Equal(t, mitid.StepPassword, l.Next)
	assert.Nil(t, l.Result, "no result before the last factor")
	assert.Empty(t, f.seen())

	s.call(t, "/login/"+l.ID+"/password", `{"password":"`+password+`"}`, &l)
	assert.Equal(t, mitid.StepDone, l.Next)
	require.NotNil(t, l.Result)
	assert.Equal(t, "anna.web", l.Result.UserID)
	assert.Equal(t, "Substantial", l.Result.LoA)
	assert.Equal(t, "/welcome/anna.web", l.Result.Redirect, "Finished's redirect")
	assert.Equal(t, []string{"/login/" + l.ID + "/password"}, f.seen(), "Finished ran once, in the last step")

	resp := s.do(t, request{path: "/login/" + l.ID + "/finish"})
	defer resp.Body.Close()
	e := errorOf(t, resp)
	assert.Equal(t, web.CodeNotBound, e.Code, "the login's cookie went with the result")
	_, err := s.svc.FinishLogin(t.Context(), l.ID)
	assert.Equal(t, mitid.CodeSessionUsed, mitid.ErrorCode(err), "the login is finished")
}

// TestFinish_AnAppsApprovalLeavesTheFinishToTheBrowser: the phone posts the
// app's approval, and the result must reach the browser, not the phone:
// the approval's answer is "done" without a result and Finished does not
// run for it; the browser, polling, sees "done" and posts /finish, which
// answers with the result, Finished running there, once.
func TestFinish_AnAppsApprovalLeavesTheFinishToTheBrowser(t *testing.T) {
	env := mitidtest.New(t)
	bo := env.Enrol(t, "bo.app", mitid.LevelSubstantial, mitid.KindApp)
	s := &site{svc: env.Service, clock: env.Clock, srv: httptest.NewServer(nil)}
	t.Cleanup(s.srv.Close)
	f := &finishes{}
	h, err := web.New(web.Config{Service: s.svc, Origin: s.srv.URL, RelyingParty: "bank.example", Finished: f.finished})
	require.NoError(t, err)
	s.serve(t, h)

	var l web.LoginView
	s.call(t, "/login", `{"user_id":"bo.app"}`, &l)
	body, err := json.Marshal(map[string]any{"method": mitid.MethodApp, "authenticator": bo.AppID})
	require.NoError(t, err)
	s.call(t, "/login/"+l.ID+"/method", string(body), &l)
	require.Equal(t, mitid.StepApproval, l.Next)
	challenge, err := base64.RawURLEncoding.DecodeString(l.Challenge)
	require.NoError(t, err)
	sig, err := bo.App.Approve(app.Request{Challenge: challenge, Action: string(l.Action), Text: l.Text}, mitidtest.AppPIN)
	require.NoError(t, err)

	// The phone: no cookie, no CSRF token.
	req, err := http.NewRequest(http.MethodPost, s.srv.URL+"/login/"+l.ID+"/approval",
		strings.NewReader(`{"signature":"`+base64.RawURLEncoding.EncodeToString(sig)+`"}`))
	require.NoError(t, err)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	var approved web.LoginView
	require.Equal(t, http.StatusOK, resp.StatusCode)
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&approved))
	resp.Body.Close()
	assert.Equal(t, mitid.StepDone, approved.Next)
	assert.Nil(t, approved.Result, "no result for the phone")
	assert.Empty(t, f.seen(), "Finished does not run for the phone")

	s.get(t, "/login/"+l.ID, &l)
	assert.Equal(t, mitid.StepDone, l.Next)
	assert.Nil(t, l.Result)
	var res web.ResultView
	s.call(t, "/login/"+l.ID+"/finish", ``, &res)
	assert.Equal(t, "bo.app", res.UserID)
	assert.Equal(t, []mitid.Kind{mitid.KindApp}, res.Kinds)
	assert.Equal(t, "/welcome/bo.app", res.Redirect)
	assert.Equal(t, []string{"/login/" + l.ID + "/finish"}, f.seen(), "Finished ran once, for the browser")
}
