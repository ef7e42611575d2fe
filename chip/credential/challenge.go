package credential

import (
	"encoding/base64"
	"time"
)

// Ceremony names the WebAuthn ceremony a Challenge was issued for.
type Ceremony string

// The two ceremonies.
const (
	CeremonyRegistration Ceremony = "registration"
	CeremonyLogin        Ceremony = "login"
)

// Challenge is the server side of one ceremony: what the verifier's Begin*
// issued and its Finish* checks the browser's response against. It is plain
// data and JSON-serialisable so the caller can keep it in its session store.
//
// Single use is the caller's contract: a verifier keeps no state and cannot
// tell a first use from a replay. The caller must store the Challenge (keyed
// by Key) when Begin* returns it, and atomically take it out of the store
// (consume: read and delete in one step) before calling Finish*, so that a
// Challenge reaches Finish* at most once whatever the outcome. A caller that
// lets a Challenge be used twice lets a captured response be replayed, and a
// replayed assertion looks like a cloned chip (ErrCounterNotIncreased).
// Finish* refuses a Challenge whose Expires has passed.
type Challenge struct {
	Ceremony Ceremony  `json:"ceremony"`
	Value    []byte    `json:"value"`   // the random challenge the chip signs
	UserID   []byte    `json:"userId"`  // the user it was issued to
	Expires  time.Time `json:"expires"` // Finish* refuses it from this instant on
	// CredentialIDs are the credentials allowed to answer a login, or the
	// credentials excluded from a registration.
	CredentialIDs [][]byte `json:"credentialIds,omitempty"`
	// AppID is the legacy AppID extension sent with the options (appid for
	// a login, appidExclude for a registration), empty if none was sent.
	AppID string `json:"appId,omitempty"`
}

// Key returns a string that identifies the Challenge, fit as the key of the
// caller's single-use session row. It is the base64url challenge value, which
// is also what the browser echoes in its client data.
func (c Challenge) Key() string { return base64.RawURLEncoding.EncodeToString(c.Value) }
