package mitid

import (
	"context"
	"crypto/rand"
	"errors"
	"math/big"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"
)

// "Activation before use" (mitid.dk: MitID security in general): a device stolen from the mailbox is
// useless without a code that reaches the holder by another way. This file
// issues and redeems those codes:
//
//   - activation codes: from the app's passport scan (valid 30 minutes), on
//     paper from Citizen Service (48 hours) or by SMS (30 minutes, and only
//     if the phone number has not changed in the last 120 hours);
//   - the temporary PIN by SMS that an app needs besides its activation
//     code: two independent codes by two independent channels;
//   - the P-code of a holder without a CPR number (8 digits, 60 days).
//
// Every code is personal, activates once, and is blocked after three wrong
// entries. Only a keyed hash of it is stored.

// CodePurpose is what an issued code is for.
type CodePurpose string

// The purposes of issued codes.
const (
	PurposeActivation   CodePurpose = "activation"
	PurposeTemporaryPIN CodePurpose = "temporary_pin"
	PurposePCode        CodePurpose = "p_code"
)

// CodeChannel is how a code reaches its holder; it sets the code's validity.
type CodeChannel string

// The channels a code is issued through.
const (
	CodeByAppScan CodeChannel = "app_passport_scan" // shown in the app after a passport scan (30 min)
	CodeOnPaper   CodeChannel = "paper"             // handed out at Citizen Service (48 h)
	CodeBySMS     CodeChannel = "sms"               // sent by SMS (30 min)
)

// IssuedCode is a code issued to the user, as stored: never the code itself.
type IssuedCode struct {
	ID        uuid.UUID   `json:"id"`
	Purpose   CodePurpose `json:"purpose"`
	Channel   CodeChannel `json:"channel"`
	Hash      KeyedHash   `json:"hash"`
	IssuedAt  time.Time   `json:"issued_at"`
	ExpiresAt time.Time   `json:"expires_at"`
	// Wrong counts wrong entries; at Policy.ActivationCodeAttempts the code
	// is blocked.
	Wrong   int       `json:"wrong,omitempty"`
	Blocked bool      `json:"blocked,omitempty"`
	UsedAt  time.Time `json:"used_at,omitzero"`
	// Pending marks a code sent by SMS whose handover is not yet confirmed:
	// it cannot be redeemed, and the codes it will supersede still can.
	Pending bool `json:"pending,omitempty"`
}

// live reports whether c can still be redeemed at now.
func (c *IssuedCode) live(now time.Time) bool {
	return !c.Blocked && !c.Pending && c.UsedAt.IsZero() && now.Before(c.ExpiresAt)
}

// codeAlphabet leaves out 0/O, 1/I/L and the like, so a code read off paper
// or a screen is typed right.
const codeAlphabet = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"

// validity returns how long a code of this purpose and channel lives.
func (p *Policy) validity(purpose CodePurpose, ch CodeChannel) (time.Duration, error) {
	if purpose == PurposePCode {
		return p.PCodeValidity, nil
	}
	switch ch {
	case CodeByAppScan:
		return p.AppActivationCodeValidity, nil
	case CodeOnPaper:
		return p.PaperActivationCodeValidity, nil
	case CodeBySMS:
		return p.SMSActivationCodeValidity, nil
	}
	return 0, invalidField(CodeActivationInvalid, "channel", "unknown code channel %q", ch)
}

// newCode draws a code: 8 characters XXXX-XXXX for activation codes (about
// 39 bits), 6 digits for a temporary PIN, Policy.PCodeDigits digits for a
// P-code.
func (s *Service) newCode(purpose CodePurpose) (string, error) {
	alphabet, n := codeAlphabet, 8
	switch purpose {
	case PurposeTemporaryPIN:
		alphabet, n = "0123456789", 6
	case PurposePCode:
		alphabet, n = "0123456789", s.policy.PCodeDigits
	}
	b := make([]byte, n)
	for i := range b {
		k, err := rand.Int(s.rand, big.NewInt(int64(len(alphabet))))
		if err != nil {
			return "", NewError(CodeConfigInvalid, err, "the random source failed")
		}
		b[i] = alphabet[k.Int64()]
	}
	code := string(b)
	if purpose == PurposeActivation {
		code = code[:4] + "-" + code[4:]
	}
	return code, nil
}

