package mitid

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"
	"golang.org/x/net/idna"

	"github.com/go-mitid/mitid/codedisplay"
)

// Ordering a physical authenticator, after mitid.dk's guide "Ordering and
// activating a new MitID authenticator" and its chip page: choose the kind,
// identify (MitID login, CPR number + Danish or Greenlandic passport number,
// or not at all), give a reason, choose delivery, optionally an e-mail
// for the receipt, accept the terms, pay when it costs money.

// OrderRequest is what a person fills in to order a device.
type OrderRequest struct {
	// Kind is a code display, an audio code reader or a chip (an app is
	// downloaded, never ordered).
	Kind Kind

	// Identification, at most one of the two ways; neither means the order
	// is not identified, and then it cannot replace a defective
	// authenticator, nor get a free code device, nor go to the registered
	// address.
	//
	// Login is the ID of a login of the person with all its factors in
	// (Login.Next is StepDone) and not yet finished: PlaceOrder finishes it
	// (FinishLogin), so the proof is checked by this Service and serves
	// once. It may also be a login the relying party finished itself
	// within Policy.LoginSessionTTL (the person logged on to its site),
	// when User names the person: the Service checks the login is theirs,
	// and it serves once.
	Login string
	// User is the person a finished Login belongs to (see Login).
	User uuid.UUID
	// CPR and Passport are a CPR number and the number of the holder's
	// Danish or Greenlandic passport, checked against the CPR register.
	CPR, Passport string

	Reason OrderReason
	// Defect describes what happens when the broken device is used;
	// required for ReasonBroken.
	Defect string
	// Replaces is the broken or lost authenticator; required for those
	// reasons.
	Replaces uuid.UUID

	Delivery DeliveryMethod
	// Address is used with DeliverToOtherAddress.
	Address PostalAddress
	// PickUpAt names the Citizen Service Centre, with DeliverPickUp.
	PickUpAt string

	// ReceiptEmail gets the receipt, when given.
	ReceiptEmail string
	Language     Language
	// AcceptTerms is the box "I accept Terms and Conditions".
	AcceptTerms bool
	// Pay, when set, pays a priced order at once; otherwise PayOrder pays
	// it later.
	Pay *PaymentDetails
}

// PaymentDetails say how a priced order is paid.
type PaymentDetails struct {
	Method PaymentMethod
	// Token is what the payment provider's page or app returned.
	Token string
}

// Receipt is the page "Receipt": the order number, and whether an e-mail
// receipt was sent.
type Receipt struct {
	Order *Order
	// EmailQueued says an e-mail receipt is on its way to
	// Order.ReceiptEmail (queued in the outbox with the order, so it is
	// sent even if this process stops now).
	EmailQueued bool
	// EmailHeld says a receipt was asked for and not sent: the address has
	// had receiptsPerHour receipts of orders without identification within
	// the hour (see place). The order is placed all the same, and
	// Order.ReceiptEmail is empty.
	EmailHeld bool
}

// String renders the receipt as the person reads it.
func (r *Receipt) String() string {
	o := r.Order
	var b strings.Builder
	b.WriteString("Order " + o.Number + ": " + o.Kind.String())
	if o.Free {
		b.WriteString(", free")
	} else {
		b.WriteString(", DKK " + formatOre(o.PriceOre))
		if o.Status == OrderPlaced {
			b.WriteString(" (not paid yet)")
		}
	}
	switch o.Delivery {
	case DeliverPickUp:
		b.WriteString("; pick it up at " + o.PickUpAt + " with this order number and a valid picture ID")
	default:
		b.WriteString("; by mail to " + o.Address.String())
	}
	switch {
	case o.Abroad:
		b.WriteString("; expect " + o.ExpectedFrom.Format("2 January 2006") + " or later")
	case o.ExpectedFrom.Equal(o.ExpectedBy):
		b.WriteString("; expected by " + o.ExpectedBy.Format("Monday 2 January 2006"))
	default:
		b.WriteString("; expected between " + o.ExpectedFrom.Format("2 January") + " and " + o.ExpectedBy.Format("2 January 2006"))
	}
	switch {
	case r.EmailQueued:
		b.WriteString(". A receipt has been sent to " + o.ReceiptEmail + ".")
	case r.EmailHeld:
		b.WriteString(". No e-mail receipt: that address has had as many receipts of orders without identification as it may have in an hour. Print or save this page.")
	default:
		b.WriteString(". No e-mail receipt: print or save this page.")
	}
	return b.String()
}

