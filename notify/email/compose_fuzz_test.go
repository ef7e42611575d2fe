package email

import (
	"bytes"
	"io"
	"mime"
	"mime/multipart"
	"net/mail"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"
	"golang.org/x/net/idna"

	"github.com/go-mitid/mitid"
)

// FuzzCompose: whatever the subject and text (they come from Render, but a
// Detail value such as a user ID ends up in them), the composed e-mail
// parses, has exactly the headers it was given (no injected ones), and its
// subject and plain-text part decode to the originals (line breaks in
// MIME's canonical CRLF).
func FuzzCompose(f *testing.F) {
	f.Add("MitID", "Dit bruger-ID er ændret til ærø-anna.")
	f.Add("Subject\r\nBcc: x@example.dk", "line\r\n.\r\nQUIT\r\n")
	f.Add("=?utf-8?q?x?=", "--mitid-boundary--")
	f.Add("", "")
	n, err := New(Config{Addr: "127.0.0.1:25", From: "MitID <noreply@mitid.example>", Now: func() time.Time { return time.Unix(0, 0) }})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, subject, text string) {
		if !utf8.ValidString(subject) || !utf8.ValidString(text) {
			t.Skip("Render produces UTF-8")
		}
		note := mitid.Notification{ID: 7, Event: mitid.Event{ID: uuid.Nil}, Subject: subject, Text: text,
			Delivery: mitid.Delivery{Channel: mitid.ChannelEmail, Address: "anna@example.dk", Language: mitid.Danish}}
		raw, err := n.compose(note, "anna@example.dk")
		if err != nil {
			t.Fatal(err)
		}
		msg, err := mail.ReadMessage(bytes.NewReader(raw))
		if err != nil {
			t.Fatalf("does not parse: %v", err)
		}
		want := []string{"From", "To", "Subject", "Date", "Message-Id", "Content-Language", "Auto-Submitted", "Mime-Version", "Content-Type"}
		if len(msg.Header) != len(want) {
			t.Fatalf("headers %v, want %v", msg.Header, want)
		}
		for _, h := range want {
			if len(msg.Header[h]) != 1 {
				t.Fatalf("header %s: %q", h, msg.Header[h])
			}
		}
		got, err := new(mime.WordDecoder).DecodeHeader(msg.Header.Get("Subject"))
		if err != nil || got != subject {
			t.Fatalf("subject %q decodes to %q (%v)", subject, got, err)
		}
		_, params, err := mime.ParseMediaType(msg.Header.Get("Content-Type"))
		if err != nil {
			t.Fatal(err)
		}
		part, err := multipart.NewReader(msg.Body, params["boundary"]).NextPart()
		if err != nil {
			t.Fatal(err)
		}
		body, err := io.ReadAll(part) // NextPart undoes the quoted-printable
		if err != nil {
			t.Fatal(err)
		}
		// Text travels in MIME's canonical form: line breaks become CRLF.
		if crlf := strings.NewReplacer("\r\n", "\n", "\r", "\n"); crlf.Replace(string(body)) != crlf.Replace(text) {
			t.Fatalf("text %q came back as %q", text, body)
		}
	})
}

// FuzzMailbox: an address ParseEmail accepts is sent in ASCII whenever
// its part before the @ is ASCII (an ASCII address as it is, another's
// domain as the same name, read back from its ASCII form), and otherwise
// as it is, marked as needing
// SMTPUTF8; the To header composed for it reads back as that address.
func FuzzMailbox(f *testing.F) {
	for _, a := range []string{"anna@example.dk", "anna@æblehave.dk", "jørgen@æblehave.dk", "a@xn--blehave-lxa.dk", "a@Æblehave.DK", "a@ex\u200dample.dk", "\"jø rgen\"@example.dk"} {
		f.Add(a)
	}
	n, err := New(Config{Addr: "127.0.0.1:25", From: "noreply@mitid.example", Now: func() time.Time { return time.Unix(0, 0) }})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, address string) {
		parsed, err := mitid.ParseEmail(address)
		if err != nil {
			t.Skip("Notify refuses it before mailbox")
		}
		to, utf8Mailbox, err := mailbox(parsed)
		if err != nil {
			return // undeliverable, said so
		}
		at := strings.LastIndexByte(parsed, '@')
		local, domain := parsed[:at], parsed[at+1:]
		if utf8Mailbox != !isASCII(local) {
			t.Fatalf("%q: utf8Mailbox %v", parsed, utf8Mailbox)
		}
		if utf8Mailbox || isASCII(domain) {
			if to != parsed {
				t.Fatalf("%q sent as %q", parsed, to)
			}
		} else {
			if !isASCII(to) || !strings.HasPrefix(to, local+"@") {
				t.Fatalf("%q sent as %q", parsed, to)
			}
			back, err := idna.Lookup.ToUnicode(to[at+1:])
			want, err2 := idna.Lookup.ToUnicode(domain)
			if err != nil || err2 != nil || back != want {
				t.Fatalf("%q: domain %q reads back as %q (%v), want %q (%v)", parsed, to[at+1:], back, err, want, err2)
			}
		}
		raw, err := n.compose(mitid.Notification{Subject: "s", Text: "t", Delivery: mitid.Delivery{Language: mitid.Danish}}, to)
		if err != nil {
			t.Fatal(err)
		}
		msg, err := mail.ReadMessage(bytes.NewReader(raw))
		if err != nil {
			t.Fatalf("does not parse: %v", err)
		}
		got, err := msg.Header.AddressList("To")
		if err != nil || len(got) != 1 || got[0].Address != to {
			t.Fatalf("To %q reads back as %v (%v), want %q", msg.Header.Get("To"), got, err, to)
		}
	})
}
