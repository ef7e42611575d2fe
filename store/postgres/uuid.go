package postgres

import (
	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgtype"
)

// pgx sends a uuid.UUID through its driver.Valuer: formatted as text,
// refused by the binary uuid codec (with an error built by fmt), parsed
// back and encoded again; and it scans one through sql.Scanner, from text.
// That was an eighth of the program's CPU in a login step. The UUID's 16
// bytes go in and come out as they are through these, in every statement
// of the store that takes or reads a uuid.

// pgID is id as pgx encodes a uuid parameter directly, in every query
// mode (a bare [16]byte has no encoding in the simple protocol's text).
func pgID(id uuid.UUID) pgtype.UUID { return pgtype.UUID{Bytes: id, Valid: true} }

// nullUUID is id as a uuid parameter, NULL when it is uuid.Nil.
func nullUUID(id uuid.UUID) pgtype.UUID { return pgtype.UUID{Bytes: id, Valid: id != uuid.Nil} }

// fromPG is a scanned, possibly NULL, uuid column: uuid.Nil when NULL.
func fromPG(id pgtype.UUID) uuid.UUID {
	if !id.Valid {
		return uuid.Nil
	}
	return id.Bytes
}
