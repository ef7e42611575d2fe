package main

import (
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/go-mitid/mitid"
	"github.com/go-mitid/mitid/examples/internal/browsertest"
	"github.com/go-mitid/mitid/examples/internal/demo"
)

type site struct {
	*server
	url string
}

func startSite(t *testing.T) *site {
	t.Helper()
	s, url := browsertest.Serve(t, newServer)
	return &site{server: s, url: url}
}

func enter(b *browsertest.Browser, field, value string) {
	b.Do(chromedp.WaitVisible(chromedp.ID(field)), chromedp.SendKeys(chromedp.ID(field), value+kb.Enter))
}

// logOnWithCode logs on with the person's code display and password.
func logOnWithCode(s *site, b *browsertest.Browser, userID string) {
	b.Do(chromedp.Navigate(s.url + "/"))
	enter(b, "mitid-user-id", userID)
	b.WaitText("#mitid-status", "Enter the code")
	enter(b, "mitid-code", s.demo.Person(userID).Code())
	b.WaitText("#mitid-status", "Enter your password")
	enter(b, "mitid-password", demo.Password)
	b.WaitText("#authenticators", "code display")
}

// logOnWithChip logs on choosing the password and chip.
func logOnWithChip(s *site, b *browsertest.Browser, userID string, native bool) {
	b.Do(chromedp.Navigate(s.url + "/"))
	if !native {
		browsertest.Eval[bool](b, "MitIDWebAuthn.native = false; true")
	}
	if got := browsertest.Eval[bool](b, "MitIDWebAuthn.native && typeof PublicKeyCredential.parseRequestOptionsFromJSON === 'function'"); got != native {
		b.Fatalf("the browser's JSON helpers in use: %v, want %v", got, native)
	}
	enter(b, "mitid-user-id", userID)
	b.WaitText("#mitid-method-list", "MitID chip")
	b.Do(chromedp.Click(chromedp.JSPath(`[...document.querySelectorAll('#mitid-method-list button')].filter(b => b.textContent.includes('password and MitID chip'))`)))
	b.WaitText("#mitid-status", "Enter your password")
	enter(b, "mitid-password", demo.Password)
	b.WaitText("#mitid-status", "Use your MitID chip")
	b.Do(chromedp.Click(chromedp.ID("mitid-chip-button")))
	b.WaitText("#authenticators", "active")
}

// TestBrowser_ChipActivationAndLogin connects a chip (a virtual U2F key)
// on the authenticators page and logs on with it, once with the browser's
// WebAuthn JSON helpers and once with the helper script's own conversion.
func TestBrowser_ChipActivationAndLogin(t *testing.T) {
	s := startSite(t)
	b := browsertest.Start(t)
	b.VirtualChip()
	b.Do(chromedp.Navigate(s.url + "/"))
	b.Axe()
	logOnWithCode(s, b, "dorte.chip")
	b.Axe()
	b.Do(chromedp.SendKeys(chromedp.CSS(`input[id^="code-"]`), s.demo.Person("dorte.chip").ActivationCode),
		chromedp.Click(chromedp.CSS("[data-mitid-register-chip]")))
	b.WaitTrue(`!document.querySelector('[data-mitid-register-chip]') && document.querySelector('#authenticators').textContent.includes('MitID chip')`, "the chip connected", `document.querySelector('#chip-out').textContent`)
	u, err := s.svc.UserByUserID(t.Context(), "dorte.chip")
	if err != nil {
		t.Fatal(err)
	}
	chips := 0
	for _, a := range u.Authenticators {
		if a.Kind == mitid.KindChip && a.State == mitid.StateActive && len(a.CredentialID) > 0 {
			chips++
		}
	}
	if chips != 1 {
		t.Fatalf("%d active chips after connecting one", chips)
	}
	b.Axe()

	for _, native := range []bool{true, false} {
		b.Do(chromedp.Click(chromedp.CSS(`form[action="/logout"] button`)))
		b.WaitText("#mitid-title", "Log on")
		logOnWithChip(s, b, "dorte.chip", native)
	}
	b.Do(chromedp.Navigate(s.url + "/activity"))
	b.WaitText("#activity", "authenticator.used")
	b.Axe()
}

// TestBrowser_RequestAccessWaitsADay requests access to a chip, finds the
// connect button absent during the 24 hours, and present after the demo
// clock skips ahead.
func TestBrowser_RequestAccessWaitsADay(t *testing.T) {
	s := startSite(t)
	b := browsertest.Start(t)
	logOnWithCode(s, b, "anna.hansen")
	b.Do(chromedp.Click(chromedp.CSS(`form[action="/authenticators/request-chip"] button`)))
	b.WaitText(".flash", "24-hour wait")
	b.WaitText("#authenticators", "waiting_for_access until")
	if n := browsertest.Eval[int](b, `document.querySelectorAll('[data-mitid-register-chip]').length`); n != 0 {
		t.Fatal("a chip can be connected during the wait")
	}
	b.Axe()
	b.Do(chromedp.Click(chromedp.CSS(`form[action="/demo/clock"] button`)))
	b.WaitText(".flash", "24 hours ahead")
	b.WaitTrue(`document.querySelectorAll('[data-mitid-register-chip]').length === 1`, "the connect button", `document.querySelector('#authenticators').textContent`)
}

