package webhook_test

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/go-mitid/mitid"
	"github.com/go-mitid/mitid/notify/webhook"
)

var secret = []byte("0123456789abcdef0123456789abcdef-test")

var t0 = time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)

// gateway is a local HTTP server standing in for an SMS gateway: it checks
// every request's signature itself (not with webhook.Verify) and answers
// with the next status of its script.
type gateway struct {
	mu       sync.Mutex
	srv      *httptest.Server
	answers  []answer
	got      []webhook.Payload
	keys     []string
	badSigns int
}

type answer struct {
	status     int
	retryAfter string
	delay      time.Duration
}

func newGateway(t *testing.T, answers ...answer) *gateway {
	g := &gateway{answers: answers}
	g.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		ts := r.Header.Get(webhook.HeaderTimestamp)
		m := hmac.New(sha256.New, secret)
		m.Write([]byte(ts + "." + string(body)))
		want := "v1=" + hex.EncodeToString(m.Sum(nil))
		g.mu.Lock()
		if r.Method != http.MethodPost || r.Header.Get("Content-Type") != "application/json" || r.Header.Get(webhook.HeaderSignature) != want {
			g.badSigns++
			g.mu.Unlock()
			http.Error(w, "bad signature", http.StatusUnauthorized)
			return
		}
		var p webhook.Payload
		_ = json.Unmarshal(body, &p)
		g.got = append(g.got, p)
		g.keys = append(g.keys, r.Header.Get(webhook.HeaderIdempotencyKey))
		a := answer{status: http.StatusAccepted}
		if len(g.answers) > 0 {
			a, g.answers = g.answers[0], g.answers[1:]
		}
		g.mu.Unlock()
		time.Sleep(a.delay)
		if a.retryAfter != "" {
			w.Header().Set("Retry-After", a.retryAfter)
		}
		w.WriteHeader(a.status)
	}))
	t.Cleanup(g.srv.Close)
	return g
}

func (g *gateway) requests() int {
	g.mu.Lock()
	defer g.mu.Unlock()
	return len(g.got)
}

func newNotifier(t *testing.T, url string, ch mitid.Channel) *webhook.Notifier {
	n, err := webhook.New(webhook.Config{URL: url, Secret: secret, Channel: ch, Timeout: time.Second, Now: func() time.Time { return t0 }})
	require.NoError(t, err)
	return n
}

func sms(id int64, to string) mitid.Notification {
	e := mitid.Event{ID: uuid.New(), Type: mitid.EventUserBlocked, At: t0}
	subject, text := mitid.Render(&e, mitid.Danish)
	return mitid.Notification{ID: id, Event: e, Subject: subject, Text: text,
		Delivery: mitid.Delivery{Channel: mitid.ChannelSMS, Address: to, Language: mitid.Danish}}
}

func TestWebhook_PostsSignedJSONWithAnIdempotencyKey(t *testing.T) {
	g := newGateway(t)
	n := newNotifier(t, g.srv.URL, mitid.ChannelSMS)
	note := sms(41, "+4512345678")
	require.NoError(t, n.Notify(context.Background(), note))
	require.NoError(t, n.Notify(context.Background(), note), "a retried send")
	require.Zero(t, g.badSigns, "the gateway accepted the signature")
	require.Len(t, g.got, 2)
	p := g.got[0]
	assert.Equal(t, "+4512345678", p.To)
	assert.Equal(t, mitid.ChannelSMS, p.Channel)
	assert.Equal(t, mitid.Danish, p.Language)
	assert.Equal(t, mitid.EventUserBlocked, p.Event)
	assert.Equal(t, note.Event.ID, p.EventID)
	assert.Equal(t, note.Text, p.Text)
	assert.Equal(t, webhook.IdempotencyKey(note), g.keys[0])
	assert.Equal(t, g.keys[0], g.keys[1], "the same key on every attempt")
	assert.Equal(t, p.ID, g.keys[0])

	other := sms(42, "+4512345678")
	other.Event = note.Event
	assert.NotEqual(t, webhook.IdempotencyKey(note), webhook.IdempotencyKey(other), "another message, another key")
}

