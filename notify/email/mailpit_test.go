package email_test

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/go-mitid/mitid/notify/email"
)

// The tests send to a real SMTP server, Mailpit, which .ci/run starts with
// STARTTLS and a password, and read what arrived through Mailpit's own HTTP
// API. Without the variables below they skip.

type mailpit struct {
	smtp, api, ca, user, password string
}

func needMailpit(t testing.TB) mailpit {
	t.Helper()
	m := mailpit{smtp: os.Getenv("MITID_TEST_SMTP"), api: os.Getenv("MITID_TEST_MAILPIT_API"),
		ca: os.Getenv("MITID_TEST_SMTP_CA"), user: os.Getenv("MITID_TEST_SMTP_USER"), password: os.Getenv("MITID_TEST_SMTP_PASSWORD")}
	if m.smtp == "" || m.api == "" || m.ca == "" {
		t.Skip("no SMTP server: set MITID_TEST_SMTP, MITID_TEST_SMTP_CA, MITID_TEST_SMTP_USER, MITID_TEST_SMTP_PASSWORD " +
			"and MITID_TEST_MAILPIT_API (bash .ci/run starts Mailpit and sets them)")
	}
	return m
}

// config is a notifier configuration for the test server, trusting its
// certificate.
func (m mailpit) config(t testing.TB) email.Config {
	t.Helper()
	pem, err := os.ReadFile(m.ca)
	require.NoError(t, err)
	roots := x509.NewCertPool()
	require.True(t, roots.AppendCertsFromPEM(pem))
	return email.Config{Addr: m.smtp, From: "MitID <noreply@mitid.example>", Username: m.user, Password: m.password,
		TLS: &tls.Config{RootCAs: roots, MinVersion: tls.VersionTLS12}}
}

// summary is a message as Mailpit's search lists it.
type summary struct {
	ID        string `json:"ID"`
	MessageID string `json:"MessageID"`
	Subject   string `json:"Subject"`
	To        []struct {
		Address string `json:"Address"`
	} `json:"To"`
}

// search lists the messages matching a Mailpit search query, all pages.
func (m mailpit) search(t testing.TB, query string) []summary {
	t.Helper()
	var out []summary
	for start := 0; ; {
		var page struct {
			Messages []summary `json:"messages"`
			Count    int       `json:"messages_count"`
		}
		m.get(t, fmt.Sprintf("/api/v1/search?query=%s&start=%d&limit=1000", url.QueryEscape(query), start), &page)
		out = append(out, page.Messages...)
		start += len(page.Messages)
		if len(page.Messages) == 0 || start >= page.Count {
			return out
		}
	}
}

// message is one message as Mailpit's API returns it.
type message struct {
	MessageID string   `json:"MessageID"`
	Tags      []string `json:"Tags"`
	Subject   string   `json:"Subject"`
	Text      string   `json:"Text"`
	HTML      string   `json:"HTML"`
}

func (m mailpit) message(t testing.TB, id string) (message, map[string][]string) {
	t.Helper()
	var msg message
	m.get(t, "/api/v1/message/"+id, &msg)
	var headers map[string][]string
	m.get(t, "/api/v1/message/"+id+"/headers", &headers)
	return msg, headers
}

func (m mailpit) get(t testing.TB, path string, v any) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, m.api+path, nil)
	require.NoError(t, err)
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode, path)
	require.NoError(t, json.NewDecoder(resp.Body).Decode(v))
}
