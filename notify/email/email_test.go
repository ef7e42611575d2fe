package email_test

import (
	"bufio"
	"context"
	"crypto/rand"
	"fmt"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/go-mitid/mitid"
	"github.com/go-mitid/mitid/notify/email"
)

// unique returns an address no other test run uses.
func unique(name string) string {
	return fmt.Sprintf("%s-%s@example.dk", name, strings.ToLower(rand.Text()[:10]))
}

func notification(id int64, to string, lang mitid.Language) mitid.Notification {
	e := mitid.Event{ID: uuid.New(), Type: mitid.EventUserIDChanged, Detail: map[string]string{"new": "anna-ny"}}
	subject, text := mitid.Render(&e, lang)
	return mitid.Notification{ID: id, Event: e, Subject: subject, Text: text,
		Delivery: mitid.Delivery{Channel: mitid.ChannelEmail, Address: to, Language: lang}}
}

func newNotifier(t testing.TB, cfg email.Config) *email.Notifier {
	t.Helper()
	n, err := email.New(cfg)
	require.NoError(t, err)
	t.Cleanup(func() { _ = n.Close() })
	return n
}

func TestEmail_DeliveredOverSTARTTLSWithLoginInTheUsersLanguage(t *testing.T) {
	mp := needMailpit(t)
	n := newNotifier(t, mp.config(t))
	ctx := context.Background()
	for _, lang := range []mitid.Language{mitid.Danish, mitid.English} {
		to := unique("anna-" + string(lang))
		note := notification(41, to, lang)
		require.NoError(t, n.Notify(ctx, note))

		got := mp.search(t, "to:"+to)
		require.Len(t, got, 1)
		msg, headers := mp.message(t, got[0].ID)
		assert.Equal(t, "MitID", msg.Subject)
		assert.Contains(t, msg.Tags, mp.user, "sent logged in (the server tags messages with the login)")
		assert.Equal(t, strings.Trim(n.MessageID(note), "<>"), msg.MessageID, "the Message-ID names the outbox message")
		assert.Equal(t, []string{string(lang)}, headers["Content-Language"])
		assert.Equal(t, []string{"auto-generated"}, headers["Auto-Submitted"])
		assert.Contains(t, msg.Text, note.Text)
		assert.Contains(t, msg.HTML, `lang="`+string(lang)+`"`)
		if lang == mitid.Danish {
			assert.Contains(t, msg.Text, "Dit bruger-ID er ændret til anna-ny", "UTF-8 survives the trip")
			assert.Contains(t, msg.HTML, "Var det ikke dig")
		} else {
			assert.Contains(t, msg.HTML, "Your user ID was changed to anna-ny")
		}
	}
}

func TestEmail_RetriedSendKeepsItsMessageID(t *testing.T) {
	mp := needMailpit(t)
	n := newNotifier(t, mp.config(t))
	to := unique("retry")
	note := notification(7, to, mitid.Danish)
	require.NoError(t, n.Notify(context.Background(), note))
	require.NoError(t, n.Notify(context.Background(), note), "a lease ran out: the same message again")
	other := note
	other.ID = 8
	require.NoError(t, n.Notify(context.Background(), other))

	got := mp.search(t, "to:"+to)
	require.Len(t, got, 3)
	ids := map[string]int{}
	for _, m := range got {
		ids[m.MessageID]++
	}
	assert.Equal(t, 2, ids[strings.Trim(n.MessageID(note), "<>")], "both sends of message 7 carry one Message-ID")
	assert.Equal(t, 1, ids[strings.Trim(n.MessageID(other), "<>")])
}

func TestEmail_MalformedAddressIsUndeliverableAndNothingIsSent(t *testing.T) {
	mp := needMailpit(t)
	n := newNotifier(t, mp.config(t))
	for _, addr := range []string{"", "anna", "anna@", "anna@localhost", "Anna <anna@example.dk>", "anna@example.dk\r\nBcc: x@example.dk"} {
		err := n.Notify(context.Background(), notification(1, addr, mitid.Danish))
		require.ErrorIs(t, err, mitid.ErrInvalid, "%q", addr)
		assert.Equal(t, mitid.CodeUndeliverable, mitid.ErrorCode(err), "%q", addr)
	}
	sms := notification(1, unique("sms"), mitid.Danish)
	sms.Delivery.Channel = mitid.ChannelSMS
	assert.Equal(t, mitid.CodeUndeliverable, mitid.ErrorCode(n.Notify(context.Background(), sms)))
}

