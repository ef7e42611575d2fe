package mitid_test

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/go-mitid/mitid"
	"github.com/go-mitid/mitid/store/memory"
)

// A Service on the in-memory store, with a fixed clock and seeded
// randomness so the example prints the same every time.
func ExampleNew() {
	keys, _ := mitid.NewRandomKeyRing(seeded(1))
	clock := mitid.ClockFunc(func() time.Time { return time.Date(2026, 11, 21, 9, 0, 0, 0, time.UTC) })
	svc, err := mitid.New(mitid.Config{Store: memory.New(), Keys: keys, Clock: clock, Rand: seeded(2)})
	if err != nil {
		panic(err)
	}
	ctx := context.Background()
	u, events, err := svc.CreateUser(ctx, mitid.UserRequest{
		UserID: "Anna.Hansen", CPR: "010190-1234", Phone: "12345678",
		Channels: []mitid.Channel{mitid.ChannelSMS}, IAL: mitid.LevelSubstantial,
	})
	if err != nil {
		panic(err)
	}
	fmt.Println(u.UserID, u.Phone, u.BirthDate.Format("2006-01-02"))
	fmt.Println(events[0].Type, "→", events[0].Notify[0].Channel, events[0].Notify[0].Address)

	_, _, err = svc.CreateUser(ctx, mitid.UserRequest{Email: "holder@example.dk", UserID: "ANNA.HANSEN", CPR: "020290-1234", IAL: mitid.LevelLow})
	fmt.Println(errors.Is(err, mitid.ErrConflict), mitid.ErrorCode(err))
	// Output:
	// anna.hansen +4512345678 1990-01-01
	// user.created → sms +4512345678
	// true user_id_taken
}

func ExampleNormalizeUserID() {
	p := mitid.DefaultPolicy()
	for _, in := range []string{"Ærø-Anna", "0101901234", "anna"} {
		out, err := mitid.NormalizeUserID(&p, in)
		fmt.Printf("%q → %q %v\n", in, out, err)
	}
	// Output:
	// "Ærø-Anna" → "ærø-anna" <nil>
	// "0101901234" → "" user_id_invalid: the user ID cannot be 10 digits, as it would read as a CPR number; add letters or other characters
	// "anna" → "" user_id_invalid: the user ID has 4 characters; use at least 5
}

func ExampleParseCPR() {
	c, _ := mitid.ParseCPR("0101554123") // 7th digit 4, year 55: born 1955
	fmt.Println(c, c.BirthDate().Format("2 January 2006"), c.AgeAt(time.Date(2026, 11, 21, 0, 0, 0, 0, time.UTC)))
	// Output: 010155-4123 1 January 1955 71
}

func ExamplePolicy_Validate() {
	p := mitid.DefaultPolicy()
	p.MaxConsecutiveFailures = 500
	for _, d := range p.Validate() {
		if d.Field == "MaxConsecutiveFailures" {
			fmt.Println(d)
		}
	}
	// Output:
	// MaxConsecutiveFailures: 500 (MitID: 100)
	// MaxConsecutiveFailures: 500 (NIST SP 800-63B: at most 100 consecutive failed attempts per account (§5.2.2))
}
