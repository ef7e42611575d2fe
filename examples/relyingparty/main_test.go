package main

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/go-mitid/mitid/app"
	"github.com/go-mitid/mitid/examples/internal/browsertest"
	"github.com/go-mitid/mitid/examples/internal/demo"
)

// bank is the relying party served on loopback for one test.
type bank struct {
	*server
	url string
}

func startBank(t *testing.T) *bank {
	t.Helper()
	s, url := browsertest.Serve(t, newServer)
	return &bank{server: s, url: url}
}

// logOnAs types the user ID into the login box.
func logOnAs(b *browsertest.Browser, userID string) {
	b.Do(
		chromedp.WaitVisible(chromedp.ID("mitid-user-id")),
		chromedp.SendKeys(chromedp.ID("mitid-user-id"), userID),
		chromedp.Click(chromedp.CSS("#mitid-userid-form button")),
	)
}

func enter(b *browsertest.Browser, field, value string) {
	b.Do(
		chromedp.WaitVisible(chromedp.ID(field)),
		chromedp.SendKeys(chromedp.ID(field), value+kb.Enter),
	)
}

func TestBrowser_CodeDisplayLogin(t *testing.T) {
	s := startBank(t)
	b := browsertest.Start(t)
	b.Do(chromedp.Navigate(s.url + "/login"))
	b.Axe()
	logOnAs(b, "anna.hansen")
	b.WaitText("#mitid-status", "Enter the code")
	b.Axe()
	enter(b, "mitid-code", s.demo.Person("anna.hansen").Code())
	b.WaitText("#mitid-status", "Enter your password")
	enter(b, "mitid-password", demo.Password)
	b.WaitText("#loa", "Substantial")
	if got := b.Text("#method"); got != "code_display" {
		t.Errorf("method %q", got)
	}
	b.Axe()
}

// phone plays the MitID app: it reads the login the page shows, checks its
// text, and posts its signature as the app would (no cookie, no token).
func phone(t *testing.T, s *bank, b *browsertest.Browser, userID, wantText string) {
	t.Helper()
	b.WaitText("#mitid-status", "Approve in your MitID app")
	raw := browsertest.Eval[string](b, `JSON.stringify(document.querySelector('[data-mitid-login]').mitid.login)`)
	var l struct {
		ID, Action, Text, Challenge string
	}
	if err := json.Unmarshal([]byte(raw), &l); err != nil {
		t.Fatal(err)
	}
	if l.Text != wantText {
		t.Fatalf("the app shows %q, want %q", l.Text, wantText)
	}
	if shown := b.Text("#mitid-text-value"); shown != wantText {
		t.Fatalf("the page shows %q, want %q", shown, wantText)
	}
	ch, err := base64.RawURLEncoding.DecodeString(l.Challenge)
	if err != nil {
		t.Fatal(err)
	}
	sig, err := s.demo.Person(userID).Phone.Approve(app.Request{Challenge: ch, Action: l.Action, Text: l.Text}, demo.PIN)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := json.Marshal(map[string]string{"signature": base64.RawURLEncoding.EncodeToString(sig)})
	resp, err := http.Post(s.url+"/mitid/login/"+l.ID+"/approval", "application/json", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("the approval: %s", resp.Status)
	}
}

func TestBrowser_AppApproval(t *testing.T) {
	s := startBank(t)
	b := browsertest.Start(t)
	b.Do(chromedp.Navigate(s.url + "/login"))
	logOnAs(b, "bo.jensen")
	phone(t, s, b, "bo.jensen", "Log on to Demo Bank")
	b.WaitText("#loa", "Substantial")
	if got := b.Text("#method"); got != "app" {
		t.Errorf("method %q", got)
	}
}

func TestBrowser_PaymentApprovalShowsItsText(t *testing.T) {
	s := startBank(t)
	b := browsertest.Start(t)
	b.Do(chromedp.Navigate(s.url + "/pay"))
	b.Axe()
	if got := b.Text("#payment-text"); got != payment {
		t.Fatalf("payment page shows %q", got)
	}
	logOnAs(b, "bo.jensen")
	b.Axe()
	phone(t, s, b, "bo.jensen", payment)
	b.WaitText("#approved", payment)
	b.WaitText("#loa", "Substantial")
	b.Axe()
}

func TestBrowser_WrongCodeShowsAnError(t *testing.T) {
	s := startBank(t)
	b := browsertest.Start(t)
	b.Do(chromedp.Navigate(s.url + "/login"))
	logOnAs(b, "anna.hansen")
	code := s.demo.Person("anna.hansen").Code()
	wrong := "000000"
	if code == wrong {
		wrong = "111111"
	}
	enter(b, "mitid-code", wrong)
	b.WaitText("#mitid-error", "code is wrong")
	b.WaitText("#mitid-status", "Enter the code")
	b.Axe()
	enter(b, "mitid-code", code)
	b.WaitText("#mitid-status", "Enter your password")
}

func TestBrowser_SuspendedDeviceShowsAnError(t *testing.T) {
	s := startBank(t)
	b := browsertest.Start(t)
	b.Do(chromedp.Navigate(s.url + "/login"))
	logOnAs(b, "erik.spaerret")
	b.WaitText("#mitid-error", "suspended")
	b.Axe()
}

// TestBrowser_AudioCodeReaderByKeyboardAlone logs on with the audio code
// reader using key events only: Tab to the user ID, type, Enter; the box
// moves the focus to each next field itself.
func TestBrowser_AudioCodeReaderByKeyboardAlone(t *testing.T) {
	s := startBank(t)
	b := browsertest.Start(t)
	b.Do(chromedp.Navigate(s.url+"/login"), chromedp.WaitVisible(chromedp.ID("mitid-user-id")))
	for i := 0; i < 20 && browsertest.Eval[string](b, "document.activeElement.id") != "mitid-user-id"; i++ {
		b.Do(chromedp.KeyEvent(kb.Tab))
	}
	if id := browsertest.Eval[string](b, "document.activeElement.id"); id != "mitid-user-id" {
		t.Fatalf("Tab never reached the user ID field (at %q)", id)
	}
	b.Do(chromedp.KeyEvent("carl.lund" + kb.Enter))
	b.WaitText("#mitid-code-label", "audio code reader")
	b.WaitFocus("mitid-code")
	b.Do(chromedp.KeyEvent(s.demo.Person("carl.lund").Code() + kb.Enter))
	b.WaitText("#mitid-status", "Enter your password")
	b.WaitFocus("mitid-password")
	b.Do(chromedp.KeyEvent(demo.Password + kb.Enter))
	b.WaitText("#loa", "Substantial")
	if got := b.Text("#method"); got != "audio_code_reader" {
		t.Errorf("method %q", got)
	}
}

// TestBrowser_DemoPhoneApproves begins an app login in one tab and approves
// it with the demo page's phone in another, as a person trying the demo
// would; the first tab moves on by itself.
func TestBrowser_DemoPhoneApproves(t *testing.T) {
	s := startBank(t)
	b := browsertest.Start(t)
	b.Do(chromedp.Navigate(s.url + "/login"))
	logOnAs(b, "bo.jensen")
	b.WaitText("#mitid-status", "Approve in your MitID app")
	phoneTab := b.NewTab()
	phoneTab.Do(chromedp.Navigate(s.url+"/demo"), chromedp.Click(chromedp.CSS(`form[action="/demo/phone/bo.jensen"] button`)))
	phoneTab.WaitText(".flash", "The phone approved: Log on to Demo Bank")
	phoneTab.Axe()
	b.WaitText("#loa", "Substantial")
}
