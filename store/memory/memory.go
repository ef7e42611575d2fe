// Package memory is an in-memory mitid.Store for tests, demos and embedded
// use. It keeps the whole Store contract, atomicity and uniqueness included,
// and is safe for concurrent use; it keeps nothing across restarts.
package memory

import (
	"cmp"
	"context"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/google/uuid"

	"github.com/go-mitid/mitid"
)

// Store is the in-memory store. The zero value is not usable; call New.
//
// Locking: each user has its own mutex, held while its update function runs,
// so a slow decision (a password hash) on one user never holds up another.
// The store-wide mutex mu guards the maps and is held only briefly, to read
// or to commit.
//
// Snapshots: a committed user or session is replaced, never changed, so
// reads hand out the committed value itself and an update copies once (the
// private copy its function works on, which then becomes the committed
// value). Callers must not change what they get (see mitid.Store);
// CheckSnapshots makes the store catch one that does.
type Store struct {
	mu    sync.Mutex
	users map[uuid.UUID]*userEntry
	keys  map[mitid.UniqueKey]uuid.UUID
	// events is the activity log in Seq order. A purge removes a prefix
	// of it (see retention.go), so an event's position is counted from the
	// first event ever kept: events[0] is at position eventBase.
	events    []mitid.Event
	eventBase int
	eventSeq  int64 // the last Seq given; purged numbers are never reused
	eventIDs  map[uuid.UUID]bool
	// byUser indexes events by user (positions, ascending), so one
	// person's activity log reads only that person's events.
	byUser   map[uuid.UUID][]int
	orders   map[string]*orderEntry
	sessions map[string]*mitid.Session
	// outbox holds the messages in ID order, without gaps: a purge removes
	// a prefix, so message id is at outbox[id-outbox[0].ID].
	outbox []*mitid.OutboxMessage
	msgSeq int64 // the last message ID given; never reused
	// open is the position in outbox of the first message not yet
	// delivered or parked; delivery and parking are final, so a claim
	// starts there and the delivered history costs it nothing.
	open     int
	leaseSeq uint64
	// check is set by CheckSnapshots: every committed user and session
	// then has a private copy in frozenUsers or frozenSessions to compare
	// it with.
	check          bool
	frozenUsers    map[uuid.UUID]*mitid.User
	frozenSessions map[string]*mitid.Session
}

type userEntry struct {
	lock sync.Mutex  // held during an update of this user
	u    *mitid.User // committed state, shared with readers; replaced, never mutated
}

type orderEntry struct {
	lock sync.Mutex
	o    *mitid.Order
}

// New returns an empty store.
func New(opts ...Option) *Store {
	s := &Store{
		users:    map[uuid.UUID]*userEntry{},
		keys:     map[mitid.UniqueKey]uuid.UUID{},
		eventIDs: map[uuid.UUID]bool{},
		orders:   map[string]*orderEntry{},
		sessions: map[string]*mitid.Session{},
	}
	for _, o := range opts {
		o(s)
	}
	return s
}

var _ mitid.Store = (*Store)(nil)

// CreateUser stores a new user and its events, or nothing.
func (s *Store) CreateUser(ctx context.Context, u *mitid.User, events []mitid.Event) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.users[u.ID]; ok {
		return mitid.ConflictError(mitid.UniqueKey{Kind: "id", Value: u.ID.String()})
	}
	keys := u.UniqueKeys()
	if err := s.checkKeys(u.ID, keys); err != nil {
		return err
	}
	if err := s.checkEvents(events); err != nil {
		return err
	}
	c := u.Clone()
	c.Version = 1
	u.Version = 1
	s.users[u.ID] = &userEntry{u: c}
	s.freezeUser(c)
	for _, k := range keys {
		s.keys[k] = u.ID
	}
	s.appendEvents(events)
	return nil
}

// User returns the committed user, a read-only snapshot.
func (s *Store) User(ctx context.Context, id uuid.UUID) (*mitid.User, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.committedUser(id)
}

// committedUser returns user id's committed snapshot. Callers hold s.mu.
func (s *Store) committedUser(id uuid.UUID) (*mitid.User, error) {
	e, ok := s.users[id]
	if !ok {
		return nil, mitid.NotFoundUser()
	}
	s.verifyUser(e.u)
	return e.u, nil
}

