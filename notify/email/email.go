// Package email delivers MitID notifications by e-mail over SMTP, with the
// standard library's net/smtp: STARTTLS (required unless switched off),
// authentication, a Message-ID derived from the outbox message so a retried
// send is recognisable, and a plain-text and an HTML body in the person's
// language. Connections are kept open and reused between messages.
package email

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/tls"
	"encoding/base64"
	"errors"
	"fmt"
	"html"
	"io"
	"mime/quotedprintable"
	"net"
	"net/mail"
	"net/smtp"
	"net/textproto"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"golang.org/x/net/idna"

	"github.com/go-mitid/mitid"
)

// Config says how to reach the SMTP server.
type Config struct {
	// Addr is the server's host:port (a submission port, 587, as a rule).
	Addr string
	// From is the sender, with or without a display name
	// ("MitID <noreply@mitid.example>").
	From string
	// Username and Password authenticate (PLAIN, only over TLS); empty
	// Username: no authentication.
	Username, Password string
	// TLS configures STARTTLS; ServerName defaults to Addr's host.
	TLS *tls.Config
	// AllowPlaintext sends without TLS to a server that does not offer
	// STARTTLS. Off by default: a notice about a person's MitID is not sent
	// in clear, and a server that stopped offering TLS is an error.
	AllowPlaintext bool
	// HelloName is the name given in EHLO ("localhost").
	HelloName string
	// DialTimeout bounds connecting when the context has no earlier
	// deadline (10 s).
	DialTimeout time.Duration
	// MaxIdle is how many open connections are kept for reuse (2).
	MaxIdle int
	// Now is the clock for the Date header (time.Now).
	Now func() time.Time
}

// Notifier sends e-mail notifications. It is safe for concurrent use; each
// Notify uses a connection of its own.
type Notifier struct {
	cfg    Config
	host   string
	from   *mail.Address
	domain string // of the sender, for Message-IDs
	idle   chan *session
	mu     sync.Mutex
	closed bool
}

