package mitid

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"time"

	"github.com/google/uuid"
)

// FinishedLogin is a login finished with this Service, kept on the user's
// record for Policy.LoginSessionTTL after it finished. It is committed in
// the same change as the login's effects, so a login is finished exactly
// once even when consuming its session fails afterwards, and a later step
// (an order, a witness's confirmation) can check that the person really
// finished a login here, by its ID.
type FinishedLogin struct {
	// Session is the SHA-256 of the login's ID; the ID itself, a bearer
	// secret while the login runs, is not kept.
	Session  Digest    `json:"session"`
	At       time.Time `json:"at"`
	Method   Method    `json:"method"`
	Action   Action    `json:"action"`
	TextHash Digest    `json:"text_hash"`
	LoA      Level     `json:"loa"`
	// Authenticators are those the login used.
	Authenticators []uuid.UUID `json:"authenticators,omitempty"`
	// Proved marks a login already used as proof (see proveLogin).
	Proved bool `json:"proved,omitempty"`
}

// maxFinishedLogins bounds the list; more logins than this within one
// session lifetime are pruned oldest first.
const maxFinishedLogins = 16

// finishedLogin returns the login with ID id that u finished within ttl of
// now, or nil.
func (u *User) finishedLogin(id string, now time.Time, ttl time.Duration) *FinishedLogin {
	return u.finishedSession(sha256.Sum256([]byte(id)), now, ttl)
}

// finishedSession is finishedLogin for the login whose ID hashes to key
// (FinishedLogin.Session).
func (u *User) finishedSession(key Digest, now time.Time, ttl time.Duration) *FinishedLogin {
	for i := range u.Logins {
		if l := &u.Logins[i]; l.Session == key && now.Sub(l.At) < ttl {
			return l
		}
	}
	return nil
}

// recordLogin adds l to u's finished logins, dropping those older than ttl.
func (u *User) recordLogin(l FinishedLogin, ttl time.Duration) {
	kept := make([]FinishedLogin, 0, len(u.Logins)+1)
	for _, o := range u.Logins {
		if l.At.Sub(o.At) < ttl {
			kept = append(kept, o)
		}
	}
	kept = append(kept, l)
	if len(kept) > maxFinishedLogins {
		kept = kept[len(kept)-maxFinishedLogins:]
	}
	u.Logins = kept
}

// Digest is a SHA-256 sum. A [32]byte converts to it and back without a
// cast. It is stored as a base64 string (44 characters) instead of
// encoding/json's default for an array, 32 numbers: a user keeps up to 16
// finished logins, and every login step decodes and encodes them, so that
// default made them most of a busy user's document and of the CPU a step
// spends on it. The arrays stored before are still read.
type Digest [32]byte

var errDigest = errors.New("a stored digest is not 32 bytes")

// MarshalJSON writes d as a base64 string.
func (d Digest) MarshalJSON() ([]byte, error) {
	b := make([]byte, 0, 46)
	b = append(b, '"')
	b = base64.StdEncoding.AppendEncode(b, d[:])
	return append(b, '"'), nil
}

// UnmarshalJSON reads a base64 string, or an array of 32 numbers (the form
// stored before).
func (d *Digest) UnmarshalJSON(b []byte) error {
	if len(b) > 0 && b[0] == '[' {
		var a []int
		if err := json.Unmarshal(b, &a); err != nil {
			return err
		}
		if len(a) != len(d) {
			return errDigest
		}
		for i, v := range a {
			if v < 0 || v > 255 {
				return errDigest
			}
			d[i] = byte(v)
		}
		return nil
	}
	// What MarshalJSON writes needs no unescaping: base64 in quotes.
	if len(b) != 46 || b[0] != '"' || b[45] != '"' {
		return errDigest
	}
	var buf [33]byte // DecodedLen(44): room for a hostile unpadded string
	n, err := base64.StdEncoding.Decode(buf[:], b[1:45])
	if err != nil || n != len(d) {
		return errDigest
	}
	copy(d[:], buf[:n])
	return nil
}