// FindUser returns the committed user holding the key, a read-only
// snapshot.
func (s *Store) FindUser(ctx context.Context, key mitid.UniqueKey) (*mitid.User, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	id, ok := s.keys[key]
	if !ok {
		return nil, mitid.NotFoundUser()
	}
	return s.committedUser(id)
}

// UpdateUser runs fn on a copy of the user under the user's lock and commits
// the copy, its unique keys, its events and their outbox messages together.
// The committed copy is returned as a read-only snapshot.
func (s *Store) UpdateUser(ctx context.Context, id uuid.UUID, fn func(u *mitid.User) ([]mitid.Event, error)) (*mitid.User, error) {
	return s.update(ctx, id, uuid.Nil, func(u *mitid.User, _ *mitid.Authenticator) ([]mitid.Event, error) {
		return fn(u)
	}, nil)
}

// UpdateAuthenticator is UpdateUser with a copy that owns only the user's
// own fields and authenticator auth (mitid.User.CloneFor), so a login step
// copies one authenticator's secrets, not all of them.
func (s *Store) UpdateAuthenticator(ctx context.Context, id, auth uuid.UUID, fn func(u *mitid.User, a *mitid.Authenticator) ([]mitid.Event, error)) (*mitid.User, error) {
	return s.update(ctx, id, auth, fn, nil)
}

// update is UpdateUser (auth is uuid.Nil: fn gets a full copy and a nil
// authenticator), UpdateAuthenticator and UpdateLogin: then also, when
// set, runs in the commit, under s.mu, after every check and before the
// user's change; an error it returns commits nothing, and once it returns
// nil the commit cannot fail.
func (s *Store) update(ctx context.Context, id, auth uuid.UUID, fn func(u *mitid.User, a *mitid.Authenticator) ([]mitid.Event, error), also func() error) (*mitid.User, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	s.mu.Lock()
	e, ok := s.users[id]
	s.mu.Unlock()
	if !ok {
		return nil, mitid.NotFoundUser()
	}
	e.lock.Lock()
	defer e.lock.Unlock()

	// e.u changes only under e.lock, which we hold.
	old := e.u
	if s.check {
		s.verifyUserLocking(old)
	}
	var next *mitid.User
	var a *mitid.Authenticator
	if auth == uuid.Nil {
		next = old.Clone()
	} else {
		var err error
		if next, a, err = old.CloneFor(auth); err != nil {
			return nil, err
		}
	}
	events, err := fn(next, a)
	if s.check {
		// What fn got shares parts with old: it must have left them alone.
		s.verifyUserLocking(old)
	}
	if err != nil {
		return nil, err
	}
	if next.ID != id {
		return nil, mitid.InvalidEvent("the update function changed the user's ID")
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}

	s.mu.Lock()
	defer s.mu.Unlock()
	added, removed := next.KeyChanges(old)
	if err := s.checkKeys(id, added); err != nil {
		return nil, err
	}
	if err := s.checkEvents(events); err != nil {
		return nil, err
	}
	if also != nil {
		if err := also(); err != nil {
			return nil, err
		}
	}
	// Nothing below can fail: the commit is all or nothing.
	for _, k := range removed {
		delete(s.keys, k)
	}
	for _, k := range added {
		s.keys[k] = id
	}
	next.Version = old.Version + 1
	// fn's copy is private to this call, so it becomes the committed value.
	e.u = next
	s.freezeUser(next)
	s.appendEvents(events)
	return next, nil
}

// Events lists matching events in Seq order.
func (s *Store) Events(ctx context.Context, f mitid.EventFilter) ([]mitid.Event, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []mitid.Event
	match := func(i int) bool {
		if f.Limit > 0 && len(out) == f.Limit {
			return false
		}
		if f.Match(&s.events[i]) {
			out = append(out, cloneEvent(s.events[i]))
		}
		return true
	}
	if f.User != uuid.Nil {
		// The person's events are at most these, so one allocation holds
		// them: a read that grew its slice allocated three times what it
		// returned, and on a large heap the collector's work is charged to
		// whoever allocates.
		mine := s.byUser[f.User]
		if n := len(mine); f.Limit > 0 && f.Limit < n {
			out = make([]mitid.Event, 0, f.Limit)
		} else {
			out = make([]mitid.Event, 0, n)
		}
		for _, p := range mine {
			if !match(p - s.eventBase) {
				break
			}
		}
		return out, nil
	}
	for i := range s.events {
		if !match(i) {
			break
		}
	}
	return out, nil
}

