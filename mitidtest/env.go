package mitidtest

import (
	"io"
	"sync/atomic"
	"time"

	"github.com/go-mitid/mitid"
	"github.com/go-mitid/mitid/chip"
	"github.com/go-mitid/mitid/mitidtest/fake"
	"github.com/go-mitid/mitid/store/memory"
)

// Origin is the web origin the kit's chip verifier accepts and its
// simulated chips answer for; RPID is its relying-party ID.
const (
	Origin = "https://mitid.example"
	RPID   = "mitid.example"
)

// Env is a Service under test with everything it was built from. Its
// fields are there to be used: move Clock, read Notifier, look into Store.
type Env struct {
	// Service is the Service under test.
	Service *mitid.Service
	// Store is the memory store behind Service when the kit built it (nil
	// when WithStore gave another). It checks the store contract's
	// read-only snapshots: a Service that changes a value the store handed
	// out panics on the spot and fails the test at cleanup.
	Store *memory.Store
	// Clock is the Service's clock; nothing moves it but the test.
	Clock *fake.Clock
	// Notifier records every notification the Service sends directly
	// (temporary PINs and codes by SMS); a Dispatcher built with it
	// records the outbox's.
	Notifier *Recorder
	// Keys is the Service's key ring.
	Keys *mitid.KeyRing
	// Chip verifies the simulated chips' answers for Origin.
	Chip *chip.Verifier

	seeds  atomic.Uint64
	people atomic.Int64
}

// Option changes how New builds an Env.
type Option func(*options)

type options struct {
	start  time.Time
	store  mitid.Store
	policy func(*mitid.Policy)
	config func(*mitid.Config)
	seed   uint64
}

// At starts the Env's clock at t instead of fake.Start.
func At(t time.Time) Option { return func(o *options) { o.start = t } }

// WithStore builds the Service on st instead of a new memory store; the
// Env's Store field is then nil unless st is a *memory.Store.
func WithStore(st mitid.Store) Option { return func(o *options) { o.store = st } }

// WithPolicy lets change adjust the policy the Service gets, which starts as
// CheapPolicy.
func WithPolicy(change func(*mitid.Policy)) Option { return func(o *options) { o.policy = change } }

// WithConfig lets change adjust the whole Config just before the Service is
// built from it (for a hook, a payment, a CPR register).
func WithConfig(change func(*mitid.Config)) Option { return func(o *options) { o.config = change } }

// Seed makes the Env draw its keys, IDs and simulated devices from seed
// instead of 1; two Envs with the same seed replay the same values.
func Seed(seed uint64) Option { return func(o *options) { o.seed = seed } }

// CheapPolicy is MitID's policy with argon2id parameters a test can
// afford (64 KiB, one pass): every rule as in production, the hashing
// about a thousand times cheaper. Validate reports these parameters as
// below the floor; the Service accepts them because a test asks for them.
func CheapPolicy() *mitid.Policy {
	p := mitid.DefaultPolicy()
	p.Argon2 = mitid.Argon2Params{Time: 1, Memory: 64, Threads: 1, KeyLen: 32, SaltLen: 16}
	return &p
}

// New builds an Env for one test: a Service on a snapshot-checked memory
// store, a fake clock at fake.Start, seeded randomness, a recording
// notifier and a chip verifier for Origin. When the test ends the store's
// snapshot checks run and any violation fails the test.
func New(tb TB, opts ...Option) *Env {
	tb.Helper()
	o := options{seed: 1}
	for _, opt := range opts {
		opt(&o)
	}
	e := &Env{Clock: fake.NewClock(o.start), Notifier: &Recorder{}}
	e.seeds.Store(o.seed << 32)
	keys, err := mitid.NewRandomKeyRing(e.Rand())
	if err != nil {
		tb.Fatalf("mitidtest: key ring: %v", err)
	}
	e.Keys = keys
	e.Chip, err = chip.New(chip.Config{RPID: RPID, RPName: "MitID", Origins: []string{Origin}, Now: e.Clock.Now, Rand: e.Rand()})
	if err != nil {
		tb.Fatalf("mitidtest: chip verifier: %v", err)
	}
	st := o.store
	if st == nil {
		m := memory.New(memory.CheckSnapshots())
		tb.Cleanup(func() {
			if err := m.Verify(); err != nil {
				tb.Errorf("mitidtest: the Service changed a value the store handed out: %v", err)
			}
		})
		st = m
	}
	if m, ok := st.(*memory.Store); ok {
		e.Store = m
	}
	policy := CheapPolicy()
	if o.policy != nil {
		o.policy(policy)
	}
	cfg := mitid.Config{Store: st, Keys: keys, Clock: e.Clock, Rand: e.Rand(), Policy: policy, Chip: e.Chip, Notifier: e.Notifier}
	if o.config != nil {
		o.config(&cfg)
	}
	e.Service, err = mitid.New(cfg)
	if err != nil {
		tb.Fatalf("mitidtest: service: %v", err)
	}
	return e
}

// Rand returns a fresh deterministic random source, different on every
// call and the same across runs of the same test.
func (e *Env) Rand() io.Reader {
	return fake.Rand(e.seeds.Add(1))
}
