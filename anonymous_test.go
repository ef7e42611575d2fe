package mitid_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/go-mitid/mitid"
	"github.com/go-mitid/mitid/chip/chiptest"
	"github.com/go-mitid/mitid/chip/credential"
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

	// Its factors fail as wrong ones would, whichever way a decoy begins.
	for _, m := range []mitid.Method{mitid.MethodApp, mitid.MethodCodeDisplay, mitid.MethodChip} {
		t.Run(string(m)+" first", func(t *testing.T) {
			l, err := e.svc.BeginLogin(e.ctx, mitid.LoginRequest{UserID: decoyShowing(t, e, m), Action: mitid.ActionLogOn, Text: "Log på", Level: mitid.LevelSubstantial})
			require.NoError(t, err)
			switch m {
			case mitid.MethodApp:
				assert.Len(t, l.Challenge, len(known.Challenge))
				_, err = e.svc.SubmitApproval(e.ctx, l.ID, []byte("a signature"))
				assert.Equal(t, mitid.CodeWrongSignature, mitid.ErrorCode(err))
			case mitid.MethodCodeDisplay:
				for i := 0; i < 3; i++ {
					_, err = e.svc.SubmitCode(e.ctx, l.ID, "123456")
					assert.Equal(t, mitid.CodeWrongCode, mitid.ErrorCode(err))
				}
				_, err = e.svc.SubmitCode(e.ctx, l.ID, "123456")
				assert.Equal(t, mitid.CodeAuthenticatorSuspended, mitid.ErrorCode(err), "as a device would be")
			case mitid.MethodChip: // the password is held, unchecked, until the chip answers
				l, err = e.svc.SubmitPassword(e.ctx, l.ID, "any password at all")
				require.NoError(t, err)
				require.Equal(t, mitid.StepChip, l.Next)
				assert.NotEmpty(t, l.ChipOptions)
				_, err = e.svc.SubmitChip(e.ctx, l.ID, []byte(`{"id":"forged","type":"public-key"}`))
				assert.Equal(t, mitid.CodeChipMalformed, mitid.ErrorCode(err), "%v", err)
			}
		})
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
// the shapes real MitIDs with one device of each kind have, the audio code
// reader's and the chip's among them, and always meet the level asked
// for; a Service without a chip verifier shows no chip method, as its
// real logins show none.
func TestBeginLogin_DecoysComeInEveryShape(t *testing.T) {
	withChip := newLoginEnv(t, checkedStore(t))
	for _, tc := range []struct {
		name     string
		svc      *mitid.Service
		want     []string // at LevelLow, where every method reaches the level
		wantNone string   // a method no decoy shows
	}{
		{"with a chip verifier", withChip.svc, []string{
			"app", "app code_display", "code_display", "app app_and_chip",
			"audio_code_reader", "app audio_code_reader",
			"chip", "code_display chip", "audio_code_reader chip",
			"app app_and_chip chip", "app app_and_chip code_display chip", "app app_and_chip audio_code_reader chip",
		}, ""},
		{"without a chip verifier", newEnv(t).svc, []string{
			"app", "app code_display", "code_display", "app app_and_chip",
			"audio_code_reader", "app audio_code_reader", "app app_and_chip code_display", "app app_and_chip audio_code_reader",
		}, "chip"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			seen := map[string]bool{}
			for i := 0; i < 300; i++ {
				for _, level := range []mitid.Level{mitid.LevelLow, mitid.LevelSubstantial, mitid.LevelHigh} {
					l, err := tc.svc.BeginLogin(t.Context(), mitid.LoginRequest{UserID: fmt.Sprintf("nobody-%d", i), Action: mitid.ActionLogOn, Text: "Log på", Level: level})
					require.NoError(t, err)
					var methods []string
					for _, o := range l.Options {
						assert.GreaterOrEqual(t, o.AAL, level)
						assert.NotEqual(t, tc.wantNone, string(o.Method))
						methods = append(methods, string(o.Method))
					}
					if level == mitid.LevelLow {
						seen[strings.Join(methods, " ")] = true
					}
				}
			}
			for _, want := range tc.want {
				assert.True(t, seen[want], "no decoy shows %q: %v", want, seen)
			}
		})
	}
}

