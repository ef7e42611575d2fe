package mitid_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/go-mitid/mitid"
	"github.com/go-mitid/mitid/chip"
	"github.com/go-mitid/mitid/codedisplay"
	"github.com/go-mitid/mitid/codedisplay/codedisplaytest"
	"github.com/go-mitid/mitid/mitidtest"
	"github.com/go-mitid/mitid/mitidtest/fake"
	"github.com/go-mitid/mitid/store/memory"
)

// orderEnv is a loginEnv with a payment provider and a CPR register.
type orderEnv struct {
	*loginEnv
	pay *mitid.Payments
	cpr mitid.CPRRecords
}

func newOrderEnv(t testing.TB, st mitid.Store) *orderEnv {
	t.Helper()
	keys, err := mitid.NewRandomKeyRing(seeded(1))
	require.NoError(t, err)
	clock := fake.NewClock(tNow)
	cv, err := chip.New(chip.Config{RPID: "mitid.example", RPName: "MitID", Origins: []string{origin}, Now: clock.Now, Rand: seeded(9)})
	require.NoError(t, err)
	pay := &mitid.Payments{Declined: map[string]bool{"declined-card": true}, Now: clock.Now}
	cpr := mitid.CPRRecords{}
	svc, err := mitid.New(mitid.Config{Store: st, Keys: keys, Clock: clock, Rand: seeded(2), Policy: mitidtest.CheapPolicy(), Chip: cv,
		Payment: pay, CPRRegister: cpr, ControlQuestions: mitid.RegisterQuestions{Register: cpr}, Notifier: &mitidtest.Recorder{}})
	require.NoError(t, err)
	e := &env{svc: svc, clock: clock, ctx: t.Context()}
	if m, ok := st.(*memory.Store); ok {
		e.store = m
	}
	return &orderEnv{loginEnv: &loginEnv{env: e}, pay: pay, cpr: cpr}
}

// register puts h into the CPR register with a passport and an address.
func (e *orderEnv) register(h *holder, passport string) {
	e.cpr[h.user.CPR.Digits()] = mitid.CPRPerson{Surname: "Hansen", GivenNames: "Anna", BirthDate: h.user.BirthDate,
		Passports: []string{"DNK:" + passport},
		Address:   mitid.PostalAddress{Name: "Anna Hansen", Street: "Vestergade 12, 2. th.", PostalCode: "8000", City: "Aarhus C"}}
}

// byPassport is an order identified by CPR and passport number.
func byPassport(h *holder, passport string, k mitid.Kind) mitid.OrderRequest {
	return mitid.OrderRequest{Kind: k, CPR: h.user.CPR.Digits(), Passport: passport, Reason: mitid.ReasonNew,
		Delivery: mitid.DeliverToRegisteredAddress, AcceptTerms: true}
}

func (e *orderEnv) noChange(t *testing.T, before int) {
	t.Helper()
	evs, err := e.svc.Store().Events(e.ctx, mitid.EventFilter{})
	require.NoError(t, err)
	assert.Len(t, evs, before, "nothing is stored")
}

func (e *orderEnv) eventCount(t *testing.T) int {
	t.Helper()
	evs, err := e.svc.Store().Events(e.ctx, mitid.EventFilter{})
	require.NoError(t, err)
	return len(evs)
}

