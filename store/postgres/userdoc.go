package postgres

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"time"

	"github.com/google/uuid"

	"github.com/go-mitid/mitid"
	"github.com/go-mitid/mitid/chip/credential"
)

// A user's document is stored in a binary form: a format byte
// (userDocV1) and then the user as a message in Protocol Buffers' wire
// format (varints and length-delimited fields, numbered as below), so
// that, past that first byte, `protoc --decode_raw` can show a stored row
// to an operator (`tail -c +2 row.bin | protoc --decode_raw`). Every
// login step decodes one user and encodes it again, and encoding/json
// spent about a third of the Go side's time of a login there (this form
// decodes six to seven times faster and encodes nine; BenchmarkUserDoc). It
// is also under half JSON's size.
//
// Rules of the form, which a change must keep:
//   - a field's number never changes and is never reused; a new field gets
//     a new number;
//   - a zero value (an empty string, 0, false, a zero time, uuid.Nil, an
//     empty slice) is left out, except inside a list, where every element
//     is written so that the list keeps its length and order; a non-nil
//     pointer is written even when what it points to is zero;
//   - a decoder skips a field it does not know (a newer version's), as
//     encoding/json skips an unknown key;
//   - a signed number is a zigzag varint (Protocol Buffers' sint64), an
//     unsigned one a plain varint;
//   - times are stored as seconds since 1970 (zigzag) and nanoseconds
//     (plain), and read back in UTC, as a JSON document was;
//   - a field's encoding never changes: TestUserDoc_FormatDoesNotChange
//     pins the bytes of a user, and a change that fails it would misread
//     every row already stored (give the new encoding a new number).
//
// A document that starts with '{' is the JSON a store before this form
// wrote; it is read as JSON and written back in this form at its next
// change.
const userDocV1 = 0x01

// Wire types of the two kinds of field this form uses.
const (
	wireVarint = 0
	wireBytes  = 2
)

// encodeUser returns u's stored form.
func encodeUser(u *mitid.User) []byte {
	// Room for what a user's parts usually take, so that the buffer is not
	// grown and copied three or four times on the way.
	e := docEncoder{b: make([]byte, 1, 256+320*len(u.Authenticators)+128*len(u.Logins)+96*len(u.Codes))}
	e.b[0] = userDocV1
	e.user(u)
	return e.b
}

// decodeUser reads a stored user: the binary form, or a document written
// as JSON before it.
func decodeUser(data []byte, u *mitid.User) error {
	if len(data) > 0 && data[0] == '{' {
		return json.Unmarshal(data, u)
	}
	if len(data) == 0 || data[0] != userDocV1 {
		return errors.New("stored user: neither JSON nor a known binary format")
	}
	d := docDecoder{b: data[1:]}
	d.user(u)
	if d.err != nil {
		return fmt.Errorf("stored user: %w", d.err)
	}
	return nil
}

// docEncoder appends fields to b.
type docEncoder struct{ b []byte }

func (e *docEncoder) tag(f, wire int) {
	e.b = binary.AppendUvarint(e.b, uint64(f)<<3|uint64(wire)) //nolint:gosec // field numbers and wire types are this file's small constants
}

func (e *docEncoder) uint(f int, v uint64) {
	if v != 0 {
		e.tag(f, wireVarint)
		e.b = binary.AppendUvarint(e.b, v)
	}
}

// int writes v zigzag-encoded (binary.AppendVarint, as Protocol Buffers'
// sint64), so that a small negative number is short.
func (e *docEncoder) int(f int, v int64) {
	if v != 0 {
		e.tag(f, wireVarint)
		e.b = binary.AppendVarint(e.b, v)
	}
}

func (e *docEncoder) bool(f int, v bool) {
	if v {
		e.uint(f, 1)
	}
}

func (e *docEncoder) bytes(f int, v []byte) {
	if len(v) > 0 {
		elem(e, f, v)
	}
}

