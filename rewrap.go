package mitid

import (
	"context"
	"time"

	"github.com/google/uuid"
)

// Rewrap seals every secret of user id that is sealed under an older key of
// the ring anew under the primary key, in one change, and returns how many
// it resealed. The CPR number and identity document number are resealed
// and hashed again under the ring's keys too (see IdentifierAtRest), so
// after Rewrap the person is found by a hash under the primary key, and
// no hash under a retired key is kept. Together with the resealing a code display's seed gets at
// each use, it lets an old key be retired: run Rewrap for every user after
// a new primary key is rolled out, then take the old key off the ring.
//
// Keyed hashes (activation codes, temporary PINs, P-codes) cannot be made
// anew without the code; they expire (a P-code after Policy.PCodeValidity),
// and one under a key taken off the ring is refused as "cannot be checked"
// and never counted as a wrong guess, so retire a key at least that long
// after it stopped being primary, or issue such codes again.
func (s *Service) Rewrap(ctx context.Context, id uuid.UUID) (int, error) {
	// Run for every user, most of whom are current: those cost a read, not
	// a write.
	u, err := s.store.User(ctx, id)
	if err != nil {
		return 0, err
	}
	if !s.needsRewrap(u) {
		return 0, nil
	}
	n := 0
	_, _, err = s.update(ctx, id, func(u *User, _ time.Time) ([]Event, error) {
		n = 0
		// The identifiers are open here (the Service opens every user it
		// reads); seal and hash them anew when their sealed copy is under
		// an older key or their hashes are not those of the ring's keys.
		resealCPR := s.keys.needsResealing(u.CPRAtRest)
		resealDoc := u.Document != nil && s.keys.needsResealing(u.Document.NumberAtRest)
		if resealCPR || resealDoc {
			// One that did not open cannot be resealed; dropping it would
			// lose the person's identity.
			if err := errIdentifierUnreadable(u); err != nil {
				return nil, err
			}
			if resealDoc && u.Document.Number == "" {
				return nil, errorf(CodeSecretUnreadable, "the identity document number of this MitID cannot be read under this key ring (key %q)", u.Document.NumberAtRest.Sealed.KeyID)
			}
			fresh := &User{ID: u.ID, CPR: u.CPR, Document: u.Document}
			if err := s.keys.SealIdentifiers(s.rand, fresh); err != nil {
				return nil, err
			}
			if resealCPR {
				u.CPRAtRest = fresh.CPRAtRest
				n++
			}
			if resealDoc {
				u.Document = fresh.Document
				n++
			}
		}
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

// needsRewrap reports whether u holds anything Rewrap would seal anew.
func (s *Service) needsRewrap(u *User) bool {
	if s.keys.needsResealing(u.CPRAtRest) || (u.Document != nil && s.keys.needsResealing(u.Document.NumberAtRest)) {
		return true
	}
	for i := range u.Authenticators {
		if a := &u.Authenticators[i]; a.OTP != nil {
			if cur, _ := s.keys.current(a.OTP.Seed.KeyID); !cur {
				return true
			}
		}
	}
	return false
}