// decoyLike returns a user ID that matches no MitID and whose decoy login,
// at the person's login's level, shows the options the person's shows,
// kind for kind.
func decoyLike(t *testing.T, e *loginEnv, person *mitid.Login) string {
	t.Helper()
	for i := range 300 {
		uid := fmt.Sprintf("nobody-%03d", i)
		l, err := e.svc.BeginLogin(e.ctx, mitid.LoginRequest{UserID: uid, Action: mitid.ActionLogOn, Text: "Log på", Level: person.Level})
		require.NoError(t, err)
		if assert.ObjectsAreEqual(shape(person), shape(l)) {
			return uid
		}
	}
	t.Fatalf("no decoy shows %v", shape(person))
	return ""
}

// TestBeginLogin_ADecoyRefusesAMalformedCodeAsARealDeviceDoes: a code
// that is not one (a letter, too few or too many digits) is refused at a
// decoy in the words of a real device, at the same cost in store calls,
// and counts nothing there either: the wrong codes after it are answered
// alike, the real login's and the decoy's, up to the device's suspension;
// for a code display and for an audio code reader.
func TestBeginLogin_ADecoyRefusesAMalformedCodeAsARealDeviceDoes(t *testing.T) {
	for _, kind := range []mitid.Kind{mitid.KindCodeDisplay, mitid.KindAudioReader} {
		t.Run(string(kind), func(t *testing.T) {
			st := &statementCounter{Store: checkedStore(t)}
			e := newLoginEnv(t, st)
			h := e.enrol(t, "malformed-real", mitid.LevelSubstantial, kind)
			decoy := decoyLike(t, e, e.begin(t, h, mitid.LevelSubstantial))
			answers := map[string][]string{}
			for _, uid := range []string{h.user.UserID, decoy} {
				st.n.Store(0)
				l, err := e.svc.BeginLogin(e.ctx, mitid.LoginRequest{UserID: uid, Action: mitid.ActionLogOn, Text: "Log på", Level: mitid.LevelSubstantial})
				require.NoError(t, err)
				answers[uid] = append(answers[uid], fmt.Sprintf("begin: %s %v (%d statements)", l.Next, shape(l), st.n.Load()))
				for _, code := range []string{"x", "12345", "1234567", "12a456", "000000", "000000", "000000", "000000", "x"} {
					st.n.Store(0)
					_, err := e.svc.SubmitCode(e.ctx, l.ID, code)
					require.Error(t, err)
					answers[uid] = append(answers[uid], fmt.Sprintf("%s: %s (%d statements)", code, err, st.n.Load()))
				}
			}
			assert.Equal(t, answers[h.user.UserID], answers[decoy])
			assert.Contains(t, answers[decoy][1], "code", "a malformed code is refused as one: %v", answers[decoy])
			assert.Contains(t, answers[decoy][5], kind.String(), "the wrong code is the device's: %v", answers[decoy])
			u, err := e.svc.User(e.ctx, h.user.ID)
			require.NoError(t, err)
			assert.Equal(t, mitid.StateSuspended, u.Authenticators[0].State, "the four wrong codes after the malformed ones suspended the device, as they do at a decoy")
		})
	}
}

// statementCounter is a memory store that counts the statements a login
// step would send to PostgreSQL: each read and session write, and each
// UpdateLogin whose change function does not refuse (PostgreSQL's store
// sends nothing then), or is not asked at all (an exact commit on a stale
// state, which PostgreSQL's statement finds stale). An UpdateSession,
// UpdateUser or UpdateAuthenticator is a read, and a write when its
// function does not refuse, as PostgreSQL's store sends them.
type statementCounter struct {
	*memory.Store
	n atomic.Int64
}

