package fake_test

import (
	"bytes"
	"fmt"
	"io"
	"sync"
	"testing"
	"time"

	"github.com/go-mitid/mitid/mitidtest/fake"
)

func TestClock_MovesOnlyWhenTold(t *testing.T) {
	c := fake.NewClock(time.Time{})
	if !c.Now().Equal(fake.Start) {
		t.Fatalf("a zero start shows %v, want fake.Start", c.Now())
	}
	if got := c.Advance(90 * time.Second); !got.Equal(fake.Start.Add(90 * time.Second)) {
		t.Fatalf("Advance returned %v", got)
	}
	if !c.Now().Equal(fake.Start.Add(90 * time.Second)) {
		t.Fatalf("Now after Advance shows %v", c.Now())
	}
	at := time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)
	c.Set(at)
	if !c.Now().Equal(at) {
		t.Fatalf("Set: Now shows %v", c.Now())
	}
}

func TestClock_IsSafeForConcurrentUse(t *testing.T) {
	c := fake.NewClock(time.Time{})
	var wg sync.WaitGroup
	for range 16 {
		wg.Go(func() {
			for range 100 {
				c.Advance(time.Second)
				_ = c.Now()
			}
		})
	}
	wg.Wait()
	if want := fake.Start.Add(1600 * time.Second); !c.Now().Equal(want) {
		t.Fatalf("after 1600 concurrent advances of 1 s: %v, want %v", c.Now(), want)
	}
}

func TestRand_SameSeedSameBytesOtherSeedOtherBytes(t *testing.T) {
	read := func(seed uint64) []byte {
		b := make([]byte, 64)
		if _, err := io.ReadFull(fake.Rand(seed), b); err != nil {
			t.Fatal(err)
		}
		return b
	}
	if !bytes.Equal(read(7), read(7)) {
		t.Fatal("the same seed gave different bytes")
	}
	if bytes.Equal(read(7), read(8)) {
		t.Fatal("two seeds gave the same bytes")
	}
}

// A test moves the clock past a waiting period instead of sleeping through it.
func ExampleClock() {
	clock := fake.NewClock(time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC))
	deadline := clock.Now().Add(24 * time.Hour)
	clock.Advance(24 * time.Hour)
	fmt.Println(!clock.Now().Before(deadline))
	// Output: true
}

// The same seed replays the same "random" bytes, so a failing test can be
// run again exactly.
func ExampleRand() {
	a, b := make([]byte, 4), make([]byte, 4)
	_, _ = io.ReadFull(fake.Rand(1), a)
	_, _ = io.ReadFull(fake.Rand(1), b)
	fmt.Println(bytes.Equal(a, b))
	// Output: true
}
