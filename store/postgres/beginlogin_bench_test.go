package postgres_test

import (
	"context"
	"crypto/rand"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/go-mitid/mitid"
	"github.com/go-mitid/mitid/app/apptest"
	"github.com/go-mitid/mitid/store/postgres"
)

// BenchmarkBeginLoginKnownUserID and BenchmarkBeginLoginUnknownUserID time
// the two answers to a user ID on PostgreSQL, beside BenchmarkBareSelect1
// and BenchmarkBareInsertCommit: both are one lookup and one session insert,
// so the time does not tell a stranger whether a MitID exists.
//
//	go test -run='^$' -bench='BeginLogin|Bare' -benchmem -count=5 ./store/postgres/
func BenchmarkBeginLoginKnownUserID(b *testing.B) { benchBeginLogin(b, true) }

func BenchmarkBeginLoginUnknownUserID(b *testing.B) { benchBeginLogin(b, false) }

func benchBeginLogin(b *testing.B, known bool) {
	ctx := context.Background()
	dsn := testDSN(b)
	s, err := postgres.Open(ctx, dsn, postgres.Options{Schema: newSchema(b, dsn)})
	require.NoError(b, err)
	b.Cleanup(s.Close)
	keys, err := mitid.NewRandomKeyRing(rand.Reader)
	require.NoError(b, err)
	sms := mitid.NotifierFunc(func(context.Context, mitid.Notification) error { return nil })
	svc, err := mitid.New(mitid.Config{Store: s, Keys: keys, Notifier: sms})
	require.NoError(b, err)
	u, _, err := svc.CreateUser(ctx, mitid.UserRequest{UserID: "bench.known", CPR: "010190-1234", Phone: "+4512345678", IAL: mitid.LevelSubstantial})
	require.NoError(b, err)
	_, evs, err := svc.AddApp(ctx, u.ID, "phone", benchAppKey(b))
	require.NoError(b, err)
	scan, _, _, err := svc.IssueCode(ctx, u.ID, mitid.PurposeActivation, mitid.CodeByAppScan)
	require.NoError(b, err)
	pin, _, _, err := svc.IssueCode(ctx, u.ID, mitid.PurposeTemporaryPIN, mitid.CodeBySMS)
	require.NoError(b, err)
	_, _, err = svc.ActivateWithCode(ctx, "bench.known", evs[0].Authenticator, mitid.ActivationCodes{Code: scan, TemporaryPIN: pin})
	require.NoError(b, err)
	r := mitid.LoginRequest{UserID: "bench.known", Action: mitid.ActionLogOn, Text: "Log på", Level: mitid.LevelSubstantial}
	if !known {
		r.UserID = "bench.nobody"
	}
	_, err = svc.BeginLogin(ctx, r) // warm the pool
	require.NoError(b, err)
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		if _, err := svc.BeginLogin(ctx, r); err != nil {
			b.Fatal(err)
		}
	}
}

// benchAppKey is the device key of a simulated MitID app.
func benchAppKey(b *testing.B) []byte {
	sim, err := apptest.NewSimulator(rand.Reader, "123456")
	require.NoError(b, err)
	return sim.PublicKey()
}
