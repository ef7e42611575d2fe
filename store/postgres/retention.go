package postgres

import (
	"context"
	"time"

	"github.com/go-mitid/mitid"
)

// Retention: the store is a mitid.Purger. Each purge is one statement that
// picks up to limit rows through an index on time (migration
// 0013_retention.sql) and deletes them, so it is a short transaction that
// costs what it removes; purges running at once skip each other's rows.
//
// Why a batched DELETE and not tables partitioned by time, which would drop
// a day of history at once: a partitioned table can only enforce a unique
// key that includes the partition key, and the event ID's uniqueness across
// the whole log is what makes recording an event idempotent (two
// Dispatchers recording one failed notice record it once). Partitions also
// need creating ahead of time by a job of their own. A deleted row's space
// is reused by new rows once autovacuum has passed, so with a steady
// retention the tables stop growing.

var _ mitid.Purger = (*Store)(nil)

// PurgeOutbox deletes up to limit messages settled before `before` whose
// event's other deliveries are settled before it too.
func (s *Store) PurgeOutbox(ctx context.Context, before time.Time, limit int) (int, error) {
	// Messages of one event share user_id and event_id; outbox_user finds
	// them. A message without a user has no siblings anyone reads.
	tag, err := s.pool.Exec(ctx, `WITH doomed AS (
		SELECT o.id FROM outbox o
		WHERE (o.delivered_at IS NOT NULL OR o.dead) AND coalesce(o.delivered_at, o.available_at) < $1
		AND NOT EXISTS (SELECT 1 FROM outbox w WHERE w.user_id = o.user_id AND w.event_id = o.event_id
			AND NOT coalesce((w.delivered_at IS NOT NULL OR w.dead) AND coalesce(w.delivered_at, w.available_at) < $1, false))
		ORDER BY coalesce(o.delivered_at, o.available_at)
		LIMIT $2
		FOR UPDATE SKIP LOCKED
	)
	DELETE FROM outbox USING doomed WHERE outbox.id = doomed.id`, before, limit)
	if err != nil {
		return 0, fail(ctx, err)
	}
	return int(tag.RowsAffected()), nil
}

// PurgeEvents deletes up to limit events that happened before `before` and
// have no outbox message left.
func (s *Store) PurgeEvents(ctx context.Context, before time.Time, limit int) (int, error) {
	tag, err := s.pool.Exec(ctx, `WITH doomed AS (
		SELECT e.seq FROM events e
		WHERE e.at < $1
		AND NOT EXISTS (SELECT 1 FROM outbox o WHERE o.user_id = e.user_id AND o.event_id = e.id)
		AND (e.user_id IS NOT NULL OR NOT EXISTS (SELECT 1 FROM outbox o WHERE o.user_id IS NULL AND o.event_id = e.id))
		ORDER BY e.at
		LIMIT $2
		FOR UPDATE SKIP LOCKED
	)
	DELETE FROM events USING doomed WHERE events.seq = doomed.seq`, before, limit)
	if err != nil {
		return 0, fail(ctx, err)
	}
	return int(tag.RowsAffected()), nil
}
