package mitid_test

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/go-mitid/mitid"
	"github.com/go-mitid/mitid/mitidtest"
)

// observed collects observations; safe for concurrent use.
type observed struct {
	mu  sync.Mutex
	obs []mitid.Observation
}

func (o *observed) Observe(x mitid.Observation) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.obs = append(o.obs, x)
}

func (o *observed) of(kind mitid.Outcome) []mitid.Observation {
	o.mu.Lock()
	defer o.mu.Unlock()
	var out []mitid.Observation
	for _, x := range o.obs {
		if x.Outcome == kind {
			out = append(out, x)
		}
	}
	return out
}

func TestDispatcher_NotifierIgnoringItsContextIsAbandonedAtTheTimeout(t *testing.T) {
	e := newEnv(t)
	e.anna(t)
	release := make(chan struct{})
	defer close(release)
	stuck := mitid.NotifierFunc(func(context.Context, mitid.Notification) error {
		<-release // ignores its context
		return nil
	})
	d := mitid.NewDispatcher(e.store, stuck, mitid.DispatcherConfig{Clock: e.clock, Timeout: 50 * time.Millisecond, Rand: seeded(7)})
	start := time.Now()
	res, err := d.RunOnce(e.ctx)
	require.NoError(t, err)
	assert.Less(t, time.Since(start), 2*time.Second, "two messages, 50 ms each")
	assert.Equal(t, mitid.RoundResult{Retried: 2}, res, "a timeout is transient")
	msgs, err := e.store.OutboxMessages(e.ctx, mitid.OutboxFilter{})
	require.NoError(t, err)
	for _, m := range msgs {
		assert.Contains(t, m.LastError, "did not return within 50ms")
		assert.False(t, m.Dead)
	}
}

func TestDispatcher_TimeoutIsAtMostHalfTheLease(t *testing.T) {
	e := newEnv(t)
	e.anna(t)
	var deadline time.Duration
	n := mitid.NotifierFunc(func(ctx context.Context, _ mitid.Notification) error {
		dl, ok := ctx.Deadline()
		require.True(t, ok, "every send has a deadline")
		deadline = time.Until(dl)
		return nil
	})
	d := mitid.NewDispatcher(e.store, n, mitid.DispatcherConfig{Clock: e.clock, Lease: 2 * time.Second, Timeout: time.Hour, Rand: seeded(8)})
	_, err := d.RunOnce(e.ctx)
	require.NoError(t, err)
	assert.LessOrEqual(t, deadline, time.Second, "the send ends before the lease could pass to another dispatcher")
}

func TestDispatcher_RetryAfterIsHonouredWithinMaxBackoff(t *testing.T) {
	e := newEnv(t)
	e.anna(t)
	until := tNow.Add(10 * time.Minute)
	n := mitid.NotifierFunc(func(_ context.Context, m mitid.Notification) error {
		if m.Delivery.Channel == mitid.ChannelEmail {
			return mitid.RetryAfter(nil, tNow.Add(48*time.Hour), "busy")
		}
		return mitid.RetryAfter(nil, until, "rate limited")
	})
	obs := &observed{}
	d := mitid.NewDispatcher(e.store, n, mitid.DispatcherConfig{Clock: e.clock, Backoff: time.Second, MaxBackoff: time.Hour, Rand: seeded(9), Observer: obs})
	res, err := d.RunOnce(e.ctx)
	require.NoError(t, err)
	assert.Equal(t, mitid.RoundResult{Retried: 2}, res)
	retried := obs.of(mitid.OutcomeRetried)
	require.Len(t, retried, 2)
	for _, o := range retried {
		switch o.Message.Delivery.Channel {
		case mitid.ChannelSMS:
			assert.Equal(t, until, o.RetryAt, "the gateway's Retry-After, not the 1 s back-off")
		case mitid.ChannelEmail:
			assert.Equal(t, tNow.Add(time.Hour), o.RetryAt, "never beyond MaxBackoff")
		}
	}
	e.clock.Advance(9 * time.Minute)
	res, err = d.RunOnce(e.ctx)
	require.NoError(t, err)
	assert.Zero(t, res, "nothing is due before the server's time")
}