func TestPlaceOrder_BadInputGetsATypedErrorAndStoresNothing(t *testing.T) {
	e := newOrderEnv(t, checkedStore(t))
	h := e.enrol(t, "bad.input", mitid.LevelSubstantial, mitid.KindCodeDisplay)
	e.register(h, "123456789")
	ok := byPassport(h, "123456789", mitid.KindCodeDisplay)
	for _, tc := range []struct {
		name  string
		edit  func(r *mitid.OrderRequest)
		code  mitid.Code
		field string
	}{
		{"an app is not ordered", func(r *mitid.OrderRequest) { r.Kind = mitid.KindApp }, mitid.CodeOrderInvalid, "kind"},
		{"a password is not ordered", func(r *mitid.OrderRequest) { r.Kind = mitid.KindPassword }, mitid.CodeOrderInvalid, "kind"},
		{"terms not accepted", func(r *mitid.OrderRequest) { r.AcceptTerms = false }, mitid.CodeTermsNotAccepted, "terms"},
		{"broken without a defect", func(r *mitid.OrderRequest) {
			r.Reason, r.Replaces, r.Defect = mitid.ReasonBroken, h.codeID, "  "
		}, mitid.CodeOrderInvalid, "defect"},
		{"broken without naming what it replaces", func(r *mitid.OrderRequest) {
			r.Reason, r.Defect = mitid.ReasonBroken, "the display stays blank"
		}, mitid.CodeOrderInvalid, "replaces"},
		{"an unidentified replacement", func(r *mitid.OrderRequest) {
			r.CPR, r.Passport, r.Reason, r.Replaces, r.Defect = "", "", mitid.ReasonBroken, h.codeID, "blank"
			r.Delivery, r.PickUpAt = mitid.DeliverPickUp, "Borgerservice Aarhus"
		}, mitid.CodeIdentificationRequired, "identification"},
		{"an unidentified lost order", func(r *mitid.OrderRequest) {
			r.CPR, r.Passport, r.Reason, r.Replaces = "", "", mitid.ReasonLost, h.codeID
			r.Delivery, r.PickUpAt = mitid.DeliverPickUp, "Borgerservice Aarhus"
		}, mitid.CodeIdentificationRequired, "identification"},
		{"unidentified to the registered address", func(r *mitid.OrderRequest) { r.CPR, r.Passport = "", "" }, mitid.CodeIdentificationRequired, "delivery"},
		{"delivery by teleport", func(r *mitid.OrderRequest) { r.Delivery = "teleport" }, mitid.CodeOrderInvalid, "delivery"},
		{"a malformed Danish postal code", func(r *mitid.OrderRequest) {
			r.Delivery, r.Address = mitid.DeliverToOtherAddress, mitid.PostalAddress{Street: "Vestergade 1", PostalCode: "80000", City: "Aarhus"}
		}, mitid.CodeAddressInvalid, "postal_code"},
		{"an address without a street", func(r *mitid.OrderRequest) {
			r.Delivery, r.Address = mitid.DeliverToOtherAddress, mitid.PostalAddress{PostalCode: "8000", City: "Aarhus"}
		}, mitid.CodeAddressInvalid, "street"},
		{"a country that is not a code", func(r *mitid.OrderRequest) {
			r.Delivery, r.Address = mitid.DeliverToOtherAddress, mitid.PostalAddress{Street: "Storgatan 1", PostalCode: "111 22", City: "Stockholm", Country: "Sweden"}
		}, mitid.CodeAddressInvalid, "country"},
		{"pick-up without a centre", func(r *mitid.OrderRequest) { r.Delivery = mitid.DeliverPickUp }, mitid.CodeOrderInvalid, "pick_up_at"},
		{"no reason", func(r *mitid.OrderRequest) { r.Reason = "" }, mitid.CodeOrderInvalid, "reason"},
		{"a malformed receipt e-mail", func(r *mitid.OrderRequest) { r.ReceiptEmail = "anna@" }, mitid.CodeEmailInvalid, "email"},
		{"a CPR number without a passport number", func(r *mitid.OrderRequest) { r.Passport = "" }, mitid.CodeOrderInvalid, "identification"},
		// A passport that is not the holder's counts a failure: see
		// TestPlaceOrder_AWrongPassportNumberCountsLikeAWrongCode.
		{"payment by cheque", func(r *mitid.OrderRequest) { r.Pay = &mitid.PaymentDetails{Method: "cheque"} }, mitid.CodeOrderInvalid, "payment"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := e.eventCount(t)
			r := ok
			tc.edit(&r)
			rc, err := e.svc.PlaceOrder(e.ctx, r)
			require.Error(t, err)
			assert.Nil(t, rc)
			assert.Equal(t, tc.code, mitid.ErrorCode(err), "%v", err)
			var me *mitid.Error
			require.ErrorAs(t, err, &me)
			assert.Equal(t, tc.field, me.Field)
			assert.NotEmpty(t, me.Message)
			e.noChange(t, before)
			orders, err := e.svc.Store().Orders(e.ctx, h.user.ID)
			require.NoError(t, err)
			assert.Empty(t, orders)
		})
	}
	// And the unchanged request is fine.
	_, err := e.svc.PlaceOrder(e.ctx, ok)
	require.NoError(t, err)
}

func TestPlaceOrder_FirstThreeCodeDevicesAreFreeThenPriced(t *testing.T) {
	e := newOrderEnv(t, checkedStore(t))
	h := e.enrol(t, "free.three", mitid.LevelSubstantial)
	e.register(h, "123456789")
	var numbers []string
	for i, want := range []int{0, 0, 0, 4176, 4176} {
		k := mitid.KindCodeDisplay
		if i%2 == 1 {
			k = mitid.KindAudioReader // the two kinds share the three
		}
		r := byPassport(h, "123456789", k)
		rc, err := e.svc.PlaceOrder(e.ctx, r)
		require.NoError(t, err)
		assert.Equal(t, want, rc.Order.PriceOre, "order %d", i+1)
		assert.Equal(t, want == 0, rc.Order.Free)
		if want == 0 {
			assert.Equal(t, mitid.OrderPaid, rc.Order.Status, "a free order needs no payment")
		} else {
			assert.Equal(t, mitid.OrderPlaced, rc.Order.Status)
		}
		numbers = append(numbers, rc.Order.Number)
	}
	u, err := e.svc.User(e.ctx, h.user.ID)
	require.NoError(t, err)
	assert.Equal(t, 3, u.FreeCodeDevices)

	// A chip is never free.
	rc, err := e.svc.PlaceOrder(e.ctx, byPassport(h, "123456789", mitid.KindChip))
	require.NoError(t, err)
	assert.Equal(t, 14360, rc.Order.PriceOre)

	// Cancelling a free order gives its place back.
	_, err = e.svc.CancelOrder(e.ctx, numbers[1], "ordered twice")
	require.NoError(t, err)
	rc, err = e.svc.PlaceOrder(e.ctx, byPassport(h, "123456789", mitid.KindCodeDisplay))
	require.NoError(t, err)
	assert.True(t, rc.Order.Free)
	assert.Zero(t, rc.Order.PriceOre)

	// An unidentified code display is priced: no person to count it on.
	rc, err = e.svc.PlaceOrder(e.ctx, mitid.OrderRequest{Kind: mitid.KindCodeDisplay, Reason: mitid.ReasonNew,
		Delivery: mitid.DeliverPickUp, PickUpAt: "Borgerservice Aarhus", AcceptTerms: true})
	require.NoError(t, err)
	assert.Equal(t, 4176, rc.Order.PriceOre)
	assert.Equal(t, uuid.Nil, rc.Order.User)
}

