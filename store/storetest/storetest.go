// Package storetest is the conformance suite of the mitid.Store contract.
// Every backend runs it unchanged:
//
//	func TestConformance(t *testing.T) {
//		storetest.Run(t, func(t *testing.T) mitid.Store { return newStoreForTest(t) })
//	}
//
// newStore must return a fresh, empty store each time it is called; the
// suite calls it once per subtest and runs subtests in parallel.
//
// The tests of an optional capability (mitid.AuthenticatorUpdater,
// mitid.SessionReplacer, mitid.SessionUserReader, mitid.LoginUpdater,
// mitid.LoginBeginner) run
// on a store that offers it and skip on one that does not; the Service's
// tests run twice, on the store and on CoreOnly(store), so that a login is
// tested both with the capabilities and through the core contract alone.
package storetest

import (
	"bytes"
	"context"
	crand "crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/go-mitid/mitid"
	"github.com/go-mitid/mitid/chip"
)

// Goroutines is how many goroutines the contention tests run at once.
const Goroutines = 64

// t0 is the suite's "now": a fixed instant, so that nothing depends on the
// wall clock. Microsecond precision, as SQL databases keep.
var t0 = time.Date(2026, 11, 21, 10, 0, 0, 0, time.UTC)

// suiteTest is one test of the suite, run on a fresh store.
type suiteTest struct {
	name string
	fn   func(t *testing.T, s mitid.Store)
}

// Run runs the whole suite.
func Run(t *testing.T, newStore func(t *testing.T) mitid.Store) {
	tests := []suiteTest{
		{"CreateUser/StoresUserAndEvents", testCreateUser},
		{"CreateUser/TakenUserIDStoresNothing", testCreateUserConflict},
		{"FindUser/ByEveryUniqueKey", testFindUser},
		{"FindUser/UnknownIsNotFound", testNotFound},
		{"UpdateUser/CommitsStateEventsAndOutboxTogether", testUpdateCommits},
		{"UpdateUser/FunctionErrorCommitsNothing", testUpdateFnError},
		{"UpdateUser/FunctionWorksOnPrivateCopyAndSnapshotsKeepTheirState", testUpdatePrivateCopy},
		{"UpdateUser/TakenUniqueKeyIsConflictAndCommitsNothing", testUpdateConflict},
		{"UpdateUser/ReleasedKeysCanBeTakenByOthers", testReleasedKeys},
		{"UpdateUser/ChipCredentialBoundToOneUser", testCredentialUnique},
		{"UpdateUser/FailedCommitLeavesNoPartialState", testFailedCommit},
		{"Update/ChangedIDRefused", testChangedID},
		{"Events/FilterAndOrder", testEventFilter},
		{"Orders/Lifecycle", testOrders},
		{"Sessions/SingleUseAndExpiry", testSessions},
		{"Sessions/SnapshotsKeepTheirState", testSessionSnapshots},
		{"Outbox/ClaimCompleteRetry", testOutbox},
		{"Outbox/LeaseExpiryAndLoss", testOutboxLease},
		{"Contention/IncrementsLoseNothing", testContentionIncrements},
		{"Contention/ConcurrentChipActivationsLeaveOneChip", testContentionChip},
		{"Contention/ConcurrentCreateOfOneUserIDHasOneWinner", testContentionCreate},
		{"Contention/ConcurrentChangeToOneUserIDHasOneWinner", testContentionChangeUserID},
		{"Contention/SessionConsumedOnce", testContentionSession},
		{"Contention/SessionUpdatesLoseNothing", testContentionSessionUpdates},
		{"Contention/OutboxMessageClaimedOnce", testContentionOutbox},
		{"Context/CanceledContextChangesNothing", testCanceledContext},
	}
	tests = append(tests, authenticatorTests...)
	tests = append(tests, replaceTests...)
	tests = append(tests, capabilityTests...)
	tests = append(tests, beginnerTests...)
	tests = append(tests, exactTests...)
	service := append(slices.Clip(serviceTests), loginServiceTests...)
	tests = append(tests, service...)
	for _, tc := range service {
		tests = append(tests, suiteTest{"CoreOnly/" + tc.name, func(t *testing.T, s mitid.Store) { tc.fn(t, CoreOnly(s)) }})
	}
	tests = append(tests, dispatcherTests...)
	tests = append(tests, orderTests...)
	tests = append(tests, retentionTests...)
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			tc.fn(t, newStore(t))
		})
	}
}

var policy = mitid.DefaultPolicy()

// seq numbers the CPR serials of users the suite makes, so they never clash.
var seq atomic.Int64

// newUser returns a valid user with a fresh ID, user ID and CPR number.
func newUser(t *testing.T, userID string) *mitid.User {
	t.Helper()
	n := seq.Add(1)
	cpr, err := mitid.ParseCPR(fmt.Sprintf("010190%04d", n%10000))
	require.NoError(t, err)
	uid, err := mitid.NormalizeUserID(&policy, userID)
	require.NoError(t, err)
	u := &mitid.User{
		ID: uuid.New(), UserID: uid, CPR: cpr, BirthDate: cpr.BirthDate(),
		Phone: "+4512345678", Email: "anna@example.dk", Channels: []mitid.Channel{mitid.ChannelSMS, mitid.ChannelEmail},
		Language: mitid.Danish, IAL: mitid.LevelSubstantial, Status: mitid.UserActive, CreatedAt: t0,
	}
	sealIdentifiers(t, u)
	return u
}

// testKeys is the key ring the suite seals identifiers under, as a Service
// would (stores never see a ring: to them the hashes are opaque unique
// values). Two keys, so a user holds two hashes of its CPR number, as
// during a key rotation.
func testKeys(t testing.TB) *mitid.KeyRing {
	t.Helper()
	r, err := mitid.NewKeyRing("k2", map[string][]byte{"k1": bytes.Repeat([]byte{1}, 32), "k2": bytes.Repeat([]byte{2}, 32)})
	require.NoError(t, err)
	return r
}

// sealIdentifiers gives u the stored form of its CPR and document numbers.
func sealIdentifiers(t testing.TB, u *mitid.User) {
	t.Helper()
	require.NoError(t, testKeys(t).SealIdentifiers(crand.Reader, u))
}

// uniqueName returns a user ID no other test uses.
func uniqueName(prefix string) string {
	return fmt.Sprintf("%s-%d", prefix, seq.Add(1))
}

