package postgres

import (
	"context"

	"github.com/jackc/pgx/v5/pgxpool"
)

// OpenConfig opens a store on a pool built from cfg (a test sets a tracer
// on it), applying the migrations in opt.Schema as Open does.
func OpenConfig(ctx context.Context, cfg *pgxpool.Config, opt Options) (*Store, error) {
	schema := opt.Schema
	if schema != "" {
		cfg.ConnConfig.RuntimeParams["search_path"] = schema
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, err
	}
	if err := migrate(ctx, pool, schema); err != nil {
		pool.Close()
		return nil, err
	}
	return newStore(pool, true, opt), nil
}

// LoginStatements are the login step's statements, one per shape.
var LoginStatements = loginSQL[:]

// SetSessionPurgeBatch makes PurgeSessions delete n sessions a statement.
func (s *Store) SetSessionPurgeBatch(n int) { s.purgeBatch = n }

// FilledUser is filledUser: a user with every stored field set.
var FilledUser = filledUser

// Pool is the store's connection pool.
func (s *Store) Pool() *pgxpool.Pool { return s.pool }
