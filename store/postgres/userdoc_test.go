package postgres

import (
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"math/rand/v2"
	"reflect"
	"strconv"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/go-mitid/mitid"
)

// filledUser returns a user whose every stored field, at every depth, is
// set to something other than its zero value: a field the binary form
// forgets comes back zero and fails the comparison, so a field added to
// the domain without a number in userdoc.go fails this test.
func filledUser(seed uint64) *mitid.User {
	r := rand.New(rand.NewPCG(seed, 0x5eed))
	u := new(mitid.User)
	fill(r, reflect.ValueOf(u).Elem(), 0)
	u.Version = 0 // the store's counter, kept beside the document
	return u
}

var timeType = reflect.TypeFor[time.Time]()

func fill(r *rand.Rand, v reflect.Value, depth int) {
	if v.Type() == timeType {
		// Before and after 1970, with nanoseconds.
		s := r.Int64N(200*365*86400) - 100*365*86400
		v.Set(reflect.ValueOf(time.Unix(s, r.Int64N(1e9)).UTC()))
		return
	}
	switch v.Kind() {
	case reflect.String:
		v.SetString("s" + strconv.FormatUint(r.Uint64(), 36) + "é") // unique, as unique keys must be
	case reflect.Bool:
		v.SetBool(true)
	case reflect.Int, reflect.Int64, reflect.Int32:
		n := r.Int64N(2_000_000) - 1_000_000
		if n == 0 {
			n = -7
		}
		v.SetInt(n)
	case reflect.Uint8:
		v.SetUint(1 + r.Uint64N(255))
	case reflect.Uint32, reflect.Uint64:
		v.SetUint(1 + r.Uint64N(1<<32-1))
	case reflect.Array:
		for i := range v.Len() {
			v.Index(i).SetUint(uint64(r.IntN(256)))
		}
		v.Index(0).SetUint(1) // never all zero
	case reflect.Slice:
		n := 2 + r.IntN(3)
		v.Set(reflect.MakeSlice(v.Type(), n, n))
		for i := range n {
			if v.Type().Elem().Kind() == reflect.Uint8 {
				v.Index(i).SetUint(uint64(r.IntN(256)))
				continue
			}
			fill(r, v.Index(i), depth+1)
		}
	case reflect.Pointer:
		v.Set(reflect.New(v.Type().Elem()))
		fill(r, v.Elem(), depth+1)
	case reflect.Struct:
		t := v.Type()
		for i := range t.NumField() {
			sf := t.Field(i)
			if !sf.IsExported() || sf.Tag.Get("json") == "-" {
				continue
			}
			fill(r, v.Field(i), depth+1)
		}
	default:
		panic("filledUser: no filler for " + v.Type().String())
	}
}

// TestUserDoc_KeepsEveryFieldJSONKept: every field the JSON form keeps
// comes back from the binary form as it went in, at every depth, and the
// same as through JSON.
func TestUserDoc_KeepsEveryFieldJSONKept(t *testing.T) {
	for seed := range uint64(20) {
		u := filledUser(seed)
		var got mitid.User
		require.NoError(t, decodeUser(encodeUser(u), &got))
		require.Equal(t, u, &got)

		raw, err := json.Marshal(u)
		require.NoError(t, err)
		var viaJSON mitid.User
		require.NoError(t, json.Unmarshal(raw, &viaJSON))
		require.Equal(t, &viaJSON, &got, "the binary form and JSON keep the same")
	}
}

// TestUserDoc_ListsKeepEmptyElements: an empty string, a zero time and a
// nil UUID inside a list are elements, so the list keeps its length.
func TestUserDoc_ListsKeepEmptyElements(t *testing.T) {
	at := time.Date(2026, 11, 30, 8, 0, 0, 1, time.UTC)
	u := &mitid.User{
		ID:               uuid.New(),
		DueEmitted:       []string{"", "x", ""},
		QuestionFailures: []time.Time{{}, at},
		Channels:         []mitid.Channel{"", mitid.Channel("sms")},
		Logins:           []mitid.FinishedLogin{{}, {Authenticators: []uuid.UUID{uuid.Nil, uuid.New()}}},
		CPRAtRest:        &mitid.IdentifierAtRest{}, // a pointer to nothing is still there
	}
	var got mitid.User
	require.NoError(t, decodeUser(encodeUser(u), &got))
	require.Equal(t, u, &got)
}

// TestUserDoc_ReadsTheJSONWrittenBefore: a row written as JSON before the
// binary form is read as it was written.
func TestUserDoc_ReadsTheJSONWrittenBefore(t *testing.T) {
	u := filledUser(99)
	raw, err := json.Marshal(u)
	require.NoError(t, err)
	var got mitid.User
	require.NoError(t, decodeUser(raw, &got))
	require.Equal(t, u, &got)
}