func TestPlaceOrder_PolicyPricesAndFreeCountAreRead(t *testing.T) {
	st := checkedStore(t)
	e := newOrderEnv(t, st)
	p := e.svc.Policy()
	p.FreeCodeDevices, p.CodeDevicePriceOre, p.ChipPriceOre = 1, 5000, 20000
	svc, err := mitid.New(mitid.Config{Store: st, Keys: mustKeys(t), Clock: e.clock, Rand: seeded(4), Policy: &p, CPRRegister: e.cpr, Payment: e.pay})
	require.NoError(t, err)
	h := e.enrol(t, "policy.prices", mitid.LevelSubstantial)
	e.register(h, "123456789")
	for _, want := range []int{0, 5000} {
		rc, err := svc.PlaceOrder(e.ctx, byPassport(h, "123456789", mitid.KindCodeDisplay))
		require.NoError(t, err)
		assert.Equal(t, want, rc.Order.PriceOre)
	}
	rc, err := svc.PlaceOrder(e.ctx, byPassport(h, "123456789", mitid.KindChip))
	require.NoError(t, err)
	assert.Equal(t, 20000, rc.Order.PriceOre)
}

func TestPlaceOrder_IdentifiedByAFinishedLoginOfThisService(t *testing.T) {
	e := newOrderEnv(t, checkedStore(t))
	h := e.enrol(t, "login.orders", mitid.LevelSubstantial, mitid.KindApp, mitid.KindCodeDisplay)
	l := e.complete(t, h, e.begin(t, h, mitid.LevelSubstantial))
	r := mitid.OrderRequest{Kind: mitid.KindCodeDisplay, Login: l.ID, Reason: mitid.ReasonBroken, Defect: "the display is blank",
		Replaces: h.codeID, Delivery: mitid.DeliverPickUp, PickUpAt: "Borgerservice Odense", AcceptTerms: true, ReceiptEmail: "anna@example.dk"}
	rc, err := e.svc.PlaceOrder(e.ctx, r)
	require.NoError(t, err)
	assert.Equal(t, h.user.ID, rc.Order.User)
	assert.Equal(t, mitid.IdentifiedByMitID, rc.Order.Identification)
	assert.Equal(t, h.codeID, rc.Order.Replaces)

	// The login served once.
	_, err = e.svc.PlaceOrder(e.ctx, r)
	assert.ErrorIs(t, err, mitid.ErrReplay)
	// A made-up login ID proves nothing.
	r.Login = "made-up"
	_, err = e.svc.PlaceOrder(e.ctx, r)
	assert.Equal(t, mitid.CodeSessionNotFound, mitid.ErrorCode(err))
	// A login not yet complete proves nothing either.
	r.Login = e.begin(t, h, mitid.LevelSubstantial).ID
	_, err = e.svc.PlaceOrder(e.ctx, r)
	assert.Equal(t, mitid.CodeLoginOrder, mitid.ErrorCode(err))
}

// TestPlaceOrder_IdentifiedByTheLoginTheSiteFinished: a person logged on
// to the relying party's site orders with that login, named with its
// person, once and within the login's lifetime.
func TestPlaceOrder_IdentifiedByTheLoginTheSiteFinished(t *testing.T) {
	e := newOrderEnv(t, checkedStore(t))
	h := e.enrol(t, "site.orders", mitid.LevelSubstantial, mitid.KindApp)
	other := e.enrol(t, "other.orders", mitid.LevelSubstantial, mitid.KindApp)
	res, err := e.svc.FinishLogin(e.ctx, e.complete(t, h, e.begin(t, h, mitid.LevelSubstantial)).ID)
	require.NoError(t, err)
	r := mitid.OrderRequest{Kind: mitid.KindCodeDisplay, Login: res.Login, User: other.user.ID, Reason: mitid.ReasonNew,
		Delivery: mitid.DeliverPickUp, PickUpAt: "Borgerservice Odense", AcceptTerms: true}
	_, err = e.svc.PlaceOrder(e.ctx, r)
	assert.ErrorIs(t, err, mitid.ErrReplay, "the login is not the named person's")
	r.User = h.user.ID
	rc, err := e.svc.PlaceOrder(e.ctx, r)
	require.NoError(t, err)
	assert.Equal(t, h.user.ID, rc.Order.User)
	assert.Equal(t, mitid.IdentifiedByMitID, rc.Order.Identification)
	_, err = e.svc.PlaceOrder(e.ctx, r)
	assert.ErrorIs(t, err, mitid.ErrReplay, "once")
}

func TestPlaceOrder_ReplacementLoginMustUseAnotherAuthenticator(t *testing.T) {
	e := newOrderEnv(t, checkedStore(t))
	h := e.enrol(t, "same.device", mitid.LevelSubstantial, mitid.KindCodeDisplay)
	l := e.complete(t, h, e.begin(t, h, mitid.LevelSubstantial))
	_, err := e.svc.PlaceOrder(e.ctx, mitid.OrderRequest{Kind: mitid.KindCodeDisplay, Login: l.ID, Reason: mitid.ReasonBroken,
		Defect: "flickers", Replaces: h.codeID, Delivery: mitid.DeliverPickUp, PickUpAt: "Borgerservice Odense", AcceptTerms: true})
	assert.Equal(t, mitid.CodeIdentificationFailed, mitid.ErrorCode(err))
}

