-- Issue 9: CPR numbers and identity document numbers are no longer stored
-- in clear. A user's document holds them as keyed hashes (the values in
-- unique_keys, kinds 'cpr' and 'document') and sealed copies, under the
-- Service's key ring, which the database never sees; so no SQL can convert
-- a row written before. Such rows (a "cpr" member, or a document with a
-- "number") would keep the numbers in clear, and their holders could not
-- be found by CPR number, so this migration refuses to run over them
-- rather than carry them on silently. Before 1.0 there is no conversion:
-- start from an empty schema, and enrol those holders again (or, if the
-- data must be kept, build each user with its clear numbers and seal them
-- with mitid.KeyRing.SealIdentifiers, then store it anew).
DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM users WHERE data::jsonb ? 'cpr' OR (data::jsonb -> 'document') ? 'number') THEN
        RAISE EXCEPTION 'go-mitid: users written before CPR and document numbers were sealed hold them in clear; this version cannot convert them (the key ring is not in the database): start from an empty schema and enrol them again (see migrations/0012_identifiers_at_rest.sql)';
    END IF;
END
$$;
