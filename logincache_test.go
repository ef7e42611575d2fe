package mitid_test

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/go-mitid/mitid"
	"github.com/go-mitid/mitid/app"
	"github.com/go-mitid/mitid/app/apptest"
	"github.com/go-mitid/mitid/store/memory"
)

// readCounter is a memory store that counts the reads a login step makes
// of its session and user, and its writes.
type readCounter struct {
	*memory.Store
	reads, commits, replaces, updates atomic.Int64
}

func (r *readCounter) UpdateSession(ctx context.Context, id string, now time.Time, fn func(*mitid.Session) ([]byte, error)) (*mitid.Session, error) {
	r.updates.Add(1)
	return r.Store.UpdateSession(ctx, id, now, fn)
}

func (r *readCounter) ReplaceSession(ctx context.Context, id string, version int64, now time.Time, data []byte) (*mitid.Session, error) {
	r.replaces.Add(1)
	return r.Store.ReplaceSession(ctx, id, version, now, data)
}

func (r *readCounter) UpdateLogin(ctx context.Context, seen *mitid.User, auth uuid.UUID, at mitid.SessionAt, fn mitid.LoginChange) (*mitid.User, *mitid.Session, error) {
	r.commits.Add(1)
	return r.Store.UpdateLogin(ctx, seen, auth, at, fn)
}

func (r *readCounter) SessionUser(ctx context.Context, id string, now time.Time) (*mitid.Session, *mitid.User, error) {
	r.reads.Add(1)
	return r.Store.SessionUser(ctx, id, now)
}

func (r *readCounter) Session(ctx context.Context, id string, now time.Time) (*mitid.Session, error) {
	r.reads.Add(1)
	return r.Store.Session(ctx, id, now)
}

// TestLoginCache_StepsDecideOnWhatTheLastStepLeft: a login whose steps
// come back to the Service that began it reads its session and user once,
// at its first factor (a chip's login at its chip's step too), and not at
// all when that factor is a right code (decided on what BeginLogin left);
// with the cache turned off every step after BeginLogin reads them.
func TestLoginCache_StepsDecideOnWhatTheLastStepLeft(t *testing.T) {
	tests := []struct {
		kind  mitid.Kind
		cache int
		reads int64
	}{
		{mitid.KindCodeDisplay, 0, 0},
		{mitid.KindAudioReader, 0, 0},
		{mitid.KindCodeDisplay, -1, 3},
		{mitid.KindApp, 0, 1},
		{mitid.KindApp, -1, 2},
		// A chip's password is held until the chip answers, and its step
		// reads: the finish after it does not.
		{mitid.KindChip, 0, 2},
		{mitid.KindChip, -1, 3},
	}
	for _, tc := range tests {
		t.Run(fmt.Sprintf("%s, cache %d", tc.kind, tc.cache), func(t *testing.T) {
			st := &readCounter{Store: checkedStore(t)}
			e := newLoginEnv(t, st).twin(t, func(c *mitid.Config) { c.LoginCache = tc.cache })
			h := e.enrol(t, "kept-login", mitid.LevelSubstantial, tc.kind)
			st.reads.Store(0)
			l := e.complete(t, h, e.begin(t, h, mitid.LevelSubstantial))
			res, err := e.svc.FinishLogin(e.ctx, l.ID)
			require.NoError(t, err)
			assert.Equal(t, h.user.ID, res.User)
			assert.Equal(t, tc.reads, st.reads.Load(), "reads of the login's session (cache %d)", tc.cache)
		})
	}
}

