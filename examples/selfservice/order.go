package main

import (
	"fmt"
	"net/http"
	"strings"

	"github.com/google/uuid"

	"github.com/go-mitid/mitid"
	"github.com/go-mitid/mitid/examples/internal/demo"
)

// Ordering a physical authenticator, as on MitID.dk: the kind, the
// identification, the delivery, an e-mail for the receipt, the terms, and
// the payment when it costs money; then the receipt with the order number,
// the price and the expected delivery.
//
// The person is logged on, but the Service takes a login as an order's
// identification only when it finishes that login itself, and this site's
// logon was finished when the person logged on. So the order is identified
// the other way mitid.dk offers: the logged-on person's CPR number with the
// number of their Danish passport, checked against the CPR register.

// demoPayToken is what the demo's payment provider (mitid.Payments, in
// memory) accepts: a real site gets a token from the provider's own page.
const demoPayToken = "demo-payment"

func (s *server) orderPage(w http.ResponseWriter, r *http.Request, u uuid.UUID) {
	pol := s.svc.Policy()
	s.page(w, r, "order", "Order a MitID authenticator", u, "", map[string]string{
		"Display": "DKK " + kroner(pol.CodeDevicePriceOre), "Chip": "DKK " + kroner(pol.ChipPriceOre), "Free": fmt.Sprint(pol.FreeCodeDevices)})
}

// placeOrder places the order and sends the browser to its receipt.
func (s *server) placeOrder(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 16<<10)
	if err := s.mitid.CheckForm(r); err != nil {
		http.Error(w, err.Error(), http.StatusForbidden)
		return
	}
	u, ok := s.user(r)
	if !ok {
		http.Redirect(w, r, "/", http.StatusSeeOther)
		return
	}
	rc, err := s.order(r, u)
	if rc == nil && err != nil {
		http.Redirect(w, r, s.demo.NoteURL("/order", demo.Message(err), true), http.StatusSeeOther) //nolint:gosec // G710: a fixed path on this site, with a query-encoded message
		return
	}
	next := "/orders/" + rc.Order.Number
	if err != nil { // placed, but the payment failed: the receipt says so
		next = s.demo.NoteURL(next, demo.Message(err), true)
	}
	http.Redirect(w, r, next, http.StatusSeeOther)
}

func (s *server) order(r *http.Request, u uuid.UUID) (*mitid.Receipt, error) {
	user, err := s.svc.User(r.Context(), u)
	if err != nil {
		return nil, err
	}
	req := mitid.OrderRequest{Kind: mitid.Kind(r.PostFormValue("kind")), CPR: user.CPR.Digits(), Passport: r.PostFormValue("passport"),
		Reason: mitid.ReasonNew, Delivery: mitid.DeliveryMethod(r.PostFormValue("delivery")), PickUpAt: strings.TrimSpace(r.PostFormValue("pick_up_at")),
		ReceiptEmail: strings.TrimSpace(r.PostFormValue("receipt_email")), Language: mitid.English, AcceptTerms: r.PostFormValue("terms") == "on"}
	if req.Delivery != mitid.DeliverPickUp {
		req.PickUpAt = ""
	}
	if m := mitid.PaymentMethod(r.PostFormValue("pay")); m != "" {
		req.Pay = &mitid.PaymentDetails{Method: m, Token: demoPayToken}
	}
	return s.svc.PlaceOrder(r.Context(), req)
}

// receiptView is the receipt page's data.
type receiptView struct {
	Order    *mitid.Order
	Kind     string
	Price    string
	Paid     bool
	Delivery string
	Expected string
	Text     string
}

