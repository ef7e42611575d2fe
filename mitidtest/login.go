package mitidtest

import (
	"github.com/go-mitid/mitid"
	"github.com/go-mitid/mitid/app"
)

// Begin starts a login for p at level, logging on to a relying party
// named "rp.example" with a fixed transaction text.
func (e *Env) Begin(tb TB, p *Person, level mitid.Level) *mitid.Login {
	tb.Helper()
	l, err := e.Service.BeginLogin(tb.Context(), mitid.LoginRequest{UserID: p.User.UserID, Action: mitid.ActionLogOn,
		Text: "Log på hos rp.example", Level: level, RelyingParty: "rp.example"})
	if err != nil {
		tb.Fatalf("mitidtest: begin a login for %q: %v", p.User.UserID, err)
	}
	return l
}

// Complete answers every remaining factor of l with p's simulated
// authenticators and the right secrets, and returns the login at
// mitid.StepDone. It fails the test on the first refusal.
func (e *Env) Complete(tb TB, p *Person, l *mitid.Login) *mitid.Login {
	tb.Helper()
	ctx := tb.Context()
	var err error
	for l.Next != mitid.StepDone {
		step := l.Next
		switch step {
		case mitid.StepCode:
			var code string
			if code, err = p.Display.Code(); err == nil {
				l, err = e.Service.SubmitCode(ctx, l.ID, code)
			}
		case mitid.StepPassword:
			l, err = e.Service.SubmitPassword(ctx, l.ID, Password)
		case mitid.StepApproval:
			var sig []byte
			if sig, err = p.App.Approve(app.Request{Challenge: l.Challenge, Action: string(l.Action), Text: l.Text}, AppPIN); err == nil {
				l, err = e.Service.SubmitApproval(ctx, l.ID, sig)
			}
		case mitid.StepChip:
			var resp []byte
			if resp, err = p.Chip.Login(l.ChipOptions, Origin); err == nil {
				l, err = e.Service.SubmitChip(ctx, l.ID, resp)
			}
		default:
			tb.Fatalf("mitidtest: the login asks for %q, which Complete cannot answer", step)
		}
		if err != nil {
			tb.Fatalf("mitidtest: step %q of %q's login: %v", step, p.User.UserID, err)
		}
	}
	return l
}

// LogIn runs a whole login for p at level with the method the Service
// offers first, and returns what FinishLogin reports.
func (e *Env) LogIn(tb TB, p *Person, level mitid.Level) *mitid.LoginResult {
	tb.Helper()
	l := e.Complete(tb, p, e.Begin(tb, p, level))
	res, err := e.Service.FinishLogin(tb.Context(), l.ID)
	if err != nil {
		tb.Fatalf("mitidtest: finish %q's login: %v", p.User.UserID, err)
	}
	return res
}
