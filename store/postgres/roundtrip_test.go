package postgres_test

import (
	"context"
	"crypto/rand"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/go-mitid/mitid"
	"github.com/go-mitid/mitid/app"
	"github.com/go-mitid/mitid/app/apptest"
	"github.com/go-mitid/mitid/chip"
	"github.com/go-mitid/mitid/chip/chiptest"
	"github.com/go-mitid/mitid/codedisplay"
	"github.com/go-mitid/mitid/codedisplay/codedisplaytest"
	"github.com/go-mitid/mitid/mitidtest/fake"
	"github.com/go-mitid/mitid/store/postgres"
)

// The cost of a login in round trips and durable commits, counted by a pgx
// tracer on the store's own pool, for each kind of login through the
// public Service API. The targets are the most a complete login may cost;
// a change that adds a statement or a commit to a login fails here.
//
// A statement is one call to the server (Query, QueryRow, Exec; BEGIN and
// COMMIT included), which is one round trip once pgx has cached the
// statement on the connection (the test runs one login of each kind first
// to warm the cache, on a pool of one connection). A durable commit is an
// explicit COMMIT, or a statement that writes (INSERT, UPDATE, DELETE or
// a row lock) outside a transaction, which PostgreSQL commits by itself:
// each costs a WAL flush. A statement that turns synchronous_commit off
// for its own transaction (CreateSession's, see Options.DurableSessions)
// commits without waiting for the flush, and is not counted as durable:
// CreateSession's for a login, and a login step's that changes nothing but
// the login's progress (a right password with no failures to reset, an
// app's approval; see SessionChange.Disposable).

// loginBudget is the most a complete login of each kind may cost, and
// its steps (BeginLogin, each factor, FinishLogin): no step may read the
// user's row more than once.
//
// The budgets are those of a login whose steps come back to the Service
// that made the last one (its login cache saves the read of each step after
// the first factor, but a chip's, whose password is held until the chip
// answers: there it saves FinishLogin's; and the read of a first factor
// that is a right code, decided on what BeginLogin left); spreadBudget is that of a login whose
// every step goes to another Service, which reads once a step.
//
// BeginLogin reads the user and stores the login in one statement
// (CreateLoginSession), whose commit does not wait for the disk (see
// Options.DurableSessions), and so does a factor that changes nothing of
// the user (the password after a code, an app's approval, a chip login's
// password held until the chip answers), so the durable commits are those
// of the factors that change the user (a code's or a chip's counter) and
// FinishLogin's.
var loginBudget = map[string]struct{ statements, commits, steps int }{
	"code display": {4, 2, 4},
	"chip":         {6, 2, 4},
	"app":          {4, 1, 3},
}

// finishAtLastBudget is loginBudget for a login begun with
// FinishAtLastFactor: its last step commits the finish with the factor,
// durably, in one statement; an app's approval finishes nothing (the page
// that waits for it does), so the app login costs what it always does.
var finishAtLastBudget = map[string]struct{ statements, commits, steps int }{
	"code display": {3, 2, 3},
	"chip":         {5, 1, 3},
	"app":          {4, 1, 3},
}

var spreadBudget = map[string]struct{ statements, commits, steps int }{
	"code display": {7, 2, 4},
	"chip":         {7, 2, 4},
	"app":          {5, 1, 3},
}

// counter is a pgx QueryTracer that counts statements and commits while
// armed.
type counter struct {
	mu      sync.Mutex
	armed   bool
	inTx    map[*pgx.Conn]bool
	stmts   int
	commits int
	log     []string
}

func (c *counter) TraceQueryStart(ctx context.Context, conn *pgx.Conn, d pgx.TraceQueryStartData) context.Context {
	sql := strings.ToLower(strings.TrimSpace(d.SQL))
	c.mu.Lock()
	defer c.mu.Unlock()
	commit := false
	switch {
	case strings.HasPrefix(sql, "begin"):
		c.inTx[conn] = true
	case strings.HasPrefix(sql, "commit"):
		delete(c.inTx, conn)
		commit = true
	case strings.HasPrefix(sql, "rollback"):
		delete(c.inTx, conn)
	default:
		commit = !c.inTx[conn] && writes(sql) && !async(sql, d.Args)
	}
	if c.armed {
		c.stmts++
		if commit {
			c.commits++
		}
		first, _, _ := strings.Cut(strings.Join(strings.Fields(sql), " "), " where ")
		c.log = append(c.log, fmt.Sprintf("commit=%v %.90s", commit, first))
	}
	return ctx
}

