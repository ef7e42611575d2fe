package mitid

import (
	"slices"
	"time"

	"github.com/google/uuid"
)

// OrderStatus is where an order for a physical authenticator is. An order
// moves placed → paid → shipped (by mail) or ready for pick-up (at a
// Citizen Service Centre) → delivered, or is cancelled before it ships.
type OrderStatus string

// The order statuses.
const (
	OrderPlaced    OrderStatus = "placed"
	OrderPaid      OrderStatus = "paid"
	OrderShipped   OrderStatus = "shipped"
	OrderReady     OrderStatus = "ready_for_pickup"
	OrderDelivered OrderStatus = "delivered"
	OrderCancelled OrderStatus = "cancelled"
)

// Identification is how the person placing an order proved who they are
// (mitid.dk, "Ordering and activating a new MitID authenticator").
type Identification string

// The ways to identify when ordering. An order without identification cannot
// replace a defective authenticator.
const (
	IdentifiedByMitID    Identification = "mitid"
	IdentifiedByPassport Identification = "cpr_and_passport"
	NotIdentified        Identification = "none"
)

// DeliveryMethod is how an ordered device reaches the person.
type DeliveryMethod string

// The delivery methods: by mail to the official address registered in CPR
// or to another address (in Denmark or abroad), or pick-up at a Citizen
// Service Centre against the order number and a picture ID.
const (
	DeliverToRegisteredAddress DeliveryMethod = "mail_registered_address"
	DeliverToOtherAddress      DeliveryMethod = "mail_other_address"
	DeliverPickUp              DeliveryMethod = "pick_up"
)

// OrderReason is why a device is ordered.
type OrderReason string

// The reasons for an order. A broken or lost order names the authenticator
// it replaces; a broken one describes the defect.
const (
	ReasonNew    OrderReason = "new"
	ReasonBroken OrderReason = "broken"
	ReasonLost   OrderReason = "lost"
)

// Order is an order for a code display, an audio code reader or a chip.
type Order struct {
	Number         string         `json:"number"`
	User           uuid.UUID      `json:"user,omitzero"` // zero when not identified
	Identification Identification `json:"identification"`
	Kind           Kind           `json:"kind"`
	Reason         OrderReason    `json:"reason"`
	// Defect describes what happens with a broken device.
	Defect string `json:"defect,omitempty"`
	// Replaces is the authenticator a broken or lost order replaces.
	Replaces uuid.UUID      `json:"replaces,omitzero"`
	Delivery DeliveryMethod `json:"delivery"`
	// Address is where the device is mailed (nil for a pick-up).
	Address *PostalAddress `json:"address,omitempty"`
	// PickUpAt names the Citizen Service Centre of a pick-up.
	PickUpAt string `json:"pick_up_at,omitempty"`
	Abroad   bool   `json:"abroad,omitempty"`
	// ReceiptEmail receives the receipt; empty when none was wanted.
	ReceiptEmail    string    `json:"receipt_email,omitempty"`
	Language        Language  `json:"language,omitempty"`
	TermsAccepted   bool      `json:"terms_accepted"`
	TermsAcceptedAt time.Time `json:"terms_accepted_at,omitzero"`
	// PriceOre is what the order costs, in øre; Free says it is one of the
	// person's free code devices (Policy.FreeCodeDevices).
	PriceOre int         `json:"price_ore"`
	Free     bool        `json:"free,omitempty"`
	Status   OrderStatus `json:"status"`
	PlacedAt time.Time   `json:"placed_at"`
	// ExpectedFrom and ExpectedBy bound the expected delivery date; a zero
	// ExpectedBy means "or later" (abroad).
	ExpectedFrom time.Time `json:"expected_from,omitzero"`
	ExpectedBy   time.Time `json:"expected_by,omitzero"`
	ChangedAt    time.Time `json:"changed_at"`
	// Payment is the payment provider's record of the charge.
	Payment *PaymentReceipt `json:"payment,omitempty"`
	// Device is the device shipped: its serial number and, for a code
	// device, its seed sealed for the authenticator it becomes.
	Device *ShippedDeviceRecord `json:"device,omitempty"`
	// PickedUpWith is the picture ID shown at a pick-up.
	PickedUpWith *PictureID `json:"picked_up_with,omitempty"`
	// Authenticator is the authenticator the device becomes (its ID is
	// fixed when the device ships; it is added to the person, pending
	// activation, when the device is delivered).
	Authenticator uuid.UUID `json:"authenticator,omitzero"`
	// CancelReason says why a cancelled order was cancelled.
	CancelReason string `json:"cancel_reason,omitempty"`
	// Version increases with every committed update; stores manage it.
	Version int64 `json:"-"`
}

// ShippedDeviceRecord is the device an order shipped, as stored: never a
// seed in clear.
type ShippedDeviceRecord struct {
	Serial string  `json:"serial,omitempty"`
	Seed   *Sealed `json:"seed,omitempty"`
}

// Clone returns a deep copy of o.
func (o *Order) Clone() *Order {
	c := *o
	if o.Address != nil {
		a := *o.Address
		c.Address = &a
	}
	if o.Payment != nil {
		p := *o.Payment
		c.Payment = &p
	}
	if o.Device != nil {
		d := *o.Device
		if d.Seed != nil {
			s := Sealed{KeyID: d.Seed.KeyID, Nonce: slices.Clone(d.Seed.Nonce), Ciphertext: slices.Clone(d.Seed.Ciphertext)}
			d.Seed = &s
		}
		c.Device = &d
	}
	if o.PickedUpWith != nil {
		p := *o.PickedUpWith
		c.PickedUpWith = &p
	}
	return &c
}

// Validate reports an order no rule allows, whatever wrote it: a kind that
// is not ordered, an unknown delivery, reason or status, a negative price,
// terms not accepted. Stores refuse to commit such an order (ErrInvalid,
// CodeOrderInvalid), so a bug or a hand-made record cannot store one.
func (o *Order) Validate() error {
	bad := func(field, format string, args ...any) error {
		return invalidField(CodeOrderInvalid, field, format, args...)
	}
	switch {
	case o.Number == "":
		return bad("order", "an order needs a number")
	case !o.Kind.Physical():
		return bad("kind", "a %s is not ordered", o.Kind)
	case o.PriceOre < 0:
		return bad("price", "a price cannot be negative")
	case !o.TermsAccepted:
		return bad("terms", "an order needs the terms accepted")
	}
	switch o.Delivery {
	case DeliverToRegisteredAddress, DeliverToOtherAddress, DeliverPickUp:
	default:
		return bad("delivery", "unknown delivery %q", o.Delivery)
	}
	switch o.Reason {
	case ReasonNew, ReasonBroken, ReasonLost:
	default:
		return bad("reason", "unknown reason %q", o.Reason)
	}
	switch o.Status {
	case OrderPlaced, OrderPaid, OrderShipped, OrderReady, OrderDelivered, OrderCancelled:
	default:
		return bad("status", "unknown status %q", o.Status)
	}
	return nil
}
