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
	Session  [32]byte  `json:"session"`
	At       time.Time `json:"at"`
	Method   Method    `json:"method"`
	Action   Action    `json:"action"`
	TextHash [32]byte  `json:"text_hash"`
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
	key := sha256.Sum256([]byte(id))
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

// The stored form of a FinishedLogin writes its two digests as base64
// strings (44 characters each) instead of encoding/json's default for a
// [32]byte, an array of 32 numbers: a user keeps up to 16 finished logins,
// and every login step decodes and encodes them, so that default made them
// most of a busy user's document and of the CPU a step spends on it. Arrays
// written before are still read.

// finishedLoginWire is FinishedLogin as stored.
type finishedLoginWire struct {
	Session        digest      `json:"session"`
	At             time.Time   `json:"at"`
	Method         Method      `json:"method"`
	Action         Action      `json:"action"`
	TextHash       digest      `json:"text_hash"`
	LoA            Level       `json:"loa"`
	Authenticators []uuid.UUID `json:"authenticators,omitempty"`
	Proved         bool        `json:"proved,omitempty"`
}

// MarshalJSON writes l with its digests in base64.
func (l FinishedLogin) MarshalJSON() ([]byte, error) {
	return json.Marshal(finishedLoginWire{Session: digest(l.Session), At: l.At, Method: l.Method, Action: l.Action,
		TextHash: digest(l.TextHash), LoA: l.LoA, Authenticators: l.Authenticators, Proved: l.Proved})
}

// UnmarshalJSON reads what MarshalJSON writes, and the arrays of numbers
// stored before it.
func (l *FinishedLogin) UnmarshalJSON(b []byte) error {
	var w finishedLoginWire
	if err := json.Unmarshal(b, &w); err != nil {
		return err
	}
	*l = FinishedLogin{Session: [32]byte(w.Session), At: w.At, Method: w.Method, Action: w.Action,
		TextHash: [32]byte(w.TextHash), LoA: w.LoA, Authenticators: w.Authenticators, Proved: w.Proved}
	return nil
}

// digest is a SHA-256 sum stored as base64.
type digest [32]byte

var errDigest = errors.New("a stored digest is not 32 bytes")

// MarshalJSON writes d as a base64 string.
func (d digest) MarshalJSON() ([]byte, error) {
	b := make([]byte, 0, 46)
	b = append(b, '"')
	b = base64.StdEncoding.AppendEncode(b, d[:])
	return append(b, '"'), nil
}

// UnmarshalJSON reads a base64 string, or an array of 32 numbers (the form
// stored before).
func (d *digest) UnmarshalJSON(b []byte) error {
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
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return err
	}
	raw, err := base64.StdEncoding.DecodeString(s)
	if err != nil || len(raw) != len(d) {
		return errDigest
	}
	copy(d[:], raw)
	return nil
}
