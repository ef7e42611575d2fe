-- Retention (Store.PurgeEvents, Store.PurgeOutbox): each purge walks what
-- it may remove in time order through an index of its own, so a purge
-- costs what it removes, not the history it keeps. The outbox index holds
-- only settled messages (delivered, or parked at their available_at), and
-- a message enters it when it is settled, an update that rewrites every
-- index of the row anyway (delivered_at is in the partial indexes'
-- predicates); the claim's indexes (outbox_due, outbox_waiting) are not
-- touched by a purge, which removes only rows they no longer hold.
CREATE INDEX events_at ON events (at);
CREATE INDEX outbox_settled ON outbox ((coalesce(delivered_at, available_at))) WHERE delivered_at IS NOT NULL OR dead;