// readThenWrite counts a read, and a write unless refused.
func (c *statementCounter) readThenWrite(refused bool) {
	c.n.Add(1)
	if !refused {
		c.n.Add(1)
	}
}

func (c *statementCounter) User(ctx context.Context, id uuid.UUID) (*mitid.User, error) {
	c.n.Add(1)
	return c.Store.User(ctx, id)
}

func (c *statementCounter) ConsumeSession(ctx context.Context, id string, now time.Time) (*mitid.Session, error) {
	c.n.Add(1)
	return c.Store.ConsumeSession(ctx, id, now)
}

func (c *statementCounter) UpdateUser(ctx context.Context, id uuid.UUID, fn func(*mitid.User) ([]mitid.Event, error)) (*mitid.User, error) {
	refused := false
	defer func() { c.readThenWrite(refused) }()
	return c.Store.UpdateUser(ctx, id, func(u *mitid.User) ([]mitid.Event, error) {
		evs, err := fn(u)
		refused = err != nil
		return evs, err
	})
}

func (c *statementCounter) UpdateAuthenticator(ctx context.Context, id, auth uuid.UUID, fn func(*mitid.User, *mitid.Authenticator) ([]mitid.Event, error)) (*mitid.User, error) {
	refused := false
	defer func() { c.readThenWrite(refused) }()
	return c.Store.UpdateAuthenticator(ctx, id, auth, func(u *mitid.User, a *mitid.Authenticator) ([]mitid.Event, error) {
		evs, err := fn(u, a)
		refused = err != nil
		return evs, err
	})
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
	refused := false
	defer func() { c.readThenWrite(refused) }()
	return c.Store.UpdateSession(ctx, id, now, func(sess *mitid.Session) ([]byte, error) {
		data, err := fn(sess)
		refused = err != nil
		return data, err
	})
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
	decoy, err := e.svc.BeginLogin(e.ctx, mitid.LoginRequest{UserID: decoyShowing(t, e, mitid.MethodCodeDisplay), Action: mitid.ActionLogOn, Text: "Log på", Level: mitid.LevelSubstantial})
	require.NoError(t, err)
	for i, want := range realOne {
		_, err := e.svc.SubmitCode(e.ctx, decoy.ID, "123456")
		assert.Equal(t, want, err.Error(), "answer %d", i+1)
	}
}