func TestPlaceOrder_ReceiptEmailGoesThroughTheOutbox(t *testing.T) {
	e := newOrderEnv(t, checkedStore(t))
	rc, err := e.svc.PlaceOrder(e.ctx, mitid.OrderRequest{Kind: mitid.KindChip, Reason: mitid.ReasonNew, Delivery: mitid.DeliverToOtherAddress,
		Address: mitid.PostalAddress{Street: "Nørregade 3", PostalCode: "1165", City: "København K"}, ReceiptEmail: "Kim@Example.dk", AcceptTerms: true})
	require.NoError(t, err)
	assert.True(t, rc.EmailQueued)
	assert.Contains(t, rc.String(), "A receipt has been sent to Kim@example.dk")
	msgs, err := e.svc.Store().OutboxMessages(e.ctx, mitid.OutboxFilter{})
	require.NoError(t, err)
	require.Len(t, msgs, 1)
	assert.Equal(t, mitid.Delivery{Channel: mitid.ChannelEmail, Address: "Kim@example.dk", Language: mitid.Danish}, msgs[0].Delivery)
	assert.Equal(t, rc.Order.Number, msgs[0].Event.Order)

	rc, err = e.svc.PlaceOrder(e.ctx, mitid.OrderRequest{Kind: mitid.KindChip, Reason: mitid.ReasonNew, Delivery: mitid.DeliverPickUp,
		PickUpAt: "Borgerservice Aalborg", AcceptTerms: true})
	require.NoError(t, err)
	assert.False(t, rc.EmailQueued)
	assert.Contains(t, rc.String(), "No e-mail receipt")
}

// TestPlaceOrder_ReceiptsToOneAddressArePacedWithoutIdentification: orders
// anyone can place send at most three receipts an hour to one address,
// whatever its case; a fourth order is placed without one and says so. An
// order whose placer proved who they are is not paced, and an hour later
// the address gets receipts again.
func TestPlaceOrder_ReceiptsToOneAddressArePacedWithoutIdentification(t *testing.T) {
	e := newOrderEnv(t, checkedStore(t))
	order := func(email string, login string) *mitid.Receipt {
		t.Helper()
		r := mitid.OrderRequest{Kind: mitid.KindChip, Reason: mitid.ReasonNew, Login: login, Delivery: mitid.DeliverPickUp,
			PickUpAt: "Borgerservice Aalborg", ReceiptEmail: email, AcceptTerms: true}
		rc, err := e.svc.PlaceOrder(e.ctx, r)
		require.NoError(t, err)
		require.NotEmpty(t, rc.Order.Number, "the order is placed")
		return rc
	}
	queued := func() int {
		msgs, err := e.svc.Store().OutboxMessages(e.ctx, mitid.OutboxFilter{})
		require.NoError(t, err)
		n := 0
		for _, m := range msgs {
			if strings.EqualFold(m.Delivery.Address, "anna@example.dk") {
				n++
			}
		}
		return n
	}
	for _, email := range []string{"anna@example.dk", "Anna@Example.dk", "ANNA@example.dk"} {
		assert.True(t, order(email, "").EmailQueued, email)
	}
	// The same mailbox by other names: a tag after a plus, a domain in
	// full-width letters (sent as example.dk, see notify/email).
	for _, email := range []string{"anna+1@example.dk", "anna@\uff45xample.dk", "anna@example.dk"} {
		held := order(email, "")
		assert.True(t, held.EmailHeld, email)
	}
	held := order("anna@example.dk", "")
	assert.False(t, held.EmailQueued)
	assert.True(t, held.EmailHeld)
	assert.Empty(t, held.Order.ReceiptEmail)
	assert.Contains(t, held.String(), "No e-mail receipt: that address has had as many receipts")
	assert.Equal(t, 3, queued(), "three receipts, the held one not queued")
	assert.True(t, order("bo@example.dk", "").EmailQueued, "another address has its own receipts")

	h := e.enrol(t, "receipt.owner", mitid.LevelSubstantial, mitid.KindApp)
	l := e.complete(t, h, e.begin(t, h, mitid.LevelSubstantial))
	assert.True(t, order("anna@example.dk", l.ID).EmailQueued, "an order after a MitID login is not paced")

	e.clock.Advance(time.Hour)
	assert.True(t, order("anna@example.dk", "").EmailQueued, "an hour later")
}

func TestPlaceOrder_ExpectedDeliveryOnDanishWorkingDays(t *testing.T) {
	e := newOrderEnv(t, checkedStore(t))
	dk := mitid.PostalAddress{Street: "Nørregade 3", PostalCode: "1165", City: "København K"}
	se := mitid.PostalAddress{Street: "Storgatan 1", PostalCode: "111 22", City: "Stockholm", Country: "se"}
	cph := func(y int, m time.Month, d int) time.Time {
		loc, err := time.LoadLocation("Europe/Copenhagen")
		require.NoError(t, err)
		return time.Date(y, m, d, 0, 0, 0, 0, loc)
	}
	for _, tc := range []struct {
		name     string
		placed   time.Time
		kind     mitid.Kind
		addr     mitid.PostalAddress
		from, by time.Time
	}{
		{"code display, 8 working days over Easter 2026", time.Date(2026, 3, 30, 9, 0, 0, 0, time.UTC), mitid.KindCodeDisplay, dk, cph(2026, 4, 14), cph(2026, 4, 14)},
		{"chip, 3-7 working days over Ascension 2027", time.Date(2027, 5, 3, 9, 0, 0, 0, time.UTC), mitid.KindChip, dk, cph(2027, 5, 7), cph(2027, 5, 13)},
		{"audio reader placed late on a Friday (Copenhagen time)", time.Date(2026, 11, 27, 22, 30, 0, 0, time.UTC), mitid.KindAudioReader, dk, cph(2026, 12, 9), cph(2026, 12, 9)},
		{"abroad: two weeks or longer", time.Date(2026, 6, 1, 9, 0, 0, 0, time.UTC), mitid.KindCodeDisplay, se, time.Date(2026, 6, 15, 9, 0, 0, 0, time.UTC), time.Time{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e.clock.Set(tc.placed)
			rc, err := e.svc.PlaceOrder(e.ctx, mitid.OrderRequest{Kind: tc.kind, Reason: mitid.ReasonNew, Delivery: mitid.DeliverToOtherAddress, Address: tc.addr, AcceptTerms: true})
			require.NoError(t, err)
			assert.True(t, tc.from.Equal(rc.Order.ExpectedFrom), "from %s, want %s", rc.Order.ExpectedFrom, tc.from)
			assert.True(t, tc.by.Equal(rc.Order.ExpectedBy), "by %s, want %s", rc.Order.ExpectedBy, tc.by)
			assert.Equal(t, tc.addr.Country != "", rc.Order.Abroad)
		})
	}
}

