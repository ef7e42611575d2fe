package mitid_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/go-mitid/mitid"
	"github.com/go-mitid/mitid/mitidtest"
	"github.com/go-mitid/mitid/mitidtest/fake"
	"github.com/go-mitid/mitid/store/postgres"
)

// pgStore opens the PostgreSQL store on a fresh schema of the test
// database (MITID_TEST_POSTGRES), dropped after the test, and returns it
// with a connection for reading its raw rows.
func pgStore(t *testing.T) (*postgres.Store, *pgx.Conn, string) {
	t.Helper()
	dsn := os.Getenv("MITID_TEST_POSTGRES")
	if dsn == "" {
		t.Skip("no PostgreSQL: set MITID_TEST_POSTGRES (bash .ci/run does)")
	}
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	schema := "mitid_atrest_" + hex.EncodeToString(b)
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, dsn)
	require.NoError(t, err)
	t.Cleanup(func() {
		_, _ = conn.Exec(context.Background(), "DROP SCHEMA IF EXISTS "+pgx.Identifier{schema}.Sanitize()+" CASCADE")
		_ = conn.Close(context.Background())
	})
	st, err := postgres.Open(ctx, dsn, postgres.Options{Schema: schema, MaxConns: 4})
	require.NoError(t, err)
	t.Cleanup(st.Close)
	return st, conn, schema
}

// rawRows returns every row of every table of schema as text.
func rawRows(t *testing.T, conn *pgx.Conn, schema string) string {
	t.Helper()
	ctx := context.Background()
	rows, err := conn.Query(ctx, "SELECT table_name FROM information_schema.tables WHERE table_schema = $1", schema)
	require.NoError(t, err)
	tables, err := pgx.CollectRows(rows, pgx.RowTo[string])
	require.NoError(t, err)
	require.NotEmpty(t, tables)
	var all strings.Builder
	for _, table := range tables {
		// Each row as PostgreSQL writes it, and its binary columns (a
		// session's data) as the bytes they hold, which t::text would
		// show in hex.
		rows, err := conn.Query(ctx, "SELECT t::text, t.* FROM "+pgx.Identifier{schema, table}.Sanitize()+" t")
		require.NoError(t, err)
		for rows.Next() {
			vals, err := rows.Values()
			require.NoError(t, err)
			all.WriteString(table + ": ")
			for _, v := range vals {
				if b, ok := v.([]byte); ok {
					v = string(b)
				}
				fmt.Fprint(&all, v, " ")
			}
			all.WriteString("\n")
		}
		require.NoError(t, rows.Err())
	}
	return all.String()
}

