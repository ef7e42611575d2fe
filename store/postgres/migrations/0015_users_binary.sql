-- A user's document is stored in the store's binary form (userdoc.go: a
-- format byte, then Protocol Buffers' wire format) instead of JSON: every
-- login step decodes one user and encodes it again, and JSON was most of
-- the Go side's work there. The column becomes bytea; the rows already
-- written keep their JSON text as bytes, which the store still reads (a
-- document that starts with '{') and writes back in the binary form at its
-- next change, so nothing needs converting now.
--
-- toast_tuple_target keeps a row of up to about 8 KB in its table page:
-- PostgreSQL would otherwise compress a document of more than about 2 KB
-- (a person with many recent logins, or a chip's attestation certificate)
-- and move it to the TOAST table, and do that again at every login step,
-- which cost more than the write itself. The ALTER rewrites the table under
-- a lock: on a large table, run it at a quiet hour.
ALTER TABLE users ALTER COLUMN data TYPE bytea USING convert_to(data::text, 'UTF8');
ALTER TABLE users SET (toast_tuple_target = 8160);