func TestOrder_LifecycleByMailCreatesThePendingAuthenticator(t *testing.T) {
	e := newOrderEnv(t, checkedStore(t))
	h := e.enrol(t, "by.mail", mitid.LevelSubstantial)
	e.register(h, "123456789")
	rc, err := e.svc.PlaceOrder(e.ctx, byPassport(h, "123456789", mitid.KindCodeDisplay))
	require.NoError(t, err)
	assert.Equal(t, "Vestergade 12, 2. th.", rc.Order.Address.Street, "the registered address comes from the CPR register")
	dev, err := codedisplaytest.Manufacture(seeded(77), codedisplay.MitIDParams(), e.clock.Now)
	require.NoError(t, err)

	_, _, err = e.svc.DeliverOrder(e.ctx, rc.Order.Number)
	assert.Equal(t, mitid.CodeOrderState, mitid.ErrorCode(err), "not shipped yet")
	_, err = e.svc.ShipOrder(e.ctx, rc.Order.Number, mitid.ShippedDevice{Serial: dev.Serial().String()})
	assert.Equal(t, mitid.CodeOrderInvalid, mitid.ErrorCode(err), "a code display ships with its seed")
	o, err := e.svc.ShipOrder(e.ctx, rc.Order.Number, mitid.ShippedDevice{Serial: dev.Serial().String(), Seed: dev.Seed()})
	require.NoError(t, err)
	assert.Equal(t, mitid.OrderShipped, o.Status)
	assert.NotContains(t, fmt.Sprintf("%x", o.Device.Seed.Ciphertext), fmt.Sprintf("%x", dev.Seed()), "the seed is sealed")
	_, err = e.svc.CancelOrder(e.ctx, rc.Order.Number, "too late")
	assert.Equal(t, mitid.CodeOrderState, mitid.ErrorCode(err), "a shipped order is not cancelled")

	o, u, err := e.svc.DeliverOrder(e.ctx, rc.Order.Number)
	require.NoError(t, err)
	assert.Equal(t, mitid.OrderDelivered, o.Status)
	a, err := u.Authenticator(o.Authenticator)
	require.NoError(t, err)
	assert.Equal(t, mitid.StatePendingActivation, a.State)
	assert.Equal(t, dev.Serial().Digits(), a.Serial)
	_, _, err = e.svc.DeliverOrder(e.ctx, rc.Order.Number)
	assert.Equal(t, mitid.CodeOrderState, mitid.ErrorCode(err), "delivered once")

	// The device works: activated with its serial and code.
	code, err := dev.Code()
	require.NoError(t, err)
	_, _, err = e.svc.ActivateWithCode(e.ctx, h.user.UserID, a.ID, mitid.ActivationCodes{Code: e.paperCode(t, h.user.ID), Serial: dev.Serial().String(), DeviceCode: code, Password: password})
	require.NoError(t, err)
}

func TestOrder_UnpaidChipIsNotShippedAndPaymentIsOnce(t *testing.T) {
	e := newOrderEnv(t, checkedStore(t))
	r := mitid.OrderRequest{Kind: mitid.KindChip, Reason: mitid.ReasonNew, Delivery: mitid.DeliverPickUp, PickUpAt: "Borgerservice Aarhus",
		AcceptTerms: true, Pay: &mitid.PaymentDetails{Method: mitid.PayByCard, Token: "declined-card"}}
	rc, err := e.svc.PlaceOrder(e.ctx, r)
	assert.Equal(t, mitid.CodePaymentDeclined, mitid.ErrorCode(err))
	require.NotNil(t, rc, "the order stands, unpaid")
	assert.Equal(t, mitid.OrderPlaced, rc.Order.Status)
	_, err = e.svc.ShipOrder(e.ctx, rc.Order.Number, mitid.ShippedDevice{})
	assert.Equal(t, mitid.CodeOrderState, mitid.ErrorCode(err))
	assert.Contains(t, err.Error(), "not paid")

	e.pay.Down = true
	_, err = e.svc.PayOrder(e.ctx, rc.Order.Number, mitid.PaymentDetails{Method: mitid.PayByMobilePay, Token: "mp"})
	assert.ErrorIs(t, err, mitid.ErrUnavailable)
	e.pay.Down = false
	o, err := e.svc.PayOrder(e.ctx, rc.Order.Number, mitid.PaymentDetails{Method: mitid.PayByMobilePay, Token: "mp"})
	require.NoError(t, err)
	assert.Equal(t, mitid.OrderPaid, o.Status)
	assert.Equal(t, 14360, o.Payment.AmountOre)
	_, err = e.svc.PayOrder(e.ctx, rc.Order.Number, mitid.PaymentDetails{Method: mitid.PayByMobilePay, Token: "mp"})
	assert.Equal(t, mitid.CodeOrderState, mitid.ErrorCode(err))
	ore, n := e.pay.Charged()
	assert.Equal(t, 14360, ore)
	assert.Equal(t, 1, n)

	o, err = e.svc.ShipOrder(e.ctx, rc.Order.Number, mitid.ShippedDevice{})
	require.NoError(t, err)
	assert.Equal(t, mitid.OrderReady, o.Status, "a pick-up order is ready at the centre")
}

