package mitid_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/go-mitid/mitid"
	"github.com/go-mitid/mitid/mitidtest"
)

func TestDispatcher_DeliversInTheUsersLanguage(t *testing.T) {
	e := newEnv(t)
	u := e.anna(t)
	_, _, err := e.svc.ChangeUserID(e.ctx, u.ID, "anna-ny")
	require.NoError(t, err)
	rec := &mitidtest.Recorder{}
	d := mitid.NewDispatcher(e.store, rec, mitid.DispatcherConfig{Clock: e.clock, Rand: seeded(3)})
	res, err := d.RunOnce(e.ctx)
	require.NoError(t, err)
	assert.Equal(t, mitid.RoundResult{Delivered: 4}, res, "two events, two channels each")
	require.Len(t, rec.Sent(), 4)
	var changed *mitid.Notification
	for i := range rec.Sent() {
		if rec.Sent()[i].Event.Type == mitid.EventUserIDChanged && rec.Sent()[i].Delivery.Channel == mitid.ChannelSMS {
			changed = &rec.Sent()[i]
		}
	}
	require.NotNil(t, changed)
	assert.Equal(t, "+4512345678", changed.Delivery.Address)
	assert.Contains(t, changed.Text, "Dit bruger-ID er ændret til anna-ny")
	assert.Contains(t, changed.Text, "Var det ikke dig", "every notice says what to do if it was not you")

	res, err = d.RunOnce(e.ctx)
	require.NoError(t, err)
	assert.Zero(t, res, "nothing is sent twice")
}

func TestDispatcher_RetriesWithBackoffThenParks(t *testing.T) {
	e := newEnv(t)
	e.anna(t)
	calls := 0
	rec := &mitidtest.Recorder{Fail: func(n mitid.Notification) error {
		if n.Delivery.Channel == mitid.ChannelEmail {
			return fmt.Errorf("address rejected: %w", mitid.ErrInvalid) // permanent
		}
		calls++
		if calls <= 2 {
			return errors.New("gateway timeout") // transient
		}
		return nil
	}}
	d := mitid.NewDispatcher(e.store, rec, mitid.DispatcherConfig{Clock: e.clock, Backoff: time.Second, MaxAttempts: 5, Rand: seeded(4)})
	res, err := d.RunOnce(e.ctx)
	require.NoError(t, err)
	assert.Equal(t, mitid.RoundResult{Retried: 1, Parked: 1}, res)

	res, err = d.RunOnce(e.ctx)
	require.NoError(t, err)
	assert.Zero(t, res, "the retry waits for its back-off")
	e.clock.Advance(2 * time.Second) // first back-off is 1 s ± 25%
	res, err = d.RunOnce(e.ctx)
	require.NoError(t, err)
	assert.Equal(t, mitid.RoundResult{Retried: 1}, res)
	e.clock.Advance(1500 * time.Millisecond)
	res, err = d.RunOnce(e.ctx)
	require.NoError(t, err)
	assert.Zero(t, res, "the second back-off is longer (2 s ± 25%)")
	e.clock.Advance(time.Second)
	res, err = d.RunOnce(e.ctx)
	require.NoError(t, err)
	assert.Equal(t, mitid.RoundResult{Delivered: 1}, res)

	msgs, err := e.store.OutboxMessages(e.ctx, mitid.OutboxFilter{})
	require.NoError(t, err)
	require.Len(t, msgs, 2)
	for _, m := range msgs {
		switch m.Delivery.Channel {
		case mitid.ChannelSMS:
			assert.False(t, m.DeliveredAt.IsZero())
			assert.Equal(t, 3, m.Attempts)
		case mitid.ChannelEmail:
			assert.True(t, m.Dead, "a permanent failure is parked, not dropped")
			assert.Contains(t, m.LastError, "address rejected")
		}
	}
}

func TestDispatcher_ParksAfterMaxAttempts(t *testing.T) {
	e := newEnv(t)
	e.anna(t)
	rec := &mitidtest.Recorder{Fail: func(mitid.Notification) error { return errors.New("down") }}
	d := mitid.NewDispatcher(e.store, rec, mitid.DispatcherConfig{Clock: e.clock, Backoff: time.Second, MaxBackoff: time.Second, MaxAttempts: 3, Rand: seeded(5)})
	for i := 0; i < 3; i++ {
		_, err := d.RunOnce(e.ctx)
		require.NoError(t, err)
		e.clock.Advance(2 * time.Second)
	}
	msgs, err := e.store.OutboxMessages(e.ctx, mitid.OutboxFilter{})
	require.NoError(t, err)
	for _, m := range msgs {
		assert.True(t, m.Dead)
		assert.Equal(t, 3, m.Attempts)
	}
}

func TestRender_EnglishAndEveryEventType(t *testing.T) {
	for _, typ := range []mitid.EventType{mitid.EventUserCreated, mitid.EventUserIDChanged, mitid.EventUserBlocked,
		mitid.EventUserUnblocked, mitid.EventContactChanged, mitid.EventOrderPlaced, mitid.EventAuthenticatorUsed, mitid.EventAuthenticatorState} {
		for _, lang := range []mitid.Language{mitid.Danish, mitid.English} {
			subject, text := mitid.Render(&mitid.Event{Type: typ, Kind: mitid.KindChip, To: mitid.StateBlocked}, lang)
			assert.NotEmpty(t, subject)
			assert.NotEmpty(t, text, "%s in %s", typ, lang)
		}
	}
	_, text := mitid.Render(&mitid.Event{Type: mitid.EventAuthenticatorState, Kind: mitid.KindChip, To: mitid.StateBlocked}, mitid.English)
	assert.Equal(t, "Your MitID chip has been blocked. If this was not you, block your MitID at MitID.dk or call MitID support.", text)
}

