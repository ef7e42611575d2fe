package mitid

import (
	"context"
	"encoding/base64"
	"errors"
	"io"
	"slices"
	"strings"

	"github.com/google/uuid"
)

// IdentifierAtRest is a personal identifier (a CPR number, a passport or ID
// card number) as a store keeps it: never in clear. Keys are its keyed
// hashes (HMAC-SHA-256 under the key ring, one per key the ring held when
// it was written, the primary first, each "keyID:unpadded base64url"):
// the values a store indexes for lookups and uniqueness. Sealed is the
// identifier encrypted under the primary key and bound to the user's
// internal ID, from which the Service reads it back.
//
// Holding a hash under every key of the ring, not only the primary, keeps
// uniqueness across a key rotation: a person enrolled under the old key and
// the same person enrolling again under the new one share the old key's
// hash, and the store refuses the second. An IdentifierAtRest is never
// changed in place; a new one replaces it (see Service.Rewrap).
type IdentifierAtRest struct {
	Keys   []string `json:"keys"`
	Sealed Sealed   `json:"sealed"`
}

// The purposes of identifier hashes and seals: a CPR hash can never match
// a document hash, and a sealed CPR copied to a document does not open.
const (
	purposeCPR      = "identifier:cpr"
	purposeDocument = "identifier:document"
)

// documentIdentifier is the value of an identity document's unique key:
// the number is unique only within its issuing state.
func documentIdentifier(country, number string) string { return country + ":" + number }

// identifierKeys returns the keyed hashes of value under every key of the
// ring, the primary first: what a user holds, and what a lookup tries.
func (r *KeyRing) identifierKeys(purpose, value string) []string {
	out := make([]string, 0, len(r.order))
	for _, kid := range r.order {
		out = append(out, kid+":"+base64.RawURLEncoding.EncodeToString(r.sum(r.keys[kid], purpose, []byte(value))))
	}
	return out
}

func identifierAAD(purpose string, user uuid.UUID) []byte {
	return append([]byte(purpose+"\x00"), user[:]...)
}

// sealIdentifier returns the at-rest form of value for user.
func (r *KeyRing) sealIdentifier(rand io.Reader, purpose, value string, user uuid.UUID) (*IdentifierAtRest, error) {
	sealed, err := r.Seal(rand, []byte(value), identifierAAD(purpose, user))
	if err != nil {
		return nil, err
	}
	return &IdentifierAtRest{Keys: r.identifierKeys(purpose, value), Sealed: sealed}, nil
}

// SealIdentifiers writes the at-rest forms of u's CPR number and identity
// document number (User.CPRAtRest, IdentityDocument.NumberAtRest) from the
// clear values, under this ring; u.ID must be set. The Service does it for
// every user it creates; it is exported for whoever builds users without a
// Service (a store's tests, a one-off import or re-hash of users written
// before identifiers were sealed).
func (r *KeyRing) SealIdentifiers(rand io.Reader, u *User) error {
	if !u.CPR.IsZero() {
		at, err := r.sealIdentifier(rand, purposeCPR, u.CPR.Digits(), u.ID)
		if err != nil {
			return err
		}
		u.CPRAtRest = at
	}
	if d := u.Document; d != nil && d.Number != "" {
		at, err := r.sealIdentifier(rand, purposeDocument, documentIdentifier(d.Country, d.Number), u.ID)
		if err != nil {
			return err
		}
		nd := *d
		nd.NumberAtRest = at
		u.Document = &nd
	}
	return nil
}

// needsOpening reports whether u holds a sealed identifier that is not
// yet in its clear field: a user a store decoded from its row.
func needsOpening(u *User) bool {
	return (u.CPR.IsZero() && u.CPRAtRest != nil) ||
		(u.Document != nil && u.Document.Number == "" && u.Document.NumberAtRest != nil)
}

// openIdentifiers fills u's clear CPR and document number from their
// sealed copies; u must be the caller's to change. A copy that does not
// open (its key gone from the ring, or altered) leaves its clear field
// empty, and the account is served without it: what needs the number
// refuses with CodeSecretUnreadable (see errIdentifierUnreadable), never
// as if the holder had none, while logins and everything else go on.
func (r *KeyRing) openIdentifiers(u *User) {
	if u.CPR.IsZero() && u.CPRAtRest != nil {
		if b, err := r.Open(u.CPRAtRest.Sealed, identifierAAD(purposeCPR, u.ID)); err == nil {
			u.CPR, _ = ParseCPR(string(b))
		}
	}
	if d := u.Document; d != nil && d.Number == "" && d.NumberAtRest != nil {
		if b, err := r.Open(d.NumberAtRest.Sealed, identifierAAD(purposeDocument, u.ID)); err == nil {
			nd := *d
			nd.Number, _ = strings.CutPrefix(string(b), d.Country+":")
			u.Document = &nd
		}
	}
}

// hasCPR reports whether u holds a CPR number, readable or not.
func (u *User) hasCPR() bool { return !u.CPR.IsZero() || u.CPRAtRest != nil }

// errIdentifierUnreadable is the error of a rule that needs u's CPR number
// when it is sealed under a key gone from the ring: cannot check, not
// "no CPR number". It returns nil when the number is readable or absent.
func errIdentifierUnreadable(u *User) error {
	if u.CPR.IsZero() && u.CPRAtRest != nil {
		return errorf(CodeSecretUnreadable, "the CPR number of this MitID cannot be read under this key ring (key %q)", u.CPRAtRest.Sealed.KeyID)
	}
	return nil
}

