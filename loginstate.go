package mitid

import (
	"encoding/binary"
	"errors"
	"math/bits"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/go-mitid/mitid/chip/credential"
)

// The login state travels in Session.Data at every step of every login, so
// it has a compact binary form rather than JSON (which cost half of a
// factor's time). Layout, version 1: a version byte, then the fields in
// order; strings and byte slices are length-prefixed (uvarint), UUIDs are 16
// bytes, small integers uvarints. Version 2 added the count of rejected
// approvals. Version 3 added the password held sealed for a chip login (see
// holdPassword) and when the chip challenge was issued. Version 4 added a
// uvarint of flags at the end (1: finish at the last factor; 2: begun
// before its user was read, followed by the user ID it was begun for, see
// LoginBeginner and settleBegun); a version 3 state, which a Service of the
// version before wrote for a login still in progress when the new one took
// over, is read as one without flags.
// Decoding checks every length against what is left, so damaged data is an
// error, never a panic (FuzzDecodeLoginState).

const loginStateVersion = 4

// flagFinish and flagBegun are the login state's flags of loginState.Finish
// and of a loginState.Begun.
const (
	flagFinish = 1
	flagBegun  = 2
)

// maxLoginField bounds any one length-prefixed field; a login's largest is
// the chip's WebAuthn options, far below this.
const maxLoginField = 64 << 10

// maxLoginOptions bounds the option list (a user has at most a handful of
// authenticators).
const maxLoginOptions = 64

func (st *loginState) marshal() []byte {
	b := make([]byte, 0, st.size())
	b = append(b, loginStateVersion)
	b = append(b, st.User[:]...)
	b = appendString(b, string(st.Action))
	b = appendString(b, st.Text)
	b = binary.AppendUvarint(b, uv(int(st.Level)))
	b = appendString(b, st.RelyingParty)
	b = binary.AppendUvarint(b, uv(len(st.Options)))
	for _, o := range st.Options {
		b = appendString(b, string(o.Method))
		b = append(b, o.Device[:]...)
		b = append(b, o.Chip[:]...)
		b = append(b, o.Password[:]...)
	}
	b = binary.AppendUvarint(b, uv(st.Choice))
	b = binary.AppendUvarint(b, uv(st.Done))
	b = binary.AppendUvarint(b, uv(len(st.Used)))
	for _, id := range st.Used {
		b = append(b, id[:]...)
	}
	b = binary.AppendUvarint(b, uv(st.Rejected))
	b = appendString(b, string(st.Challenge))
	b = appendString(b, string(st.ChipChallenge))
	b = appendString(b, string(st.ChipOptions))
	b = binary.AppendVarint(b, st.ChipIssued)
	b = appendString(b, string(st.Password))
	b = binary.AppendUvarint(b, st.flags())
	if st.Begun != "" {
		b = appendString(b, st.Begun)
	}
	return b
}

// flags is st's flags field.
func (st *loginState) flags() uint64 {
	var f uint64
	if st.Finish {
		f |= flagFinish
	}
	if st.Begun != "" {
		f |= flagBegun
	}
	return f
}

// size is the length of st's encoding, so marshal allocates once and no
// more than it needs.
func (st *loginState) size() int {
	str := func(n int) int { return uvarintLen(uv(n)) + n }
	size := 1 + 16 + str(len(st.Action)) + str(len(st.Text)) + uvarintLen(uv(int(st.Level))) + str(len(st.RelyingParty))
	size += uvarintLen(uv(len(st.Options)))
	for _, o := range st.Options {
		size += str(len(o.Method)) + 3*16
	}
	size += uvarintLen(uv(st.Choice)) + uvarintLen(uv(st.Done)) + uvarintLen(uv(len(st.Used))) + 16*len(st.Used)
	size += uvarintLen(uv(st.Rejected))
	size += varintLen(st.ChipIssued) + str(len(st.Password)) + uvarintLen(st.flags())
	if st.Begun != "" {
		size += str(len(st.Begun))
	}
	return size + str(len(st.Challenge)) + str(len(st.ChipChallenge)) + str(len(st.ChipOptions))
}

