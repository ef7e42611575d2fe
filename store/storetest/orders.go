package storetest

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/go-mitid/mitid"
	"github.com/go-mitid/mitid/app"
	"github.com/go-mitid/mitid/app/apptest"
	"github.com/go-mitid/mitid/mitidtest/fake"
)

// Orders that change the user aggregate with them: the free
// code devices are counted on the user, so order and count commit as one.

var orderTests = []suiteTest{
	{"PlaceOrder/CommitsOrderUserAndEventsTogether", testPlaceOrder},
	{"PlaceOrder/RefusedOrTakenNumberCommitsNothing", testPlaceOrderRefused},
	{"ChangeOrder/CommitsOrderUserAndEventsTogether", testChangeOrder},
	{"Orders/InvalidOrdersAreRefused", testOrderValidated},
	{"ClaimOrder/OneClaimWinsWithItsUserChange", testClaimOrder},
	{"Contention/FreeCodeDevicesNeverMoreThanThree", testContentionFreeDevices},
	{"Contention/FourWitnessActsAtOnceThreeSucceed", testContentionWitnessActs},
	{"Contention/DueEventEmittedOnceByTwoRunners", testContentionDue},
}

func newOrder(u *mitid.User) *mitid.Order {
	o := &mitid.Order{Number: "T" + uuid.NewString()[:8], Identification: mitid.IdentifiedByMitID, Kind: mitid.KindCodeDisplay,
		Reason: mitid.ReasonNew, Delivery: mitid.DeliverPickUp, PickUpAt: "Borgerservice", TermsAccepted: true, Status: mitid.OrderPlaced, PlacedAt: t0, ChangedAt: t0}
	if u != nil {
		o.User = u.ID
	}
	return o
}

func testPlaceOrder(t *testing.T, s mitid.Store) {
	ctx := context.Background()
	u := newUser(t, uniqueName("places"))
	create(t, s, u)
	o, got, err := s.PlaceOrder(ctx, newOrder(u), func(o *mitid.Order, u *mitid.User) ([]mitid.Event, error) {
		u.FreeCodeDevices++
		o.Free = true
		e := event(u, mitid.EventOrderPlaced, mitid.Delivery{Channel: mitid.ChannelEmail, Address: "receipt@example.dk"})
		e.Order = o.Number
		return []mitid.Event{e}, nil
	})
	require.NoError(t, err)
	assert.Equal(t, int64(1), o.Version)
	assert.True(t, o.Free)
	assert.Equal(t, 1, got.FreeCodeDevices)
	assert.Equal(t, int64(2), got.Version)
	stored, err := s.User(ctx, u.ID)
	require.NoError(t, err)
	assert.Equal(t, 1, stored.FreeCodeDevices)
	so, err := s.Order(ctx, o.Number)
	require.NoError(t, err)
	assert.True(t, so.Free)
	evs := userEvents(t, s, u.ID)
	require.Len(t, evs, 2)
	assert.Equal(t, o.Number, evs[1].Order)
	msgs, err := s.OutboxMessages(ctx, mitid.OutboxFilter{User: u.ID})
	require.NoError(t, err)
	require.Len(t, msgs, 1)
	assert.Equal(t, "receipt@example.dk", msgs[0].Delivery.Address)

	// An order without a user: fn gets none, events without a user.
	anon, none, err := s.PlaceOrder(ctx, newOrder(nil), func(o *mitid.Order, u *mitid.User) ([]mitid.Event, error) {
		if u != nil {
			return nil, errors.New("an order without a user got one")
		}
		return []mitid.Event{{ID: uuid.New(), Type: mitid.EventOrderPlaced, At: t0, Order: o.Number}}, nil
	})
	require.NoError(t, err)
	assert.Nil(t, none)
	_, err = s.Order(ctx, anon.Number)
	require.NoError(t, err)
}

func testPlaceOrderRefused(t *testing.T, s mitid.Store) {
	ctx := context.Background()
	u := newUser(t, uniqueName("refused"))
	create(t, s, u)
	taken := newOrder(u)
	_, _, err := s.PlaceOrder(ctx, taken, func(o *mitid.Order, u *mitid.User) ([]mitid.Event, error) { return nil, nil })
	require.NoError(t, err)

	refused := errors.New("refused")
	o := newOrder(u)
	_, _, err = s.PlaceOrder(ctx, o, func(o *mitid.Order, u *mitid.User) ([]mitid.Event, error) {
		u.FreeCodeDevices = 3
		return []mitid.Event{event(u, mitid.EventOrderPlaced)}, refused
	})
	require.ErrorIs(t, err, refused)
	_, err = s.Order(ctx, o.Number)
	require.ErrorIs(t, err, mitid.ErrNotFound)

	_, _, err = s.PlaceOrder(ctx, taken.Clone(), func(o *mitid.Order, u *mitid.User) ([]mitid.Event, error) {
		u.FreeCodeDevices = 3
		return []mitid.Event{event(u, mitid.EventOrderPlaced)}, nil
	})
	assert.Equal(t, mitid.CodeOrderTaken, mitid.ErrorCode(err))
	got, err := s.User(ctx, u.ID)
	require.NoError(t, err)
	assert.Zero(t, got.FreeCodeDevices, "a taken order number commits nothing on the user")
	assert.Equal(t, int64(2), got.Version)
	assert.Len(t, userEvents(t, s, u.ID), 1)
}