// normalizeCode folds what a person types: case, spaces and hyphens.
func normalizeCode(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r == ' ' || r == '-' || r == '\t':
			return -1
		case r >= 'a' && r <= 'z':
			return r - 'a' + 'A'
		}
		return r
	}, s)
}

func codeHashPurpose(u uuid.UUID, p CodePurpose) string {
	return "code:" + string(p) + ":" + u.String()
}

// IssueCode issues a code of the given purpose to the user through the
// given channel and returns it in clear, once: the store keeps only its
// keyed hash. The caller hands the code over (on the screen after a passport
// scan, on paper at Citizen Service); a code by SMS the Service sends itself
// through its Notifier, directly and not through the outbox, so the code is
// never stored in clear anywhere. Without a Notifier the caller sends it.
//
// A code by SMS is refused while the phone number is younger than
// Policy.PhoneChangeQuarantine (120 hours), so a hijacker who just changed
// the number gets no code on it.
//
// A temporary PIN must be asked for with the user ID alone (the holder may
// have no working authenticator), so integrators let anyone ask, and a
// stranger can too. Hence three rules:
//
//   - A new code replaces every earlier code of its purpose and channel,
//     which leaves the record: the record keeps at most one code of each
//     (and one whose SMS is on its way). Codes of other channels stay, so an
//     SMS a stranger asks for never takes the paper code the holder got at
//     Citizen Service.
//   - A code by SMS is refused for Policy.CodeInterval (1 minute) after the
//     last of the same purpose (CodeCodeTooSoon, with Until), so the holder
//     has that long at least to type the one that just arrived before
//     anyone can replace it. A code on paper or from a passport scan is
//     handed to the caller, who has proved who the person is, and is not
//     paced: an operator may hand out a new one at once.
//   - At most Policy.SMSCodesPerDay (5) codes go to a person by SMS in any
//     24 hours (CodeCodeLimit, with Until), so the phone is not flooded and
//     the activity log grows by no more.
func (s *Service) IssueCode(ctx context.Context, user uuid.UUID, purpose CodePurpose, ch CodeChannel) (string, *User, []Event, error) {
	if purpose == PurposeTemporaryPIN {
		ch = CodeBySMS // a temporary PIN only ever travels by SMS
	}
	ttl, err := s.policy.validity(purpose, ch)
	if err != nil {
		return "", nil, nil, err
	}
	code, err := s.newCode(purpose)
	if err != nil {
		return "", nil, nil, err
	}
	id, err := s.newID()
	if err != nil {
		return "", nil, nil, err
	}
	bySMS := ch == CodeBySMS
	u, evs, err := s.update(ctx, user, func(u *User, now time.Time) ([]Event, error) {
		ev, err := s.addCode(u, id, code, purpose, ch, ttl, now, bySMS)
		return []Event{ev}, err
	})
	if err != nil {
		return "", nil, nil, err
	}
	if !bySMS {
		// A code not sent by SMS is handed over by being returned.
		return code, u, evs, nil
	}
	// The SMS is the handover: only once it is out does the new code
	// replace the old ones, so a failed SMS leaves the holder the code they
	// had.
	var sent error
	if s.notifier == nil {
		sent = errorf(CodeConfigInvalid, "no Notifier is configured to send codes by SMS")
	} else {
		n := Notification{Delivery: Delivery{Channel: ChannelSMS, Address: u.Phone, Language: u.Language}, Event: evs[0],
			Subject: "MitID", Text: codeText(purpose, code, u.Language, evs[0].Until.Sub(evs[0].At))}
		if sent = s.notify(ctx, n); sent != nil {
			s.watch.notifierFailed(ctx, &n, code, sent)
			// The notifier's error may quote the request (a gateway that
			// echoes what it refused): the caller gets it without the code
			// and the phone number, as the log does.
			sent = redactedError(sent, append(phoneForms(u.Phone), code, n.Text)...)
		}
	}
	u, _, err = s.update(context.WithoutCancel(ctx), user, func(u *User, now time.Time) ([]Event, error) {
		u.handOver(id, sent == nil)
		return nil, nil
	})
	if err != nil {
		return "", nil, nil, err
	}
	if sent != nil {
		return "", u, evs, NewError(CodeDeliveryFailed, sent, "the SMS with your %s could not be sent, and any code you had before still works; ask for a new one", purposeName(purpose))
	}
	return code, u, evs, nil
}