// formatOre writes an amount in øre as Danish kroner, "143.60".
func formatOre(ore int) string {
	return strconv.Itoa(ore/100) + "." + strconv.Itoa(ore%100/10) + strconv.Itoa(ore%10)
}

// checkOrderRequest checks what can be checked without the person: every
// field's shape. It returns the tidied request.
func (s *Service) checkOrderRequest(r OrderRequest) (OrderRequest, error) {
	if !r.Kind.Physical() {
		if r.Kind == KindApp {
			return r, invalidField(CodeOrderInvalid, "kind", "the MitID app is not ordered: download it from the App Store or Google Play")
		}
		return r, invalidField(CodeOrderInvalid, "kind", "choose a code display, an audio code reader or a chip")
	}
	if r.Login != "" && (r.CPR != "" || r.Passport != "") {
		return r, invalidField(CodeOrderInvalid, "identification", "identify either by logging in or by CPR number and passport number, not both")
	}
	if (r.CPR == "") != (r.Passport == "") {
		return r, invalidField(CodeOrderInvalid, "identification", "give both your CPR number and your Danish or Greenlandic passport number")
	}
	identified := r.Login != "" || r.CPR != ""
	r.Defect = strings.TrimSpace(r.Defect)
	switch r.Reason {
	case ReasonNew:
		if r.Replaces != uuid.Nil {
			return r, invalidField(CodeOrderInvalid, "reason", "a new device replaces nothing; choose broken or lost to replace one")
		}
	case ReasonBroken, ReasonLost:
		if !identified {
			return r, invalidField(CodeIdentificationRequired, "identification", "an order without identification cannot replace a defective authenticator: log in with MitID or give your CPR number and passport number")
		}
		if r.Replaces == uuid.Nil {
			return r, invalidField(CodeOrderInvalid, "replaces", "choose the authenticator this one replaces")
		}
		if r.Reason == ReasonBroken && r.Defect == "" {
			return r, invalidField(CodeOrderInvalid, "defect", "describe the defect: what happens when you try to use the broken authenticator")
		}
		if len(r.Defect) > 2000 {
			return r, invalidField(CodeOrderInvalid, "defect", "the description of the defect is too long (at most 2000 characters)")
		}
	default:
		return r, invalidField(CodeOrderInvalid, "reason", "choose a reason for ordering: new, broken or lost")
	}
	switch r.Delivery {
	case DeliverToRegisteredAddress:
		if !identified {
			return r, invalidField(CodeIdentificationRequired, "delivery", "identify yourself to have the device sent to your registered address, or give an address")
		}
	case DeliverToOtherAddress:
		a, err := ParsePostalAddress(r.Address)
		if err != nil {
			return r, err
		}
		r.Address = a
	case DeliverPickUp:
		r.PickUpAt = strings.Join(strings.Fields(r.PickUpAt), " ")
		if r.PickUpAt == "" || len(r.PickUpAt) > 100 {
			return r, invalidField(CodeOrderInvalid, "pick_up_at", "choose the Citizen Service Centre where you will pick the device up")
		}
	default:
		return r, invalidField(CodeOrderInvalid, "delivery", "choose delivery by mail or pick-up at a Citizen Service Centre")
	}
	if r.ReceiptEmail != "" {
		e, err := ParseEmail(r.ReceiptEmail)
		if err != nil {
			return r, err
		}
		r.ReceiptEmail = e
	}
	if r.Language == "" {
		r.Language = Danish
	}
	if !r.Language.Valid() {
		return r, invalidField(CodeLanguageInvalid, "language", "choose Danish or English")
	}
	if r.Pay != nil && !r.Pay.Method.Valid() {
		return r, invalidField(CodeOrderInvalid, "payment", "pay by card or MobilePay")
	}
	if !r.AcceptTerms {
		return r, invalidField(CodeTermsNotAccepted, "terms", "read the terms and conditions and tick 'I accept Terms and Conditions' to order")
	}
	return r, nil
}

