package codedisplay_test

import (
	"errors"
	"fmt"
	"time"

	"github.com/go-mitid/mitid/codedisplay"
)

// A verifier keeps one State per device beside its seed, passes it to Verify, and
// stores Match.NewState in the same atomic update that accepts the login.
func ExampleParams_Verify() {
	p := codedisplay.MitIDParams()
	seed := []byte("12345678901234567890") // from the device's record; RFC 4226's test seed
	now := time.Date(2026, 3, 1, 12, 0, 10, 0, time.UTC)
	var st codedisplay.State // a device never used before

	// The person reads the code off the display 40 s ago and types it with a space.
	shown, _ := p.CodeAt(seed, now.Add(-40*time.Second))
	typed := shown[:3] + " " + shown[3:]

	m, err := p.Verify(seed, typed, st, now)
	fmt.Println("accepted:", err == nil, "drift:", m.Drift)
	st = m.NewState // store it

	_, err = p.Verify(seed, typed, st, now.Add(5*time.Second))
	fmt.Println("again:", errors.Is(err, codedisplay.ErrCodeReused))

	_, err = p.Verify(seed, "12345", st, now)
	fmt.Println(err)
	// Output:
	// accepted: true drift: -1
	// again: true
	// codedisplay: malformed code: the code has 5 digits, want 6
}

func ExampleParseSerial() {
	for _, typed := range []string{"572-000-0019", "572 000 0091", "572 000 001"} {
		s, err := codedisplay.ParseSerial(typed)
		if err != nil {
			fmt.Println(err)
			continue
		}
		fmt.Println("ok", s.Digits())
	}
	// Output:
	// ok 5720000019
	// codedisplay: serial number check digit mismatch: 572 000 0091 is not a valid serial number; check it for a mistyped or swapped digit
	// codedisplay: malformed serial number: the serial number has 9 digits, want 10
}