// uvarintLen is the length of x's uvarint encoding.
func uvarintLen(x uint64) int {
	return (bits.Len64(x|1) + 6) / 7
}

// varintLen is the length of x's varint (zig-zag) encoding.
func varintLen(x int64) int {
	return uvarintLen(uint64(x<<1) ^ uint64(x>>63)) //nolint:gosec // G115: zig-zag encoding reinterprets the bits on purpose
}

// uv is n as a uvarint's value: every int a login state encodes (a
// length, a count, an index, a level) is non-negative by construction.
func uv(n int) uint64 { return uint64(n) } //nolint:gosec // G115: n ≥ 0, see above

func appendString(b []byte, s string) []byte {
	b = binary.AppendUvarint(b, uv(len(s)))
	return append(b, s...)
}

var errLoginState = errors.New("damaged login state")

// stateReader reads the fields of a marshalled loginState; the first
// problem sticks in err and every later read returns zero values.
type stateReader struct {
	b   []byte
	err error
}

func (r *stateReader) uvarint(limit uint64) uint64 {
	if r.err != nil {
		return 0
	}
	v, n := binary.Uvarint(r.b)
	if n <= 0 || v > limit {
		r.err = errLoginState
		return 0
	}
	r.b = r.b[n:]
	return v
}

// bytes reads a length-prefixed field into a copy of its own (nil when
// empty), which the state keeps after the buffer is gone.
func (r *stateReader) bytes() []byte {
	out := r.raw()
	if len(out) == 0 {
		return nil
	}
	return append([]byte(nil), out...)
}

func (r *stateReader) varint() int64 {
	if r.err != nil {
		return 0
	}
	v, n := binary.Varint(r.b)
	if n <= 0 {
		r.err = errLoginState
		return 0
	}
	r.b = r.b[n:]
	return v
}

// raw reads a length-prefixed field without copying it.
func (r *stateReader) raw() []byte {
	n := r.uvarint(maxLoginField)
	if r.err != nil || uint64(len(r.b)) < n {
		r.err = errLoginState
		return nil
	}
	out := r.b[:n:n]
	r.b = r.b[n:]
	return out
}

// str reads a length-prefixed string (one allocation, no intermediate
// byte slice).
func (r *stateReader) str() string {
	return string(r.raw())
}

// strings2 returns a and b as strings made in one allocation.
func strings2(a, b []byte) (string, string) {
	var sb strings.Builder
	sb.Grow(len(a) + len(b))
	sb.Write(a)
	sb.Write(b)
	both := sb.String()
	return both[:len(a)], both[len(a):]
}

// name reads a length-prefixed string that is normally one of known (an
// action, a method); a known one is returned without an allocation.
func name[T ~string](r *stateReader, known []T) T {
	n := r.uvarint(maxLoginField)
	if r.err != nil || uint64(len(r.b)) < n {
		r.err = errLoginState
		return ""
	}
	b := r.b[:n]
	r.b = r.b[n:]
	for _, k := range known {
		if string(b) == string(k) {
			return k
		}
	}
	return T(b)
}

func (r *stateReader) uuid() (id uuid.UUID) {
	if r.err != nil || len(r.b) < 16 {
		r.err = errLoginState
		return id
	}
	copy(id[:], r.b)
	r.b = r.b[16:]
	return id
}

// small reads a uvarint of at most limit as an int.
func (r *stateReader) small(limit int) int {
	return int(r.uvarint(uv(limit))) //nolint:gosec // G115: at most limit, an int
}

