package mitid

import (
	"context"
	"crypto/rand"
	"io"
	"log/slog"
	"reflect"
	"sync"
	"time"

	"github.com/google/uuid"

	"github.com/go-mitid/mitid/workday"
)

// Config holds what a Service is built from.
type Config struct {
	// Store keeps all state. Required.
	Store Store
	// Keys protect secrets at rest (seeds, code hashes). Required: a key
	// ring made up on the spot would make every sealed secret unreadable
	// after a restart. NewRandomKeyRing serves tests and demos.
	Keys *KeyRing
	// Notifier delivers notifications from the outbox; see Dispatcher. It may
	// be nil: events still queue their notifications in the store.
	Notifier Notifier
	// Clock tells the time (the wall clock when nil).
	Clock Clock
	// Rand is the source of randomness for IDs, codes and nonces
	// (crypto/rand when nil). It is used from many goroutines; the Service
	// serialises reads from it.
	Rand io.Reader
	// Chip verifies MitID chips (WebAuthn); chip registration and chip
	// logins need it. Build it with chip.New (package
	// github.com/go-mitid/mitid/chip) for your RP ID and origins. When nil,
	// everything else works and every chip operation (BeginChipRegistration,
	// BeginChipActivationWithCode, FinishChipRegistration, a login by chip
	// and SubmitChip) refuses with CodeConfigInvalid; a program that never
	// sets it does not link the WebAuthn verifier at all.
	Chip ChipVerifier
	// CPRRegister confirms that a CPR number belongs to a passport's holder
	// when someone enrols by passport; enrolment of CPR holders by passport
	// needs it (CPRRecords serves tests and demos).
	CPRRegister CPRRegister
	// Clients throttles attempts by where they come from (see ClientLimiter
	// and WithClient); none when nil.
	Clients ClientLimiter
	// Payment charges priced orders (card or MobilePay). Without it a
	// priced order stays placed, unpaid, and is never shipped; Payments
	// serves tests and demos.
	Payment Payment
	// Calendar counts working days for expected delivery dates
	// (workday.Denmark() when nil).
	Calendar *workday.Calendar
	// ControlQuestions generates Citizen Service's control questions from
	// CPR data; without it the desk offers a witness only.
	ControlQuestions ControlQuestionSource
	// NotifyTimeout bounds each direct hand-over to the Notifier (a code by
	// SMS); 10 seconds when zero.
	NotifyTimeout time.Duration
	// Policy holds the scheme's numbers (DefaultPolicy when nil). A policy with
	// values no scheme could run with is refused; departures from MitID or
	// NIST are allowed (see Policy.Validate).
	Policy *Policy
	// Observer is told of every committed write (OutcomeCommit) and every
	// return of a login call (OutcomeLogin); nobody when nil. The
	// Dispatcher built by Service.Dispatcher reports to it too, unless its
	// own config names another. See Observation for what it may see.
	Observer Observer
	// Logger receives what an operator must see; nothing is logged when it
	// is nil. The records, by message (attribute keys in brackets):
	//
	//	"store unavailable" (Error): a write failed because the store could
	//	  not be used [op, error], or a login call did [call, method, next,
	//	  code, error]; one failure may be logged by both.
	//	"record unreadable" (Error): the store holds a record it cannot
	//	  decode (CodeRecordUnreadable), logged as "store unavailable" is.
	//	"secret unreadable" (Error): a login could not check a device, its
	//	  secret sealed under a key no longer in the KeyRing or missing
	//	  [call, method, next, code].
	//	"suspected cloned chip" (Error): a chip answered with a counter it
	//	  had used before and was suspended [call, method, next, code].
	//	"authenticator suspended" (Warn): a committed suspension (wrong
	//	  codes, a suspected clone) [user, authenticator, kind, reason, until].
	//	"notifier failed" (Warn): a code by SMS could not be handed to the
	//	  Notifier [user, channel, event_type, code, error].
	//	"login step" (Debug): any other return of a login call [call,
	//	  method, next, code].
	//
	// The Dispatcher's records are listed at DispatcherConfig.Logger. No
	// record holds a password, a code, a seed, a CPR number, a session ID or
	// a user ID as typed: users appear only by their UUID, and only once
	// the Service knows them.
	Logger *slog.Logger
	// Retention says how long Purge keeps the activity log and delivered
	// notifications (for good when zero). New refuses one the Policy's
	// rules cannot live with (see Retention.Validate).
	Retention Retention
	// LoginCache is how many logins in progress the Service keeps in
	// memory between their steps, so that a step after the first factor
	// that comes back to the Service that made the last one does not read
	// the session and user again (DefaultLoginCache when zero; none when
	// negative). It is used
	// only with a store that has LoginUpdater, whose SessionAt.Exact makes a
	// step decided on a kept state commit only if that state is still the
	// stored one: several Services on one store stay correct, a step that
	// finds its entry stale reads and decides again. Each entry holds a
	// user as a step reads it (its identifiers opened), as a step does
	// while it runs.
	LoginCache int
}