// TestLoginCache_AStepMadeOnAnotherServiceIsNotMissed: two Services on one
// store, a login's steps spread over them. A Service whose kept state is
// stale (the other made a step since) commits nothing on it: a second
// password sent to it is refused as out of order, as on a fresh read, and
// counts nothing on the person's record; a login the other Service
// finished is not finished again.
func TestLoginCache_AStepMadeOnAnotherServiceIsNotMissed(t *testing.T) {
	a := newLoginEnv(t, checkedStore(t))
	b := a.twin(t, nil)
	h := a.enrol(t, "spread", mitid.LevelSubstantial, mitid.KindCodeDisplay)

	l := a.begin(t, h, mitid.LevelSubstantial)
	l, err := a.svc.SubmitCode(a.ctx, l.ID, h.code(t)) // a keeps the login: it waits for the password
	require.NoError(t, err)
	l, err = b.svc.SubmitPassword(b.ctx, l.ID, password)
	require.NoError(t, err)
	require.Equal(t, mitid.StepDone, l.Next)
	before, err := a.svc.User(a.ctx, h.user.ID)
	require.NoError(t, err)
	_, err = a.svc.SubmitPassword(a.ctx, l.ID, password)
	assert.Equal(t, mitid.CodeLoginOrder, mitid.ErrorCode(err))
	assert.Contains(t, err.Error(), "every factor is in", "refused on the login's state, not on a's kept one")
	after, err := a.svc.User(a.ctx, h.user.ID)
	require.NoError(t, err)
	assert.Equal(t, before.Version, after.Version, "nothing committed on a's stale state")
	res, err := b.svc.FinishLogin(b.ctx, l.ID)
	require.NoError(t, err)
	assert.Equal(t, h.user.ID, res.User)

	a.clock.Advance(30 * time.Second)
	l = a.complete(t, h, a.begin(t, h, mitid.LevelSubstantial)) // a keeps the login: it is done
	_, err = b.svc.FinishLogin(b.ctx, l.ID)
	require.NoError(t, err)
	_, err = a.svc.FinishLogin(a.ctx, l.ID)
	require.ErrorIs(t, err, mitid.ErrReplay, "a login finished on one Service is not finished again on another")
}

// TestLoginCache_AUserChangedElsewhereIsDecidedOnAfresh: the user changes
// on another Service between two steps; the Service that kept the login
// decides on the changed user, not on its copy.
func TestLoginCache_AUserChangedElsewhereIsDecidedOnAfresh(t *testing.T) {
	t.Run("device blocked", func(t *testing.T) {
		a := newLoginEnv(t, checkedStore(t))
		b := a.twin(t, nil)
		h := a.enrol(t, "blocked", mitid.LevelSubstantial, mitid.KindCodeDisplay)
		l := a.complete(t, h, a.begin(t, h, mitid.LevelSubstantial)) // a keeps the login: it is done
		_, _, err := b.svc.BlockAuthenticator(b.ctx, h.user.ID, h.codeID, "lost")
		require.NoError(t, err)
		_, err = a.svc.FinishLogin(a.ctx, l.ID)
		assert.Equal(t, mitid.CodeAuthenticatorBlocked, mitid.ErrorCode(err))
	})
	t.Run("password's suspension lifted", func(t *testing.T) {
		a := newLoginEnv(t, checkedStore(t))
		b := a.twin(t, nil)
		h := a.enrol(t, "lifted", mitid.LevelSubstantial, mitid.KindCodeDisplay)
		var pw uuid.UUID
		for _, x := range h.user.Authenticators {
			if x.Kind == mitid.KindPassword {
				pw = x.ID
			}
		}
		require.NotEqual(t, uuid.Nil, pw)
		l := a.begin(t, h, mitid.LevelSubstantial)
		_, _, err := b.svc.SuspendAuthenticator(b.ctx, h.user.ID, pw, time.Time{}, "support")
		require.NoError(t, err)
		l, err = a.svc.SubmitCode(a.ctx, l.ID, h.code(t)) // a keeps the user with the password suspended
		require.NoError(t, err)
		_, _, err = b.svc.UnblockAuthenticator(b.ctx, h.user.ID, pw, "support")
		require.NoError(t, err)
		l, err = a.svc.SubmitPassword(a.ctx, l.ID, password)
		require.NoError(t, err, "refused on a's copy, accepted on the user as it is")
		assert.Equal(t, mitid.StepDone, l.Next)
	})
	t.Run("password changed", func(t *testing.T) {
		a := newLoginEnv(t, checkedStore(t))
		b := a.twin(t, nil)
		h := a.enrol(t, "changed", mitid.LevelSubstantial, mitid.KindCodeDisplay)
		l := a.begin(t, h, mitid.LevelSubstantial)
		l, err := a.svc.SubmitCode(a.ctx, l.ID, h.code(t)) // a keeps the user with the old password
		require.NoError(t, err)
		_, _, err = b.svc.ChangePassword(b.ctx, h.user.ID, b.loggedIn(t, h), password, "a new pass phrase 2026")
		require.NoError(t, err)
		_, err = a.svc.SubmitPassword(a.ctx, l.ID, password)
		assert.Equal(t, mitid.CodeWrongPassword, mitid.ErrorCode(err), "the old password is checked against the new hash")
		l, err = a.svc.SubmitPassword(a.ctx, l.ID, "a new pass phrase 2026")
		require.NoError(t, err)
		assert.Equal(t, mitid.StepDone, l.Next)
	})
}