// identify returns the MitID the order is for (nil when not identified).
// A login is finished here, and must not have used the authenticator the
// order replaces.
func (s *Service) identify(ctx context.Context, r OrderRequest) (*User, Identification, error) {
	switch {
	case r.Login != "":
		res, err := s.proveLogin(ctx, r.Login, r.User, r.Replaces, "")
		if err != nil {
			return nil, "", err
		}
		u, err := s.store.User(ctx, res.User)
		return u, IdentifiedByMitID, err
	case r.CPR != "":
		u, err := s.identifyByPassport(ctx, r.CPR, r.Passport)
		return u, IdentifiedByPassport, err
	}
	return nil, NotIdentified, nil
}

// passportTriesPerHour is how many wrong passport numbers identifyByPassport
// takes with one CPR number an hour: enough for a person's typing slips,
// and a passport number's million-fold space makes guessing at it
// hopeless (a Danish passport number has nine digits). A stranger who knows
// a CPR number can spend them hour after hour and so keep its holder from
// ordering by passport number; the holder orders after logging in with
// MitID, or at Citizen Service, which this pace does not touch.
const passportTriesPerHour = 5

// identifyByPassport returns the MitID of the holder of CPR number cprText
// and passport number. Anyone who knows a CPR number can try passport
// numbers here, and one that matches lets them order devices in the
// person's name to any address; so a wrong passport number is paced twice:
// by where it comes from (the client limiter, asked before and told after,
// when Config.Clients is set), and by the CPR number it was given with, at
// most passportTriesPerHour wrong ones an hour, whoever gives them and
// whether or not the number has a MitID (the answer must not tell). It is
// not counted on the person's account (see throttle.go). The pace by CPR
// number is this process's: several Services behind a load balancer each
// allow as many.
func (s *Service) identifyByPassport(ctx context.Context, cprText, passport string) (*User, error) {
	cpr, err := ParseCPR(cprText)
	if err != nil {
		return nil, err
	}
	// A CPR number is no secret, so the comparison is not counted on the
	// person: on the account's budget, anyone who knew the number could
	// spend the stranger's share in seconds (no suspension comes between
	// two wrong passport numbers) and so stop the holder's code-display
	// logins, and whether a wrong number counted would tell whether the
	// CPR number has a MitID.
	if err := s.allowClient(ctx); err != nil {
		return nil, err
	}
	byCPR := Client{Address: "cpr " + cpr.Digits()}
	if err := s.passportTries.Allow(ctx, byCPR); err != nil {
		e := errorf(CodeAttemptsExhausted, "too many wrong passport numbers have been given with this CPR number; order after logging in with MitID, at Citizen Service, or again later")
		var limited *Error
		if errors.As(err, &limited) && !limited.Until.IsZero() {
			e.endsAt(limited.Until)
		}
		return nil, e
	}
	if err := s.checkPassportHolder(ctx, cpr, passport); err != nil {
		s.tellClient(ctx, err)
		if ErrorCode(err) == CodeIdentificationFailed {
			s.passportTries.Failed(ctx, byCPR)
		}
		return nil, err
	}
	u, err := s.findByCPR(ctx, cpr)
	if errors.Is(err, ErrNotFound) {
		return nil, errorf(CodeUserNotFound, "there is no MitID for this CPR number; get one with the MitID app or at Citizen Service")
	}
	return u, err
}

