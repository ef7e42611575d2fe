package chip

import (
	"bytes"
	"fmt"
	"io"
	"time"

	"github.com/go-webauthn/webauthn/protocol"

	"github.com/go-mitid/mitid/chip/credential"
)

// Ceremony names the WebAuthn ceremony a Challenge was issued for.
type Ceremony = credential.Ceremony

// The two ceremonies.
const (
	CeremonyRegistration = credential.CeremonyRegistration
	CeremonyLogin        = credential.CeremonyLogin
)

// challengeLen is the number of random bytes in a challenge; WebAuthn asks
// for at least 16.
const challengeLen = 32

// Challenge is the server side of one ceremony, plain data the caller keeps
// single use in its session store; see credential.Challenge for the contract.
type Challenge = credential.Challenge

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
	if err := validateUser(user); err != nil {
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
