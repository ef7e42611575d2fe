package main

import (
	"crypto/rand"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/go-mitid/mitid"
	"github.com/go-mitid/mitid/codedisplay"
	"github.com/go-mitid/mitid/codedisplay/codedisplaytest"
	"github.com/go-mitid/mitid/examples/internal/browsertest"
)

type desk struct {
	*server
	url string
}

func startDesk(t *testing.T) *desk {
	t.Helper()
	s, url := browsertest.Serve(t, newServer)
	return &desk{server: s, url: url}
}

// dateIn is the date the demo clock shows in years, as the desk's forms
// take it.
func (d *desk) dateIn(years int) string {
	return d.demo.Clock.Now().AddDate(years, 0, 0).Format("2006-01-02")
}

// find opens the desk as an operator and finds the person by who (a user
// ID or CPR number), whose user ID is userID.
func find(d *desk, b *browsertest.Browser, who, userID string) {
	b.Do(chromedp.Navigate(d.url+"/"), chromedp.WaitVisible(chromedp.ID("operator")))
	b.Axe()
	b.Do(chromedp.SendKeys(chromedp.ID("operator"), "Operator Olsen"), chromedp.SendKeys(chromedp.ID("who"), who+kb.Enter))
	b.WaitText("#person", userID)
}

// recordPassport records a Danish passport with the expiry date given.
func recordPassport(b *browsertest.Browser, prefix, number, expires string) {
	b.Do(chromedp.WaitVisible(chromedp.ID(prefix+"number")),
		chromedp.SendKeys(chromedp.ID(prefix+"number"), number),
		chromedp.SendKeys(chromedp.ID(prefix+"expires"), expires+kb.Enter))
}

// TestBrowser_ProofingWithAWitness is a visit at the desk: Gitte Holm's
// code display is broken and the CPR register knows too little about her
// for control questions. Her expired passport is refused, a valid one
// recorded; Bo Jensen, her witness, logs in with his MitID app on the
// desk's page, reading the act's text; the operator records his CPR number
// and passport, blocks Gitte's display and hands out the paper activation
// code.
func TestBrowser_ProofingWithAWitness(t *testing.T) {
	d := startDesk(t)
	b := browsertest.Start(t)
	gitte, bo := d.demo.Person("gitte.holm"), d.demo.Person("bo.jensen")
	find(d, b, gitte.UserID, gitte.UserID)
	b.Axe()

	recordPassport(b, "", gitte.Passport, d.dateIn(-1))
	b.WaitText(".error", "expired")
	b.Axe()
	recordPassport(b, "", gitte.Passport, d.dateIn(5))
	b.WaitText("#advice", "a witness is needed")
	if n := browsertest.Eval[int](b, `document.querySelectorAll('[id^="answer-"]').length`); n != 0 {
		t.Fatalf("%d control questions for a person the register knows too little about", n)
	}
	want := b.Text("#witness-text")
	b.Axe()

	b.Do(chromedp.SendKeys(chromedp.ID("mitid-user-id"), bo.UserID+kb.Enter))
	b.WaitText("#mitid-status", "Approve in your MitID app")
	if shown := b.Text("#mitid-text-value"); shown != want {
		t.Fatalf("the witness's login shows %q, want %q", shown, want)
	}
	if _, err := d.demo.Approve(t.Context(), bo.UserID); err != nil {
		t.Fatal(err)
	}
	b.WaitText("#witness-login", "Bo Jensen")
	b.Axe()
	b.Do(chromedp.SendKeys(chromedp.ID("witness-cpr"), bo.CPR))
	recordPassport(b, "witness-", bo.Passport, d.dateIn(4))
	b.WaitText("#proven", "witness")
	b.Axe()

	b.Do(chromedp.Click(chromedp.CSS(`input[name="block"]`)), chromedp.Click(chromedp.CSS(`form[action$="/complete"] button`)))
	b.WaitText("#activation-code", "")
	code := b.Text("#activation-code")
	if until, want := b.Text("#code-until"), d.demo.Clock.Now().Add(48*time.Hour).UTC().Format("2 Jan 2006"); !strings.HasPrefix(until, want) {
		t.Errorf("the paper code is valid until %q, want 48 hours (%s)", until, want)
	}
	b.Axe()

	u, err := d.svc.UserByUserID(t.Context(), gitte.UserID)
	if err != nil {
		t.Fatal(err)
	}
	if u.IAL != mitid.LevelHigh {
		t.Errorf("identity level after the visit: %s", u.IAL)
	}
	for _, a := range u.Authenticators {
		if a.Kind == mitid.KindCodeDisplay && a.State != mitid.StateBlocked {
			t.Errorf("the broken display is %s", a.State)
		}
	}
	if len(code) < 8 {
		t.Fatalf("activation code shown: %q", code)
	}
	// The code on the page is the one the Service issued: it activates
	// Gitte's new code display.
	dev, err := codedisplaytest.Manufacture(rand.Reader, codedisplay.MitIDParams(), d.demo.Clock.Now)
	if err != nil {
		t.Fatal(err)
	}
	_, evs, err := d.svc.AddCodeDevice(t.Context(), u.ID, mitid.CodeDeviceRequest{Kind: mitid.KindCodeDisplay, Serial: dev.Serial().String(), Seed: dev.Seed(), State: mitid.StatePendingActivation})
	if err != nil {
		t.Fatal(err)
	}
	shown, err := dev.Code()
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := d.svc.ActivateWithCode(t.Context(), gitte.UserID, evs[0].Authenticator, mitid.ActivationCodes{Code: code, Serial: dev.Serial().String(), DeviceCode: shown}); err != nil {
		t.Fatalf("the code shown does not activate a new display: %v", err)
	}
}

// TestBrowser_ProofingWithControlQuestions proves Anna Hansen's identity
// with the questions from her CPR record: a wrong round counts and says how
// many are left; a right one (case and spacing do not matter) proves it.
func TestBrowser_ProofingWithControlQuestions(t *testing.T) {
	d := startDesk(t)
	b := browsertest.Start(t)
	anna := d.demo.Person("anna.hansen")
	find(d, b, anna.CPR, anna.UserID)
	recordPassport(b, "", anna.Passport, d.dateIn(2))
	b.WaitTrue(`document.querySelectorAll('[id^="answer-"]').length === 3`, "three control questions", `document.querySelector('main').textContent`)
	b.Axe()
	answer := func(answers ...string) {
		for i, a := range answers {
			b.Do(chromedp.SendKeys(chromedp.ID("answer-"+string(rune('0'+i))), a))
		}
		b.Do(chromedp.Click(chromedp.CSS(`form[action$="/answers"] button`)))
	}
	answer("8000", "Odense", "Anna")
	b.WaitText(".error", "2 attempts left")
	answer("8000", "  aarhus c ", "anna")
	b.WaitText("#proven", "control_questions")
	b.Axe()
	b.Do(chromedp.Click(chromedp.CSS(`form[action$="/complete"] button`)))
	b.WaitText("#activation-code", "-")
	u, err := d.svc.User(t.Context(), anna.User)
	if err != nil {
		t.Fatal(err)
	}
	if u.IAL != mitid.LevelHigh {
		t.Errorf("identity level after the visit: %s", u.IAL)
	}
	for _, a := range u.Authenticators {
		if a.State == mitid.StateBlocked {
			t.Errorf("%s blocked though none was chosen", a.Kind)
		}
	}
}