func unmarshalLoginState(b []byte) (*loginState, error) {
	if len(b) == 0 || (b[0] != loginStateVersion && b[0] != 3) {
		return nil, errLoginState
	}
	r := &stateReader{b: b[1:]}
	st := &loginState{User: r.uuid()}
	st.Action = name(r, actions)
	text := r.raw()
	st.Level = Level(r.small(int(LevelHigh)))
	st.Text, st.RelyingParty = strings2(text, r.raw())
	n := r.uvarint(maxLoginOptions)
	st.Options = st.optionsBuf[:0]
	for i := uint64(0); i < n && r.err == nil; i++ {
		st.Options = append(st.Options, optionRef{Method: name(r, methods), Device: r.uuid(), Chip: r.uuid(), Password: r.uuid()})
	}
	st.Choice = r.small(maxLoginOptions)
	st.Done = r.small(8)
	n = r.uvarint(8)
	st.Used = st.usedBuf[:0] // room for the factor being added, too
	for i := uint64(0); i < n && r.err == nil; i++ {
		st.Used = append(st.Used, r.uuid())
	}
	st.Rejected = r.small(255)
	st.Challenge = r.bytes()
	st.ChipChallenge = r.bytes()
	st.ChipOptions = r.bytes()
	st.ChipIssued = r.varint()
	st.Password = r.bytes()
	if b[0] == loginStateVersion {
		flags := r.uvarint(flagFinish | flagBegun)
		st.Finish = flags&flagFinish != 0
		if flags&flagBegun != 0 {
			st.Begun = r.str() // empty: a state with nothing chosen, refused below
		}
	}
	if r.err != nil || len(r.b) != 0 {
		return nil, errLoginState
	}
	if st.Begun != "" {
		// Nothing chosen or given yet: settle works it out.
		if len(st.Options) != 0 || st.Choice != 0 || st.Done != 0 || len(st.Used) != 0 {
			return nil, errLoginState
		}
		return st, nil
	}
	if st.Choice >= len(st.Options) || st.Done > len(st.Options[st.Choice].Method.steps()) {
		return nil, errLoginState
	}
	return st, nil
}

// A chip challenge rides in the login state in the same binary form:
// ceremony, value, user ID, expiry (Unix nanoseconds, varint), the allowed
// credential IDs, and the AppID.

func encodeChallenge(ch credential.Challenge) []byte {
	b := make([]byte, 0, 96+len(ch.AppID))
	b = appendString(b, string(ch.Ceremony))
	b = appendString(b, string(ch.Value))
	b = appendString(b, string(ch.UserID))
	b = binary.AppendVarint(b, ch.Expires.UnixNano())
	b = binary.AppendUvarint(b, uint64(len(ch.CredentialIDs)))
	for _, id := range ch.CredentialIDs {
		b = appendString(b, string(id))
	}
	return appendString(b, ch.AppID)
}

func decodeChallenge(b []byte) (credential.Challenge, error) {
	r := &stateReader{b: b}
	ch := credential.Challenge{Ceremony: credential.Ceremony(r.str()), Value: r.bytes(), UserID: r.bytes()}
	if r.err == nil {
		v, n := binary.Varint(r.b)
		if n <= 0 {
			r.err = errLoginState
		} else {
			ch.Expires, r.b = time.Unix(0, v).UTC(), r.b[n:]
		}
	}
	n := r.uvarint(maxLoginOptions)
	for i := uint64(0); i < n && r.err == nil; i++ {
		ch.CredentialIDs = append(ch.CredentialIDs, r.bytes())
	}
	ch.AppID = r.str()
	if r.err != nil || len(r.b) != 0 {
		return credential.Challenge{}, errLoginState
	}
	return ch, nil
}

// A sealed value rides in the login state as its key ID, nonce and
// ciphertext, each length-prefixed.
func encodeSealed(v Sealed) []byte {
	b := make([]byte, 0, 3+len(v.KeyID)+len(v.Nonce)+len(v.Ciphertext)+6)
	b = appendString(b, v.KeyID)
	b = appendString(b, string(v.Nonce))
	return appendString(b, string(v.Ciphertext))
}

func decodeSealed(b []byte) (Sealed, error) {
	r := &stateReader{b: b}
	v := Sealed{KeyID: r.str(), Nonce: r.bytes(), Ciphertext: r.bytes()}
	if r.err != nil || len(r.b) != 0 {
		return Sealed{}, errLoginState
	}
	return v, nil
}