func TestOrder_PickUpNeedsTheNumberAndAValidPictureID(t *testing.T) {
	e := newOrderEnv(t, checkedStore(t))
	h := e.enrol(t, "picks.up", mitid.LevelSubstantial)
	e.register(h, "123456789")
	r := byPassport(h, "123456789", mitid.KindChip)
	r.Delivery, r.PickUpAt, r.Pay = mitid.DeliverPickUp, "Borgerservice Aarhus", &mitid.PaymentDetails{Method: mitid.PayByCard, Token: "ok"}
	rc, err := e.svc.PlaceOrder(e.ctx, r)
	require.NoError(t, err)
	_, err = e.svc.ShipOrder(e.ctx, rc.Order.Number, mitid.ShippedDevice{})
	require.NoError(t, err)

	today := e.clock.Now()
	id := mitid.PictureID{Kind: mitid.IDDrivingLicence, Number: "12345678", Issuer: "DNK", Expires: today.AddDate(0, 0, -1)}
	_, _, err = e.svc.HandOverOrder(e.ctx, rc.Order.Number, id)
	assert.Equal(t, mitid.CodePictureIDExpired, mitid.ErrorCode(err), "expired yesterday")
	assert.ErrorIs(t, err, mitid.ErrExpired)

	// A mistyped number is caught by its check character.
	typo := []byte(rc.Order.Number)
	typo[0] = map[bool]byte{true: 'B', false: 'A'}[typo[0] == 'A']
	id.Expires = today // valid through its last day
	_, _, err = e.svc.HandOverOrder(e.ctx, string(typo), id)
	assert.Equal(t, mitid.CodeOrderInvalid, mitid.ErrorCode(err))

	o, u, err := e.svc.HandOverOrder(e.ctx, strings.ToLower(strings.ReplaceAll(rc.Order.Number, "-", " ")), id)
	require.NoError(t, err)
	assert.Equal(t, mitid.OrderDelivered, o.Status)
	got, err := e.svc.Order(e.ctx, o.Number)
	require.NoError(t, err)
	assert.True(t, e.svc.PictureIDNumberIs(*got.PickedUpWith, "1234 5678"), "the number is recorded as its keyed hash")
	assert.False(t, e.svc.PictureIDNumberIs(*got.PickedUpWith, "12345679"))
	a, err := u.Authenticator(o.Authenticator)
	require.NoError(t, err)
	assert.Equal(t, mitid.KindChip, a.Kind)
	assert.Equal(t, mitid.StatePendingActivation, a.State)
}

func TestParseOrderNumber_CheckCharacterCatchesTypos(t *testing.T) {
	e := newOrderEnv(t, checkedStore(t))
	rc, err := e.svc.PlaceOrder(e.ctx, mitid.OrderRequest{Kind: mitid.KindChip, Reason: mitid.ReasonNew, Delivery: mitid.DeliverPickUp, PickUpAt: "X", AcceptTerms: true})
	require.NoError(t, err)
	n := rc.Order.Number
	got, err := mitid.ParseOrderNumber(" " + strings.ToLower(n) + " ")
	require.NoError(t, err)
	assert.Equal(t, n, got)
	const alphabet = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
	plain := strings.ReplaceAll(n, "-", "")
	for i := range plain {
		for _, c := range alphabet {
			if byte(c) == plain[i] {
				continue
			}
			typo := plain[:i] + string(c) + plain[i+1:]
			_, err := mitid.ParseOrderNumber(typo)
			assert.Equal(t, mitid.CodeOrderInvalid, mitid.ErrorCode(err), "%s → %s", plain, typo)
		}
		if i+1 < len(plain) && plain[i] != plain[i+1] {
			swapped := plain[:i] + string(plain[i+1]) + string(plain[i]) + plain[i+2:]
			_, err := mitid.ParseOrderNumber(swapped)
			assert.Equal(t, mitid.CodeOrderInvalid, mitid.ErrorCode(err), "swap %s → %s", plain, swapped)
		}
	}
	for _, bad := range []string{"", "ABCD-EFGH", "ABCD-EFGH-JK", "ABCD-EFG0-J", strings.Repeat("A", 100)} {
		_, err := mitid.ParseOrderNumber(bad)
		assert.Equal(t, mitid.CodeOrderInvalid, mitid.ErrorCode(err), bad)
	}
}