// TestUserDoc_SkipsFieldsItDoesNotKnow: a field of a newer version is
// skipped, as encoding/json skips a key it does not know.
func TestUserDoc_SkipsFieldsItDoesNotKnow(t *testing.T) {
	u := filledUser(7)
	doc := encodeUser(u)
	doc = binary.AppendUvarint(doc, 99<<3|wireVarint)
	doc = binary.AppendUvarint(doc, 12345)
	doc = binary.AppendUvarint(doc, 100<<3|wireBytes)
	doc = binary.AppendUvarint(doc, 3)
	doc = append(doc, "new"...)
	var got mitid.User
	require.NoError(t, decodeUser(doc, &got))
	require.Equal(t, u, &got)
}

// TestUserDoc_RefusesADamagedDocument: damage is an error that says what
// is wrong, never a panic or a user half read as whole.
func TestUserDoc_RefusesADamagedDocument(t *testing.T) {
	field := func(num, wire int, body ...byte) []byte {
		b := binary.AppendUvarint([]byte{userDocV1}, uint64(num)<<3|uint64(wire))
		if wire == wireBytes {
			b = binary.AppendUvarint(b, uint64(len(body)))
		}
		return append(b, body...)
	}
	nested := func(num, inner, wire int, body ...byte) []byte {
		in := field(inner, wire, body...)[1:]
		return field(num, wireBytes, in...)
	}
	whole := encodeUser(filledUser(3))
	for _, c := range []struct {
		name string
		doc  []byte
		want string
	}{
		{"empty", nil, "neither JSON nor a known binary format"},
		{"an unknown format", []byte{0x02, 0x08, 0x01}, "neither JSON nor a known binary format"},
		{"cut short", whole[:len(whole)/2], "runs past the document"},
		{"a key cut short", []byte{userDocV1, 0x80}, "key is damaged"},
		{"a length cut short", []byte{userDocV1, 2<<3 | wireBytes, 0x80}, "a damaged length"},
		{"field number zero", []byte{userDocV1, 0x00, 0x01}, "key is damaged"},
		{"a wire type this form does not use", []byte{userDocV1, 1<<3 | 5, 0, 0, 0, 0}, "wire type 5"},
		{"a number where text belongs", field(2, wireVarint, 1), "field 2: wire type 0, not 2"},
		{"a UUID of 3 bytes", field(1, wireBytes, 1, 2, 3), "a UUID of 3 bytes"},
		{"a digest of 2 bytes", nested(26, 1, wireBytes, 1, 2), "a digest of 2 bytes"},
		{"nanoseconds past a second", nested(5, 2, wireVarint, binary.AppendUvarint(nil, 1e9)...), "out of range"},
		{"more argon2 lanes than a byte holds", nested(18, 18, wireBytes, field(5, wireVarint, 0x80, 0x02)[1:]...), "out of range"},
		{"a bool of 2", field(12, wireVarint, 2), "out of range"},
		{"damaged JSON", []byte(`{"id":`), "unexpected end of JSON input"},
	} {
		t.Run(c.name, func(t *testing.T) {
			var u mitid.User
			err := decodeUser(c.doc, &u)
			require.Error(t, err)
			assert.Contains(t, err.Error(), c.want)
		})
	}
}

// TestUserDoc_IsSmallerThanJSON: the size this form was chosen for, on
// the filled user and on a busy user with sixteen finished logins.
func TestUserDoc_IsSmallerThanJSON(t *testing.T) {
	for name, u := range map[string]*mitid.User{"filled": filledUser(1), "busy": busyUser()} {
		raw, err := json.Marshal(u)
		require.NoError(t, err)
		bin := encodeUser(u)
		assert.Less(t, len(bin)*2, len(raw), "%s: binary %d bytes, JSON %d", name, len(bin), len(raw))
	}
}

// The seed corpus (testdata/fuzz/FuzzUserDoc) holds a small user, a
// filled one and a busy one in the binary form, a small one as JSON, and
// the bare format byte.
func FuzzUserDoc(f *testing.F) {
	f.Fuzz(func(t *testing.T, doc []byte) {
		var u mitid.User
		if decodeUser(doc, &u) != nil {
			return
		}
		var again mitid.User
		require.NoError(t, decodeUser(encodeUser(&u), &again))
		if len(doc) > 0 && doc[0] == '{' {
			// JSON keeps an empty list as empty, the binary form as nil.
			return
		}
		require.Equal(t, &u, &again)
	})
}