func event(u *mitid.User, typ mitid.EventType, notify ...mitid.Delivery) mitid.Event {
	return mitid.Event{ID: uuid.New(), User: u.ID, Type: typ, At: t0, Actor: "storetest", Notify: notify}
}

func create(t *testing.T, s mitid.Store, u *mitid.User) {
	t.Helper()
	require.NoError(t, s.CreateUser(context.Background(), u, []mitid.Event{event(u, mitid.EventUserCreated)}))
}

func userEvents(t *testing.T, s mitid.Store, id uuid.UUID) []mitid.Event {
	t.Helper()
	evs, err := s.Events(context.Background(), mitid.EventFilter{User: id})
	require.NoError(t, err)
	return evs
}

func testCreateUser(t *testing.T, s mitid.Store) {
	ctx := context.Background()
	u := newUser(t, uniqueName("anna"))
	ev := event(u, mitid.EventUserCreated, mitid.Delivery{Channel: mitid.ChannelSMS, Address: u.Phone})
	require.NoError(t, s.CreateUser(ctx, u, []mitid.Event{ev}))

	got, err := s.User(ctx, u.ID)
	require.NoError(t, err)
	assert.Equal(t, int64(1), got.Version, "a new user has version 1")
	got = got.Clone()
	got.Version = u.Version
	// The clear CPR number is not the store's to keep (a decoding store
	// drops it; the Service opens it from CPRAtRest): compare without it.
	require.NotNil(t, got.CPRAtRest, "the CPR number's hashes and sealed copy are kept")
	want := u.Clone()
	want.CPR, got.CPR = mitid.CPR{}, mitid.CPR{}
	assert.Equal(t, want, got, "the stored user reads back unchanged")

	evs := userEvents(t, s, u.ID)
	require.Len(t, evs, 1)
	assert.Equal(t, ev.ID, evs[0].ID)
	assert.Positive(t, evs[0].Seq)
	msgs, err := s.OutboxMessages(ctx, mitid.OutboxFilter{User: u.ID})
	require.NoError(t, err)
	require.Len(t, msgs, 1, "the creation event's delivery is queued with it")
	assert.Equal(t, ev.Notify[0], msgs[0].Delivery)
}

func testCreateUserConflict(t *testing.T, s mitid.Store) {
	ctx := context.Background()
	a := newUser(t, uniqueName("anna"))
	create(t, s, a)

	b := newUser(t, a.UserID) // same user ID, other CPR
	err := s.CreateUser(ctx, b, []mitid.Event{event(b, mitid.EventUserCreated, mitid.Delivery{Channel: mitid.ChannelSMS, Address: "+4599999999"})})
	require.ErrorIs(t, err, mitid.ErrConflict)
	assert.Equal(t, mitid.CodeUserIDTaken, mitid.ErrorCode(err))
	_, err = s.User(ctx, b.ID)
	require.ErrorIs(t, err, mitid.ErrNotFound, "the losing user is not stored")
	assert.Empty(t, userEvents(t, s, b.ID), "nor its events")
	for _, k := range b.CPRAtRest.Keys {
		_, err = s.FindUser(ctx, mitid.UniqueKey{Kind: mitid.KeyCPR, Value: k})
		require.ErrorIs(t, err, mitid.ErrNotFound, "nor its CPR keys")
	}

	c := newUser(t, uniqueName("carl"))
	c.CPR, c.BirthDate = a.CPR, a.BirthDate
	sealIdentifiers(t, c)
	err = s.CreateUser(ctx, c, nil)
	require.ErrorIs(t, err, mitid.ErrConflict)
	assert.Equal(t, mitid.CodeCPRTaken, mitid.ErrorCode(err))

	// A CPR number is unique by any one of its hashes: the same person
	// hashed under a newer key only (the old one shared) still conflicts.
	d := newUser(t, uniqueName("dorte"))
	d.CPR, d.BirthDate = a.CPR, a.BirthDate
	sealIdentifiers(t, d)
	d.CPRAtRest.Keys = d.CPRAtRest.Keys[1:]
	err = s.CreateUser(ctx, d, nil)
	assert.Equal(t, mitid.CodeCPRTaken, mitid.ErrorCode(err))
}

func testFindUser(t *testing.T, s mitid.Store) {
	ctx := context.Background()
	u := newUser(t, uniqueName("børge"))
	u.Authenticators = []mitid.Authenticator{{ID: uuid.New(), Kind: mitid.KindChip, State: mitid.StateActive, CredentialID: []byte{1, 2, 3, 4}, CreatedAt: t0, StateChangedAt: t0}}
	create(t, s, u)
	for _, k := range u.UniqueKeys() {
		got, err := s.FindUser(ctx, k)
		require.NoError(t, err, "find by %s", k.Kind)
		assert.Equal(t, u.ID, got.ID)
	}
}

func testNotFound(t *testing.T, s mitid.Store) {
	ctx := context.Background()
	_, err := s.User(ctx, uuid.New())
	require.ErrorIs(t, err, mitid.ErrNotFound)
	assert.Equal(t, mitid.CodeUserNotFound, mitid.ErrorCode(err))
	_, err = s.FindUser(ctx, mitid.UniqueKey{Kind: mitid.KeyUserID, Value: "nobody-here"})
	require.ErrorIs(t, err, mitid.ErrNotFound)
	_, err = s.UpdateUser(ctx, uuid.New(), func(*mitid.User) ([]mitid.Event, error) {
		t.Error("the function must not run for a missing user")
		return nil, nil
	})
	require.ErrorIs(t, err, mitid.ErrNotFound)
}

