package mitid

import (
	"context"
	"time"

	"github.com/google/uuid"
)

// Throttling (NIST SP 800-63B §5.2.2; mitid.dk) keeps two promises.
//
// (a) Between two completed logins of the holder, over any span of time, the
// MitID sees at most Policy.MaxConsecutiveFailures (100) wrong secret
// comparisons, and so no one authenticator sees more.
//
// (b) A stranger who knows only the user ID can never make a block
// permanent, never lock the holder out of an authenticator the stranger
// cannot guess (the app, the chip), and every suspension or lockout the
// stranger causes is lifted by the holder's next completed login with
// another authenticator (or by MitID support, for a holder who has no
// other).
//
// One exception, MitID's own rule: a code typed with the user ID alone (an
// activation code, a temporary PIN, a P-code) is blocked by
// Policy.ActivationCodeAttempts (or PCodeAttempts) wrong entries, 3 each
// (mitid.dk), and no login lifts it. A stranger can so spend a code the
// holder is waiting for; the holder's authenticators are untouched, and the
// remedy is a new code (Service.IssueCode, Citizen Service). The library
// keeps the rule because the temporary PIN is six digits: without a block
// per code, the account's budget below would let a stranger try 90 of its
// million values between two completed logins.
//
// How the library keeps them:
//
//   - Only a comparison of a secret counts: a wrong code, a wrong password, a
//     wrong activation code, temporary PIN or P-code, a wrong code from a
//     code device typed with the right activation code (it counts against
//     that activation code too, so three block it). An attempt that
//     compares nothing counts for nothing: one at a suspended or blocked
//     authenticator, a malformed code, an attempt refused because the
//     budget below is spent. An app's approval or a chip's answer that does
//     not verify is a signature under a key that never leaves the device:
//     nobody can guess one, so it counts only against its login, which ends
//     after Policy.WrongCodeLimit of them.
//   - Policy.WrongCodeLimit (3) wrong comparisons in a row at one
//     authenticator suspend it: for Policy.SuspensionDuration (15 min) the
//     first time, twice as long at each further suspension since the last
//     completed login, at most Policy.MaxSuspension (24 h). A suspension for
//     wrong attempts is never a block.
//   - The account's budget: User.Failures counts every wrong comparison
//     since the last completed login. Comparisons a stranger reaches with
//     the user ID alone (a login's first factor, codes redeemed by user ID)
//     stop at MaxConsecutiveFailures − PossessionReserve (90); the last
//     PossessionReserve (10) are kept for a password entered after another
//     factor has proved possession of a device. At MaxConsecutiveFailures
//     nothing more is compared.
//   - The password is compared only behind such a proof: after the right
//     code in a code display's login, after the chip's verified answer in a
//     chip's login (the password waits sealed in the login until then), and
//     in ChangePassword for the person logged in (a made-up login is
//     refused first), so a stranger never reaches it. Nor does argon2id run
//     for a stranger: a new password is hashed only behind its proof (a
//     login, or an activation code that matches).
//   - A completed login (FinishLogin) resets every count and lifts every
//     suspension for wrong attempts.
//   - Of the suspensions for wrong attempts between two completed logins,
//     only the first is notified; the rest are in the activity log, so a
//     stranger cannot flood the holder's phone.
//   - Config.Clients (a ClientLimiter, see client.go) throttles by where
//     attempts come from as well: asked before each comparison, told of each
//     wrong one, it slows one stranger at many MitIDs and touches no account.
//     A wrong passport number given with a CPR number to order a device
//     counts there, and on a pace of its own per CPR number (5 an hour,
//     whoever gives them), never on the account: a CPR number is no secret,
//     and on the account it would let anyone who knows one spend the
//     stranger's share at once (no suspension comes between two wrong
//     numbers) and tell by the answer whether the number has a MitID.
//   - Before the first factor a login says nothing about the account (see
//     anonymous.go): no end times a paced attacker could use.
//
// Worst case with MitID's policy (Policy.WorstCase): 90 guesses at a code
// display by a stranger, spread over at least 23 days of suspensions
// (15 min, 30 min, 1 h, … 24 h); 100 at a password by a thief who holds the
// code display or the chip; none at the app or the chip.
//
// The stranger's 90 are the account's, not the code display's: wrong codes
// typed with the user ID alone spend them too. Codes by SMS, which anyone
// may ask for, spend at most Policy.SMSCodesPerDay × ActivationCodeAttempts
// (15) a day, so with the code display's own the 90 can be gone in under
// four days rather than 23 (WorstCase.StrangerSpanWithCodes: 79 h 45 min
// with MitID's numbers). Then the holder's code display is refused before
// it compares (CodeAttemptsExhausted) until a completed login with another
// authenticator, or MitID support, resets the count. That is the cost of
// promise (a) counting every comparison of the MitID; codes each block
// after three wrong entries, and so would be bounded without it.