// busyUser is a holder of a code display and a password with the sixteen
// finished logins a person who logs in every 30 seconds keeps: the
// largest document an ordinary login step reads and writes.
func busyUser() *mitid.User {
	u := filledUser(11)
	u.Codes, u.CodesSent, u.WitnessActs, u.QuestionFailures, u.DueEmitted, u.Document = nil, nil, nil, nil, nil, nil
	u.Authenticators = u.Authenticators[:2]
	u.Authenticators[0].Chip, u.Authenticators[0].DeviceKey, u.Authenticators[0].Password = nil, nil, nil
	u.Authenticators[1].Chip, u.Authenticators[1].DeviceKey, u.Authenticators[1].OTP = nil, nil, nil
	l := u.Logins[0]
	l.Authenticators = l.Authenticators[:2]
	u.Logins = nil
	for range 16 {
		u.Logins = append(u.Logins, l)
	}
	return u
}

// BenchmarkUserDoc: the binary form beside encoding/json, which it
// replaced, on a busy user's document (see busyUser):
//
//	go test -run='^$' -bench=UserDoc -benchmem ./store/postgres/
func BenchmarkUserDoc(b *testing.B) {
	u := busyUser()
	raw, err := json.Marshal(u)
	require.NoError(b, err)
	bin := encodeUser(u)
	b.Logf("JSON %d bytes, binary %d bytes", len(raw), len(bin))
	b.Run("decode/json", func(b *testing.B) {
		for b.Loop() {
			var v mitid.User
			if err := json.Unmarshal(raw, &v); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("decode/binary", func(b *testing.B) {
		for b.Loop() {
			var v mitid.User
			if err := decodeUser(bin, &v); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("encode/json", func(b *testing.B) {
		for b.Loop() {
			if _, err := json.Marshal(u); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("encode/binary", func(b *testing.B) {
		for b.Loop() {
			encodeUser(u)
		}
	})
}

// TestUserDoc_SharesNoMemoryWithTheRow: a decoded user owns its bytes, so
// pgx reusing the row's buffer for the next row changes nothing in it.
func TestUserDoc_SharesNoMemoryWithTheRow(t *testing.T) {
	u := filledUser(5)
	doc := encodeUser(u)
	var got mitid.User
	require.NoError(t, decodeUser(doc, &got))
	for i := range doc {
		doc[i] = 0xff
	}
	require.Equal(t, u, &got)
}

// goldenUser is the user whose stored form TestUserDoc_FormatDoesNotChange
// pins.
func goldenUser() *mitid.User {
	at := time.Date(2026, 11, 30, 8, 0, 0, 123456789, time.UTC)
	return &mitid.User{
		ID: uuid.MustParse("6256feb5-f216-413a-a686-4c0ae8b5c6fb"), UserID: "anna", Status: mitid.UserActive, IAL: mitid.LevelSubstantial,
		BirthDate: time.Date(1931, 3, 13, 0, 0, 0, 0, time.UTC), CreatedAt: at,
		Authenticators: []mitid.Authenticator{{ID: uuid.MustParse("653bf659-30b2-44c2-8875-14981cf93e06"), Kind: mitid.KindCodeDisplay,
			State: mitid.StateActive, CreatedAt: at, StateChangedAt: at,
			OTP: &mitid.OTPSecret{Seed: mitid.Sealed{KeyID: "k1", Nonce: []byte{1, 2}, Ciphertext: []byte{3}}, Algorithm: "SHA1", Digits: 6, PeriodSeconds: 30, LastStep: 59868700, Drift: -1}}},
		Logins: []mitid.FinishedLogin{{Session: mitid.Digest{0xaa}, At: at, Method: mitid.MethodCodeDisplay, LoA: mitid.LevelSubstantial,
			Authenticators: []uuid.UUID{uuid.MustParse("653bf659-30b2-44c2-8875-14981cf93e06")}}},
	}
}

// TestUserDoc_FormatDoesNotChange: the bytes a stored user is written as
// are pinned, so that a change to the encoder that would misread the rows
// already stored (a field renumbered, a number's encoding changed) fails
// here rather than in a database.
func TestUserDoc_FormatDoesNotChange(t *testing.T) {
	const golden = "010a106256feb5f216413aa6864c0ae8b5c6fb1204616e6e612a0808ffb3f38f091000680472066163746976658a010b0880b4e9b00d10959aef3a9201630a10653bf65930b244c2887514981cf93e06120c636f64655f646973706c61791a066163746976654a0b0880b4e9b00d10959aef3a5a0b0880b4e9b00d10959aef3a9a011e0a0b0a026b31120201021a0103120453484131180c203c28b8988c393001d201510a20aa00000000000000000000000000000000000000000000000000000000000000120b0880b4e9b00d10959aef3a1a0c636f64655f646973706c617930043a10653bf65930b244c2887514981cf93e06"
	got := hex.EncodeToString(encodeUser(goldenUser()))
	assert.Equal(t, golden, got)
	doc, err := hex.DecodeString(golden)
	require.NoError(t, err)
	var u mitid.User
	require.NoError(t, decodeUser(doc, &u))
	require.Equal(t, goldenUser(), &u)
}