func TestWebhook_WrongSecretIsRefusedByTheGateway(t *testing.T) {
	g := newGateway(t)
	n, err := webhook.New(webhook.Config{URL: g.srv.URL, Secret: []byte("another secret of thirty-two bytes!"), Channel: mitid.ChannelSMS})
	require.NoError(t, err)
	err = n.Notify(context.Background(), sms(1, "+4512345678"))
	assert.Equal(t, mitid.CodeUndeliverable, mitid.ErrorCode(err), "401 is permanent")
	assert.Equal(t, 1, g.badSigns)
}

func TestWebhook_StatusDecidesTheRetryClass(t *testing.T) {
	httpDate := t0.Add(90 * time.Second).Format(http.TimeFormat)
	for _, tc := range []struct {
		name  string
		a     answer
		code  mitid.Code
		until time.Time
	}{
		{"200 is delivered", answer{status: 200}, "", time.Time{}},
		{"204 is delivered", answer{status: 204}, "", time.Time{}},
		{"400 is permanent", answer{status: 400}, mitid.CodeUndeliverable, time.Time{}},
		{"404 is permanent", answer{status: 404}, mitid.CodeUndeliverable, time.Time{}},
		{"422 is permanent", answer{status: 422}, mitid.CodeUndeliverable, time.Time{}},
		{"408 is transient", answer{status: 408}, mitid.CodeDeliveryFailed, time.Time{}},
		{"429 honours Retry-After in seconds", answer{status: 429, retryAfter: "120"}, mitid.CodeDeliveryFailed, t0.Add(2 * time.Minute)},
		{"429 honours Retry-After as a date", answer{status: 429, retryAfter: httpDate}, mitid.CodeDeliveryFailed, t0.Add(90 * time.Second)},
		{"429 with a garbled Retry-After is plain transient", answer{status: 429, retryAfter: "soon"}, mitid.CodeDeliveryFailed, time.Time{}},
		{"500 is transient", answer{status: 500}, mitid.CodeDeliveryFailed, time.Time{}},
		{"502 is transient", answer{status: 502}, mitid.CodeDeliveryFailed, time.Time{}},
		{"503 honours Retry-After", answer{status: 503, retryAfter: "30"}, mitid.CodeDeliveryFailed, t0.Add(30 * time.Second)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			g := newGateway(t, tc.a)
			err := newNotifier(t, g.srv.URL, mitid.ChannelSMS).Notify(context.Background(), sms(1, "+4512345678"))
			assert.Equal(t, tc.code, mitid.ErrorCode(err), "%v", err)
			if tc.code == mitid.CodeUndeliverable {
				assert.ErrorIs(t, err, mitid.ErrInvalid)
			}
			if tc.code == mitid.CodeDeliveryFailed {
				assert.ErrorIs(t, err, mitid.ErrUnavailable)
			}
			var e *mitid.Error
			if err != nil {
				require.ErrorAs(t, err, &e)
				assert.True(t, tc.until.Equal(e.Until), "retry not before %s, got %s", tc.until, e.Until)
			}
		})
	}
}

func TestWebhook_MalformedAddressIsUndeliverableAndNotPosted(t *testing.T) {
	g := newGateway(t)
	n := newNotifier(t, g.srv.URL, mitid.ChannelSMS)
	for _, to := range []string{"", "12345678", "+45 12 34 56 78", "+4512", "anna@example.dk"} {
		err := n.Notify(context.Background(), sms(1, to))
		assert.Equal(t, mitid.CodeUndeliverable, mitid.ErrorCode(err), "%q", to)
	}
	app := newNotifier(t, g.srv.URL, mitid.ChannelApp)
	note := sms(1, "not-a-uuid")
	note.Delivery.Channel = mitid.ChannelApp
	assert.Equal(t, mitid.CodeUndeliverable, mitid.ErrorCode(app.Notify(context.Background(), note)))
	assert.Equal(t, mitid.CodeUndeliverable, mitid.ErrorCode(n.Notify(context.Background(), note)), "the SMS hook does not send app messages")
	assert.Zero(t, g.requests(), "nothing reached the gateway")
}