func (c *counter) TraceQueryEnd(context.Context, *pgx.Conn, pgx.TraceQueryEndData) {}

// writes reports whether a statement changes data (or locks rows), and so
// commits durably when it runs on its own.
func writes(sql string) bool {
	for _, w := range []string{"insert ", "update ", "delete ", "for update"} {
		if strings.Contains(sql, w) {
			return true
		}
	}
	return false
}

// async reports whether a statement commits without waiting for the WAL
// flush: it turns synchronous_commit off for its transaction, always or
// when the boolean parameter that guards the setting is true.
func async(sql string, args []any) bool {
	if m := guardedAsync.FindStringSubmatch(sql); m != nil {
		n, _ := strconv.Atoi(m[1])
		on, _ := args[n-1].(bool)
		return on
	}
	return strings.Contains(sql, "set_config('synchronous_commit', 'off', true)")
}

var guardedAsync = regexp.MustCompile(`when \$([0-9]+)::boolean then set_config\('synchronous_commit', 'off', true\)`)

// count runs f armed and returns what it cost.
func (c *counter) count(f func()) (stmts, commits int, log []string) {
	c.mu.Lock()
	c.armed, c.stmts, c.commits, c.log = true, 0, 0, nil
	c.mu.Unlock()
	f()
	c.mu.Lock()
	defer c.mu.Unlock()
	c.armed = false
	return c.stmts, c.commits, c.log
}

// tracedStore opens a store whose pool (one connection) reports to a
// counter.
func tracedStore(t testing.TB) (*postgres.Store, *counter) {
	return tracedStoreWith(t, postgres.Options{})
}

// tracedStoreWith is tracedStore with opt (its Schema is the test's own).
func tracedStoreWith(t testing.TB, opt postgres.Options) (*postgres.Store, *counter) {
	dsn := testDSN(t)
	cfg, err := pgxpool.ParseConfig(dsn)
	require.NoError(t, err)
	cfg.MaxConns = 1
	c := &counter{inTx: map[*pgx.Conn]bool{}}
	cfg.ConnConfig.Tracer = c
	opt.Schema = newSchema(t, dsn)
	s, err := postgres.OpenConfig(context.Background(), cfg, opt)
	require.NoError(t, err)
	t.Cleanup(s.Close)
	return s, c
}

// stepClock is a clock the test moves by hand.

const (
	rtOrigin   = "https://mitid.example"
	rtPassword = "korrekt hest batteri"
)

// loginKit is a Service on a store with one holder of each kind of
// authenticator, and a complete login of each kind.
type loginKit struct {
	svc   *mitid.Service
	clock *fake.Clock
	dev   *codedisplaytest.Device
	app   *apptest.Simulator
	chip  *chiptest.Simulator
	users map[string]string // kind → user ID
	// other is a second Service on the same store; with spread set, a
	// login's steps alternate between the two, as behind a load balancer
	// without stickiness.
	other  *mitid.Service
	spread bool
	turn   int
	// beforePassword, when set, runs before a login's right password is
	// given (a wrong one first, say).
	beforePassword func(id string)
	// finishAtLast begins the logins with FinishAtLastFactor.
	finishAtLast bool
}

// next returns the Service for a login's next call.
func (k *loginKit) next() *mitid.Service {
	k.turn++
	if k.spread && k.turn%2 == 0 {
		return k.other
	}
	return k.svc
}