func testChangeOrder(t *testing.T, s mitid.Store) {
	ctx := context.Background()
	u := newUser(t, uniqueName("changes"))
	create(t, s, u)
	o, _, err := s.PlaceOrder(ctx, newOrder(u), func(o *mitid.Order, u *mitid.User) ([]mitid.Event, error) {
		u.FreeCodeDevices = 1
		return nil, nil
	})
	require.NoError(t, err)
	changed, got, err := s.ChangeOrder(ctx, o.Number, func(o *mitid.Order, u *mitid.User) ([]mitid.Event, error) {
		o.Status = mitid.OrderCancelled
		u.FreeCodeDevices--
		e := event(u, mitid.EventOrderChanged)
		e.Order = o.Number
		return []mitid.Event{e}, nil
	})
	require.NoError(t, err)
	assert.Equal(t, mitid.OrderCancelled, changed.Status)
	assert.Equal(t, int64(2), changed.Version)
	assert.Zero(t, got.FreeCodeDevices)
	_, _, err = s.ChangeOrder(ctx, o.Number, func(o *mitid.Order, u *mitid.User) ([]mitid.Event, error) {
		o.Status = mitid.OrderShipped
		u.FreeCodeDevices = 9
		return nil, errors.New("refused")
	})
	require.Error(t, err)
	so, err := s.Order(ctx, o.Number)
	require.NoError(t, err)
	assert.Equal(t, mitid.OrderCancelled, so.Status)
	after, err := s.User(ctx, u.ID)
	require.NoError(t, err)
	assert.Zero(t, after.FreeCodeDevices)
	assert.Equal(t, int64(3), after.Version, "a refused change commits nothing")
	_, _, err = s.ChangeOrder(ctx, "T-none", func(o *mitid.Order, u *mitid.User) ([]mitid.Event, error) { return nil, nil })
	require.ErrorIs(t, err, mitid.ErrNotFound)
}

// testContentionFreeDevices: 10 goroutines order code displays for one
// person at once through the Service, five rounds; never more than the 3
// free ones are free, and every order is counted.
func testContentionFreeDevices(t *testing.T, s mitid.Store) {
	ctx := context.Background()
	u := newUser(t, uniqueName("contended"))
	create(t, s, u)
	cpr := mitid.CPRRecords{u.CPR.Digits(): {Surname: "Hansen", BirthDate: u.BirthDate, Passports: []string{"DNK:123456789"},
		Address: mitid.PostalAddress{Street: "Vestergade 1", PostalCode: "8000", City: "Aarhus C"}}}
	svc, err := mitid.New(mitid.Config{Store: s, Keys: testKeys(t), Clock: fake.NewClock(t0), Rand: seededRand(5), CPRRegister: cpr})
	require.NoError(t, err)
	const goroutines, rounds = 10, 5
	var free, priced int
	for round := 0; round < rounds; round++ {
		results := make([]*mitid.Receipt, goroutines)
		errs := make([]error, goroutines)
		parallel(goroutines, func(i int) {
			results[i], errs[i] = svc.PlaceOrder(ctx, mitid.OrderRequest{Kind: mitid.KindCodeDisplay, CPR: u.CPR.Digits(), Passport: "123456789",
				Reason: mitid.ReasonNew, Delivery: mitid.DeliverToRegisteredAddress, AcceptTerms: true})
		})
		for i := range results {
			require.NoError(t, errs[i])
			if results[i].Order.Free {
				free++
			} else {
				priced++
				assert.Equal(t, policy.CodeDevicePriceOre, results[i].Order.PriceOre)
			}
		}
	}
	assert.Equal(t, 3, free, "exactly the first three are free")
	assert.Equal(t, goroutines*rounds-3, priced)
	got, err := s.User(ctx, u.ID)
	require.NoError(t, err)
	assert.Equal(t, 3, got.FreeCodeDevices)
	list, err := s.Orders(ctx, u.ID)
	require.NoError(t, err)
	assert.Len(t, list, goroutines*rounds)
}