// handOver settles the pending code id: confirmed, it becomes live and
// replaces the other codes of its purpose and channel; otherwise it goes.
func (u *User) handOver(id uuid.UUID, confirmed bool) {
	i := slices.IndexFunc(u.Codes, func(c IssuedCode) bool { return c.ID == id })
	if i < 0 {
		return
	}
	if !confirmed {
		// Not sent: it does not count against the day's SMS.
		if k := slices.IndexFunc(u.CodesSent, u.Codes[i].IssuedAt.Equal); k >= 0 {
			u.CodesSent = slices.Delete(u.CodesSent, k, k+1)
		}
		u.Codes = slices.Delete(u.Codes, i, i+1)
		return
	}
	u.Codes[i].Pending = false
	u.supersede(i)
}

// supersede drops from u.Codes the codes u.Codes[i] replaces, but those
// still pending: a replaced code is kept nowhere (its issue and use are in
// the activity log). A code by SMS, which anyone who knows the user ID may
// ask for, replaces only the codes of its purpose by SMS, so that a
// stranger's request cannot take away a code the holder got otherwise; a
// code handed to a caller who proved who the person is (on paper at
// Citizen Service, from the app's passport scan) replaces every code of its
// purpose, so that one a thief had asked for by SMS stops working.
func (u *User) supersede(i int) {
	id, p, ch := u.Codes[i].ID, u.Codes[i].Purpose, u.Codes[i].Channel
	u.Codes = slices.DeleteFunc(u.Codes, func(c IssuedCode) bool {
		return c.ID != id && c.Purpose == p && (c.Channel == ch || ch != CodeBySMS) && !c.Pending
	})
}

// mayIssue refuses a code of purpose by SMS to u at now while the last one
// of the same purpose by SMS is younger than Policy.CodeInterval, or once
// Policy.SMSCodesPerDay went to u within 24 hours (it trims u.CodesSent to
// that window). Each refusal says when the next may be asked for. Other
// channels hand the code to a caller who proved who the person is, and
// pass.
func (s *Service) mayIssue(u *User, purpose CodePurpose, ch CodeChannel, now time.Time) error {
	u.CodesSent = slices.DeleteFunc(u.CodesSent, func(t time.Time) bool { return !now.Before(t.Add(day)) })
	if ch != CodeBySMS {
		return nil
	}
	var last time.Time
	for _, c := range u.Codes {
		if c.Purpose == purpose && c.Channel == ch && c.IssuedAt.After(last) {
			last = c.IssuedAt
		}
	}
	if next := last.Add(s.policy.CodeInterval); !last.IsZero() && now.Before(next) {
		e := errorf(CodeCodeTooSoon, "your %s was sent a moment ago; wait for it, or ask for a new one from %s", purposeName(purpose), next.UTC().Format(time.RFC3339))
		e.Until = next
		return e
	}
	if len(u.CodesSent) >= s.policy.SMSCodesPerDay {
		next := slices.MinFunc(u.CodesSent, time.Time.Compare).Add(day)
		e := errorf(CodeCodeLimit, "%d codes have been sent to your phone in the last 24 hours, the most allowed; the next can be sent from %s", len(u.CodesSent), next.UTC().Format(time.RFC3339))
		e.Until = next
		return e
	}
	return nil
}

// notify hands n to the Notifier under Config.NotifyTimeout, and gives up
// at the timeout even when the Notifier ignores its context (it is then
// left to finish on its own).
func (s *Service) notify(ctx context.Context, n Notification) error {
	ctx, cancel := context.WithTimeout(ctx, s.notifyTimeout)
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- s.notifier.Notify(ctx, n) }()
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
		return ctx.Err()
	}
}

