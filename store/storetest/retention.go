package storetest

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/go-mitid/mitid"
)

// retentionTests check the optional mitid.Purger capability; a store
// without it skips them.
var retentionTests = []suiteTest{
	{"Retention/PurgeOutboxKeepsEveryUnsettledMessage", testPurgeOutboxKeepsUnsettled},
	{"Retention/PurgeOutboxKeepsWhatWasSettledAtTheCutoff", testPurgeOutboxCutoff},
	{"Retention/PurgeOutboxKeepsTheDeliveriesOfAnEventUntilAllAreSettled", testPurgeOutboxSiblings},
	{"Retention/PurgeEventsRemovesOnlyOlderEventsAndKeepsSeqAndIndexes", testPurgeEvents},
	{"Retention/PurgeEventsKeepsAnEventWhileItsMessagesAre", testPurgeEventsPinned},
}

// sms is one delivery by SMS to a number of the suite's.
func sms(n string) mitid.Delivery {
	return mitid.Delivery{Channel: mitid.ChannelSMS, Address: "+4520" + n}
}

// claimOne claims the first due message of u at now, leased for lease.
func claimOne(t *testing.T, s mitid.Store, u *mitid.User, now time.Time, lease time.Duration) mitid.OutboxMessage {
	t.Helper()
	msgs, err := s.ClaimOutbox(context.Background(), now, lease, 1)
	require.NoError(t, err)
	msgs = mine(msgs, u)
	require.Len(t, msgs, 1)
	return msgs[0]
}

func outboxOf(t *testing.T, s mitid.Store, u *mitid.User) []mitid.OutboxMessage {
	t.Helper()
	msgs, err := s.OutboxMessages(context.Background(), mitid.OutboxFilter{User: u.ID})
	require.NoError(t, err)
	return msgs
}

// testPurgeOutboxKeepsUnsettled: a delivered and a parked message go;
// a leased one, a retrying one and a due one stay, whole, through any
// number of purges, and the claim and the lease rules work on as before.
func testPurgeOutboxKeepsUnsettled(t *testing.T, s mitid.Store) {
	ctx := context.Background()
	p := capability[mitid.Purger](t, s)
	u := newUser(t, uniqueName("rest"))
	var evs []mitid.Event
	for _, n := range []string{"000001", "000002", "000003", "000004", "000005"} {
		evs = append(evs, event(u, mitid.EventAuthenticatorState, sms(n)))
	}
	require.NoError(t, s.CreateUser(ctx, u, evs))

	delivered := claimOne(t, s, u, t0, time.Minute)
	require.NoError(t, s.CompleteOutbox(ctx, delivered.ID, delivered.Lease, t0))
	parked := claimOne(t, s, u, t0, time.Minute)
	require.NoError(t, s.RetryOutbox(ctx, parked.ID, parked.Lease, t0, "no such number", true))
	leased := claimOne(t, s, u, t0, time.Hour)
	retrying := claimOne(t, s, u, t0, time.Hour)
	require.NoError(t, s.RetryOutbox(ctx, retrying.ID, retrying.Lease, t0.Add(2*time.Hour), "gateway timeout", false))
	before := outboxOf(t, s, u)
	require.Len(t, before, 5)
	due := before[4]

	far := t0.Add(10 * 365 * 24 * time.Hour)
	n, err := p.PurgeOutbox(ctx, far, 100)
	require.NoError(t, err)
	assert.Equal(t, 2, n, "the delivered and the parked message")
	for range 3 {
		n, err = p.PurgeOutbox(ctx, far, 100)
		require.NoError(t, err)
		assert.Zero(t, n, "an unsettled message is never removed")
	}
	assert.Equal(t, before[2:], outboxOf(t, s, u), "the leased, the retrying and the due message, unchanged")
	st, err := s.OutboxStats(ctx)
	require.NoError(t, err)
	assert.Equal(t, mitid.OutboxStats{Waiting: 3, Oldest: t0}, st)

	// The claim and the leases work on the messages left.
	got := claimOne(t, s, u, t0, time.Minute)
	assert.Equal(t, due.ID, got.ID, "the due message is claimed next; the leased one is not")
	require.NoError(t, s.CompleteOutbox(ctx, leased.ID, leased.Lease, t0), "the lease taken before the purge still holds")
	again := claimOne(t, s, u, t0.Add(2*time.Hour), time.Minute)
	assert.Equal(t, retrying.ID, again.ID)
	assert.Equal(t, "gateway timeout", again.LastError)
	require.ErrorIs(t, s.CompleteOutbox(ctx, delivered.ID, delivered.Lease, t0), mitid.ErrNotFound, "a removed message is gone")
}

