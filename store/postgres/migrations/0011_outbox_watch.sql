-- Issue 11: OutboxStats, the dispatcher's view of the queue. The waiting
-- backlog in queue order and the parked messages, each counted without
-- reading the delivered history. (A message's siblings, read when one
-- channel fails for good, are found through outbox_user: the dispatcher
-- names the user, and no index is added to the path of every completion.)
CREATE INDEX outbox_waiting ON outbox (id) WHERE delivered_at IS NULL AND NOT dead;
CREATE INDEX outbox_parked ON outbox (id) WHERE dead;
