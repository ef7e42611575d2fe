// Command loadtest fills a store with N users through the public API and
// measures, each beside a bare baseline in the same run and at each number
// of concurrent clients: lookups by UUID, user ID and CPR number; complete
// logins of each kind (code display, audio code reader, app, chip), from
// BeginLogin to FinishLogin, with the library's own device simulators; and
// notifications through the Dispatcher to an in-process notifier. It prints
// a Markdown table of each figure, its baseline and their ratio ("a
// code-display login costs N bare commits of throughput"), ready to paste
// into BENCHMARKS.md.
//
// On the memory store:
//
//	go run ./examples/loadtest -store=memory -users=100000
//
// On PostgreSQL, in a schema of its own (mitid_loadtest_N by default, so
// populations of different sizes and other users of the database do not
// meet):
//
//	go run ./examples/loadtest -store=postgres \
//	  -dsn='postgres://postgres@127.0.0.1:5432/mitid_test?sslmode=disable' -users=100000
//
// A PostgreSQL population is filled once and reused by later runs (the
// program keeps its bookkeeping in tables named loadtest_* in the same
// schema: the users it filled, the key ring their secrets were sealed
// with); -refill drops the schema and starts again. Before measuring, the
// program runs ANALYZE on the schema's tables, as autovacuum would after a
// fill, and on a server that runs without autovacuum (test servers often
// do) it stands in for it while it measures, analyzing and vacuuming the
// schema's tables at autovacuum's default thresholds (see
// standInForAutovacuum); the header says which. The memory store is
// filled at every run. Each run enrols fresh login subjects: per client,
// sixteen of each kind (code display, audio code reader, app, chip), for
// the largest number of clients measured; a measurement with fewer clients
// shares them all among its clients. The program's clock runs fast: each
// login moves it on by -gap divided by the subjects of its kind, so that
// each subject logs in about every -gap of it (11 minutes by default:
// past the login lifetime of 10 minutes, so a record keeps one finished
// login, as nearly everyone's does; -gap=30s makes the busy records of a
// person logging in twice a minute, each keeping the 16 most recent), and
// a code device's next login waits for the next 30-second step (a code is
// accepted once a step). A password
// check refused as busy (beyond the argon2id memory budget) is counted and
// retried as a browser would, and shown beside the figure.
//
// The baselines: for lookups a bare SELECT 1 on a pool of the store's size
// (memory: a read of a Go map of the population's size under a read lock);
// for logins a bare one-row INSERT in autocommit, the cost of one durable
// commit (memory: a map write under a lock); for the Dispatcher the same
// claim-and-complete SQL written by hand on a bare table (memory: a slice
// queue under a lock). The dispatcher drains what waits in the outbox (the
// fill's user.created notifications first), topped up to -messages with
// contact changes.
//
// A figure and its baseline take turns (-rounds turns of -duration/-rounds
// each: baseline, lookup by UUID, by user ID, by CPR, baseline, …, each
// round starting the figures from the next one), so on a machine others
// share they meet the same load; the ratios are the figures to compare
// across runs and machines. Lookups and logins run once untimed before
// their first round, so that no figure pays for the connections a new
// number of clients opens; after each logins measurement the program
// purges expired sessions.
//
// By default (-finish=last) every login is begun with
// LoginRequest.FinishAtLastFactor, as web.Handler begins its logins: the
// step that gives the last factor finishes the login, except the app's
// approval, after which the page calls FinishLogin. -finish=call has the
// relying party call FinishLogin after every login's last factor.
//
// -hash=cheap uses argon2id parameters a test would (1 pass, 64 KiB) so
// the figures show the protocol and the store; -hash=default uses
// DefaultPolicy's, what a password check costs in production. The header
// says which.
//
// Beside each figure and its baseline the table gives the CPU one
// operation cost, the whole machine's and the program's (see cpuTimes):
// on a busy machine the ratio of throughputs follows the ratio of the
// machine's CPU, less what the baseline leaves idle.
//
// -measure runs only some of the measurements (lookups, logins, dispatch),
// and -kinds only some logins (code, audio, app, chip): a before-and-after
// of one change is quicker on its own.
//
// -cpuprofile writes the program's CPU profile of the measurements (the
// fill left out) for go tool pprof: the Service, the store's client side
// and the simulated devices, everything but PostgreSQL itself.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"runtime"
	"runtime/pprof"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/go-mitid/mitid"
)