func FuzzParseOrderNumber(f *testing.F) {
	for _, s := range []string{"K7QM-4TX9-P", "k7qm 4tx9 p", "", "ABCD-EFGH-J", "ÆØÅ", "----", "0000-0000-0"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n, err := mitid.ParseOrderNumber(s)
		if err != nil {
			if mitid.ErrorCode(err) != mitid.CodeOrderInvalid {
				t.Fatalf("error without its code: %v", err)
			}
			return
		}
		again, err := mitid.ParseOrderNumber(n)
		if err != nil || again != n || len(n) != 11 {
			t.Fatalf("%q → %q → %q, %v", s, n, again, err)
		}
	})
}

func FuzzParsePostalAddress(f *testing.F) {
	f.Add("Anna", "Vestergade 12", "8000", "Aarhus C", "")
	f.Add("", "Storgatan 1", "111 22", "Stockholm", "se")
	f.Add("", "x", "0799", "y", "DK")
	f.Fuzz(func(t *testing.T, name, street, code, city, country string) {
		a, err := mitid.ParsePostalAddress(mitid.PostalAddress{Name: name, Street: street, PostalCode: code, City: city, Country: country})
		if err != nil {
			if mitid.ErrorCode(err) != mitid.CodeAddressInvalid {
				t.Fatalf("error without its code: %v", err)
			}
			return
		}
		again, err := mitid.ParsePostalAddress(a)
		if err != nil || again != a {
			t.Fatalf("not stable: %+v → %+v, %v", a, again, err)
		}
	})
}

// A picture ID is valid through its expiry date: at 23:59:59 on that day
// it is accepted, at 00:00:00 the day after it is refused.
func TestPictureID_ValidThroughItsExpiryDay(t *testing.T) {
	for _, tc := range []struct {
		at   time.Time
		code mitid.Code
	}{
		{time.Date(2026, 11, 20, 23, 59, 59, 0, time.UTC), ""},
		{time.Date(2026, 11, 21, 0, 0, 0, 0, time.UTC), mitid.CodePictureIDExpired},
	} {
		e := newOrderEnv(t, checkedStore(t))
		e.clock.Set(tc.at.Add(-time.Hour))
		rc, err := e.svc.PlaceOrder(e.ctx, mitid.OrderRequest{Kind: mitid.KindChip, Reason: mitid.ReasonNew, Delivery: mitid.DeliverPickUp,
			PickUpAt: "Borgerservice Aarhus", AcceptTerms: true, Pay: &mitid.PaymentDetails{Method: mitid.PayByCard, Token: "ok"}})
		require.NoError(t, err)
		_, err = e.svc.ShipOrder(e.ctx, rc.Order.Number, mitid.ShippedDevice{})
		require.NoError(t, err)
		e.clock.Set(tc.at)
		_, _, err = e.svc.HandOverOrder(e.ctx, rc.Order.Number, mitid.PictureID{Kind: mitid.IDPassport, Number: "123456789", Issuer: "DNK",
			Expires: time.Date(2026, 11, 20, 0, 0, 0, 0, time.UTC)})
		assert.Equal(t, tc.code, mitid.ErrorCode(err), tc.at)
	}
}

// A device ordered without identification is bound at the pick-up to the
// person the operator identified, pending activation, in one change; an
// identified order is never claimed by another.
func TestOrder_UnidentifiedPickUpIsBoundAtTheDesk(t *testing.T) {
	e := newOrderEnv(t, checkedStore(t))
	h := e.enrol(t, "uden.id", mitid.LevelSubstantial)
	other := e.enrol(t, "anden", mitid.LevelSubstantial)
	e.register(other, "987654321")
	dev, err := codedisplaytest.Manufacture(seeded(78), codedisplay.MitIDParams(), e.clock.Now)
	require.NoError(t, err)
	rc, err := e.svc.PlaceOrder(e.ctx, mitid.OrderRequest{Kind: mitid.KindCodeDisplay, Reason: mitid.ReasonNew, Delivery: mitid.DeliverPickUp,
		PickUpAt: "Borgerservice Aarhus", AcceptTerms: true, Pay: &mitid.PaymentDetails{Method: mitid.PayByCard, Token: "ok"}})
	require.NoError(t, err)
	_, err = e.svc.ShipOrder(e.ctx, rc.Order.Number, mitid.ShippedDevice{Serial: dev.Serial().String(), Seed: dev.Seed()})
	require.NoError(t, err)
	o, u, err := e.svc.HandOverOrderTo(e.ctx, rc.Order.Number, passportDK, h.user.CPR.Digits())
	require.NoError(t, err)
	assert.Equal(t, h.user.ID, o.User)
	assert.Equal(t, mitid.OrderDelivered, o.Status)
	a, err := u.Authenticator(o.Authenticator)
	require.NoError(t, err)
	assert.Equal(t, mitid.StatePendingActivation, a.State)
	_, _, err = e.svc.ActivateWithCode(e.ctx, h.user.UserID, a.ID, proofOf(t, dev, e.paperCode(t, h.user.ID)))
	require.NoError(t, err)

	// An identified order is not someone else's to claim.
	r := byPassport(other, "987654321", mitid.KindChip)
	r.Delivery, r.PickUpAt, r.Pay = mitid.DeliverPickUp, "Borgerservice Aarhus", &mitid.PaymentDetails{Method: mitid.PayByCard, Token: "ok"}
	rc, err = e.svc.PlaceOrder(e.ctx, r)
	require.NoError(t, err)
	_, err = e.svc.ShipOrder(e.ctx, rc.Order.Number, mitid.ShippedDevice{})
	require.NoError(t, err)
	_, _, err = e.svc.HandOverOrderTo(e.ctx, rc.Order.Number, passportDK, h.user.CPR.Digits())
	assert.Equal(t, mitid.CodeOrderTaken, mitid.ErrorCode(err))
	got, err := e.svc.Order(e.ctx, rc.Order.Number)
	require.NoError(t, err)
	assert.Equal(t, mitid.OrderReady, got.Status)
}