func TestRender_DanishNamesTheKindInDanish(t *testing.T) {
	_, text := mitid.Render(&mitid.Event{Type: mitid.EventAuthenticatorState, Kind: mitid.KindCodeDisplay, To: mitid.StateActive}, mitid.Danish)
	assert.Contains(t, text, "Din kodeviser er aktiveret.")
	_, text = mitid.Render(&mitid.Event{Type: mitid.EventAuthenticatorState, Kind: mitid.KindAudioReader, To: mitid.StateSuspended}, mitid.Danish)
	assert.Contains(t, text, "Din kodeoplæser er midlertidigt spærret.")
}

func TestDispatcherRun_DeliversUntilCancelled(t *testing.T) {
	e := newEnv(t)
	u := e.anna(t)
	_, _, err := e.svc.ChangeUserID(e.ctx, u.ID, "anna-run")
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(e.ctx)
	defer cancel()
	rec := &mitidtest.Recorder{}
	n := mitid.NotifierFunc(func(ctx context.Context, m mitid.Notification) error {
		err := rec.Notify(ctx, m)
		if len(rec.Sent()) == 4 {
			cancel() // everything is in: let Run see its context end
		}
		return err
	})
	d := mitid.NewDispatcher(e.store, n, mitid.DispatcherConfig{Clock: e.clock, Rand: seeded(6)})
	err = d.Run(ctx, time.Hour) // an hour: Run must not need its ticker while work is waiting
	require.ErrorIs(t, err, context.Canceled)
	assert.Len(t, rec.Sent(), 4, "both events, both channels, each once")
}

// failingOutbox fails every claim with err.
type failingOutbox struct {
	mitid.Outbox
	err   error
	calls int
	stop  func()
}

func (f *failingOutbox) ClaimOutbox(context.Context, time.Time, time.Duration, int) ([]mitid.OutboxMessage, error) {
	f.calls++
	if f.calls == 3 && f.stop != nil {
		f.stop()
	}
	return nil, f.err
}

func TestDispatcherRun_StopsOnAFaultButRidesOutAnUnavailableStore(t *testing.T) {
	e := newEnv(t)
	fault := errors.New("outbox table missing")
	d := mitid.NewDispatcher(&failingOutbox{err: fault}, &mitidtest.Recorder{}, mitid.DispatcherConfig{Clock: e.clock})
	require.ErrorIs(t, d.Run(e.ctx, time.Millisecond), fault, "a fault that retrying cannot mend stops Run")

	ctx, cancel := context.WithCancel(e.ctx)
	down := &failingOutbox{err: mitid.Unavailable(errors.New("connection refused")), stop: cancel}
	d = mitid.NewDispatcher(down, &mitidtest.Recorder{}, mitid.DispatcherConfig{Clock: e.clock})
	require.ErrorIs(t, d.Run(ctx, time.Millisecond), context.Canceled, "an unavailable store is waited out")
	assert.GreaterOrEqual(t, down.calls, 3, "and asked again")
}

func TestByChannel_RoutesAndRefusesAnUnservedChannel(t *testing.T) {
	sms, email := &mitidtest.Recorder{}, &mitidtest.Recorder{}
	b := mitid.ByChannel{mitid.ChannelSMS: sms, mitid.ChannelEmail: email}
	ctx := context.Background()
	require.NoError(t, b.Notify(ctx, mitid.Notification{ID: 1, Delivery: mitid.Delivery{Channel: mitid.ChannelSMS}}))
	require.NoError(t, b.Notify(ctx, mitid.Notification{ID: 2, Delivery: mitid.Delivery{Channel: mitid.ChannelEmail}}))
	err := b.Notify(ctx, mitid.Notification{ID: 3, Delivery: mitid.Delivery{Channel: mitid.ChannelApp}})
	assert.Equal(t, mitid.CodeUndeliverable, mitid.ErrorCode(err))
	assert.ErrorIs(t, err, mitid.ErrInvalid, "parked at once")
	require.Len(t, sms.Sent(), 1)
	require.Len(t, email.Sent(), 1)
	assert.EqualValues(t, 1, sms.Sent()[0].ID)
	assert.EqualValues(t, 2, email.Sent()[0].ID)
}

func TestRender_ReroutedNoticeRepeatsTheNoticeAndNamesTheFailedChannels(t *testing.T) {
	e := &mitid.Event{Type: mitid.EventNotificationRerouted, Detail: map[string]string{
		"channels": "sms,app", "text": "Dit MitID er midlertidigt spærret."}}
	_, text := mitid.Render(e, mitid.Danish)
	assert.Equal(t, "Dit MitID er midlertidigt spærret. Vi kunne ikke give dig besked via SMS og MitID-appen; tjek dine kontaktoplysninger på MitID.dk.", text)
	e.Detail["text"] = "Your MitID is temporarily blocked."
	_, text = mitid.Render(e, mitid.English)
	assert.Equal(t, "Your MitID is temporarily blocked. We could not reach you by SMS and the MitID app; check your contact details at MitID.dk.", text)
}
