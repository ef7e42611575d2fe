// Package webhook delivers MitID notifications to an HTTP endpoint: an SMS
// gateway, or the push service of the MitID app. Each notification is one
// POST of a JSON document, signed with HMAC-SHA256 over the timestamp and
// the body, and carrying an idempotency key that is the same on every
// attempt, so the receiver can drop a repeat.
//
// The receiver's answer decides what happens next: 2xx is delivered; 408
// and 429 are transient, honouring Retry-After; any other 4xx is permanent
// (the message is parked and the person's other channels are tried); 5xx,
// a timeout or a broken connection is transient, retried with back-off.
package webhook

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/go-mitid/mitid"
)

// The headers of a request.
const (
	// HeaderTimestamp is the time of signing, in Unix seconds.
	HeaderTimestamp = "X-MitID-Timestamp"
	// HeaderSignature is "v1=" and the hex HMAC-SHA256, keyed with the
	// shared secret, of the timestamp, a dot and the body.
	HeaderSignature = "X-MitID-Signature"
	// HeaderIdempotencyKey is the same on every attempt of one outbox
	// message and differs between messages.
	HeaderIdempotencyKey = "Idempotency-Key"
)

// MinSecretLen is the shortest shared secret New accepts: 32 bytes, the
// HMAC-SHA256 block's worth of strength.
const MinSecretLen = 32

// Config says where and how to post.
type Config struct {
	// URL is the endpoint; https, or http to a loopback address for tests.
	URL string
	// Secret is the HMAC key shared with the receiver (at least
	// MinSecretLen bytes).
	Secret []byte
	// Channel is the channel this endpoint serves: ChannelSMS (the address
	// is an E.164 number) or ChannelApp (the address is the user's internal
	// ID, which the push service maps to the person's devices).
	Channel mitid.Channel
	// Timeout bounds one request when the context has no earlier deadline
	// (10 s).
	Timeout time.Duration
	// Client sends the requests (a client that follows no redirects).
	Client *http.Client
	// Now is the clock for the timestamp and for Retry-After dates (time.Now).
	Now func() time.Time
}

// Notifier posts notifications to one endpoint. It is safe for concurrent
// use.
type Notifier struct {
	cfg Config
}

// New checks cfg and returns a Notifier.
func New(cfg Config) (*Notifier, error) {
	u, err := url.Parse(cfg.URL)
	if err != nil || u.Host == "" || (u.Scheme != "https" && (u.Scheme != "http" || !loopback(u.Hostname()))) {
		return nil, mitid.NewError(mitid.CodeConfigInvalid, err, "the webhook URL %q must be https (http only to a loopback address)", cfg.URL)
	}
	if len(cfg.Secret) < MinSecretLen {
		return nil, mitid.NewError(mitid.CodeConfigInvalid, nil, "the webhook secret must be at least %d bytes", MinSecretLen)
	}
	if cfg.Channel != mitid.ChannelSMS && cfg.Channel != mitid.ChannelApp {
		return nil, mitid.NewError(mitid.CodeConfigInvalid, nil, "a webhook serves the sms or the app channel, not %q", cfg.Channel)
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = 10 * time.Second
	}
	if cfg.Client == nil {
		cfg.Client = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	cfg.Secret = bytes.Clone(cfg.Secret)
	return &Notifier{cfg: cfg}, nil
}

func loopback(host string) bool {
	return host == "localhost" || host == "127.0.0.1" || host == "::1"
}

// Payload is the JSON document posted for one notification.
type Payload struct {
	// ID is the idempotency key, also sent as HeaderIdempotencyKey.
	ID       string          `json:"id"`
	Channel  mitid.Channel   `json:"channel"`
	To       string          `json:"to"`
	Language mitid.Language  `json:"language"`
	Event    mitid.EventType `json:"event"`
	EventID  uuid.UUID       `json:"event_id"`
	At       time.Time       `json:"at"`
	Subject  string          `json:"subject"`
	Text     string          `json:"text"`
}

// IdempotencyKey returns the key of n: the outbox message and its event, so
// it is stable across attempts and unique across databases.
func IdempotencyKey(n mitid.Notification) string {
	return fmt.Sprintf("mitid-outbox-%d-%s", n.ID, n.Event.ID)
}

// Sign returns the HeaderSignature value for a body sent at timestamp ts.
func Sign(secret []byte, ts string, body []byte) string {
	m := hmac.New(sha256.New, secret)
	m.Write([]byte(ts))
	m.Write([]byte{'.'})
	m.Write(body)
	return "v1=" + hex.EncodeToString(m.Sum(nil))
}

// ErrBadSignature is Verify's answer to a request that is not signed with
// the secret, or signed too long ago.
var ErrBadSignature = errors.New("webhook: bad or stale signature")

// Verify is the receiver's check of a request: the signature matches the
// timestamp and body (compared in constant time) and the timestamp lies
// within tolerance of now, so a captured request cannot be replayed later.
func Verify(secret []byte, ts, signature string, body []byte, now time.Time, tolerance time.Duration) error {
	sec, err := strconv.ParseInt(ts, 10, 64)
	if err != nil {
		return ErrBadSignature
	}
	if d := now.Sub(time.Unix(sec, 0)); d > tolerance || d < -tolerance {
		return ErrBadSignature
	}
	if !hmac.Equal([]byte(Sign(secret, ts, body)), []byte(signature)) {
		return ErrBadSignature
	}
	return nil
}

// Notify posts n. See the package documentation for how answers are read.
func (w *Notifier) Notify(ctx context.Context, n mitid.Notification) error {
	if n.Delivery.Channel != w.cfg.Channel {
		return mitid.Undeliverable(nil, "this webhook serves channel %q, not %q", w.cfg.Channel, n.Delivery.Channel)
	}
	to, err := w.address(n.Delivery.Address)
	if err != nil {
		return err
	}
	p := Payload{ID: IdempotencyKey(n), Channel: n.Delivery.Channel, To: to, Language: n.Delivery.Language,
		Event: n.Event.Type, EventID: n.Event.ID, At: n.Event.At, Subject: n.Subject, Text: n.Text}
	body, err := json.Marshal(p)
	if err != nil {
		return mitid.Undeliverable(err, "the notification cannot be encoded")
	}
	ctx, cancel := context.WithTimeout(ctx, w.cfg.Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, w.cfg.URL, bytes.NewReader(body))
	if err != nil {
		return mitid.NewError(mitid.CodeConfigInvalid, err, "the webhook request cannot be built")
	}
	ts := strconv.FormatInt(w.cfg.Now().Unix(), 10)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set(HeaderTimestamp, ts)
	req.Header.Set(HeaderSignature, Sign(w.cfg.Secret, ts, body))
	req.Header.Set(HeaderIdempotencyKey, p.ID)
	resp, err := w.cfg.Client.Do(req)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			// The URL may carry the gateway's key in its query or user
			// part; the error is logged and kept in the outbox.
			ue.URL = redactURL(ue.URL)
		}
		return mitid.NewError(mitid.CodeDeliveryFailed, err, "the %s gateway cannot be reached", w.cfg.Channel)
	}
	defer resp.Body.Close()
	excerpt, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10)) // let the connection be reused
	// Cut at 512 bytes, maybe inside a character: kept as valid text.
	return w.classify(resp, strings.ToValidUTF8(strings.TrimSpace(string(excerpt)), "\uFFFD"))
}