func (e *docEncoder) str(f int, v string) {
	if v != "" {
		elem(e, f, v)
	}
}

// elem writes v as a length-delimited field even when it is empty, as an
// element of a list is.
func elem[T ~string | ~[]byte](e *docEncoder, f int, v T) {
	e.tag(f, wireBytes)
	e.b = binary.AppendUvarint(e.b, uint64(len(v)))
	e.b = append(e.b, v...)
}

// strs writes a list of strings, empty ones included.
func (e *docEncoder) strs(f int, vs []string) {
	for _, v := range vs {
		elem(e, f, v)
	}
}

func (e *docEncoder) uuid(f int, id uuid.UUID) {
	if id != uuid.Nil {
		elem(e, f, id[:])
	}
}

func (e *docEncoder) time(f int, t time.Time) {
	if !t.IsZero() {
		e.msg(f, func(e *docEncoder) { e.timeBody(t) })
	}
}

// timeBody is a time's message: seconds since 1970 (1, zigzag) and
// nanoseconds (2, a plain varint, as in Protocol Buffers' Timestamp),
// always both, so that the zero time inside a list is written too.
func (e *docEncoder) timeBody(t time.Time) {
	e.tag(1, wireVarint)
	e.b = binary.AppendVarint(e.b, t.Unix())
	e.tag(2, wireVarint)
	e.b = binary.AppendUvarint(e.b, uint64(t.Nanosecond())) //nolint:gosec // Nanosecond is within [0, 1e9)
}

// msg writes a nested message, whatever its length (a non-nil pointer, an
// element of a list). The body is written in place and the length put in
// front of it afterwards, so nothing is allocated.
func (e *docEncoder) msg(f int, body func(*docEncoder)) {
	e.tag(f, wireBytes)
	start := len(e.b)
	body(e)
	var lb [binary.MaxVarintLen64]byte
	l := binary.PutUvarint(lb[:], uint64(len(e.b[start:])))
	e.b = append(e.b, lb[:l]...)
	copy(e.b[start+l:], e.b[start:len(e.b)-l]) // the body, moved past its length
	copy(e.b[start:], lb[:l])
}

// Field numbers: see the rules above before changing any of them.

func (e *docEncoder) user(u *mitid.User) {
	e.uuid(1, u.ID)
	e.str(2, u.UserID)
	if u.CPRAtRest != nil {
		e.msg(3, func(e *docEncoder) { e.atRest(u.CPRAtRest) })
	}
	if u.Document != nil {
		e.msg(4, func(e *docEncoder) { e.document(u.Document) })
	}
	e.time(5, u.BirthDate)
	e.str(6, u.Name)
	e.str(7, u.Phone)
	e.time(8, u.PhoneChangedAt)
	e.str(9, u.Email)
	for _, c := range u.Channels {
		elem(e, 10, c)
	}
	e.str(11, string(u.Language))
	e.bool(12, u.NotifyEveryUse)
	e.int(13, int64(u.IAL))
	e.str(14, string(u.Status))
	e.time(15, u.BlockedUntil)
	e.str(16, u.BlockReason)
	e.time(17, u.CreatedAt)
	for i := range u.Authenticators {
		e.msg(18, func(e *docEncoder) { e.authenticator(&u.Authenticators[i]) })
	}
	for i := range u.Codes {
		e.msg(19, func(e *docEncoder) { e.code(&u.Codes[i]) })
	}
	e.int(20, int64(u.Failures))
	e.int(21, int64(u.FreeCodeDevices))
	for _, w := range u.WitnessActs {
		e.msg(22, func(e *docEncoder) { e.time(1, w.At); e.str(2, w.Case) })
	}
	e.time(23, u.PasswordChangeFrom)
	for _, t := range u.QuestionFailures {
		e.msg(24, func(e *docEncoder) { e.timeBody(t) })
	}
	e.strs(25, u.DueEmitted)
	for i := range u.Logins {
		e.msg(26, func(e *docEncoder) { e.login(&u.Logins[i]) })
	}
	for _, t := range u.CodesSent {
		e.msg(27, func(e *docEncoder) { e.timeBody(t) })
	}
}