// checkKeys reports a conflict when a key is held by a user other than id.
// Callers hold s.mu.
func (s *Store) checkKeys(id uuid.UUID, keys []mitid.UniqueKey) error {
	for _, k := range keys {
		if owner, ok := s.keys[k]; ok && owner != id {
			return mitid.ConflictError(k)
		}
	}
	return nil
}

// checkEvents refuses events that cannot be recorded. Callers hold s.mu.
func (s *Store) checkEvents(events []mitid.Event) error {
	if len(events) == 0 {
		return nil
	}
	seen := map[uuid.UUID]bool{}
	for _, e := range events {
		if e.ID == uuid.Nil {
			return mitid.InvalidEvent("an event has no ID")
		}
		if s.eventIDs[e.ID] || seen[e.ID] {
			return mitid.InvalidEvent("event %s is recorded already", e.ID)
		}
		seen[e.ID] = true
	}
	return nil
}

// appendEvents records events, numbering them and queueing their
// deliveries. Callers hold s.mu and have checked the events.
func (s *Store) appendEvents(events []mitid.Event) {
	for i := range events {
		s.eventSeq++
		events[i].Seq = s.eventSeq
		e := cloneEvent(events[i])
		s.events = append(s.events, e)
		s.eventIDs[e.ID] = true
		if s.byUser == nil {
			s.byUser = map[uuid.UUID][]int{}
		}
		s.byUser[e.User] = append(s.byUser[e.User], s.eventBase+len(s.events)-1)
		for _, d := range e.Notify {
			s.msgSeq++
			s.outbox = append(s.outbox, &mitid.OutboxMessage{
				ID: s.msgSeq, Event: e, Delivery: d, AvailableAt: e.At,
			})
		}
	}
}

func cloneEvent(e mitid.Event) mitid.Event {
	if e.Detail != nil {
		d := make(map[string]string, len(e.Detail))
		for k, v := range e.Detail {
			d[k] = v
		}
		e.Detail = d
	}
	e.Notify = slices.Clone(e.Notify)
	return e
}

// CreateOrder stores a new order and its events.
func (s *Store) CreateOrder(ctx context.Context, o *mitid.Order, events []mitid.Event) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := o.Validate(); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.orders[o.Number]; ok {
		return mitid.OrderConflict(o.Number)
	}
	if err := s.checkEvents(events); err != nil {
		return err
	}
	c := o.Clone()
	c.Version, o.Version = 1, 1
	s.orders[o.Number] = &orderEntry{o: c}
	s.appendEvents(events)
	return nil
}

// Order returns a copy of the order.
func (s *Store) Order(ctx context.Context, number string) (*mitid.Order, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	e, ok := s.orders[number]
	if !ok {
		return nil, mitid.NotFoundOrder(number)
	}
	return e.o.Clone(), nil
}

// UpdateOrder changes one order atomically.
func (s *Store) UpdateOrder(ctx context.Context, number string, fn func(o *mitid.Order) ([]mitid.Event, error)) (*mitid.Order, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	s.mu.Lock()
	e, ok := s.orders[number]
	s.mu.Unlock()
	if !ok {
		return nil, mitid.NotFoundOrder(number)
	}
	e.lock.Lock()
	defer e.lock.Unlock()
	next := e.o.Clone()
	events, err := fn(next)
	if err != nil {
		return nil, err
	}
	if next.Number != number {
		return nil, mitid.InvalidEvent("the update function changed the order number")
	}
	if err := next.Validate(); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.checkEvents(events); err != nil {
		return nil, err
	}
	next.Version = e.o.Version + 1
	e.o = next.Clone()
	s.appendEvents(events)
	return next, nil
}