// testPurgeOutboxCutoff: a message settled at the cutoff is kept; one
// settled before it goes.
func testPurgeOutboxCutoff(t *testing.T, s mitid.Store) {
	ctx := context.Background()
	p := capability[mitid.Purger](t, s)
	u := newUser(t, uniqueName("rest"))
	require.NoError(t, s.CreateUser(ctx, u, []mitid.Event{event(u, mitid.EventAuthenticatorState, sms("000001"))}))
	m := claimOne(t, s, u, t0, time.Minute)
	require.NoError(t, s.CompleteOutbox(ctx, m.ID, m.Lease, t0))
	n, err := p.PurgeOutbox(ctx, t0, 100)
	require.NoError(t, err)
	assert.Zero(t, n, "delivered at the cutoff: kept")
	n, err = p.PurgeOutbox(ctx, t0.Add(time.Microsecond), 0)
	require.NoError(t, err)
	assert.Zero(t, n, "a limit of 0 removes nothing")
	n, err = p.PurgeOutbox(ctx, t0.Add(time.Microsecond), 100)
	require.NoError(t, err)
	assert.Equal(t, 1, n)
	assert.Empty(t, outboxOf(t, s, u))
}

// testPurgeOutboxSiblings: of an event sent by SMS and e-mail, the
// delivered SMS stays while the e-mail is retried, and while it was parked
// after the cutoff: a Dispatcher parking the e-mail reads the SMS to know
// the person was reached.
func testPurgeOutboxSiblings(t *testing.T, s mitid.Store) {
	ctx := context.Background()
	p := capability[mitid.Purger](t, s)
	u := newUser(t, uniqueName("rest"))
	require.NoError(t, s.CreateUser(ctx, u, []mitid.Event{event(u, mitid.EventAuthenticatorState, sms("000001"),
		mitid.Delivery{Channel: mitid.ChannelEmail, Address: "anna@example.dk"})}))
	first := claimOne(t, s, u, t0, time.Minute)
	require.NoError(t, s.CompleteOutbox(ctx, first.ID, first.Lease, t0))
	second := claimOne(t, s, u, t0, time.Minute)
	require.NoError(t, s.RetryOutbox(ctx, second.ID, second.Lease, t0.Add(time.Hour), "mailbox full", false))

	far := t0.Add(10 * 365 * 24 * time.Hour)
	n, err := p.PurgeOutbox(ctx, far, 100)
	require.NoError(t, err)
	assert.Zero(t, n, "the delivered SMS stays while the e-mail is being tried")
	second = claimOne(t, s, u, t0.Add(time.Hour), time.Minute)
	require.NoError(t, s.RetryOutbox(ctx, second.ID, second.Lease, t0.Add(time.Hour), "mailbox full", true))
	n, err = p.PurgeOutbox(ctx, t0.Add(time.Hour), 100)
	require.NoError(t, err)
	assert.Zero(t, n, "the e-mail was parked at the cutoff: both stay")
	assert.Len(t, outboxOf(t, s, u), 2)
	n, err = p.PurgeOutbox(ctx, t0.Add(time.Hour+time.Microsecond), 100)
	require.NoError(t, err)
	assert.Equal(t, 2, n)
}