// TestBeginLogin_AChipsDecoyAnswersAStrangerAsARealChipDoes: at a user ID
// nobody has whose decoy shows a chip, a stranger who has no chip is
// answered as at a real chip's holder, word for word and at the same
// number of statements: a password is held, unchecked, and the chip asked
// for; garbage, a malformed answer, an answer from another chip and one
// from another chip under the asked-for chip's credential ID are refused
// alike, until the login ends.
func TestBeginLogin_AChipsDecoyAnswersAStrangerAsARealChipDoes(t *testing.T) {
	for _, tc := range []struct {
		name  string
		kinds []mitid.Kind
	}{
		{"a chip alone", []mitid.Kind{mitid.KindChip}},
		{"a code display and a chip", []mitid.Kind{mitid.KindCodeDisplay, mitid.KindChip}},
		{"an app and a chip", []mitid.Kind{mitid.KindApp, mitid.KindChip}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			st := &statementCounter{Store: checkedStore(t)}
			e := newLoginEnv(t, st)
			cv := &chipCalls{ChipVerifier: e.cfg.Chip}
			e = e.twin(t, func(c *mitid.Config) { c.Chip = cv })
			h := e.enrol(t, "chip-real", mitid.LevelSubstantial, tc.kinds...)
			decoy := decoyLike(t, e, e.begin(t, h, mitid.LevelSubstantial))
			stranger := strangersChip(t, e)
			answers := map[string][]string{}
			for _, uid := range []string{h.user.UserID, decoy} {
				say := func(step string, l *mitid.Login, err error, cred string) {
					got := fmt.Sprintf("%s: %v (%d statements, %d chip verifications)", step, err, st.n.Load(), cv.n.Load())
					if l != nil {
						got = fmt.Sprintf("%s: %s %v %s (%d statements, %d chip verifications)", step, l.Next, shape(l), chipOptionsShape(t, l.ChipOptions), st.n.Load(), cv.n.Load())
					}
					if cred != "" {
						got = strings.ReplaceAll(got, cred, "<the chip asked for>")
					}
					answers[uid] = append(answers[uid], got)
					st.n.Store(0)
					cv.n.Store(0)
				}
				st.n.Store(0)
				cv.n.Store(0)
				l, err := e.svc.BeginLogin(e.ctx, mitid.LoginRequest{UserID: uid, Action: mitid.ActionLogOn, Text: "Log på", Level: mitid.LevelSubstantial})
				require.NoError(t, err)
				say("begin", l, err, "")
				if l.Method != mitid.MethodChip {
					l, err = e.svc.ChooseMethod(e.ctx, l.ID, mitid.MethodChip, uuid.Nil)
					require.NoError(t, err)
					say("choose the chip", l, err, "")
				}
				id := l.ID
				_, err = e.svc.SubmitPassword(e.ctx, id, "")
				say("no password", nil, err, "")
				l, err = e.svc.SubmitPassword(e.ctx, id, "a stranger's guess")
				require.NoError(t, err, "the password is held, unchecked")
				say("a password", l, err, "")
				_, err = e.svc.SubmitPassword(e.ctx, id, "another guess")
				say("a second password", nil, err, "")
				for _, answer := range []struct {
					name string
					make func(options []byte) []byte
				}{
					{"garbage", func([]byte) []byte { return []byte("garbage") }},
					{"a malformed answer", func([]byte) []byte { return []byte(`{"id":"forged","type":"public-key"}`) }},
					{"another chip's answer", stranger.answer(t, false)},
					{"another chip's answer under the chip's ID", stranger.answer(t, true)},
					{"another chip's answer, the login's last", stranger.answer(t, false)},
					{"garbage, after the login ended", func([]byte) []byte { return []byte("garbage") }},
				} {
					l, err = e.svc.ResumeLogin(e.ctx, id)
					say("reload before "+answer.name, l, err, "")
					options := []byte(nil)
					if l != nil {
						options = l.ChipOptions
					}
					_, err = e.svc.SubmitChip(e.ctx, id, answer.make(options))
					require.Error(t, err)
					say(answer.name, nil, err, allowedCredential(t, options))
				}
			}
			assert.Equal(t, answers[h.user.UserID], answers[decoy])
			u, err := e.svc.User(e.ctx, h.user.ID)
			require.NoError(t, err)
			assert.Zero(t, u.Failures, "nothing of the real person was counted")
		})
	}
}

// chipCalls is a chip verifier that counts the answers it checks, the
// work a chip's step costs beside the store's.
type chipCalls struct {
	mitid.ChipVerifier
	n atomic.Int64
}

func (c *chipCalls) FinishLogin(ch credential.Challenge, user credential.User, creds []credential.Credential, response []byte) (credential.Assertion, error) {
	c.n.Add(1)
	return c.ChipVerifier.FinishLogin(ch, user, creds, response)
}

// strangerChip is a chip of the stranger's own, registered at the site for
// nobody: its answers are well formed and signed, by a key that is not the
// one asked for.
type strangerChip struct {
	sim *chiptest.Simulator
	id  string // its credential ID, base64url
}