func (e *docEncoder) atRest(a *mitid.IdentifierAtRest) {
	e.strs(1, a.Keys)
	e.msg(2, func(e *docEncoder) { e.sealed(&a.Sealed) })
}

func (e *docEncoder) sealed(s *mitid.Sealed) {
	e.str(1, s.KeyID)
	e.bytes(2, s.Nonce)
	e.bytes(3, s.Ciphertext)
}

func (e *docEncoder) document(d *mitid.IdentityDocument) {
	e.str(1, d.Country)
	if d.NumberAtRest != nil {
		e.msg(2, func(e *docEncoder) { e.atRest(d.NumberAtRest) })
	}
	e.time(3, d.Expires)
	e.str(4, d.Nationality)
	e.str(5, d.Holder)
}

func (e *docEncoder) authenticator(a *mitid.Authenticator) {
	e.uuid(1, a.ID)
	e.str(2, string(a.Kind))
	e.str(3, string(a.State))
	e.str(4, a.Label)
	e.str(5, a.Serial)
	e.time(6, a.SuspendedUntil)
	e.time(7, a.WaitUntil)
	e.str(8, a.Reason)
	e.time(9, a.CreatedAt)
	e.time(10, a.ActivatedAt)
	e.time(11, a.StateChangedAt)
	e.uuid(12, a.ReplacedBy)
	e.int(13, int64(a.Suspensions))
	e.bool(14, a.Throttled)
	e.int(15, int64(a.Failures))
	e.bytes(16, a.CredentialID)
	e.time(17, a.LastUsedAt)
	if p := a.Password; p != nil {
		e.msg(18, func(e *docEncoder) {
			e.bytes(1, p.Salt)
			e.bytes(2, p.Hash)
			e.uint(3, uint64(p.Time))
			e.uint(4, uint64(p.Memory))
			e.uint(5, uint64(p.Threads))
			e.bool(6, p.NFKC)
		})
	}
	if o := a.OTP; o != nil {
		e.msg(19, func(e *docEncoder) {
			e.msg(1, func(e *docEncoder) { e.sealed(&o.Seed) })
			e.str(2, o.Algorithm)
			e.int(3, int64(o.Digits))
			e.int(4, int64(o.PeriodSeconds))
			e.int(5, o.LastStep)
			e.int(6, int64(o.Drift))
		})
	}
	e.bytes(20, a.DeviceKey)
	if c := a.Chip; c != nil {
		e.msg(21, func(e *docEncoder) {
			e.bytes(1, c.ID)
			e.bytes(2, c.PublicKey)
			e.str(3, c.Format)
			e.str(4, c.AttestationType)
			e.bytes(5, c.AttestationCert)
			e.bytes(6, c.AAGUID)
			e.uint(7, uint64(c.SignCount))
			e.strs(8, c.Transports)
			e.bool(9, c.LegacyAppID)
		})
	}
}

func (e *docEncoder) code(c *mitid.IssuedCode) {
	e.uuid(1, c.ID)
	e.str(2, string(c.Purpose))
	e.str(3, string(c.Channel))
	e.msg(4, func(e *docEncoder) { e.str(1, c.Hash.KeyID); e.bytes(2, c.Hash.Sum) })
	e.time(5, c.IssuedAt)
	e.time(6, c.ExpiresAt)
	e.int(7, int64(c.Wrong))
	e.bool(8, c.Blocked)
	e.time(9, c.UsedAt)
	e.bool(10, c.Pending)
}

