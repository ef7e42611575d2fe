package mitidtest_test

import (
	"context"
	"fmt"
	"log"

	"github.com/go-mitid/mitid"
	"github.com/go-mitid/mitid/mitidtest"
)

// In a test, pass the *testing.T; this example, which runs outside one,
// passes a stand-in that stops on the first failure.
type exampleT struct{ ctx context.Context }

func (exampleT) Helper()                        {}
func (exampleT) Cleanup(func())                 {}
func (exampleT) Errorf(format string, a ...any) { log.Fatalf(format, a...) }
func (exampleT) Fatalf(format string, a ...any) { log.Fatalf(format, a...) }
func (t exampleT) Context() context.Context     { return t.ctx }

// A relying party's test: a citizen with a code display logs in, and the
// test reads the method and the assurance level the login ended in.
func Example() {
	t := exampleT{ctx: context.Background()}
	env := mitidtest.New(t)
	anna := env.Enrol(t, "anna-hansen", mitid.LevelSubstantial, mitid.KindCodeDisplay)
	res := env.LogIn(t, anna, mitid.LevelSubstantial)
	fmt.Println(res.Method, res.LoA)
	// Output: code_display Substantial
}