// TestLoginCache_ADecoysFirstAnswerCostsWhatARealOnesDoes: a wrong first
// code costs the store as many calls for a user ID nobody has (a decoy) as
// for a real person's, also when the person has another login in progress
// whose step changed their record meanwhile, so its time does not tell a
// stranger which user IDs exist; both are refused with the same code.
func TestLoginCache_ADecoysFirstAnswerCostsWhatARealOnesDoes(t *testing.T) {
	st := &readCounter{Store: checkedStore(t)}
	e := newLoginEnv(t, st)
	h := e.enrol(t, "real-person", mitid.LevelSubstantial, mitid.KindCodeDisplay)
	decoy := decoyShowing(t, e, mitid.MethodCodeDisplay)
	calls := map[string][]int64{}
	for _, uid := range []string{h.user.UserID, decoy} {
		begin := func() string {
			l, err := e.svc.BeginLogin(e.ctx, mitid.LoginRequest{UserID: uid, Action: mitid.ActionLogOn, Text: "Log på", Level: mitid.LevelSubstantial})
			require.NoError(t, err)
			require.Equal(t, mitid.StepCode, l.Next)
			return l.ID
		}
		first, second := begin(), begin()
		for _, id := range []string{second, first} { // the second login's wrong code changes a real record
			st.reads.Store(0)
			st.commits.Store(0)
			st.replaces.Store(0)
			_, err := e.svc.SubmitCode(e.ctx, id, "000000")
			assert.Equal(t, mitid.CodeWrongCode, mitid.ErrorCode(err), uid)
			calls[uid] = append(calls[uid], st.reads.Load()+st.commits.Load()+st.replaces.Load())
		}
	}
	assert.Equal(t, calls[h.user.UserID], calls[decoy], "store calls of each wrong first code, real and decoy")
	assert.Equal(t, []int64{2, 2}, calls[decoy], "a read and a write each")
}

// TestLoginCache_ARightFirstCodeCommitsOnWhatBeginLoginLeft: a login's
// first code, when it is right, is decided on the login and user that
// BeginLogin left, with no read: one exact commit. When the person's record
// changed since (here a wrong code in another of their logins), that
// commit commits nothing and the step reads and decides again: the right
// code still goes through, and the other login's failure stays counted.
func TestLoginCache_ARightFirstCodeCommitsOnWhatBeginLoginLeft(t *testing.T) {
	for _, stale := range []bool{false, true} {
		t.Run(fmt.Sprintf("stale %v", stale), func(t *testing.T) {
			st := &readCounter{Store: checkedStore(t)}
			e := newLoginEnv(t, st)
			h := e.enrol(t, "first-code", mitid.LevelSubstantial, mitid.KindCodeDisplay)
			l := e.begin(t, h, mitid.LevelSubstantial)
			if stale {
				other := e.begin(t, h, mitid.LevelSubstantial)
				_, err := e.svc.SubmitCode(e.ctx, other.ID, "000000")
				require.Equal(t, mitid.CodeWrongCode, mitid.ErrorCode(err))
			}
			st.reads.Store(0)
			st.commits.Store(0)
			l, err := e.svc.SubmitCode(e.ctx, l.ID, h.code(t))
			require.NoError(t, err)
			assert.Equal(t, mitid.StepPassword, l.Next)
			reads, commits := int64(0), int64(1)
			if stale {
				reads, commits = 1, 2
			}
			assert.Equal(t, reads, st.reads.Load(), "reads of the login")
			assert.Equal(t, commits, st.commits.Load(), "UpdateLogin calls")
			u, err := e.svc.User(e.ctx, h.user.ID)
			require.NoError(t, err)
			dev, err := u.Authenticator(h.codeID)
			require.NoError(t, err)
			assert.Equal(t, e.clock.Now(), dev.LastUsedAt, "the code's use is in the record")
			if stale {
				assert.Equal(t, 1, u.Failures, "the other login's wrong code still counts")
			}
		})
	}
}