func testUpdateCommits(t *testing.T, s mitid.Store) {
	ctx := context.Background()
	u := newUser(t, uniqueName("anna"))
	create(t, s, u)
	newID := uniqueName("anna-new")
	var returned []mitid.Event
	got, err := s.UpdateUser(ctx, u.ID, func(u *mitid.User) ([]mitid.Event, error) {
		u.UserID = newID
		returned = []mitid.Event{
			event(u, mitid.EventUserIDChanged, mitid.Delivery{Channel: mitid.ChannelSMS, Address: u.Phone}, mitid.Delivery{Channel: mitid.ChannelEmail, Address: u.Email}),
			event(u, mitid.EventContactChanged),
		}
		return returned, nil
	})
	require.NoError(t, err)
	assert.Equal(t, int64(2), got.Version)
	assert.Equal(t, newID, got.UserID)
	require.Positive(t, returned[0].Seq, "Seq is set on the events the function returned")
	assert.Greater(t, returned[1].Seq, returned[0].Seq, "in order")

	read, err := s.User(ctx, u.ID)
	require.NoError(t, err)
	assert.Equal(t, got, read)
	byNew, err := s.FindUser(ctx, mitid.UniqueKey{Kind: mitid.KeyUserID, Value: newID})
	require.NoError(t, err)
	assert.Equal(t, u.ID, byNew.ID)
	_, err = s.FindUser(ctx, mitid.UniqueKey{Kind: mitid.KeyUserID, Value: u.UserID})
	require.ErrorIs(t, err, mitid.ErrNotFound, "the old user ID is released")

	evs := userEvents(t, s, u.ID)
	require.Len(t, evs, 3)
	assert.Equal(t, returned[0].ID, evs[1].ID)
	assert.Equal(t, returned[0].Seq, evs[1].Seq)
	assert.Equal(t, returned[0].Notify, evs[1].Notify)
	msgs, err := s.OutboxMessages(ctx, mitid.OutboxFilter{User: u.ID})
	require.NoError(t, err)
	require.Len(t, msgs, 2, "one outbox message per delivery")
	assert.Equal(t, mitid.ChannelSMS, msgs[0].Delivery.Channel)
	assert.Equal(t, mitid.ChannelEmail, msgs[1].Delivery.Channel)
	assert.Equal(t, returned[0].ID, msgs[0].Event.ID)
	assert.True(t, msgs[0].AvailableAt.Equal(t0), "a message is due when its event happened")
}

func testUpdateFnError(t *testing.T, s mitid.Store) {
	ctx := context.Background()
	u := newUser(t, uniqueName("anna"))
	create(t, s, u)
	sentinel := errors.New("the domain said no")
	_, err := s.UpdateUser(ctx, u.ID, func(u *mitid.User) ([]mitid.Event, error) {
		u.UserID = "changed-then-refused"
		u.Failures = 99
		return []mitid.Event{event(u, mitid.EventUserIDChanged)}, sentinel
	})
	require.Same(t, sentinel, err, "the function's error comes back unchanged")
	got := unchanged(t, s, u.ID)
	assert.Equal(t, u.UserID, got.UserID)
	assert.Zero(t, got.Failures)
	assert.Len(t, userEvents(t, s, u.ID), 1)
	_, err = s.FindUser(ctx, mitid.UniqueKey{Kind: mitid.KeyUserID, Value: "changed-then-refused"})
	require.ErrorIs(t, err, mitid.ErrNotFound)
}

func testUpdatePrivateCopy(t *testing.T, s mitid.Store) {
	ctx := context.Background()
	u := newUser(t, uniqueName("anna"))
	u.Authenticators = []mitid.Authenticator{{ID: uuid.New(), Kind: mitid.KindApp, State: mitid.StateActive, CreatedAt: t0, StateChangedAt: t0}}
	create(t, s, u)
	// CreateUser keeps its own copy: the caller's value stays the caller's.
	u.Authenticators[0].Label = "caller's"
	u.Failures = 9

	before, err := s.User(ctx, u.ID)
	require.NoError(t, err)
	found, err := s.FindUser(ctx, mitid.UniqueKey{Kind: mitid.KeyUserID, Value: u.UserID})
	require.NoError(t, err)
	assert.Zero(t, before.Failures, "CreateUser stored a copy")
	assert.Empty(t, before.Authenticators[0].Label, "CreateUser stored a copy")

	// A refused update: whatever fn did to its copy is not seen.
	_, err = s.UpdateUser(ctx, u.ID, func(u *mitid.User) ([]mitid.Event, error) {
		u.Failures = 5
		u.Authenticators[0].Label = "refused"
		return nil, errors.New("refused")
	})
	require.Error(t, err)
	got, err := s.User(ctx, u.ID)
	require.NoError(t, err)
	assert.Zero(t, got.Failures)
	assert.Empty(t, got.Authenticators[0].Label)

	// A committed update: fn works on a private copy, and what was read
	// before keeps showing the state it was read at.
	up, err := s.UpdateUser(ctx, u.ID, func(u *mitid.User) ([]mitid.Event, error) {
		u.Failures = 1
		u.Authenticators[0].Label = "committed"
		assert.Zero(t, before.Failures, "fn's argument is a copy, not the snapshot readers hold")
		assert.Empty(t, before.Authenticators[0].Label, "fn's argument is a copy, not the snapshot readers hold")
		return nil, nil
	})
	require.NoError(t, err)
	assert.Equal(t, int64(2), up.Version)
	assert.Equal(t, 1, up.Failures)
	assert.Equal(t, "committed", up.Authenticators[0].Label)
	for _, old := range []*mitid.User{before, found} {
		assert.Equal(t, int64(1), old.Version, "a snapshot read earlier is never changed")
		assert.Zero(t, old.Failures, "a snapshot read earlier is never changed")
		assert.Empty(t, old.Authenticators[0].Label, "a snapshot read earlier is never changed")
	}
	read, err := s.User(ctx, u.ID)
	require.NoError(t, err)
	assert.Equal(t, 1, read.Failures)
	assert.Equal(t, "committed", read.Authenticators[0].Label)
}

// testSessionSnapshots: a session read earlier keeps its state through
// updates and consumption, and a refused update leaves no trace even when
// fn changed Data's bytes in place.
func testSessionSnapshots(t *testing.T, s mitid.Store) {
	ctx := context.Background()
	sess := &mitid.Session{ID: "sess-" + uuid.NewString(), Kind: "login", Data: []byte("one"), CreatedAt: t0, ExpiresAt: t0.Add(time.Hour)}
	require.NoError(t, s.CreateSession(ctx, sess))
	sess.Data[0] = 'X' // the store kept its own copy
	first, err := s.Session(ctx, sess.ID, t0)
	require.NoError(t, err)
	require.Equal(t, "one", string(first.Data))

	_, err = s.UpdateSession(ctx, sess.ID, t0, func(s *mitid.Session) ([]byte, error) {
		return []byte("refused"), errors.New("refused")
	})
	require.Error(t, err)
	second, err := s.UpdateSession(ctx, sess.ID, t0, func(s *mitid.Session) ([]byte, error) {
		assert.Equal(t, "one", string(s.Data), "fn sees the current session")
		return []byte("two"), nil
	})
	require.NoError(t, err)
	assert.Equal(t, "two", string(second.Data))
	used, err := s.ConsumeSession(ctx, sess.ID, t0.Add(time.Minute))
	require.NoError(t, err)
	assert.False(t, used.ConsumedAt.IsZero())

	assert.Equal(t, "one", string(first.Data), "a snapshot read earlier is never changed")
	assert.Equal(t, int64(1), first.Version, "a snapshot read earlier is never changed")
	assert.Equal(t, int64(2), second.Version, "a snapshot read earlier is never changed")
	assert.True(t, second.ConsumedAt.IsZero(), "consuming replaces the session; earlier snapshots stay live-looking")
}

