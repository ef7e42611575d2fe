package storetest

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/go-mitid/mitid"
	"github.com/go-mitid/mitid/mitidtest/fake"
)

// The Dispatcher on this store: what an operator relies on when
// dispatchers crash, channels fail and several run at once.
var dispatcherTests = []suiteTest{
	{"Dispatcher/KilledAfterClaimingAnotherDeliversAfterTheLease", testDispatcherCrash},
	{"Dispatcher/OneChannelFailsForGoodTheOtherDelivers", testDispatcherOtherChannel},
	{"Dispatcher/EveryChannelFailsRerouteThenRecord", testDispatcherReroute},
	{"Dispatcher/ConcurrentDispatchersDeliverEachOnce", testDispatcherConcurrent},
	{"Dispatcher/LastTwoChannelsFailingAtOnceRecordOneFailure", testDispatcherFailureRecordedOnce},
	{"Outbox/Stats", testOutboxStats},
}

// sink is a Notifier that records deliveries per outbox message and fails
// as told; it is safe for concurrent use.
type sink struct {
	mu    sync.Mutex
	sent  map[int64]int
	notes []mitid.Notification
	fail  func(n mitid.Notification) error
}

func (s *sink) Notify(_ context.Context, n mitid.Notification) error {
	if s.fail != nil {
		if err := s.fail(n); err != nil {
			return err
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.sent == nil {
		s.sent = map[int64]int{}
	}
	s.sent[n.ID]++
	s.notes = append(s.notes, n)
	return nil
}

// recordingObserver keeps every observation.
type recordingObserver struct {
	mu  sync.Mutex
	obs []mitid.Observation
}

func (r *recordingObserver) Observe(o mitid.Observation) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if o.Message != nil {
		m := *o.Message
		o.Message = &m
	}
	r.obs = append(r.obs, o)
}

// outcomes lists what happened to messages: the end of each round is left
// out, as these tests are about the messages.
func (r *recordingObserver) outcomes() []mitid.Outcome {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []mitid.Outcome
	for _, o := range r.obs {
		if o.Outcome != mitid.OutcomeRound {
			out = append(out, o.Outcome)
		}
	}
	return out
}

// userWithEvent creates a user with channels chs and one event notifying
// them all.
func userWithEvent(t *testing.T, s mitid.Store, chs ...mitid.Channel) (*mitid.User, mitid.Event) {
	t.Helper()
	u := newUser(t, uniqueName("disp"))
	u.Channels = chs
	var notify []mitid.Delivery
	for _, c := range chs {
		d := mitid.Delivery{Channel: c, Address: u.Phone, Language: u.Language}
		if c == mitid.ChannelEmail {
			d.Address = u.Email
		}
		notify = append(notify, d)
	}
	ev := event(u, mitid.EventUserBlocked, notify...)
	require.NoError(t, s.CreateUser(context.Background(), u, []mitid.Event{ev}))
	return u, ev
}

func dispatcher(s mitid.Store, c *fake.Clock, n mitid.Notifier, obs mitid.Observer) *mitid.Dispatcher {
	return mitid.NewDispatcher(s, n, mitid.DispatcherConfig{Clock: c, Lease: time.Minute, Backoff: time.Second,
		MaxAttempts: 3, Rand: seededRand(11), Observer: obs})
}

func testDispatcherCrash(t *testing.T, s mitid.Store) {
	ctx := context.Background()
	userWithEvent(t, s, mitid.ChannelSMS, mitid.ChannelEmail)
	c := fake.NewClock(t0)

	// Dispatcher A claims both messages and is killed while sending the
	// first: its context ends, it completes nothing.
	killed := make(chan struct{})
	actx, kill := context.WithCancel(ctx)
	a := dispatcher(s, c, mitid.NotifierFunc(func(ctx context.Context, _ mitid.Notification) error {
		close(killed)
		<-ctx.Done()
		return ctx.Err()
	}), nil)
	go func() { <-killed; kill() }()
	res, err := a.RunOnce(actx)
	require.ErrorIs(t, err, context.Canceled)
	assert.Zero(t, res)

	b := &sink{}
	db := dispatcher(s, c, b, nil)
	c.Set(t0.Add(59 * time.Second))
	res, err = db.RunOnce(ctx)
	require.NoError(t, err)
	assert.Zero(t, res, "A's lease still holds")

	c.Set(t0.Add(time.Minute))
	res, err = db.RunOnce(ctx)
	require.NoError(t, err)
	assert.Equal(t, mitid.RoundResult{Delivered: 2}, res, "the lease ran out: B delivers both")
	msgs, err := s.OutboxMessages(ctx, mitid.OutboxFilter{})
	require.NoError(t, err)
	require.Len(t, msgs, 2, "nothing lost")
	for _, m := range msgs {
		assert.False(t, m.DeliveredAt.IsZero())
		assert.Equal(t, 2, m.Attempts, "A's claim counted as an attempt")
		assert.Equal(t, 1, b.sent[m.ID])
	}
}

func testDispatcherOtherChannel(t *testing.T, s mitid.Store) {
	ctx := context.Background()
	u, ev := userWithEvent(t, s, mitid.ChannelSMS, mitid.ChannelEmail)
	c := fake.NewClock(t0)
	n := &sink{fail: func(n mitid.Notification) error {
		if n.Delivery.Channel == mitid.ChannelSMS {
			return mitid.Undeliverable(nil, "the gateway does not know %s", n.Delivery.Address)
		}
		return nil
	}}
	obs := &recordingObserver{}
	res, err := dispatcher(s, c, n, obs).RunOnce(ctx)
	require.NoError(t, err)
	assert.Equal(t, mitid.RoundResult{Delivered: 1, Parked: 1}, res)
	require.Len(t, n.notes, 1)
	assert.Equal(t, mitid.ChannelEmail, n.notes[0].Delivery.Channel, "the e-mail reached the person")
	assert.Equal(t, ev.ID, n.notes[0].Event.ID)
	assert.ElementsMatch(t, []mitid.Outcome{mitid.OutcomeParked, mitid.OutcomeSent}, obs.outcomes())
	evs := userEvents(t, s, u.ID)
	for _, e := range evs {
		assert.NotEqual(t, mitid.EventNotificationFailed, e.Type, "the person was reached")
		assert.NotEqual(t, mitid.EventNotificationRerouted, e.Type, "the person was reached")
	}
}

func testDispatcherReroute(t *testing.T, s mitid.Store) {
	ctx := context.Background()
	// Anna chose SMS only; her e-mail address is on file.
	u, ev := userWithEvent(t, s, mitid.ChannelSMS)
	c := fake.NewClock(t0)
	var emailFails atomic.Bool
	n := &sink{fail: func(n mitid.Notification) error {
		if n.Delivery.Channel == mitid.ChannelSMS || emailFails.Load() {
			return mitid.Undeliverable(nil, "no such recipient")
		}
		return nil
	}}
	obs := &recordingObserver{}
	d := dispatcher(s, c, n, obs)
	res, err := d.RunOnce(ctx)
	require.NoError(t, err)
	assert.Equal(t, mitid.RoundResult{Parked: 1}, res)
	evs := userEvents(t, s, u.ID)
	re := evs[len(evs)-1]
	require.Equal(t, mitid.EventNotificationRerouted, re.Type)
	assert.Equal(t, ev.ID.String(), re.Detail["event"])
	assert.Equal(t, "sms", re.Detail["channels"])
	assert.Contains(t, re.Detail["reason"], "no such recipient")
	require.Equal(t, []mitid.Delivery{{Channel: mitid.ChannelEmail, Address: u.Email, Language: u.Language}}, re.Notify,
		"the notice goes to the channel not yet tried")

	res, err = d.RunOnce(ctx)
	require.NoError(t, err)
	assert.Equal(t, mitid.RoundResult{Delivered: 1}, res)
	require.Len(t, n.notes, 1)
	assert.Contains(t, n.notes[0].Text, "Dit MitID er midlertidigt spærret.", "the original notice")
	assert.Contains(t, n.notes[0].Text, "via SMS", "and which channel failed")
	assert.Equal(t, []mitid.Outcome{mitid.OutcomeParked, mitid.OutcomeRerouted, mitid.OutcomeSent}, obs.outcomes())

	// Bo has both channels, and both fail: the reroute has nowhere to go
	// but nothing on file either; then the failure is recorded.
	bo, boEv := userWithEvent(t, s, mitid.ChannelSMS, mitid.ChannelEmail)
	emailFails.Store(true)
	obs.obs = nil
	res, err = d.RunOnce(ctx)
	require.NoError(t, err)
	assert.Equal(t, mitid.RoundResult{Parked: 2}, res)
	failed, err := s.Events(ctx, mitid.EventFilter{User: bo.ID, Types: []mitid.EventType{mitid.EventNotificationFailed}})
	require.NoError(t, err)
	require.Len(t, failed, 1, "recorded once, in the person's log, for the integrator")
	assert.Equal(t, boEv.ID.String(), failed[0].Detail["event"])
	assert.Equal(t, string(mitid.EventUserBlocked), failed[0].Detail["event_type"])
	assert.Empty(t, failed[0].Notify)
	assert.Equal(t, []mitid.Outcome{mitid.OutcomeParked, mitid.OutcomeParked, mitid.OutcomeUnreached}, obs.outcomes())
	msgs, err := s.OutboxMessages(ctx, mitid.OutboxFilter{User: bo.ID})
	require.NoError(t, err)
	require.Len(t, msgs, 2, "nothing dropped")
	for _, m := range msgs {
		assert.True(t, m.Dead)
	}

	// A rerouted notice that fails too ends as a recorded failure.
	cy, _ := userWithEvent(t, s, mitid.ChannelSMS)
	emailFails.Store(true)
	for range 2 {
		_, err = d.RunOnce(ctx)
		require.NoError(t, err)
	}
	failed, err = s.Events(ctx, mitid.EventFilter{User: cy.ID, Types: []mitid.EventType{mitid.EventNotificationFailed}})
	require.NoError(t, err)
	require.Len(t, failed, 1)
	assert.Equal(t, "sms,email", failed[0].Detail["channels"], "every channel tried")
	assert.Equal(t, string(mitid.EventUserBlocked), failed[0].Detail["event_type"], "names the original notice")
}

func testDispatcherConcurrent(t *testing.T, s mitid.Store) {
	ctx := context.Background()
	const users = 20
	for range users {
		userWithEvent(t, s, mitid.ChannelSMS, mitid.ChannelEmail)
	}
	c := fake.NewClock(t0)
	n := &sink{}
	var delivered atomic.Int64
	parallel(8, func(i int) {
		// Half of them send four messages of a batch at once.
		d := mitid.NewDispatcher(s, n, mitid.DispatcherConfig{Clock: c, Lease: time.Hour, Batch: 5, Concurrency: 1 + 3*(i%2), Rand: seededRand(12)})
		for {
			res, err := d.RunOnce(ctx)
			if !assert.NoError(t, err) || res.Delivered == 0 {
				return
			}
			delivered.Add(int64(res.Delivered))
		}
	})
	assert.Equal(t, int64(2*users), delivered.Load())
	require.Len(t, n.sent, 2*users)
	for id, k := range n.sent {
		assert.Equal(t, 1, k, "message %d", id)
	}
}

func testOutboxStats(t *testing.T, s mitid.Store) {
	ctx := context.Background()
	st, err := s.OutboxStats(ctx)
	require.NoError(t, err)
	assert.Equal(t, mitid.OutboxStats{}, st, "an empty outbox")

	userWithEvent(t, s, mitid.ChannelSMS, mitid.ChannelEmail)
	u := newUser(t, uniqueName("later"))
	later := event(u, mitid.EventUserBlocked, mitid.Delivery{Channel: mitid.ChannelSMS, Address: u.Phone})
	later.At = t0.Add(time.Hour)
	require.NoError(t, s.CreateUser(ctx, u, []mitid.Event{later}))
	st, err = s.OutboxStats(ctx)
	require.NoError(t, err)
	assert.Equal(t, 3, st.Waiting)
	assert.True(t, t0.Equal(st.Oldest), "the oldest waiting message's event time, got %s", st.Oldest)

	msgs, err := s.ClaimOutbox(ctx, t0.Add(time.Hour), time.Minute, 2)
	require.NoError(t, err)
	require.Len(t, msgs, 2)
	require.NoError(t, s.CompleteOutbox(ctx, msgs[0].ID, msgs[0].Lease, t0))
	require.NoError(t, s.RetryOutbox(ctx, msgs[1].ID, msgs[1].Lease, t0, "gone", true))
	st, err = s.OutboxStats(ctx)
	require.NoError(t, err)
	assert.Equal(t, mitid.OutboxStats{Waiting: 1, Parked: 1, Oldest: later.At}, st)

	cctx, cancel := context.WithCancel(ctx)
	cancel()
	_, err = s.OutboxStats(cctx)
	assert.True(t, errors.Is(err, context.Canceled) || errors.Is(err, mitid.ErrUnavailable))
}

// Two dispatchers park the last two deliveries of one event at the same
// moment: each sees the other's parked, and both record the failure; it is
// in the log once.
func testDispatcherFailureRecordedOnce(t *testing.T, s mitid.Store) {
	ctx := context.Background()
	u, _ := userWithEvent(t, s, mitid.ChannelSMS, mitid.ChannelEmail)
	c := fake.NewClock(t0)
	n := &sink{fail: func(mitid.Notification) error { return mitid.Undeliverable(nil, "refused") }}
	var parked sync.WaitGroup
	parked.Add(2)
	// Each dispatcher waits, once it has parked its message, until the
	// other has parked too; only then do both look for a channel left.
	barrier := mitid.ObserverFunc(func(o mitid.Observation) {
		if o.Outcome == mitid.OutcomeParked {
			parked.Done()
			parked.Wait()
		}
	})
	parallel(2, func(i int) {
		d := mitid.NewDispatcher(s, n, mitid.DispatcherConfig{Clock: c, Batch: 1, Rand: seededRand(byte(20 + i)), Observer: barrier})
		_, err := d.RunOnce(ctx)
		assert.NoError(t, err)
	})
	failed, err := s.Events(ctx, mitid.EventFilter{User: u.ID, Types: []mitid.EventType{mitid.EventNotificationFailed}})
	require.NoError(t, err)
	assert.Len(t, failed, 1, "one failure, however many dispatchers saw it")
}
