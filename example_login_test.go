package mitid_test

import (
	"fmt"

	"github.com/go-mitid/mitid"
	"github.com/go-mitid/mitid/mitidtest"
)

// A login begun with FinishAtLastFactor is finished by the step that gives
// its last factor, here the password after the code: that step's Login
// carries the result, and there is nothing left for FinishLogin.
func ExampleLoginRequest_finishAtLastFactor() {
	t := exampleTB{}
	env := mitidtest.New(t)
	anna := env.Enrol(t, "anna-hansen", mitid.LevelSubstantial, mitid.KindCodeDisplay)
	ctx := t.Context()
	l, err := env.Service.BeginLogin(ctx, mitid.LoginRequest{UserID: "anna-hansen", Action: mitid.ActionLogOn,
		Text: "Log på hos skat.dk", Level: mitid.LevelSubstantial, RelyingParty: "skat.dk", FinishAtLastFactor: true})
	if err != nil {
		panic(err)
	}
	code, _ := anna.Display.Code()
	if l, err = env.Service.SubmitCode(ctx, l.ID, code); err != nil {
		panic(err)
	}
	fmt.Println(l.Next, l.Result == nil)
	if l, err = env.Service.SubmitPassword(ctx, l.ID, mitidtest.Password); err != nil {
		panic(err)
	}
	fmt.Println(l.Next, l.Result.Method, l.Result.LoA)
	_, err = env.Service.FinishLogin(ctx, l.ID)
	fmt.Println(mitid.ErrorCode(err))
	// Output:
	// password true
	// done code_display Substantial
	// session_used
}