// Order numbers are unique: a drawn number already in use is drawn again.
func TestPlaceOrder_TakenNumberIsDrawnAgain(t *testing.T) {
	st := checkedStore(t)
	clock := fake.NewClock(tNow)
	r := mitid.OrderRequest{Kind: mitid.KindChip, Reason: mitid.ReasonNew, Delivery: mitid.DeliverPickUp, PickUpAt: "Borgerservice", AcceptTerms: true}
	var numbers []string
	for range 2 {
		// Two Services with the same random source draw the same numbers.
		svc, err := mitid.New(mitid.Config{Store: st, Keys: mustKeys(t), Clock: clock, Rand: seeded(42)})
		require.NoError(t, err)
		rc, err := svc.PlaceOrder(t.Context(), r)
		require.NoError(t, err)
		numbers = append(numbers, rc.Order.Number)
	}
	assert.NotEqual(t, numbers[0], numbers[1])
}

// TestPlaceOrder_AWrongPassportNumberIsPacedByClientAndByCPRNumber: anyone
// who knows a CPR number can try passport numbers to order devices in the
// person's name, so wrong ones are paced by where they come from (the
// client limiter, asked before and told after) and by the CPR number, 5 an
// hour whoever gives them; past that not even the right number is
// compared. They do not count on the person, whose budget a stranger with
// the CPR number could otherwise spend at once, and a CPR number with a
// MitID and one without are answered alike throughout.
func TestPlaceOrder_AWrongPassportNumberIsPacedByClientAndByCPRNumber(t *testing.T) {
	e := newOrderEnv(t, checkedStore(t))
	h := e.enrol(t, "pp.guess", mitid.LevelSubstantial, mitid.KindApp)
	e.register(h, "123456789")
	p := e.svc.Policy()
	p.MaxConsecutiveFailures, p.PossessionReserve = 5, 1
	svc, err := mitid.New(mitid.Config{Store: e.svc.Store(), Keys: mustKeys(t), Clock: e.clock, Rand: seeded(77), Policy: &p,
		Clients: &mitid.ClientWindow{Limit: 2, Window: time.Hour, Clock: e.clock}, CPRRegister: e.cpr, Payment: e.pay})
	require.NoError(t, err)
	e.svc = svc
	from := func(addr string) context.Context { return mitid.WithClient(e.ctx, mitid.Client{Address: addr}) }
	steps := []struct {
		rule     string
		client   string
		cpr      string // "" for the holder's
		passport string
		want     mitid.Code // "" for an order placed
		failures int        // the holder's, after the step
	}{
		{"a malformed CPR number compares nothing", "198.51.100.1", "0101", "111111111", mitid.CodeCPRInvalid, 0},
		{"a wrong passport number", "198.51.100.1", "", "111111111", mitid.CodeIdentificationFailed, 0},
		{"a second from the same client", "198.51.100.1", "", "111111112", mitid.CodeIdentificationFailed, 0},
		{"the client limiter refuses a third before comparing", "198.51.100.1", "", "123456789", mitid.CodeClientLimited, 0},
		{"a third for the CPR number, from another client", "198.51.100.2", "", "111111113", mitid.CodeIdentificationFailed, 0},
		{"a fourth", "198.51.100.2", "", "111111114", mitid.CodeIdentificationFailed, 0},
		{"a fifth, from a third client", "198.51.100.3", "", "111111115", mitid.CodeIdentificationFailed, 0},
		{"five for the CPR number: not even the right one is compared, from anywhere", "198.51.100.4", "", "123456789", mitid.CodeAttemptsExhausted, 0},
		{"a CPR number with no MitID: a wrong one alike", "198.51.100.4", "020202-0202", "111111116", mitid.CodeIdentificationFailed, 0},
		{"and a second", "198.51.100.5", "020202-0202", "111111117", mitid.CodeIdentificationFailed, 0},
		{"a third", "198.51.100.5", "020202-0202", "111111118", mitid.CodeIdentificationFailed, 0},
		{"a fourth", "198.51.100.6", "020202-0202", "111111119", mitid.CodeIdentificationFailed, 0},
		{"a fifth", "198.51.100.6", "020202-0202", "111111120", mitid.CodeIdentificationFailed, 0},
		{"and refused alike past five", "198.51.100.7", "020202-0202", "111111121", mitid.CodeAttemptsExhausted, 0},
	}
	for _, st := range steps {
		r := byPassport(h, st.passport, mitid.KindCodeDisplay)
		if st.cpr != "" {
			r.CPR = st.cpr
		}
		_, err := e.svc.PlaceOrder(from(st.client), r)
		assert.Equal(t, st.want, mitid.ErrorCode(err), "%s: %v", st.rule, err)
		u, err := e.svc.User(e.ctx, h.user.ID)
		require.NoError(t, err)
		assert.Equal(t, st.failures, u.Failures, st.rule)
	}
	e.clock.Advance(time.Hour)
	_, err = e.svc.PlaceOrder(from("198.51.100.7"), byPassport(h, "123456789", mitid.KindCodeDisplay))
	require.NoError(t, err, "an hour on, the right number places the order")
}