func main() {
	if err := run(context.Background(), os.Args[1:], os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "loadtest:", err)
		os.Exit(1)
	}
}

// options are the command line's.
type options struct {
	store, dsn, schema string
	users              int
	clients            []int
	duration           time.Duration
	rounds             int
	hash               string
	finish             string
	gap                time.Duration
	conns              int
	fillWorkers        int
	messages           int
	refill             bool
	cpuProfile         string
	kinds              []kind // the logins measured, in kinds' order
	// measure holds the groups of measurements to run (lookups, logins,
	// dispatch).
	measure map[string]bool
}

// leftoverHorizon is how far ahead of the wall clock an earlier run's
// clock may have taken the sessions it left: a step of 30 s every few
// hundred logins, for runs of minutes.
const leftoverHorizon = 365 * 24 * time.Hour

// policy is the Service's policy: DefaultPolicy's, with cheap password
// hashing for -hash=cheap. DefaultPolicy's login lifetime (10 minutes) is
// kept: it is also how long a finished login stays on the person's record,
// so a longer one would make every record carry more (an earlier version
// of this program set 24 hours, and every subject's record carried 16
// finished logins whatever its pace). The program's clock runs fast (see
// clock and -gap), and a login in flight sees it move on by gap/subjects
// for each login the other clients make meanwhile: a few minutes at most
// with the subjects run enrols.
func (o *options) policy() mitid.Policy {
	p := mitid.DefaultPolicy()
	if o.hash == "cheap" {
		p.Argon2 = mitid.Argon2Params{Time: 1, Memory: 64, Threads: 1, KeyLen: 32, SaltLen: 16}
	}
	return p
}

// groups are the measurements -measure may name, in the order they run.
var groups = []string{"lookups", "logins", "dispatch"}

