package web_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/http"
	"os"
	"sync"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/go-mitid/mitid"
	"github.com/go-mitid/mitid/store/memory"
	"github.com/go-mitid/mitid/store/postgres"
	"github.com/go-mitid/mitid/web"
)

// stores returns the stores to run on: memory, and PostgreSQL when
// MITID_TEST_POSTGRES names a database (a fresh schema, dropped after).
func stores(t *testing.T) map[string]func(t *testing.T) mitid.Store {
	out := map[string]func(t *testing.T) mitid.Store{"memory": func(*testing.T) mitid.Store { return memory.New() }}
	dsn := os.Getenv("MITID_TEST_POSTGRES")
	if dsn == "" {
		t.Log("PostgreSQL: skipped (set MITID_TEST_POSTGRES)")
		return out
	}
	out["postgres"] = func(t *testing.T) mitid.Store {
		b := make([]byte, 6)
		_, _ = rand.Read(b)
		schema := "mitid_web_" + hex.EncodeToString(b)
		st, err := postgres.Open(context.Background(), dsn, postgres.Options{Schema: schema, MaxConns: 8})
		require.NoError(t, err)
		t.Cleanup(func() {
			st.Close()
			conn, err := pgx.Connect(context.Background(), dsn)
			if err != nil {
				return
			}
			defer conn.Close(context.Background())
			_, _ = conn.Exec(context.Background(), "DROP SCHEMA IF EXISTS "+pgx.Identifier{schema}.Sanitize()+" CASCADE")
		})
		return st
	}
	return out
}

// TestConcurrent_OneCodeIsAcceptedOnce posts the same correct code from
// many goroutines at once over HTTP: exactly one is accepted; the others are
// refused as a replay or as out of order, and none counts as a wrong code.
func TestConcurrent_OneCodeIsAcceptedOnce(t *testing.T) {
	for name, open := range stores(t) {
		t.Run(name, func(t *testing.T) {
			s := newSiteOn(t, open(t), true)
			var l web.LoginView
			s.call(t, "/login", `{"user_id":"anna.web"}`, &l)
			code := s.code(t)
			const n = 16
			var wg sync.WaitGroup
			statuses := make([]int, n)
			codes := make([]mitid.Code, n)
			for i := range n {
				wg.Go(func() {
					resp := s.do(t, request{path: "/login/" + l.ID + "/code", body: `{"code":"` + code + `"}`})
					statuses[i] = resp.StatusCode
					if resp.StatusCode != http.StatusOK {
						codes[i] = errorOf(t, resp).Code
					} else {
						resp.Body.Close()
					}
				})
			}
			wg.Wait()
			ok := 0
			for i := range n {
				if statuses[i] == http.StatusOK {
					ok++
					continue
				}
				assert.Contains(t, []mitid.Code{mitid.CodeCodeUsed, mitid.CodeLoginOrder}, codes[i], "refusal %d (%d)", i, statuses[i])
			}
			assert.Equal(t, 1, ok, "exactly one post of the code is accepted")
			u, err := s.svc.User(t.Context(), s.user.ID)
			require.NoError(t, err)
			for _, a := range u.Authenticators {
				assert.Zero(t, a.Failures, "%s: a correct code posted twice is no wrong code", a.Kind)
			}
		})
	}
}
