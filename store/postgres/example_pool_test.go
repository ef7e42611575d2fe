package postgres_test

import (
	"context"
	"io/fs"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/go-mitid/mitid/store/postgres"
)

// A store on the application's own pool (its tracer, limits and TLS
// settings), over a schema the team's migration tool keeps: the tool is
// handed postgres.Migrations, and the store leaves the schema alone. The
// pool stays the application's: closing the store leaves it open.
func ExampleNewFromPool() {
	ctx := context.Background()
	pool, err := pgxpool.New(ctx, "postgres://app@db.internal/mitid")
	if err != nil {
		panic(err)
	}
	defer pool.Close()

	// What the team's migration tool reads: 0001_init.sql, 0011_..., in name order.
	names, err := fs.Glob(postgres.Migrations(), "*.sql")
	if err != nil {
		panic(err)
	}
	_ = names

	store, err := postgres.NewFromPool(ctx, pool, postgres.Options{SkipMigrations: true})
	if err != nil {
		panic(err)
	}
	defer store.Close() // leaves pool open
}
