package mitid

import (
	"bytes"
	"context"
	"time"

	"github.com/google/uuid"
)

// Store is where a Service keeps its state. Two backends come with the
// library, store/memory and store/postgres; another backend is welcome if it
// passes store/storetest, the conformance suite that states this contract
// as tests. Every method is safe for concurrent use.
//
// Ownership: a user or session a store returns is a snapshot of a committed
// state. It may be shared with the store and with other callers, so callers
// treat it as read-only (Clone it to change it); a store never changes a
// snapshot it has handed out, so a value read earlier keeps showing that
// earlier state. The value an update function receives is the opposite: a
// private copy that fn may change at will until it returns, and must not
// keep afterwards. This lets an in-memory store answer reads without
// copying and commit an update with one copy, which is most of what a
// login step costs there; a store that decodes rows builds fresh values
// anyway. Orders a store returns belong to the caller.
//
// Errors: a store reports a missing record with an error matching
// ErrNotFound, a taken unique value with ConflictError (matching
// ErrConflict), a backend it cannot reach with an *Error of code
// CodeStoreUnavailable (matching ErrUnavailable), and a stored record it
// cannot decode with Unreadable (CodeRecordUnreadable). An error returned
// by an update function is returned unchanged.
type Store interface {
	UserStore
	OrderStore
	SessionStore
	Outbox
}

// Optional capabilities. A Store may offer any of the interfaces below as
// well; the Service finds them by type assertion and uses them when
// present, and otherwise does the same work through the core methods
// above, so a backend that implements only Store is complete. Each exists
// because a store can do its work cheaper than the core methods can: a
// copy less in memory, a read or a commit less on a database. store/memory
// and store/postgres offer all of them, and store/storetest tests each on
// a store that offers it. A wrapper that embeds a Store hides them (its
// method set is Store's), which is how the Service's fallbacks are tested.

// AuthenticatorUpdater is the optional capability of UpdateAuthenticator.
type AuthenticatorUpdater interface {
	// UpdateAuthenticator is UpdateUser for a change confined to the
	// user's own fields and one of its authenticators, auth: an
	// authentication attempt, which changes the authenticator's counters
	// and secret state and the account's counters. fn receives a copy in
	// which those are private (u as User.CloneFor makes it, and a, u's
	// authenticator auth); everything else it reaches is shared with the
	// committed snapshot, and fn must not change it. Everything else is as
	// in UpdateUser. It fails as User.Authenticator does (ErrNotFound) when
	// the user has no authenticator auth, and then calls fn not at all.
	//
	// It exists so an in-memory store can copy one authenticator instead
	// of the whole user at every login step. Without it the Service runs
	// the same function through UpdateUser.
	UpdateAuthenticator(ctx context.Context, id, auth uuid.UUID, fn func(u *User, a *Authenticator) ([]Event, error)) (*User, error)
}

// SessionReplacer is the optional capability of ReplaceSession.
type SessionReplacer interface {
	// ReplaceSession sets a live session's Data if the session is still
	// at version (compare and set) and returns the new state as a
	// read-only snapshot; data then belongs to the store. A session that
	// changed since fails with an error matching ErrConflict
	// (CodeConcurrentUpdate); an expired or consumed one as in Session,
	// and nothing changes. Of concurrent calls with one version, exactly
	// one succeeds. It is UpdateSession for a caller that already holds
	// the snapshot it decided on: a login step, which read the session
	// before it ran the factor's check. Without it the Service runs
	// UpdateSession with a function that refuses any other version.
	ReplaceSession(ctx context.Context, id string, version int64, now time.Time, data []byte) (*Session, error)
}

// SessionUserReader is the optional capability of SessionUser.
type SessionUserReader interface {
	// SessionUser returns the live session id and the user it names
	// (Session.User), read together, as Session and User would return
	// them: both read-only snapshots, the user nil when the session names
	// none. Session's errors come first; a named user that does not exist
	// fails with ErrNotFound. It exists so a login step reads what it
	// decides on in one round trip; without it the Service calls Session
	// and then User.
	SessionUser(ctx context.Context, id string, now time.Time) (*Session, *User, error)
}