// Orders lists a user's orders, oldest first.
func (s *Store) Orders(ctx context.Context, user uuid.UUID) ([]*mitid.Order, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []*mitid.Order
	for _, e := range s.orders {
		if e.o.User == user {
			out = append(out, e.o.Clone())
		}
	}
	slices.SortFunc(out, func(a, b *mitid.Order) int {
		if c := a.PlacedAt.Compare(b.PlacedAt); c != 0 {
			return c
		}
		return cmp.Compare(a.Number, b.Number)
	})
	return out, nil
}

// CreateSession stores a new session.
func (s *Store) CreateSession(ctx context.Context, sess *mitid.Session) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.sessions[sess.ID]; ok {
		return mitid.SessionConflict()
	}
	c := sess.Clone()
	c.Version, sess.Version = 1, 1
	c.Disposable = false // a request to CreateSession, not part of the session
	s.sessions[sess.ID] = c
	s.freezeSession(c)
	return nil
}

// CreateLoginSession finds the user with key and creates sess for them
// (or for nobody, when no user has the key) under one lock.
func (s *Store) CreateLoginSession(ctx context.Context, key mitid.UniqueKey, sess *mitid.Session) (*mitid.User, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.sessions[sess.ID]; ok {
		return nil, mitid.SessionConflict()
	}
	var u *mitid.User
	id, found := s.keys[key]
	if found {
		var err error
		if u, err = s.committedUser(id); err != nil {
			return nil, err
		}
	}
	sess.User = id // uuid.Nil when not found
	c := sess.Clone()
	c.Version, sess.Version = 1, 1
	c.Disposable = false // a request to CreateSession, not part of the session
	s.sessions[sess.ID] = c
	s.freezeSession(c)
	if !found {
		return nil, mitid.NotFoundUser()
	}
	return u, nil
}

// Session returns a live session, a read-only snapshot.
func (s *Store) Session(ctx context.Context, id string, now time.Time) (*mitid.Session, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	return s.readSession(id, now)
}

// readSession is liveSession under s.mu.
func (s *Store) readSession(id string, now time.Time) (*mitid.Session, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.liveSession(id, now)
}

// liveSession returns the committed session if it is live. Callers hold
// s.mu.
func (s *Store) liveSession(id string, now time.Time) (*mitid.Session, error) {
	sess, ok := s.sessions[id]
	if !ok {
		return nil, mitid.NotFoundSession()
	}
	s.verifySession(sess)
	if err := sess.Live(now); err != nil {
		return nil, err
	}
	return sess, nil
}

// UpdateSession changes a live session's data atomically: fn runs without
// a lock on the snapshot, and the commit checks the session did not change
// meanwhile (else fn runs again on the newer one), so sessions of different
// logins never wait for each other. The new state is returned as a
// read-only snapshot.
func (s *Store) UpdateSession(ctx context.Context, id string, now time.Time, fn func(*mitid.Session) ([]byte, error)) (*mitid.Session, error) {
	for {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		live, err := s.readSession(id, now)
		if err != nil {
			return nil, err
		}
		data, err := fn(live)
		if err != nil {
			return nil, err
		}
		s.mu.Lock()
		cur, ok := s.sessions[id]
		switch {
		case !ok:
			s.mu.Unlock()
			return nil, mitid.NotFoundSession()
		case cur != live:
			s.mu.Unlock()
			continue // changed or consumed meanwhile: decide again
		}
		// A commit replaces the session, so an unchanged pointer means an
		// unchanged session.
		stored := s.replaceSession(cur, func(next *mitid.Session) { next.Data = data })
		s.mu.Unlock()
		return stored, nil
	}
}

// replaceSession commits the next version of the committed session cur,
// a copy that change has changed, in cur's place: readers may hold cur, so
// it is replaced, never changed. Callers hold s.mu.
func (s *Store) replaceSession(cur *mitid.Session, change func(next *mitid.Session)) *mitid.Session {
	next := *cur
	next.Version++
	change(&next)
	s.sessions[cur.ID] = &next
	s.freezeSession(&next)
	return &next
}

// ReplaceSession sets a live session's data if it is still at version.
func (s *Store) ReplaceSession(ctx context.Context, id string, version int64, now time.Time, data []byte) (*mitid.Session, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	cur, err := s.liveSession(id, now)
	if err != nil {
		return nil, err
	}
	if cur.Version != version {
		return nil, mitid.ConcurrentSessionUpdate()
	}
	return s.replaceSession(cur, func(next *mitid.Session) { next.Data = data }), nil
}