func TestEmail_ServerProblemsAreTransient(t *testing.T) {
	mp := needMailpit(t)
	ctx := context.Background()

	cfg := mp.config(t)
	cfg.Password = "wrong"
	err := newNotifier(t, cfg).Notify(ctx, notification(1, unique("auth"), mitid.Danish))
	require.ErrorIs(t, err, mitid.ErrUnavailable, "a refused login is the operator's to fix; the message waits")
	assert.Equal(t, mitid.CodeDeliveryFailed, mitid.ErrorCode(err))
	assert.NotErrorIs(t, err, mitid.ErrInvalid)

	cfg = mp.config(t)
	cfg.TLS = nil // the system roots do not know the test certificate
	err = newNotifier(t, cfg).Notify(ctx, notification(1, unique("tls"), mitid.Danish))
	require.ErrorIs(t, err, mitid.ErrUnavailable, "an untrusted certificate is not sent to")
	assert.Contains(t, err.Error(), "certificate")
}

// A server that accepts the connection and never answers: Notify returns
// when its context ends, and says the server failed, not the message.
func TestEmail_SilentServerIsAbandonedAtTheDeadline(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer l.Close()
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			defer c.Close()
		}
	}()
	n := newNotifier(t, email.Config{Addr: l.Addr().String(), From: "noreply@mitid.example"})
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	start := time.Now()
	err = n.Notify(ctx, notification(1, "anna@example.dk", mitid.Danish))
	require.ErrorIs(t, err, mitid.ErrUnavailable)
	assert.Less(t, time.Since(start), 2*time.Second)
}

func TestEmail_ConfigIsChecked(t *testing.T) {
	for _, cfg := range []email.Config{{Addr: "no-port", From: "a@b.dk"}, {Addr: "h:25", From: "not an address"}} {
		_, err := email.New(cfg)
		assert.Equal(t, mitid.CodeConfigInvalid, mitid.ErrorCode(err))
	}
}

// plainSMTP is a few lines of SMTP without STARTTLS, for what Mailpit
// cannot be made to do: it answers RCPT with rcpt, offers the extensions
// ext besides AUTH, and reports the verbs it heard once the client has
// gone (MAIL and RCPT with their arguments).
func plainSMTP(t *testing.T, rcpt string, ext ...string) (addr string, heard <-chan string) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	t.Cleanup(func() { l.Close() })
	said := make(chan string, 1)
	go func() {
		c, err := l.Accept()
		if err != nil {
			return
		}
		defer c.Close()
		_ = c.SetDeadline(time.Now().Add(5 * time.Second))
		r := bufio.NewReader(c)
		fmt.Fprint(c, "220 plain.example ESMTP\r\n")
		var got []string
		for {
			line, err := r.ReadString('\n')
			if err != nil || strings.TrimSpace(line) == "" {
				break
			}
			verb := strings.ToUpper(strings.Fields(line)[0])
			if verb == "MAIL" || verb == "RCPT" {
				got = append(got, strings.TrimSpace(line))
			} else {
				got = append(got, verb)
			}
			switch verb {
			case "EHLO":
				fmt.Fprint(c, "250-plain.example\r\n")
				for _, e := range ext {
					fmt.Fprint(c, "250-"+e+"\r\n")
				}
				fmt.Fprint(c, "250 AUTH PLAIN\r\n")
			case "RCPT":
				fmt.Fprint(c, rcpt+"\r\n")
			case "DATA":
				fmt.Fprint(c, "354 go on\r\n")
				for line, err := r.ReadString('\n'); err == nil && line != ".\r\n"; line, err = r.ReadString('\n') {
				}
				fmt.Fprint(c, "250 kept\r\n")
			case "QUIT":
				fmt.Fprint(c, "221 bye\r\n")
			default:
				fmt.Fprint(c, "250 ok\r\n")
			}
		}
		said <- strings.Join(got, " ")
	}()
	return l.Addr().String(), said
}

func heardBy(t *testing.T, heard <-chan string) string {
	select {
	case s := <-heard:
		return s
	case <-time.After(5 * time.Second):
		t.Fatal("the server never saw the client leave")
		return ""
	}
}

