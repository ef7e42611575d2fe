package mitid_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/sha256"
	"encoding/base32"
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
// Per iteration, the work a person's client does (the device's code, the
// app's signature, the chip's assertion) and the login that waits for the
// factor are made with the timer stopped; the timer runs over exactly the
// Service call, or the bare primitive. Spent logins are purged as a server
// would purge them (see purge), so the heap stays the size of a live system
// and no benchmark pays for a heap that only grows.

// purge deletes the logins that have expired, every 64 rounds, with the
// timer stopped.
func purge(b *testing.B, e *loginEnv, i int) {
	if i%64 != 0 {
		return
	}
	if _, err := e.svc.Store().PurgeSessions(e.ctx, e.clock.Now().Add(time.Hour)); err != nil {
		b.Fatal(err)
	}
}

func BenchmarkFactorCodeDisplay(b *testing.B) {
	e := newLoginEnv(b, memory.New())
	t := b
	h := e.enrol(t, "bench-code", mitid.LevelSubstantial, mitid.KindCodeDisplay)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		purge(b, e, i)
		e.clock.Advance(30 * time.Second) // a code is accepted once: each round needs a new step
		l := e.begin(t, h, mitid.LevelSubstantial)
		code := h.code(t)
		b.StartTimer()
		if _, err := e.svc.SubmitCode(e.ctx, l.ID, code); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkRawTOTPValidateCustom(b *testing.B) {
	seed := []byte("12345678901234567890")
	secret := base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(seed)
	opts := totp.ValidateOpts{Period: 30, Skew: 1, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1}
	now := tNow
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		now = now.Add(30 * time.Second)
		code, err := totp.GenerateCodeCustom(secret, now, opts)
		if err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		if ok, err := totp.ValidateCustom(code, secret, now, opts); err != nil || !ok {
			b.Fatal("not valid", err)
		}
	}
}

func BenchmarkFactorApp(b *testing.B) {
	e := newLoginEnv(b, memory.New())
	t := b
	h := e.enrol(t, "bench-app", mitid.LevelSubstantial, mitid.KindApp)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		purge(b, e, i)
		l := e.begin(t, h, mitid.LevelSubstantial)
		sig := h.approve(t, l)
		b.StartTimer()
		if _, err := e.svc.SubmitApproval(e.ctx, l.ID, sig); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkFactorChip(b *testing.B) {
	e := newLoginEnv(b, memory.New())
	t := b
	h := e.enrol(t, "bench-chip", mitid.LevelSubstantial, mitid.KindChip)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		purge(b, e, i)
		l := e.begin(t, h, mitid.LevelSubstantial)
		l, err := e.svc.SubmitPassword(e.ctx, l.ID, password)
		if err != nil {
			b.Fatal(err)
		}
		resp, err := h.chip.Login(l.ChipOptions, origin)
		if err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		if _, err := e.svc.SubmitChip(e.ctx, l.ID, resp); err != nil {
			b.Fatal(err)
		}
	}
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
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if !ecdsa.VerifyASN1(&key.PublicKey, digest[:], sig) {
			b.Fatal("bad signature")
		}
	}
}