func strangersChip(t *testing.T, e *loginEnv) *strangerChip {
	t.Helper()
	sim, err := chiptest.NewSimulator(seeded(3_000_000 + seq(t)))
	require.NoError(t, err)
	opts, _, err := e.cfg.Chip.BeginRegistration(credential.User{ID: []byte("stranger"), Name: "stranger"}, nil)
	require.NoError(t, err)
	resp, err := sim.Register(opts, origin)
	require.NoError(t, err)
	var reg struct {
		ID string `json:"id"`
	}
	require.NoError(t, json.Unmarshal(resp, &reg))
	return &strangerChip{sim: sim, id: reg.ID}
}

// answer returns how the stranger's chip answers a login's options: for
// its own credential, with the login's challenge, and, when asIt, posted
// under the ID of the credential the login asked for.
func (c *strangerChip) answer(t *testing.T, asIt bool) func(options []byte) []byte {
	return func(options []byte) []byte {
		var o map[string]any
		require.NoError(t, json.Unmarshal(options, &o))
		pk := o["publicKey"].(map[string]any)
		pk["allowCredentials"] = []any{map[string]any{"type": "public-key", "id": c.id}}
		mine, err := json.Marshal(o)
		require.NoError(t, err)
		resp, err := c.sim.Login(mine, origin)
		require.NoError(t, err)
		if asIt {
			resp = []byte(strings.ReplaceAll(string(resp), c.id, allowedCredential(t, options)))
		}
		return resp
	}
}

// allowedCredential is the ID of the credential chip options ask for
// ("" for none).
func allowedCredential(t *testing.T, options []byte) string {
	if options == nil {
		return ""
	}
	var o struct {
		PublicKey struct {
			Allow []struct {
				ID string `json:"id"`
			} `json:"allowCredentials"`
		} `json:"publicKey"`
	}
	require.NoError(t, json.Unmarshal(options, &o))
	require.Len(t, o.PublicKey.Allow, 1)
	return o.PublicKey.Allow[0].ID
}

// chipOptionsShape is chip options with what differs from login to login
// taken out: the challenge's and the credential ID's values (their lengths
// stay), and the transports the browser reported when the chip was added.
func chipOptionsShape(t *testing.T, options []byte) string {
	if options == nil {
		return ""
	}
	var o map[string]any
	require.NoError(t, json.Unmarshal(options, &o))
	pk := o["publicKey"].(map[string]any)
	pk["challenge"] = len(pk["challenge"].(string))
	for _, c := range pk["allowCredentials"].([]any) {
		c := c.(map[string]any)
		c["id"] = len(c["id"].(string))
		delete(c, "transports")
	}
	b, err := json.Marshal(o)
	require.NoError(t, err)
	return string(b)
}

// TestBeginLogin_ADecoyAsksForTheSameChipEachTime: as a real person's
// login asks for their chip each time, a decoy's asks for the same chip at
// each login for one user ID, and for another chip at another user ID.
func TestBeginLogin_ADecoyAsksForTheSameChipEachTime(t *testing.T) {
	e := newLoginEnv(t, checkedStore(t))
	asked := func(uid string) string {
		l, err := e.svc.BeginLogin(e.ctx, mitid.LoginRequest{UserID: uid, Action: mitid.ActionLogOn, Text: "Log på", Level: mitid.LevelSubstantial})
		require.NoError(t, err)
		if l.Method != mitid.MethodChip {
			return ""
		}
		l, err = e.svc.SubmitPassword(e.ctx, l.ID, "a guess")
		require.NoError(t, err)
		return allowedCredential(t, l.ChipOptions)
	}
	var uids []string
	for i := 0; len(uids) < 2 && i < 300; i++ {
		if uid := fmt.Sprintf("nobody-%03d", i); asked(uid) != "" {
			uids = append(uids, uid)
		}
	}
	require.Len(t, uids, 2, "decoys that start with a chip")
	assert.Equal(t, asked(uids[0]), asked(uids[0]), "the same chip for the same user ID")
	assert.NotEqual(t, asked(uids[0]), asked(uids[1]), "another chip for another user ID")
}