// Service is the library's one entry point. It is safe for concurrent use.
type Service struct {
	// store is raw seen through identifierStore: users read through it
	// have their CPR and document numbers opened.
	store    Store
	raw      Store
	keys     *KeyRing
	notifier Notifier
	clock    Clock
	rand     io.Reader
	policy   Policy
	chip     ChipVerifier
	hashes   *hashGate

	notifyTimeout time.Duration
	clients       ClientLimiter
	passportTries *ClientWindow // wrong passport numbers per CPR number (identifyByPassport)
	receipts      *ClientWindow // receipts per e-mail address of orders without identification (place)

	cprRegister CPRRegister
	payment     Payment
	calendar    workday.Calendar
	questions   ControlQuestionSource
	watch       *watch
	retention   Retention
	logins      *loginCache
	begun       *loginCache // logins whose first factor is a code, as BeginLogin stored them
	// decoyAppKey is the app key a decoy login verifies an approval
	// against (see SubmitApproval): its private half is thrown away.
	decoyAppKey []byte
	// decoyDevice is the code device a decoy login compares a code
	// against (see decoyCompare): its seed is shown to nobody.
	decoyDevice *Authenticator
	// decoyChipKey is the public key of the chips decoy logins ask for
	// (see decoyChip): its private half is thrown away.
	decoyChipKey []byte
	// decoyShapes are the option lists decoy logins show (decoyShapesFor).
	decoyShapes [][]Method
}

// New builds a Service from cfg, checking that the parts it needs are there.
func New(cfg Config) (*Service, error) {
	if cfg.Store == nil {
		return nil, errorf(CodeConfigInvalid, "config: a Store is required (store/memory or store/postgres)")
	}
	if cfg.Keys == nil {
		return nil, errorf(CodeConfigInvalid, "config: a KeyRing is required (NewKeyRing; NewRandomKeyRing for tests)")
	}
	s := &Service{store: cfg.Store, keys: cfg.Keys, notifier: cfg.Notifier, clock: cfg.Clock, policy: DefaultPolicy(), chip: cfg.Chip, cprRegister: cfg.CPRRegister}
	if s.clock == nil {
		s.clock = systemClock{}
	}
	if v := reflect.ValueOf(s.chip); v.Kind() == reflect.Pointer && v.IsNil() {
		// A nil *chip.Verifier in the interface means "no chips", as it
		// did when Config.Chip was that pointer: refuse, never panic.
		s.chip = nil
	}
	s.payment, s.questions, s.calendar = cfg.Payment, cfg.ControlQuestions, workday.Denmark()
	if cfg.Calendar != nil {
		s.calendar = *cfg.Calendar
	}
	s.rand = rand.Reader
	if cfg.Rand != nil {
		s.rand = &lockedReader{r: cfg.Rand}
	}
	if cfg.Policy != nil {
		s.policy = *cfg.Policy
	}
	s.hashes = newHashGate(s.policy)
	var err error
	if s.decoyAppKey, err = newDecoyAppKey(s.rand); err != nil {
		return nil, err
	}
	if s.decoyDevice, err = s.newDecoyDevice(); err != nil {
		return nil, err
	}
	if s.decoyChipKey, err = newDecoyChipKey(s.rand); err != nil {
		return nil, err
	}
	s.decoyShapes = decoyShapesFor(s.chip != nil)
	s.notifyTimeout, s.clients = cfg.NotifyTimeout, cfg.Clients
	s.passportTries = &ClientWindow{Limit: passportTriesPerHour, Window: time.Hour, MaxClients: 100_000, Clock: s.clock}
	s.receipts = &ClientWindow{Limit: receiptsPerHour, Window: time.Hour, MaxClients: 100_000, Clock: s.clock}
	if s.notifyTimeout <= 0 {
		s.notifyTimeout = 10 * time.Second
	}
	if err := s.policy.sane(); err != nil {
		return nil, err
	}
	s.watch = &watch{obs: cfg.Observer, log: cfg.Logger, clock: s.clock}
	if s.watch.log == nil {
		s.watch.log = discardLogger()
	}
	if err := cfg.Retention.Validate(s.policy); err != nil {
		return nil, err
	}
	s.retention = cfg.Retention
	s.raw = s.store
	s.logins = newLoginCache(cfg.LoginCache, s.raw)
	s.begun = newLoginCache(cfg.LoginCache, s.raw)
	if s.begun != nil {
		s.begun.settle = s.settleBegun
	}
	s.store = identifierStore{Store: s.store, keys: s.keys, rand: s.rand, watch: s.watch}
	return s, nil
}

