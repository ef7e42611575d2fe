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
	"github.com/go-mitid/mitid/store/memory"
)

// shape is what a login shows before its first factor, with everything a
// particular login differs in taken out.
func shape(l *mitid.Login) []mitid.LoginOption {
	out := make([]mitid.LoginOption, len(l.Options))
	for i, o := range l.Options {
		out[i] = mitid.LoginOption{Method: o.Method, Kind: o.Kind, AAL: o.AAL, Usable: o.Usable, Reason: o.Reason}
		if o != out[i] {
			return nil // the option showed more than kinds
		}
	}
	return out
}

// TestBeginLogin_NothingAboutTheAccountBeforeTheFirstFactor: the options of
// a new login carry no labels, no internal IDs and no end times; a
// suspended option says it is closed and no more.
func TestBeginLogin_NothingAboutTheAccountBeforeTheFirstFactor(t *testing.T) {
	e := newLoginEnv(t, checkedStore(t))
	h := e.enrol(t, "anonymous", mitid.LevelSubstantial, mitid.KindApp, mitid.KindCodeDisplay)
	_, _, err := e.svc.SuspendAuthenticator(e.ctx, h.user.ID, h.codeID, e.clock.Now().Add(time.Hour), "lost")
	require.NoError(t, err)
	l := e.begin(t, h, mitid.LevelSubstantial)
	require.NotNil(t, shape(l), "options show kinds only: %+v", l.Options)
	require.Len(t, l.Options, 2)
	assert.True(t, l.Options[0].Usable)
	assert.False(t, l.Options[1].Usable)
	assert.NotEmpty(t, l.Options[1].Reason)
	assert.NotContains(t, l.Options[1].Reason, "20", "no date in the reason")
	l, err = e.svc.ResumeLogin(e.ctx, l.ID)
	require.NoError(t, err)
	assert.NotNil(t, shape(l), "a reload before the first factor shows no more")
}

// TestBeginLogin_AnUnknownUserIDGetsALoginOfTheSameShape: a user ID that
// matches no MitID gets a login like a real one, the same one each time,
// that no factor completes; nothing is stored but the login.
func TestBeginLogin_AnUnknownUserIDGetsALoginOfTheSameShape(t *testing.T) {
	e := newLoginEnv(t, checkedStore(t))
	realOne := e.enrol(t, "real-person", mitid.LevelSubstantial, mitid.KindApp)
	known := e.begin(t, realOne, mitid.LevelSubstantial)
	r := mitid.LoginRequest{UserID: "nobody-at-all", Action: mitid.ActionLogOn, Text: "Log på hos Skattestyrelsen", Level: mitid.LevelSubstantial, RelyingParty: "skat.dk"}
	unknown, err := e.svc.BeginLogin(e.ctx, r)
	require.NoError(t, err, "no user_not_found")
	require.NotNil(t, shape(unknown))
	assert.NotEmpty(t, unknown.ID)
	assert.Equal(t, known.ExpiresAt, unknown.ExpiresAt)
	assert.Equal(t, known.Text, unknown.Text)
	again, err := e.svc.BeginLogin(e.ctx, r)
	require.NoError(t, err)
	assert.Equal(t, shape(unknown), shape(again), "the same user ID gets the same shape")
	assert.NotEqual(t, unknown.ID, again.ID)

	// Its factors fail as wrong ones would.
	switch unknown.Next {
	case mitid.StepApproval:
		assert.Len(t, unknown.Challenge, len(known.Challenge))
		_, err = e.svc.SubmitApproval(e.ctx, unknown.ID, []byte("a signature"))
		assert.Equal(t, mitid.CodeWrongSignature, mitid.ErrorCode(err))
	case mitid.StepCode:
		for i := 0; i < 3; i++ {
			_, err = e.svc.SubmitCode(e.ctx, unknown.ID, "123456")
			assert.Equal(t, mitid.CodeWrongCode, mitid.ErrorCode(err))
		}
		_, err = e.svc.SubmitCode(e.ctx, unknown.ID, "123456")
		assert.Equal(t, mitid.CodeAuthenticatorSuspended, mitid.ErrorCode(err), "as a device would be")
	case mitid.StepPassword: // a chip's login: the password is held, unchecked, until the chip answers
		l, err := e.svc.SubmitPassword(e.ctx, unknown.ID, "any password at all")
		require.NoError(t, err)
		require.Equal(t, mitid.StepChip, l.Next)
		assert.NotEmpty(t, l.ChipOptions)
		_, err = e.svc.SubmitChip(e.ctx, unknown.ID, []byte(`{"id":"forged","type":"public-key"}`))
		assert.Contains(t, []mitid.Code{mitid.CodeWrongSignature, mitid.CodeChipMalformed}, mitid.ErrorCode(err))
	default:
		t.Fatalf("a decoy starts with %s", unknown.Next)
	}
	for _, o := range unknown.Options {
		l, err := e.svc.ChooseMethod(e.ctx, unknown.ID, o.Method, uuid.Nil)
		require.NoError(t, err, "every option shown can be chosen")
		assert.NotNil(t, shape(l))
	}
	_, err = e.svc.FinishLogin(e.ctx, unknown.ID)
	assert.Equal(t, mitid.CodeLoginOrder, mitid.ErrorCode(err))
	_, err = e.svc.UserByUserID(e.ctx, "nobody-at-all")
	assert.ErrorIs(t, err, mitid.ErrNotFound, "no account was made")
}