func (e *docEncoder) login(l *mitid.FinishedLogin) {
	if l.Session != (mitid.Digest{}) {
		elem(e, 1, l.Session[:])
	}
	e.time(2, l.At)
	e.str(3, string(l.Method))
	e.str(4, string(l.Action))
	if l.TextHash != (mitid.Digest{}) {
		elem(e, 5, l.TextHash[:])
	}
	e.int(6, int64(l.LoA))
	for _, id := range l.Authenticators {
		elem(e, 7, id[:]) // uuid.Nil too: an element of a list
	}
	e.bool(8, l.Proved)
}

// docDecoder reads fields from b; the first error stops it and stays in
// err, so that a decoding function reads as a list of fields.
type docDecoder struct {
	b   []byte
	err error
	// wire and val are the field just read by next: its wire type, and its
	// varint's bytes or its content.
	wire int
	val  []byte
}

func (d *docDecoder) fail(format string, args ...any) {
	if d.err == nil {
		d.err = fmt.Errorf(format, args...)
	}
	d.b = nil
}

// count returns how many fields numbered f the rest of the message has,
// without reading it: a damaged message counts what it can, and next
// finds the damage.
func (d *docDecoder) count(f int) int {
	scan := docDecoder{b: d.b}
	n := 0
	for g := scan.next(); g != 0; g = scan.next() {
		if g == f {
			n++
		}
	}
	return n
}

// next reads the next field and returns its number, or 0 at the end or
// after an error.
func (d *docDecoder) next() int {
	if d.err != nil || len(d.b) == 0 {
		return 0
	}
	key, n := binary.Uvarint(d.b)
	if n <= 0 || key>>3 == 0 || key>>3 > math.MaxInt32 {
		d.fail("a field's key is damaged")
		return 0
	}
	d.b = d.b[n:]
	d.wire = int(key & 7)
	switch d.wire {
	case wireVarint:
		_, n := binary.Uvarint(d.b)
		if n <= 0 {
			d.fail("field %d: a damaged number", key>>3)
			return 0
		}
		d.val, d.b = d.b[:n], d.b[n:]
	case wireBytes:
		l, n := binary.Uvarint(d.b)
		if n <= 0 {
			d.fail("field %d: a damaged length", key>>3)
			return 0
		}
		rest := d.b[n:]
		if l > uint64(len(rest)) {
			d.fail("field %d: its length runs past the document", key>>3)
			return 0
		}
		d.val, d.b = rest[:l], rest[l:]
	default:
		d.fail("field %d: wire type %d is not one this form uses", key>>3, d.wire)
		return 0
	}
	return int(key >> 3)
}

// want checks that the field just read has the wire type its number has.
func (d *docDecoder) want(wire int, f int) bool {
	if d.wire != wire {
		d.fail("field %d: wire type %d, not %d", f, d.wire, wire)
		return false
	}
	return true
}

func (d *docDecoder) uint64(f int) uint64 {
	if !d.want(wireVarint, f) {
		return 0
	}
	v, _ := binary.Uvarint(d.val)
	return v
}

func (d *docDecoder) int64(f int) int64 {
	if !d.want(wireVarint, f) {
		return 0
	}
	v, _ := binary.Varint(d.val)
	return v
}

func (d *docDecoder) uint32(f int) uint32 {
	v := d.uint64(f)
	if v > math.MaxUint32 {
		d.fail("field %d: %d is out of range", f, v)
		return 0
	}
	return uint32(v)
}

func (d *docDecoder) int(f int) int {
	v := d.int64(f)
	if int64(int(v)) != v {
		d.fail("field %d: %d is out of range", f, v)
		return 0
	}
	return int(v)
}

func (d *docDecoder) bool(f int) bool {
	v := d.uint32(f)
	if v > 1 {
		d.fail("field %d: %d is out of range for a bool", f, v)
	}
	return v == 1
}

// bytes returns a copy of the field's bytes: the caller keeps them, and
// the document's buffer may be reused.
func (d *docDecoder) bytes(f int) []byte {
	if !d.want(wireBytes, f) {
		return nil
	}
	return append([]byte(nil), d.val...)
}