// addCode records a freshly drawn code on u (its keyed hash), after the
// rules for its purpose and channel, and returns the event to commit.
func (s *Service) addCode(u *User, id uuid.UUID, code string, purpose CodePurpose, ch CodeChannel, ttl time.Duration, now time.Time, pending bool) (Event, error) {
	if purpose == PurposePCode && u.hasCPR() {
		return Event{}, errorf(CodeActivationInvalid, "a P-code is for a holder without a CPR number")
	}
	if ch == CodeBySMS || purpose == PurposeTemporaryPIN {
		if u.Phone == "" {
			return Event{}, invalidField(CodeActivationInvalid, "phone", "a code by SMS needs a phone number")
		}
		if !u.PhoneChangedAt.IsZero() && now.Before(u.PhoneChangedAt.Add(s.policy.PhoneChangeQuarantine)) {
			until := u.PhoneChangedAt.Add(s.policy.PhoneChangeQuarantine)
			e := errorf(CodeWaitingPeriod, "your phone number changed recently; codes by SMS can be sent to it from %s", until.UTC().Format(time.RFC3339))
			e.Until = until
			return Event{}, e
		}
	}
	if err := s.mayIssue(u, purpose, ch, now); err != nil {
		return Event{}, err
	}
	if ch == CodeBySMS {
		u.CodesSent = append(u.CodesSent, now)
	}
	u.pruneCodes(now)
	u.Codes = append(u.Codes, IssuedCode{ID: id, Purpose: purpose, Channel: ch, IssuedAt: now, ExpiresAt: now.Add(ttl),
		Hash: s.keys.Hash(codeHashPurpose(u.ID, purpose), []byte(normalizeCode(code))), Pending: pending})
	if !pending {
		u.supersede(len(u.Codes) - 1)
	}
	return Event{Type: EventCodeIssued, Until: now.Add(ttl), Detail: map[string]string{"purpose": string(purpose), "channel": string(ch)}}, nil
}

// codeText is the SMS that carries a code.
func codeText(p CodePurpose, code string, lang Language, ttl time.Duration) string {
	mins := int(ttl / time.Minute)
	if lang == Danish {
		name := map[CodePurpose]string{PurposeActivation: "aktiveringskode", PurposeTemporaryPIN: "midlertidige PIN-kode", PurposePCode: "P-kode"}[p]
		return "Din MitID " + name + " er " + code + ". Den gælder i " + strconv.Itoa(mins) + " minutter. Del den aldrig med andre."
	}
	return "Your MitID " + purposeName(p) + " is " + code + ". It is valid for " + strconv.Itoa(mins) + " minutes. Never share it."
}

// dropUsedCodes removes the codes a committed change used. A used code
// checks nothing more (checkableCodes skips it) and its use is in the
// activity log (EventCodeUsed); keeping it would only keep a secret's hash
// longer than needed, and a few hundred bytes on every record. It runs
// when the change that used a code succeeds, so a use the change takes
// back (an app's activation code when its temporary PIN is wrong) keeps
// its code.
func (u *User) dropUsedCodes() {
	used := 0
	for i := range u.Codes {
		if !u.Codes[i].UsedAt.IsZero() {
			used++
		}
	}
	if used == 0 {
		return
	}
	kept := make([]IssuedCode, 0, len(u.Codes)-used)
	for _, c := range u.Codes {
		if c.UsedAt.IsZero() {
			kept = append(kept, c)
		}
	}
	u.Codes = kept
}

// pruneCodes drops codes that ended more than a day ago; the events keep
// their history.
func (u *User) pruneCodes(now time.Time) {
	kept := u.Codes[:0]
	for _, c := range u.Codes {
		end := c.ExpiresAt
		if !c.UsedAt.IsZero() {
			end = c.UsedAt
		}
		if now.Sub(end) < 24*time.Hour {
			kept = append(kept, c)
		}
	}
	u.Codes = kept
}

// checkableCodes returns u's live codes of purpose (of any channel but
// those excluded) that this key ring can check, or the error that says why
// there is none. It compares nothing, so a caller may ask it before work
// that only a code that could still be right deserves (see matchingCode).
func (s *Service) checkableCodes(u *User, purpose CodePurpose, now time.Time, exclude ...CodeChannel) ([]*IssuedCode, error) {
	var live []*IssuedCode
	expired := false
	for i := range u.Codes {
		c := &u.Codes[i]
		if c.Purpose != purpose || slices.Contains(exclude, c.Channel) {
			continue
		}
		if c.live(now) {
			live = append(live, c)
		} else if !c.Blocked && c.UsedAt.IsZero() {
			expired = true
		}
	}
	if len(live) == 0 {
		if expired {
			return nil, errorf(CodeActivationExpired, "your %s has expired; get a new one", purposeName(purpose))
		}
		if len(exclude) > 0 {
			return nil, errorf(CodeActivationInvalid, "an app needs an activation code that did not come by SMS, beside the temporary PIN that did: two codes by two independent channels")
		}
		return nil, errorf(CodeActivationInvalid, "you have no valid %s; get a new one", purposeName(purpose))
	}
	// A code hashed under a key no longer on the ring cannot be checked:
	// it is no wrong guess, and nothing counts against it.
	checkable := live[:0:0]
	for _, c := range live {
		if _, known := s.keys.current(c.Hash.KeyID); known {
			checkable = append(checkable, c)
		}
	}
	if len(checkable) == 0 {
		return nil, errorf(CodeSecretUnreadable, "your %s can no longer be checked; get a new one", purposeName(purpose))
	}
	return checkable, nil
}

