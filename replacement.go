package mitid

import (
	"context"
	"time"

	"github.com/google/uuid"
)

// Replacing a defective authenticator, process 1 of mitid.dk's guide
// "Ordering and activating a new MitID authenticator": log in with another
// active authenticator, block the broken one, add the new one (or order
// it). Process 2, at Citizen Service, is StartProofing … CompleteProofing.

// Replacement is process 1 in one request.
type Replacement struct {
	// Login is a login of the person with all factors in, made with
	// another active authenticator than Broken; the Service finishes it.
	Login string
	// Broken is the defective authenticator, blocked in the same change.
	Broken uuid.UUID
	// Defect describes what happens when it is used.
	Defect string

	// Either Order: a new device is ordered (Kind, Delivery, address,
	// receipt, terms, payment; the reason, the defect, what it replaces and
	// the identification are filled in from this request) …
	Order *OrderRequest
	// … or Add: a code display or audio code reader already in the
	// person's hands (pending activation) is activated with its proof.
	Add *AddDevice
}

// AddDevice is a received code device and its proof: the serial number on
// its back and the code it shows.
type AddDevice struct {
	Authenticator uuid.UUID
	Serial, Code  string
}

// Replaced is the outcome of a replacement.
type Replaced struct {
	User *User
	// Receipt is the order's receipt when a device was ordered.
	Receipt *Receipt
	Events  []Event
}

// ReplaceAuthenticator is process 1 as one call: with a login made with
// another active authenticator, it blocks the broken authenticator and, in
// the same change, orders its replacement (the order is identified by the
// login, reason "broken", naming what it replaces) or activates a device
// already received. If anything is refused, nothing changes, and the
// broken authenticator is not blocked.
func (s *Service) ReplaceAuthenticator(ctx context.Context, r Replacement) (*Replaced, error) {
	if (r.Order == nil) == (r.Add == nil) {
		return nil, invalidField(CodeOrderInvalid, "replacement", "either order a new authenticator or add one you have received")
	}
	if r.Broken == uuid.Nil {
		return nil, invalidField(CodeOrderInvalid, "broken", "choose the authenticator that is broken")
	}
	var req OrderRequest
	if r.Order != nil {
		req = *r.Order
		req.Login, req.CPR, req.Passport = r.Login, "", ""
		req.Reason, req.Defect, req.Replaces = ReasonBroken, r.Defect, r.Broken
		var err error
		if req, err = s.checkOrderRequest(req); err != nil {
			return nil, err
		}
	}
	res, err := s.proveLogin(ctx, r.Login, uuid.Nil, r.Broken, "")
	if err != nil {
		return nil, err
	}
	block := func(u *User, now time.Time) ([]Event, error) {
		old, err := u.Authenticator(r.Broken)
		if err != nil {
			return nil, err
		}
		if old.EffectiveState(now) == StateBlocked {
			return nil, nil // blocked already, as the guide's first step
		}
		return u.Transition(&s.policy, r.Broken, StateBlocked, now, TransitionOptions{Reason: "broken: " + r.Defect})
	}
	if r.Order != nil {
		u, err := s.store.User(ctx, res.User)
		if err != nil {
			return nil, err
		}
		rc, err := s.place(ctx, req, u, IdentifiedByMitID, block)
		if rc == nil {
			return nil, err
		}
		got, uerr := s.store.User(ctx, res.User)
		if uerr != nil {
			return nil, uerr
		}
		return &Replaced{User: got.Clone(), Receipt: rc}, err
	}
	u, evs, err := s.update(ctx, res.User, func(u *User, now time.Time) ([]Event, error) {
		if err := u.Usable(now); err != nil {
			return nil, err
		}
		evs, err := block(u, now)
		if err != nil {
			return nil, err
		}
		a, err := u.Authenticator(r.Add.Authenticator)
		if err != nil {
			return nil, err
		}
		if a.Kind != KindCodeDisplay && a.Kind != KindAudioReader {
			return nil, invalidField(CodeTransitionForbidden, "add", "a %s is added by its own guide (a chip: BeginChipRegistration), not here", a.Kind)
		}
		old, _ := u.Authenticator(r.Broken)
		if old.Kind.Group() != a.Kind.Group() {
			return nil, invalidField(CodeTransitionForbidden, "add", "a %s cannot replace a %s", a.Kind, old.Kind)
		}
		if err := checkSerial(a, r.Add.Serial); err != nil {
			return nil, err
		}
		if _, err := s.checkCode(a, r.Add.Code, now); err != nil {
			return nil, err
		}
		moved, err := u.Transition(&s.policy, a.ID, StateActive, now, TransitionOptions{Reason: "replaces a broken " + old.Kind.String()})
		return append(evs, moved...), err
	})
	if err != nil {
		return nil, err
	}
	return &Replaced{User: u, Events: evs}, nil
}
