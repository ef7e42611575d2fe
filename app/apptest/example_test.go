package apptest_test

import (
	"bytes"
	"errors"
	"fmt"

	"github.com/go-mitid/mitid/app"
	"github.com/go-mitid/mitid/app/apptest"
)

// A test registers the simulated app's device key, has it approve a login's
// request with the PIN, and verifies the approval as the relying party does.
func ExampleSimulator() {
	phone, err := apptest.NewSimulator(apptest.Seeded(1), "246810")
	if err != nil {
		panic(err)
	}
	key, err := app.ParsePublicKey(phone.PublicKey()) // stored at activation
	if err != nil {
		panic(err)
	}
	req := app.Request{Challenge: bytes.Repeat([]byte{7}, app.ChallengeSize), Action: "LOG_ON", Text: "Log på hos Skattestyrelsen"}

	_, err = phone.Approve(req, "000000")
	fmt.Println("wrong PIN:", errors.Is(err, apptest.ErrWrongPIN))
	sig, err := phone.Approve(req, "246810")
	if err != nil {
		panic(err)
	}
	fmt.Println("approval verifies:", app.Verify(key, req, sig) == nil)
	// Output:
	// wrong PIN: true
	// approval verifies: true
}