// TestBeginLogin_DecoysComeInEveryShape: across user IDs the decoys take
// the shapes realOne MitIDs have, and always meet the level asked for.
func TestBeginLogin_DecoysComeInEveryShape(t *testing.T) {
	e := newLoginEnv(t, checkedStore(t))
	seen := map[string]bool{}
	for i := 0; i < 64; i++ {
		for _, level := range []mitid.Level{mitid.LevelLow, mitid.LevelSubstantial, mitid.LevelHigh} {
			l, err := e.svc.BeginLogin(e.ctx, mitid.LoginRequest{UserID: "nobody-" + uuid.NewString()[:8], Action: mitid.ActionLogOn, Text: "Log på", Level: level})
			require.NoError(t, err)
			key := ""
			for _, o := range l.Options {
				assert.GreaterOrEqual(t, o.AAL, level)
				key += string(o.Method) + " "
			}
			seen[key] = true
		}
	}
	assert.GreaterOrEqual(t, len(seen), 4, "%v", seen)
}

// TestBeginLogin_ADecoyRefusesAMalformedCodeAsARealDeviceDoes: a code
// that is not one (a letter, too few or too many digits) is refused at a
// decoy in the words of a real device, at the same cost in store calls,
// and counts nothing there either: the wrong codes after it are answered
// alike, the real login's and the decoy's.
func TestBeginLogin_ADecoyRefusesAMalformedCodeAsARealDeviceDoes(t *testing.T) {
	st := &statementCounter{Store: checkedStore(t)}
	e := newLoginEnv(t, st)
	h := e.enrol(t, "malformed-real", mitid.LevelSubstantial, mitid.KindCodeDisplay)
	decoy := ""
	for i := 0; decoy == "" && i < 100; i++ {
		uid := fmt.Sprintf("nobody-%03d", i)
		l, err := e.svc.BeginLogin(e.ctx, mitid.LoginRequest{UserID: uid, Action: mitid.ActionLogOn, Text: "Log på", Level: mitid.LevelSubstantial})
		require.NoError(t, err)
		if l.Method == mitid.MethodCodeDisplay {
			decoy = uid
		}
	}
	require.NotEmpty(t, decoy, "some decoy starts with a code display")
	answers := map[string][]string{}
	for _, uid := range []string{h.user.UserID, decoy} {
		l, err := e.svc.BeginLogin(e.ctx, mitid.LoginRequest{UserID: uid, Action: mitid.ActionLogOn, Text: "Log på", Level: mitid.LevelSubstantial})
		require.NoError(t, err)
		for _, code := range []string{"x", "12345", "1234567", "12a456", "000000", "000000", "000000", "000000"} {
			st.n.Store(0)
			_, err := e.svc.SubmitCode(e.ctx, l.ID, code)
			require.Error(t, err)
			answers[uid] = append(answers[uid], fmt.Sprintf("%s: %s (%d statements)", code, err, st.n.Load()))
		}
	}
	assert.Equal(t, answers[h.user.UserID], answers[decoy])
	assert.Contains(t, answers[decoy][0], "code", "a malformed code is refused as one: %v", answers[decoy])
	u, err := e.svc.User(e.ctx, h.user.ID)
	require.NoError(t, err)
	assert.Equal(t, mitid.StateSuspended, u.Authenticators[0].State, "the four wrong codes after the malformed ones suspended the device, as they do at a decoy")
}

