package mitid

import (
	"bytes"
	"errors"
	"slices"
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
		Finish: true,
	}
}

// fields returns st's fields without the buffers decoding fills, which
// Options and Used may or may not use.
func fields(st *loginState) loginState {
	c := *st
	c.Options, c.Used = slices.Clone(st.Options), slices.Clone(st.Used)
	c.optionsBuf, c.usedBuf = [2]optionRef{}, [2]uuid.UUID{}
	return c
}

func TestLoginState_RoundTrip(t *testing.T) {
	st := sampleLoginState()
	enc := st.marshal()
	assert.Len(t, enc, st.size(), "size is the encoding's length")
	assert.Equal(t, len(enc), cap(enc), "marshal allocates what it needs")
	got, err := unmarshalLoginState(enc)
	require.NoError(t, err)
	assert.Equal(t, fields(st), fields(got))
	empty := &loginState{Options: []optionRef{{Method: MethodApp}}}
	got, err = unmarshalLoginState(empty.marshal())
	require.NoError(t, err)
	assert.Equal(t, empty.Options, got.Options)
}

// TestLoginState_AVersion3StateIsReadWithoutFlags: a login begun by a
// Service of the version before (state version 3, no flags) goes on after
// an upgrade, as a login that FinishLogin finishes; unknown flags are
// damage.
func TestLoginState_AVersion3StateIsReadWithoutFlags(t *testing.T) {
	st := sampleLoginState()
	st.Finish = false
	v4 := st.marshal()
	v3 := append([]byte{3}, v4[1:len(v4)-1]...) // no flags at the end
	got, err := unmarshalLoginState(v3)
	require.NoError(t, err)
	assert.Equal(t, fields(st), fields(got))
	_, err = unmarshalLoginState(append(v3, 0))
	assert.Error(t, err, "a version 3 state has no flags")
	st.Finish = true
	unknown := st.marshal()
	unknown[len(unknown)-1] = 2
	_, err = unmarshalLoginState(unknown)
	assert.Error(t, err, "an unknown flag")
}

// begunLoginState is a login as CreateLoginSession stores it, before its
// user is read.
func begunLoginState() *loginState {
	return &loginState{Action: ActionLogOn, Text: "Log på hos skat.dk", Level: LevelSubstantial, RelyingParty: "skat.dk",
		Options: []optionRef{}, Used: []uuid.UUID{}, Challenge: bytes.Repeat([]byte{7}, 32), Finish: true, Begun: "anna-hansen"}
}

// TestLoginState_ABegunStateKeepsItsUserIDAndNothingChosen: a state as
// begun round-trips with the user ID it was begun for; one that also has
// options, a choice or a factor is damage.
func TestLoginState_ABegunStateKeepsItsUserIDAndNothingChosen(t *testing.T) {
	st := begunLoginState()
	enc := st.marshal()
	assert.Len(t, enc, st.size())
	got, err := unmarshalLoginState(enc)
	require.NoError(t, err)
	assert.Equal(t, fields(st), fields(got))
	for name, damage := range map[string]func(*loginState){
		"options": func(s *loginState) { s.Options = []optionRef{{Method: MethodApp}} },
		"a factor": func(s *loginState) {
			s.Options, s.Done, s.Used = []optionRef{{Method: MethodApp}}, 1, []uuid.UUID{uuid.New()}
		},
	} {
		bad := begunLoginState()
		damage(bad)
		_, err := unmarshalLoginState(bad.marshal())
		assert.Error(t, err, name)
	}
	st.Begun = "x"
	enc = st.marshal()
	_, err = unmarshalLoginState(append(enc[:len(enc)-2:len(enc)-2], 0)) // the flag, and an empty user ID
	assert.Error(t, err, "begun for no user ID")
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

// FuzzDecodeLoginState: a stored login state is errLoginState (which the
// steps answer as CodeLoginInvalid) or a consistent state (its choice
// among its options, nothing chosen while begun) whose encoding has the
// size size() says and decodes to the same fields.
func FuzzDecodeLoginState(f *testing.F) {
	f.Add(sampleLoginState().marshal())
	f.Add((&loginState{Options: []optionRef{{Method: MethodChip}}}).marshal())
	f.Add([]byte{1})
	f.Add(begunLoginState().marshal())
	f.Fuzz(func(t *testing.T, b []byte) {
		st, err := unmarshalLoginState(b)
		if err != nil {
			if !errors.Is(err, errLoginState) {
				t.Fatalf("error %v is not errLoginState", err)
			}
			return
		}
		if st.Begun != "" && (len(st.Options) != 0 || st.Done != 0 || len(st.Used) != 0) {
			t.Fatal("a state as begun has options or factors")
		}
		if st.Begun == "" && st.Choice >= len(st.Options) {
			t.Fatal("a decoded state points past its options")
		}
		enc := st.marshal()
		if len(enc) != st.size() {
			t.Fatalf("the encoding has %d bytes, size says %d", len(enc), st.size())
		}
		again, err := unmarshalLoginState(enc)
		if err != nil {
			t.Fatalf("a decoded state does not encode back: %v", err)
		}
		assert.Equal(t, fields(st), fields(again))
	})
}

// A login decodes into the room its state has for four options and two
// factors; more spill over into their own arrays, and a decoded state's
// slices never share an array with another state's.
func TestLoginState_MoreOptionsAndFactorsThanItsRoom(t *testing.T) {
	st := sampleLoginState()
	for len(st.Options) < 7 {
		st.Options = append(st.Options, optionRef{Method: MethodChip, Device: uuid.New(), Password: uuid.New()})
	}
	st.Choice, st.Done, st.Used = 6, 2, []uuid.UUID{uuid.New(), uuid.New(), uuid.New()}
	enc := st.marshal()
	assert.Equal(t, len(enc), st.size())
	got, err := unmarshalLoginState(enc)
	require.NoError(t, err)
	assert.Equal(t, fields(st), fields(got))

	other, err := unmarshalLoginState(enc)
	require.NoError(t, err)
	other.Used = append(other.Used, uuid.New())
	other.Options[0].Device = uuid.New()
	assert.Equal(t, fields(st), fields(got), "decoding again shares nothing with the first state")
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

// FuzzDecodeChallenge: a chip challenge in a login state is errLoginState
// or one that encodes back to the same challenge.
func FuzzDecodeChallenge(f *testing.F) {
	f.Add(encodeChallenge(sampleChallenge()))
	f.Add(encodeChallenge(chip.Challenge{}))
	f.Fuzz(func(t *testing.T, b []byte) {
		ch, err := decodeChallenge(b)
		if err != nil {
			if !errors.Is(err, errLoginState) {
				t.Fatalf("error %v is not errLoginState", err)
			}
			return
		}
		again, err := decodeChallenge(encodeChallenge(ch))
		if err != nil {
			t.Fatalf("a decoded challenge does not encode back: %v", err)
		}
		assert.Equal(t, ch, again)
	})
}
