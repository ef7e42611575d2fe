package mitid

import (
	"crypto/sha256"
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