func testUpdateConflict(t *testing.T, s mitid.Store) {
	ctx := context.Background()
	a, b := newUser(t, uniqueName("anna")), newUser(t, uniqueName("bent"))
	create(t, s, a)
	create(t, s, b)
	_, err := s.UpdateUser(ctx, b.ID, func(u *mitid.User) ([]mitid.Event, error) {
		u.UserID = a.UserID
		u.Failures = 7
		return []mitid.Event{event(u, mitid.EventUserIDChanged, mitid.Delivery{Channel: mitid.ChannelSMS, Address: u.Phone})}, nil
	})
	require.ErrorIs(t, err, mitid.ErrConflict)
	assert.Equal(t, mitid.CodeUserIDTaken, mitid.ErrorCode(err))
	got, err := s.User(ctx, b.ID)
	require.NoError(t, err)
	assert.Equal(t, b.UserID, got.UserID)
	assert.Zero(t, got.Failures)
	assert.Equal(t, int64(1), got.Version)
	assert.Len(t, userEvents(t, s, b.ID), 1)
	msgs, err := s.OutboxMessages(ctx, mitid.OutboxFilter{User: b.ID})
	require.NoError(t, err)
	assert.Empty(t, msgs)
}

func testReleasedKeys(t *testing.T, s mitid.Store) {
	ctx := context.Background()
	a, b := newUser(t, uniqueName("anna")), newUser(t, uniqueName("bent"))
	create(t, s, a)
	create(t, s, b)
	old := a.UserID
	_, err := s.UpdateUser(ctx, a.ID, func(u *mitid.User) ([]mitid.Event, error) {
		u.UserID = uniqueName("anna-renamed")
		return nil, nil
	})
	require.NoError(t, err)
	_, err = s.UpdateUser(ctx, b.ID, func(u *mitid.User) ([]mitid.Event, error) {
		u.UserID = old
		return nil, nil
	})
	require.NoError(t, err, "a released user ID can be taken by someone else")
	got, err := s.FindUser(ctx, mitid.UniqueKey{Kind: mitid.KeyUserID, Value: old})
	require.NoError(t, err)
	assert.Equal(t, b.ID, got.ID)
}

func testCredentialUnique(t *testing.T, s mitid.Store) {
	ctx := context.Background()
	a, b := newUser(t, uniqueName("anna")), newUser(t, uniqueName("bent"))
	create(t, s, a)
	create(t, s, b)
	cred := []byte("credential-" + uuid.NewString())
	chipID := uuid.New()
	addChip := func(id uuid.UUID) func(u *mitid.User) ([]mitid.Event, error) {
		return func(u *mitid.User) ([]mitid.Event, error) {
			ev, err := u.AddAuthenticator(&policy, mitid.Authenticator{ID: id, Kind: mitid.KindChip, State: mitid.StatePendingActivation,
				CredentialID: cred, Chip: &chip.Credential{ID: cred}}, t0)
			if err != nil {
				return nil, err
			}
			evs, err := u.Transition(&policy, id, mitid.StateActive, t0, mitid.TransitionOptions{})
			return withIDs(append([]mitid.Event{ev}, evs...), u), err
		}
	}
	_, err := s.UpdateUser(ctx, a.ID, addChip(chipID))
	require.NoError(t, err)
	_, err = s.UpdateUser(ctx, b.ID, addChip(uuid.New()))
	require.ErrorIs(t, err, mitid.ErrConflict)
	assert.Equal(t, mitid.CodeCredentialTaken, mitid.ErrorCode(err))

	// Blocking the chip releases its credential: it may be added again.
	_, err = s.UpdateUser(ctx, a.ID, func(u *mitid.User) ([]mitid.Event, error) {
		evs, err := u.Transition(&policy, chipID, mitid.StateBlocked, t0, mitid.TransitionOptions{Reason: "lost"})
		return withIDs(evs, u), err
	})
	require.NoError(t, err)
	_, err = s.UpdateUser(ctx, b.ID, addChip(uuid.New()))
	require.NoError(t, err)
}

func withID(e mitid.Event, u *mitid.User) mitid.Event {
	e.ID, e.User, e.At = uuid.New(), u.ID, t0
	return e
}

func withIDs(evs []mitid.Event, u *mitid.User) []mitid.Event {
	for i := range evs {
		evs[i] = withID(evs[i], u)
	}
	return evs
}

// testFailedCommit makes the commit itself fail (an event that cannot be
// recorded, found only when writing) after the function changed state and
// unique keys; nothing of the change may remain.
func testFailedCommit(t *testing.T, s mitid.Store) {
	ctx := context.Background()
	u := newUser(t, uniqueName("anna"))
	created := event(u, mitid.EventUserCreated)
	require.NoError(t, s.CreateUser(ctx, u, []mitid.Event{created}))
	newID := uniqueName("anna-new")
	_, err := s.UpdateUser(ctx, u.ID, func(u *mitid.User) ([]mitid.Event, error) {
		u.UserID = newID
		u.Failures = 5
		u.Authenticators = append(u.Authenticators, mitid.Authenticator{ID: uuid.New(), Kind: mitid.KindChip, State: mitid.StateActive, CredentialID: []byte("cred-" + newID)})
		ok := event(u, mitid.EventUserIDChanged, mitid.Delivery{Channel: mitid.ChannelSMS, Address: u.Phone})
		dup := event(u, mitid.EventContactChanged)
		dup.ID = created.ID // already recorded: the store can only find out when it writes
		return []mitid.Event{ok, dup}, nil
	})
	require.Error(t, err)
	require.ErrorIs(t, err, mitid.ErrInvalid)
	assert.Equal(t, mitid.CodeEventInvalid, mitid.ErrorCode(err))

	got, err := s.User(ctx, u.ID)
	require.NoError(t, err)
	assert.Equal(t, int64(1), got.Version, "no new version")
	assert.Equal(t, u.UserID, got.UserID)
	assert.Zero(t, got.Failures)
	assert.Empty(t, got.Authenticators)
	for _, k := range []mitid.UniqueKey{
		{Kind: mitid.KeyUserID, Value: newID},
		{Kind: mitid.KeyCredential, Value: base64.RawURLEncoding.EncodeToString([]byte("cred-" + newID))},
	} {
		_, err = s.FindUser(ctx, k)
		require.ErrorIs(t, err, mitid.ErrNotFound, "no new %s key", k.Kind)
	}
	byOld, err := s.FindUser(ctx, mitid.UniqueKey{Kind: mitid.KeyUserID, Value: u.UserID})
	require.NoError(t, err, "the old key is still held")
	assert.Equal(t, u.ID, byOld.ID)
	assert.Len(t, userEvents(t, s, u.ID), 1, "no new events")
	msgs, err := s.OutboxMessages(ctx, mitid.OutboxFilter{User: u.ID})
	require.NoError(t, err)
	assert.Empty(t, msgs, "no outbox messages")
}

