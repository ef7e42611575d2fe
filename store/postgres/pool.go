package postgres

import (
	"context"
	"io/fs"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/go-mitid/mitid"
)

// Migrations returns the store's schema migrations: one SQL file per
// version at the root, named NNNN_what.sql, to be applied in name order,
// each once. Open applies them itself (recording each in a table
// schema_migrations); a team that runs its database changes with a tool of
// its own applies these files with it and opens the store with
// Options.SkipMigrations.
func Migrations() fs.FS {
	sub, err := fs.Sub(migrationFiles, "migrations")
	if err != nil {
		panic(err) // the directory is embedded: cannot happen
	}
	return sub
}

// NewFromPool returns a store on a pool the caller made (with its own
// tracer, limits, TLS settings), applying the migrations unless
// opt.SkipMigrations. The pool stays the caller's: Store.Close leaves it
// open. The store finds its tables through the pool's search_path; with
// opt.Schema set, the migrations go into that schema (created if missing),
// and the pool's connections must use it first in their search_path
// (RuntimeParams["search_path"]), which NewFromPool checks. opt.MaxConns
// is ignored.
func NewFromPool(ctx context.Context, pool *pgxpool.Pool, opt Options) (*Store, error) {
	if pool == nil {
		return nil, mitid.NewError(mitid.CodeConfigInvalid, nil, "postgres store: NewFromPool needs a pool")
	}
	if err := pool.Ping(ctx); err != nil {
		return nil, mitid.Unavailable(err)
	}
	if !opt.SkipMigrations {
		if err := migrate(ctx, pool, opt.Schema); err != nil {
			return nil, err
		}
	}
	if opt.Schema != "" {
		var current *string
		if err := pool.QueryRow(ctx, `SELECT current_schema()`).Scan(&current); err != nil {
			return nil, fail(ctx, err)
		}
		if current == nil || *current != opt.Schema {
			got := "none"
			if current != nil {
				got = *current
			}
			return nil, mitid.NewError(mitid.CodeConfigInvalid, nil,
				"postgres store: the pool's connections use schema %q, not %q: set its search_path (RuntimeParams) to the store's schema", got, opt.Schema)
		}
	}
	return newStore(pool, false, opt), nil
}

// newStore is the store on pool, which it closes when owned.
func newStore(pool *pgxpool.Pool, owned bool, opt Options) *Store {
	return &Store{pool: pool, owned: owned, durableSessions: opt.DurableSessions}
}