// checkPassportHolder checks that the CPR register lists the Danish or
// Greenlandic passport (issued by Denmark: DNK) for the CPR number. A
// mismatch says no more than that, so the check reveals nothing.
func (s *Service) checkPassportHolder(ctx context.Context, cpr CPR, number string) error {
	if s.cprRegister == nil {
		return errorf(CodeConfigInvalid, "identification by passport needs the CPR register: set Config.CPRRegister")
	}
	number = strings.ToUpper(strings.Join(strings.Fields(number), ""))
	p, err := s.cprRegister.Person(ctx, cpr)
	if err == nil {
		for _, pp := range p.Passports {
			if pp == "DNK:"+number || pp == "GRL:"+number {
				return nil
			}
		}
	} else if !errors.Is(err, ErrNotFound) {
		return err
	}
	return invalidField(CodeIdentificationFailed, "passport", "the CPR number and the passport number do not belong together; check both")
}

// registeredAddress returns u's official address from the CPR register.
func (s *Service) registeredAddress(ctx context.Context, u *User) (PostalAddress, error) {
	if err := errIdentifierUnreadable(u); err != nil {
		return PostalAddress{}, err
	}
	if u.CPR.IsZero() || s.cprRegister == nil {
		return PostalAddress{}, invalidField(CodeAddressInvalid, "delivery", "there is no registered address for you; give an address or pick the device up")
	}
	p, err := s.cprRegister.Person(ctx, u.CPR)
	if err != nil {
		return PostalAddress{}, err
	}
	a, err := ParsePostalAddress(p.Address)
	if err != nil {
		return PostalAddress{}, invalidField(CodeAddressInvalid, "delivery", "the CPR register has no usable address for you; give an address or pick the device up")
	}
	return a, nil
}

// expectedDelivery returns when an order placed at placed should arrive:
// in Denmark Policy.DeliveryWorkingDays working days (a chip: between
// Policy.ChipDeliveryMinWorkingDay and ChipDeliveryMaxWorkingDay), abroad
// Policy.DeliveryAbroad or longer (by zero).
func (s *Service) expectedDelivery(k Kind, abroad bool, placed time.Time) (from, by time.Time) {
	switch {
	case abroad:
		return placed.Add(s.policy.DeliveryAbroad), time.Time{}
	case k == KindChip:
		return s.calendar.AddWorkingDays(placed, s.policy.ChipDeliveryMinWorkingDay), s.calendar.AddWorkingDays(placed, s.policy.ChipDeliveryMaxWorkingDay)
	}
	d := s.calendar.AddWorkingDays(placed, s.policy.DeliveryWorkingDays)
	return d, d
}

// PlaceOrder places an order and returns its receipt. Everything the
// request says is checked before anything is stored; a login given for
// identification is then finished. The price is decided with the order,
// atomically on the person's record: their first Policy.FreeCodeDevices
// code displays and audio code readers are free, later ones cost
// Policy.CodeDevicePriceOre, a chip Policy.ChipPriceOre. The order, the
// count and the event (with the e-mail receipt and a notice on the
// person's own channels) commit together. A free order is paid at once; a
// priced one is paid with r.Pay, or later with PayOrder. If the payment
// fails the order stays placed: PlaceOrder then returns the receipt and the
// payment's error.
func (s *Service) PlaceOrder(ctx context.Context, r OrderRequest) (*Receipt, error) {
	r, err := s.checkOrderRequest(r)
	if err != nil {
		return nil, err
	}
	u, ident, err := s.identify(ctx, r)
	if err != nil {
		return nil, err
	}
	return s.place(ctx, r, u, ident, nil)
}

// receiptsPerHour is how many receipts of orders without identification
// go to one e-mail address an hour. Such an order needs no proof of who
// places it, so without a bound anyone could have this Service mail any
// address as often as they liked. A person orders a device now and then;
// the bound leaves a few slips to spare. An order past it is placed
// without its receipt (Receipt.EmailHeld): the stranger who spent the
// address's receipts takes nothing from its owner but an e-mail the
// receipt page stands in for. The pace is this process's, as
// passportTriesPerHour's is.
const receiptsPerHour = 3

