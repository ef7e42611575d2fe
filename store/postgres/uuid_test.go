package postgres

import (
	"testing"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgtype"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestPGID_EncodesAndScansAsTheUUIDDoes: the store's way of sending and
// reading a UUID puts the same bytes on the wire as pgx's own encoding of
// a uuid.UUID, and NULL for uuid.Nil where a column may be NULL.
func TestPGID_EncodesAndScansAsTheUUIDDoes(t *testing.T) {
	m := pgtype.NewMap()
	id := uuid.New()
	slow, err := m.Encode(pgtype.UUIDOID, pgtype.BinaryFormatCode, id, nil)
	require.NoError(t, err)
	fast, err := m.Encode(pgtype.UUIDOID, pgtype.BinaryFormatCode, pgID(id), nil)
	require.NoError(t, err)
	assert.Equal(t, slow, fast)
	assert.Equal(t, id[:], fast)

	null, err := m.Encode(pgtype.UUIDOID, pgtype.BinaryFormatCode, nullUUID(uuid.Nil), nil)
	require.NoError(t, err)
	assert.Nil(t, null, "uuid.Nil is NULL")
	some, err := m.Encode(pgtype.UUIDOID, pgtype.BinaryFormatCode, nullUUID(id), nil)
	require.NoError(t, err)
	assert.Equal(t, id[:], some)

	var got pgtype.UUID
	require.NoError(t, m.Scan(pgtype.UUIDOID, pgtype.BinaryFormatCode, fast, &got))
	assert.Equal(t, id, fromPG(got))
	require.NoError(t, m.Scan(pgtype.UUIDOID, pgtype.BinaryFormatCode, nil, &got))
	assert.Equal(t, uuid.Nil, fromPG(got), "NULL is uuid.Nil")
}

// BenchmarkUUIDParam: encoding a UUID parameter in binary, as pgx does a
// uuid.UUID (through its driver.Valuer) and as the store does (its bytes).
func BenchmarkUUIDParam(b *testing.B) {
	m := pgtype.NewMap()
	id := uuid.New()
	buf := make([]byte, 0, 64)
	for _, bc := range []struct {
		name string
		v    any
	}{{"uuid.UUID", id}, {"pgID", pgID(id)}} {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := m.Encode(pgtype.UUIDOID, pgtype.BinaryFormatCode, bc.v, buf[:0]); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
