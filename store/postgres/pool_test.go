package postgres_test

import (
	"context"
	"io/fs"
	"sort"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/go-mitid/mitid"
	"github.com/go-mitid/mitid/store/postgres"
	"github.com/go-mitid/mitid/store/storetest"
)

// ownPool builds a pool the way an integrator would (its own config, here
// a search_path to a fresh schema), and applies postgres.Migrations with
// "its own tool": every file, in name order, in one transaction.
func ownPool(t *testing.T) (*pgxpool.Pool, string) {
	t.Helper()
	ctx := context.Background()
	dsn := testDSN(t)
	schema := newSchema(t, dsn)
	cfg, err := pgxpool.ParseConfig(dsn)
	require.NoError(t, err)
	cfg.ConnConfig.RuntimeParams["search_path"] = schema
	cfg.MaxConns = 8
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	require.NoError(t, err)
	t.Cleanup(pool.Close)

	names, err := fs.Glob(postgres.Migrations(), "*.sql")
	require.NoError(t, err)
	require.NotEmpty(t, names)
	sort.Strings(names)
	require.NoError(t, pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, "CREATE SCHEMA "+pgx.Identifier{schema}.Sanitize()); err != nil {
			return err
		}
		for _, name := range names {
			sql, err := fs.ReadFile(postgres.Migrations(), name)
			if err != nil {
				return err
			}
			if _, err := tx.Exec(ctx, string(sql)); err != nil {
				return err
			}
		}
		return nil
	}))
	return pool, schema
}

// TestConformance_OnACallersPoolWithItsOwnMigrations: the store runs on a
// pool it did not make, over a schema it did not migrate.
func TestConformance_OnACallersPoolWithItsOwnMigrations(t *testing.T) {
	storetest.Run(t, func(t *testing.T) mitid.Store {
		pool, schema := ownPool(t)
		s, err := postgres.NewFromPool(context.Background(), pool, postgres.Options{Schema: schema, SkipMigrations: true})
		require.NoError(t, err)
		t.Cleanup(s.Close)
		return s
	})
}

func TestNewFromPool_CloseLeavesTheCallersPoolOpen(t *testing.T) {
	ctx := context.Background()
	pool, _ := ownPool(t)
	s, err := postgres.NewFromPool(ctx, pool, postgres.Options{SkipMigrations: true})
	require.NoError(t, err)
	s.Close()
	require.NoError(t, pool.Ping(ctx), "the pool is the caller's")
	var n int
	require.NoError(t, pool.QueryRow(ctx, "SELECT count(*) FROM users").Scan(&n))
}

// TestNewFromPool_AppliesMigrationsUnlessSkipped: without SkipMigrations
// the store migrates the schema it is given (and records what it did);
// with it, the schema is left alone.
func TestNewFromPool_AppliesMigrationsUnlessSkipped(t *testing.T) {
	ctx := context.Background()
	dsn := testDSN(t)
	schema := newSchema(t, dsn)
	cfg, err := pgxpool.ParseConfig(dsn)
	require.NoError(t, err)
	cfg.ConnConfig.RuntimeParams["search_path"] = schema
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	require.NoError(t, err)
	defer pool.Close()

	_, err = postgres.NewFromPool(ctx, pool, postgres.Options{Schema: schema, SkipMigrations: true})
	assert.Equal(t, mitid.CodeConfigInvalid, mitid.ErrorCode(err), "nothing migrated, the schema does not exist")

	s, err := postgres.NewFromPool(ctx, pool, postgres.Options{Schema: schema})
	require.NoError(t, err)
	defer s.Close()
	names, err := fs.Glob(postgres.Migrations(), "*.sql")
	require.NoError(t, err)
	var applied int
	require.NoError(t, pool.QueryRow(ctx, "SELECT count(*) FROM schema_migrations").Scan(&applied))
	assert.Equal(t, len(names), applied)
	_, err = s.User(ctx, [16]byte{1})
	assert.ErrorIs(t, err, mitid.ErrNotFound, "the store works on the tables it made")
}

// TestNewFromPool_RefusesAPoolOnAnotherSchema: the store would otherwise
// read and write tables of whatever schema the pool's search_path names.
func TestNewFromPool_RefusesAPoolOnAnotherSchema(t *testing.T) {
	ctx := context.Background()
	pool, _ := ownPool(t)
	other := newSchema(t, testDSN(t))
	_, err := postgres.NewFromPool(ctx, pool, postgres.Options{Schema: other})
	require.Error(t, err)
	assert.Equal(t, mitid.CodeConfigInvalid, mitid.ErrorCode(err))
	assert.ErrorContains(t, err, other)
}