// Policy returns the policy the Service enforces.
func (s *Service) Policy() Policy { return s.policy }

// Store returns the Service's store, as configured. Users read from it
// directly hold their CPR and document numbers only sealed (the PostgreSQL
// store) or as the Service left them (the memory store); read users
// through the Service to have them opened.
func (s *Service) Store() Store { return s.raw }

// Dispatcher returns a Dispatcher that delivers this Service's outbox through
// its Notifier, on its clock, logging to its Logger and reporting to its
// Observer unless cfg names others. It is nil when the Service has no Notifier.
func (s *Service) Dispatcher(cfg DispatcherConfig) *Dispatcher {
	if s.notifier == nil {
		return nil
	}
	if cfg.Clock == nil {
		cfg.Clock = s.clock
	}
	if cfg.Rand == nil {
		cfg.Rand = s.rand
	}
	if cfg.Logger == nil {
		cfg.Logger = s.watch.log
	}
	if cfg.Observer == nil {
		cfg.Observer = s.watch.obs
	}
	return NewDispatcher(s.raw, s.notifier, cfg)
}

type actorKey struct{}

// WithActor returns a context that records who acts ("user", "support", a
// relying party's name) in the events of the changes made with it.
func WithActor(ctx context.Context, actor string) context.Context {
	return context.WithValue(ctx, actorKey{}, actor)
}

// actor returns the actor recorded in ctx, "user" by default.
func actor(ctx context.Context) string {
	if a, ok := ctx.Value(actorKey{}).(string); ok && a != "" {
		return a
	}
	return "user"
}

// newID returns a random UUID from the Service's random source.
func (s *Service) newID() (uuid.UUID, error) {
	id, err := uuid.NewRandomFromReader(s.rand)
	if err != nil {
		return uuid.Nil, NewError(CodeConfigInvalid, err, "the random source failed")
	}
	return id, nil
}

// change is a domain decision on a user at time now.
type change func(u *User, now time.Time) ([]Event, error)

// update is commit returning the caller's own copy of the user, fit to
// return from a public method.
func (s *Service) update(ctx context.Context, id uuid.UUID, fn change) (*User, []Event, error) {
	u, events, err := s.commit(ctx, id, fn)
	if err != nil {
		return nil, nil, err
	}
	return u.Clone(), events, nil
}

// commit applies fn to user id through Store.UpdateUser, and stamps the
// events fn returns: ID, user, time, actor, and the notifications the user
// gets for them. The user it returns is the store's read-only snapshot.
func (s *Service) commit(ctx context.Context, id uuid.UUID, fn change) (*User, []Event, error) {
	var events []Event
	u, err := s.store.UpdateUser(ctx, id, func(u *User) ([]Event, error) {
		now := s.clock.Now()
		evs, err := fn(u, now)
		if err != nil {
			return nil, err
		}
		if err := s.stamp(ctx, u, evs, now); err != nil {
			return nil, err
		}
		events = evs
		return evs, nil
	})
	if err != nil {
		return nil, nil, err
	}
	return u, events, nil
}

// stamp fills in what every event of a change shares.
func (s *Service) stamp(ctx context.Context, u *User, evs []Event, now time.Time) error {
	for i := range evs {
		e := &evs[i]
		id, err := s.newID()
		if err != nil {
			return err
		}
		e.ID, e.User, e.At, e.Actor = id, u.ID, now, actor(ctx)
		if e.Notify == nil && important(e, u.NotifyEveryUse) {
			e.Notify = deliveries(u)
		}
	}
	return nil
}

// lockedReader serialises reads from a random source that may not be safe
// for concurrent use (a seeded test reader, say).
type lockedReader struct {
	mu sync.Mutex
	r  io.Reader
}

func (l *lockedReader) Read(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.r.Read(p)
}
