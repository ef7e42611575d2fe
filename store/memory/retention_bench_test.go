package memory_test

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/go-mitid/mitid"
	"github.com/go-mitid/mitid/app"
	"github.com/go-mitid/mitid/app/apptest"
	"github.com/go-mitid/mitid/store/memory"
)

// enrolledUser returns a user as the Service leaves one: enrolled with a
// CPR number (sealed, with its keyed hash), an app activated with the
// codes it was sent, and one finished login on record.
func enrolledUser(b *testing.B) *mitid.User {
	ctx := context.Background()
	st := memory.New()
	keys, err := mitid.NewRandomKeyRing(rand.Reader)
	if err != nil {
		b.Fatal(err)
	}
	now := at
	svc, err := mitid.New(mitid.Config{Store: st, Keys: keys, Clock: mitid.ClockFunc(func() time.Time { return now }),
		Notifier: mitid.NotifierFunc(func(context.Context, mitid.Notification) error { return nil })})
	if err != nil {
		b.Fatal(err)
	}
	sim, err := apptest.NewSimulator(rand.Reader, "123456")
	if err != nil {
		b.Fatal(err)
	}
	u, _, err := svc.CreateUser(ctx, mitid.UserRequest{UserID: "anna.jensen", CPR: "010190-1234", Phone: "+4512345678",
		Email: "anna@example.dk", IAL: mitid.LevelSubstantial})
	if err != nil {
		b.Fatal(err)
	}
	_, evs, err := svc.AddApp(ctx, u.ID, "phone", sim.PublicKey())
	if err != nil {
		b.Fatal(err)
	}
	scan, _, _, err := svc.IssueCode(ctx, u.ID, mitid.PurposeActivation, mitid.CodeByAppScan)
	if err != nil {
		b.Fatal(err)
	}
	pin, _, _, err := svc.IssueCode(ctx, u.ID, mitid.PurposeTemporaryPIN, mitid.CodeBySMS)
	if err != nil {
		b.Fatal(err)
	}
	if _, _, err := svc.ActivateWithCode(ctx, "anna.jensen", evs[0].Authenticator, mitid.ActivationCodes{Code: scan, TemporaryPIN: pin}); err != nil {
		b.Fatal(err)
	}
	l, err := svc.BeginLogin(ctx, mitid.LoginRequest{UserID: "anna.jensen", Action: mitid.ActionLogOn, Text: "Log på", Level: mitid.LevelSubstantial})
	if err != nil {
		b.Fatal(err)
	}
	sig, err := sim.Approve(app.Request{Challenge: l.Challenge, Action: string(l.Action), Text: l.Text}, "123456")
	if err != nil {
		b.Fatal(err)
	}
	if _, err := svc.SubmitApproval(ctx, l.ID, sig); err != nil {
		b.Fatal(err)
	}
	if _, err := svc.FinishLogin(ctx, l.ID); err != nil {
		b.Fatal(err)
	}
	stored, err := st.User(ctx, u.ID)
	if err != nil {
		b.Fatal(err)
	}
	return stored
}

// heap is the live heap after a full collection.
func heap() uint64 {
	runtime.GC()
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapAlloc
}

// BenchmarkBytesPerUser fills a store with 1,000,000 enrolled users (10,000
// with -short), copies of one the Service enrolled and logged in once,
// each with its own IDs and CPR hash, and no activity log, and reports the
// live heap per user: the user, its copy of the authenticators and codes,
// and the store's indexes (by ID, by unique key). It measures memory, not
// time: run it once.
//
//	go test -run='^$' -bench=BytesPerUser -benchtime=1x ./store/memory/
func BenchmarkBytesPerUser(b *testing.B) {
	n := 1_000_000
	if testing.Short() {
		n = 10_000
	}
	tmpl := enrolledUser(b)
	ctx := context.Background()
	for b.Loop() {
		before := heap()
		s := memory.New()
		for i := range n {
			u := tmpl.Clone()
			u.ID = uuid.New()
			u.UserID = fmt.Sprintf("user.%07d", i)
			cpr := *u.CPRAtRest
			var h [32]byte
			_, _ = rand.Read(h[:])
			kid, _, _ := strings.Cut(tmpl.CPRAtRest.Keys[0], ":")
			cpr.Keys = []string{kid + ":" + base64.RawURLEncoding.EncodeToString(h[:])}
			u.CPRAtRest = &cpr
			// The store keeps its own copy; u is garbage after the call.
			if err := s.CreateUser(ctx, u, nil); err != nil {
				b.Fatal(err)
			}
		}
		after := heap()
		runtime.KeepAlive(s)
		b.ReportMetric(float64(after-before)/float64(n), "B/user")
		b.ReportMetric(float64(n), "users")
	}
}

// BenchmarkClaimOutboxAfterPurge is BenchmarkClaimOutboxBehindDelivered
// after a purge removed the 1,000,000 delivered messages: the claim starts
// at the first open message either way.
//
//	go test -run='^$' -bench='ClaimOutbox(AfterPurge|BehindDelivered)' -benchtime=5000x -benchmem -count=3 ./store/memory/
func BenchmarkClaimOutboxAfterPurge(b *testing.B) {
	q := newQueue(b)
	q.deliverHistory(1_000_000)
	ctx := context.Background()
	for {
		n, err := q.s.PurgeOutbox(ctx, at.Add(time.Second), 10_000)
		if err != nil {
			b.Fatal(err)
		}
		if n < 10_000 {
			break
		}
	}
	st, err := q.s.OutboxMessages(ctx, mitid.OutboxFilter{Limit: 1})
	if err != nil || len(st) != 0 {
		b.Fatal("the purge left messages", err)
	}
	q.measureClaim(b)
}