// receipt shows the receipt of one of the person's own orders; anyone
// else's order number is "not found", so order numbers reveal nothing.
func (s *server) receipt(w http.ResponseWriter, r *http.Request, u uuid.UUID) {
	o, err := s.svc.Order(r.Context(), r.PathValue("number"))
	if err == nil && o.User != u {
		err = mitid.NewError(mitid.CodeOrderNotFound, nil, "there is no order with this number")
	}
	if err != nil {
		s.page(w, r, "receipt", "Receipt", u, demo.Message(err), nil)
		return
	}
	v := receiptView{Order: o, Kind: o.Kind.Name(mitid.English), Paid: o.Payment != nil,
		Text: (&mitid.Receipt{Order: o, EmailQueued: o.ReceiptEmail != ""}).String()}
	if o.Free {
		v.Price = "Free"
	} else {
		v.Price = "DKK " + kroner(o.PriceOre)
	}
	if o.Delivery == mitid.DeliverPickUp {
		v.Delivery = "Pick up at " + o.PickUpAt + ", with the order number and a valid picture ID"
	} else if o.Address != nil {
		v.Delivery = "By mail to " + o.Address.String()
	}
	switch {
	case o.ExpectedBy.IsZero():
		v.Expected = o.ExpectedFrom.Format("2 January 2006") + " or later"
	case o.ExpectedFrom.Equal(o.ExpectedBy):
		v.Expected = "By " + o.ExpectedBy.Format("Monday 2 January 2006")
	default:
		v.Expected = "Between " + o.ExpectedFrom.Format("2 January") + " and " + o.ExpectedBy.Format("2 January 2006")
	}
	s.page(w, r, "receipt", "Receipt", u, "", v)
}

// kroner writes an amount in øre as kroner with two decimals ("143.60").
func kroner(ore int) string { return fmt.Sprintf("%d.%02d", ore/100, ore%100) }

const orderBody = `<form method="post" action="/order">` + csrfField + `
<fieldset><legend>What do you want to order?</legend>
<label><input type="radio" name="kind" value="code_display" checked> Code display (your first {{.Data.Data.Free}} are free, then {{.Data.Data.Display}})</label>
<label><input type="radio" name="kind" value="audio_code_reader"> Audio code reader (your first {{.Data.Data.Free}} are free, then {{.Data.Data.Display}})</label>
<label><input type="radio" name="kind" value="chip"> MitID chip ({{.Data.Data.Chip}})</label>
</fieldset>
<label for="passport">The number of your Danish passport (it identifies you with your CPR number)</label>
<input id="passport" name="passport" autocomplete="off" required>
<fieldset><legend>Delivery</legend>
<label><input type="radio" name="delivery" value="mail_registered_address" checked> By mail to my registered address</label>
<label><input type="radio" name="delivery" value="pick_up"> I pick it up at Citizen Service</label>
<label for="pick_up_at">Citizen Service centre (when picking up)</label>
<input id="pick_up_at" name="pick_up_at" value="Borgerservice København">
</fieldset>
<label for="receipt_email">E-mail for the receipt (optional)</label>
<input id="receipt_email" name="receipt_email" type="email" autocomplete="email">
<fieldset><legend>Payment, when the order costs money</legend>
<label><input type="radio" name="pay" value="card" checked> Payment card</label>
<label><input type="radio" name="pay" value="mobilepay"> MobilePay</label>
<p>The demo's payment provider accepts every payment.</p>
</fieldset>
<label><input type="checkbox" name="terms" required> I accept Terms and Conditions</label>
<button type="submit">Place the order</button></form>`

const receiptBody = `{{with .Data.Data}}<dl id="receipt">
<dt>Order number</dt><dd id="order-number">{{.Order.Number}}</dd>
<dt>Authenticator</dt><dd>{{.Kind}}</dd>
<dt>Price</dt><dd id="order-price">{{.Price}}{{if and (not .Order.Free) (not .Paid)}} (not paid yet){{end}}{{if .Paid}} (paid){{end}}</dd>
<dt>Delivery</dt><dd>{{.Delivery}}</dd>
<dt>Expected delivery</dt><dd id="order-expected">{{.Expected}}</dd>
<dt>Status</dt><dd>{{.Order.Status}}</dd>
</dl>
<p id="receipt-text">{{.Text}}</p>{{end}}
<p><a href="/authenticators">Back to your authenticators</a></p>`