func TestBrowser_ActivateWithActivationCode(t *testing.T) {
	s := startSite(t)
	b := browsertest.Start(t)
	b.Do(chromedp.Navigate(s.url + "/activate"))
	b.Axe()
	b.Do(chromedp.SendKeys(chromedp.ID("user_id"), "frida.ny"), chromedp.SendKeys(chromedp.ID("code"), "WRONG-CODE"+kb.Enter))
	b.WaitText(".error", "")
	frida := s.demo.Person("frida.ny")
	shown, err := frida.Display.Code()
	if err != nil {
		t.Fatal(err)
	}
	b.Do(chromedp.SendKeys(chromedp.ID("user_id"), "frida.ny"), chromedp.SendKeys(chromedp.ID("code"), frida.ActivationCode),
		chromedp.SendKeys(chromedp.ID("serial"), frida.Display.Serial().String()), chromedp.SendKeys(chromedp.ID("device_code"), shown+kb.Enter))
	b.WaitText(".flash", "is activated")
	s.demo.Clock.Advance(30 * time.Second) // the code shown at activation is spent
	logOnWithCode(s, b, "frida.ny")
	b.Do(chromedp.Click(chromedp.CSS(`#authenticators form button`)))
	b.WaitText(".flash", "blocked")
	b.WaitText("#authenticators", "blocked")
	b.Axe()

	b.Do(chromedp.Navigate(s.url + "/contact"))
	b.Axe()
	browsertest.Eval[bool](b, `document.getElementById('email').value = ''; true`)
	b.Do(chromedp.SendKeys(chromedp.ID("email"), "frida@example.org"), chromedp.Click(chromedp.CSS(`form[action="/contact"] button`)))
	b.WaitText(".flash", "contact details are saved")
	if got := browsertest.Eval[string](b, `document.getElementById('email').value`); got != "frida@example.org" {
		t.Fatalf("e-mail after saving: %q", got)
	}
}

// TestBrowser_OrderWithReceipt orders a MitID chip as a logged-on person,
// identified by their passport number, paid by card, and reads the receipt:
// the order number, the price and the expected delivery.
func TestBrowser_OrderWithReceipt(t *testing.T) {
	s := startSite(t)
	b := browsertest.Start(t)
	logOnWithCode(s, b, "anna.hansen")
	b.Do(chromedp.Navigate(s.url + "/order"))
	b.Axe()
	anna := s.demo.Person("anna.hansen")
	b.Do(chromedp.Click(chromedp.CSS(`input[name="kind"][value="chip"]`)),
		chromedp.SendKeys(chromedp.ID("passport"), anna.Passport),
		chromedp.Click(chromedp.CSS(`input[name="terms"]`)),
		chromedp.Click(chromedp.CSS(`form[action="/order"] button`)))
	b.WaitText("#order-price", "DKK 143.60 (paid)")
	number := b.Text("#order-number")
	o, err := s.svc.Order(t.Context(), number)
	if err != nil {
		t.Fatalf("order %q on the receipt: %v", number, err)
	}
	if o.User != anna.User || o.Kind != mitid.KindChip || o.Identification != mitid.IdentifiedByPassport || o.Status != mitid.OrderPaid {
		t.Fatalf("order stored: %+v", o)
	}
	if want := o.ExpectedBy.Format("2 January 2006"); !strings.Contains(b.Text("#order-expected"), want) {
		t.Fatalf("expected delivery %q, want it to name %s", b.Text("#order-expected"), want)
	}
	b.WaitText("#receipt-text", "Vestergade 12")
	b.Axe()
}

// TestBrowser_OrderRefusesAWrongPassport shows the error for a passport
// number the CPR register does not list for the person, and places nothing.
func TestBrowser_OrderRefusesAWrongPassport(t *testing.T) {
	s := startSite(t)
	b := browsertest.Start(t)
	logOnWithCode(s, b, "anna.hansen")
	b.Do(chromedp.Navigate(s.url+"/order"),
		chromedp.SendKeys(chromedp.ID("passport"), "999999999"),
		chromedp.Click(chromedp.CSS(`input[name="terms"]`)),
		chromedp.Click(chromedp.CSS(`form[action="/order"] button`)))
	b.WaitText(".error", "do not belong together")
	b.Axe()
}
