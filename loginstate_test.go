package mitid

import (
	"bytes"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/go-mitid/mitid/chip"
)

func sampleLoginState() *loginState {
	return &loginState{
		User: uuid.New(), Action: ActionSign, Text: "Underskriv lejekontrakt for Åboulevarden 3", Level: LevelHigh, RelyingParty: "bolig.dk",
		Options: []optionRef{{Method: MethodApp, Device: uuid.New()}, {Method: MethodAppAndChip, Device: uuid.New(), Chip: uuid.New()},
			{Method: MethodCodeDisplay, Device: uuid.New(), Password: uuid.New()}},
		Choice: 1, Done: 1, Used: []uuid.UUID{uuid.New()},
		Challenge: bytes.Repeat([]byte{1}, 32), ChipChallenge: []byte(`{"value":"x"}`), ChipOptions: []byte(`{"publicKey":{}}`),
	}
}

func TestLoginState_RoundTrip(t *testing.T) {
	st := sampleLoginState()
	got, err := unmarshalLoginState(st.marshal())
	require.NoError(t, err)
	assert.Equal(t, st, got)
	empty := &loginState{Options: []optionRef{{Method: MethodApp}}}
	got, err = unmarshalLoginState(empty.marshal())
	require.NoError(t, err)
	assert.Equal(t, empty.Options, got.Options)
}

func TestLoginState_RefusesDamage(t *testing.T) {
	b := sampleLoginState().marshal()
	for i := 0; i < len(b); i++ {
		_, err := unmarshalLoginState(b[:i])
		assert.Error(t, err, "truncated at %d", i)
	}
	_, err := unmarshalLoginState(append(b, 0))
	assert.Error(t, err, "trailing bytes")
	bad := append([]byte(nil), b...)
	bad[0] = 9
	_, err = unmarshalLoginState(bad)
	assert.Error(t, err, "unknown version")
}

func FuzzDecodeLoginState(f *testing.F) {
	f.Add(sampleLoginState().marshal())
	f.Add((&loginState{Options: []optionRef{{Method: MethodChip}}}).marshal())
	f.Add([]byte{1})
	f.Fuzz(func(t *testing.T, b []byte) {
		st, err := unmarshalLoginState(b)
		if err != nil {
			return
		}
		if st.Choice >= len(st.Options) {
			t.Fatal("a decoded state points past its options")
		}
		again, err := unmarshalLoginState(st.marshal())
		if err != nil {
			t.Fatalf("a decoded state does not encode back: %v", err)
		}
		assert.Equal(t, st, again)
	})
}

func sampleChallenge() chip.Challenge {
	return chip.Challenge{Ceremony: "login", Value: bytes.Repeat([]byte{5}, 32), UserID: []byte("user-handle"),
		Expires: time.Date(2026, 11, 21, 10, 5, 0, 123, time.UTC), CredentialIDs: [][]byte{{1, 2}, {3}}, AppID: "https://mitid.example/appid.json"}
}

func TestChallenge_RoundTrip(t *testing.T) {
	ch := sampleChallenge()
	got, err := decodeChallenge(encodeChallenge(ch))
	require.NoError(t, err)
	assert.Equal(t, ch, got)
	b := encodeChallenge(ch)
	for i := 0; i < len(b); i++ {
		_, err := decodeChallenge(b[:i])
		assert.Error(t, err, "truncated at %d", i)
	}
}

func FuzzDecodeChallenge(f *testing.F) {
	f.Add(encodeChallenge(sampleChallenge()))
	f.Add(encodeChallenge(chip.Challenge{}))
	f.Fuzz(func(t *testing.T, b []byte) {
		ch, err := decodeChallenge(b)
		if err != nil {
			return
		}
		again, err := decodeChallenge(encodeChallenge(ch))
		if err != nil {
			t.Fatalf("a decoded challenge does not encode back: %v", err)
		}
		assert.Equal(t, ch, again)
	})
}
