package mitid_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/go-mitid/mitid"
	"github.com/go-mitid/mitid/mitidtest"
)

// records is a slog.Handler that keeps every record, with its attributes
// flattened to key → value text.
type records struct {
	mu  *sync.Mutex
	all *[]record
	pre []slog.Attr
}

type record struct {
	level slog.Level
	msg   string
	attrs map[string]string
}

func newRecords() records { return records{mu: &sync.Mutex{}, all: &[]record{}} }

func (records) Enabled(context.Context, slog.Level) bool { return true }

func (h records) Handle(_ context.Context, r slog.Record) error {
	rec := record{level: r.Level, msg: r.Message, attrs: map[string]string{}}
	var add func(prefix string, a slog.Attr)
	add = func(prefix string, a slog.Attr) {
		if a.Value.Kind() == slog.KindGroup {
			for _, g := range a.Value.Group() {
				add(prefix+a.Key+".", g)
			}
			return
		}
		rec.attrs[prefix+a.Key] = a.Value.Resolve().String()
	}
	for _, a := range h.pre {
		add("", a)
	}
	r.Attrs(func(a slog.Attr) bool { add("", a); return true })
	h.mu.Lock()
	defer h.mu.Unlock()
	*h.all = append(*h.all, rec)
	return nil
}

func (h records) WithAttrs(as []slog.Attr) slog.Handler {
	h.pre = append(append([]slog.Attr{}, h.pre...), as...)
	return h
}

func (h records) WithGroup(string) slog.Handler { return h }

func (h records) list() []record {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]record(nil), *h.all...)
}

// find returns the records with message msg.
func (h records) find(msg string) []record {
	var out []record
	for _, r := range h.list() {
		if r.msg == msg {
			out = append(out, r)
		}
	}
	return out
}

// downStore is a store whose writes of users fail as a lost database does.
type downStore struct{ mitid.Store }

var errConnRefused = errors.New("dial tcp 127.0.0.1:5432: connection refused")

func (downStore) UpdateUser(context.Context, uuid.UUID, func(*mitid.User) ([]mitid.Event, error)) (*mitid.User, error) {
	return nil, mitid.Unavailable(errConnRefused)
}

func (downStore) UpdateAuthenticator(context.Context, uuid.UUID, uuid.UUID, func(*mitid.User, *mitid.Authenticator) ([]mitid.Event, error)) (*mitid.User, error) {
	return nil, mitid.Unavailable(errConnRefused)
}

// damagedStore holds a user record it cannot decode.
type damagedStore struct{ mitid.Store }

var errDamaged = errors.New("user document: form byte 0xff")

func (damagedStore) UpdateUser(context.Context, uuid.UUID, func(*mitid.User) ([]mitid.Event, error)) (*mitid.User, error) {
	return nil, mitid.Unreadable("user", errDamaged)
}

func (damagedStore) UpdateAuthenticator(context.Context, uuid.UUID, uuid.UUID, func(*mitid.User, *mitid.Authenticator) ([]mitid.Event, error)) (*mitid.User, error) {
	return nil, mitid.Unreadable("user", errDamaged)
}