func TestDispatcher_LogsAndObservesEveryOutcome(t *testing.T) {
	e := newEnv(t)
	e.anna(t)
	var buf bytes.Buffer
	logger := slog.New(slog.NewJSONHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug}))
	n := mitid.NotifierFunc(func(_ context.Context, m mitid.Notification) error {
		if m.Delivery.Channel == mitid.ChannelEmail {
			return mitid.Undeliverable(nil, "mailbox gone")
		}
		return nil
	})
	obs := &observed{}
	d := mitid.NewDispatcher(e.store, n, mitid.DispatcherConfig{Clock: e.clock, Rand: seeded(10), Logger: logger, Observer: obs})
	_, err := d.RunOnce(e.ctx)
	require.NoError(t, err)
	require.Len(t, obs.of(mitid.OutcomeSent), 1)
	parked := obs.of(mitid.OutcomeParked)
	require.Len(t, parked, 1)
	assert.Equal(t, mitid.CodeUndeliverable, mitid.ErrorCode(parked[0].Err))
	assert.True(t, parked[0].Message.Dead, "the observer sees the message as stored")
	assert.Contains(t, parked[0].Message.LastError, "mailbox gone")

	var records []map[string]any
	for _, line := range strings.Split(strings.TrimSpace(buf.String()), "\n") {
		var r map[string]any
		require.NoError(t, json.Unmarshal([]byte(line), &r))
		records = append(records, r)
	}
	require.Len(t, records, 2)
	byMsg := map[string]map[string]any{}
	for _, r := range records {
		byMsg[r["msg"].(string)] = r
	}
	p := byMsg["notification parked"]
	require.NotNil(t, p)
	assert.Equal(t, "ERROR", p["level"])
	assert.Equal(t, "email", p["channel"])
	assert.Equal(t, string(mitid.EventUserCreated), p["event_type"])
	assert.Contains(t, p["error"], "mailbox gone")
	assert.NotNil(t, byMsg["notification sent"])
}

func TestDispatcherRun_ReportsTheQueue(t *testing.T) {
	e := newEnv(t)
	e.anna(t)
	e.clock.Advance(5 * time.Minute)
	ctx, cancel := context.WithCancel(e.ctx)
	defer cancel()
	obs := &observed{}
	first := true
	n := mitid.NotifierFunc(func(context.Context, mitid.Notification) error {
		if first {
			first = false
			cancel() // one message sent: stop
		}
		return nil
	})
	d := mitid.NewDispatcher(e.store, n, mitid.DispatcherConfig{Clock: e.clock, Batch: 1, Rand: seeded(11), Observer: obs})
	require.ErrorIs(t, d.Run(ctx, time.Hour), context.Canceled)
	msgs, err := e.store.OutboxMessages(e.ctx, mitid.OutboxFilter{})
	require.NoError(t, err)
	assert.False(t, msgs[0].DeliveredAt.IsZero(), "a send finished while stopping is recorded, not repeated later")
	assert.True(t, msgs[1].DeliveredAt.IsZero())
	q := obs.of(mitid.OutcomeQueue)
	require.Len(t, q, 1, "reported once at the start; the next report is a minute away")
	assert.Equal(t, 2, q[0].Stats.Waiting)
	assert.Equal(t, 5*time.Minute, q[0].OldestAge(), "the oldest message waited since the event")
}