// testContentionWitnessActs: one witness confirms 4 visits at once (each
// with their own login naming the visit); the witness may act 3 times in
// 120 days, so exactly 3 succeed and the 4th meets the limit.
func testContentionWitnessActs(t *testing.T, s mitid.Store) {
	ctx := context.Background()
	clk := fake.NewClock(t0)
	keys, err := mitid.NewRandomKeyRing(seededRand(1))
	require.NoError(t, err)
	p := policy
	p.Argon2 = mitid.Argon2Params{Time: 1, Memory: 64, Threads: 1, KeyLen: 32, SaltLen: 16}
	// The Notifier takes the temporary PIN the witness's app needs by SMS.
	sms := mitid.NotifierFunc(func(context.Context, mitid.Notification) error { return nil })
	svc, err := mitid.New(mitid.Config{Store: s, Keys: keys, Clock: clk, Rand: seededRand(6), Policy: &p, Notifier: sms})
	require.NoError(t, err)
	w, _, err := svc.CreateUser(ctx, mitid.UserRequest{UserID: uniqueName("vidne"), CPR: fmt.Sprintf("040470-%04d", seq.Add(1)%10000),
		IAL: mitid.LevelSubstantial, Phone: "+4512345678", Channels: []mitid.Channel{mitid.ChannelSMS}})
	require.NoError(t, err)
	sim, err := apptest.NewSimulator(seededRand(7), "123456")
	require.NoError(t, err)
	_, evs, err := svc.AddApp(ctx, w.ID, "phone", sim.PublicKey())
	require.NoError(t, err)
	code, _, _, err := svc.IssueCode(ctx, w.ID, mitid.PurposeActivation, mitid.CodeOnPaper)
	require.NoError(t, err)
	pin, _, _, err := svc.IssueCode(ctx, w.ID, mitid.PurposeTemporaryPIN, mitid.CodeBySMS)
	require.NoError(t, err)
	_, _, err = svc.ActivateWithCode(ctx, w.UserID, evs[0].Authenticator, mitid.ActivationCodes{Code: code, TemporaryPIN: pin})
	require.NoError(t, err)
	person, _, err := svc.CreateUser(ctx, mitid.UserRequest{UserID: uniqueName("vidnet"), CPR: fmt.Sprintf("050580-%04d", seq.Add(1)%10000), IAL: mitid.LevelSubstantial, Email: "vidnet@example.dk"})
	require.NoError(t, err)

	clk.Set(t0.Add(31 * 24 * time.Hour)) // the witness's MitID is old enough
	passport := mitid.PictureID{Kind: mitid.IDPassport, Number: "212345678", Issuer: "DNK", Expires: t0.AddDate(5, 0, 0)}
	const visits = 4
	ids, logins := make([]string, visits), make([]string, visits)
	for i := range visits {
		pr, err := svc.StartProofing(ctx, "Operator Olsen", person.CPR.Digits(), passport)
		require.NoError(t, err)
		l, err := svc.BeginLogin(ctx, mitid.LoginRequest{UserID: w.UserID, Action: mitid.ActionConfirm, Text: pr.WitnessText, Level: mitid.LevelSubstantial})
		require.NoError(t, err)
		sig, err := sim.Approve(app.Request{Challenge: l.Challenge, Action: string(l.Action), Text: l.Text}, "123456")
		require.NoError(t, err)
		_, err = svc.SubmitApproval(ctx, l.ID, sig)
		require.NoError(t, err)
		ids[i], logins[i] = pr.ID, l.ID
	}
	errs := make([]error, visits)
	parallel(visits, func(i int) {
		_, errs[i] = svc.ConfirmWitness(ctx, ids[i], mitid.WitnessEvidence{CPR: w.CPR.Digits(), PictureID: passport, Login: logins[i]})
	})
	ok, limited := 0, 0
	for _, err := range errs {
		switch {
		case err == nil:
			ok++
		case mitid.ErrorCode(err) == mitid.CodeWitnessLimit:
			limited++
		default:
			t.Error(err)
		}
	}
	assert.Equal(t, 3, ok, "exactly three acts")
	assert.Equal(t, 1, limited)
	got, err := s.User(ctx, w.ID)
	require.NoError(t, err)
	assert.Len(t, got.WitnessActs, 3)
}

// testContentionDue: two runners emit the due events at once; each event
// is emitted once in all.
func testContentionDue(t *testing.T, s mitid.Store) {
	ctx := context.Background()
	svc, clk := newService(t, s)
	const people = 5
	for range people {
		u, _, err := svc.CreateUser(ctx, mitid.UserRequest{UserID: uniqueName("venter"), CPR: fmt.Sprintf("060680-%04d", seq.Add(1)%10000), IAL: mitid.LevelSubstantial, Email: "venter@example.dk"})
		require.NoError(t, err)
		_, _, err = svc.RequestAccess(ctx, u.ID, mitid.KindChip, "chip")
		require.NoError(t, err)
	}
	clk.Advance(policy.AccessRequestWait)
	for round := 0; round < 3; round++ {
		var total atomic.Int64
		parallel(2, func(int) {
			n, err := svc.RunDue(ctx)
			assert.NoError(t, err)
			total.Add(int64(n))
		})
		if round == 0 {
			assert.Equal(t, int64(people), total.Load(), "each person's access granted once")
		} else {
			assert.Zero(t, total.Load(), "and not again")
		}
	}
	evs, err := s.Events(ctx, mitid.EventFilter{Types: []mitid.EventType{mitid.EventAccessGranted}})
	require.NoError(t, err)
	assert.Len(t, evs, people)
}