// redactURL is raw without its user part and query: what may hold a key.
func redactURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "(the gateway's URL)"
	}
	u.User, u.RawQuery, u.Fragment = nil, "", ""
	return u.String()
}

// address checks the delivery address for the channel.
func (w *Notifier) address(a string) (string, error) {
	if w.cfg.Channel == mitid.ChannelApp {
		if _, err := uuid.Parse(a); err != nil {
			return "", mitid.Undeliverable(err, "the app address %q is not a user's internal ID", a)
		}
		return a, nil
	}
	p, err := mitid.ParsePhone(a)
	if err != nil || p != a {
		return "", mitid.Undeliverable(err, "the phone number %q is not in E.164 form", a)
	}
	return p, nil
}

// classify turns the gateway's status into the Dispatcher's classes.
func (w *Notifier) classify(resp *http.Response, excerpt string) error {
	code := resp.StatusCode
	what := fmt.Sprintf("the %s gateway answered %d %s", w.cfg.Channel, code, excerpt)
	switch {
	case code >= 200 && code < 300:
		return nil
	case code == http.StatusRequestTimeout || code == http.StatusTooManyRequests || code == http.StatusServiceUnavailable:
		if until, ok := retryAfter(resp.Header.Get("Retry-After"), w.cfg.Now()); ok {
			return mitid.RetryAfter(nil, until, "%s; retry after %s", what, until.UTC().Format(time.RFC3339))
		}
		return mitid.NewError(mitid.CodeDeliveryFailed, nil, "%s", what)
	case code >= 400 && code < 500:
		return mitid.Undeliverable(nil, "%s", what)
	default:
		return mitid.NewError(mitid.CodeDeliveryFailed, nil, "%s", what)
	}
}

// retryAfter reads a Retry-After value: delay seconds or an HTTP date
// (RFC 9110, 10.2.3).
func retryAfter(v string, now time.Time) (time.Time, bool) {
	if v == "" {
		return time.Time{}, false
	}
	if s, err := strconv.ParseUint(v, 10, 32); err == nil {
		return now.Add(time.Duration(s) * time.Second), true
	}
	if t, err := http.ParseTime(v); err == nil {
		return t, true
	}
	return time.Time{}, false
}