// LoginBeginner is the optional capability of CreateLoginSession.
type LoginBeginner interface {
	// CreateLoginSession finds the user whose unique key is key, as
	// FindUser does, and creates session sess for them in the same step:
	// sess.User is set to the user's ID, or to uuid.Nil when no user has
	// the key, and the session is created either way (a login for a user
	// ID that matches nobody is a decoy's, made at the same cost). It
	// returns the user, a read-only snapshot, or an error matching
	// ErrNotFound when no user has the key; the session is then created
	// all the same. A session ID already in use fails with an error
	// matching ErrConflict and creates nothing. The terms of CreateSession
	// hold, Disposable included, and the store keeps its own copy. It
	// exists so that BeginLogin is one round trip; without it the Service
	// calls FindUser and then CreateSession.
	CreateLoginSession(ctx context.Context, key UniqueKey, sess *Session) (*User, error)
}

// LoginUpdater is the optional capability of UpdateLogin.
type LoginUpdater interface {
	// UpdateLogin changes user seen.ID as UpdateAuthenticator does (as
	// UpdateUser when auth is uuid.Nil; a is then nil) and, in the same
	// transaction, the login session at: fn returns, with its events, what
	// to do to the session (nil: nothing), and the store does it only if
	// the session is still live at at.Now and still at at.Version.
	//
	// The user's change commits whether or not the session's applies (the
	// failures an attempt counts are counted even when its login moved on
	// meanwhile), and the session changes only together with the user. It
	// returns the committed user (a read-only snapshot) and the session's
	// new state (a read-only snapshot), or a nil session when fn asked for
	// nothing or the session had expired, been consumed or moved on (the
	// caller reads it to learn which).
	//
	// seen is a snapshot of the user this store returned, its stored
	// fields unchanged (the clear identifiers, which no store keeps, may be
	// filled in): the state the caller decided on. A store may start from
	// it rather than read the user again; if the user has changed since,
	// it calls fn again with the newer state, as UpdateUser does, so fn
	// must be a pure decision on its arguments. If fn returns an error
	// nothing is committed and that error is returned as is; a unique key
	// taken by another user fails with ConflictError, and nothing is
	// committed. It fails as User.Authenticator does (ErrNotFound) when the
	// user has no authenticator auth, and then calls fn not at all.
	//
	// When at.Exact is set the store decides on seen and on nothing newer:
	// fn's change commits only if, at the commit, the user is still at
	// seen.Version and the session still live at at.Now and at at.Version;
	// otherwise nothing commits, fn's decision is dropped, and UpdateLogin
	// fails with CodeConcurrentUpdate (matching ErrConflict). That holds for
	// a refusal too (fn asking nothing of the session): the whole step
	// stands on the state it was decided on, or none of it does. The Service
	// asks for it when it decides on the state its own previous step left
	// (Config.LoginCache) rather than on a fresh read, and on that error
	// reads and decides again.
	//
	// A decision that leaves the user's stored fields as it found them and
	// records no event may commit the session's change alone, guarded as
	// above (the user still at the version decided on, or decided again on
	// a newer one), the user keeping its version. Such a change marked
	// SessionChange.Disposable may then be committed without waiting for
	// the disk, on the terms of a Disposable session in CreateSession: any
	// later durable commit of the store makes it durable first. A change
	// to the user, an event or a consumed session is durable when the call
	// returns.
	//
	// It exists so a login step commits its factor and its session in one
	// round trip and one commit, and FinishLogin its effects, its
	// FinishedLogin record and the consumed session in one. Without it the
	// Service commits the user (UpdateAuthenticator or UpdateUser) and then
	// the session (ReplaceSession or UpdateSession, ConsumeSession).
	UpdateLogin(ctx context.Context, seen *User, auth uuid.UUID, at SessionAt, fn LoginChange) (*User, *Session, error)
}

// SessionAt names a session at the version a caller read it, at a moment.
// Exact asks UpdateLogin to commit only if neither the session nor the
// user has changed since (see LoginUpdater).
type SessionAt struct {
	ID      string
	Version int64
	Now     time.Time
	Exact   bool
}

