package postgres_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/require"

	"github.com/go-mitid/mitid"
	"github.com/go-mitid/mitid/store/memory"
	"github.com/go-mitid/mitid/store/postgres"
)

// The benchmarks of this file run together so the cost of UpdateUser reads
// as a ratio to the raw primitives on the same server:
//
//	go test -run='^$' -bench=. -benchmem ./store/postgres/
//
// UpdateUser is a whole read-decide-write: read the user, increment a
// counter, write it back with one event and one outbox message, atomically.
// Two floors bound it: a bare SELECT 1 (one round trip) and a bare one-row
// INSERT in autocommit (one round trip plus the WAL flush every durable
// commit pays). With synchronous_commit=off the flush leaves the commit
// path, and what remains is our own cost in round trips and CPU.

func BenchmarkBareSelect1(b *testing.B) {
	dsn := testDSN(b)
	ctx := context.Background()
	pool, err := pgxpool.New(ctx, dsn)
	require.NoError(b, err)
	defer pool.Close()
	var n int
	require.NoError(b, pool.QueryRow(ctx, "SELECT 1").Scan(&n)) // warm the connection
	b.ResetTimer()
	for b.Loop() {
		if err := pool.QueryRow(ctx, "SELECT 1").Scan(&n); err != nil {
			b.Fatal(err)
		}
	}
}

// barePool returns a plain pgx pool on the test database and a fresh schema
// in which ddl (with %s for the schema) has made the benchmark's table.
func barePool(b *testing.B, ddl string) (*pgxpool.Pool, string) {
	dsn := testDSN(b)
	pool, err := pgxpool.New(context.Background(), dsn)
	require.NoError(b, err)
	b.Cleanup(pool.Close)
	schema := pgx.Identifier{newSchema(b, dsn)}.Sanitize()
	_, err = pool.Exec(context.Background(), "CREATE SCHEMA "+schema+"; "+strings.ReplaceAll(ddl, "%s", schema))
	require.NoError(b, err)
	return pool, schema
}

func BenchmarkBareInsertCommit(b *testing.B) {
	ctx := context.Background()
	pool, table := barePool(b, "CREATE TABLE %s.probe (id bigserial PRIMARY KEY, v integer)")
	b.ResetTimer()
	for b.Loop() {
		if _, err := pool.Exec(ctx, "INSERT INTO "+table+".probe (v) VALUES (1)"); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkUpdateUser(b *testing.B) {
	b.Run("store=postgres", func(b *testing.B) { benchUpdate(b, newStore(b)) })
	b.Run("store=postgres,synchronous_commit=off", func(b *testing.B) {
		dsn := testDSN(b)
		sep := "?"
		if strings.Contains(dsn, "?") {
			sep = "&"
		}
		// pgx passes unknown DSN parameters to the server as settings.
		s, err := postgres.Open(context.Background(), dsn+sep+"synchronous_commit=off", postgres.Options{Schema: newSchema(b, dsn)})
		require.NoError(b, err)
		defer s.Close()
		benchUpdate(b, s)
	})
	b.Run("store=memory", func(b *testing.B) { benchUpdate(b, memory.New()) })
}

func benchUpdate(b *testing.B, s mitid.Store) {
	ctx := context.Background()
	at := time.Date(2026, 11, 21, 10, 0, 0, 0, time.UTC)
	u := &mitid.User{ID: uuid.New(), UserID: "bench-user", Phone: "+4512345678", Channels: []mitid.Channel{mitid.ChannelSMS},
		Status: mitid.UserActive, Language: mitid.Danish, IAL: mitid.LevelSubstantial, CreatedAt: at,
		Authenticators: []mitid.Authenticator{
			{ID: uuid.New(), Kind: mitid.KindApp, State: mitid.StateActive, CreatedAt: at, StateChangedAt: at},
			{ID: uuid.New(), Kind: mitid.KindCodeDisplay, State: mitid.StateActive, Serial: "123456789", CreatedAt: at, StateChangedAt: at},
			{ID: uuid.New(), Kind: mitid.KindPassword, State: mitid.StateActive, CreatedAt: at, StateChangedAt: at},
		}}
	require.NoError(b, s.CreateUser(ctx, u, nil))
	b.ResetTimer()
	for b.Loop() {
		_, err := s.UpdateUser(ctx, u.ID, func(u *mitid.User) ([]mitid.Event, error) {
			u.Authenticators[1].Failures++
			return []mitid.Event{{ID: uuid.New(), User: u.ID, Type: mitid.EventAuthenticatorFailed, At: at,
				Authenticator: u.Authenticators[1].ID, Notify: []mitid.Delivery{{Channel: mitid.ChannelSMS, Address: u.Phone}}}}, nil
		})
		if err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkBareReadThenWrite is the least a read-modify-write can cost: read
// one row, write it back, two round trips in autocommit, no events, no
// uniqueness, no version check.
func BenchmarkBareReadThenWrite(b *testing.B) {
	ctx := context.Background()
	pool, table := barePool(b, `CREATE TABLE %s.doc (id integer PRIMARY KEY, data jsonb NOT NULL); INSERT INTO %s.doc VALUES (1, '{"n": 0}')`)
	b.ResetTimer()
	for b.Loop() {
		var data []byte
		if err := pool.QueryRow(ctx, "SELECT data FROM "+table+".doc WHERE id = 1").Scan(&data); err != nil {
			b.Fatal(err)
		}
		if _, err := pool.Exec(ctx, "UPDATE "+table+".doc SET data = $1 WHERE id = 1", data); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkRecordStep is how a login step records its factor in the
// session: as it did, a read-decide-write (UpdateSession: a read, then a
// conditional update), and as it does, a compare-and-set on the version it
// read at the start of the step (ReplaceSession: one statement). Each
// commits durably; compare with BareInsertCommit.
func BenchmarkRecordStep(b *testing.B) {
	ctx := context.Background()
	s := newStore(b)
	at := time.Date(2026, 11, 21, 10, 0, 0, 0, time.UTC)
	data := make([]byte, 150) // a code login's state
	newSession := func(b *testing.B) string {
		sess := &mitid.Session{ID: "bench-" + uuid.NewString(), Kind: "login", Data: data, CreatedAt: at, ExpiresAt: at.Add(time.Hour)}
		require.NoError(b, s.CreateSession(ctx, sess))
		return sess.ID
	}
	b.Run("UpdateSession", func(b *testing.B) {
		id := newSession(b)
		for b.Loop() {
			if _, err := s.UpdateSession(ctx, id, at, func(*mitid.Session) ([]byte, error) { return data, nil }); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("ReplaceSession", func(b *testing.B) {
		id := newSession(b)
		for v := int64(1); b.Loop(); v++ {
			if _, err := s.ReplaceSession(ctx, id, v, at, data); err != nil {
				b.Fatal(err)
			}
		}
	})
}
