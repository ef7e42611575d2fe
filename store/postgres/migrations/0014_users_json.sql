-- A user's document is stored as json (its text as written) rather than
-- jsonb: every login step reads one user and writes it back, and nothing
-- queries inside the document, so jsonb's conversion to its binary form on
-- every write and back to text on every read was work for nothing (about a
-- tenth of a code-display login on PostgreSQL, BenchmarkLogin). PostgreSQL
-- still checks that what is written is JSON. (Migration 0012 casts to jsonb
-- for its one look inside, so it runs on either type.) The ALTER rewrites
-- the table under a lock: on a large table, run it at a quiet hour.
ALTER TABLE users ALTER COLUMN data TYPE json USING data::json;