// needsResealing reports whether an identifier needs writing anew under
// the current ring: sealed under an older key, or hashed under another set
// of keys than the ring's (a key added or retired).
func (r *KeyRing) needsResealing(at *IdentifierAtRest) bool {
	if at == nil {
		return false
	}
	if cur, _ := r.current(at.Sealed.KeyID); !cur || len(at.Keys) != len(r.order) {
		return true
	}
	for i, kid := range r.order {
		k := at.Keys[i]
		if len(k) <= len(kid) || k[:len(kid)] != kid || k[len(kid)] != ':' {
			return true
		}
	}
	return false
}

// findByIdentifier finds the user holding value (of kind KeyCPR or
// KeyDocument) under any key of the ring, the primary first, so a key
// rotation loses nobody. It returns the store's snapshot with the clear
// identifiers filled in.
func (s *Service) findByIdentifier(ctx context.Context, kind, purpose, value string) (*User, error) {
	var err error
	for _, k := range s.keys.identifierKeys(purpose, value) {
		var u *User
		u, err = s.store.FindUser(ctx, UniqueKey{kind, k})
		if err == nil {
			return u, nil
		}
		if !errors.Is(err, ErrNotFound) {
			return nil, err
		}
	}
	return nil, err
}

// findByCPR is findByIdentifier for a CPR number.
func (s *Service) findByCPR(ctx context.Context, cpr CPR) (*User, error) {
	return s.findByIdentifier(ctx, KeyCPR, purposeCPR, cpr.Digits())
}

// identifierStore is the Service's view of its Store: every user it reads
// comes with its clear identifiers opened from their sealed copies, and
// every user it creates has them sealed. Stores never see a key ring; this
// one place spares each read path of the Service from remembering it.
//
// Every write of the Service passes here too, so this is where a committed
// write is reported (watch.committed).
type identifierStore struct {
	Store
	keys  *KeyRing
	rand  io.Reader
	watch *watch
}

// opened returns snapshot u with its identifiers opened. A store's
// snapshot is read-only, so when there is something to fill it fills a
// shallow copy (a store that decodes rows hands out fresh values; the
// memory store keeps the clear fields, and needs no copy).
func (st identifierStore) opened(u *User, err error) (*User, error) {
	if err != nil || u == nil || !needsOpening(u) {
		return u, err
	}
	c := *u
	st.keys.openIdentifiers(&c)
	return &c, nil
}

func (st identifierStore) CreateUser(ctx context.Context, u *User, events []Event) error {
	if err := st.keys.SealIdentifiers(st.rand, u); err != nil {
		return err
	}
	err := st.Store.CreateUser(ctx, u, events)
	st.watch.committed(ctx, "create_user", u.ID, &events, err)
	return err
}

func (st identifierStore) User(ctx context.Context, id uuid.UUID) (*User, error) {
	return st.opened(st.Store.User(ctx, id))
}

func (st identifierStore) FindUser(ctx context.Context, key UniqueKey) (*User, error) {
	return st.opened(st.Store.FindUser(ctx, key))
}

func (st identifierStore) UpdateUser(ctx context.Context, id uuid.UUID, fn func(u *User) ([]Event, error)) (*User, error) {
	evs := st.watch.events()
	u, err := st.opened(st.Store.UpdateUser(ctx, id, func(u *User) ([]Event, error) {
		st.keys.openIdentifiers(u)
		return keep(evs)(fn(u))
	}))
	st.watch.committed(ctx, "update_user", id, evs, err)
	return u, err
}

// orderChange wraps fn to open the user's identifiers, and to keep the
// events of its last call in evs, for the report of the commit.
func (st identifierStore) orderChange(fn OrderChange, evs *[]Event) OrderChange {
	return func(o *Order, u *User) ([]Event, error) {
		if u != nil {
			st.keys.openIdentifiers(u)
		}
		return keep(evs)(fn(o, u))
	}
}

func (st identifierStore) orderResult(ctx context.Context, op string, evs *[]Event, o *Order, u *User, err error) (*Order, *User, error) {
	user := uuid.Nil
	if u != nil {
		user = u.ID
	}
	st.watch.committed(ctx, op, user, evs, err)
	if err != nil {
		return o, u, err
	}
	u, err = st.opened(u, nil)
	return o, u, err
}

func (st identifierStore) PlaceOrder(ctx context.Context, o *Order, fn OrderChange) (*Order, *User, error) {
	evs := st.watch.events()
	placed, u, err := st.Store.PlaceOrder(ctx, o, st.orderChange(fn, evs))
	return st.orderResult(ctx, "place_order", evs, placed, u, err)
}

func (st identifierStore) ChangeOrder(ctx context.Context, number string, fn OrderChange) (*Order, *User, error) {
	evs := st.watch.events()
	o, u, err := st.Store.ChangeOrder(ctx, number, st.orderChange(fn, evs))
	return st.orderResult(ctx, "change_order", evs, o, u, err)
}

func (st identifierStore) ClaimOrder(ctx context.Context, number string, user uuid.UUID, fn OrderChange) (*Order, *User, error) {
	evs := st.watch.events()
	o, u, err := st.Store.ClaimOrder(ctx, number, user, st.orderChange(fn, evs))
	return st.orderResult(ctx, "claim_order", evs, o, u, err)
}

// clone returns a deep copy of a, in two allocations.
func (a *IdentifierAtRest) clone() *IdentifierAtRest {
	if a == nil {
		return nil
	}
	c := &IdentifierAtRest{Keys: slices.Clone(a.Keys), Sealed: Sealed{KeyID: a.Sealed.KeyID}}
	buf := make([]byte, len(a.Sealed.Nonce)+len(a.Sealed.Ciphertext))
	n := copy(buf, a.Sealed.Nonce)
	copy(buf[n:], a.Sealed.Ciphertext)
	c.Sealed.Nonce, c.Sealed.Ciphertext = buf[:n:n], buf[n:]
	return c
}