// testOrderValidated: the store refuses orders no rule allows, whatever
// wrote them (the Service checks first; the store is the last line).
func testOrderValidated(t *testing.T, s mitid.Store) {
	ctx := context.Background()
	u := newUser(t, uniqueName("validated"))
	create(t, s, u)
	for _, tc := range []struct {
		name  string
		edit  func(o *mitid.Order)
		field string
	}{
		{"an app", func(o *mitid.Order) { o.Kind = mitid.KindApp }, "kind"},
		{"delivery by teleport", func(o *mitid.Order) { o.Delivery = "teleport" }, "delivery"},
		{"a price of -5", func(o *mitid.Order) { o.PriceOre = -5 }, "price"},
		{"terms not accepted", func(o *mitid.Order) { o.TermsAccepted = false }, "terms"},
		{"no reason", func(o *mitid.Order) { o.Reason = "" }, "reason"},
	} {
		o := newOrder(u)
		tc.edit(o)
		err := s.CreateOrder(ctx, o, nil)
		assert.Equal(t, mitid.CodeOrderInvalid, mitid.ErrorCode(err), tc.name)
		_, _, err = s.PlaceOrder(ctx, o, func(*mitid.Order, *mitid.User) ([]mitid.Event, error) { return nil, nil })
		assert.Equal(t, mitid.CodeOrderInvalid, mitid.ErrorCode(err), tc.name)
		_, err = s.Order(ctx, o.Number)
		assert.ErrorIs(t, err, mitid.ErrNotFound, tc.name)

		good := newOrder(u)
		require.NoError(t, s.CreateOrder(ctx, good, nil))
		_, err = s.UpdateOrder(ctx, good.Number, func(o *mitid.Order) ([]mitid.Event, error) { tc.edit(o); return nil, nil })
		assert.Equal(t, mitid.CodeOrderInvalid, mitid.ErrorCode(err), tc.name)
		_, _, err = s.ChangeOrder(ctx, good.Number, func(o *mitid.Order, _ *mitid.User) ([]mitid.Event, error) { tc.edit(o); return nil, nil })
		assert.Equal(t, mitid.CodeOrderInvalid, mitid.ErrorCode(err), tc.name)
		got, err := s.Order(ctx, good.Number)
		require.NoError(t, err)
		assert.Equal(t, int64(1), got.Version, tc.name)
	}
}

// testClaimOrder: an order without a user becomes one user's, with a change
// to that user, in one commit; concurrent claims have one winner.
func testClaimOrder(t *testing.T, s mitid.Store) {
	ctx := context.Background()
	o, _, err := s.PlaceOrder(ctx, newOrder(nil), func(*mitid.Order, *mitid.User) ([]mitid.Event, error) { return nil, nil })
	require.NoError(t, err)
	users := make([]*mitid.User, 8)
	for i := range users {
		users[i] = newUser(t, uniqueName("claims"))
		create(t, s, users[i])
	}
	var won atomic.Int64
	parallel(len(users), func(i int) {
		_, u, err := s.ClaimOrder(ctx, o.Number, users[i].ID, func(o *mitid.Order, u *mitid.User) ([]mitid.Event, error) {
			if o.User != u.ID {
				return nil, errors.New("the claimed order does not name its user")
			}
			u.FreeCodeDevices = 1
			e := event(u, mitid.EventOrderChanged)
			e.Order = o.Number
			return []mitid.Event{e}, nil
		})
		switch {
		case err == nil:
			won.Add(1)
			assert.Equal(t, 1, u.FreeCodeDevices)
		case mitid.ErrorCode(err) != mitid.CodeOrderTaken:
			t.Error(err)
		}
	})
	assert.Equal(t, int64(1), won.Load(), "one claim wins")
	got, err := s.Order(ctx, o.Number)
	require.NoError(t, err)
	require.NotEqual(t, uuid.Nil, got.User)
	list, err := s.Orders(ctx, got.User)
	require.NoError(t, err)
	assert.Len(t, list, 1, "the order is listed under its new user")
	changed := 0
	for _, u := range users {
		cur, err := s.User(ctx, u.ID)
		require.NoError(t, err)
		changed += cur.FreeCodeDevices
	}
	assert.Equal(t, 1, changed, "only the winner's user changed")
}
