package mitid_test

import (
	"crypto/sha256"
	"encoding/json"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/go-mitid/mitid"
)

func TestFinishedLogin_StoredDigestsAreBase64AndOldArraysStillRead(t *testing.T) {
	l := mitid.FinishedLogin{Session: sha256.Sum256([]byte("login-id")), At: time.Date(2026, 11, 30, 9, 0, 0, 0, time.UTC),
		Method: mitid.MethodCodeDisplay, Action: mitid.ActionLogOn, TextHash: sha256.Sum256([]byte("Log på")), LoA: mitid.LevelSubstantial,
		Authenticators: []uuid.UUID{uuid.MustParse("b8c8aa6e-9b65-4dc5-8f90-e3dd152793ed")}, Proved: true}
	b, err := json.Marshal(l)
	require.NoError(t, err)
	assert.Contains(t, string(b), `"session":"`, "a digest is stored as a base64 string")
	assert.Less(t, len(b), 300, "two digests as numbers alone took more than 200 bytes: %s", b)
	var back mitid.FinishedLogin
	require.NoError(t, json.Unmarshal(b, &back))
	assert.Equal(t, l, back)

	// What was stored before: each digest an array of 32 numbers.
	nums := func(d [32]byte) string {
		s := make([]string, len(d))
		for i, v := range d {
			s[i] = strconv.Itoa(int(v))
		}
		return "[" + strings.Join(s, ",") + "]"
	}
	old := `{"session":` + nums(l.Session) + `,"at":"2026-11-30T09:00:00Z","method":"code_display","action":"LOG_ON","text_hash":` +
		nums(l.TextHash) + `,"loa":2,"authenticators":["b8c8aa6e-9b65-4dc5-8f90-e3dd152793ed"],"proved":true}`
	var legacy mitid.FinishedLogin
	require.NoError(t, json.Unmarshal([]byte(old), &legacy))
	assert.Equal(t, l, legacy)

	for name, bad := range map[string]string{
		"short base64": `{"session":"AAAA"}`,
		"not base64":   `{"session":"!!!!"}`,
		"short array":  `{"session":[1,2,3]}`,
		"not a digest": `{"session":true}`,
	} {
		var x mitid.FinishedLogin
		assert.Error(t, json.Unmarshal([]byte(bad), &x), name)
	}
}

// FuzzFinishedLoginJSON: whatever a stored document holds, reading it never
// panics, and what reads writes back to the same value.
func FuzzFinishedLoginJSON(f *testing.F) {
	l := mitid.FinishedLogin{Session: sha256.Sum256([]byte("x")), TextHash: sha256.Sum256([]byte("y")), LoA: mitid.LevelHigh}
	b, _ := json.Marshal(l)
	f.Add(b)
	f.Add([]byte(`{"session":[1,2,3]}`))
	f.Add([]byte(`{"session":"` + strings.Repeat("A", 43) + `="}`))
	f.Add([]byte(`{"text_hash":[` + strings.Repeat("255,", 31) + `256]}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		var l mitid.FinishedLogin
		if json.Unmarshal(b, &l) != nil {
			return
		}
		out, err := json.Marshal(l)
		require.NoError(t, err)
		var again mitid.FinishedLogin
		require.NoError(t, json.Unmarshal(out, &again))
		assert.Equal(t, l.Session, again.Session)
		assert.Equal(t, l.TextHash, again.TextHash)
	})
}
