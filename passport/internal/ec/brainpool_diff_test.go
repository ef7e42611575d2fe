//lint:file-ignore SA1019 the reference implementation offers only crypto/elliptic.Curve, deprecated for new code but exactly the independent arithmetic this test compares against

package ec

import (
	"crypto/elliptic"
	"crypto/rand"
	"math/big"
	"testing"

	"github.com/ProtonMail/go-crypto/brainpool"
)

// TestBrainpool_DifferentialAgainstProtonMail checks this package's curve
// arithmetic against an independent implementation — ProtonMail's
// go-crypto/brainpool, which computes on the twisted curve (a = −3) through
// crypto/elliptic's generic code and maps back by the isomorphism — with
// random scalars and points: scalar base multiplication, scalar
// multiplication of a random point, addition and doubling. Under -short
// fewer rounds run, and brainpoolP512r1 (the slowest) is skipped.
func TestBrainpool_DifferentialAgainstProtonMail(t *testing.T) {
	tests := []struct {
		ours   *Curve
		theirs elliptic.Curve
		rounds int
	}{
		{BrainpoolP256r1(), brainpool.P256r1(), 24},
		{BrainpoolP384r1(), brainpool.P384r1(), 12},
		{BrainpoolP512r1(), brainpool.P512r1(), 8},
	}
	for _, tc := range tests {
		t.Run(tc.ours.Name(), func(t *testing.T) {
			rounds := tc.rounds
			if testing.Short() {
				if tc.ours == BrainpoolP512r1() {
					t.Skip("brainpoolP512r1 is the slowest; run without -short")
				}
				rounds = 3
			}
			params := tc.theirs.Params()
			if params.P.Cmp(tc.ours.p) != 0 || params.N.Cmp(tc.ours.n) != 0 || params.Gx.Cmp(tc.ours.gx) != 0 || params.Gy.Cmp(tc.ours.gy) != 0 {
				t.Fatal("domain parameters differ")
			}
			for i := range rounds {
				k1, err := RandScalar(rand.Reader, tc.ours.n)
				if err != nil {
					t.Fatal(err)
				}
				k2, _ := RandScalar(rand.Reader, tc.ours.n)
				p := tc.ours.ScalarBaseMult(k1)
				x, y := tc.theirs.ScalarBaseMult(k1.Bytes()) //nolint:staticcheck // SA1019: the reference implementation is a crypto/elliptic.Curve; see the file-ignore above
				same(t, i, "k·G", p, x, y)
				q := tc.ours.ScalarMult(p, k2)
				x2, y2 := tc.theirs.ScalarMult(x, y, k2.Bytes()) //nolint:staticcheck // SA1019: the reference implementation is a crypto/elliptic.Curve; see the file-ignore above
				same(t, i, "k2·(k1·G)", q, x2, y2)
				ax, ay := tc.theirs.Add(x, y, x2, y2) //nolint:staticcheck // SA1019: the reference implementation is a crypto/elliptic.Curve; see the file-ignore above
				same(t, i, "P+Q", tc.ours.Add(p, q), ax, ay)
				dx, dy := tc.theirs.Double(x2, y2) //nolint:staticcheck // SA1019: the reference implementation is a crypto/elliptic.Curve; see the file-ignore above
				same(t, i, "2Q", tc.ours.Double(q), dx, dy)
				if !tc.ours.IsOnCurve(q) || !tc.theirs.IsOnCurve(x2, y2) { //nolint:staticcheck // SA1019: the reference implementation is a crypto/elliptic.Curve; see the file-ignore above
					t.Fatalf("round %d: point off the curve", i)
				}
				// Through the uncompressed encoding both sides produce.
				if got := tc.ours.Marshal(q); string(got) != string(elliptic.Marshal(tc.theirs, x2, y2)) { //nolint:staticcheck // SA1019: the reference implementation is a crypto/elliptic.Curve; see the file-ignore above
					t.Fatalf("round %d: encodings differ", i)
				}
			}
		})
	}
}

func same(t *testing.T, round int, what string, p Point, x, y *big.Int) {
	t.Helper()
	if p.X.Cmp(x) != 0 || p.Y.Cmp(y) != 0 {
		t.Fatalf("round %d: %s differs:\n ours   (%X, %X)\n theirs (%X, %X)", round, what, p.X, p.Y, x, y)
	}
}