// LoginChange is a decision on a user (and authenticator a, when one is
// named) that returns its events and what to do to the login session with
// it: nil leaves the session alone.
type LoginChange func(u *User, a *Authenticator) ([]Event, *SessionChange, error)

// SessionChange is what UpdateLogin does to a session: set its Data (which
// then belongs to the store), or, when Consume is set, consume it at the
// moment named by SessionAt.Now (Data is then ignored).
type SessionChange struct {
	Data    []byte
	Consume bool
	// Disposable says the new Data is a login's progress that the person
	// can give again: losing it in a crash sends the login back a step.
	// When it is all a decision changes, a store may commit it without
	// waiting for the disk (see LoginUpdater).
	Disposable bool
}

// Purger is an optional capability of a Store: removing the history a
// retention no longer asks to keep (see Retention and Service.Purge, which
// finds it by type assertion). Both stores of this module have it; a
// backend without it still runs every rule, and a Service configured with
// a retention then reports that it cannot purge. store/storetest checks a
// Purger when the store has one.
//
// A Purger never removes what a rule may still read: an outbox message
// that is not settled (due, leased or retrying), a settled message while
// another delivery of its event is not settled before the cutoff (the
// Dispatcher reads those siblings when one fails for good), or an event
// while any of its outbox messages is left. Removing less than allowed is
// within the contract (a store may stop at the first record it must keep),
// removing more is not. Each call is one short transaction of at most limit
// records, so a purge never holds up logins for long; callers repeat it
// until it returns fewer than limit.
type Purger interface {
	// PurgeOutbox deletes up to limit outbox messages settled before
	// `before`: delivered (DeliveredAt) or parked (Dead, at its
	// AvailableAt), every delivery of the same event settled before
	// `before` too. It returns how many it deleted.
	PurgeOutbox(ctx context.Context, before time.Time, limit int) (int, error)

	// PurgeEvents deletes up to limit events that happened (At) before
	// `before` and have no outbox message left, and returns how many it
	// deleted. Seq numbers are never reused.
	PurgeEvents(ctx context.Context, before time.Time, limit int) (int, error)
}

// UserStore keeps users, their authenticators and their activity log.
type UserStore interface {
	// CreateUser stores a new user (Version 1) and its events in one
	// transaction. It fails with ConflictError when any of u.UniqueKeys() is
	// held by another user, and then stores nothing. The store keeps its own
	// copy: u stays the caller's.
	CreateUser(ctx context.Context, u *User, events []Event) error

	// User returns the user with the given internal ID, as a read-only
	// snapshot.
	User(ctx context.Context, id uuid.UUID) (*User, error)

	// FindUser returns the user holding the unique key (a normalised user
	// ID, one of the keyed hashes of a CPR number or identity document (see
	// IdentifierAtRest), a chip credential ID in unpadded base64url),
	// as a read-only snapshot.
	FindUser(ctx context.Context, key UniqueKey) (*User, error)

	// UpdateUser is the one way a user changes. It reads the user, calls fn
	// with a private copy, and commits the changed copy together with the
	// events fn returned: the new state, the unique keys, the events (with
	// Seq assigned) and one outbox message per event Delivery, all in one
	// transaction, or none of it.
	//
	// If fn returns an error nothing is committed and that error is returned
	// as is. If a concurrent update commits first, the store may call fn
	// again with the newer state, so fn must be a pure decision on its
	// argument (no side effects outside it). fn must not change u.ID. A
	// commit that would give a unique key to a second user fails with
	// ConflictError. On success UpdateUser returns the committed user with
	// its new Version, as a read-only snapshot; the events slice fn returned
	// has its Seq fields set.
	UpdateUser(ctx context.Context, id uuid.UUID, fn func(u *User) ([]Event, error)) (*User, error)

	// Events lists events matching the filter in Seq order.
	Events(ctx context.Context, f EventFilter) ([]Event, error)
}