// testChangedID: neither kind of update may change the user's ID.
func testChangedID(t *testing.T, s mitid.Store) {
	ctx := context.Background()
	u, code, _, _ := withDevices(t)
	create(t, s, u)
	_, err := s.UpdateUser(ctx, u.ID, func(u *mitid.User) ([]mitid.Event, error) {
		u.ID = uuid.New()
		return nil, nil
	})
	require.Error(t, err)
	if c, ok := s.(mitid.AuthenticatorUpdater); ok {
		_, err = c.UpdateAuthenticator(ctx, u.ID, code, func(u *mitid.User, _ *mitid.Authenticator) ([]mitid.Event, error) {
			u.ID = uuid.New()
			return nil, nil
		})
		require.Error(t, err)
	}
	if c, ok := s.(mitid.LoginUpdater); ok {
		seen, err := s.User(ctx, u.ID)
		require.NoError(t, err)
		_, _, err = c.UpdateLogin(ctx, seen, code, mitid.SessionAt{ID: "none", Version: 1, Now: t0}, func(u *mitid.User, _ *mitid.Authenticator) ([]mitid.Event, *mitid.SessionChange, error) {
			u.ID = uuid.New()
			return nil, nil, nil
		})
		require.Error(t, err)
	}
	unchanged(t, s, u.ID)
}

// unchanged reads user id and checks nothing was committed since it was
// created; it returns the user for further checks.
func unchanged(t *testing.T, s mitid.Store, id uuid.UUID) *mitid.User {
	t.Helper()
	got, err := s.User(context.Background(), id)
	require.NoError(t, err)
	assert.Equal(t, int64(1), got.Version, "nothing was committed")
	return got
}

func testEventFilter(t *testing.T, s mitid.Store) {
	ctx := context.Background()
	a, b := newUser(t, uniqueName("anna")), newUser(t, uniqueName("bent"))
	create(t, s, a)
	create(t, s, b)
	for i := 1; i <= 5; i++ {
		for _, u := range []*mitid.User{a, b} {
			_, err := s.UpdateUser(ctx, u.ID, func(u *mitid.User) ([]mitid.Event, error) {
				e := event(u, mitid.EventAuthenticatorUsed)
				if i%2 == 0 {
					e.Type = mitid.EventAuthenticatorFailed
				}
				e.At = t0.Add(time.Duration(i) * time.Minute)
				return []mitid.Event{e}, nil
			})
			require.NoError(t, err)
		}
	}
	all := userEvents(t, s, a.ID)
	require.Len(t, all, 6)
	for i := 1; i < len(all); i++ {
		assert.Greater(t, all[i].Seq, all[i-1].Seq, "Seq order")
		assert.Equal(t, a.ID, all[i].User)
	}
	failed, err := s.Events(ctx, mitid.EventFilter{User: a.ID, Types: []mitid.EventType{mitid.EventAuthenticatorFailed}})
	require.NoError(t, err)
	assert.Len(t, failed, 2)
	window, err := s.Events(ctx, mitid.EventFilter{User: a.ID, Since: t0.Add(2 * time.Minute), Before: t0.Add(4 * time.Minute)})
	require.NoError(t, err)
	assert.Len(t, window, 2, "Since is inclusive, Before exclusive")
	page, err := s.Events(ctx, mitid.EventFilter{User: a.ID, AfterSeq: all[2].Seq, Limit: 2})
	require.NoError(t, err)
	require.Len(t, page, 2)
	assert.Equal(t, all[3].ID, page[0].ID)
	assert.Equal(t, all[4].ID, page[1].ID)
	both, err := s.Events(ctx, mitid.EventFilter{Types: []mitid.EventType{mitid.EventUserCreated}})
	require.NoError(t, err)
	var mine int
	for _, e := range both {
		if e.User == a.ID || e.User == b.ID {
			mine++
		}
	}
	assert.Equal(t, 2, mine, "without a user, every user's events")
}

