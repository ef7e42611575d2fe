package mitid_test

import (
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/go-mitid/mitid"
	"github.com/go-mitid/mitid/chip"
	"github.com/go-mitid/mitid/mitidtest"
	"github.com/go-mitid/mitid/mitidtest/fake"
	"github.com/go-mitid/mitid/store/memory"
)

// newRetentionEnv is newLoginEnv with a Retention.
func newRetentionEnv(t *testing.T, st mitid.Store, r mitid.Retention) *loginEnv {
	t.Helper()
	keys, err := mitid.NewRandomKeyRing(seeded(1))
	require.NoError(t, err)
	clock := fake.NewClock(tNow)
	cv, err := chip.New(chip.Config{RPID: "mitid.example", RPName: "MitID", Origins: []string{origin}, Now: clock.Now, Rand: seeded(9)})
	require.NoError(t, err)
	svc, err := mitid.New(mitid.Config{Store: st, Keys: keys, Clock: clock, Rand: seeded(2), Policy: mitidtest.CheapPolicy(), Chip: cv,
		Notifier: &mitidtest.Recorder{}, Retention: r})
	require.NoError(t, err)
	e := &env{svc: svc, clock: clock, ctx: t.Context()}
	if m, ok := st.(*memory.Store); ok {
		e.store = m
	}
	return &loginEnv{env: e}
}

// deliverAll sends every due notification, so that only the activity log
// holds history.
func deliverAll(t *testing.T, e *loginEnv) {
	t.Helper()
	d := e.svc.Dispatcher(mitid.DispatcherConfig{Batch: 1000})
	for {
		res, err := d.RunOnce(e.ctx)
		require.NoError(t, err)
		if res == (mitid.RoundResult{}) {
			return
		}
	}
}

func TestRetention_ValidateRefusesWhatTheRulesCannotLiveWith(t *testing.T) {
	p := mitid.DefaultPolicy()
	floor := p.MinEventRetention()
	require.Equal(t, 24*time.Hour+mitid.DueLookback, floor, "RunDue reads back the 24-hour wait and its lookback")
	longWait := p
	longWait.PasswordChangeWait = 72 * time.Hour
	require.Equal(t, 72*time.Hour+mitid.DueLookback, longWait.MinEventRetention(), "the longest wait counts")

	const year = 365 * 24 * time.Hour
	for _, tc := range []struct {
		name   string
		policy mitid.Policy
		r      mitid.Retention
		field  string // "" when accepted
	}{
		{"NothingPurgedIsFine", p, mitid.Retention{}, ""},
		{"OnlyTheOutboxIsFine", p, mitid.Retention{Outbox: time.Hour}, ""},
		{"EventsAtTheFloor", p, mitid.Retention{Events: floor, Outbox: time.Hour}, ""},
		{"EventsAYear", p, mitid.Retention{Events: year, Outbox: 30 * 24 * time.Hour, Batch: 500}, ""},
		{"EventsBelowTheFloorOfRunDue", p, mitid.Retention{Events: floor - time.Second, Outbox: time.Hour}, "Retention.Events"},
		{"EventsBelowTheFloorOfALongerWait", longWait, mitid.Retention{Events: floor, Outbox: time.Hour}, "Retention.Events"},
		{"NegativeEvents", p, mitid.Retention{Events: -time.Hour}, "Retention.Events"},
		{"NegativeOutbox", p, mitid.Retention{Outbox: -time.Hour}, "Retention.Outbox"},
		{"NegativeBatch", p, mitid.Retention{Batch: -1}, "Retention.Batch"},
		{"OutboxKeptForGoodHoldsTheLog", p, mitid.Retention{Events: year}, "Retention.Outbox"},
		{"OutboxLongerThanEvents", p, mitid.Retention{Events: year, Outbox: year + time.Hour}, "Retention.Outbox"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.r.Validate(tc.policy)
			if tc.field == "" {
				require.NoError(t, err)
				return
			}
			require.Error(t, err)
			assert.Equal(t, mitid.CodeConfigInvalid, mitid.ErrorCode(err))
			var me *mitid.Error
			require.ErrorAs(t, err, &me)
			assert.Equal(t, tc.field, me.Field)
			assert.Contains(t, err.Error(), tc.field, "the message names the field")

			keys, kerr := mitid.NewRandomKeyRing(seeded(1))
			require.NoError(t, kerr)
			_, err = mitid.New(mitid.Config{Store: memory.New(), Keys: keys, Policy: &tc.policy, Retention: tc.r})
			assert.Equal(t, mitid.CodeConfigInvalid, mitid.ErrorCode(err), "New refuses it too")
		})
	}
}