func parse(args []string, stderr io.Writer) (*options, error) {
	fs := flag.NewFlagSet("loadtest", flag.ContinueOnError)
	fs.SetOutput(stderr)
	o := &options{}
	var clients, measure, kindList string
	fs.StringVar(&o.store, "store", "memory", "memory or postgres")
	fs.StringVar(&o.dsn, "dsn", os.Getenv("MITID_TEST_POSTGRES"), "PostgreSQL address (-store=postgres); $MITID_TEST_POSTGRES by default")
	fs.StringVar(&o.schema, "schema", "", "PostgreSQL schema of the store and the program's tables (mitid_loadtest_USERS when empty)")
	fs.IntVar(&o.users, "users", 10000, "users in the population")
	fs.StringVar(&clients, "clients", "1,4,16,64", "concurrent clients, one set of measurements for each")
	fs.DurationVar(&o.duration, "duration", 5*time.Second, "time each measurement runs")
	fs.IntVar(&o.rounds, "rounds", 3, "turns each measurement's time is cut into, alternating with its baseline and the figures beside it")
	fs.StringVar(&o.hash, "hash", "cheap", "argon2id parameters: cheap (a test's: the protocol and store path) or default (DefaultPolicy's)")
	fs.StringVar(&o.finish, "finish", "last", "how a login is finished: last (LoginRequest.FinishAtLastFactor, as web.Handler begins its logins: the last factor's step finishes it, FinishLogin after an app's approval) or call (the relying party calls FinishLogin)")
	fs.DurationVar(&o.gap, "gap", 11*time.Minute, "about how long, on the program's clock, between two logins of one subject: past LoginSessionTTL (10 min) its record keeps one finished login, as nearly everyone's does; 30s makes busy records, keeping the 16 most recent")
	fs.IntVar(&o.conns, "conns", 16, "PostgreSQL pool size (the store's, and the baselines' pool)")
	fs.IntVar(&o.fillWorkers, "fill-workers", 0, "concurrent CreateUser calls while filling (16 on PostgreSQL, GOMAXPROCS on memory when 0)")
	fs.IntVar(&o.messages, "messages", 0, "outbox messages waiting before each dispatch measurement, topped up with contact changes (10000 on PostgreSQL, 100000 on memory when 0)")
	fs.BoolVar(&o.refill, "refill", false, "PostgreSQL: drop the schema and fill again")
	fs.StringVar(&measure, "measure", strings.Join(groups, ","), "the measurements to run: any of lookups, logins, dispatch (one group alone makes a quick before-and-after)")
	fs.StringVar(&kindList, "kinds", "code,audio,app,chip", "the logins to measure: any of code (code display), audio (audio code reader), app, chip (one alone makes a quick before-and-after)")
	fs.StringVar(&o.cpuProfile, "cpuprofile", "", "write the program's CPU profile of the measurements (after the fill) to this file, for go tool pprof")
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	for _, f := range strings.Split(clients, ",") {
		c, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || c < 1 {
			return nil, fmt.Errorf("-clients: %q is not a positive number", f)
		}
		o.clients = append(o.clients, c)
	}
	o.measure = map[string]bool{}
	for _, f := range strings.Split(measure, ",") {
		g := strings.TrimSpace(f)
		if !slices.Contains(groups, g) {
			return nil, fmt.Errorf("-measure: %q is not one of %s", f, strings.Join(groups, ", "))
		}
		o.measure[g] = true
	}
	want := map[kind]bool{}
	for _, f := range strings.Split(kindList, ",") {
		k, ok := kindNames[strings.TrimSpace(f)]
		if !ok {
			return nil, fmt.Errorf("-kinds: %q is not one of code, audio, app, chip", f)
		}
		want[k] = true
	}
	for _, k := range kinds {
		if want[k] {
			o.kinds = append(o.kinds, k)
		}
	}
	if o.rounds < 1 {
		return nil, errors.New("-rounds must be at least 1")
	}
	if o.users < 1 {
		return nil, errors.New("-users must be at least 1")
	}
	if o.hash != "cheap" && o.hash != "default" {
		return nil, fmt.Errorf("-hash: cheap or default, not %q", o.hash)
	}
	if o.gap < 0 {
		return nil, fmt.Errorf("-gap: %v is negative", o.gap)
	}
	if o.finish != "call" && o.finish != "last" {
		return nil, fmt.Errorf("-finish: call or last, not %q", o.finish)
	}
	if o.schema == "" {
		o.schema = fmt.Sprintf("mitid_loadtest_%d", o.users)
	}
	if o.messages == 0 {
		o.messages = 100000
		if o.store == "postgres" {
			o.messages = 10000
		}
	}
	if o.fillWorkers == 0 {
		o.fillWorkers = runtime.GOMAXPROCS(0)
		if o.store == "postgres" {
			o.fillWorkers = 16
		}
	}
	return o, nil
}

