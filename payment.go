package mitid

import (
	"context"
	"sync"
	"time"
)

// PaymentMethod is how a priced order is paid: by payment card or by
// MobilePay (mitid.dk, "MitID chip").
type PaymentMethod string

// The payment methods.
const (
	PayByCard      PaymentMethod = "card"
	PayByMobilePay PaymentMethod = "mobilepay"
)

// Valid reports whether m is a known method.
func (m PaymentMethod) Valid() bool { return m == PayByCard || m == PayByMobilePay }

// Charge asks a payment provider for money for one order.
type Charge struct {
	// Order is the order number; a provider must treat it as the
	// idempotency key, so a charge retried after a timeout is not taken
	// twice.
	Order     string
	AmountOre int
	Currency  string // "DKK"
	Method    PaymentMethod
	// Token is what the provider's own payment page or app handed back
	// (a card token, a MobilePay agreement); the library never sees a card
	// number.
	Token string
}

// PaymentReceipt is the provider's record of a charge.
type PaymentReceipt struct {
	Reference string        `json:"reference"`
	Method    PaymentMethod `json:"method"`
	AmountOre int           `json:"amount_ore"`
	At        time.Time     `json:"at"`
	// RefundedAt is set when the amount was paid back (a cancelled order).
	RefundedAt time.Time `json:"refunded_at,omitzero"`
}

// Payment is a payment provider (a card acquirer, MobilePay). Integrators
// wrap theirs; Payments serves tests and demos.
type Payment interface {
	// Charge takes the amount. A declined payment fails with an *Error of
	// code CodePaymentDeclined; a provider that cannot be reached with
	// CodePaymentUnavailable. Charging an order that was charged already
	// returns the first receipt.
	Charge(ctx context.Context, c Charge) (PaymentReceipt, error)
	// Refund pays a charge back in full; refunding twice is a no-op.
	Refund(ctx context.Context, order, reference string) error
}

// Payments is an in-memory Payment. Every charge succeeds unless its token
// is in Declined, or Down is set. It is safe for concurrent use.
type Payments struct {
	mu sync.Mutex
	// Declined lists tokens the "bank" refuses.
	Declined map[string]bool
	// Down makes every call fail as unreachable.
	Down bool
	// Now stamps receipts (time.Now when nil).
	Now     func() time.Time
	charges map[string]PaymentReceipt
	refunds map[string]bool
}

// Charge records the charge, once per order.
func (p *Payments) Charge(_ context.Context, c Charge) (PaymentReceipt, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.Down {
		return PaymentReceipt{}, errorf(CodePaymentUnavailable, "the payment service cannot be reached; nothing was charged, try again")
	}
	if r, ok := p.charges[c.Order]; ok {
		return r, nil
	}
	if c.AmountOre <= 0 || !c.Method.Valid() {
		return PaymentReceipt{}, errorf(CodePaymentDeclined, "the payment was refused: no amount or no method")
	}
	if p.Declined[c.Token] {
		return PaymentReceipt{}, errorf(CodePaymentDeclined, "the payment was declined; try another card or MobilePay")
	}
	if p.charges == nil {
		p.charges, p.refunds = map[string]PaymentReceipt{}, map[string]bool{}
	}
	now := time.Now
	if p.Now != nil {
		now = p.Now
	}
	r := PaymentReceipt{Reference: "PAY-" + c.Order, Method: c.Method, AmountOre: c.AmountOre, At: now()}
	p.charges[c.Order] = r
	return r, nil
}

// Refund marks the order's charge refunded.
func (p *Payments) Refund(_ context.Context, order, reference string) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.Down {
		return errorf(CodePaymentUnavailable, "the payment service cannot be reached; try the refund again")
	}
	if r, ok := p.charges[order]; !ok || r.Reference != reference {
		return errorf(CodePaymentDeclined, "there is no charge %s for order %s", reference, order)
	}
	p.refunds[order] = true
	return nil
}

// Charged returns the total charged and not refunded, in øre, and how many
// charges that is.
func (p *Payments) Charged() (ore, n int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for o, r := range p.charges {
		if !p.refunds[o] {
			ore += r.AmountOre
			n++
		}
	}
	return ore, n
}