// testPurgeEvents: events that happened before the cutoff go, in batches
// of at most the limit; the rest keep their Seq, each person's log reads
// right, and a new event gets a Seq above every earlier one.
func testPurgeEvents(t *testing.T, s mitid.Store) {
	ctx := context.Background()
	p := capability[mitid.Purger](t, s)
	a, b := newUser(t, uniqueName("rest")), newUser(t, uniqueName("rest"))
	for _, u := range []*mitid.User{a, b} {
		e := event(u, mitid.EventUserCreated)
		e.At = t0.Add(-10 * time.Hour)
		require.NoError(t, s.CreateUser(ctx, u, []mitid.Event{e}))
	}
	// Interleaved: a, b, a, b, ... an hour apart, ending at t0.
	for i := 5; i >= 0; i-- {
		u := a
		if i%2 == 1 {
			u = b
		}
		_, err := s.UpdateUser(ctx, u.ID, func(*mitid.User) ([]mitid.Event, error) {
			e := event(u, mitid.EventAuthenticatorUsed)
			e.At = t0.Add(time.Duration(-i) * time.Hour)
			return []mitid.Event{e}, nil
		})
		require.NoError(t, err)
	}
	all, err := s.Events(ctx, mitid.EventFilter{})
	require.NoError(t, err)
	require.Len(t, all, 8)
	logA, logB := userEvents(t, s, a.ID), userEvents(t, s, b.ID)

	n, err := p.PurgeEvents(ctx, t0.Add(-10*time.Hour), 100)
	require.NoError(t, err)
	assert.Zero(t, n, "an event that happened at the cutoff is kept")
	cut := t0.Add(-2*time.Hour + time.Microsecond) // the creations and the uses at -5h, -4h, -3h, -2h go
	n, err = p.PurgeEvents(ctx, cut, 1)
	require.NoError(t, err)
	assert.LessOrEqual(t, n, 1, "the limit holds")
	total := n
	for k := 0; k < 10 && n > 0; k++ {
		n, err = p.PurgeEvents(ctx, cut, 1)
		require.NoError(t, err)
		total += n
	}
	left, err := s.Events(ctx, mitid.EventFilter{})
	require.NoError(t, err)
	// Every event at or after the cutoff is kept, with its Seq.
	var kept []mitid.Event
	for _, e := range all {
		if !e.At.Before(cut) {
			kept = append(kept, e)
		}
	}
	assert.Equal(t, kept, left, "exactly the events at or after the cutoff are left")
	assert.Equal(t, 6, total)
	keep := func(log []mitid.Event) []mitid.Event {
		var out []mitid.Event
		for _, e := range log {
			if !e.At.Before(cut) {
				out = append(out, e)
			}
		}
		return out
	}
	assert.Equal(t, keep(logA), userEvents(t, s, a.ID), "a's log, through its index")
	assert.Equal(t, keep(logB), userEvents(t, s, b.ID), "b's log, through its index")
	paged, err := s.Events(ctx, mitid.EventFilter{User: a.ID, AfterSeq: kept[0].Seq, Limit: 1})
	require.NoError(t, err)
	require.Len(t, paged, 1)

	var maxSeq int64
	for _, e := range all {
		maxSeq = max(maxSeq, e.Seq)
	}
	n, err = p.PurgeEvents(ctx, t0.Add(time.Hour), 100)
	require.NoError(t, err)
	assert.Equal(t, len(kept), n, "the rest, once their time has come")
	assert.Empty(t, userEvents(t, s, a.ID))
	var fresh []mitid.Event
	_, err = s.UpdateUser(ctx, a.ID, func(*mitid.User) ([]mitid.Event, error) {
		fresh = []mitid.Event{event(a, mitid.EventAuthenticatorUsed)}
		return fresh, nil
	})
	require.NoError(t, err)
	assert.Greater(t, fresh[0].Seq, maxSeq, "Seq numbers are never reused")
	assert.Equal(t, fresh, userEvents(t, s, a.ID))
}

// testPurgeEventsPinned: an event whose notification waits stays (a claim
// hands the message out with its event), and goes once the message has.
func testPurgeEventsPinned(t *testing.T, s mitid.Store) {
	ctx := context.Background()
	p := capability[mitid.Purger](t, s)
	u := newUser(t, uniqueName("rest"))
	notified := event(u, mitid.EventAuthenticatorState, sms("000001"))
	notified.At = t0.Add(-2 * time.Hour)
	quiet := event(u, mitid.EventAuthenticatorUsed)
	quiet.At = t0.Add(-time.Hour)
	require.NoError(t, s.CreateUser(ctx, u, []mitid.Event{notified, quiet}))

	for range 2 {
		_, err := p.PurgeEvents(ctx, t0, 100)
		require.NoError(t, err)
	}
	log := userEvents(t, s, u.ID)
	require.NotEmpty(t, log)
	assert.Equal(t, notified.ID, log[0].ID, "kept while its message waits")
	m := claimOne(t, s, u, t0, time.Minute)
	assert.Equal(t, notified.ID, m.Event.ID, "the claim hands out the message with its event")
	require.NoError(t, s.CompleteOutbox(ctx, m.ID, m.Lease, t0))
	n, err := p.PurgeEvents(ctx, t0, 100)
	require.NoError(t, err)
	assert.Zero(t, n, "the delivered message is still there")
	n, err = p.PurgeOutbox(ctx, t0.Add(time.Microsecond), 100)
	require.NoError(t, err)
	require.Equal(t, 1, n)
	_, err = p.PurgeEvents(ctx, t0, 100)
	require.NoError(t, err)
	assert.Empty(t, userEvents(t, s, u.ID), "both gone once the message has")
}
