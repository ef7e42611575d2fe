package chip

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"io"
	"time"

	"github.com/go-webauthn/webauthn/protocol"
)

// Ceremony names the WebAuthn ceremony a Challenge was issued for.
type Ceremony string

// The two ceremonies.
const (
	CeremonyRegistration Ceremony = "registration"
	CeremonyLogin        Ceremony = "login"
)

// challengeLen is the number of random bytes in a challenge; WebAuthn asks
// for at least 16.
const challengeLen = 32

// Challenge is the server side of one ceremony: what Begin* issued and
// Finish* checks the browser's response against. It is plain data and
// JSON-serialisable so the caller can keep it in its session store.
//
// Single use is the caller's contract: a Verifier keeps no state and cannot
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

func (v *Verifier) newChallenge(ceremony Ceremony, user User) (Challenge, error) {
	value := make([]byte, challengeLen)
	if _, err := io.ReadFull(v.rand, value); err != nil {
		return Challenge{}, fmt.Errorf("chip: reading randomness for a challenge: %w", err)
	}
	return Challenge{
		Ceremony: ceremony,
		Value:    value,
		UserID:   bytes.Clone(user.ID),
		Expires:  v.now().Add(v.timeout),
	}, nil
}

// checkChallenge is the part of Finish* that needs no response: the right
// ceremony, the right user, a well-formed value, not expired.
func (v *Verifier) checkChallenge(ch *Challenge, want Ceremony, user User) error {
	if err := user.validate(); err != nil {
		return err
	}
	if ch.Ceremony != want {
		return fmt.Errorf("%w: issued for %q, used for %q", ErrInvalidChallenge, ch.Ceremony, want)
	}
	if len(ch.Value) < protocol.MinimumChallengeLength {
		return fmt.Errorf("%w: value is %d bytes, want at least %d", ErrInvalidChallenge, len(ch.Value), protocol.MinimumChallengeLength)
	}
	if !bytes.Equal(ch.UserID, user.ID) {
		return fmt.Errorf("%w: issued to another user", ErrInvalidChallenge)
	}
	if now := v.now(); !now.Before(ch.Expires) {
		return fmt.Errorf("%w: expired at %s, it is now %s; begin again", ErrChallengeExpired,
			ch.Expires.UTC().Format(time.RFC3339), now.UTC().Format(time.RFC3339))
	}
	return nil
}
