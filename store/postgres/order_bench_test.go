package postgres_test

import (
	"context"
	"crypto/rand"
	"fmt"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/go-mitid/mitid"
)

// BenchmarkPlaceOrder places identified code-display orders on PostgreSQL,
// beside BenchmarkBareInsertCommit (one-row INSERT, autocommit) in the same
// run:
//
//	go test -run='^$' -bench='BareInsertCommit|PlaceOrder' -benchmem ./store/postgres/
//
// store= is Store.PlaceOrder alone: one transaction that locks and reads the
// user, writes the user with one event and its outbox message, and inserts
// the order. service= is the whole Service.PlaceOrder: the CPR register
// check (in memory), the user's lookup by CPR number, the order number, the
// price decision and the same commit.
func BenchmarkPlaceOrder(b *testing.B) {
	ctx := context.Background()
	s := newStore(b)
	now := time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)
	cpr, err := mitid.ParseCPR("0101901234")
	require.NoError(b, err)
	u := &mitid.User{ID: uuid.New(), UserID: "bench.orders", CPR: cpr, BirthDate: cpr.BirthDate(), Email: "anna@example.dk",
		Channels: []mitid.Channel{mitid.ChannelEmail}, Language: mitid.Danish, IAL: mitid.LevelSubstantial, Status: mitid.UserActive, CreatedAt: now}
	require.NoError(b, s.CreateUser(ctx, u, nil))

	b.Run("store=postgres", func(b *testing.B) {
		prefix, i := uuid.NewString()[:8], 0
		for b.Loop() {
			i++
			o := &mitid.Order{Number: fmt.Sprintf("%s-%d", prefix, i), User: u.ID, Kind: mitid.KindCodeDisplay, Reason: mitid.ReasonNew,
				Delivery: mitid.DeliverPickUp, PickUpAt: "Borgerservice", TermsAccepted: true, Status: mitid.OrderPlaced, PlacedAt: now, ChangedAt: now}
			_, _, err := s.PlaceOrder(ctx, o, func(o *mitid.Order, u *mitid.User) ([]mitid.Event, error) {
				u.FreeCodeDevices++
				return []mitid.Event{{ID: uuid.New(), User: u.ID, Type: mitid.EventOrderPlaced, At: now, Order: o.Number,
					Notify: []mitid.Delivery{{Channel: mitid.ChannelEmail, Address: "anna@example.dk"}}}}, nil
			})
			if err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("service=postgres", func(b *testing.B) {
		keys, err := mitid.NewRandomKeyRing(rand.Reader)
		require.NoError(b, err)
		reg := mitid.CPRRecords{cpr.Digits(): {Surname: "Hansen", BirthDate: cpr.BirthDate(), Passports: []string{"DNK:123456789"},
			Address: mitid.PostalAddress{Street: "Vestergade 1", PostalCode: "8000", City: "Aarhus C"}}}
		svc, err := mitid.New(mitid.Config{Store: s, Keys: keys, CPRRegister: reg})
		require.NoError(b, err)
		r := mitid.OrderRequest{Kind: mitid.KindCodeDisplay, CPR: cpr.Digits(), Passport: "123456789", Reason: mitid.ReasonNew,
			Delivery: mitid.DeliverToRegisteredAddress, ReceiptEmail: "anna@example.dk", AcceptTerms: true}
		for b.Loop() {
			if _, err := svc.PlaceOrder(ctx, r); err != nil {
				b.Fatal(err)
			}
		}
	})
}