// reach says who can make an attempt: anyone who knows the user ID, or only
// someone who has just proved possession of another of the user's
// authenticators.
type reach int

const (
	reachAnyone reach = iota
	reachPossession
)

// budget returns nil when an attempt of the given reach may compare a secret
// on u, or the refusal to return (which counts nothing).
func (s *Service) budget(u *User, r reach) error {
	limit := s.policy.MaxConsecutiveFailures
	if r == reachAnyone {
		limit -= s.policy.PossessionReserve
	}
	if u.Failures < limit {
		return nil
	}
	return errorf(CodeAttemptsExhausted, "there have been too many failed attempts on this MitID since it was last used; log in with another of your authenticators (such as the MitID app) or contact MitID support")
}

// suspension is how long the n-th suspension for wrong attempts since the
// last completed login lasts (n from 1).
func (p *Policy) suspension(n int) time.Duration {
	d := p.SuspensionDuration
	for i := 1; i < n && d < p.MaxSuspension; i++ {
		d *= 2
	}
	return min(d, p.MaxSuspension)
}

// failed records a wrong comparison at a (nil for a code not tied to an
// authenticator) and returns the events to commit. cause is why the attempt
// failed; it goes into the event.
func (s *Service) failed(u *User, a *Authenticator, now time.Time, cause error) []Event {
	u.Failures++
	ev := Event{Type: EventAuthenticatorFailed, Reason: string(ErrorCode(cause))}
	if a == nil {
		return []Event{ev}
	}
	ev.Authenticator, ev.Kind = a.ID, a.Kind
	events := []Event{ev}
	a.Failures++
	if a.Failures < s.policy.WrongCodeLimit { // (a is active: attemptOn saw to that)
		return events
	}
	a.Suspensions++
	a.Failures = 0
	until := now.Add(s.policy.suspension(a.Suspensions))
	evs, err := u.Transition(&s.policy, a.ID, StateSuspended, now, TransitionOptions{Until: until, Reason: reasonWrongAttempts})
	if err != nil {
		return events
	}
	a.Throttled = true
	if a.Suspensions > 1 {
		for i := range evs {
			evs[i].Notify = []Delivery{} // logged, not sent: see the notes above
		}
	}
	return append(events, evs...)
}

// reasonWrongAttempts is the reason of a suspension for wrong attempts.
const reasonWrongAttempts = "too many wrong attempts"

// matched records a right comparison at a code device or chip, whose step
// changes its record anyway (the code or counter it used): its run of
// wrong ones ends and its use is recorded. The account's count and the
// suspensions stay until the login completes.
func matched(a *Authenticator, now time.Time) {
	a.Failures, a.LastUsedAt = 0, now
}

// passed records a right answer at a password or an app, which the answer
// itself does not change: its run of wrong ones ends, and its use is
// recorded when the login completes (finishOn). A right answer with no
// failures to reset so leaves the user's record as it was, and its step
// commits only the login's progress (LoginUpdater).
func passed(a *Authenticator) {
	a.Failures = 0
}

// completed resets every count of u after a completed login and lifts the
// suspensions for wrong attempts, returning their events.
func (s *Service) completed(u *User, now time.Time) []Event {
	u.Failures = 0
	var evs []Event
	for i := range u.Authenticators {
		a := &u.Authenticators[i]
		a.Failures, a.Suspensions = 0, 0
		if a.Throttled && a.State == StateSuspended {
			more, err := u.Transition(&s.policy, a.ID, StateActive, now, TransitionOptions{Reason: "suspension lifted by a completed login"})
			if err == nil {
				for j := range more {
					more[j].Notify = []Delivery{} // the person just logged in
				}
				evs = append(evs, more...)
			}
		}
	}
	return evs
}

