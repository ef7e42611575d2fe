package chiptest_test

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/go-mitid/mitid/chip"
	"github.com/go-mitid/mitid/chip/chiptest"
)

// A relying party's test registers a simulated chip and logs in with it;
// a clone of the chip that falls behind is caught by its counter.
func ExampleSimulator() {
	const origin = "https://mitid.example"
	now := func() time.Time { return time.Date(2026, 11, 21, 9, 0, 0, 0, time.UTC) }
	v, err := chip.New(chip.Config{RPID: "mitid.example", RPName: "MitID", Origins: []string{origin}, Now: now, Rand: chiptest.Seeded(1)})
	if err != nil {
		panic(err)
	}
	sim, err := chiptest.NewSimulator(chiptest.Seeded(2))
	if err != nil {
		panic(err)
	}
	user := chip.User{ID: []byte("internal-id-0001"), Name: "anna.hansen"}

	options, ch, _ := v.BeginRegistration(user, nil)
	response, _ := sim.Register(options, origin, chiptest.WithTransport(chip.TransportNFC))
	cred, err := v.FinishRegistration(context.Background(), ch, user, response)
	fmt.Println("registered:", err == nil, cred.Format, cred.Transports)

	clone := sim.Clone()
	login := func(s *chiptest.Simulator) error {
		options, ch, _ := v.BeginLogin(user, []chip.Credential{cred})
		response, err := s.Login(options, origin)
		if err != nil {
			return err
		}
		a, err := v.FinishLogin(ch, user, []chip.Credential{cred}, response)
		if err != nil {
			return err
		}
		return a.Apply(&cred)
	}
	fmt.Println("chip:", login(sim), cred.SignCount)
	fmt.Println("clone is caught:", errors.Is(login(clone), chip.ErrCounterNotIncreased))
	// Output:
	// registered: true fido-u2f [nfc]
	// chip: <nil> 1
	// clone is caught: true
}