// matchingCode returns the live code of u for purpose (of any channel but
// those excluded) that typed is, or nil, and the live codes it was
// compared with; it changes nothing.
func (s *Service) matchingCode(u *User, purpose CodePurpose, typed string, now time.Time, exclude ...CodeChannel) (*IssuedCode, []*IssuedCode, error) {
	live, err := s.checkableCodes(u, purpose, now, exclude...)
	if err != nil {
		return nil, nil, err
	}
	norm := []byte(normalizeCode(typed))
	for _, c := range live {
		if s.keys.Verify(c.Hash, codeHashPurpose(u.ID, purpose), norm) {
			return c, live, nil
		}
	}
	return nil, live, nil
}

// redeemCode checks a typed code of the given purpose against u's live
// codes (of any channel but those excluded) and, when it matches one, marks
// it used. A wrong entry counts
// against every live code of the purpose (the person may have meant any of
// them); at Policy.ActivationCodeAttempts (3) they are blocked. It returns
// the events to commit and, when the code is not accepted, the refusal.
func (s *Service) redeemCode(u *User, purpose CodePurpose, typed string, now time.Time, exclude ...CodeChannel) ([]Event, error) {
	attempts := s.policy.ActivationCodeAttempts
	if purpose == PurposePCode {
		attempts = s.policy.PCodeAttempts
	}
	c, live, err := s.matchingCode(u, purpose, typed, now, exclude...)
	if err != nil {
		return nil, err
	}
	if c != nil {
		c.UsedAt = now
		return []Event{{Type: EventCodeUsed, Detail: map[string]string{"purpose": string(purpose), "channel": string(c.Channel)}}}, nil
	}
	blocked := false
	for _, c := range live {
		c.Wrong++
		if c.Wrong >= attempts {
			c.Blocked, blocked = true, true
		}
	}
	u.Failures++
	ev := Event{Type: EventAuthenticatorFailed, Reason: string(CodeWrongActivationCode), Detail: map[string]string{"purpose": string(purpose)}}
	if blocked {
		return []Event{ev}, refusal{errorf(CodeActivationBlocked, "the %s was entered wrong %d times and is blocked; get a new one", purposeName(purpose), attempts)}
	}
	left := attempts - live[0].Wrong
	return []Event{ev}, refusal{errorf(CodeWrongActivationCode, "the %s is wrong; %d attempts left", purposeName(purpose), left)}
}

func purposeName(p CodePurpose) string {
	switch p {
	case PurposeTemporaryPIN:
		return "temporary PIN"
	case PurposePCode:
		return "P-code"
	}
	return "activation code"
}

// ActivationCodes are what a holder types to activate an authenticator
// with codes.
type ActivationCodes struct {
	// Code is the activation code.
	Code string
	// TemporaryPIN is the temporary PIN by SMS; an app needs it besides the
	// activation code (two independent codes by two independent channels).
	TemporaryPIN string
	// Replaces names an authenticator the new one replaces.
	Replaces uuid.UUID
	// Serial and DeviceCode are a code display's or audio code reader's
	// proof: the serial number on its back and the code it shows now.
	Serial, DeviceCode string
	// Password creates the MitID password, used with a code device at every
	// login, when the person has none yet.
	Password string
}

