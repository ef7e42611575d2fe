package postgres

import (
	"context"
	"encoding/json"
	"errors"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/go-mitid/mitid"
)

// PlaceOrder stores a new order with a change to its user in one
// transaction: the user is read under its row lock, fn decides, and the
// user's new state with the events (one statement, as UpdateUser) and the
// order row are written before the commit. An order without a user is
// CreateOrder with fn's events.
func (s *Store) PlaceOrder(ctx context.Context, o *mitid.Order, fn mitid.OrderChange) (*mitid.Order, *mitid.User, error) {
	if o.User == uuid.Nil {
		next := o.Clone()
		events, err := fn(next, nil)
		if err != nil {
			return nil, nil, err
		}
		if next.Number != o.Number || next.User != o.User {
			return nil, nil, mitid.InvalidEvent("the order change altered the order's number or user")
		}
		if err := s.CreateOrder(ctx, next, events); err != nil {
			return nil, nil, err
		}
		return next, nil, nil
	}
	var out *mitid.Order
	var user *mitid.User
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		next := o.Clone()
		u, err := s.updateUser(ctx, tx, o.User, func(u *mitid.User) ([]mitid.Event, error) { return fn(next, u) }, true)
		if err != nil {
			return err
		}
		if next.Number != o.Number || next.User != o.User {
			return mitid.InvalidEvent("the order change altered the order's number or user")
		}
		if err := next.Validate(); err != nil {
			return err
		}
		data, err := json.Marshal(next)
		if err != nil {
			return mitid.InvalidEvent("the order cannot be encoded: %v", err)
		}
		if _, err := tx.Exec(ctx, `INSERT INTO orders (number, user_id, version, placed_at, data) VALUES ($1, $2, 1, $3, $4)`,
			next.Number, next.User, next.PlacedAt, data); err != nil {
			var pe *pgconn.PgError
			if errors.As(err, &pe) && pe.Code == "23505" && pe.ConstraintName == "orders_pkey" {
				return mitid.OrderConflict(next.Number)
			}
			return err
		}
		next.Version = 1
		out, user = next, u
		return nil
	})
	if err != nil {
		return nil, nil, err
	}
	return out, user, nil
}

// ChangeOrder changes an order and its user in one transaction: the order
// row is locked first, then the user's (the one order in which the store
// takes both, so two changes never deadlock).
func (s *Store) ChangeOrder(ctx context.Context, number string, fn mitid.OrderChange) (*mitid.Order, *mitid.User, error) {
	return s.changeOrder(ctx, number, uuid.Nil, fn)
}

// ClaimOrder gives an order without a user to user: ChangeOrder with the
// order's user_id set in the same transaction.
func (s *Store) ClaimOrder(ctx context.Context, number string, user uuid.UUID, fn mitid.OrderChange) (*mitid.Order, *mitid.User, error) {
	return s.changeOrder(ctx, number, user, fn)
}

// changeOrder is ChangeOrder, and ClaimOrder when claim is not zero.
func (s *Store) changeOrder(ctx context.Context, number string, claim uuid.UUID, fn mitid.OrderChange) (*mitid.Order, *mitid.User, error) {
	var out *mitid.Order
	var user *mitid.User
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		o, err := scanOrder(tx.QueryRow(ctx, selectOrder+" FOR UPDATE", number), number)
		if err != nil {
			return err
		}
		if claim != uuid.Nil {
			if o.User != uuid.Nil {
				return mitid.ClaimedOrder(number)
			}
			if _, err := tx.Exec(ctx, `UPDATE orders SET user_id = $2 WHERE number = $1`, number, claim); err != nil {
				return err
			}
			o.User = claim
		}
		owner := o.User
		var events []mitid.Event
		if owner != uuid.Nil {
			user, err = s.updateUser(ctx, tx, owner, func(u *mitid.User) ([]mitid.Event, error) { return fn(o, u) }, true)
			if err != nil {
				return err
			}
		} else if events, err = fn(o, nil); err != nil {
			return fnError{err}
		}
		if o.Number != number || o.User != owner {
			return mitid.InvalidEvent("the order change altered the order's number or user")
		}
		if err := o.Validate(); err != nil {
			return err
		}
		if err := s.writeOrder(ctx, tx, o, events); err != nil {
			return err
		}
		out = o
		return nil
	})
	if err != nil {
		return nil, nil, err
	}
	return out, user, nil
}

// inTx runs fn in a transaction, retrying a serialisation failure or
// deadlock, and reports errors as the Store contract says: fn's own error
// unchanged, a database failure as unavailable.
func (s *Store) inTx(ctx context.Context, fn func(tx pgx.Tx) error) error {
	err := pgx.BeginFunc(ctx, s.pool, fn)
	for attempt := 0; retryable(err) && attempt < 5; attempt++ {
		err = pgx.BeginFunc(ctx, s.pool, fn)
	}
	var fe fnError
	if errors.As(err, &fe) {
		return fe.err
	}
	return fail(ctx, err)
}
