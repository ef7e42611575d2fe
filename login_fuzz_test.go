package mitid_test

import (
	"fmt"
	"testing"

	"github.com/go-mitid/mitid"
)

// FuzzLoginInputs feeds what a browser or a person may send into live
// logins: any code, any WebAuthn response. Every refusal must be a typed
// *mitid.Error, and no response that does not verify may suspend the chip as
// a clone (only the chip's own key can do that).
func FuzzLoginInputs(f *testing.F) {
	e := newLoginEnv(f, checkedStore(f))
	h := e.enrol(f, "fuzz-user", mitid.LevelSubstantial, mitid.KindCodeDisplay, mitid.KindChip)
	l := e.begin(f, h, mitid.LevelSubstantial)
	l, err := e.svc.ChooseMethod(e.ctx, l.ID, mitid.MethodChip, h.chipID)
	if err != nil {
		f.Fatal(err)
	}
	if l, err = e.svc.SubmitPassword(e.ctx, l.ID, password); err != nil {
		f.Fatal(err)
	}
	valid, err := h.chip.Login(l.ChipOptions, origin)
	if err != nil {
		f.Fatal(err)
	}
	f.Add("123456", valid)
	f.Add("12 34 56", []byte(`{"id":"x","rawId":"x","type":"public-key","response":{}}`))
	f.Add("", []byte(`null`))
	f.Add("１２３４５６", []byte{0xff, 0x00})
	f.Fuzz(func(t *testing.T, code string, response []byte) {
		// A holder of its own, so no input is judged by an account that
		// earlier inputs blocked.
		h := e.enrol(t, fmt.Sprintf("fuzz-%d", seq(t)), mitid.LevelSubstantial, mitid.KindCodeDisplay, mitid.KindChip)
		lc, err := e.svc.BeginLogin(e.ctx, mitid.LoginRequest{UserID: h.user.UserID, Action: mitid.ActionLogOn, Text: "fuzz", Level: mitid.LevelSubstantial})
		if err != nil {
			t.Fatal(err)
		}
		if lc.Method != mitid.MethodCodeDisplay {
			if lc, err = e.svc.ChooseMethod(e.ctx, lc.ID, mitid.MethodCodeDisplay, h.codeID); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := e.svc.SubmitCode(e.ctx, lc.ID, code); err != nil && mitid.ErrorCode(err) == "" {
			t.Fatalf("untyped error for code %q: %v", code, err)
		}
		lp, err := e.svc.BeginLogin(e.ctx, mitid.LoginRequest{UserID: h.user.UserID, Action: mitid.ActionLogOn, Text: "fuzz", Level: mitid.LevelSubstantial})
		if err != nil {
			t.Fatal(err)
		}
		if lp, err = e.svc.ChooseMethod(e.ctx, lp.ID, mitid.MethodChip, h.chipID); err != nil {
			t.Fatal(err)
		}
		if lp, err = e.svc.SubmitPassword(e.ctx, lp.ID, password); err != nil {
			t.Fatal(err)
		}
		_, err = e.svc.SubmitChip(e.ctx, lp.ID, response)
		if err != nil && mitid.ErrorCode(err) == "" {
			t.Fatalf("untyped error for a chip response: %v", err)
		}
		if mitid.ErrorCode(err) == mitid.CodeSuspectedClone {
			t.Fatalf("a response for another challenge got the chip suspended as a clone")
		}
	})
}