// ActivateWithCode activates an authenticator waiting for activation, after
// "enter user ID → activation code → follow the guide" (mitid.dk: Ordering and activating a new MitID authenticator). An app
// needs the temporary PIN as well; a code display or audio code reader its
// own proof, the serial number on its back and the code it shows
// (codes.Serial, codes.DeviceCode), and creates the first password with it
// when there is none. A chip is activated by code through
// BeginChipActivationWithCode, which connects it. Wrong codes count (three
// block a code), and so does a wrong code from a code device typed with
// the right activation code; each code activates one authenticator. The
// first password is hashed (argon2id) only once every code is right.
func (s *Service) ActivateWithCode(ctx context.Context, userID string, auth uuid.UUID, codes ActivationCodes) (*User, []Event, error) {
	found, err := s.findByUserID(ctx, userID)
	if err != nil {
		return nil, nil, err
	}
	if a, err := found.Authenticator(auth); err == nil && (a.Kind == KindCodeDisplay || a.Kind == KindAudioReader) && codes.Password != "" {
		// Anyone who knows the user ID can call this, so argon2id runs
		// only once every code is right: the first attempt below compares
		// them and, right, commits nothing but asks for the password's
		// hash (errHashFirst); the hash is made here, outside the update,
		// which may run twice, and the second attempt compares the codes
		// again and commits. A code device accepts a code for a step either
		// side of now, so the same code is mostly still right then; one
		// that has grown too old meanwhile is refused without counting
		// (activateCodeDeviceWithCode). The first attempt asks for the hash
		// only for a person with no password yet (a password given by one
		// who has one is not used, nor judged).
		u, evs, err := s.activateWithCode(ctx, userID, auth, codes, nil, uuid.Nil)
		if !errors.Is(err, errHashFirst) {
			return u, evs, err
		}
		pw, pwID, err := s.firstPassword(found, codes.Password, a.Kind.String())
		if err != nil {
			return nil, nil, err
		}
		return s.activateWithCode(ctx, userID, auth, codes, pw, pwID)
	}
	return s.activateWithCode(ctx, userID, auth, codes, nil, uuid.Nil)
}

// errHashFirst is what the attempt of activateCodeDeviceWithCode returns,
// committing nothing, when every code is right and the first password,
// given, is still to be hashed.
var errHashFirst = errors.New("mitid: the password is to be hashed first")

// activateWithCode is one attempt of ActivateWithCode, with the first
// password's hash pw (nil when none is made yet).
func (s *Service) activateWithCode(ctx context.Context, userID string, auth uuid.UUID, codes ActivationCodes, pw *PasswordHash, pwID uuid.UUID) (*User, []Event, error) {
	return s.attemptByUserID(ctx, userID, func(u *User, now time.Time) ([]Event, error) {
		a, err := u.Authenticator(auth)
		if err != nil {
			return nil, err
		}
		if a.Kind == KindChip {
			return nil, errorf(CodeTransitionForbidden, "a MitID chip is activated with its code by connecting it (BeginChipActivationWithCode)")
		}
		if st := a.EffectiveState(now); st != StatePendingActivation && st != StateWaitingForAccess {
			return nil, errorf(CodeTransitionForbidden, "this %s is %s, not waiting for activation", a.Kind, st)
		}
		if err := a.missingSecret(); err != nil {
			return nil, err
		}
		if a.Kind == KindCodeDisplay || a.Kind == KindAudioReader {
			return s.activateCodeDeviceWithCode(u, a, codes, pw, pwID, now)
		}
		var bySMS []CodeChannel
		if a.Kind == KindApp {
			bySMS = []CodeChannel{CodeBySMS} // the PIN comes by SMS; the code must come another way
		}
		evs, err := s.redeemCode(u, PurposeActivation, codes.Code, now, bySMS...)
		if err != nil {
			return evs, err
		}
		if a.Kind == KindApp {
			more, err := s.redeemCode(u, PurposeTemporaryPIN, codes.TemporaryPIN, now)
			if err != nil {
				// Refused: the activation code stays unused, its failure counts.
				var r refusal
				if errors.As(err, &r) {
					for i := range u.Codes {
						if c := &u.Codes[i]; c.Purpose == PurposeActivation && c.UsedAt.Equal(now) {
							c.UsedAt = time.Time{}
						}
					}
				}
				return more, err
			}
			evs = append(evs, more...)
		}
		moved, err := u.Transition(&s.policy, auth, StateActive, now, TransitionOptions{Replaces: codes.Replaces, Reason: "activated with code"})
		if err != nil {
			return nil, err
		}
		return append(evs, moved...), nil
	})
}