// refusal is an error that nonetheless commits: the attempt failed, and the
// failure counts must be stored. attempt returns it after the commit.
type refusal struct{ err error }

func (r refusal) Error() string { return r.err.Error() }

// attempt runs one authentication attempt on user id as an update: fn
// returns the events to commit and the attempt's outcome. The events are
// committed either way; the outcome is returned after the commit. The user
// it returns is the store's read-only snapshot (a login step only reads
// it), so a caller returning it from a public method clones it.
func (s *Service) attempt(ctx context.Context, id uuid.UUID, fn func(u *User, now time.Time) ([]Event, error)) (*User, error) {
	if err := s.allowClient(ctx); err != nil {
		return nil, err
	}
	var outcome error
	u, err := s.store.UpdateUser(ctx, id, func(u *User) ([]Event, error) {
		now := s.clock.Now()
		evs, out := fn(u, now)
		return s.settle(ctx, u, now, evs, out, &outcome)
	})
	if err != nil {
		return nil, err
	}
	s.tellClient(ctx, outcome)
	return u, outcome
}

// attemptOn is attempt for an attempt that changes only authenticator auth
// and the account's counters (a login factor, a password change): the store
// copies that one authenticator for fn, not the whole user (see
// AuthenticatorUpdater), and fn gets it as a, with st, the login the
// attempt is part of (nil outside a login), passed through so a login step
// needs no closure of its own.
//
// fn runs only on a usable authenticator of a usable MitID, and, for a
// guessable secret, only while the account's budget for attempts of reach
// r lasts. Every refusal before fn counts nothing and commits nothing.
func (s *Service) attemptOn(ctx context.Context, id, auth uuid.UUID, r reach, st *loginState, fn verifier) (*User, error) {
	if err := s.allowClient(ctx); err != nil {
		return nil, err
	}
	var outcome error
	u, err := s.updateAuthenticator(ctx, id, auth, func(u *User, a *Authenticator) ([]Event, error) {
		return s.decideAttempt(ctx, u, a, r, st, fn, &outcome)
	})
	if err != nil {
		return nil, err
	}
	s.tellClient(ctx, outcome)
	return u, outcome
}

// decideAttempt is the decision of an attempt on authenticator a of u
// (private copies): the checks that refuse without comparing, then fn,
// settled (see settle).
func (s *Service) decideAttempt(ctx context.Context, u *User, a *Authenticator, r reach, st *loginState, fn verifier, outcome *error) ([]Event, error) {
	now := s.clock.Now()
	if err := u.Usable(now); err != nil {
		return nil, err
	}
	if err := a.usable(now); err != nil {
		return nil, err
	}
	if a.Kind.guessable() {
		if err := s.budget(u, r); err != nil {
			return nil, err
		}
	}
	evs, out := fn(u, a, st, now)
	return s.settle(ctx, u, now, evs, out, outcome)
}

// guessable reports whether k's secret is one a person types, so a stranger
// can guess at it: a code or a password. An app or a chip signs with a key
// that never leaves it.
func (k Kind) guessable() bool {
	return k == KindCodeDisplay || k == KindAudioReader || k == KindPassword
}

// settle turns what an attempt's decision returned into what its update
// commits: a refusal commits the events and becomes the outcome; any other
// error commits nothing.
func (s *Service) settle(ctx context.Context, u *User, now time.Time, evs []Event, out error, outcome *error) ([]Event, error) {
	// A refusal is returned as it is, never wrapped, so a type assertion
	// finds it (errors.As would cost an allocation a try).
	*outcome = nil
	if r, ok := out.(refusal); ok { //nolint:errorlint // never wrapped, see above
		*outcome = r.err
	} else if out != nil {
		return nil, out
	}
	if err := s.stamp(ctx, u, evs, now); err != nil {
		return nil, err
	}
	return evs, nil
}