// mailboxKey names the mailbox an address parsed by ParseEmail reaches, as
// far as the address tells: its case folded, a "+tag" after the name
// dropped (most providers deliver anna+x@ to anna@), and its domain in the
// ASCII form it is sent in (notify/email), so that "ｅxample.dk" is
// "example.dk". It is a key for pacing, never an address to send to.
func mailboxKey(address string) string {
	at := strings.LastIndexByte(address, '@')
	local, domain := strings.ToLower(address[:at]), strings.ToLower(address[at+1:])
	if plus := strings.IndexByte(local, '+'); plus > 0 {
		local = local[:plus]
	}
	if ascii, err := idna.Lookup.ToASCII(domain); err == nil {
		domain = ascii
	}
	return local + "@" + domain
}

// place places the checked order r for u (nil when not identified); also,
// when given, runs more in the same change (a replacement's block).
func (s *Service) place(ctx context.Context, r OrderRequest, u *User, ident Identification, more func(u *User, now time.Time) ([]Event, error)) (*Receipt, error) {
	held := false
	if ident == NotIdentified && r.ReceiptEmail != "" && !s.receipts.take(Client{Address: "receipt " + mailboxKey(r.ReceiptEmail)}) {
		r.ReceiptEmail, held = "", true
	}
	o := &Order{Identification: ident, Kind: r.Kind, Reason: r.Reason, Defect: r.Defect, Replaces: r.Replaces,
		Delivery: r.Delivery, PickUpAt: r.PickUpAt, ReceiptEmail: r.ReceiptEmail, Language: r.Language, TermsAccepted: true}
	if u != nil {
		o.User = u.ID
	}
	switch r.Delivery {
	case DeliverToRegisteredAddress:
		a, err := s.registeredAddress(ctx, u)
		if err != nil {
			return nil, err
		}
		o.Address = &a
	case DeliverToOtherAddress:
		a := r.Address
		o.Address = &a
	}
	o.Abroad = o.Address != nil && o.Address.Abroad()
	var placed *Order
	var err error
	for try := 0; ; try++ {
		if o.Number, err = s.newOrderNumber(); err != nil {
			return nil, err
		}
		placed, _, err = s.store.PlaceOrder(ctx, o, func(o *Order, u *User) ([]Event, error) {
			var pre []Event
			if more != nil {
				var err error
				if pre, err = more(u, s.clock.Now()); err != nil {
					return nil, err
				}
				if err := s.stamp(ctx, u, pre, s.clock.Now()); err != nil {
					return nil, err
				}
			}
			evs, err := s.decideOrder(ctx, o, u)
			return append(pre, evs...), err
		})
		if try < 3 && ErrorCode(err) == CodeOrderTaken {
			continue
		}
		if err != nil {
			return nil, err
		}
		break
	}
	rc := &Receipt{Order: placed, EmailQueued: placed.ReceiptEmail != "", EmailHeld: held}
	if placed.Status == OrderPlaced && r.Pay != nil {
		paid, err := s.PayOrder(ctx, placed.Number, *r.Pay)
		if err != nil {
			return rc, err
		}
		rc.Order = paid
	}
	return rc, nil
}

