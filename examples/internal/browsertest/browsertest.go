// Package browsertest drives the example servers in a real headless
// Chromium (chromedp), with a virtual FIDO U2F chip from the DevTools
// WebAuthn domain and axe-core for accessibility. Tests skip with a clear
// message when Chromium or axe-core is missing, unless MITID_E2E_REQUIRED is
// set (CI sets it), and under -short.
package browsertest

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/webauthn"
	"github.com/chromedp/chromedp"

	"github.com/go-mitid/mitid/examples/internal/demo"
)

// Browser is one fresh headless Chromium for one test.
type Browser struct {
	t   *testing.T
	ctx context.Context
}

// missing skips the test, or fails it where the tool is required.
func missing(t *testing.T, format string, args ...any) {
	t.Helper()
	if os.Getenv("MITID_E2E_REQUIRED") != "" {
		t.Fatalf(format, args...)
	}
	t.Skipf(format, args...)
}

// chromium finds the browser: MITID_CHROMIUM, or Debian's chromium.
func chromium() string {
	if p := os.Getenv("MITID_CHROMIUM"); p != "" {
		return p
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	return ""
}

// Start launches a fresh Chromium (its own user-data dir) for t, with the
// flags Chromium needs to run as root in a container and to stay off the
// network. It saves a screenshot of the last page when t ends.
func Start(t *testing.T) *Browser {
	t.Helper()
	if testing.Short() {
		t.Skip("browser test: skipped under -short")
	}
	path := chromium()
	if path == "" {
		missing(t, "browser test: Chromium not found; install Debian's chromium (apt-get install chromium) or set MITID_CHROMIUM (.ci/run installs it)")
	}
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(path),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU, chromedp.NoFirstRun,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.WindowSize(1000, 900),
	}
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(actx)
	b := &Browser{t: t, ctx: ctx}
	if err := chromedp.Do(ctx); err != nil {
		cancel()
		cancelAlloc()
		t.Fatalf("browser test: starting %s: %v", path, err)
	}
	t.Cleanup(func() {
		b.screenshot()
		cancel()
		cancelAlloc()
	})
	return b
}

// screenshot saves the last page as the test's artefact, in MITID_ARTEFACTS
// (CI) or the temporary directory.
func (b *Browser) screenshot() {
	dir := os.Getenv("MITID_ARTEFACTS")
	if dir == "" {
		dir = filepath.Join(os.TempDir(), "go-mitid-e2e")
	}
	if err := os.MkdirAll(dir, 0o750); err != nil {
		b.t.Logf("screenshot: %v", err)
		return
	}
	// The last step may have set off a navigation: wait for the page to
	// load, and try again while the new page has no layout yet.
	var png []byte
	var err error
	for try := 0; try < 30; try++ {
		ctx, cancel := context.WithTimeout(b.ctx, 5*time.Second)
		ready, _ := chromedp.Run(ctx, chromedp.Evaluate[bool](`document.readyState === "complete" && document.documentElement.clientWidth > 0`))
		if ready {
			png, err = chromedp.Run(ctx, chromedp.FullScreenshot(100))
		}
		cancel()
		if ready && err == nil {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if png == nil {
		b.t.Errorf("screenshot of the last page: none taken (%v)", err)
		return
	}
	name := filepath.Join(dir, strings.NewReplacer("/", "_", " ", "_").Replace(b.t.Name())+".png")
	if err := os.WriteFile(name, png, 0o600); err != nil {
		b.t.Logf("screenshot: %v", err)
		return
	}
	b.t.Logf("screenshot of the last page: %s", name)
}

// Do runs the steps, failing the test at the first error, within a minute.
func (b *Browser) Do(steps ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 30*time.Second)
	defer cancel()
	if err := chromedp.Do(ctx, steps...); err != nil {
		b.t.Fatalf("browser: %v", err)
	}
}

// Text returns the text of the element sel.
func (b *Browser) Text(sel string) string {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 15*time.Second)
	defer cancel()
	s, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(sel)))
	if err != nil {
		b.t.Fatalf("browser: text of %s: %v", sel, err)
	}
	return s
}

// Eval evaluates a JavaScript expression into v's type.
func Eval[T any](b *Browser, expr string) T {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 15*time.Second)
	defer cancel()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](expr, chromedp.EvalAwaitPromise))
	if err != nil {
		b.t.Fatalf("browser: %s: %v", expr, err)
	}
	return v
}

// WaitText waits until the element sel is shown and its text contains
// want. It polls from Go, so a navigation on the way (a redirect after the
// login) does not end the wait.
func (b *Browser) WaitText(sel, want string) {
	b.t.Helper()
	b.WaitTrue(fmt.Sprintf(`(() => { const e = document.querySelector(%q); return !!e && !e.closest('[hidden]') && e.textContent.includes(%q); })()`, sel, want),
		fmt.Sprintf("%s to say %q", sel, want),
		fmt.Sprintf(`(document.querySelector(%q)||{}).textContent||""`, sel))
}