// OrderStore keeps orders for physical authenticators.
type OrderStore interface {
	// CreateOrder stores a new order and its events in one transaction. An
	// order number already used fails with an error matching ErrConflict.
	CreateOrder(ctx context.Context, o *Order, events []Event) error

	// Order returns the order with the given number.
	Order(ctx context.Context, number string) (*Order, error)

	// UpdateOrder changes one order atomically, like UpdateUser: fn gets a
	// private copy and may be called again after a concurrent change.
	UpdateOrder(ctx context.Context, number string, fn func(o *Order) ([]Event, error)) (*Order, error)

	// Orders lists a user's orders, oldest first.
	Orders(ctx context.Context, user uuid.UUID) ([]*Order, error)

	// PlaceOrder stores a new order together with a change to the user it
	// is for (o.User; none when that is zero), in one transaction: fn gets
	// a private copy of the order and of the user (nil for an order
	// without a user), and the store commits the order, the changed user
	// (its Version increased), the events fn returned and their outbox
	// messages, or nothing. It is how a rule that counts orders on the
	// user aggregate (the free code devices) holds when orders race. An
	// order number in use fails with an error matching ErrConflict (and
	// commits nothing); fn may be called again after a concurrent change
	// of the user, and must not change o.Number or o.User. It returns the
	// committed order (the caller's) and user (a read-only snapshot; nil
	// without a user).
	PlaceOrder(ctx context.Context, o *Order, fn OrderChange) (*Order, *User, error)

	// ChangeOrder is PlaceOrder for an order that exists: it changes the
	// order and its user (if it has one) in one transaction. Concurrent
	// changes of one order are serialised; fn may be called again.
	ChangeOrder(ctx context.Context, number string, fn OrderChange) (*Order, *User, error)

	// ClaimOrder is ChangeOrder for an order without a user (placed
	// without identification) that now becomes user's: fn gets the order
	// with User set to user, and user's private copy, and the store commits
	// both. An order that has a user already fails with ErrConflict
	// (CodeOrderTaken); of concurrent claims of one order, one succeeds.
	ClaimOrder(ctx context.Context, number string, user uuid.UUID, fn OrderChange) (*Order, *User, error)
}

// OrderChange is a decision on an order and the user it is for (nil when
// it has none), returning the events to commit with it.
type OrderChange func(o *Order, u *User) ([]Event, error)

// SessionStore keeps short-lived, single-use sessions: a login in progress,
// a WebAuthn challenge, an access request awaiting its second step.
type SessionStore interface {
	// CreateSession stores a new session. A session ID already in use fails
	// with an error matching ErrConflict. The store keeps its own copy.
	//
	// A store may return before a new session marked Disposable is durable
	// (the PostgreSQL store does, see its Options.DurableSessions), provided
	// any later durable commit of the store makes it durable first: a crash
	// may then lose a session nothing has used yet, whose next step fails as
	// not found, but never one that a committed step followed. Every other
	// session, and every other change a store commits, is durable when the
	// call returns.
	CreateSession(ctx context.Context, s *Session) error

	// Session returns a session that exists and has not been consumed, as
	// a read-only snapshot. At or after s.ExpiresAt it fails with
	// ErrExpired; once consumed, with ErrReplay.
	Session(ctx context.Context, id string, now time.Time) (*Session, error)

	// UpdateSession changes a live session's Data atomically: fn receives
	// the current session (a read-only snapshot) and returns its new Data,
	// which the store then owns; only Data is the caller's to change. If
	// the session changes before the commit, fn is called again with the
	// newer one. It returns the new state as a read-only snapshot. Expired
	// or consumed sessions fail as in Session; an error from fn is returned
	// as is, and nothing changes.
	UpdateSession(ctx context.Context, id string, now time.Time, fn func(s *Session) ([]byte, error)) (*Session, error)

	// ConsumeSession marks a live session used and returns it (a read-only
	// snapshot, ConsumedAt set). Of any number
	// of concurrent calls for one session exactly one succeeds; the others
	// fail with ErrReplay (or ErrExpired, ErrNotFound).
	ConsumeSession(ctx context.Context, id string, now time.Time) (*Session, error)

	// PurgeSessions deletes sessions that expired before the given time and
	// returns how many it deleted.
	PurgeSessions(ctx context.Context, before time.Time) (int, error)
}