// decideOrder is the decision PlaceOrder commits: the replaced
// authenticator, the price, the free count, the expected delivery, the
// event.
func (s *Service) decideOrder(ctx context.Context, o *Order, u *User) ([]Event, error) {
	now := s.clock.Now()
	if u != nil && o.Replaces != uuid.Nil {
		old, err := u.Authenticator(o.Replaces)
		if err != nil {
			return nil, err
		}
		if old.Kind.Group() != o.Kind.Group() {
			return nil, invalidField(CodeOrderInvalid, "replaces", "a %s cannot replace your %s", o.Kind, old.Kind)
		}
		if old.State == StateReplaced {
			return nil, invalidField(CodeOrderInvalid, "replaces", "this %s has been replaced already", old.Kind)
		}
	}
	switch {
	case o.Kind == KindChip:
		o.PriceOre = s.policy.ChipPriceOre
	case u != nil && u.FreeCodeDevices < s.policy.FreeCodeDevices:
		o.Free = true
		u.FreeCodeDevices++
	default:
		o.PriceOre = s.policy.CodeDevicePriceOre
	}
	o.Status = OrderPlaced
	if o.PriceOre == 0 {
		o.Status = OrderPaid
	}
	o.PlacedAt, o.ChangedAt, o.TermsAcceptedAt = now, now, now
	o.ExpectedFrom, o.ExpectedBy = s.expectedDelivery(o.Kind, o.Abroad, now)
	ev := Event{Type: EventOrderPlaced, Order: o.Number, Kind: o.Kind, Authenticator: o.Replaces, Reason: string(o.Reason),
		Detail: map[string]string{"price_ore": strconv.Itoa(o.PriceOre), "delivery": string(o.Delivery), "identification": string(o.Identification)}}
	if o.ReceiptEmail != "" {
		ev.Notify = append(ev.Notify, Delivery{Channel: ChannelEmail, Address: o.ReceiptEmail, Language: o.Language})
	}
	if u != nil {
		// The holder hears of every order in their name, on their own
		// channels, so an order by someone else does not go unnoticed.
		for _, d := range deliveries(u) {
			if d.Channel != ChannelEmail || d.Address != o.ReceiptEmail {
				ev.Notify = append(ev.Notify, d)
			}
		}
	}
	evs := []Event{ev}
	return evs, s.stampOrder(ctx, u, evs, now)
}

// stampOrder stamps order events: as stamp for an order with a user, by
// hand for one without.
func (s *Service) stampOrder(ctx context.Context, u *User, evs []Event, now time.Time) error {
	if u != nil {
		return s.stamp(ctx, u, evs, now)
	}
	for i := range evs {
		id, err := s.newID()
		if err != nil {
			return err
		}
		evs[i].ID, evs[i].At, evs[i].Actor = id, now, actor(ctx)
	}
	return nil
}

// Order returns the order with the given number, as the person types it
// (ParseOrderNumber).
func (s *Service) Order(ctx context.Context, number string) (*Order, error) {
	n, err := ParseOrderNumber(number)
	if err != nil {
		return nil, err
	}
	return s.store.Order(ctx, n)
}

// changeOrder applies fn to the order (by its typed number) if it is in
// one of the states from, moving it to state to, with an order event.
func (s *Service) changeOrder(ctx context.Context, number string, to OrderStatus, from []OrderStatus, fn func(o *Order, u *User, now time.Time) ([]Event, error)) (*Order, *User, error) {
	return s.claimOrder(ctx, number, uuid.Nil, to, from, fn)
}

// claimOrder is changeOrder, giving an order without a user to claim in the
// same change when claim is not zero.
func (s *Service) claimOrder(ctx context.Context, number string, claim uuid.UUID, to OrderStatus, from []OrderStatus, fn func(o *Order, u *User, now time.Time) ([]Event, error)) (*Order, *User, error) {
	n, err := ParseOrderNumber(number)
	if err != nil {
		return nil, nil, err
	}
	change := func(o *Order, u *User) ([]Event, error) {
		now := s.clock.Now()
		ok := false
		for _, f := range from {
			ok = ok || o.Status == f
		}
		if !ok {
			return nil, orderStateError(o, to)
		}
		evs := []Event{{Type: EventOrderChanged, Order: o.Number, Kind: o.Kind, Detail: map[string]string{"from": string(o.Status), "to": string(to)}}}
		if fn != nil {
			more, err := fn(o, u, now)
			if err != nil {
				return nil, err
			}
			evs = append(evs, more...)
		}
		o.Status, o.ChangedAt = to, now
		return evs, s.stampOrder(ctx, u, evs, now)
	}
	if claim != uuid.Nil {
		return s.store.ClaimOrder(ctx, n, claim, change)
	}
	return s.store.ChangeOrder(ctx, n, change)
}

