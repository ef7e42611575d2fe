package mitid_test

import (
	"context"
	"io"
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/go-mitid/mitid"
	"github.com/go-mitid/mitid/codedisplay"
	"github.com/go-mitid/mitid/codedisplay/codedisplaytest"
	"github.com/go-mitid/mitid/mitidtest"
	"github.com/go-mitid/mitid/mitidtest/fake"
	"github.com/go-mitid/mitid/store/memory"
)

// seeded is the kit's seeded random source, under the short name the tests use.
func seeded(n int) io.Reader { return fake.Rand(uint64(n)) }

// env is a Service on the memory store with a fake clock.
type env struct {
	svc   *mitid.Service
	store *memory.Store
	clock *fake.Clock
	ctx   context.Context
}

// checkedStore is a memory store that catches the Service changing a user
// or session the store handed out (the Store contract's read-only
// snapshots): on the spot with a panic, and at the end of the test.
func checkedStore(tb testing.TB) *memory.Store {
	st := memory.New(memory.CheckSnapshots())
	tb.Cleanup(func() {
		if err := st.Verify(); err != nil {
			tb.Error(err)
		}
	})
	return st
}

func newEnv(t *testing.T) *env {
	t.Helper()
	keys, err := mitid.NewRandomKeyRing(seeded(1))
	require.NoError(t, err)
	st := checkedStore(t)
	clock := fake.NewClock(tNow)
	svc, err := mitid.New(mitid.Config{Store: st, Keys: keys, Clock: clock, Rand: seeded(2), Policy: mitidtest.CheapPolicy(), Notifier: &mitidtest.Recorder{}})
	require.NoError(t, err)
	return &env{svc: svc, store: st, clock: clock, ctx: context.Background()}
}

// anna enrols a standard test user.
func (e *env) anna(t *testing.T) *mitid.User {
	t.Helper()
	u, _, err := e.svc.CreateUser(e.ctx, mitid.UserRequest{
		UserID: "Anna.Hansen", CPR: "010190-1234", Name: "Anna Hansen",
		Phone: "+45 12 34 56 78", Email: "anna@example.dk",
		Channels: []mitid.Channel{mitid.ChannelSMS, mitid.ChannelEmail}, IAL: mitid.LevelSubstantial,
	})
	require.NoError(t, err)
	return u
}

// codeDevice registers a code display or audio code reader with a seed, in
// the given starting state, and returns its ID and the simulated device.
func (e *env) codeDevice(t *testing.T, user uuid.UUID, kind mitid.Kind, state mitid.State) (uuid.UUID, *codedisplaytest.Device) {
	t.Helper()
	dev, err := codedisplaytest.Manufacture(seeded(int(seqN.Add(1))+5000), codedisplay.MitIDParams(), e.clock.Now)
	require.NoError(t, err)
	_, evs, err := e.svc.AddCodeDevice(e.ctx, user, mitid.CodeDeviceRequest{Kind: kind, Serial: dev.Serial().String(), Seed: dev.Seed(), State: state})
	require.NoError(t, err)
	return evs[0].Authenticator, dev
}

// paperCode issues a paper activation code from Citizen Service.
func (e *env) paperCode(t testing.TB, user uuid.UUID) string {
	t.Helper()
	return e.issue(t, user, mitid.PurposeActivation, mitid.CodeOnPaper)
}

// issue issues user a code of purpose by ch and returns it.
func (e *env) issue(t testing.TB, user uuid.UUID, purpose mitid.CodePurpose, ch mitid.CodeChannel) string {
	t.Helper()
	code, _, _, err := e.svc.IssueCode(e.ctx, user, purpose, ch)
	require.NoError(t, err)
	return code
}