func testOrders(t *testing.T, s mitid.Store) {
	ctx := context.Background()
	u := newUser(t, uniqueName("anna"))
	create(t, s, u)
	o1 := &mitid.Order{Number: "MID-" + uuid.NewString()[:8], User: u.ID, Identification: mitid.IdentifiedByMitID, Kind: mitid.KindCodeDisplay,
		Reason: "new", Delivery: mitid.DeliverToRegisteredAddress, TermsAccepted: true, Status: mitid.OrderPlaced, PlacedAt: t0, ChangedAt: t0}
	o2 := o1.Clone()
	o2.Number, o2.PlacedAt, o2.Kind = "MID-"+uuid.NewString()[:8], t0.Add(time.Hour), mitid.KindChip
	placed := event(u, mitid.EventOrderPlaced, mitid.Delivery{Channel: mitid.ChannelEmail, Address: u.Email})
	placed.Order = o1.Number
	require.NoError(t, s.CreateOrder(ctx, o1, []mitid.Event{placed}))
	require.NoError(t, s.CreateOrder(ctx, o2, nil))
	err := s.CreateOrder(ctx, o1.Clone(), nil)
	require.ErrorIs(t, err, mitid.ErrConflict)
	assert.Equal(t, mitid.CodeOrderTaken, mitid.ErrorCode(err))

	got, err := s.Order(ctx, o1.Number)
	require.NoError(t, err)
	assert.Equal(t, int64(1), got.Version)
	_, err = s.Order(ctx, "MID-none")
	require.ErrorIs(t, err, mitid.ErrNotFound)

	updated, err := s.UpdateOrder(ctx, o1.Number, func(o *mitid.Order) ([]mitid.Event, error) {
		o.Status = mitid.OrderShipped
		e := event(u, mitid.EventOrderChanged)
		e.Order = o.Number
		return []mitid.Event{e}, nil
	})
	require.NoError(t, err)
	assert.Equal(t, mitid.OrderShipped, updated.Status)
	assert.Equal(t, int64(2), updated.Version)
	_, err = s.UpdateOrder(ctx, o1.Number, func(o *mitid.Order) ([]mitid.Event, error) {
		o.Status = mitid.OrderCancelled
		return nil, errors.New("refused")
	})
	require.Error(t, err)
	got, err = s.Order(ctx, o1.Number)
	require.NoError(t, err)
	assert.Equal(t, mitid.OrderShipped, got.Status, "a refused update changes nothing")

	list, err := s.Orders(ctx, u.ID)
	require.NoError(t, err)
	require.Len(t, list, 2)
	assert.Equal(t, o1.Number, list[0].Number, "oldest first")
	assert.Equal(t, o2.Number, list[1].Number)
	evs := userEvents(t, s, u.ID)
	assert.Len(t, evs, 3, "order events are in the user's activity log")
	msgs, err := s.OutboxMessages(ctx, mitid.OutboxFilter{User: u.ID})
	require.NoError(t, err)
	assert.Len(t, msgs, 1)
}

func testSessions(t *testing.T, s mitid.Store) {
	ctx := context.Background()
	sess := &mitid.Session{ID: "sess-" + uuid.NewString(), Kind: "login", User: uuid.New(), Data: []byte(`{"step":1}`), CreatedAt: t0, ExpiresAt: t0.Add(10 * time.Minute)}
	require.NoError(t, s.CreateSession(ctx, sess))
	require.ErrorIs(t, s.CreateSession(ctx, sess.Clone()), mitid.ErrConflict)

	got, err := s.Session(ctx, sess.ID, t0.Add(time.Minute))
	require.NoError(t, err)
	assert.Equal(t, sess.Data, got.Data)
	assert.Equal(t, int64(1), got.Version)

	up, err := s.UpdateSession(ctx, sess.ID, t0.Add(2*time.Minute), func(s *mitid.Session) ([]byte, error) {
		return []byte(`{"step":2}`), nil
	})
	require.NoError(t, err)
	assert.Equal(t, int64(2), up.Version)
	assert.JSONEq(t, `{"step":2}`, string(up.Data))
	assert.True(t, up.ExpiresAt.Equal(sess.ExpiresAt), "only Data changes")
	assert.True(t, up.CreatedAt.Equal(sess.CreatedAt), "only Data changes")
	assert.Equal(t, sess.User, up.User, "only Data changes")
	assert.Equal(t, "login", up.Kind)
	_, err = s.UpdateSession(ctx, sess.ID, t0.Add(2*time.Minute), func(s *mitid.Session) ([]byte, error) {
		return []byte(`{"step":3}`), errors.New("refused")
	})
	require.Error(t, err)
	got, err = s.Session(ctx, sess.ID, t0.Add(3*time.Minute))
	require.NoError(t, err)
	assert.JSONEq(t, `{"step":2}`, string(got.Data))

	_, err = s.Session(ctx, sess.ID, sess.ExpiresAt)
	require.ErrorIs(t, err, mitid.ErrExpired, "expired at ExpiresAt, whatever the update function tried")
	_, err = s.ConsumeSession(ctx, sess.ID, sess.ExpiresAt.Add(time.Second))
	require.ErrorIs(t, err, mitid.ErrExpired)

	used, err := s.ConsumeSession(ctx, sess.ID, t0.Add(4*time.Minute))
	require.NoError(t, err)
	assert.True(t, used.ConsumedAt.Equal(t0.Add(4*time.Minute)))
	_, err = s.ConsumeSession(ctx, sess.ID, t0.Add(5*time.Minute))
	require.ErrorIs(t, err, mitid.ErrReplay)
	_, err = s.Session(ctx, sess.ID, t0.Add(5*time.Minute))
	require.ErrorIs(t, err, mitid.ErrReplay)
	_, err = s.UpdateSession(ctx, sess.ID, t0.Add(5*time.Minute), func(*mitid.Session) ([]byte, error) { return nil, nil })
	require.ErrorIs(t, err, mitid.ErrReplay)
	_, err = s.Session(ctx, "sess-none", t0)
	require.ErrorIs(t, err, mitid.ErrNotFound)

	live := &mitid.Session{ID: "sess-" + uuid.NewString(), Kind: "login", CreatedAt: t0, ExpiresAt: t0.Add(time.Hour)}
	require.NoError(t, s.CreateSession(ctx, live))
	n, err := s.PurgeSessions(ctx, t0.Add(30*time.Minute))
	require.NoError(t, err)
	assert.Equal(t, 1, n, "only the session that expired before the cut-off")
	_, err = s.Session(ctx, sess.ID, t0)
	require.ErrorIs(t, err, mitid.ErrNotFound)
	_, err = s.Session(ctx, live.ID, t0)
	require.NoError(t, err)
}

// queue creates a user with n queued notifications and returns it.
func queue(t *testing.T, s mitid.Store, n int) *mitid.User {
	t.Helper()
	u := newUser(t, uniqueName("ole"))
	var evs []mitid.Event
	for i := 0; i < n; i++ {
		evs = append(evs, event(u, mitid.EventAuthenticatorState, mitid.Delivery{Channel: mitid.ChannelSMS, Address: fmt.Sprintf("+45%08d", i)}))
	}
	require.NoError(t, s.CreateUser(context.Background(), u, evs))
	return u
}

// mine keeps the messages of user u (a store may be shared by other tests).
func mine(msgs []mitid.OutboxMessage, u *mitid.User) []mitid.OutboxMessage {
	var out []mitid.OutboxMessage
	for _, m := range msgs {
		if m.Event.User == u.ID {
			out = append(out, m)
		}
	}
	return out
}

