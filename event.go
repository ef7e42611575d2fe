package mitid

import (
	"time"

	"github.com/google/uuid"
)

// EventType names what happened. Types are stable strings: they are stored
// in the audit log and matched by notification rules.
type EventType string

// The event types.
const (
	EventUserCreated         EventType = "user.created"
	EventUserIDChanged       EventType = "user.user_id_changed"
	EventUserBlocked         EventType = "user.blocked"
	EventUserUnblocked       EventType = "user.unblocked"
	EventContactChanged      EventType = "user.contact_changed"
	EventAuthenticatorAdded  EventType = "authenticator.added"
	EventAuthenticatorState  EventType = "authenticator.state_changed"
	EventAuthenticatorUsed   EventType = "authenticator.used"
	EventAuthenticatorFailed EventType = "authenticator.failed"
	EventPasswordChanged     EventType = "authenticator.password_changed"
	EventIdentityProofed     EventType = "user.identity_proofed"
	EventCodeIssued          EventType = "code.issued"
	EventCodeUsed            EventType = "code.used"
	EventOrderPlaced         EventType = "order.placed"
	EventOrderChanged        EventType = "order.changed"
)

// Event is one entry of a user's activity log: a typed record of a change,
// committed by the store in the same transaction as the change itself. The
// domain fills Type and the fields that apply; the Service stamps ID, User,
// At and Actor; the store assigns Seq.
type Event struct {
	ID uuid.UUID `json:"id"`
	// Seq orders events in the store; it is assigned at commit and strictly
	// increases in commit order within one store.
	Seq  int64     `json:"seq,omitempty"`
	User uuid.UUID `json:"user"`
	Type EventType `json:"type"`
	At   time.Time `json:"at"`
	// Actor says who caused the event: "user", "support", "system" or a
	// relying party's name (see WithActor).
	Actor string `json:"actor,omitempty"`

	Authenticator uuid.UUID `json:"authenticator,omitzero"`
	Kind          Kind      `json:"kind,omitempty"`
	From          State     `json:"from,omitempty"`
	To            State     `json:"to,omitempty"`
	// Until is the end of a suspension, block or waiting period.
	Until  time.Time `json:"until,omitzero"`
	Reason string    `json:"reason,omitempty"`
	// Order is the order number for order events.
	Order string `json:"order,omitempty"`
	// Detail holds further facts as text (an old and a new user ID, say).
	Detail map[string]string `json:"detail,omitempty"`

	// Notify lists where the user is told about the event. The store queues
	// one outbox message per entry in the same transaction as the event.
	Notify []Delivery `json:"notify,omitempty"`
}

// Delivery is one notification of an event on one channel, to the address
// the channel had when the event happened. It need not be one of the
// user's channels: a domain operation may name any address (the receipt
// e-mail given with an order, say), and the Dispatcher sends there like
// anywhere else; if that address fails for good, the user's own channels
// get the notice (see EventNotificationRerouted).
type Delivery struct {
	Channel  Channel  `json:"channel"`
	Address  string   `json:"address,omitempty"`
	Language Language `json:"language,omitempty"`
}

// EventFilter selects events from the activity log. Zero fields select
// everything; the result is in Seq order.
type EventFilter struct {
	User     uuid.UUID   // one user's events
	Types    []EventType // any of these types
	Since    time.Time   // At at or after
	Before   time.Time   // At before
	AfterSeq int64       // Seq greater than (for paging)
	Limit    int         // at most this many (0: no limit)
}

// Match reports whether e passes the filter. Stores that filter in memory
// use it, so every backend filters the same way.
func (f EventFilter) Match(e *Event) bool {
	if f.User != uuid.Nil && e.User != f.User {
		return false
	}
	if len(f.Types) > 0 {
		ok := false
		for _, t := range f.Types {
			ok = ok || t == e.Type
		}
		if !ok {
			return false
		}
	}
	if !f.Since.IsZero() && e.At.Before(f.Since) {
		return false
	}
	if !f.Before.IsZero() && !e.At.Before(f.Before) {
		return false
	}
	return e.Seq > f.AfterSeq
}