// New checks cfg and returns a Notifier. It does not connect yet.
func New(cfg Config) (*Notifier, error) {
	host, _, err := net.SplitHostPort(cfg.Addr)
	if err != nil {
		return nil, mitid.NewError(mitid.CodeConfigInvalid, err, "the SMTP address %q must be host:port", cfg.Addr)
	}
	from, err := mail.ParseAddress(cfg.From)
	if err != nil {
		return nil, mitid.NewError(mitid.CodeConfigInvalid, err, "the sender %q is not an e-mail address", cfg.From)
	}
	if cfg.TLS == nil {
		cfg.TLS = &tls.Config{}
	}
	cfg.TLS = cfg.TLS.Clone()
	if cfg.TLS.ServerName == "" {
		cfg.TLS.ServerName = host
	}
	if cfg.HelloName == "" {
		cfg.HelloName = "localhost"
	}
	if cfg.DialTimeout <= 0 {
		cfg.DialTimeout = 10 * time.Second
	}
	if cfg.MaxIdle <= 0 {
		cfg.MaxIdle = 2
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	domain := from.Address[strings.LastIndexByte(from.Address, '@')+1:]
	return &Notifier{cfg: cfg, host: host, from: from, domain: domain, idle: make(chan *session, cfg.MaxIdle)}, nil
}

// MessageID returns the Message-ID header value of n's e-mail:
// <outbox-ID.EVENT@sender-domain>. It is the same on every attempt of one
// outbox message, so a receiving system (or a person) can tell a retried
// send from a new notice, and it differs between messages even across
// databases, as the event ID is a random UUID.
func (s *Notifier) MessageID(n mitid.Notification) string {
	return fmt.Sprintf("<outbox-%d.%s@%s>", n.ID, n.Event.ID, s.domain)
}

// Notify sends n as one e-mail. A malformed address, a channel other than
// e-mail, or a recipient the server refuses for good (5xx) is reported as
// mitid.Undeliverable; anything else (the server unreachable, busy,
// refusing the login) is transient, for the Dispatcher to retry.
func (s *Notifier) Notify(ctx context.Context, n mitid.Notification) error {
	if n.Delivery.Channel != mitid.ChannelEmail {
		return mitid.Undeliverable(nil, "the e-mail notifier cannot send on channel %q", n.Delivery.Channel)
	}
	to, err := mitid.ParseEmail(n.Delivery.Address)
	if err != nil {
		return mitid.Undeliverable(err, "the e-mail address %q is malformed", n.Delivery.Address)
	}
	to, utf8Mailbox, err := mailbox(to)
	if err != nil {
		return mitid.Undeliverable(err, "the e-mail address %q has a domain that is not a valid internationalised domain name", n.Delivery.Address)
	}
	body, err := s.compose(n, to)
	if err != nil {
		return mitid.Undeliverable(err, "the e-mail cannot be composed")
	}
	ss, pooled, err := s.session(ctx)
	if err != nil {
		return transient(err, "cannot open an SMTP session to %s", s.cfg.Addr)
	}
	if ok, _ := ss.c.Extension("SMTPUTF8"); utf8Mailbox && !ok {
		s.put(ss) // nothing was said on it
		return mitid.Undeliverable(nil, "the mail server does not offer SMTPUTF8 (RFC 6531), which the address %s needs for the letters before its @", to)
	}
	err = s.send(ctx, ss, to, body)
	if err != nil && pooled && !isReply(err) && ctx.Err() == nil {
		// A kept connection the server closed meanwhile: try a fresh one.
		_ = ss.c.Close()
		if ss, _, err = s.dial(ctx); err != nil {
			return transient(err, "cannot open an SMTP session to %s", s.cfg.Addr)
		}
		err = s.send(ctx, ss, to, body)
	}
	if err != nil {
		_ = ss.c.Close()
		var tp *textproto.Error
		if errors.As(err, &tp) && tp.Code >= 500 && strings.HasPrefix(err.Error(), "rcpt: ") {
			return mitid.Undeliverable(err, "the mail server refuses the recipient %s", to)
		}
		return transient(err, "sending to %s failed", to)
	}
	s.put(ss)
	return nil
}

// mailbox returns address as it is sent: with an internationalised domain
// in its ASCII form (RFC 5890's A-label, which every mail server takes)
// when the part before the @ is ASCII, and as it is otherwise, when only a
// server that offers SMTPUTF8 may carry it (RFC 6531: such an address has
// no ASCII form, and is never sent to a server without it); utf8Mailbox
// reports that case. An ASCII address is returned unchanged.
func mailbox(address string) (to string, utf8Mailbox bool, err error) {
	at := strings.LastIndexByte(address, '@')
	local, domain := address[:at], address[at+1:]
	if !isASCII(local) {
		return address, true, nil
	}
	if isASCII(domain) {
		return address, false, nil
	}
	ascii, err := idna.Lookup.ToASCII(domain)
	if err != nil {
		return "", false, err
	}
	return local + "@" + ascii, false, nil
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// rcptError marks a refusal of the recipient, the one reply that is about
// the message rather than the server.
type rcptError struct{ err error }

func (e rcptError) Error() string { return "rcpt: " + e.err.Error() }
func (e rcptError) Unwrap() error { return e.err }

// send runs one mail transaction, giving up when ctx ends.
func (s *Notifier) send(ctx context.Context, ss *session, to string, body []byte) error {
	c, conn := ss.c, ss.conn
	if dl, ok := ctx.Deadline(); ok {
		_ = conn.SetDeadline(dl)
	}
	stop := context.AfterFunc(ctx, func() { _ = conn.SetDeadline(time.Unix(1, 0)) })
	defer func() {
		stop() // first, so that a late cancellation cannot poison a kept connection
		_ = conn.SetDeadline(time.Time{})
	}()
	if err := c.Mail(s.from.Address); err != nil {
		return err
	}
	if err := c.Rcpt(to); err != nil {
		_ = c.Reset()
		return rcptError{err}
	}
	w, err := c.Data()
	if err != nil {
		return err
	}
	if _, err := w.Write(body); err != nil {
		return err
	}
	return w.Close()
}

// session returns a kept session, or a new one.
func (s *Notifier) session(ctx context.Context) (*session, bool, error) {
	select {
	case ss := <-s.idle:
		return ss, true, nil
	default:
		return s.dial(ctx)
	}
}

// put keeps ss for the next message, or closes it when enough are kept.
func (s *Notifier) put(ss *session) {
	s.mu.Lock()
	kept := false
	if !s.closed {
		select {
		case s.idle <- ss:
			kept = true
		default:
		}
	}
	s.mu.Unlock()
	if !kept {
		_ = ss.c.Quit()
	}
}

// dial opens a session: connect, EHLO, STARTTLS, AUTH.
func (s *Notifier) dial(ctx context.Context) (*session, bool, error) {
	dctx, cancel := context.WithTimeout(ctx, s.cfg.DialTimeout)
	defer cancel()
	conn, err := (&net.Dialer{}).DialContext(dctx, "tcp", s.cfg.Addr)
	if err != nil {
		return nil, false, err
	}
	dl, _ := dctx.Deadline()
	_ = conn.SetDeadline(dl)
	stop := context.AfterFunc(dctx, func() { _ = conn.SetDeadline(time.Unix(1, 0)) })
	defer stop()
	c, err := s.handshake(conn)
	if err != nil {
		_ = conn.Close()
		return nil, false, err
	}
	_ = conn.SetDeadline(time.Time{})
	return &session{c: c, conn: conn}, false, nil
}

func (s *Notifier) handshake(conn net.Conn) (*smtp.Client, error) {
	c, err := smtp.NewClient(conn, s.host)
	if err != nil {
		return nil, err
	}
	if err := c.Hello(s.cfg.HelloName); err != nil {
		return nil, err
	}
	if ok, _ := c.Extension("STARTTLS"); ok {
		if err := c.StartTLS(s.cfg.TLS); err != nil {
			return nil, err
		}
	} else if !s.cfg.AllowPlaintext {
		return nil, errors.New("the server does not offer STARTTLS; refusing to send in clear (Config.AllowPlaintext)")
	}
	if s.cfg.Username != "" {
		if err := c.Auth(smtp.PlainAuth("", s.cfg.Username, s.cfg.Password, s.host)); err != nil {
			return nil, fmt.Errorf("authentication as %s: %w", s.cfg.Username, err)
		}
	}
	return c, nil
}

// Close closes the kept connections; Notify still works afterwards but keeps
// none.
func (s *Notifier) Close() error {
	s.mu.Lock()
	s.closed = true
	s.mu.Unlock()
	for {
		select {
		case ss := <-s.idle:
			_ = ss.c.Quit()
		default:
			return nil
		}
	}
}

// compose builds the message: headers, and a multipart/alternative body
// with the text and an HTML rendering of it, both quoted-printable UTF-8.
func (s *Notifier) compose(n mitid.Notification, to string) ([]byte, error) {
	var boundary [12]byte
	if _, err := io.ReadFull(rand.Reader, boundary[:]); err != nil {
		return nil, err
	}
	b := fmt.Sprintf("mitid-%x", boundary)
	lang := string(n.Delivery.Language)
	if lang == "" {
		lang = string(mitid.Danish)
	}
	var buf bytes.Buffer
	hdr := func(k, v string) { buf.WriteString(k + ": " + v + "\r\n") }
	hdr("From", s.from.String())
	hdr("To", "<"+to+">")
	hdr("Subject", encodeHeader(n.Subject))
	hdr("Date", s.cfg.Now().Format(time.RFC1123Z))
	hdr("Message-ID", s.MessageID(n))
	hdr("Content-Language", lang)
	hdr("Auto-Submitted", "auto-generated") // RFC 3834: no auto-replies
	hdr("MIME-Version", "1.0")
	hdr("Content-Type", `multipart/alternative; boundary="`+b+`"`)
	buf.WriteString("\r\n")
	page := `<!DOCTYPE html><html lang="` + html.EscapeString(lang) + `"><head><meta charset="utf-8"><title>` +
		html.EscapeString(n.Subject) + `</title></head><body><p>` + html.EscapeString(n.Text) + "</p></body></html>"
	for _, part := range []struct{ typ, body string }{{"text/plain", n.Text}, {"text/html", page}} {
		buf.WriteString("--" + b + "\r\n")
		hdr("Content-Type", part.typ+"; charset=utf-8")
		hdr("Content-Transfer-Encoding", "quoted-printable")
		buf.WriteString("\r\n")
		w := quotedprintable.NewWriter(&buf)
		if _, err := w.Write([]byte(part.body)); err != nil {
			return nil, err
		}
		if err := w.Close(); err != nil {
			return nil, err
		}
		buf.WriteString("\r\n")
	}
	buf.WriteString("--" + b + "--\r\n")
	return buf.Bytes(), nil
}

// encodeHeader returns v as a header value: as it is when it is short,
// printable ASCII, without spaces at its ends (a reader strips them) and
// cannot be mistaken for an encoded word, otherwise as
// RFC 2047 encoded words (base64, at most 45 bytes of text each, so a word
// stays within 75 characters), folded onto lines of their own. Unlike
// mime.QEncoding it also encodes text that merely looks like an encoded
// word, so a subject reads back exactly as it was written.
func encodeHeader(v string) string {
	plain := len(v) <= 70 && !strings.Contains(v, "=?") && strings.TrimSpace(v) == v
	for i := 0; plain && i < len(v); i++ {
		plain = v[i] >= ' ' && v[i] <= '~'
	}
	if plain {
		return v
	}
	var words []string
	for len(v) > 0 {
		n := min(len(v), 45)
		for n < len(v) && n > 0 && !utf8.RuneStart(v[n]) {
			n-- // never split a character between two words
		}
		words = append(words, "=?utf-8?b?"+base64.StdEncoding.EncodeToString([]byte(v[:n]))+"?=")
		v = v[n:]
	}
	return strings.Join(words, "\r\n ")
}

// transient wraps a failure the Dispatcher should retry.
func transient(cause error, format string, args ...any) error {
	return mitid.NewError(mitid.CodeDeliveryFailed, cause, format, args...)
}

// isReply reports whether err is the server's answer (so the connection
// itself is fine).
func isReply(err error) bool {
	var tp *textproto.Error
	return errors.As(err, &tp)
}

// session is an open SMTP session and the network connection under it,
// on which deadlines are set (net/smtp does not expose it; after STARTTLS
// the client talks through a TLS layer over this same connection, so its
// deadlines hold there too).
type session struct {
	c    *smtp.Client
	conn net.Conn
}
