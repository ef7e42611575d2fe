package mitid_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/sha256"
	"encoding/base32"
	"slices"
	"testing"
	"time"

	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"

	"github.com/go-mitid/mitid"
	"github.com/go-mitid/mitid/app"
	"github.com/go-mitid/mitid/store/memory"
)

// Each benchmark of a login factor through the Service (memory store) runs
// beside the raw primitive it wraps, so the overhead reads as a ratio:
//
//	go test -run='^$' -bench='Factor|Raw' -benchmem -count=5 .
//
// The client's part (the device's codes, the app's signatures, the chip's
// assertions) and the logins waiting for the factor are prepared in batches
// of batch with the timer stopped; then the timer runs over batch calls of
// exactly the Service method, or of the bare primitive. Stopping the timer
// for every single call would measure cold caches after each stop (a full
// login's setup runs in between) rather than the call. Spent logins are
// purged as a server purges them.

// batch is how many calls run between two setups. A code is accepted once
// per 30-second step and a login lives 10 minutes, so a batch of codes must
// fit in 20 steps.
const batch = 16

// rounds runs b.N timed calls in batches: prepare(k) sets up k calls with
// the timer stopped, call(i) makes the i-th of them.
func rounds(b *testing.B, prepare func(k int), call func(i int)) {
	b.ResetTimer()
	for done := 0; done < b.N; {
		k := min(batch, b.N-done)
		b.StopTimer()
		prepare(k)
		b.StartTimer()
		for i := 0; i < k; i++ {
			call(i)
		}
		done += k
	}
}

// purge deletes the logins that have expired.
func purge(b *testing.B, e *loginEnv) {
	if _, err := e.svc.Store().PurgeSessions(e.ctx, e.clock.Now().Add(time.Hour)); err != nil {
		b.Fatal(err)
	}
}

func BenchmarkFactorCodeDisplay(b *testing.B) {
	e := newLoginEnv(b, memory.New())
	h := e.enrol(b, "bench-code", mitid.LevelSubstantial, mitid.KindCodeDisplay)
	ids, codes := make([]string, batch), make([]string, batch)
	var start time.Time
	rounds(b, func(k int) {
		purge(b, e)
		start = e.clock.Now()
		for i := 0; i < k; i++ {
			ids[i] = e.begin(b, h, mitid.LevelSubstantial).ID
			c, err := h.display.CodeAt(start.Add(time.Duration(i+1) * 30 * time.Second))
			if err != nil {
				b.Fatal(err)
			}
			codes[i] = c
		}
	}, func(i int) {
		e.clock.Advance(30 * time.Second) // a code is accepted once: each call needs its own step
		if _, err := e.svc.SubmitCode(e.ctx, ids[i], codes[i]); err != nil {
			b.Fatal(err)
		}
	})
}

func BenchmarkRawTOTPValidateCustom(b *testing.B) {
	t := newRawTOTP()
	rounds(b, func(k int) { t.generate(b, k) }, func(i int) { t.validate(b, i) })
}

// rawTOTP is pquerna/otp alone, as the raw benchmarks use it: a batch of
// codes of one seed 30 seconds apart, made untimed, then validated.
type rawTOTP struct {
	secret string
	opts   totp.ValidateOpts
	now    time.Time
	codes  []string
	times  []time.Time
}

func newRawTOTP() *rawTOTP {
	return &rawTOTP{secret: base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString([]byte("12345678901234567890")),
		opts: totp.ValidateOpts{Period: 30, Skew: 1, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1},
		now:  tNow, codes: make([]string, batch), times: make([]time.Time, batch)}
}

// generate makes the next k codes.
func (t *rawTOTP) generate(b *testing.B, k int) {
	for i := 0; i < k; i++ {
		t.now = t.now.Add(30 * time.Second)
		c, err := totp.GenerateCodeCustom(t.secret, t.now, t.opts)
		if err != nil {
			b.Fatal(err)
		}
		t.codes[i], t.times[i] = c, t.now
	}
}

// validate checks code i of the batch, as the device's verifier would.
func (t *rawTOTP) validate(b *testing.B, i int) {
	if ok, err := totp.ValidateCustom(t.codes[i], t.secret, t.times[i], t.opts); err != nil || !ok {
		b.Fatal("not valid", err)
	}
}

func BenchmarkFactorApp(b *testing.B) {
	e := newLoginEnv(b, memory.New())
	h := e.enrol(b, "bench-app", mitid.LevelSubstantial, mitid.KindApp)
	ids, sigs := make([]string, batch), make([][]byte, batch)
	rounds(b, func(k int) {
		purge(b, e)
		for i := 0; i < k; i++ {
			l := e.begin(b, h, mitid.LevelSubstantial)
			ids[i], sigs[i] = l.ID, h.approve(b, l)
		}
	}, func(i int) {
		if _, err := e.svc.SubmitApproval(e.ctx, ids[i], sigs[i]); err != nil {
			b.Fatal(err)
		}
	})
}

