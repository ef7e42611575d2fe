package app_test

import (
	"crypto/rand"
	"fmt"

	"github.com/go-mitid/mitid/app"
	"github.com/go-mitid/mitid/app/apptest"
)

// The service's side of an approval: the device key registered at
// activation, the request it sent, and the signature that came back.
func ExampleVerify() {
	phone, err := apptest.NewSimulator(rand.Reader, "246810")
	if err != nil {
		panic(err)
	}
	registered := phone.PublicKey() // stored at activation

	challenge := make([]byte, app.ChallengeSize)
	if _, err := rand.Read(challenge); err != nil {
		panic(err)
	}
	req := app.Request{Challenge: challenge, Action: "LOG_ON", Text: "Log på hos Skattestyrelsen"}
	sig, err := phone.Approve(req, "246810") // on the phone, after the person's PIN
	if err != nil {
		panic(err)
	}

	pub, err := app.ParsePublicKey(registered)
	if err != nil {
		panic(err)
	}
	fmt.Println("approved:", app.Verify(pub, req, sig) == nil)
	req.Text = "Overfør 10.000 kr."
	fmt.Println("another text:", app.Verify(pub, req, sig))
	// Output:
	// approved: true
	// another text: app: the approval signature does not verify
}