// A server that does not offer STARTTLS gets nothing: the notifier stops
// after EHLO (a downgrade by someone on the path looks just like this).
func TestEmail_NoSTARTTLSNoSend(t *testing.T) {
	addr, heard := plainSMTP(t, "250 ok")
	n := newNotifier(t, email.Config{Addr: addr, From: "noreply@mitid.example", Username: "u", Password: "p"})
	err := n.Notify(context.Background(), notification(1, "anna@example.dk", mitid.Danish))
	require.ErrorIs(t, err, mitid.ErrUnavailable)
	assert.Contains(t, err.Error(), "STARTTLS")
	assert.Equal(t, "EHLO", heardBy(t, heard), "no AUTH, no MAIL: nothing in clear")
}

// The server's answer to RCPT decides: 5xx refuses the recipient for good
// (parked, the person's other channels tried), 4xx is for later.
func TestEmail_RecipientRefusedForGoodOrForNow(t *testing.T) {
	for _, tc := range []struct {
		reply string
		code  mitid.Code
	}{
		{"550 5.1.1 no such user", mitid.CodeUndeliverable},
		{"451 4.3.0 try again later", mitid.CodeDeliveryFailed},
	} {
		addr, heard := plainSMTP(t, tc.reply)
		n, err := email.New(email.Config{Addr: addr, From: "noreply@mitid.example", AllowPlaintext: true})
		require.NoError(t, err)
		err = n.Notify(context.Background(), notification(1, "anna@example.dk", mitid.Danish))
		assert.Equal(t, tc.code, mitid.ErrorCode(err), "%s: %v", tc.reply, err)
		assert.Contains(t, err.Error(), tc.reply[4:])
		require.NoError(t, n.Close())
		assert.NotContains(t, heardBy(t, heard), "DATA", "%s: no message sent", tc.reply)
	}
}

// An address is sent as SMTP can carry it: an internationalised domain in
// its ASCII form; letters beyond ASCII before the @ only to a server that
// offers SMTPUTF8, and to one that does not, nothing (the address has no
// ASCII form: parked, the person's other channels tried).
func TestEmail_AnInternationalisedAddressIsSentOnlyAsSMTPCanCarryIt(t *testing.T) {
	for _, tc := range []struct {
		name, to string
		ext      []string
		heard    string
		code     mitid.Code
	}{
		{"an ASCII address as it is", "anna@example.dk", nil,
			"EHLO MAIL FROM:<noreply@mitid.example> RCPT TO:<anna@example.dk> DATA QUIT", ""},
		// xn--blehave-lxa: Python's "æblehave".encode("idna"), another
		// implementation than the one under test.
		{"a Danish domain in its ASCII form", "anna@æblehave.dk", nil,
			"EHLO MAIL FROM:<noreply@mitid.example> RCPT TO:<anna@xn--blehave-lxa.dk> DATA QUIT", ""},
		{"a Danish name before the @ with SMTPUTF8", "jørgen@æblehave.dk", []string{"SMTPUTF8"},
			"EHLO MAIL FROM:<noreply@mitid.example> SMTPUTF8 RCPT TO:<jørgen@æblehave.dk> DATA QUIT", ""},
		{"a Danish name before the @ without SMTPUTF8", "jørgen@example.dk", nil,
			"EHLO QUIT", mitid.CodeUndeliverable},
	} {
		t.Run(tc.name, func(t *testing.T) {
			addr, heard := plainSMTP(t, "250 ok", tc.ext...)
			n, err := email.New(email.Config{Addr: addr, From: "noreply@mitid.example", AllowPlaintext: true})
			require.NoError(t, err)
			err = n.Notify(context.Background(), notification(1, tc.to, mitid.Danish))
			assert.Equal(t, tc.code, mitid.ErrorCode(err), "%v", err)
			require.NoError(t, n.Close())
			assert.Equal(t, tc.heard, heardBy(t, heard))
		})
	}
}

// A real server that offers SMTPUTF8 (Mailpit does) takes an address with
// Danish letters on both sides of its @, and the message arrives for that
// very address.
func TestEmail_AnAddressWithDanishLettersArrivesOverSMTPUTF8(t *testing.T) {
	mp := needMailpit(t)
	n := newNotifier(t, mp.config(t))
	to := "jørgen-" + strings.ToLower(rand.Text()[:10]) + "@æblehave.dk"
	require.NoError(t, n.Notify(context.Background(), notification(43, to, mitid.Danish)))
	got := mp.search(t, "to:"+to)
	require.Len(t, got, 1, "found by the address as written")
	require.Len(t, got[0].To, 1)
	assert.Equal(t, to, got[0].To[0].Address)
}