// WaitFocus waits until the element with the ID has the focus.
func (b *Browser) WaitFocus(id string) {
	b.t.Helper()
	b.WaitTrue(fmt.Sprintf(`document.activeElement && document.activeElement.id === %q`, id), "the focus on #"+id, `document.activeElement ? document.activeElement.id : ""`)
}

// WaitTrue polls the expression until it is true on a page loaded whole,
// for 15 seconds; on failure it reports what the page says in the terms of
// explain. A page still loading (a reload the page set off itself) does not
// count: its nodes may be replaced under the next step.
func (b *Browser) WaitTrue(expr, what, explain string) {
	b.t.Helper()
	expr = `document.readyState === "complete" && (` + expr + `)`
	deadline := time.Now().Add(15 * time.Second)
	for {
		ctx, cancel := context.WithTimeout(b.ctx, 5*time.Second)
		ok, err := chromedp.Run(ctx, chromedp.Evaluate[bool](expr))
		cancel()
		if err == nil && ok {
			return
		}
		if time.Now().After(deadline) {
			got, _ := chromedp.Run(b.ctx, chromedp.Evaluate[string](explain))
			b.t.Fatalf("browser: waited in vain for %s (it is %q; last error %v)", what, got, err)
		}
		time.Sleep(40 * time.Millisecond)
	}
}

// VirtualChip adds a virtual FIDO U2F chip on USB that confirms presence by
// itself, and returns its ID.
func (b *Browser) VirtualChip() webauthn.AuthenticatorID {
	b.t.Helper()
	var id webauthn.AuthenticatorID
	b.Do(chromedp.Func(func(ctx context.Context, _ *chromedp.Target) error {
		if _, err := chromedp.Call(ctx, webauthn.Enable, webauthn.EnableParams{}); err != nil {
			return err
		}
		res, err := chromedp.Call(ctx, webauthn.AddVirtualAuthenticator, webauthn.AddVirtualAuthenticatorParams{
			Options: &webauthn.VirtualAuthenticatorOptions{Protocol: webauthn.AuthenticatorProtocolU2f,
				Transport: webauthn.AuthenticatorTransportUsb, AutomaticPresenceSimulation: true}})
		id = res.AuthenticatorID
		return err
	}))
	return id
}

// axePath finds axe.min.js: MITID_AXE, or the cache .ci/run installs it in.
func axePath() string {
	if p := os.Getenv("MITID_AXE"); p != "" {
		return p
	}
	home, _ := os.UserCacheDir()
	return filepath.Join(home, "go-mitid", "axe", "node_modules", "axe-core", "axe.min.js")
}

// Axe injects axe-core into the page and fails the test on any serious or
// critical violation of WCAG 2 A/AA.
func (b *Browser) Axe() {
	b.t.Helper()
	src, err := os.ReadFile(axePath())
	if err != nil {
		missing(b.t, "accessibility check: axe-core not found at %s; run `npm install --prefix ~/.cache/go-mitid/axe axe-core` or set MITID_AXE (.ci/run installs it)", axePath())
	}
	// The page's CSP forbids inline script; DevTools' evaluation is not
	// subject to it.
	Eval[bool](b, string(src)+";true")
	raw := Eval[string](b, `axe.run(document, {runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice']}})
		.then(r => JSON.stringify(r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map(n => n.target.join(' '))}))))`)
	var vs []struct {
		ID, Impact, Help string
		Nodes            []string
	}
	if err := json.Unmarshal([]byte(raw), &vs); err != nil {
		b.t.Fatalf("axe: %v", err)
	}
	url := Eval[string](b, "location.pathname")
	for _, v := range vs {
		if v.Impact == "serious" || v.Impact == "critical" {
			b.t.Errorf("axe on %s: %s (%s): %s at %v", url, v.ID, v.Impact, v.Help, v.Nodes)
		} else {
			b.t.Logf("axe on %s: %s (%s): %s", url, v.ID, v.Impact, v.Help)
		}
	}
}

// Fatalf fails the test.
func (b *Browser) Fatalf(format string, args ...any) {
	b.t.Helper()
	b.t.Fatalf(format, args...)
}

// Serve builds a site with build on the demo (memory store, cheap
// hashing, demo mode), serves it on a loopback port for the test's
// duration, and returns it with its origin.
func Serve[S demo.Site](t *testing.T, build func(ctx context.Context, o demo.Options, demoMode bool) (S, error)) (S, string) {
	t.Helper()
	ln, origin, err := demo.Listen("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	site, err := build(context.Background(), demo.Options{Origin: origin, CheapHashing: true}, true)
	if err != nil {
		ln.Close()
		t.Fatal(err)
	}
	srv := httptest.NewUnstartedServer(site)
	srv.Listener.Close()
	srv.Listener = ln
	srv.Start()
	t.Cleanup(func() { srv.Close(); site.Close() })
	return site, origin
}

// NewTab opens another tab in the same browser (its cookies shared).
func (b *Browser) NewTab() *Browser {
	b.t.Helper()
	ctx, cancel := chromedp.NewContext(b.ctx)
	if err := chromedp.Do(ctx); err != nil {
		b.t.Fatalf("browser: new tab: %v", err)
	}
	b.t.Cleanup(cancel)
	return &Browser{t: b.t, ctx: ctx}
}
