package email_test

import (
	"context"
	"crypto/rand"
	"fmt"
	"net"
	"net/smtp"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/go-mitid/mitid"
	"github.com/go-mitid/mitid/notify/email"
)

// BenchmarkRawSMTPSend is the primitive: one mail transaction (MAIL, RCPT,
// DATA) of a prepared message on a kept, authenticated STARTTLS session,
// with net/smtp directly.
func BenchmarkRawSMTPSend(b *testing.B) {
	mp := needMailpit(b)
	cfg := mp.config(b)
	host, _, _ := net.SplitHostPort(cfg.Addr)
	c, err := smtp.Dial(cfg.Addr)
	require.NoError(b, err)
	defer c.Close()
	require.NoError(b, c.Hello("localhost"))
	tlsc := cfg.TLS.Clone()
	tlsc.ServerName = host
	require.NoError(b, c.StartTLS(tlsc))
	require.NoError(b, c.Auth(smtp.PlainAuth("", cfg.Username, cfg.Password, host)))
	to := unique("raw")
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		require.NoError(b, c.Mail("noreply@mitid.example"))
		require.NoError(b, c.Rcpt(to))
		w, err := c.Data()
		require.NoError(b, err)
		fmt.Fprintf(w, "From: noreply@mitid.example\r\nTo: %s\r\nSubject: MitID\r\nMessage-ID: <raw-%d-%s@mitid.example>\r\n\r\nDit MitID er midlertidigt spærret.\r\n", to, i, strings.ToLower(rand.Text()[:8]))
		require.NoError(b, w.Close())
	}
}

// BenchmarkNotifySMTP is the notifier over the same kind of session:
// validating the address, composing text and HTML, and the transaction.
func BenchmarkNotifySMTP(b *testing.B) {
	mp := needMailpit(b)
	n, err := email.New(mp.config(b))
	require.NoError(b, err)
	defer n.Close()
	note := notification(1, unique("bench"), mitid.Danish)
	ctx := context.Background()
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		note.ID = int64(i)
		require.NoError(b, n.Notify(ctx, note))
	}
}