// orderStateError says why an order in its state cannot move to `to`.
func orderStateError(o *Order, to OrderStatus) error {
	msg := "order " + o.Number + " is " + strings.ReplaceAll(string(o.Status), "_", " ")
	switch to {
	case OrderShipped, OrderReady:
		if o.Status == OrderPlaced {
			return errorf(CodeOrderState, "%s and not paid yet: an unpaid order is not shipped", msg)
		}
	case OrderCancelled:
		return errorf(CodeOrderState, "%s; only an order that has not shipped can be cancelled", msg)
	}
	return errorf(CodeOrderState, "%s; it cannot become %s", msg, strings.ReplaceAll(string(to), "_", " "))
}

// PayOrder pays a placed, priced order through the Payment (Config.Payment).
// The charge is keyed by the order number, so paying twice charges once.
// A payment that lands after the order was cancelled is refunded.
func (s *Service) PayOrder(ctx context.Context, number string, p PaymentDetails) (*Order, error) {
	if s.payment == nil {
		return nil, errorf(CodeConfigInvalid, "payment is not configured: set Config.Payment")
	}
	if !p.Method.Valid() {
		return nil, invalidField(CodeOrderInvalid, "payment", "pay by card or MobilePay")
	}
	o, err := s.Order(ctx, number)
	if err != nil {
		return nil, err
	}
	if o.Status != OrderPlaced {
		return nil, orderStateError(o, OrderPaid)
	}
	rc, err := s.payment.Charge(ctx, Charge{Order: o.Number, AmountOre: o.PriceOre, Currency: "DKK", Method: p.Method, Token: p.Token})
	if err != nil {
		if ErrorCode(err) == "" {
			err = NewError(CodePaymentUnavailable, err, "the payment could not be made; nothing was charged, try again")
		}
		return nil, err
	}
	paid, _, err := s.changeOrder(ctx, o.Number, OrderPaid, []OrderStatus{OrderPlaced}, func(o *Order, _ *User, _ time.Time) ([]Event, error) {
		r := rc
		o.Payment = &r
		return nil, nil
	})
	if ErrorCode(err) == CodeOrderState {
		// Cancelled (or paid by a racing call) meanwhile: give the money
		// back unless this very charge is the one recorded.
		if cur, cerr := s.store.Order(ctx, o.Number); cerr == nil && cur.Status == OrderCancelled {
			_ = s.payment.Refund(ctx, o.Number, rc.Reference)
		}
	}
	return paid, err
}

// ShippedDevice is the device a warehouse sends for an order.
type ShippedDevice struct {
	// Serial is the serial number printed on the device.
	Serial string
	// Seed is a code device's seed from its maker; sealed at once, for the
	// authenticator the device becomes, never stored in clear.
	Seed []byte
}

// ShipOrder records that the device for a paid order left the warehouse:
// shipped by mail, or ready for pick-up at the Citizen Service Centre. An
// unpaid order is refused (CodeOrderState).
func (s *Service) ShipOrder(ctx context.Context, number string, d ShippedDevice) (*Order, error) {
	rec := &ShippedDeviceRecord{}
	id, err := s.newID()
	if err != nil {
		return nil, err
	}
	if d.Serial != "" || len(d.Seed) > 0 {
		serial, err := codedisplay.ParseSerial(d.Serial)
		if err != nil {
			return nil, invalidField(CodeSerialMismatch, "serial", "%v", err)
		}
		rec.Serial = serial.Digits()
	}
	o, err := s.Order(ctx, number)
	if err != nil {
		return nil, err
	}
	if o.Kind != KindChip {
		if rec.Serial == "" || len(d.Seed) < 16 {
			return nil, invalidField(CodeOrderInvalid, "device", "a %s ships with its serial number and its seed (at least 16 bytes)", o.Kind)
		}
		sealed, err := s.keys.Seal(s.rand, d.Seed, seedAAD(id))
		if err != nil {
			return nil, err
		}
		rec.Seed = &sealed
	}
	to := OrderShipped
	if o.Delivery == DeliverPickUp {
		to = OrderReady
	}
	out, _, err := s.changeOrder(ctx, number, to, []OrderStatus{OrderPaid}, func(o *Order, _ *User, _ time.Time) ([]Event, error) {
		o.Device, o.Authenticator = rec, id
		return nil, nil
	})
	return out, err
}