// newLoginKit enrols three holders: a code display, an app, a chip. The
// argon2 parameters are cheap: the test counts statements, not hashing.
func newLoginKit(t testing.TB, s mitid.Store) *loginKit {
	ctx := context.Background()
	clk := fake.NewClock(time.Date(2026, 11, 21, 10, 0, 0, 0, time.UTC))
	keys, err := mitid.NewRandomKeyRing(rand.Reader)
	require.NoError(t, err)
	cv, err := chip.New(chip.Config{RPID: "mitid.example", RPName: "MitID", Origins: []string{rtOrigin}, Now: clk.Now, Rand: rand.Reader})
	require.NoError(t, err)
	p := mitid.DefaultPolicy()
	p.Argon2 = mitid.Argon2Params{Time: 1, Memory: 64, Threads: 1, KeyLen: 32, SaltLen: 16}
	sms := mitid.NotifierFunc(func(context.Context, mitid.Notification) error { return nil })
	svc, err := mitid.New(mitid.Config{Store: s, Keys: keys, Clock: clk, Policy: &p, Chip: cv, Notifier: sms})
	require.NoError(t, err)
	other, err := mitid.New(mitid.Config{Store: s, Keys: keys, Clock: clk, Policy: &p, Chip: cv, Notifier: sms})
	require.NoError(t, err)
	k := &loginKit{svc: svc, other: other, clock: clk, users: map[string]string{}}
	newUser := func(name, cpr string) *mitid.User {
		u, _, err := svc.CreateUser(ctx, mitid.UserRequest{UserID: name, CPR: cpr, IAL: mitid.LevelSubstantial, Phone: "+4512345678", Channels: []mitid.Channel{mitid.ChannelSMS}})
		require.NoError(t, err)
		return u
	}
	paper := func(u *mitid.User) string {
		code, _, _, err := svc.IssueCode(ctx, u.ID, mitid.PurposeActivation, mitid.CodeOnPaper)
		require.NoError(t, err)
		return code
	}

	u := newUser("rt.code", "010190-1111")
	k.dev, err = codedisplaytest.Manufacture(rand.Reader, codedisplay.MitIDParams(), clk.Now)
	require.NoError(t, err)
	_, evs, err := svc.AddCodeDevice(ctx, u.ID, mitid.CodeDeviceRequest{Kind: mitid.KindCodeDisplay, Serial: k.dev.Serial().String(), Seed: k.dev.Seed(), State: mitid.StatePendingActivation})
	require.NoError(t, err)
	code, err := k.dev.Code()
	require.NoError(t, err)
	_, _, err = svc.ActivateWithCode(ctx, u.UserID, evs[0].Authenticator, mitid.ActivationCodes{Code: paper(u), Serial: k.dev.Serial().String(), DeviceCode: code, Password: rtPassword})
	require.NoError(t, err)
	k.users["code display"] = u.UserID

	u = newUser("rt.app", "010190-2222")
	k.app, err = apptest.NewSimulator(rand.Reader, "123456")
	require.NoError(t, err)
	_, evs, err = svc.AddApp(ctx, u.ID, "phone", k.app.PublicKey())
	require.NoError(t, err)
	scan, _, _, err := svc.IssueCode(ctx, u.ID, mitid.PurposeActivation, mitid.CodeByAppScan)
	require.NoError(t, err)
	pin, _, _, err := svc.IssueCode(ctx, u.ID, mitid.PurposeTemporaryPIN, mitid.CodeBySMS)
	require.NoError(t, err)
	_, _, err = svc.ActivateWithCode(ctx, u.UserID, evs[0].Authenticator, mitid.ActivationCodes{Code: scan, TemporaryPIN: pin})
	require.NoError(t, err)
	k.users["app"] = u.UserID

	u = newUser("rt.chip", "010190-3333")
	k.chip, err = chiptest.NewSimulator(rand.Reader)
	require.NoError(t, err)
	_, evs, err = svc.AddAuthenticator(ctx, u.ID, mitid.AuthenticatorRequest{Kind: mitid.KindChip, State: mitid.StatePendingActivation})
	require.NoError(t, err)
	opts, sess, err := svc.BeginChipActivationWithCode(ctx, u.UserID, evs[0].Authenticator, paper(u))
	require.NoError(t, err)
	reg, err := k.chip.Register(opts, rtOrigin)
	require.NoError(t, err)
	_, _, err = svc.FinishChipRegistration(ctx, sess, reg, mitid.ChipActivation{Password: rtPassword})
	require.NoError(t, err)
	k.users["chip"] = u.UserID
	return k
}