// TestLoginCache_StrangersLoginsDoNotEvictAPersonsKeptLogin: the logins
// BeginLogin keeps (anyone who knows a user ID can start one) are kept
// apart from those with a factor in, so a stranger who starts many logins
// of real people does not push a person's login in progress out of the
// cache: its next step still reads nothing.
func TestLoginCache_StrangersLoginsDoNotEvictAPersonsKeptLogin(t *testing.T) {
	st := &readCounter{Store: checkedStore(t)}
	e := newLoginEnv(t, st).twin(t, func(c *mitid.Config) { c.LoginCache = 2 })
	h := e.enrol(t, "person", mitid.LevelSubstantial, mitid.KindCodeDisplay)
	others := []*holder{e.enrol(t, "other-a", mitid.LevelSubstantial, mitid.KindCodeDisplay), e.enrol(t, "other-b", mitid.LevelSubstantial, mitid.KindCodeDisplay)}
	l, err := e.svc.SubmitCode(e.ctx, e.begin(t, h, mitid.LevelSubstantial).ID, h.code(t))
	require.NoError(t, err)
	for i := range 8 {
		e.begin(t, others[i%2], mitid.LevelSubstantial) // a stranger's: never continued
	}
	st.reads.Store(0)
	l, err = e.svc.SubmitPassword(e.ctx, l.ID, password)
	require.NoError(t, err)
	assert.Equal(t, mitid.StepDone, l.Next)
	assert.Zero(t, st.reads.Load(), "the person's kept login was not evicted")
}

// TestLoginCache_BeginLoginKeepsOnlyALoginThatStartsWithACode: the begun
// cache holds only logins whose first factor is a code, the only ones a
// step takes from it, so an app's login begun after a code display's does
// not push it out of a cache of one: the code still commits with no read.
func TestLoginCache_BeginLoginKeepsOnlyALoginThatStartsWithACode(t *testing.T) {
	st := &readCounter{Store: checkedStore(t)}
	e := newLoginEnv(t, st).twin(t, func(c *mitid.Config) { c.LoginCache = 1 })
	h := e.enrol(t, "code-first", mitid.LevelSubstantial, mitid.KindCodeDisplay)
	other := e.enrol(t, "app-first", mitid.LevelSubstantial, mitid.KindApp)
	l := e.begin(t, h, mitid.LevelSubstantial)
	require.Equal(t, mitid.StepApproval, e.begin(t, other, mitid.LevelSubstantial).Next)
	st.reads.Store(0)
	l, err := e.svc.SubmitCode(e.ctx, l.ID, h.code(t))
	require.NoError(t, err)
	assert.Equal(t, mitid.StepPassword, l.Next)
	assert.Zero(t, st.reads.Load(), "the code display's login was still kept")
}

// TestLoginCache_ALoginThatStartsOverIsNotKept: ChooseMethod starts the
// login over, so the state kept before is dropped rather than tried: a
// password sent after it (the login now waits for a code again) is refused
// as out of order with no attempt at a commit.
func TestLoginCache_ALoginThatStartsOverIsNotKept(t *testing.T) {
	st := &readCounter{Store: checkedStore(t)}
	e := newLoginEnv(t, st)
	h := e.enrol(t, "starts-over", mitid.LevelSubstantial, mitid.KindCodeDisplay)
	l := e.begin(t, h, mitid.LevelSubstantial)
	l, err := e.svc.SubmitCode(e.ctx, l.ID, h.code(t)) // kept: it waits for the password
	require.NoError(t, err)
	l, err = e.svc.ChooseMethod(e.ctx, l.ID, mitid.MethodCodeDisplay, h.codeID)
	require.NoError(t, err)
	require.Equal(t, mitid.StepCode, l.Next)
	st.commits.Store(0)
	_, err = e.svc.SubmitPassword(e.ctx, l.ID, password)
	assert.Equal(t, mitid.CodeLoginOrder, mitid.ErrorCode(err))
	assert.Zero(t, st.commits.Load(), "no attempt on the state from before the choice")
}

