-- Issue 11: what the dispatcher reads besides claiming.
-- A message's siblings (the same event on the person's other channels), read
-- when one channel fails for good.
CREATE INDEX outbox_event ON outbox (event_id);
-- OutboxStats: the waiting backlog in queue order and the parked messages,
-- each counted without reading the delivered history.
CREATE INDEX outbox_waiting ON outbox (id) WHERE delivered_at IS NULL AND NOT dead;
CREATE INDEX outbox_parked ON outbox (id) WHERE dead;