// login runs a complete login of the given kind, from BeginLogin to
// FinishLogin, and returns its ID.
func (k *loginKit) login(t testing.TB, kind string) string {
	ctx := context.Background()
	k.clock.Advance(30 * time.Second) // a fresh code step
	k.turn = 0
	l, err := k.next().BeginLogin(ctx, mitid.LoginRequest{UserID: k.users[kind], Action: mitid.ActionLogOn, Text: "Log på", Level: mitid.LevelSubstantial, RelyingParty: "skat.dk",
		FinishAtLastFactor: k.finishAtLast})
	require.NoError(t, err)
	for l.Next != mitid.StepDone {
		switch l.Next {
		case mitid.StepCode:
			code, cerr := k.dev.Code()
			require.NoError(t, cerr)
			l, err = k.next().SubmitCode(ctx, l.ID, code)
		case mitid.StepPassword:
			if k.beforePassword != nil {
				k.beforePassword(l.ID)
			}
			l, err = k.next().SubmitPassword(ctx, l.ID, rtPassword)
		case mitid.StepApproval:
			sig, aerr := k.app.Approve(app.Request{Challenge: l.Challenge, Action: string(l.Action), Text: l.Text}, "123456")
			require.NoError(t, aerr)
			l, err = k.next().SubmitApproval(ctx, l.ID, sig)
		case mitid.StepChip:
			resp, cerr := k.chip.Login(l.ChipOptions, rtOrigin)
			require.NoError(t, cerr)
			l, err = k.next().SubmitChip(ctx, l.ID, resp)
		}
		require.NoError(t, err)
	}
	res := l.Result
	if !k.finishAtLast || kind == "app" {
		require.Nil(t, res, "only FinishLogin finishes")
		res, err = k.next().FinishLogin(ctx, l.ID)
		require.NoError(t, err)
	}
	require.NotNil(t, res)
	require.Equal(t, mitid.LevelSubstantial, res.LoA)
	return l.ID
}

// TestLoginCost_RoundTripsAndCommitsWithinBudget: a complete login of each
// kind on PostgreSQL costs at most its budget of statements and durable
// commits, whether its steps come back to one Service or alternate between
// two.
func TestLoginCost_RoundTripsAndCommitsWithinBudget(t *testing.T) {
	s, c := tracedStore(t)
	k := newLoginKit(t, s)
	for _, mode := range []string{"", "steps spread over two Services", "finishing at the last factor"} {
		for _, kind := range []string{"code display", "chip", "app"} {
			name, budgets := kind, loginBudget
			switch mode {
			case "steps spread over two Services":
				budgets = spreadBudget
			case "finishing at the last factor":
				budgets = finishAtLastBudget
			}
			if mode != "" {
				name += ", " + mode
			}
			t.Run(name, func(t *testing.T) {
				k.spread, k.finishAtLast = mode == "steps spread over two Services", mode == "finishing at the last factor"
				loginWithinBudget(t, k, c, kind, budgets[kind])
			})
		}
	}
}

// loginWithinBudget runs a login of kind and checks its cost.
func loginWithinBudget(t *testing.T, k *loginKit, c *counter, kind string, budget struct{ statements, commits, steps int }) {
	k.login(t, kind) // warms pgx's statement cache
	var id string
	stmts, commits, log := c.count(func() { id = k.login(t, kind) })
	t.Logf("%s login: %d statements, %d commits\n\t%s", kind, stmts, commits, strings.Join(log, "\n\t"))
	assert.LessOrEqual(t, stmts, budget.statements, "statements (round trips) of a %s login", kind)
	assert.LessOrEqual(t, commits, budget.commits, "durable commits of a %s login", kind)
	userReads := 0
	for _, l := range log {
		if strings.Contains(l, "commit=false") && (strings.Contains(l, " users ") || strings.Contains(l, "join users")) {
			userReads++
		}
	}
	assert.LessOrEqual(t, userReads, budget.steps, "reads of the user's row: one a step at most")
	_, err := k.svc.FinishLogin(context.Background(), id)
	require.ErrorIs(t, err, mitid.ErrReplay, "the login was finished and its session consumed")
}

// TestLoginStatements_EveryShapePrepares: each shape of a login step's
// statement (with or without unique keys, events, outbox messages) is
// valid SQL whose every parameter PostgreSQL can type, including those a
// test's logins never take.
func TestLoginStatements_EveryShapePrepares(t *testing.T) {
	_, conn, schema := rawStore(t)
	ctx := context.Background()
	_, err := conn.Exec(ctx, "SET search_path TO "+pgx.Identifier{schema}.Sanitize())
	require.NoError(t, err)
	require.Len(t, postgres.LoginStatements, 8)
	for i, sql := range postgres.LoginStatements {
		sd, err := conn.Prepare(ctx, fmt.Sprintf("login_shape_%d", i), sql)
		require.NoError(t, err, "shape %d:\n%s", i, sql)
		want := 10 + 4*(i&1) + 5*((i>>1)&1) + 6*((i>>2)&1)
		assert.Len(t, sd.ParamOIDs, want, "shape %d", i)
	}
}

