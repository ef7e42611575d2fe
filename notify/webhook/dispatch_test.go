package webhook_test

import (
	"context"
	"crypto/rand"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/go-mitid/mitid"
	"github.com/go-mitid/mitid/mitidtest/fake"
	"github.com/go-mitid/mitid/store/memory"
)

// queued returns a memory store holding one user and one event to be sent
// by SMS to phone.
func queued(t *testing.T, phone string) *memory.Store {
	s := memory.New()
	u := &mitid.User{ID: uuid.New(), UserID: "sms-" + rand.Text()[:8], Phone: "+4512345678", Language: mitid.Danish,
		Channels: []mitid.Channel{mitid.ChannelSMS}, Status: mitid.UserActive, CreatedAt: t0}
	ev := mitid.Event{ID: uuid.New(), User: u.ID, Type: mitid.EventUserBlocked, At: t0, Actor: "test",
		Notify: []mitid.Delivery{{Channel: mitid.ChannelSMS, Address: phone, Language: mitid.Danish}}}
	require.NoError(t, s.CreateUser(context.Background(), u, []mitid.Event{ev}))
	return s
}

// A gateway answering 500 is retried with growing back-off until it takes
// the message; every attempt carries the same idempotency key.
func TestDispatcher_GatewayAnswering500IsRetriedWithBackoff(t *testing.T) {
	g := newGateway(t, answer{status: 500}, answer{status: 502}, answer{status: 200})
	s := queued(t, "+4512345678")
	c := fake.NewClock(t0)
	n := newNotifier(t, g.srv.URL, mitid.ChannelSMS)
	d := mitid.NewDispatcher(s, n, mitid.DispatcherConfig{Clock: c, Backoff: time.Second, MaxAttempts: 5, Rand: rand.Reader})
	ctx := context.Background()

	res, err := d.RunOnce(ctx)
	require.NoError(t, err)
	assert.Equal(t, mitid.RoundResult{Retried: 1}, res, "500: transient")
	c.Advance(1250 * time.Millisecond) // first back-off: 1 s ± 25%
	res, err = d.RunOnce(ctx)
	require.NoError(t, err)
	assert.Equal(t, mitid.RoundResult{Retried: 1}, res, "502: transient")
	c.Advance(1400 * time.Millisecond)
	res, err = d.RunOnce(ctx)
	require.NoError(t, err)
	assert.Zero(t, res, "the second back-off is longer (2 s ± 25%)")
	c.Advance(1200 * time.Millisecond)
	res, err = d.RunOnce(ctx)
	require.NoError(t, err)
	assert.Equal(t, mitid.RoundResult{Delivered: 1}, res)

	msgs, err := s.OutboxMessages(ctx, mitid.OutboxFilter{})
	require.NoError(t, err)
	require.Len(t, msgs, 1, "nothing dropped")
	assert.Equal(t, 3, msgs[0].Attempts)
	assert.False(t, msgs[0].DeliveredAt.IsZero())
	require.Len(t, g.keys, 3)
	assert.Equal(t, g.keys[0], g.keys[2], "one idempotency key for every attempt")
}

// A malformed number is parked at once, with the reason, without a request.
func TestDispatcher_MalformedNumberIsParkedAtOnce(t *testing.T) {
	g := newGateway(t)
	s := queued(t, "12-34")
	c := fake.NewClock(t0)
	d := mitid.NewDispatcher(s, newNotifier(t, g.srv.URL, mitid.ChannelSMS), mitid.DispatcherConfig{Clock: c, Rand: rand.Reader})
	res, err := d.RunOnce(context.Background())
	require.NoError(t, err)
	assert.Equal(t, 1, res.Parked)
	msgs, err := s.OutboxMessages(context.Background(), mitid.OutboxFilter{})
	require.NoError(t, err)
	assert.True(t, msgs[0].Dead)
	assert.Equal(t, 1, msgs[0].Attempts, "at once, not after ten tries")
	assert.Contains(t, msgs[0].LastError, `the phone number "12-34" is not in E.164 form`)
	assert.Zero(t, g.requests())
}
