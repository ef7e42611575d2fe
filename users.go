package mitid

import (
	"context"
	"slices"
	"time"

	"github.com/google/uuid"
)

// UserRequest is what CreateUser needs to enrol a holder.
type UserRequest struct {
	// UserID is the self-chosen user ID, as typed.
	UserID string
	// CPR is the CPR number ("DDMMYY-SSSS" or 10 digits). Leave it empty for
	// a holder without one, and give Document and BirthDate instead.
	CPR       string
	Document  *IdentityDocument
	BirthDate time.Time
	Name      string
	// Phone (any E.164 number) and Email are optional, but each chosen
	// channel needs its address.
	Phone    string
	Email    string
	Channels []Channel
	Language Language // Danish when empty
	// IAL is the identity assurance level the enrolment reached.
	IAL Level
	// NotifyEveryUse asks to hear of every use (Policy.NotifyEveryUseByDefault
	// turns it on for everyone).
	NotifyEveryUse bool
}

// CreateUser enrols a new holder. It checks every identity rule (user ID,
// CPR number, minimum age, contacts) and fails with a conflict when the user
// ID or the CPR number is taken.
func (s *Service) CreateUser(ctx context.Context, n UserRequest) (*User, []Event, error) {
	now := s.clock.Now()
	u, events, err := s.buildUser(ctx, n, now)
	if err != nil {
		return nil, nil, err
	}
	if err := s.store.CreateUser(ctx, u, events); err != nil {
		return nil, nil, err
	}
	return u, events, nil
}

// buildUser validates n and returns the new user and its creation event,
// stamped, ready to store.
func (s *Service) buildUser(ctx context.Context, n UserRequest, now time.Time) (*User, []Event, error) {
	u := &User{Status: UserActive, CreatedAt: now, Name: n.Name, IAL: n.IAL,
		NotifyEveryUse: n.NotifyEveryUse || s.policy.NotifyEveryUseByDefault}
	if n.CPR != "" {
		cpr, err := ParseCPR(n.CPR)
		if err != nil {
			return nil, nil, err
		}
		u.CPR, u.BirthDate = cpr, cpr.BirthDate()
	} else {
		if n.Document == nil || n.Document.Country == "" || n.Document.Number == "" || n.BirthDate.IsZero() {
			return nil, nil, invalidField(CodeIdentityInvalid, "cpr",
				"give a CPR number, or for a holder without one, the identity document and the birth date")
		}
		d := *n.Document
		u.Document, u.BirthDate = &d, n.BirthDate
	}
	if !n.IAL.Valid() {
		return nil, nil, invalidField(CodeLevelInvalid, "ial", "the identity assurance level must be Low, Substantial or High")
	}
	if age := AgeAt(u.BirthDate, now); age < s.policy.MinimumAge {
		return nil, nil, invalidField(CodeTooYoung, "birth_date", "you can get MitID from the age of %d; you are %d", s.policy.MinimumAge, age)
	}
	uid, err := s.checkUserID(n.UserID, u)
	if err != nil {
		return nil, nil, err
	}
	u.UserID = uid
	u.Language = n.Language
	if u.Language == "" {
		u.Language = Danish
	}
	if err := applyContact(u, Contact{Phone: &n.Phone, Email: &n.Email, Channels: n.Channels, Language: u.Language}, now); err != nil {
		return nil, nil, err
	}
	u.PhoneChangedAt = time.Time{} // a first number is not a change
	if err := defaultChannels(u); err != nil {
		return nil, nil, err
	}
	if u.ID, err = s.newID(); err != nil {
		return nil, nil, err
	}
	events := []Event{{Type: EventUserCreated, Detail: map[string]string{"user_id": u.UserID}}}
	if err := s.stamp(ctx, u, events, now); err != nil {
		return nil, nil, err
	}
	return u, events, nil
}

// checkUserID normalises a user ID and checks it against the holder.
func (s *Service) checkUserID(userID string, u *User) (string, error) {
	uid, err := NormalizeUserID(&s.policy, userID)
	if err != nil {
		return "", err
	}
	var cpr *CPR
	if !u.CPR.IsZero() {
		cpr = &u.CPR
	}
	if err := CheckUserIDForHolder(uid, cpr); err != nil {
		return "", err
	}
	return uid, nil
}

// ChangeUserID gives the user a new user ID. The change is audited and
// notified (mitid.dk: MitID security in general); the old ID becomes free for others.
func (s *Service) ChangeUserID(ctx context.Context, id uuid.UUID, userID string) (*User, []Event, error) {
	return s.update(ctx, id, func(u *User, now time.Time) ([]Event, error) {
		uid, err := s.checkUserID(userID, u)
		if err != nil {
			return nil, err
		}
		if uid == u.UserID {
			return nil, invalidField(CodeUserIDInvalid, "user_id", "that is your user ID already")
		}
		old := u.UserID
		u.UserID = uid
		return []Event{{Type: EventUserIDChanged, Detail: map[string]string{"old": old, "new": uid}}}, nil
	})
}

// Contact is a change of contact details; nil pointers and a nil Channels
// leave the current value.
type Contact struct {
	Phone    *string // "" removes the number
	Email    *string // "" removes the address
	Channels []Channel
	Language Language
	// NotifyEveryUse asks to hear of every use, not only of important
	// events (mitid.dk: MitID security in general).
	NotifyEveryUse *bool
}

