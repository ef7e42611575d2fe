package mitid

import (
	"errors"
	"testing"
)

// TestHashGate_RefusesBeyondTheBudget: a run that does not fit beside
// those in flight is refused with ErrUnavailable, never queued; one run
// always fits alone.
func TestHashGate_RefusesBeyondTheBudget(t *testing.T) {
	g := &hashGate{budget: 100}
	inside, release := make(chan struct{}), make(chan struct{})
	done := make(chan error)
	go func() { done <- g.run(60, func() { close(inside); <-release }) }()
	<-inside
	err := g.run(60, func() { t.Error("ran beyond the budget") })
	if ErrorCode(err) != CodeBusy || !errors.Is(err, ErrUnavailable) {
		t.Fatalf("got %v, want busy", err)
	}
	if err := g.run(40, func() {}); err != nil {
		t.Fatalf("a run that fits was refused: %v", err)
	}
	close(release)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if err := g.run(500, func() {}); err != nil {
		t.Fatalf("a run larger than the budget must still run alone: %v", err)
	}
	if g.used != 0 {
		t.Fatalf("%d KiB still counted after every run ended", g.used)
	}
}