func (d *docDecoder) str(f int) string {
	if !d.want(wireBytes, f) {
		return ""
	}
	return string(d.val)
}

func (d *docDecoder) uuid(f int) (id uuid.UUID) {
	d.fixed(f, id[:], "UUID")
	return id
}

func (d *docDecoder) digest(f int) (dg mitid.Digest) {
	d.fixed(f, dg[:], "digest")
	return dg
}

// fixed copies the field's bytes into dst, which they must fill exactly.
func (d *docDecoder) fixed(f int, dst []byte, what string) {
	if d.want(wireBytes, f) {
		if len(d.val) != len(dst) {
			d.fail("field %d: a %s of %d bytes", f, what, len(d.val))
			return
		}
		copy(dst, d.val)
	}
}

// msg decodes the field just read as a nested message with body. body
// reads it with d itself, set to the message and set back after: a
// decoder of its own, handed to a function value, would escape, and cost
// an allocation for every nested message (every time in a document is
// one). Every body reads only the decoder it is given.
func (d *docDecoder) msg(f int, body func(*docDecoder)) {
	if !d.want(wireBytes, f) {
		return
	}
	outer := *d
	*d = docDecoder{b: outer.val}
	body(d)
	err := d.err
	*d = outer
	if err != nil {
		d.fail("field %d: %w", f, err)
	}
}

func (d *docDecoder) time(f int) time.Time {
	var t time.Time
	d.msg(f, func(d *docDecoder) { t = d.timeBody() })
	return t
}

func (d *docDecoder) timeBody() time.Time {
	var s int64
	var ns uint32
	for f := d.next(); f != 0; f = d.next() {
		switch f {
		case 1:
			s = d.int64(f)
		case 2:
			if ns = d.uint32(f); ns > 999_999_999 {
				d.fail("field %d: %d nanoseconds is out of range", f, ns)
			}
		}
	}
	return time.Unix(s, int64(ns)).UTC()
}

func (d *docDecoder) user(u *mitid.User) {
	// The lists of authenticators and finished logins get their length
	// first, so that they are not grown element by element.
	if n := d.count(18); n > 0 {
		u.Authenticators = make([]mitid.Authenticator, 0, n)
	}
	if n := d.count(26); n > 0 {
		u.Logins = make([]mitid.FinishedLogin, 0, n)
	}
	for f := d.next(); f != 0; f = d.next() {
		switch f {
		case 1:
			u.ID = d.uuid(f)
		case 2:
			u.UserID = d.str(f)
		case 3:
			u.CPRAtRest = new(mitid.IdentifierAtRest)
			d.msg(f, func(d *docDecoder) { d.atRest(u.CPRAtRest) })
		case 4:
			u.Document = new(mitid.IdentityDocument)
			d.msg(f, func(d *docDecoder) { d.document(u.Document) })
		case 5:
			u.BirthDate = d.time(f)
		case 6:
			u.Name = d.str(f)
		case 7:
			u.Phone = d.str(f)
		case 8:
			u.PhoneChangedAt = d.time(f)
		case 9:
			u.Email = d.str(f)
		case 10:
			u.Channels = append(u.Channels, mitid.Channel(d.str(f)))
		case 11:
			u.Language = mitid.Language(d.str(f))
		case 12:
			u.NotifyEveryUse = d.bool(f)
		case 13:
			u.IAL = mitid.Level(d.int(f))
		case 14:
			u.Status = mitid.UserStatus(d.str(f))
		case 15:
			u.BlockedUntil = d.time(f)
		case 16:
			u.BlockReason = d.str(f)
		case 17:
			u.CreatedAt = d.time(f)
		case 18:
			u.Authenticators = append(u.Authenticators, mitid.Authenticator{})
			a := &u.Authenticators[len(u.Authenticators)-1]
			d.msg(f, func(d *docDecoder) { d.authenticator(a) })
		case 19:
			u.Codes = append(u.Codes, mitid.IssuedCode{})
			c := &u.Codes[len(u.Codes)-1]
			d.msg(f, func(d *docDecoder) { d.code(c) })
		case 20:
			u.Failures = d.int(f)
		case 21:
			u.FreeCodeDevices = d.int(f)
		case 22:
			var w mitid.WitnessAct
			d.msg(f, func(d *docDecoder) {
				for g := d.next(); g != 0; g = d.next() {
					switch g {
					case 1:
						w.At = d.time(g)
					case 2:
						w.Case = d.str(g)
					}
				}
			})
			u.WitnessActs = append(u.WitnessActs, w)
		case 23:
			u.PasswordChangeFrom = d.time(f)
		case 24:
			var t time.Time
			d.msg(f, func(d *docDecoder) { t = d.timeBody() })
			u.QuestionFailures = append(u.QuestionFailures, t)
		case 25:
			u.DueEmitted = append(u.DueEmitted, d.str(f))
		case 26:
			u.Logins = append(u.Logins, mitid.FinishedLogin{})
			l := &u.Logins[len(u.Logins)-1]
			d.msg(f, func(d *docDecoder) { d.login(l) })
		case 27:
			var t time.Time
			d.msg(f, func(d *docDecoder) { t = d.timeBody() })
			u.CodesSent = append(u.CodesSent, t)
		}
	}
}