// ChangeContact changes phone, e-mail, channels, language or the wish to
// hear of every use. A new phone
// number restarts the quarantine on SMS activation codes
// (Policy.PhoneChangeQuarantine). The notification goes to the channels as
// they were before the change, so a hijacker cannot silence it.
func (s *Service) ChangeContact(ctx context.Context, id uuid.UUID, c Contact) (*User, []Event, error) {
	return s.update(ctx, id, func(u *User, now time.Time) ([]Event, error) {
		before := deliveries(u)
		if err := applyContact(u, c, now); err != nil {
			return nil, err
		}
		notify := before
		for _, d := range deliveries(u) {
			if !slices.Contains(notify, d) {
				notify = append(notify, d)
			}
		}
		return []Event{{Type: EventContactChanged, Notify: notify}}, nil
	})
}

// applyContact validates and applies a contact change to u.
func applyContact(u *User, c Contact, now time.Time) error {
	if c.Phone != nil {
		phone := ""
		if *c.Phone != "" {
			p, err := ParsePhone(*c.Phone)
			if err != nil {
				return err
			}
			phone = p
		}
		if phone != u.Phone {
			u.Phone, u.PhoneChangedAt = phone, now
		}
	}
	if c.Email != nil {
		email := ""
		if *c.Email != "" {
			e, err := ParseEmail(*c.Email)
			if err != nil {
				return err
			}
			email = e
		}
		u.Email = email
	}
	if c.Language != "" {
		if !c.Language.Valid() {
			return invalidField(CodeLanguageInvalid, "language", "MitID speaks Danish (da) and English (en), not %q", c.Language)
		}
		u.Language = c.Language
	}
	if c.NotifyEveryUse != nil {
		u.NotifyEveryUse = *c.NotifyEveryUse
	}
	if c.Channels != nil {
		var chs []Channel
		for _, ch := range c.Channels {
			if !ch.Valid() {
				return invalidField(CodeChannelInvalid, "channels", "unknown notification channel %q; use app, sms or email", ch)
			}
			if !slices.Contains(chs, ch) {
				chs = append(chs, ch)
			}
		}
		if len(chs) == 0 {
			return errNoChannel()
		}
		u.Channels = chs
	}
	for _, ch := range u.Channels {
		if ch == ChannelSMS && u.Phone == "" {
			return invalidField(CodeChannelInvalid, "channels", "notifications by SMS need a phone number")
		}
		if ch == ChannelEmail && u.Email == "" {
			return invalidField(CodeChannelInvalid, "channels", "notifications by e-mail need an e-mail address")
		}
	}
	return nil
}

// User returns the user with the given internal ID. Like every user the
// Service returns, it is the caller's own copy.
func (s *Service) User(ctx context.Context, id uuid.UUID) (*User, error) {
	return owned(s.store.User(ctx, id))
}

// UserByUserID finds a user by user ID, as a person types it (case and
// æ/ø/å folded).
func (s *Service) UserByUserID(ctx context.Context, userID string) (*User, error) {
	return owned(s.findByUserID(ctx, userID))
}

// findByUserID is UserByUserID returning the store's shared snapshot.
func (s *Service) findByUserID(ctx context.Context, userID string) (*User, error) {
	uid, err := NormalizeUserID(&s.policy, userID)
	if err != nil {
		return nil, err
	}
	return s.store.FindUser(ctx, UniqueKey{KeyUserID, uid})
}

// UserByCPR finds a user by CPR number ("DDMMYY-SSSS" or 10 digits), under
// any key of the ring (see IdentifierAtRest).
func (s *Service) UserByCPR(ctx context.Context, cpr string) (*User, error) {
	c, err := ParseCPR(cpr)
	if err != nil {
		return nil, err
	}
	return owned(s.findByCPR(ctx, c))
}

// owned turns a store's shared snapshot into a copy the caller of the
// Service owns: stores hand out read-only values (see Store), and a
// library's users must be free to change what they get.
func owned(u *User, err error) (*User, error) {
	if err != nil {
		return nil, err
	}
	return u.Clone(), nil
}

// BlockUser temporarily blocks the whole MitID, until the given time or,
// when until is zero, until UnblockUser.
func (s *Service) BlockUser(ctx context.Context, id uuid.UUID, until time.Time, reason string) (*User, []Event, error) {
	return s.update(ctx, id, func(u *User, now time.Time) ([]Event, error) {
		if !until.IsZero() && !until.After(now) {
			return nil, invalidField(CodeTransitionForbidden, "until", "a block must end in the future")
		}
		u.Status, u.BlockedUntil, u.BlockReason = UserBlocked, until, reason
		return []Event{{Type: EventUserBlocked, Until: until, Reason: reason}}, nil
	})
}

// UnblockUser lifts a temporary block of the whole MitID.
func (s *Service) UnblockUser(ctx context.Context, id uuid.UUID, reason string) (*User, []Event, error) {
	return s.update(ctx, id, func(u *User, now time.Time) ([]Event, error) {
		if u.Status != UserBlocked {
			return nil, errorf(CodeTransitionForbidden, "this MitID is not blocked")
		}
		u.Status, u.BlockedUntil, u.BlockReason = UserActive, time.Time{}, ""
		return []Event{{Type: EventUserUnblocked, Reason: reason}}, nil
	})
}

// ActivityLog returns the user's events, oldest first. The filter's User is
// set to id; its other fields narrow the result. Events older than
// Config.Retention.Events may have been purged (see Purge).
func (s *Service) ActivityLog(ctx context.Context, id uuid.UUID, f EventFilter) ([]Event, error) {
	if _, err := s.store.User(ctx, id); err != nil {
		return nil, err
	}
	f.User = id
	return s.store.Events(ctx, f)
}
