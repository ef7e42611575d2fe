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

// A simulated code display with a fixed clock; its audio sibling reads the same code
// aloud as a WAV file.
func ExampleDevice() {
	clock := func() time.Time { return time.Unix(1111111111, 0) }
	serial, _ := codedisplay.ParseSerial("572 000 0019")
	p := codedisplay.MitIDParams()
	p.Digits = 8
	d, err := codedisplay.NewDevice(serial, []byte("12345678901234567890"), p, clock)
	if err != nil {
		panic(err)
	}
	code, _ := d.Code()
	fmt.Println("serial", d.Serial(), "shows", code)

	a, _ := codedisplay.NewAudioDevice(d, codedisplay.Danish)
	wav, _ := a.Speak()
	w, _ := codedisplay.ParseWAV(wav)
	heard, _ := codedisplay.TranscribeWAV(wav, codedisplay.Danish)
	fmt.Printf("says %s in %.1f s of %d Hz audio\n", heard, w.Duration().Seconds(), w.SampleRate)
	// Output:
	// serial 572 000 0019 shows 14050471
	// says 14050471 in 4.4 s of 11025 Hz audio
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
