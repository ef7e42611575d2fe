package mitid

import (
	"time"

	"github.com/google/uuid"
)

// OrderStatus is where an order for a physical authenticator is.
type OrderStatus string

// The order statuses.
const (
	OrderPlaced    OrderStatus = "placed"
	OrderShipped   OrderStatus = "shipped"
	OrderReady     OrderStatus = "ready_for_pickup"
	OrderDelivered OrderStatus = "delivered"
	OrderCancelled OrderStatus = "cancelled"
)

// Identification is how the person placing an order proved who they are
// (seed 000).
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

// The delivery methods (seed 000, 003).
const (
	DeliverToRegisteredAddress DeliveryMethod = "mail_registered_address"
	DeliverToOtherAddress      DeliveryMethod = "mail_other_address"
	DeliverPickUp              DeliveryMethod = "pick_up"
)

// Order is an order for a code display, an audio code reader or a chip.
type Order struct {
	Number         string         `json:"number"`
	User           uuid.UUID      `json:"user,omitzero"` // zero when not identified
	Identification Identification `json:"identification"`
	Kind           Kind           `json:"kind"`
	// Reason is why the device is ordered ("new", "broken", "lost");
	// Defect describes what happens with a broken one.
	Reason   string         `json:"reason"`
	Defect   string         `json:"defect,omitempty"`
	Delivery DeliveryMethod `json:"delivery"`
	Address  string         `json:"address,omitempty"`
	Abroad   bool           `json:"abroad,omitempty"`
	// ReceiptEmail receives the receipt; empty when none was wanted.
	ReceiptEmail  string      `json:"receipt_email,omitempty"`
	TermsAccepted bool        `json:"terms_accepted"`
	PriceØre      int         `json:"price_ore"`
	Status        OrderStatus `json:"status"`
	PlacedAt      time.Time   `json:"placed_at"`
	ExpectedBy    time.Time   `json:"expected_by,omitzero"`
	ChangedAt     time.Time   `json:"changed_at"`
	// Authenticator is the authenticator created for the device, in state
	// Ordered, when the order was identified.
	Authenticator uuid.UUID `json:"authenticator,omitzero"`
	// Version increases with every committed update; stores manage it.
	Version int64 `json:"-"`
}

// Clone returns a copy of o (an Order holds no references).
func (o *Order) Clone() *Order {
	c := *o
	return &c
}