// activateCodeDeviceWithCode is ActivateWithCode for a code display or
// audio code reader: the activation code, then the device's serial number
// and the code it shows. A device proof that fails refuses the whole
// activation and leaves the activation code unused.
//
// A wrong code from the device counts as a wrong activation code does
// (throttle.go): against the activation code, which Policy.ActivationCodeAttempts
// of them block, and the account's budget. Otherwise whoever holds the
// paper code and the device's serial number (no secret: it is printed on
// the device and shown with its order) could try the device's six digits
// without limit while the paper code lives, 48 hours. The serial number
// itself, no secret, counts nothing.
func (s *Service) activateCodeDeviceWithCode(u *User, a *Authenticator, codes ActivationCodes, pw *PasswordHash, pwID uuid.UUID, now time.Time) ([]Event, error) {
	evs, err := s.redeemCode(u, PurposeActivation, codes.Code, now)
	if err != nil {
		return evs, err
	}
	var used *IssuedCode
	for i := range u.Codes {
		if c := &u.Codes[i]; c.Purpose == PurposeActivation && c.UsedAt.Equal(now) {
			used = c
		}
	}
	if err := checkSerial(a, codes.Serial); err != nil {
		return nil, err
	}
	if _, err := s.checkCode(a, codes.DeviceCode, now); err != nil {
		if ErrorCode(err) != CodeWrongCode {
			return nil, err // compared nothing: commits nothing
		}
		if pw != nil {
			// The first attempt found this code right; the device moved a
			// step on while the password was hashed (or waited for the
			// hash gate). The person typed nothing wrong: nothing counts,
			// nothing commits.
			return nil, errorf(CodeConcurrentUpdate, "the code on your %s changed while your password was being saved; enter the code it shows now", a.Kind)
		}
		used.UsedAt = time.Time{}
		used.Wrong++
		u.Failures++
		fail := Event{Type: EventAuthenticatorFailed, Authenticator: a.ID, Kind: a.Kind, Reason: string(CodeWrongCode)}
		attempts := s.policy.ActivationCodeAttempts
		if used.Wrong >= attempts {
			used.Blocked = true
			return []Event{fail}, refusal{errorf(CodeActivationBlocked, "the code from your %s was wrong %d times with this activation code, which is now blocked; get a new one", a.Kind, attempts)}
		}
		return []Event{fail}, refusal{errorf(CodeWrongCode, "the code from your %s is wrong; %d attempts left with this activation code", a.Kind, attempts-used.Wrong)}
	}
	if pw == nil && activePassword(u, now) == nil {
		if codes.Password != "" {
			return nil, errHashFirst
		}
		return nil, invalidField(CodePasswordInvalid, "password", "create a password: you will enter it with the %s at every use", a.Kind)
	}
	moved, err := u.Transition(&s.policy, a.ID, StateActive, now, TransitionOptions{Replaces: codes.Replaces, Reason: "activated with code"})
	if err != nil {
		return nil, err
	}
	more, err := s.addFirstPassword(u, pw, pwID, now)
	return append(append(evs, moved...), more...), err
}

// attemptByUserID runs an attempt (see attempt) on the user with the given
// user ID, whose MitID must be usable, and returns the events it committed
// when it succeeded.
func (s *Service) attemptByUserID(ctx context.Context, userID string, fn func(u *User, now time.Time) ([]Event, error)) (*User, []Event, error) {
	found, err := s.findByUserID(ctx, userID)
	if err != nil {
		return nil, nil, err
	}
	var events []Event
	u, err := s.attempt(ctx, found.ID, func(u *User, now time.Time) ([]Event, error) {
		if err := u.Usable(now); err != nil {
			return nil, err
		}
		// Anyone who knows the user ID can type a code here.
		if err := s.budget(u, reachAnyone); err != nil {
			return nil, err
		}
		evs, err := fn(u, now)
		if err == nil {
			u.dropUsedCodes()
			events = evs
		}
		return evs, err
	})
	if err != nil {
		return nil, nil, err
	}
	return u.Clone(), events, nil
}

// RedeemPCode checks the P-code of a holder without a CPR number, who types
// it where a CPR holder would give the CPR number (mitid.dk: Questions and answers about MitID). It works once;
// Policy.PCodeAttempts (3) wrong entries block it.
func (s *Service) RedeemPCode(ctx context.Context, userID, code string) (*User, []Event, error) {
	return s.attemptByUserID(ctx, userID, func(u *User, now time.Time) ([]Event, error) {
		return s.redeemCode(u, PurposePCode, code, now)
	})
}