// Outbox holds the notifications that events asked for until a Notifier has
// delivered them. Messages enter through UpdateUser, CreateUser, CreateOrder
// and UpdateOrder, in the same transaction as their events, so a committed
// event is never without its notifications.
type Outbox interface {
	// ClaimOutbox leases up to limit messages that are due (AvailableAt at or
	// before now), not delivered, not dead, and not leased by anyone else, in
	// the order they were queued. Each claimed message gets a fresh Lease
	// token valid until now+lease and its Attempts is incremented. Concurrent
	// claimers never get the same message while its lease is valid. A store
	// that decodes messages returns one it cannot decode with Unreadable
	// set, never failing the claim, so that it never holds up the messages
	// behind it.
	ClaimOutbox(ctx context.Context, now time.Time, lease time.Duration, limit int) ([]OutboxMessage, error)

	// CompleteOutbox records that the message was delivered. It fails with an
	// error matching ErrConflict (CodeLeaseLost) when the lease token is no
	// longer the message's (it expired and someone else claimed it).
	CompleteOutbox(ctx context.Context, id int64, lease string, now time.Time) error

	// RetryOutbox records a failed attempt: the message becomes due again at
	// retryAt, or, when dead is set, it is parked for good (kept, never
	// claimed again). Lease rules as in CompleteOutbox.
	RetryOutbox(ctx context.Context, id int64, lease string, retryAt time.Time, lastError string, dead bool) error

	// OutboxMessages lists messages for inspection (tests, support tools),
	// delivered and dead ones included, oldest first.
	OutboxMessages(ctx context.Context, f OutboxFilter) ([]OutboxMessage, error)

	// OutboxStats counts the messages waiting (neither delivered nor
	// parked, leased ones included) and the parked ones, and returns the
	// event time of the oldest waiting message, so an operator can see a
	// stuck outbox. It reads without locking; the figures are a snapshot.
	OutboxStats(ctx context.Context) (OutboxStats, error)
}

// OutboxStats is the state of an outbox at one moment.
type OutboxStats struct {
	// Waiting counts messages not yet delivered and not parked.
	Waiting int `json:"waiting"`
	// Parked counts messages parked for good (Dead).
	Parked int `json:"parked"`
	// Oldest is when the event of the oldest waiting message happened;
	// zero when nothing waits.
	Oldest time.Time `json:"oldest,omitzero"`
}

// OutboxMessage is one notification of one event on one channel.
type OutboxMessage struct {
	ID          int64     `json:"id"`
	Event       Event     `json:"event"`
	Delivery    Delivery  `json:"delivery"`
	Attempts    int       `json:"attempts"`
	AvailableAt time.Time `json:"available_at"`
	// Lease is the token of the current claim; LeaseUntil its end.
	Lease       string    `json:"lease,omitempty"`
	LeaseUntil  time.Time `json:"lease_until,omitzero"`
	DeliveredAt time.Time `json:"delivered_at,omitzero"`
	Dead        bool      `json:"dead,omitempty"`
	LastError   string    `json:"last_error,omitempty"`
	// Unreadable is set (CodeRecordUnreadable) when the store could not
	// decode the message's event: Event then holds only its ID and Seq.
	// The Dispatcher counts each claim of it as a failed attempt and parks
	// it at MaxAttempts, as a delivery that keeps failing; a newer version
	// of the library that can read it delivers it meanwhile.
	Unreadable error `json:"-"`
}

// OutboxFilter selects outbox messages for OutboxMessages.
type OutboxFilter struct {
	User  uuid.UUID // one user's messages (zero: all)
	Event uuid.UUID // one event's messages, one per delivery (zero: all); give User too, which stores index
	Limit int       // at most this many (0: no limit)
}