func testOutbox(t *testing.T, s mitid.Store) {
	ctx := context.Background()
	u := queue(t, s, 3)
	_, err := s.ClaimOutbox(ctx, t0.Add(-time.Second), time.Minute, 10)
	require.NoError(t, err)
	claimed, err := s.ClaimOutbox(ctx, t0, time.Minute, 2)
	require.NoError(t, err)
	claimed = mine(claimed, u)
	require.Len(t, claimed, 2, "limit respected, due messages in queue order")
	assert.Equal(t, "+4500000000", claimed[0].Delivery.Address)
	assert.Equal(t, 1, claimed[0].Attempts)
	assert.NotEmpty(t, claimed[0].Lease)
	assert.NotEqual(t, claimed[0].Lease, claimed[1].Lease, "each claim has its own lease")
	assert.Equal(t, mitid.EventAuthenticatorState, claimed[0].Event.Type, "the message carries its event")

	rest, err := s.ClaimOutbox(ctx, t0, time.Minute, 10)
	require.NoError(t, err)
	rest = mine(rest, u)
	require.Len(t, rest, 1, "leased messages are not claimed again")

	require.NoError(t, s.CompleteOutbox(ctx, claimed[0].ID, claimed[0].Lease, t0))
	require.ErrorIs(t, s.CompleteOutbox(ctx, claimed[0].ID, claimed[0].Lease, t0), mitid.ErrConflict, "completing twice")
	require.NoError(t, s.RetryOutbox(ctx, claimed[1].ID, claimed[1].Lease, t0.Add(time.Hour), "gateway timeout", false))
	require.NoError(t, s.RetryOutbox(ctx, rest[0].ID, rest[0].Lease, t0, "no such number", true))

	again, err := s.ClaimOutbox(ctx, t0.Add(30*time.Minute), time.Minute, 10)
	require.NoError(t, err)
	assert.Empty(t, mine(again, u), "a retried message waits for its time; a dead one never returns")
	again, err = s.ClaimOutbox(ctx, t0.Add(time.Hour), time.Minute, 10)
	require.NoError(t, err)
	again = mine(again, u)
	require.Len(t, again, 1)
	assert.Equal(t, claimed[1].ID, again[0].ID)
	assert.Equal(t, 2, again[0].Attempts)
	assert.Equal(t, "gateway timeout", again[0].LastError)

	all, err := s.OutboxMessages(ctx, mitid.OutboxFilter{User: u.ID})
	require.NoError(t, err)
	require.Len(t, all, 3, "nothing is lost: delivered and dead messages are kept")
	assert.False(t, all[0].DeliveredAt.IsZero())
	assert.True(t, all[2].Dead)
	assert.Equal(t, "no such number", all[2].LastError)
	require.ErrorIs(t, s.CompleteOutbox(ctx, 1<<40, "x", t0), mitid.ErrNotFound)
}

func testOutboxLease(t *testing.T, s mitid.Store) {
	ctx := context.Background()
	u := queue(t, s, 1)
	first, err := s.ClaimOutbox(ctx, t0, time.Minute, 10)
	require.NoError(t, err)
	first = mine(first, u)
	require.Len(t, first, 1)
	none, err := s.ClaimOutbox(ctx, t0.Add(59*time.Second), time.Minute, 10)
	require.NoError(t, err)
	assert.Empty(t, mine(none, u), "the lease holds until it ends")
	second, err := s.ClaimOutbox(ctx, t0.Add(time.Minute), time.Minute, 10)
	require.NoError(t, err)
	second = mine(second, u)
	require.Len(t, second, 1, "an expired lease lets another claimer take the message")
	assert.Equal(t, 2, second[0].Attempts)

	err = s.CompleteOutbox(ctx, first[0].ID, first[0].Lease, t0.Add(time.Minute))
	require.ErrorIs(t, err, mitid.ErrConflict, "the first claimer lost its lease")
	assert.Equal(t, mitid.CodeLeaseLost, mitid.ErrorCode(err))
	require.ErrorIs(t, s.RetryOutbox(ctx, first[0].ID, first[0].Lease, t0, "late", false), mitid.ErrConflict)
	require.NoError(t, s.CompleteOutbox(ctx, second[0].ID, second[0].Lease, t0.Add(time.Minute)))
}

// parallel runs fn(i) for i in [0, n) on n goroutines released together.
// fn reports with t.Error and assert, never t.Skip, t.FailNow or require:
// those end only fn's goroutine, and the test would go on as if it had
// run (ask for a capability before, see capability).
func parallel(n int, fn func(i int)) {
	var start, done sync.WaitGroup
	start.Add(1)
	for i := 0; i < n; i++ {
		done.Add(1)
		go func() {
			defer done.Done()
			start.Wait()
			fn(i)
		}()
	}
	start.Done()
	done.Wait()
}

func testContentionIncrements(t *testing.T, s mitid.Store) {
	ctx := context.Background()
	u := newUser(t, uniqueName("anna"))
	create(t, s, u)
	const each = 5
	var errs atomic.Int64
	parallel(Goroutines, func(int) {
		for j := 0; j < each; j++ {
			_, err := s.UpdateUser(ctx, u.ID, func(u *mitid.User) ([]mitid.Event, error) {
				u.Failures++
				return []mitid.Event{event(u, mitid.EventAuthenticatorFailed)}, nil
			})
			if err != nil {
				errs.Add(1)
				t.Error(err)
			}
		}
	})
	require.Zero(t, errs.Load())
	got, err := s.User(ctx, u.ID)
	require.NoError(t, err)
	assert.Equal(t, Goroutines*each, got.Failures, "no increment is lost")
	assert.Equal(t, int64(1+Goroutines*each), got.Version)
	assert.Len(t, userEvents(t, s, u.ID), 1+Goroutines*each, "one event per committed increment, none twice")
}