// A runner that was down for almost the lookback still grants an access
// whose wait ended, after a purge at the shortest retention the policy
// allows; a purge one hour shorter than that would lose it, which is why
// Validate refuses one.
func TestRetention_RunDueGrantsAccessAfterAPurgeAtTheFloor(t *testing.T) {
	floor := mitidtest.CheapPolicy().MinEventRetention()
	for _, tc := range []struct {
		name     string
		purge    func(e *loginEnv)
		expected int
	}{
		{"AtTheFloor", func(e *loginEnv) {
			got, err := e.svc.Purge(e.ctx)
			require.NoError(t, err)
			assert.Positive(t, got.Events, "the enrolment's events went")
			assert.Positive(t, got.Outbox)
		}, 1},
		{"AnHourShorterLosesIt", func(e *loginEnv) {
			now := e.clock.Now()
			_, err := e.store.PurgeOutbox(e.ctx, now.Add(-time.Hour), 1000)
			require.NoError(t, err)
			_, err = e.store.PurgeEvents(e.ctx, now.Add(-floor+time.Hour), 1000)
			require.NoError(t, err)
		}, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newRetentionEnv(t, checkedStore(t), mitid.Retention{Events: floor, Outbox: time.Hour})
			e.enrol(t, "tidligere", mitid.LevelSubstantial, mitid.KindApp) // history a purge may take
			e.clock.Advance(2 * time.Hour)
			h := e.enrol(t, "glemsom", mitid.LevelSubstantial, mitid.KindApp)
			_, _, err := e.svc.RequestAccess(e.ctx, h.user.ID, mitid.KindChip, "")
			require.NoError(t, err)
			deliverAll(t, e)
			e.clock.Advance(24*time.Hour + mitid.DueLookback - time.Minute)
			tc.purge(e)
			n, err := e.svc.RunDue(e.ctx)
			require.NoError(t, err)
			assert.Equal(t, tc.expected, n)
		})
	}
}

// The rules that count history over a window (here: at most 3 witness
// acts in 120 days) count on the person's record, so a purge of the whole
// log changes nothing they decide.
func TestRetention_WitnessLimitHoldsAfterTheLogIsPurged(t *testing.T) {
	st := checkedStore(t)
	e := newOrderEnv(t, st)
	t0 := time.Date(2026, 1, 5, 9, 0, 0, 0, time.UTC)
	e.clock.Set(t0.Add(-40 * 24 * time.Hour))
	w := e.withApp(t, "glemt.vidne", "010170-2222")
	person := e.enrol(t, "vidnet", mitid.LevelSubstantial)
	act := func(at time.Time) error {
		e.clock.Set(at)
		p, err := e.svc.StartProofing(e.ctx, "Operator Olsen", person.user.CPR.Digits(), passportDK)
		require.NoError(t, err)
		_, err = e.svc.ConfirmWitness(e.ctx, p.ID, mitid.WitnessEvidence{CPR: w.user.CPR.Digits(), PictureID: passportDK, Login: e.witnessLogin(t, w, p.WitnessText)})
		return err
	}
	const d = 24 * time.Hour
	for _, at := range []time.Duration{0, 10 * d, 20 * d} {
		require.NoError(t, act(t0.Add(at)))
	}
	e.clock.Set(t0.Add(119 * d))
	deliverAll(t, e.loginEnv)
	far := e.clock.Now().Add(time.Hour)
	_, err := st.PurgeOutbox(e.ctx, far, 1<<20)
	require.NoError(t, err)
	_, err = st.PurgeEvents(e.ctx, far, 1<<20)
	require.NoError(t, err)
	log, err := e.svc.ActivityLog(e.ctx, w.user.ID, mitid.EventFilter{})
	require.NoError(t, err)
	require.Empty(t, log, "the witness's whole log is gone")

	err = act(t0.Add(119 * d))
	assert.Equal(t, mitid.CodeWitnessLimit, mitid.ErrorCode(err), "the 4th act inside 120 days, whatever the log holds")
}

// Purge removes what the retention allows and never a notification not
// yet delivered, however old.
func TestRetention_PurgeKeepsUndeliveredNotifications(t *testing.T) {
	st := checkedStore(t)
	e := newRetentionEnv(t, st, mitid.Retention{Events: 30 * 24 * time.Hour, Outbox: 24 * time.Hour, Batch: 2})
	e.enrol(t, "ikke.sendt", mitid.LevelSubstantial, mitid.KindApp, mitid.KindCodeDisplay)
	before, err := st.OutboxStats(e.ctx)
	require.NoError(t, err)
	require.Positive(t, before.Waiting)
	e.clock.Advance(10 * 365 * 24 * time.Hour)
	for range 3 {
		_, err = e.svc.Purge(e.ctx)
		require.NoError(t, err)
	}
	after, err := st.OutboxStats(e.ctx)
	require.NoError(t, err)
	assert.Equal(t, before, after, "nothing undelivered is removed")

	deliverAll(t, e)
	e.clock.Advance(24*time.Hour + time.Second)
	got, err := e.svc.Purge(e.ctx)
	require.NoError(t, err)
	assert.Equal(t, before.Waiting, got.Outbox, "delivered a day ago: removed, in batches of 2")
	assert.Positive(t, got.Events)
	evs, err := st.Events(e.ctx, mitid.EventFilter{})
	require.NoError(t, err)
	assert.Empty(t, evs, "every event is ten years old")
}

// wrapped hides the memory store's Purger.
type wrapped struct{ mitid.Store }

func TestRetention_PurgeOnAStoreThatCannotIsUnsupported(t *testing.T) {
	e := newRetentionEnv(t, wrapped{memory.New()}, mitid.Retention{Events: 365 * 24 * time.Hour, Outbox: time.Hour})
	got, err := e.svc.Purge(e.ctx)
	assert.Equal(t, mitid.CodeConfigInvalid, mitid.ErrorCode(err))
	assert.ErrorIs(t, err, errors.ErrUnsupported)
	assert.Zero(t, got)

	plain := newRetentionEnv(t, wrapped{memory.New()}, mitid.Retention{})
	_, err = plain.svc.Purge(plain.ctx)
	require.NoError(t, err, "without a retention, only expired sessions go, which every store can do")
}
