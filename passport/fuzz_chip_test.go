package passport_test

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"testing"

	"github.com/go-mitid/mitid/passport"
	"github.com/go-mitid/mitid/passport/internal/apdu"
	"github.com/go-mitid/mitid/passport/internal/testhex"
	"github.com/go-mitid/mitid/passport/passporttest"
)

// FuzzReadFileResponses lets the fuzzer play a hostile chip: every READ
// BINARY is answered from the fuzz input (length-prefixed answers). ReadFile
// must never panic, never return more than MaxFileSize bytes, and never
// send more commands than the size it accepted can justify.
func FuzzReadFileResponses(f *testing.F) {
	f.Add([]byte("\x00\x0660145F019000\x00\x1404303130365F36063034303030305C0261759000"))
	f.Add([]byte("\x00\x06" + "7584FFFF" + "9000"))
	f.Add([]byte("\x00\x02\x6C\x04\x00\x06\x60\x02\x01\x02\x90\x00"))
	f.Add([]byte("\x00\x02\x67\x00\x00\x02\x62\x82"))
	f.Fuzz(func(t *testing.T, script []byte) {
		const limit = 4096
		sent := 0
		chip := passport.TransceiverFunc(func(_ context.Context, wire []byte) ([]byte, error) {
			sent++
			if sent > 2*limit {
				t.Fatalf("ReadFile sent %d commands for a %d-byte limit", sent, limit)
			}
			if wire[1] == apdu.INSSelect {
				return []byte{0x90, 0x00}, nil
			}
			if len(script) < 2 {
				return []byte{0x6A, 0x82}, nil
			}
			n := int(binary.BigEndian.Uint16(script))
			script = script[2:]
			n = min(n, len(script))
			r := bytes.Clone(script[:n])
			script = script[n:]
			return r, nil
		})
		s := passport.NewSession(chip, &passport.SessionOptions{MaxFileSize: limit, ReadChunk: 64})
		b, err := s.ReadFile(context.Background(), passport.FileDG(1))
		if err == nil && len(b) > limit {
			t.Fatalf("read %d bytes past the %d-byte limit", len(b), limit)
		}
		if err != nil && errors.Is(err, context.Canceled) {
			t.Fatal("unexpected cancellation")
		}
	})
}

// FuzzVirtualChip feeds arbitrary APDU sequences (each prefixed by its
// length byte) to a chip, before or after BAC: the card side must answer
// every one (no panic, no error) with at least a status word.
func FuzzVirtualChip(f *testing.F) {
	seq := func(hexAPDUs ...string) []byte { return apduScript(f, hexAPDUs...) }
	for _, e := range appendixD {
		f.Add(seq(e.cmd), false)
	}
	f.Add(seq(appendixG1[0].cmd, appendixG1[1].cmd, appendixG1[2].cmd), false)
	f.Add(seq("00A4020C02011C", "00B1000003540100"+"02"), false)
	f.Add(seq("00A4020C02011C", "00B0000004", "00B0000410"), false)
	f.Add(seq("00B1000004540280000000"), true)
	f.Add(seq("0CB000000D9701048E08ED6705417E96BA5500"), true)
	f.Fuzz(func(t *testing.T, script []byte, afterBAC bool) {
		chip, err := passporttest.NewChip(passporttest.ChipConfig{
			Files:      map[uint16][]byte{passport.FileCOM: testhex.Decode(t, "60145F0104303130365F36063034303030305C026175")},
			CardAccess: testhex.Decode(t, "31143012060A04007F0007020204020202010202010D"),
			Key:        passport.BACKey{"L898902C3", "740812", "120415"},
		})
		if err != nil {
			t.Fatal(err)
		}
		ctx := context.Background()
		if afterBAC {
			s := passport.NewSession(chip, nil)
			_ = s.SelectApplication(ctx)
			if err := s.BAC(ctx, chip.Config().Key); err != nil {
				t.Fatal(err)
			}
		}
		playScript(t, chip, script, 16)
	})
}

// apduScript joins APDUs, each prefixed by its length byte, into the
// script form the chip fuzz targets take.
func apduScript(tb testing.TB, hexAPDUs ...string) []byte {
	var out []byte
	for _, h := range hexAPDUs {
		b := testhex.Decode(tb, h)
		out = append(append(out, byte(len(b))), b...)
	}
	return out
}

// playScript sends at most limit APDUs of a script to chip: the card side
// must answer each (no panic, no error) with at least a status word. The
// bound keeps each run (and minimization) fast.
func playScript(t *testing.T, chip *passporttest.Chip, script []byte, limit int) {
	t.Helper()
	ctx := context.Background()
	for i := 0; len(script) > 0 && i < limit; i++ {
		n := min(int(script[0]), len(script)-1)
		wire := script[1 : 1+n]
		script = script[1+n:]
		resp, err := chip.Transceive(ctx, wire)
		if err != nil || len(resp) < 2 {
			t.Fatalf("chip answered %X, %v", resp, err)
		}
	}
}