// TestIdentifiersAtRest_NoCPROrPassportNumberInAnyRow: after enrolments by
// passport (one with a CPR number, one without), a desk visit (a session)
// and an order by CPR and passport number, no table of the PostgreSQL store holds a CPR number or a passport
// number in clear (the users' documents, the unique keys, the events, the
// outbox, the orders, the sessions); and the Service still reads them back
// and finds the person by CPR number.
func TestIdentifiersAtRest_NoCPROrPassportNumberInAnyRow(t *testing.T) {
	st, conn, schema := pgStore(t)
	keys, err := mitid.NewRandomKeyRing(seeded(1))
	require.NoError(t, err)
	reg := mitid.CPRRecords{"0101904321": {Surname: "Hansen", GivenNames: "Anna", BirthDate: date(1990, 1, 1),
		Passports: []string{"DNK:AB1234567"}, Address: mitid.PostalAddress{Street: "Vestergade 1", PostalCode: "8000", City: "Aarhus C"}}}
	svc, err := mitid.New(mitid.Config{Store: st, Keys: keys, Clock: fake.NewClock(tNow), Rand: seeded(2), CPRRegister: reg, Policy: mitidtest.CheapPolicy()})
	require.NoError(t, err)
	ctx := context.Background()

	mrz := td3(t, "DNK", "AB1234567", "900101", "F", "300101", "HANSEN", "ANNA")
	doc, chip := passportChip(t, mrz, nil)
	anna, err := svc.EnrolByPassport(ctx, mitid.PassportEnrolment{MRZ: mrz, Chip: chip, Trust: doc.Trust, LiveFace: doc.FaceImage,
		Faces: sameFace, UserID: "anna-pas", CPR: "010190-4321", Phone: "12345678", Channels: []mitid.Channel{mitid.ChannelSMS}})
	require.NoError(t, err)
	mrz2 := td3(t, "DEU", "C01X00T47", "850601", "M", "310101", "MUSTERMANN", "ERIK")
	doc2, chip2 := passportChip(t, mrz2, nil)
	erik, err := svc.EnrolByPassport(ctx, mitid.PassportEnrolment{MRZ: mrz2, Chip: chip2, Trust: doc2.Trust, LiveFace: doc2.FaceImage,
		Faces: sameFace, UserID: "erik-m", Email: "erik@example.dk"})
	require.NoError(t, err)

	_, err = svc.StartProofing(ctx, "Operator Olsen", "0101904321", mitid.PictureID{Kind: mitid.IDPassport, Number: "AB1234567", Issuer: "DNK", Expires: date(2030, 1, 1)})
	require.NoError(t, err)
	_, err = svc.PlaceOrder(ctx, mitid.OrderRequest{Kind: mitid.KindCodeDisplay, Reason: mitid.ReasonNew, CPR: "010190-4321", Passport: "AB1234567",
		Delivery: mitid.DeliverToRegisteredAddress, AcceptTerms: true})
	require.NoError(t, err)

	raw := rawRows(t, conn, schema)
	for _, table := range []string{"users", "unique_keys", "events", "outbox", "orders", "sessions"} {
		assert.Contains(t, raw, table+": ", "the dump covers the %s table", table)
	}
	for _, secret := range []string{"0101904321", "010190-4321", "AB1234567", "C01X00T47"} {
		assert.NotContains(t, raw, secret, "%s is in no row in clear", secret)
	}

	// The Service opens them again.
	got, err := svc.UserByCPR(ctx, "010190-4321")
	require.NoError(t, err)
	assert.Equal(t, anna.User.ID, got.ID)
	assert.Equal(t, "0101904321", got.CPR.Digits())
	e, err := svc.User(ctx, erik.User.ID)
	require.NoError(t, err)
	require.NotNil(t, e.Document)
	assert.Equal(t, "C01X00T47", e.Document.Number)
}

// bothStores runs f on the memory store and, when MITID_TEST_POSTGRES is
// set, on PostgreSQL: the memory store keeps the clear fields in its
// structs, PostgreSQL decodes users that hold only the sealed copies.
func bothStores(t *testing.T, f func(t *testing.T, st mitid.Store)) {
	t.Run("memory", func(t *testing.T) { f(t, checkedStore(t)) })
	t.Run("postgres", func(t *testing.T) {
		st, _, _ := pgStore(t)
		f(t, st)
	})
}

// TestIdentifiersAtRest_FoundAndUniqueAcrossKeyRotation: a person enrolled
// under an old key is found by CPR number, and cannot enrol twice, after a
// new primary key comes (the old one kept), and after Rewrap once the old
// key is gone.
func TestIdentifiersAtRest_FoundAndUniqueAcrossKeyRotation(t *testing.T) {
	bothStores(t, func(t *testing.T, st mitid.Store) {
		e := newLoginEnv(t, st)
		e.rotate(t, ring(t, "a", "a"))
		u, _, err := e.svc.CreateUser(e.ctx, mitid.UserRequest{UserID: "rotated-" + t.Name()[len(t.Name())-3:], CPR: "121285-1234", IAL: mitid.LevelSubstantial, Email: "r@example.dk"})
		require.NoError(t, err)
		again := func(what string) {
			t.Helper()
			_, _, err := e.svc.CreateUser(e.ctx, mitid.UserRequest{UserID: "twice-" + what, CPR: "1212851234", IAL: mitid.LevelSubstantial, Email: "r@example.dk"})
			assert.Equal(t, mitid.CodeCPRTaken, mitid.ErrorCode(err), "%s: the same CPR number cannot enrol twice", what)
		}
		found := func(what string) {
			t.Helper()
			got, err := e.svc.UserByCPR(e.ctx, "121285-1234")
			require.NoError(t, err, what)
			assert.Equal(t, u.ID, got.ID, what)
			assert.Equal(t, "1212851234", got.CPR.Digits(), "%s: the sealed copy opens", what)
		}
		found("one key")
		again("one key")

		e.rotate(t, ring(t, "b", "a", "b"))
		found("new primary, old key kept")
		again("new primary, old key kept")

		n, err := e.svc.Rewrap(e.ctx, u.ID)
		require.NoError(t, err)
		assert.Equal(t, 1, n, "the CPR number is resealed and hashed anew")
		n, err = e.svc.Rewrap(e.ctx, u.ID)
		require.NoError(t, err)
		assert.Zero(t, n, "nothing left to move")

		e.rotate(t, ring(t, "b", "b"))
		found("old key retired after Rewrap")
		again("old key retired after Rewrap")
	})
}