// run is the program: out gets the report, progress the running commentary.
func run(ctx context.Context, args []string, out, progress io.Writer) error {
	o, err := parse(args, progress)
	if err != nil {
		return err
	}
	var b backend
	switch o.store {
	case "memory":
		b = newMemBackend()
	case "postgres":
		if o.dsn == "" {
			return errors.New("-store=postgres needs -dsn (or MITID_TEST_POSTGRES)")
		}
		if b, err = openPG(ctx, o.dsn, o.schema, int32(o.conns), o.refill); err != nil {
			return err
		}
	default:
		return fmt.Errorf("-store: memory or postgres, not %q", o.store)
	}
	defer b.close()

	policy := o.policy()
	keys, err := keyRing(ctx, b)
	if err != nil {
		return err
	}
	// The clock starts where the last run on this population left it, so
	// its outbox messages are due and its devices' steps are past.
	clk := &clock{}
	if last, err := getInt(ctx, b, "clock"); err != nil {
		return err
	} else if last > 0 {
		clk.atLeast(time.Unix(0, last))
	}
	defer func() {
		if err := b.set(context.WithoutCancel(ctx), "clock", strconv.FormatInt(clk.Now().UnixNano(), 10)); err != nil {
			fmt.Fprintln(progress, "loadtest: keeping the clock:", err)
		}
	}()
	cv, err := chipVerifier(clk)
	if err != nil {
		return err
	}
	notes := &counter{}
	svc, err := mitid.New(mitid.Config{Store: b.store(), Keys: keys, Clock: clk, Notifier: notes, Chip: cv, Policy: &policy})
	if err != nil {
		return err
	}
	load := loadavg()

	// Fill.
	t0 := time.Now()
	ids, created, err := fill(ctx, svc, b, o.users, o.fillWorkers, progress)
	if err != nil {
		return err
	}
	fillTime := time.Since(t0)
	var fillNote string
	if created > 0 {
		fillNote = fmt.Sprintf("filled %d users in %s (%.0f users/s, %d concurrent CreateUser)", created, fillTime.Round(time.Second), float64(created)/fillTime.Seconds(), o.fillWorkers)
		if err := b.set(ctx, "fill", fillNote); err != nil {
			return err
		}
	} else {
		prev, err := b.get(ctx, "fill")
		if err != nil {
			return err
		}
		fillNote = fmt.Sprintf("reused %d users already in schema %s (%s)", o.users, o.schema, prev)
	}
	fmt.Fprintln(progress, fillNote)
	if pg, ok := b.(*pgBackend); ok {
		if err := pg.analyze(ctx); err != nil {
			return err
		}
	}

	// Login subjects: fresh ones every run, numbered after the last run's.
	maxC := 0
	for _, c := range o.clients {
		maxC = max(maxC, c)
	}
	// Per client of the most clients measured, and kind; fewer clients
	// share them all. The clock moves on a step when a client has used all
	// its devices, and a move waits for every code login in flight (see
	// clock), a stall real devices, each on its own time, never cause: with
	// four devices a client it cost code logins a tenth of their rate at 16
	// clients. The pace of the clock (-gap) makes every kind need as many:
	// a login in flight sees the clock move on gap/subjects for every
	// login the other clients make meanwhile, and a chip's challenge
	// lasts 5 minutes.
	const perClient = 16
	per := map[kind]int{}
	for _, k := range o.kinds {
		per[k] = perClient * maxC
	}
	from, err := getInt(ctx, b, "subjects")
	if err != nil {
		return err
	}
	total := 0
	for _, n := range per {
		total += n
	}
	if err := b.set(ctx, "subjects", strconv.FormatInt(from+int64(total), 10)); err != nil {
		return err
	}
	// The sessions earlier runs left (a reused PostgreSQL population): their
	// expiry is on those runs' clocks, which ran hours ahead, so no purge
	// of this run would find them expired, and a table that grows from run
	// to run would make runs incomparable. Every session in the schema is
	// this program's.
	if _, err := svc.Store().PurgeSessions(ctx, clk.Now().Add(leftoverHorizon)); err != nil {
		return err
	}
	if pg, ok := b.(*pgBackend); ok {
		if err := pg.compactSessions(ctx); err != nil {
			return err
		}
	}
	t1 := time.Now()
	subjects, err := enrolAll(ctx, svc, clk, per, subjectBase+int(from))
	if err != nil {
		return err
	}
	fmt.Fprintf(progress, "enrolled %d login subjects in %s\n", total, time.Since(t1).Round(time.Millisecond))

	serverNote := ""
	if pg, ok := b.(*pgBackend); ok {
		av, stop, err := pg.standInForAutovacuum(ctx, progress)
		if err != nil {
			return err
		}
		defer stop() // before the pools close (deferred earlier)
		if serverNote, err = pg.server(ctx); err != nil {
			return err
		}
		serverNote += "; autovacuum " + av
	}

	if o.cpuProfile != "" {
		f, err := os.Create(o.cpuProfile)
		if err != nil {
			return err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
		defer pprof.StopCPUProfile()
	}

	var rows []*row
	add := func(rs []*row) {
		rows = append(rows, rs...)
		for _, r := range rs {
			fmt.Fprintf(progress, "%3d clients  %-34s %10s/s  (%d, %d errors)\n", r.clients, r.name, figure(r.rate), r.n, r.errors)
			if r.firstErr != nil {
				fmt.Fprintf(progress, "             first error: %v\n", r.firstErr)
			}
		}
	}
	pick := func(r *rand.Rand) int { return r.IntN(len(ids)) }
	// Lookups, complete logins and dispatch, each beside its baseline.
	lookups := func(ctx context.Context, c int) {
		names := []string{b.readName(), "lookup by UUID", "lookup by user ID", "lookup by CPR number"}
		ops := []op{one(func(ctx context.Context, _ int, r *rand.Rand) error { return b.bareRead(ctx, pick(r)) })}
		for _, get := range []func(ctx context.Context, i int) (*mitid.User, error){
			func(ctx context.Context, i int) (*mitid.User, error) { return svc.User(ctx, ids[i]) },
			func(ctx context.Context, i int) (*mitid.User, error) { return svc.UserByUserID(ctx, userIDAt(i)) },
			func(ctx context.Context, i int) (*mitid.User, error) { return svc.UserByCPR(ctx, cprAt(i)) },
		} {
			ops = append(ops, one(func(ctx context.Context, _ int, r *rand.Rand) error {
				i := pick(r)
				u, err := get(ctx, i)
				if err == nil && u.ID != ids[i] {
					err = fmt.Errorf("user %d: found %s, not %s", i, u.ID, ids[i])
				}
				return err
			}))
		}
		add(group(ctx, c, o.duration, o.rounds, true, names, ops))
	}
	logins := func(ctx context.Context, c int) error {
		names := []string{b.commitName()}
		ops := []op{one(func(ctx context.Context, _ int, _ *rand.Rand) error { return b.bareCommit(ctx) })}
		for _, k := range o.kinds {
			// Each client's own subjects: all of them shared among the
			// clients of this measurement, so that with fewer clients each
			// code device is used less often and the clock moves less.
			mine := len(subjects[k]) / c
			pace := o.gap / time.Duration(len(subjects[k]))
			turn := make([]int, c)
			names = append(names, string(k)+" login")
			ops = append(ops, func(ctx context.Context, w int, _ *rand.Rand) (int, int, error) {
				s := subjects[k][w*mine+turn[w]%mine]
				turn[w]++
				busy, err := login(ctx, svc, clk, s, o.finish == "last", pace)
				return 1, busy, err
			})
		}
		add(group(ctx, c, o.duration, o.rounds, true, names, ops))
		if _, err := svc.Store().PurgeSessions(ctx, clk.Now()); err != nil {
			return err
		}
		return nil
	}
	dispatch := func(ctx context.Context, c int) error {
		if err := topUp(ctx, svc, ids, o.messages, o.fillWorkers); err != nil {
			return err
		}
		if err := b.bareQueue(ctx, o.messages); err != nil {
			return err
		}
		disp := make([]*mitid.Dispatcher, c)
		for i := range disp {
			disp[i] = svc.Dispatcher(mitid.DispatcherConfig{Clock: clk, Batch: 64})
		}
		add(group(ctx, c, o.duration, o.rounds, false, []string{b.queueName(), "dispatch (messages)"}, []op{
			func(ctx context.Context, _ int, _ *rand.Rand) (int, int, error) {
				n, err := b.bareClaim(ctx)
				if n == 0 && err == nil {
					return 0, 0, errDone
				}
				return n, 0, err
			},
			func(ctx context.Context, w int, _ *rand.Rand) (int, int, error) {
				res, err := disp[w].RunOnce(ctx)
				if err == nil && res.Delivered+res.Retried+res.Parked == 0 {
					return 0, 0, errDone
				}
				return res.Delivered, 0, err
			},
		}))
		return nil
	}
	for _, c := range o.clients {
		if o.measure["lookups"] {
			lookups(ctx, c)
		}
		if o.measure["logins"] {
			if err := logins(ctx, c); err != nil {
				return err
			}
		}
		if o.measure["dispatch"] {
			if err := dispatch(ctx, c); err != nil {
				return err
			}
		}
	}
	printHeader(out, o, policy, fillNote, serverNote, load, loadavg())
	printTable(out, rows)
	return nil
}