// DeliverOrder records that a device sent by mail reached the person. The
// device becomes an authenticator of the person, pending activation, in
// the same change (when the order was identified; an unidentified
// device is bound at Citizen Service).
func (s *Service) DeliverOrder(ctx context.Context, number string) (*Order, *User, error) {
	return s.changeOrder(ctx, number, OrderDelivered, []OrderStatus{OrderShipped}, s.addDelivered)
}

// HandOverOrder hands a device over at the Citizen Service Centre: only for
// an order ready for pick-up there, against its number and a valid picture
// ID, which is recorded. The operator is the actor (WithActor).
func (s *Service) HandOverOrder(ctx context.Context, number string, id PictureID) (*Order, *User, error) {
	pid, err := s.recordPictureID(id, s.clock.Now())
	if err != nil {
		return nil, nil, err
	}
	return s.changeOrder(ctx, number, OrderDelivered, []OrderStatus{OrderReady}, func(o *Order, u *User, now time.Time) ([]Event, error) {
		o.PickedUpWith = &pid
		return s.addDelivered(o, u, now)
	})
}

// HandOverOrderTo hands over a device ordered without identification at
// the Citizen Service Centre, binding it to the person the operator has
// identified by their picture ID: the MitID with the given CPR number gets
// the device, pending activation, in the same change. An order placed by
// someone else (identified) is refused.
func (s *Service) HandOverOrderTo(ctx context.Context, number string, id PictureID, cprText string) (*Order, *User, error) {
	pid, err := s.recordPictureID(id, s.clock.Now())
	if err != nil {
		return nil, nil, err
	}
	cpr, err := ParseCPR(cprText)
	if err != nil {
		return nil, nil, err
	}
	u, err := s.findByCPR(ctx, cpr)
	if err != nil {
		return nil, nil, err
	}
	return s.claimOrder(ctx, number, u.ID, OrderDelivered, []OrderStatus{OrderReady}, func(o *Order, u *User, now time.Time) ([]Event, error) {
		o.PickedUpWith = &pid
		return s.addDelivered(o, u, now)
	})
}

// addDelivered adds the delivered device to its person, pending
// activation: a code device with its sealed seed, a chip without a
// credential until it is connected.
func (s *Service) addDelivered(o *Order, u *User, now time.Time) ([]Event, error) {
	if u == nil {
		return nil, nil
	}
	a := Authenticator{ID: o.Authenticator, Kind: o.Kind, State: StatePendingActivation, Label: "order " + o.Number}
	if o.Device != nil {
		a.Serial = o.Device.Serial
		if o.Device.Seed != nil {
			alg, err := codedisplay.ParseAlgorithm(s.policy.OTPAlgorithm)
			if err != nil {
				return nil, err
			}
			a.OTP = &OTPSecret{Seed: *o.Device.Seed, Algorithm: alg.String(), Digits: s.policy.OTPDigits, PeriodSeconds: int(s.policy.OTPPeriod / time.Second)}
		}
	}
	ev, err := u.AddAuthenticator(&s.policy, a, now)
	if err != nil {
		return nil, err
	}
	ev.Order = o.Number
	return []Event{ev}, nil
}

// CancelOrder cancels an order that has not shipped. A free code device's
// place is given back; a paid order is refunded through the Payment.
func (s *Service) CancelOrder(ctx context.Context, number, reason string) (*Order, error) {
	o, _, err := s.changeOrder(ctx, number, OrderCancelled, []OrderStatus{OrderPlaced, OrderPaid}, func(o *Order, u *User, _ time.Time) ([]Event, error) {
		if o.Free && u != nil && u.FreeCodeDevices > 0 {
			u.FreeCodeDevices--
		}
		o.CancelReason = strings.TrimSpace(reason)
		return nil, nil
	})
	if err != nil {
		return nil, err
	}
	if o.Payment != nil && s.payment != nil {
		if err := s.payment.Refund(ctx, o.Number, o.Payment.Reference); err != nil {
			return o, err
		}
	}
	return o, nil
}
