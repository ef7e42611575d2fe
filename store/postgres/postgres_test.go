package postgres_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"os"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"

	"github.com/go-mitid/mitid"
	"github.com/go-mitid/mitid/store/postgres"
	"github.com/go-mitid/mitid/store/storetest"
)

// dsnVar names the environment variable that holds the test database's
// address. .ci/run sets it; without it the PostgreSQL tests skip.
const dsnVar = "MITID_TEST_POSTGRES"

func testDSN(t testing.TB) string {
	dsn := os.Getenv(dsnVar)
	if dsn == "" {
		t.Skipf("PostgreSQL tests skipped: set %s to a database address, e.g. %s='postgres://postgres@127.0.0.1:5432/mitid_test?sslmode=disable' (bash .ci/run does)", dsnVar, dsnVar)
	}
	return dsn
}

// newSchema returns a fresh schema name and drops the schema after the test.
func newSchema(t testing.TB, dsn string) string {
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	schema := "mitid_test_" + hex.EncodeToString(b)
	t.Cleanup(func() {
		conn, err := pgx.Connect(context.Background(), dsn)
		if err != nil {
			t.Logf("dropping schema %s: %v", schema, err)
			return
		}
		defer conn.Close(context.Background())
		if _, err := conn.Exec(context.Background(), "DROP SCHEMA IF EXISTS "+pgx.Identifier{schema}.Sanitize()+" CASCADE"); err != nil {
			t.Logf("dropping schema %s: %v", schema, err)
		}
	})
	return schema
}

// newStore opens a store on a fresh schema of the test database.
func newStore(t testing.TB) *postgres.Store {
	dsn := testDSN(t)
	s, err := postgres.Open(context.Background(), dsn, postgres.Options{Schema: newSchema(t, dsn), MaxConns: 8})
	require.NoError(t, err)
	t.Cleanup(s.Close)
	return s
}

// rawStore opens a store on a fresh schema and a plain connection beside
// it, for a benchmark that fills or reads the tables directly. Both close
// when the benchmark ends.
func rawStore(tb testing.TB) (s *postgres.Store, conn *pgx.Conn, schema string) {
	ctx := context.Background()
	dsn := testDSN(tb)
	schema = newSchema(tb, dsn)
	s, err := postgres.Open(ctx, dsn, postgres.Options{Schema: schema})
	require.NoError(tb, err)
	tb.Cleanup(s.Close)
	conn, err = pgx.Connect(ctx, dsn)
	require.NoError(tb, err)
	tb.Cleanup(func() { conn.Close(context.Background()) })
	return s, conn, schema
}

func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) mitid.Store { return newStore(t) })
}