// An event may name a delivery that is none of the person's channels (the
// receipt address given with an order): it is sent there like
// any other, and if that address fails for good the person's own channels
// get the notice.
func TestDispatcher_ExplicitDeliveryBeyondTheUsersChannels(t *testing.T) {
	e := newEnv(t)
	u := e.anna(t)
	rec := &mitidtest.Recorder{}
	d := mitid.NewDispatcher(e.store, rec, mitid.DispatcherConfig{Clock: e.clock, Rand: seeded(12)})
	_, err := d.RunOnce(e.ctx) // the creation notices
	require.NoError(t, err)
	rec.Reset()

	receipt := mitid.Delivery{Channel: mitid.ChannelEmail, Address: "indkob@firma.example", Language: mitid.Danish}
	_, err = e.store.UpdateUser(e.ctx, u.ID, func(*mitid.User) ([]mitid.Event, error) {
		return []mitid.Event{{ID: uuid.New(), User: u.ID, Type: mitid.EventOrderPlaced, Order: "MO-1", At: tNow,
			Notify: []mitid.Delivery{receipt}}}, nil
	})
	require.NoError(t, err)
	res, err := d.RunOnce(e.ctx)
	require.NoError(t, err)
	assert.Equal(t, mitid.RoundResult{Delivered: 1}, res, "only the receipt address, not the person's channels")
	require.Len(t, rec.Sent(), 1)
	assert.Equal(t, receipt, rec.Sent()[0].Delivery)
	assert.Contains(t, rec.Sent()[0].Text, "MO-1")

	rec.Reset()
	rec.Fail = func(n mitid.Notification) error {
		if n.Delivery.Address == receipt.Address {
			return mitid.Undeliverable(nil, "no such mailbox")
		}
		return nil
	}
	_, err = e.store.UpdateUser(e.ctx, u.ID, func(*mitid.User) ([]mitid.Event, error) {
		return []mitid.Event{{ID: uuid.New(), User: u.ID, Type: mitid.EventOrderPlaced, Order: "MO-2", At: tNow,
			Notify: []mitid.Delivery{receipt}}}, nil
	})
	require.NoError(t, err)
	for range 2 {
		_, err = d.RunOnce(e.ctx)
		require.NoError(t, err)
	}
	require.Len(t, rec.Sent(), 2, "the receipt failed for good: the person's SMS and e-mail get it")
	for _, n := range rec.Sent() {
		assert.Contains(t, n.Text, "MO-2")
		assert.NotEqual(t, receipt.Address, n.Delivery.Address)
	}
}

// TestDispatcher_AFailureIsKeptAsTextTheOutboxCanHold: a notifier's error
// may quote a gateway's reply cut inside a character, or with NUL bytes;
// the outbox keeps it as valid UTF-8 without NUL, bounded, so that the
// failure is recorded (PostgreSQL refuses anything else) and the message
// retried in its turn rather than claimed first again at every round.
func TestDispatcher_AFailureIsKeptAsTextTheOutboxCanHold(t *testing.T) {
	e := newEnv(t)
	e.anna(t)
	reply := strings.Repeat("x", 511) + "æøå"
	n := mitid.NotifierFunc(func(context.Context, mitid.Notification) error {
		return mitid.NewError(mitid.CodeDeliveryFailed, nil, "gateway said %s\x00%s%s", reply[:512], strings.Repeat("y", 4000), "\xff")
	})
	d := mitid.NewDispatcher(e.store, n, mitid.DispatcherConfig{Clock: e.clock, Rand: seeded(11)})
	res, err := d.RunOnce(e.ctx)
	require.NoError(t, err)
	assert.Equal(t, mitid.RoundResult{Retried: 2}, res)
	msgs, err := e.store.OutboxMessages(e.ctx, mitid.OutboxFilter{})
	require.NoError(t, err)
	for _, m := range msgs {
		assert.True(t, utf8.ValidString(m.LastError), "valid UTF-8")
		assert.NotContains(t, m.LastError, "\x00")
		assert.LessOrEqual(t, len(m.LastError), 2048)
		assert.Contains(t, m.LastError, "gateway said xxx")
	}
}
