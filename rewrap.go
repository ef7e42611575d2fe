package mitid

import (
	"context"
	"time"

	"github.com/google/uuid"
)

// Rewrap seals every secret of user id that is sealed under an older key of
// the ring anew under the primary key, in one change, and returns how many
// it resealed. Together with the resealing a code display's seed gets at
// each use, it lets an old key be retired: run Rewrap for every user after
// a new primary key is rolled out, then take the old key off the ring.
//
// Keyed hashes (activation codes, temporary PINs, P-codes) cannot be made
// anew without the code; they expire (a P-code after Policy.PCodeValidity),
// and one under a key taken off the ring is refused as "cannot be checked"
// and never counted as a wrong guess, so retire a key at least that long
// after it stopped being primary, or issue such codes again.
func (s *Service) Rewrap(ctx context.Context, id uuid.UUID) (int, error) {
	n := 0
	_, _, err := s.update(ctx, id, func(u *User, _ time.Time) ([]Event, error) {
		n = 0
		for i := range u.Authenticators {
			a := &u.Authenticators[i]
			if a.OTP == nil {
				continue
			}
			if cur, _ := s.keys.current(a.OTP.Seed.KeyID); cur {
				continue
			}
			aad := seedAAD(a.ID)
			seed, err := s.keys.Open(a.OTP.Seed, aad)
			if err != nil {
				return nil, NewError(CodeSecretUnreadable, err, "the seed of %s %s does not open under this key ring", a.Kind, a.ID)
			}
			sealed, err := s.keys.Seal(s.rand, seed, aad)
			clear(seed)
			if err != nil {
				return nil, err
			}
			a.OTP.Seed = sealed
			n++
		}
		return nil, nil
	})
	return n, err
}
