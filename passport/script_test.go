package passport_test

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/go-mitid/mitid/passport/internal/testhex"
)

// exchange is one expected command and the canned answer of a scripted chip.
type exchange struct{ cmd, resp string }

// scriptedChip replays a published APDU transcript and fails the test when
// the terminal sends anything other than the expected bytes. It stands in
// for a chip only where the spec prints the chip's side (Appendix D, G);
// everything else runs against VirtualChip.
type scriptedChip struct {
	t      *testing.T
	script []exchange
	next   int
}

func (s *scriptedChip) Transceive(_ context.Context, wire []byte) ([]byte, error) {
	s.t.Helper()
	if s.next >= len(s.script) {
		s.t.Fatalf("unexpected extra command %X", wire)
	}
	e := s.script[s.next]
	s.next++
	if want := testhex.Decode(s.t, e.cmd); !bytes.Equal(wire, want) {
		s.t.Fatalf("command %d:\n got  %X\n want %s", s.next, wire, strings.ToUpper(e.cmd))
	}
	return testhex.Decode(s.t, e.resp), nil
}

func (s *scriptedChip) done() {
	s.t.Helper()
	if s.next != len(s.script) {
		s.t.Fatalf("only %d of %d scripted commands were sent", s.next, len(s.script))
	}
}