// decoyShowing returns a user ID that matches no MitID and whose decoy
// login starts with method m.
func decoyShowing(tb testing.TB, e *loginEnv, m mitid.Method) string {
	tb.Helper()
	return decoysShowing(tb, e, m, 1)[0]
}

// decoysShowing returns n user IDs that match no MitID and whose decoy
// login at LevelSubstantial begins with method m.
func decoysShowing(tb testing.TB, e *loginEnv, m mitid.Method, n int) []string {
	tb.Helper()
	var uids []string
	for i := 0; len(uids) < n && i < 100*n; i++ {
		uid := fmt.Sprintf("nobody-%03d", i)
		l, err := e.svc.BeginLogin(e.ctx, mitid.LoginRequest{UserID: uid, Action: mitid.ActionLogOn, Text: "Log på", Level: mitid.LevelSubstantial})
		require.NoError(tb, err)
		if l.Method == m {
			uids = append(uids, uid)
		}
	}
	require.Len(tb, uids, n, "decoys that begin with %s", m)
	return uids
}

// TestLogin_AJunkApprovalCostsWhatADecoysDoes: an app approval that does
// not verify counts against the login only, so at a real person it writes
// nothing to their record, as at a decoy: the same store calls each (a
// read of the login and the login's count), so a stranger who sends junk
// cannot time which user IDs exist, nor make a person's record change.
// (The CPU of verifying is alike too: a decoy verifies against a key of
// its own; BenchmarkJunkApproval… measure it.)
func TestLogin_AJunkApprovalCostsWhatADecoysDoes(t *testing.T) {
	st := &readCounter{Store: checkedStore(t)}
	e := newLoginEnv(t, st)
	h := e.enrol(t, "junk-real", mitid.LevelSubstantial, mitid.KindApp)
	decoy := decoyShowing(t, e, mitid.MethodApp)
	stranger, err := apptest.NewSimulator(seeded(4242), "123456")
	require.NoError(t, err)
	before, err := e.svc.User(e.ctx, h.user.ID)
	require.NoError(t, err)
	calls := map[string]int64{}
	for _, uid := range []string{h.user.UserID, decoy} {
		l, err := e.svc.BeginLogin(e.ctx, mitid.LoginRequest{UserID: uid, Action: mitid.ActionLogOn, Text: "Log på", Level: mitid.LevelSubstantial})
		require.NoError(t, err)
		require.Equal(t, mitid.StepApproval, l.Next)
		for _, sig := range [][]byte{[]byte("junk"), nil} {
			if sig == nil { // well formed, by another key
				sig, err = stranger.Approve(app.Request{Challenge: l.Challenge, Action: string(l.Action), Text: l.Text}, "123456")
				require.NoError(t, err)
			}
			st.reads.Store(0)
			st.commits.Store(0)
			st.replaces.Store(0)
			st.updates.Store(0)
			_, err = e.svc.SubmitApproval(e.ctx, l.ID, sig)
			assert.Equal(t, mitid.CodeWrongSignature, mitid.ErrorCode(err), uid)
			calls[uid] += st.reads.Load() + st.commits.Load() + st.replaces.Load() + st.updates.Load()
			assert.Zero(t, st.commits.Load(), "%s: nothing committed to a record", uid)
		}
	}
	assert.Equal(t, calls[decoy], calls[h.user.UserID], "store calls of junk approvals, real and decoy")
	after, err := e.svc.User(e.ctx, h.user.ID)
	require.NoError(t, err)
	assert.Equal(t, before.Version, after.Version, "the person's record is as it was")
}