func TestWebhook_SlowGatewayTimesOutAsTransient(t *testing.T) {
	g := newGateway(t, answer{status: 200, delay: 600 * time.Millisecond})
	n, err := webhook.New(webhook.Config{URL: g.srv.URL, Secret: secret, Channel: mitid.ChannelSMS, Timeout: 100 * time.Millisecond})
	require.NoError(t, err)
	start := time.Now()
	err = n.Notify(context.Background(), sms(1, "+4512345678"))
	assert.Equal(t, mitid.CodeDeliveryFailed, mitid.ErrorCode(err))
	assert.Less(t, time.Since(start), time.Second)
}

// TestWebhook_AnUnreachableGatewayIsToldWithoutItsKey: a gateway's URL may
// carry its key (in the query, or as a user and password); the error of a
// gateway that cannot be reached, which is logged and kept in the outbox,
// names the gateway without it.
func TestWebhook_AnUnreachableGatewayIsToldWithoutItsKey(t *testing.T) {
	g := newGateway(t)
	g.srv.Close() // nothing listens there now
	u := strings.Replace(g.srv.URL, "http://", "http://USERKEY@", 1) + "/sms?api_key=SECRETKEY&from=MitID"
	n, err := webhook.New(webhook.Config{URL: u, Secret: secret, Channel: mitid.ChannelSMS, Timeout: time.Second})
	require.NoError(t, err)
	err = n.Notify(context.Background(), sms(1, "+4512345678"))
	assert.Equal(t, mitid.CodeDeliveryFailed, mitid.ErrorCode(err))
	assert.NotContains(t, err.Error(), "SECRETKEY")
	assert.NotContains(t, err.Error(), "USERKEY", "a key as the URL's user, which net/url does not mask")
	assert.Contains(t, err.Error(), "/sms", "the gateway is still named")
}

func TestVerify_RefusesTamperingStalenessAndAnotherSecret(t *testing.T) {
	body := []byte(`{"id":"x"}`)
	ts := "1772445600" // t0
	sig := webhook.Sign(secret, ts, body)
	require.NoError(t, webhook.Verify(secret, ts, sig, body, t0, 5*time.Minute))
	for name, err := range map[string]error{
		"body changed":    webhook.Verify(secret, ts, sig, []byte(`{"id":"y"}`), t0, 5*time.Minute),
		"timestamp off":   webhook.Verify(secret, "1772445601", sig, body, t0, 5*time.Minute),
		"stale":           webhook.Verify(secret, ts, sig, body, t0.Add(6*time.Minute), 5*time.Minute),
		"from the future": webhook.Verify(secret, ts, sig, body, t0.Add(-6*time.Minute), 5*time.Minute),
		"other secret":    webhook.Verify([]byte("another secret of thirty-two bytes!"), ts, sig, body, t0, 5*time.Minute),
		"not a number":    webhook.Verify(secret, "x", sig, body, t0, 5*time.Minute),
	} {
		assert.ErrorIs(t, err, webhook.ErrBadSignature, name)
	}
}

func TestNew_ChecksTheConfig(t *testing.T) {
	for name, cfg := range map[string]webhook.Config{
		"plain http to a remote host": {URL: "http://gateway.example/sms", Secret: secret, Channel: mitid.ChannelSMS},
		"no host":                     {URL: "https:///sms", Secret: secret, Channel: mitid.ChannelSMS},
		"short secret":                {URL: "https://gateway.example/sms", Secret: []byte("short"), Channel: mitid.ChannelSMS},
		"e-mail channel":              {URL: "https://gateway.example/sms", Secret: secret, Channel: mitid.ChannelEmail},
	} {
		_, err := webhook.New(cfg)
		assert.Equal(t, mitid.CodeConfigInvalid, mitid.ErrorCode(err), name)
	}
}

func TestWebhook_AppPushIsAddressedToTheUsersInternalID(t *testing.T) {
	g := newGateway(t)
	n := newNotifier(t, g.srv.URL, mitid.ChannelApp)
	user := uuid.New()
	note := sms(9, user.String())
	note.Delivery.Channel = mitid.ChannelApp
	require.NoError(t, n.Notify(context.Background(), note))
	require.Len(t, g.got, 1)
	assert.Equal(t, mitid.ChannelApp, g.got[0].Channel)
	assert.Equal(t, user.String(), g.got[0].To, "the push service maps the user to their devices")
}