func (d *docDecoder) atRest(a *mitid.IdentifierAtRest) {
	for f := d.next(); f != 0; f = d.next() {
		switch f {
		case 1:
			a.Keys = append(a.Keys, d.str(f))
		case 2:
			d.msg(f, func(d *docDecoder) { d.sealed(&a.Sealed) })
		}
	}
}

func (d *docDecoder) sealed(s *mitid.Sealed) {
	for f := d.next(); f != 0; f = d.next() {
		switch f {
		case 1:
			s.KeyID = d.str(f)
		case 2:
			s.Nonce = d.bytes(f)
		case 3:
			s.Ciphertext = d.bytes(f)
		}
	}
}

func (d *docDecoder) document(doc *mitid.IdentityDocument) {
	for f := d.next(); f != 0; f = d.next() {
		switch f {
		case 1:
			doc.Country = d.str(f)
		case 2:
			doc.NumberAtRest = new(mitid.IdentifierAtRest)
			d.msg(f, func(d *docDecoder) { d.atRest(doc.NumberAtRest) })
		case 3:
			doc.Expires = d.time(f)
		case 4:
			doc.Nationality = d.str(f)
		case 5:
			doc.Holder = d.str(f)
		}
	}
}

func (d *docDecoder) authenticator(a *mitid.Authenticator) {
	for f := d.next(); f != 0; f = d.next() {
		switch f {
		case 1:
			a.ID = d.uuid(f)
		case 2:
			a.Kind = mitid.Kind(d.str(f))
		case 3:
			a.State = mitid.State(d.str(f))
		case 4:
			a.Label = d.str(f)
		case 5:
			a.Serial = d.str(f)
		case 6:
			a.SuspendedUntil = d.time(f)
		case 7:
			a.WaitUntil = d.time(f)
		case 8:
			a.Reason = d.str(f)
		case 9:
			a.CreatedAt = d.time(f)
		case 10:
			a.ActivatedAt = d.time(f)
		case 11:
			a.StateChangedAt = d.time(f)
		case 12:
			a.ReplacedBy = d.uuid(f)
		case 13:
			a.Suspensions = d.int(f)
		case 14:
			a.Throttled = d.bool(f)
		case 15:
			a.Failures = d.int(f)
		case 16:
			a.CredentialID = d.bytes(f)
		case 17:
			a.LastUsedAt = d.time(f)
		case 18:
			p := new(mitid.PasswordHash)
			d.msg(f, func(d *docDecoder) { d.password(p) })
			a.Password = p
		case 19:
			o := new(mitid.OTPSecret)
			d.msg(f, func(d *docDecoder) { d.otp(o) })
			a.OTP = o
		case 20:
			a.DeviceKey = d.bytes(f)
		case 21:
			c := new(credential.Credential)
			d.msg(f, func(d *docDecoder) { d.chip(c) })
			a.Chip = c
		}
	}
}