// TestLogin_EveryQueryExecMode: the store's statements run in each of
// pgx's query modes (default_query_exec_mode in the address: a pool behind
// PgBouncer may need the simple protocol), a complete login of each kind
// included.
func TestLogin_EveryQueryExecMode(t *testing.T) {
	for _, mode := range []string{"cache_statement", "cache_describe", "describe_exec", "exec", "simple_protocol"} {
		t.Run(mode, func(t *testing.T) {
			dsn := testDSN(t)
			sep := "?"
			if strings.Contains(dsn, "?") {
				sep = "&"
			}
			dsn += sep + "default_query_exec_mode=" + mode
			s, err := postgres.Open(context.Background(), dsn, postgres.Options{Schema: newSchema(t, dsn), MaxConns: 2})
			require.NoError(t, err)
			t.Cleanup(s.Close)
			k := newLoginKit(t, s)
			for _, kind := range []string{"code display", "chip", "app"} {
				k.spread = false
				k.login(t, kind)
				k.spread = true
				k.login(t, kind)
			}
		})
	}
}

// TestLogin_StepsAtOnceDoNotDeadlock: steps of one login at once, some on
// the Service's kept state (SessionAt.Exact) and some on a fresh read, as
// a double submit makes them, lock the session's row and the user's in one
// order: PostgreSQL counts no deadlock (pg_stat_database.deadlocks, read
// after the store's connections have closed and so reported their counts).
func TestLogin_StepsAtOnceDoNotDeadlock(t *testing.T) {
	ctx := context.Background()
	dsn := testDSN(t)
	s, err := postgres.Open(ctx, dsn, postgres.Options{Schema: newSchema(t, dsn), MaxConns: 16})
	require.NoError(t, err)
	conn, err := pgx.Connect(ctx, dsn)
	require.NoError(t, err)
	t.Cleanup(func() { conn.Close(context.Background()) })
	deadlocks := func() (n int64) {
		_, err := conn.Exec(ctx, "SELECT pg_stat_clear_snapshot()")
		require.NoError(t, err)
		require.NoError(t, conn.QueryRow(ctx, "SELECT deadlocks FROM pg_stat_database WHERE datname = current_database()").Scan(&n))
		return n
	}
	before := deadlocks()
	t0 := time.Now().UTC().Truncate(time.Microsecond)
	rounds := 100
	if testing.Short() {
		rounds = 20
	}
	for range rounds {
		seen, sess := bareLogin(t, s, "steps", t0)
		var wg sync.WaitGroup
		for i := range 16 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				at := mitid.SessionAt{ID: sess.ID, Version: 1, Now: t0, Exact: i%2 == 0}
				_, _, err := s.UpdateLogin(ctx, seen, uuid.Nil, at, func(u *mitid.User, _ *mitid.Authenticator) ([]mitid.Event, *mitid.SessionChange, error) {
					if i%4 < 2 { // else a step that changes only the session
						u.Failures++
					}
					return nil, &mitid.SessionChange{Data: []byte("stepped"), Disposable: true}, nil
				})
				if err != nil && mitid.ErrorCode(err) != mitid.CodeConcurrentUpdate {
					t.Errorf("step %d: %v", i, err)
				}
			}()
		}
		wg.Wait()
	}
	s.Close() // each backend reports its counts as it exits
	var after int64
	for range 50 { // the statistics reach the view shortly after the backends exit
		if after = deadlocks(); after != before {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	assert.Equal(t, before, after, "deadlocks between steps of one login")
}

// bareLogin stores a user with nothing but an ID (named after prefix) and
// a login session of theirs (data "v1", live for an hour from t0), and
// returns the user as stored and the session.
func bareLogin(t *testing.T, s *postgres.Store, prefix string, t0 time.Time) (*mitid.User, *mitid.Session) {
	t.Helper()
	ctx := context.Background()
	u := &mitid.User{ID: uuid.New(), UserID: prefix + "-" + uuid.NewString()[:8], CreatedAt: t0}
	require.NoError(t, s.CreateUser(ctx, u, nil))
	sess := &mitid.Session{ID: "login-" + uuid.NewString(), Kind: "login", User: u.ID, Data: []byte("v1"), CreatedAt: t0, ExpiresAt: t0.Add(time.Hour)}
	require.NoError(t, s.CreateSession(ctx, sess))
	seen, err := s.User(ctx, u.ID)
	require.NoError(t, err)
	return seen, sess
}
