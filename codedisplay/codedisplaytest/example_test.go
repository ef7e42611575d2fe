package codedisplaytest_test

import (
	"fmt"
	"time"

	"github.com/go-mitid/mitid/codedisplay"
	"github.com/go-mitid/mitid/codedisplay/codedisplaytest"
)

// A simulated code display with a fixed clock; its audio sibling reads the same code
// aloud as a WAV file.
func ExampleDevice() {
	clock := func() time.Time { return time.Unix(1111111111, 0) }
	serial, _ := codedisplay.ParseSerial("572 000 0019")
	p := codedisplay.MitIDParams()
	p.Digits = 8
	d, err := codedisplaytest.NewDevice(serial, []byte("12345678901234567890"), p, clock)
	if err != nil {
		panic(err)
	}
	code, _ := d.Code()
	fmt.Println("serial", d.Serial(), "shows", code)

	a, _ := codedisplaytest.NewAudioDevice(d, codedisplay.Danish)
	wav, _ := a.Speak()
	w, _ := codedisplay.ParseWAV(wav)
	heard, _ := codedisplay.TranscribeWAV(wav, codedisplay.Danish)
	fmt.Printf("says %s in %.1f s of %d Hz audio\n", heard, w.Duration().Seconds(), w.SampleRate)
	// Output:
	// serial 572 000 0019 shows 14050471
	// says 14050471 in 4.4 s of 11025 Hz audio
}
