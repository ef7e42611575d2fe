package chip_test

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"time"

	"github.com/go-mitid/mitid/chip"
	"github.com/go-mitid/mitid/chip/chiptest"
)

// A whole registration and two logins with a software chip, then a cloned
// chip caught by its counter.
func ExampleVerifier() {
	now := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	v, err := chip.New(chip.Config{
		RPID:    "mitid.dk",
		RPName:  "MitID",
		Origins: []string{"https://mitid.dk"},
		Now:     func() time.Time { return now },
	})
	if err != nil {
		panic(err)
	}
	sim, err := chiptest.NewSimulator(chiptest.Seeded(1))
	if err != nil {
		panic(err)
	}
	user := chip.User{ID: []byte("opaque-user-handle"), Name: "bjørn.ærø"}

	// Registration: options to the browser, its answer back.
	options, ch, err := v.BeginRegistration(user, nil)
	if err != nil {
		panic(err)
	}
	// The caller stores ch in a single-use session row here...
	resp, err := sim.Register(options, "https://mitid.dk", chiptest.WithTransport(chip.TransportNFC))
	if err != nil {
		panic(err)
	}
	// ...and consumes it before finishing.
	cred, err := v.FinishRegistration(context.Background(), ch, user, resp)
	if err != nil {
		panic(err)
	}
	fmt.Println("registered:", cred.Format, cred.AttestationType, cred.Transports)

	login := func(s *chiptest.Simulator) error {
		options, ch, err := v.BeginLogin(user, []chip.Credential{cred})
		if err != nil {
			return err
		}
		resp, err := s.Login(options, "https://mitid.dk")
		if err != nil {
			return err
		}
		a, err := v.FinishLogin(ch, user, []chip.Credential{cred}, resp)
		if err != nil {
			return err
		}
		// In the caller's atomic user update: store the new counter.
		if err := a.Apply(&cred); err != nil {
			return err
		}
		fmt.Println("logged in, counter", cred.SignCount)
		return nil
	}
	clone := sim.Clone()
	_ = login(sim)
	_ = login(sim)

	err = login(clone)
	var ce *chip.CounterError
	if errors.As(err, &ce) {
		fmt.Printf("clone refused: counter %d after %d; suspend the chip\n", ce.Received, ce.Stored)
	}
	// Output:
	// registered: fido-u2f basic_full [nfc]
	// logged in, counter 1
	// logged in, counter 2
	// clone refused: counter 1 after 2; suspend the chip
}

// Which connections work where, following the MitID chip page.
func ExampleSupports() {
	for _, c := range []struct {
		p chip.Platform
		b chip.Browser
		c chip.Connection
	}{
		{chip.PlatformWindows11, chip.BrowserEdge, chip.ConnectionBluetooth},
		{chip.PlatformIOS, chip.BrowserSafari, chip.ConnectionNFC},
		{chip.PlatformWindows, chip.BrowserInternetExplorer, chip.ConnectionUSB},
	} {
		ok, reason := chip.Supports(c.p, c.b, c.c)
		fmt.Println(ok, "-", reason)
	}
	// Output:
	// false - on Windows 11 the chip does not connect over Bluetooth; use USB or NFC
	// true - hold the chip to the back of the device and do not press its button (pressing it turns NFC off); remove a thick cover; NFC is always on on iOS
	// false - Internet Explorer does not support the MitID chip; use Chrome, Firefox, Safari or Edge
}

// Importing a chip registered with the old FIDO U2F API, then logging in with
// it through the WebAuthn AppID extension.
func ExampleLegacyCredential() {
	const appID = "https://mitid.dk/u2f/appid.json"
	sim, err := chiptest.NewSimulator(chiptest.Seeded(2))
	if err != nil {
		panic(err)
	}
	clientData := []byte(`{"typ":"navigator.id.finishEnrollment","challenge":"x","origin":"https://mitid.dk"}`)
	msg, err := sim.RegisterU2F(appID, clientData) // what the old deployment stored
	if err != nil {
		panic(err)
	}
	reg, err := chip.ParseU2FRegistration(msg)
	if err != nil {
		panic(err)
	}
	if err := reg.VerifySignature(sha256.Sum256([]byte(appID)), sha256.Sum256(clientData)); err != nil {
		panic(err)
	}
	cred, err := chip.LegacyCredential(reg.KeyHandle, reg.PublicKey, 0)
	if err != nil {
		panic(err)
	}

	v, err := chip.New(chip.Config{RPID: "mitid.dk", RPName: "MitID", Origins: []string{"https://mitid.dk"}, AppID: appID})
	if err != nil {
		panic(err)
	}
	user := chip.User{ID: []byte("opaque-user-handle"), Name: "legacy-user"}
	options, ch, err := v.BeginLogin(user, []chip.Credential{cred})
	if err != nil {
		panic(err)
	}
	resp, err := sim.Login(options, "https://mitid.dk")
	if err != nil {
		panic(err)
	}
	a, err := v.FinishLogin(ch, user, []chip.Credential{cred}, resp)
	if err != nil {
		panic(err)
	}
	fmt.Println("legacy AppID used:", a.UsedAppID, "counter:", a.NewSignCount)
	// Output:
	// legacy AppID used: true counter: 1
}