// Session is a short-lived, single-use record owned by one flow. Data is
// opaque to the store: the flow that created the session encodes its state
// there.
type Session struct {
	ID         string    `json:"id"`
	Kind       string    `json:"kind"`
	User       uuid.UUID `json:"user,omitzero"`
	Data       []byte    `json:"data,omitempty"`
	CreatedAt  time.Time `json:"created_at"`
	ExpiresAt  time.Time `json:"expires_at"`
	ConsumedAt time.Time `json:"consumed_at,omitzero"`
	// Version increases with every update; stores manage it. A store that
	// may lose a committed update in a crash (see LoginUpdater) makes it
	// unlikely that the lost version is reached again with other contents
	// (the PostgreSQL store: a chance of about 2^-31).
	Version int64 `json:"version"`
	// Disposable says the session's creation need not be durable: nothing
	// durable came before it in its flow, so losing it in a crash only
	// fails the flow's next step and the person starts again (a login's
	// session). Only CreateSession reads it; it is not stored.
	Disposable bool `json:"-"`
}

// Live returns nil when s can be used at now, or the error the SessionStore
// contract prescribes for an expired or consumed session. Stores call it so
// that every backend decides alike.
func (s *Session) Live(now time.Time) error {
	if !s.ConsumedAt.IsZero() {
		return errorf(CodeSessionUsed, "this session has already been used; start again")
	}
	if !now.Before(s.ExpiresAt) {
		e := errorf(CodeSessionExpired, "this session expired at %s; start again", s.ExpiresAt.UTC().Format(time.RFC3339))
		e.Until = s.ExpiresAt
		return e
	}
	return nil
}

// Clone returns a deep copy of s.
func (s *Session) Clone() *Session {
	c := *s
	c.Data = bytes.Clone(s.Data)
	return &c
}

// Errors stores return for records that do not exist. They are *Error values
// with stable codes, built here so that every backend words them alike.

// NotFoundUser is the error for a user that does not exist.
func NotFoundUser() error {
	return errorf(CodeUserNotFound, "no MitID matches; check the user ID")
}

// NotFoundOrder is the error for an order number that does not exist.
func NotFoundOrder(number string) error {
	return errorf(CodeOrderNotFound, "there is no order %q; check the number on your receipt", number)
}

// NotFoundSession is the error for a session that does not exist.
func NotFoundSession() error {
	return errorf(CodeSessionNotFound, "this session does not exist or has expired; start again")
}

// ConcurrentSessionUpdate is the error SessionReplacer.ReplaceSession reports for a session
// that changed since the version the caller named.
func ConcurrentSessionUpdate() error {
	return errorf(CodeConcurrentUpdate, "this session changed meanwhile; reload it")
}

// NotFoundMessage is the error for an outbox message that does not exist.
func NotFoundMessage(id int64) error {
	return errorf(CodeMessageNotFound, "there is no outbox message %d", id)
}

// LeaseLost is the error for a completion or retry by a claimer whose
// lease has passed to another claimer.
func LeaseLost(id int64) error {
	return errorf(CodeLeaseLost, "the lease on outbox message %d has passed to another dispatcher", id)
}

// SessionConflict is the error for a session ID that is already in use.
func SessionConflict() error {
	return errorf(CodeSessionTaken, "a session with this ID exists already")
}

// ClaimedOrder is the error for claiming an order that belongs to someone.
func ClaimedOrder(number string) error {
	return errorf(CodeOrderTaken, "order %s belongs to a MitID already", number)
}

// OrderConflict is the error for an order number that is already in use.
func OrderConflict(number string) error {
	return errorf(CodeOrderTaken, "the order number %q is in use already", number)
}

// Unavailable is the error a store returns when its backend cannot be
// reached or fails; the operation did not take effect.
func Unavailable(cause error) error {
	return NewError(CodeStoreUnavailable, cause, "the MitID store is unavailable; nothing was changed, try again shortly")
}

// Unreadable is the error a store returns for a stored record (what names
// it: "user", "order", "event") that it cannot decode; the operation did
// not take effect, and cause says what is wrong with the record.
func Unreadable(what string, cause error) error {
	return NewError(CodeRecordUnreadable, cause, "a stored %s cannot be read; nothing was changed, and it needs an operator's attention", what)
}

// InvalidEvent is the error for an event a store cannot record (a duplicate
// ID, a missing user); the whole update it came with is refused.
func InvalidEvent(format string, args ...any) error {
	return errorf(CodeEventInvalid, format, args...)
}