func BenchmarkFactorChip(b *testing.B) {
	e := newLoginEnv(b, memory.New())
	h := e.enrol(b, "bench-chip", mitid.LevelSubstantial, mitid.KindChip)
	ids, resps := make([]string, batch), make([][]byte, batch)
	rounds(b, func(k int) {
		purge(b, e)
		for i := 0; i < k; i++ {
			l, err := e.svc.SubmitPassword(e.ctx, e.begin(b, h, mitid.LevelSubstantial).ID, password)
			if err != nil {
				b.Fatal(err)
			}
			resp, err := h.chip.Login(l.ChipOptions, origin)
			if err != nil {
				b.Fatal(err)
			}
			ids[i], resps[i] = l.ID, resp
		}
	}, func(i int) {
		if _, err := e.svc.SubmitChip(e.ctx, ids[i], resps[i]); err != nil {
			b.Fatal(err)
		}
	})
}

// BenchmarkRawECDSAVerifyP256 is the primitive under both the app approval
// and the chip assertion: one P-256 ECDSA verification of a SHA-256 digest.
func BenchmarkRawECDSAVerifyP256(b *testing.B) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), seeded(3))
	if err != nil {
		b.Fatal(err)
	}
	msg, err := app.Request{Challenge: make([]byte, app.ChallengeSize), Action: "LOG_ON", Text: "Log på"}.Message()
	if err != nil {
		b.Fatal(err)
	}
	digest := sha256.Sum256(msg)
	sig, err := ecdsa.SignASN1(seeded(4), key, digest[:])
	if err != nil {
		b.Fatal(err)
	}
	rounds(b, func(int) {}, func(int) {
		if !ecdsa.VerifyASN1(&key.PublicKey, digest[:], sig) {
			b.Fatal("bad signature")
		}
	})
}

// BenchmarkFactorCodeDisplayOverRaw measures the code factor and the bare
// check alternately, batch by batch, and reports the median time per call
// of each and their ratio. On a shared machine the load drifts between two
// separate benchmarks; alternating puts the same conditions on both, and
// the medians drop the batches a preemption or the collector hit (so they
// leave out garbage collection, which the separate benchmarks include).
// Which side runs first alternates too, as the second inherits the caches
// the first left.
func BenchmarkFactorCodeDisplayOverRaw(b *testing.B) {
	e := newLoginEnv(b, memory.New())
	h := e.enrol(b, "bench-code", mitid.LevelSubstantial, mitid.KindCodeDisplay)
	secret := base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString([]byte("12345678901234567890"))
	opts := totp.ValidateOpts{Period: 30, Skew: 1, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1}
	const n = 16 // calls per batch; a code is accepted once per step and a login lives 20 steps
	ids, codes, rawCodes, rawTimes := make([]string, n), make([]string, n), make([]string, n), make([]time.Time, n)
	service := func() {
		for i := 0; i < n; i++ {
			e.clock.Advance(30 * time.Second)
			if _, err := e.svc.SubmitCode(e.ctx, ids[i], codes[i]); err != nil {
				b.Fatal(err)
			}
		}
	}
	raw := func() {
		for i := 0; i < n; i++ {
			if ok, err := totp.ValidateCustom(rawCodes[i], secret, rawTimes[i], opts); err != nil || !ok {
				b.Fatal("not valid", err)
			}
		}
	}
	var ours, bare []time.Duration
	for round := 0; round*n < b.N; round++ {
		b.StopTimer()
		purge(b, e)
		start := e.clock.Now()
		for i := 0; i < n; i++ {
			at := start.Add(time.Duration(i+1) * 30 * time.Second)
			ids[i] = e.begin(b, h, mitid.LevelSubstantial).ID
			c, err := h.display.CodeAt(at)
			if err != nil {
				b.Fatal(err)
			}
			if rawCodes[i], err = totp.GenerateCodeCustom(secret, at, opts); err != nil {
				b.Fatal(err)
			}
			codes[i], rawTimes[i] = c, at
		}
		b.StartTimer()
		first, second, d1, d2 := service, raw, &ours, &bare
		if round%2 == 1 {
			first, second, d1, d2 = raw, service, &bare, &ours
		}
		t0 := time.Now()
		first()
		t1 := time.Now()
		second()
		t2 := time.Now()
		*d1, *d2 = append(*d1, t1.Sub(t0)/n), append(*d2, t2.Sub(t1)/n)
	}
	b.ReportMetric(float64(medianOf(ours).Nanoseconds()), "service-ns/call")
	b.ReportMetric(float64(medianOf(bare).Nanoseconds()), "raw-ns/call")
	b.ReportMetric(float64(medianOf(ours))/float64(medianOf(bare)), "ratio")
}

func medianOf(ds []time.Duration) time.Duration {
	s := slices.Clone(ds)
	slices.Sort(s)
	return s[len(s)/2]
}