// TestIdentifiersAtRest_UnderAnUnknownKeyIsCannotCheck: a CPR number sealed
// under a key gone from the ring is "cannot check" (CodeSecretUnreadable)
// where a rule needs it, counts as nothing, and Rewrap refuses rather than
// drop it; with the key back, all is there. It runs on PostgreSQL, where
// the sealed copy is all there is: the memory store keeps the clear number
// in its structs, in the process's memory, and a retired key takes nothing
// from it.
func TestIdentifiersAtRest_UnderAnUnknownKeyIsCannotCheck(t *testing.T) {
	st, _, _ := pgStore(t)
	e := newLoginEnv(t, st)
	e.rotate(t, ring(t, "a", "a"))
	u, _, err := e.svc.CreateUser(e.ctx, mitid.UserRequest{UserID: "lost-" + t.Name()[len(t.Name())-3:], CPR: "131285-1234", IAL: mitid.LevelSubstantial, Email: "l@example.dk"})
	require.NoError(t, err)

	e.rotate(t, ring(t, "b", "b"))
	got, err := e.svc.User(e.ctx, u.ID)
	require.NoError(t, err, "the account itself is still served")
	assert.True(t, got.CPR.IsZero())
	_, _, err = e.svc.SetPassword(e.ctx, u.ID, "a sturdy passphrase for the test")
	assert.Equal(t, mitid.CodeSecretUnreadable, mitid.ErrorCode(err), "the password rules need the CPR number")
	_, err = e.svc.Rewrap(e.ctx, u.ID)
	assert.Equal(t, mitid.CodeSecretUnreadable, mitid.ErrorCode(err))
	_, err = e.svc.UserByCPR(e.ctx, "131285-1234")
	assert.Equal(t, mitid.CodeUserNotFound, mitid.ErrorCode(err), "no hash under the ring's keys")
	got, err = e.svc.User(e.ctx, u.ID)
	require.NoError(t, err)
	assert.Zero(t, got.Failures, "nothing counted")

	e.rotate(t, ring(t, "b", "a", "b"))
	got, err = e.svc.UserByCPR(e.ctx, "131285-1234")
	require.NoError(t, err, "nothing was lost")
	assert.Equal(t, "1312851234", got.CPR.Digits())
}

// TestIdentifiersAtRest_RulesSeeTheCPRNumber: the rules that read the CPR
// number (a password must not contain it) see it on both stores, though
// PostgreSQL holds it only sealed.
func TestIdentifiersAtRest_RulesSeeTheCPRNumber(t *testing.T) {
	bothStores(t, func(t *testing.T, st mitid.Store) {
		e := newLoginEnv(t, st)
		u, _, err := e.svc.CreateUser(e.ctx, mitid.UserRequest{UserID: "rules-" + t.Name()[len(t.Name())-3:], CPR: "141285-1234", IAL: mitid.LevelSubstantial, Email: "p@example.dk"})
		require.NoError(t, err)
		_, _, err = e.svc.SetPassword(e.ctx, u.ID, "kodeord 1412851234 her")
		assert.Equal(t, mitid.CodePasswordInvalid, mitid.ErrorCode(err))
	})
}
