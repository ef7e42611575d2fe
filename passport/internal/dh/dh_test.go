package dh

import (
	"crypto/rand"
	"errors"
	"math/big"
	"testing"

	"github.com/go-mitid/mitid/passport/internal/ec"
)

// TestDHGroups_Consistent proves the constants of the standardized groups:
// p and q prime, q | p−1, g of order q, and the sizes RFC 5114 names.
func TestDHGroups_Consistent(t *testing.T) {
	sizes := [][2]int{{1024, 160}, {2048, 224}, {2048, 256}}
	for id := 0; id <= 2; id++ {
		g, err := StandardGroup(id)
		if err != nil {
			t.Fatal(err)
		}
		if g.p.BitLen() != sizes[id][0] || g.q.BitLen() != sizes[id][1] {
			t.Errorf("group %d: %d-bit p, %d-bit q", id, g.p.BitLen(), g.q.BitLen())
		}
		if !g.p.ProbablyPrime(20) || !g.q.ProbablyPrime(20) {
			t.Errorf("group %d: p or q not prime", id)
		}
		if new(big.Int).Mod(new(big.Int).Sub(g.p, big.NewInt(1)), g.q).Sign() != 0 {
			t.Errorf("group %d: q does not divide p-1", id)
		}
		if err := g.CheckElement(g.g); err != nil {
			t.Errorf("group %d: generator: %v", id, err)
		}
		if again, err := NewGroup(g.P(), g.G(), g.Q()); err != nil || again != g {
			t.Errorf("group %d: NewGroup does not return the standardized group: %v", id, err)
		}
		if gid, ok := g.ParameterID(); !ok || gid != id {
			t.Errorf("group %d: ParameterID %d %v", id, gid, ok)
		}
	}
	if _, err := StandardGroup(3); !errors.Is(err, ec.ErrUnsupportedCurve) {
		t.Errorf("StandardGroup(3): %v", err)
	}
}

// TestDHKey_SharedSecretRefusesBadValues: both sides agree, and a peer
// value outside the subgroup (0, 1, p−1, an element of even order) or our
// own value echoed is refused with ErrInvalidDHKey.
func TestDHKey_SharedSecretRefusesBadValues(t *testing.T) {
	g, _ := StandardGroup(0)
	a, _ := g.GenerateKey(rand.Reader)
	b, _ := g.GenerateKey(rand.Reader)
	s1, err1 := a.SharedSecret(b.Y)
	s2, err2 := b.SharedSecret(a.Y)
	if err1 != nil || err2 != nil || string(s1) != string(s2) || len(s1) != g.ByteLen() {
		t.Fatalf("agreement: %v %v", err1, err2)
	}
	pm1 := new(big.Int).Sub(g.p, big.NewInt(1))
	for name, y := range map[string]*big.Int{"0": big.NewInt(0), "1": big.NewInt(1), "p-1": pm1, "p": g.P(),
		"2 (not in the subgroup)": big.NewInt(2), "own value": a.Y} {
		if _, err := a.SharedSecret(y); !errors.Is(err, ErrInvalidDHKey) {
			t.Errorf("%s: %v", name, err)
		}
	}
}