func testContentionChip(t *testing.T, s mitid.Store) {
	ctx := context.Background()
	u := newUser(t, uniqueName("anna"))
	chips := make([]uuid.UUID, Goroutines)
	for i := range chips {
		chips[i] = uuid.New()
		u.Authenticators = append(u.Authenticators, mitid.Authenticator{ID: chips[i], Kind: mitid.KindChip,
			State: mitid.StatePendingActivation, CredentialID: []byte(fmt.Sprintf("cred-%s-%d", u.ID, i)), CreatedAt: t0, StateChangedAt: t0,
			Chip: &chip.Credential{ID: []byte(fmt.Sprintf("cred-%s-%d", u.ID, i))}})
	}
	create(t, s, u)
	var won, limited atomic.Int64
	parallel(Goroutines, func(i int) {
		_, err := s.UpdateUser(ctx, u.ID, func(u *mitid.User) ([]mitid.Event, error) {
			evs, err := u.Transition(&policy, chips[i], mitid.StateActive, t0, mitid.TransitionOptions{})
			return withIDs(evs, u), err
		})
		switch {
		case err == nil:
			won.Add(1)
		case errors.Is(err, mitid.ErrLimit):
			limited.Add(1)
		default:
			t.Error(err)
		}
	})
	assert.Equal(t, int64(1), won.Load(), "exactly one activation wins")
	assert.Equal(t, int64(Goroutines-1), limited.Load(), "every other one meets the one-chip limit")
	got, err := s.User(ctx, u.ID)
	require.NoError(t, err)
	active := 0
	for _, a := range got.Authenticators {
		if a.State == mitid.StateActive {
			active++
		}
	}
	assert.Equal(t, 1, active, "exactly one chip in use")
}

func testContentionCreate(t *testing.T, s mitid.Store) {
	ctx := context.Background()
	name := uniqueName("sammen")
	var won, conflicts atomic.Int64
	var winner atomic.Value
	parallel(Goroutines, func(int) {
		u := newUser(t, name)
		err := s.CreateUser(ctx, u, []mitid.Event{event(u, mitid.EventUserCreated)})
		switch {
		case err == nil:
			won.Add(1)
			winner.Store(u.ID)
		case errors.Is(err, mitid.ErrConflict) && mitid.ErrorCode(err) == mitid.CodeUserIDTaken:
			conflicts.Add(1)
		default:
			t.Error(err)
		}
	})
	assert.Equal(t, int64(1), won.Load(), "exactly one creation wins")
	assert.Equal(t, int64(Goroutines-1), conflicts.Load())
	got, err := s.FindUser(ctx, mitid.UniqueKey{Kind: mitid.KeyUserID, Value: name})
	require.NoError(t, err)
	assert.Equal(t, winner.Load(), got.ID)
}

func testContentionChangeUserID(t *testing.T, s mitid.Store) {
	ctx := context.Background()
	target := uniqueName("wanted")
	users := make([]*mitid.User, Goroutines)
	for i := range users {
		users[i] = newUser(t, uniqueName("user"))
		create(t, s, users[i])
	}
	var won atomic.Int64
	parallel(Goroutines, func(i int) {
		_, err := s.UpdateUser(ctx, users[i].ID, func(u *mitid.User) ([]mitid.Event, error) {
			u.UserID = target
			return []mitid.Event{event(u, mitid.EventUserIDChanged)}, nil
		})
		if err == nil {
			won.Add(1)
		} else if !errors.Is(err, mitid.ErrConflict) {
			t.Error(err)
		}
	})
	assert.Equal(t, int64(1), won.Load())
	holders := 0
	for _, u := range users {
		got, err := s.User(ctx, u.ID)
		require.NoError(t, err)
		if got.UserID == target {
			holders++
		}
	}
	assert.Equal(t, 1, holders)
}

func testContentionSession(t *testing.T, s mitid.Store) {
	ctx := context.Background()
	sess := &mitid.Session{ID: "sess-" + uuid.NewString(), Kind: "login", CreatedAt: t0, ExpiresAt: t0.Add(time.Minute)}
	require.NoError(t, s.CreateSession(ctx, sess))
	var won, replays atomic.Int64
	parallel(Goroutines, func(int) {
		_, err := s.ConsumeSession(ctx, sess.ID, t0)
		switch {
		case err == nil:
			won.Add(1)
		case errors.Is(err, mitid.ErrReplay):
			replays.Add(1)
		default:
			t.Error(err)
		}
	})
	assert.Equal(t, int64(1), won.Load(), "a session is consumed exactly once")
	assert.Equal(t, int64(Goroutines-1), replays.Load())
}

func testContentionSessionUpdates(t *testing.T, s mitid.Store) {
	ctx := context.Background()
	sess := &mitid.Session{ID: "sess-" + uuid.NewString(), Kind: "login", CreatedAt: t0, ExpiresAt: t0.Add(time.Minute)}
	require.NoError(t, s.CreateSession(ctx, sess))
	parallel(Goroutines, func(i int) {
		_, err := s.UpdateSession(ctx, sess.ID, t0, func(s *mitid.Session) ([]byte, error) {
			// Clip: appending must not write into the snapshot's array.
			return append(slices.Clip(s.Data), byte(i)), nil
		})
		if err != nil {
			t.Error(err)
		}
	})
	got, err := s.Session(ctx, sess.ID, t0)
	require.NoError(t, err)
	assert.Len(t, got.Data, Goroutines, "every concurrent update is kept")
	assert.Equal(t, int64(1+Goroutines), got.Version)
}

func testContentionOutbox(t *testing.T, s mitid.Store) {
	ctx := context.Background()
	const n = 200
	u := queue(t, s, n)
	var mu sync.Mutex
	seen := map[int64]int{}
	parallel(16, func(int) {
		for {
			msgs, err := s.ClaimOutbox(ctx, t0, time.Hour, 7)
			if err != nil {
				t.Error(err)
				return
			}
			msgs = mine(msgs, u)
			if len(msgs) == 0 {
				return
			}
			mu.Lock()
			for _, m := range msgs {
				seen[m.ID]++
			}
			mu.Unlock()
			for _, m := range msgs {
				if err := s.CompleteOutbox(ctx, m.ID, m.Lease, t0); err != nil {
					t.Error(err)
				}
			}
		}
	})
	assert.Len(t, seen, n, "every message claimed")
	for id, c := range seen {
		assert.Equal(t, 1, c, "message %d claimed once", id)
	}
}

func testCanceledContext(t *testing.T, s mitid.Store) {
	u := newUser(t, uniqueName("anna"))
	create(t, s, u)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := s.UpdateUser(ctx, u.ID, func(u *mitid.User) ([]mitid.Event, error) {
		u.Failures = 3
		return nil, nil
	})
	require.Error(t, err)
	require.ErrorIs(t, err, context.Canceled)
	got, err := s.User(context.Background(), u.ID)
	require.NoError(t, err)
	assert.Zero(t, got.Failures)
}