// ConsumeSession marks a live session used, exactly once.
func (s *Store) ConsumeSession(ctx context.Context, id string, now time.Time) (*mitid.Session, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	live, err := s.liveSession(id, now)
	if err != nil {
		return nil, err
	}
	return s.replaceSession(live, func(next *mitid.Session) { next.ConsumedAt = now }), nil
}

// PurgeSessions deletes sessions that expired before the given time.
func (s *Store) PurgeSessions(ctx context.Context, before time.Time) (int, error) {
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for id, sess := range s.sessions {
		if sess.ExpiresAt.Before(before) {
			delete(s.sessions, id)
			delete(s.frozenSessions, id)
			n++
		}
	}
	return n, nil
}

// ClaimOutbox leases due messages in queue order.
func (s *Store) ClaimOutbox(ctx context.Context, now time.Time, lease time.Duration, limit int) ([]mitid.OutboxMessage, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for s.open < len(s.outbox) && (!s.outbox[s.open].DeliveredAt.IsZero() || s.outbox[s.open].Dead) {
		s.open++
	}
	var out []mitid.OutboxMessage
	for _, m := range s.outbox[s.open:] {
		if len(out) == limit {
			break
		}
		if !m.DeliveredAt.IsZero() || m.Dead || m.AvailableAt.After(now) || (m.Lease != "" && m.LeaseUntil.After(now)) {
			continue
		}
		s.leaseSeq++
		m.Lease = "mem-" + strconv.FormatUint(s.leaseSeq, 10)
		m.LeaseUntil = now.Add(lease)
		m.Attempts++
		out = append(out, cloneMessage(m))
	}
	return out, nil
}

// claimed returns the message if lease is its current lease. Callers hold s.mu.
func (s *Store) claimed(id int64, lease string) (*mitid.OutboxMessage, error) {
	if len(s.outbox) == 0 || id < s.outbox[0].ID || id > s.msgSeq {
		return nil, mitid.NotFoundMessage(id)
	}
	m := s.outbox[id-s.outbox[0].ID]
	if m.Lease == "" || m.Lease != lease {
		return nil, mitid.LeaseLost(id)
	}
	return m, nil
}

// CompleteOutbox records a delivery.
func (s *Store) CompleteOutbox(ctx context.Context, id int64, lease string, now time.Time) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	m, err := s.claimed(id, lease)
	if err != nil {
		return err
	}
	m.DeliveredAt, m.Lease, m.LeaseUntil = now, "", time.Time{}
	return nil
}

// RetryOutbox records a failed attempt.
func (s *Store) RetryOutbox(ctx context.Context, id int64, lease string, retryAt time.Time, lastError string, dead bool) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	m, err := s.claimed(id, lease)
	if err != nil {
		return err
	}
	m.AvailableAt, m.LastError, m.Dead, m.Lease, m.LeaseUntil = retryAt, lastError, dead, "", time.Time{}
	return nil
}

// OutboxMessages lists messages, oldest first.
func (s *Store) OutboxMessages(ctx context.Context, f mitid.OutboxFilter) ([]mitid.OutboxMessage, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []mitid.OutboxMessage
	for _, m := range s.outbox {
		if f.Limit > 0 && len(out) == f.Limit {
			break
		}
		if (f.User == uuid.Nil || m.Event.User == f.User) && (f.Event == uuid.Nil || m.Event.ID == f.Event) {
			out = append(out, cloneMessage(m))
		}
	}
	return out, nil
}