func (d *docDecoder) password(p *mitid.PasswordHash) {
	for f := d.next(); f != 0; f = d.next() {
		switch f {
		case 1:
			p.Salt = d.bytes(f)
		case 2:
			p.Hash = d.bytes(f)
		case 3:
			p.Time = d.uint32(f)
		case 4:
			p.Memory = d.uint32(f)
		case 5:
			if t := d.uint32(f); t > math.MaxUint8 {
				d.fail("field %d: %d lanes is out of range", f, t)
			} else {
				p.Threads = uint8(t)
			}
		case 6:
			p.NFKC = d.bool(f)
		}
	}
}

func (d *docDecoder) otp(o *mitid.OTPSecret) {
	for f := d.next(); f != 0; f = d.next() {
		switch f {
		case 1:
			d.msg(f, func(d *docDecoder) { d.sealed(&o.Seed) })
		case 2:
			o.Algorithm = d.str(f)
		case 3:
			o.Digits = d.int(f)
		case 4:
			o.PeriodSeconds = d.int(f)
		case 5:
			o.LastStep = d.int64(f)
		case 6:
			o.Drift = d.int(f)
		}
	}
}

func (d *docDecoder) chip(c *credential.Credential) {
	for f := d.next(); f != 0; f = d.next() {
		switch f {
		case 1:
			c.ID = d.bytes(f)
		case 2:
			c.PublicKey = d.bytes(f)
		case 3:
			c.Format = d.str(f)
		case 4:
			c.AttestationType = d.str(f)
		case 5:
			c.AttestationCert = d.bytes(f)
		case 6:
			c.AAGUID = d.bytes(f)
		case 7:
			c.SignCount = d.uint32(f)
		case 8:
			c.Transports = append(c.Transports, d.str(f))
		case 9:
			c.LegacyAppID = d.bool(f)
		}
	}
}

func (d *docDecoder) code(c *mitid.IssuedCode) {
	for f := d.next(); f != 0; f = d.next() {
		switch f {
		case 1:
			c.ID = d.uuid(f)
		case 2:
			c.Purpose = mitid.CodePurpose(d.str(f))
		case 3:
			c.Channel = mitid.CodeChannel(d.str(f))
		case 4:
			d.msg(f, func(d *docDecoder) {
				for g := d.next(); g != 0; g = d.next() {
					switch g {
					case 1:
						c.Hash.KeyID = d.str(g)
					case 2:
						c.Hash.Sum = d.bytes(g)
					}
				}
			})
		case 5:
			c.IssuedAt = d.time(f)
		case 6:
			c.ExpiresAt = d.time(f)
		case 7:
			c.Wrong = d.int(f)
		case 8:
			c.Blocked = d.bool(f)
		case 9:
			c.UsedAt = d.time(f)
		case 10:
			c.Pending = d.bool(f)
		}
	}
}

func (d *docDecoder) login(l *mitid.FinishedLogin) {
	for f := d.next(); f != 0; f = d.next() {
		switch f {
		case 1:
			l.Session = d.digest(f)
		case 2:
			l.At = d.time(f)
		case 3:
			l.Method = mitid.Method(d.str(f))
		case 4:
			l.Action = mitid.Action(d.str(f))
		case 5:
			l.TextHash = d.digest(f)
		case 6:
			l.LoA = mitid.Level(d.int(f))
		case 7:
			if l.Authenticators == nil {
				l.Authenticators = make([]uuid.UUID, 0, 2) // a login has one or two factors
			}
			l.Authenticators = append(l.Authenticators, d.uuid(f))
		case 8:
			l.Proved = d.bool(f)
		}
	}
}