// TestLogger_SecurityRecordsAndNoSecrets: what an operator must see is
// logged with its stable keys (a suspected clone, a suspension, a seed
// under a key gone from the ring, a store that is down, a record it cannot
// read, a failed SMS, a
// parked and an unreached notice), and no value logged anywhere holds a
// password, a code, a CPR number, a login's ID or a user ID a stranger
// typed.
func TestLogger_SecurityRecordsAndNoSecrets(t *testing.T) {
	logs := newRecords()
	logger := slog.New(logs)
	var mu sync.Mutex
	var texts []string // what the failing SMS gateway was asked to send
	gateway := mitid.NotifierFunc(func(_ context.Context, n mitid.Notification) error {
		mu.Lock()
		texts = append(texts, n.Text)
		mu.Unlock()
		return mitid.Undeliverable(nil, "gateway refused %q to %s", n.Text, n.Delivery.Address)
	})
	env := mitidtest.New(t, mitidtest.WithConfig(func(c *mitid.Config) { c.Logger, c.Notifier = logger, gateway }))
	ctx := t.Context()
	secrets := []string{mitidtest.Password, "+4512345678"} // the password, and every person's phone

	// A login by code display, all right.
	anna := env.Enrol(t, "anna-logged", mitid.LevelSubstantial, mitid.KindCodeDisplay)
	secrets = append(secrets, anna.User.CPR.Digits(), anna.User.CPR.String())
	l := env.Begin(t, anna, mitid.LevelSubstantial)
	secrets = append(secrets, l.ID)
	code, err := anna.Display.Code()
	require.NoError(t, err)
	secrets = append(secrets, code)
	_, err = env.Service.SubmitCode(ctx, l.ID, code)
	require.NoError(t, err)
	_, err = env.Service.SubmitPassword(ctx, l.ID, mitidtest.Password)
	require.NoError(t, err)
	_, err = env.Service.FinishLogin(ctx, l.ID)
	require.NoError(t, err)

	// A stranger types a user ID nobody has, and a password.
	const typed = "nobody-has-this-7731"
	secrets = append(secrets, typed)
	d, err := env.Service.BeginLogin(ctx, mitid.LoginRequest{UserID: typed, Action: mitid.ActionLogOn, Text: "Log på", Level: mitid.LevelSubstantial})
	require.NoError(t, err, "a decoy answers")
	secrets = append(secrets, d.ID)
	_, _ = env.Service.SubmitPassword(ctx, d.ID, "a stranger's guess 1")
	secrets = append(secrets, "a stranger's guess 1")

	// A cloned chip.
	bo := env.Enrol(t, "bo-cloned", mitid.LevelSubstantial, mitid.KindChip)
	secrets = append(secrets, bo.User.CPR.Digits(), bo.User.CPR.String())
	env.LogIn(t, bo, mitid.LevelSubstantial)
	clone := bo.Chip.Clone()
	clone.SetCounter(0)
	l = env.Begin(t, bo, mitid.LevelSubstantial)
	secrets = append(secrets, l.ID)
	l, err = env.Service.SubmitPassword(ctx, l.ID, mitidtest.Password)
	require.NoError(t, err)
	resp, err := clone.Login(l.ChipOptions, mitidtest.Origin)
	require.NoError(t, err)
	_, err = env.Service.SubmitChip(ctx, l.ID, resp)
	require.Equal(t, mitid.CodeSuspectedClone, mitid.ErrorCode(err))

	// A code display's seed sealed under a key the ring no longer holds.
	cy := env.Enrol(t, "cy-lost-key", mitid.LevelSubstantial, mitid.KindCodeDisplay)
	secrets = append(secrets, cy.User.CPR.Digits(), cy.User.CPR.String())
	other, err := mitid.NewRandomKeyRing(env.Rand())
	require.NoError(t, err)
	rotated, err := mitid.New(mitid.Config{Store: env.Store, Keys: other, Clock: env.Clock, Policy: mitidtest.CheapPolicy(), Logger: logger})
	require.NoError(t, err)
	l, err = rotated.BeginLogin(ctx, mitid.LoginRequest{UserID: cy.User.UserID, Action: mitid.ActionLogOn, Text: "Log på", Level: mitid.LevelSubstantial})
	require.NoError(t, err)
	secrets = append(secrets, l.ID)
	code, err = cy.Display.Code()
	require.NoError(t, err)
	secrets = append(secrets, code)
	_, err = rotated.SubmitCode(ctx, l.ID, code)
	require.Equal(t, mitid.CodeSecretUnreadable, mitid.ErrorCode(err))

	// Anna's right code, in a login begun as usual, to a Service on store
	// st: its error.
	codeOn := func(st mitid.Store) error {
		svc, err := mitid.New(mitid.Config{Store: st, Keys: env.Keys, Clock: env.Clock, Policy: mitidtest.CheapPolicy(), Logger: logger})
		require.NoError(t, err)
		l := env.Begin(t, anna, mitid.LevelSubstantial)
		secrets = append(secrets, l.ID)
		env.Clock.Advance(60e9)
		code, err := anna.Display.Code()
		require.NoError(t, err)
		secrets = append(secrets, code)
		_, err = svc.SubmitCode(ctx, l.ID, code)
		return err
	}
	// The store goes down in the middle of a login.
	require.Equal(t, mitid.CodeStoreUnavailable, mitid.ErrorCode(codeOn(downStore{env.Store})))
	// The store holds the person's record damaged.
	require.Equal(t, mitid.CodeRecordUnreadable, mitid.ErrorCode(codeOn(damagedStore{env.Store})))

	// A temporary PIN by SMS that the gateway refuses.
	_, _, _, err = env.Service.IssueCode(ctx, anna.User.ID, mitid.PurposeTemporaryPIN, mitid.CodeBySMS)
	require.Equal(t, mitid.CodeDeliveryFailed, mitid.ErrorCode(err))

	// The outbox: every notice is refused for good, and nobody is reached.
	_, err = env.Service.Dispatcher(mitid.DispatcherConfig{}).RunOnce(ctx)
	require.NoError(t, err)

	has := func(msg string, level slog.Level, want map[string]string) {
		t.Helper()
		for _, r := range logs.find(msg) {
			if r.level != level {
				continue
			}
			ok := true
			for k, v := range want {
				got, present := r.attrs[k]
				ok = ok && present && (v == "" || got == v)
			}
			if ok {
				return
			}
		}
		t.Errorf("no %s record %q with %v; records: %v", level, msg, want, logs.list())
	}
	has("suspected cloned chip", slog.LevelError, map[string]string{"call": "submit_chip", "code": "suspected_clone"})
	has("authenticator suspended", slog.LevelWarn, map[string]string{"user": bo.User.ID.String(), "authenticator": bo.ChipID.String(),
		"kind": "chip", "reason": "", "until": ""})
	has("secret unreadable", slog.LevelError, map[string]string{"call": "submit_code", "code": "secret_unreadable"})
	has("store unavailable", slog.LevelError, map[string]string{"op": "update_authenticator", "error": ""})
	has("store unavailable", slog.LevelError, map[string]string{"call": "submit_code", "code": "store_unavailable", "error": ""})
	has("record unreadable", slog.LevelError, map[string]string{"op": "update_authenticator", "error": ""})
	has("record unreadable", slog.LevelError, map[string]string{"call": "submit_code", "code": "record_unreadable", "error": ""})
	has("notifier failed", slog.LevelWarn, map[string]string{"user": anna.User.ID.String(), "channel": "sms", "event_type": "code.issued", "code": "undeliverable"})
	has("notification parked", slog.LevelError, map[string]string{"message": "", "event_type": "", "channel": "", "error": ""})
	has("notification reached the person on no channel", slog.LevelError, map[string]string{"message": "", "recorded": "", "channels": ""})
	has("login step", slog.LevelDebug, map[string]string{"call": "begin_login", "method": "code_display", "next": "code", "code": ""})

	// The codes the gateway was asked to send, and its text.
	mu.Lock()
	pins := 0
	for _, text := range texts {
		if strings.Contains(text, "PIN") {
			pin := regexp.MustCompile(`\d{6}`).FindString(text)
			secrets, pins = append(secrets, pin), pins+1
		}
	}
	mu.Unlock()
	require.Equal(t, 1, pins, "the temporary PIN the gateway refused")
	assert.Contains(t, logs.find("notifier failed")[0].attrs["error"], "[redacted]", "the gateway's error quoted the code: it is cut out")
	for _, r := range logs.list() {
		for k, v := range r.attrs {
			for _, s := range secrets {
				assert.NotContains(t, v, s, "record %q, key %q", r.msg, k)
			}
		}
		assert.NotContains(t, fmt.Sprint(r.msg), typed)
	}
}