// statementCounter is a memory store that counts the statements a login
// step would send to PostgreSQL: each read and session write, and each
// UpdateLogin whose change function does not refuse (PostgreSQL's store
// sends nothing then), or is not asked at all (an exact commit on a stale
// state, which PostgreSQL's statement finds stale).
type statementCounter struct {
	*memory.Store
	n atomic.Int64
}

func (c *statementCounter) SessionUser(ctx context.Context, id string, now time.Time) (*mitid.Session, *mitid.User, error) {
	c.n.Add(1)
	return c.Store.SessionUser(ctx, id, now)
}

func (c *statementCounter) Session(ctx context.Context, id string, now time.Time) (*mitid.Session, error) {
	c.n.Add(1)
	return c.Store.Session(ctx, id, now)
}

func (c *statementCounter) ReplaceSession(ctx context.Context, id string, version int64, now time.Time, data []byte) (*mitid.Session, error) {
	c.n.Add(1)
	return c.Store.ReplaceSession(ctx, id, version, now, data)
}

func (c *statementCounter) UpdateSession(ctx context.Context, id string, now time.Time, fn func(*mitid.Session) ([]byte, error)) (*mitid.Session, error) {
	c.n.Add(1)
	return c.Store.UpdateSession(ctx, id, now, fn)
}

func (c *statementCounter) UpdateLogin(ctx context.Context, seen *mitid.User, auth uuid.UUID, at mitid.SessionAt, fn mitid.LoginChange) (*mitid.User, *mitid.Session, error) {
	asked, refused := false, false
	u, sess, err := c.Store.UpdateLogin(ctx, seen, auth, at, func(u *mitid.User, a *mitid.Authenticator) ([]mitid.Event, *mitid.SessionChange, error) {
		evs, change, err := fn(u, a)
		asked, refused = true, err != nil
		return evs, change, err
	})
	if !asked || !refused {
		c.n.Add(1)
	}
	return u, sess, err
}

// TestBeginLogin_ADecoyAnswersInTheWordsOfARealDevice: the refusals a decoy
// gives are the realOne ones, word for word.
func TestBeginLogin_ADecoyAnswersInTheWordsOfARealDevice(t *testing.T) {
	e := newLoginEnv(t, checkedStore(t))
	h := e.enrol(t, "words-realOne", mitid.LevelSubstantial, mitid.KindCodeDisplay)
	var realOne []string
	l := e.begin(t, h, mitid.LevelSubstantial)
	for i := 0; i < 4; i++ {
		_, err := e.svc.SubmitCode(e.ctx, l.ID, wrongCode(h.code(t)))
		realOne = append(realOne, err.Error())
	}
	var decoy *mitid.Login
	for i := 0; decoy == nil && i < 64; i++ {
		l, err := e.svc.BeginLogin(e.ctx, mitid.LoginRequest{UserID: fmt.Sprintf("nobody-%d", i), Action: mitid.ActionLogOn, Text: "Log på", Level: mitid.LevelSubstantial})
		require.NoError(t, err)
		if l.Method == mitid.MethodCodeDisplay {
			decoy = l
		}
	}
	require.NotNil(t, decoy, "some decoy starts with a code display")
	for i, want := range realOne {
		_, err := e.svc.SubmitCode(e.ctx, decoy.ID, "123456")
		assert.Equal(t, want, err.Error(), "answer %d", i+1)
	}
}