// OutboxStats counts waiting and parked messages.
func (s *Store) OutboxStats(ctx context.Context) (mitid.OutboxStats, error) {
	var st mitid.OutboxStats
	if err := ctx.Err(); err != nil {
		return st, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, m := range s.outbox {
		switch {
		case m.Dead:
			st.Parked++
		case m.DeliveredAt.IsZero():
			if st.Waiting == 0 {
				st.Oldest = m.Event.At
			}
			st.Waiting++
		}
	}
	return st, nil
}

func cloneMessage(m *mitid.OutboxMessage) mitid.OutboxMessage {
	c := *m
	c.Event = cloneEvent(m.Event)
	return c
}

// PlaceOrder stores a new order with a change to its user: under the
// user's lock, as UpdateUser, committing order, user and events together.
func (s *Store) PlaceOrder(ctx context.Context, o *mitid.Order, fn mitid.OrderChange) (*mitid.Order, *mitid.User, error) {
	return s.orderChange(ctx, o, nil, fn)
}

// ChangeOrder changes an order and its user together, under the order's
// lock and then the user's (the one order in which the store takes both).
func (s *Store) ChangeOrder(ctx context.Context, number string, fn mitid.OrderChange) (*mitid.Order, *mitid.User, error) {
	return s.claimOrChange(ctx, number, uuid.Nil, fn)
}

// ClaimOrder gives an order without a user to user, under the order's lock
// and then the user's.
func (s *Store) ClaimOrder(ctx context.Context, number string, user uuid.UUID, fn mitid.OrderChange) (*mitid.Order, *mitid.User, error) {
	return s.claimOrChange(ctx, number, user, fn)
}

// claimOrChange is ChangeOrder, and ClaimOrder when claim is not zero.
func (s *Store) claimOrChange(ctx context.Context, number string, claim uuid.UUID, fn mitid.OrderChange) (*mitid.Order, *mitid.User, error) {
	if err := ctx.Err(); err != nil {
		return nil, nil, err
	}
	s.mu.Lock()
	oe, ok := s.orders[number]
	s.mu.Unlock()
	if !ok {
		return nil, nil, mitid.NotFoundOrder(number)
	}
	oe.lock.Lock()
	defer oe.lock.Unlock()
	o := oe.o
	if claim != uuid.Nil {
		if o.User != uuid.Nil {
			return nil, nil, mitid.ClaimedOrder(number)
		}
		o = o.Clone()
		o.User = claim
	}
	return s.orderChange(ctx, o, oe, fn)
}

// orderChange runs fn on copies of order o (an existing order when oe is
// set, whose lock the caller holds; else a new one) and of its user, and
// commits both with the events.
func (s *Store) orderChange(ctx context.Context, o *mitid.Order, oe *orderEntry, fn mitid.OrderChange) (*mitid.Order, *mitid.User, error) {
	if err := ctx.Err(); err != nil {
		return nil, nil, err
	}
	var ue *userEntry
	if o.User != uuid.Nil {
		s.mu.Lock()
		ue = s.users[o.User]
		s.mu.Unlock()
		if ue == nil {
			return nil, nil, mitid.NotFoundUser()
		}
		ue.lock.Lock()
		defer ue.lock.Unlock()
	}
	next := o.Clone()
	var old, nu *mitid.User
	if ue != nil {
		old = ue.u
		nu = old.Clone()
	}
	events, err := fn(next, nu)
	if err != nil {
		return nil, nil, err
	}
	if next.Number != o.Number || next.User != o.User {
		return nil, nil, mitid.InvalidEvent("the order change altered the order's number or user")
	}
	if nu != nil && nu.ID != o.User {
		return nil, nil, mitid.InvalidEvent("the update function changed the user's ID")
	}
	if err := next.Validate(); err != nil {
		return nil, nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, taken := s.orders[o.Number]; oe == nil && taken {
		return nil, nil, mitid.OrderConflict(o.Number)
	}
	var added, removed []mitid.UniqueKey
	if nu != nil {
		added, removed = nu.KeyChanges(old)
		if err := s.checkKeys(nu.ID, added); err != nil {
			return nil, nil, err
		}
	}
	if err := s.checkEvents(events); err != nil {
		return nil, nil, err
	}
	// Nothing below can fail.
	if nu != nil {
		for _, k := range removed {
			delete(s.keys, k)
		}
		for _, k := range added {
			s.keys[k] = nu.ID
		}
		nu.Version = old.Version + 1
		ue.u = nu
		s.freezeUser(nu)
	}
	if oe == nil {
		next.Version = 1
		s.orders[next.Number] = &orderEntry{o: next.Clone()}
	} else {
		next.Version = oe.o.Version + 1
		oe.o = next.Clone()
	}
	s.appendEvents(events)
	return next, nu, nil
}
