package mitid_test

import (
	"crypto/subtle"
	"testing"
	"time"

	"golang.org/x/crypto/argon2"

	"github.com/go-mitid/mitid"
	"github.com/go-mitid/mitid/mitidtest"
	"github.com/go-mitid/mitid/store/memory"
)

// BenchmarkLoginCodeDisplayComplete is a complete code-display login
// through the Service on the memory store, as a web flow makes it:
// BeginLogin, SubmitCode, and SubmitPassword finishing the login
// (LoginRequest.FinishAtLastFactor), with the cheap argon2id parameters
// the other benchmarks use (mitidtest.CheapPolicy). It runs beside
// BenchmarkRawLoginCodeDisplayPrimitives, the primitives such a login
// cannot do without (the TOTP check and argon2id), so that the Service's
// own part reads as a ratio:
//
//	go test -run='^$' -bench='LoginCodeDisplayComplete|RawLoginCodeDisplay' -benchmem -count=5 .
//
// The device's codes are made in batches with the timer stopped (see
// rounds); the finished sessions are purged as a server purges them. Two
// kinds of person, as in store/postgres's BenchmarkLogin: one who logs in
// every 30 s (the record holds the 16 finished logins Policy.LoginSessionTTL
// keeps) and one who logs in once a session lifetime or less often.
//
// Its instructions, which do not depend on the machine's load, are what
// to compare; the difference of two runs cancels the setup:
//
//	go test -c -o /tmp/b.test . && for n in 1000 3000; do valgrind --tool=callgrind --callgrind-out-file=/tmp/cg.$n \
//	  /tmp/b.test -test.run='^$' -test.bench='LoginCodeDisplayComplete/gap=10m' -test.benchtime=${n}x; done
func BenchmarkLoginCodeDisplayComplete(b *testing.B) {
	for _, gap := range []time.Duration{30 * time.Second, 10 * time.Minute} {
		b.Run("gap="+gap.String(), func(b *testing.B) {
			e := newLoginEnv(b, memory.New())
			h := e.enrol(b, "bench-complete", mitid.LevelSubstantial, mitid.KindCodeDisplay)
			codes := make([]string, batch)
			rounds(b, func(k int) {
				purge(b, e)
				start := e.clock.Now()
				for i := 0; i < k; i++ {
					c, err := h.display.CodeAt(start.Add(time.Duration(i+1) * gap))
					if err != nil {
						b.Fatal(err)
					}
					codes[i] = c
				}
			}, func(i int) {
				e.clock.Advance(gap) // a fresh code step
				l, err := e.svc.BeginLogin(e.ctx, mitid.LoginRequest{UserID: h.user.UserID, Action: mitid.ActionLogOn, Text: "Log på hos Skattestyrelsen",
					Level: mitid.LevelSubstantial, RelyingParty: "skat.dk", FinishAtLastFactor: true})
				if err != nil {
					b.Fatal(err)
				}
				if l, err = e.svc.SubmitCode(e.ctx, l.ID, codes[i]); err != nil {
					b.Fatal(err)
				}
				if l, err = e.svc.SubmitPassword(e.ctx, l.ID, password); err != nil {
					b.Fatal(err)
				}
				if l.Result == nil {
					b.Fatal("the last factor did not finish the login")
				}
			})
		})
	}
}

// BenchmarkRawLoginCodeDisplayPrimitives is what a code-display login
// cannot do without: one TOTP check (skew 1) and one argon2id of the
// password under the cheap parameters, compared in constant time.
func BenchmarkRawLoginCodeDisplayPrimitives(b *testing.B) {
	t := newRawTOTP()
	a := mitidtest.CheapPolicy().Argon2
	salt := make([]byte, a.SaltLen)
	want := argon2.IDKey([]byte(password), salt, a.Time, a.Memory, a.Threads, a.KeyLen)
	rounds(b, func(k int) { t.generate(b, k) }, func(i int) {
		t.validate(b, i)
		got := argon2.IDKey([]byte(password), salt, a.Time, a.Memory, a.Threads, a.KeyLen)
		if subtle.ConstantTimeCompare(got, want) != 1 {
			b.Fatal("wrong hash")
		}
	})
}
