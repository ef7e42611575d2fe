package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"io"
	"os"
	"runtime"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/go-mitid/mitid"
	"github.com/go-mitid/mitid/store/memory"
)

// operations are the rows the table must have for every number of clients.
var operations = []string{
	"lookup by UUID", "lookup by user ID", "lookup by CPR number",
	"code display login", "audio code reader login", "app login", "chip login",
	"dispatch (messages)",
}

// tiny is a run small enough for a test: a few dozen users, short
// measurements, a few hundred messages.
func tiny(extra ...string) []string {
	return append([]string{"-users=50", "-duration=30ms", "-messages=300"}, extra...)
}

// checkTable asserts that out's table has a row for every operation at
// every number of clients, each with a nonzero count, rate and baseline,
// and no errors.
func checkTable(t *testing.T, out string, clients ...string) {
	t.Helper()
	rows := map[string][]string{}
	for _, line := range strings.Split(out, "\n") {
		f := strings.Split(line, "|")
		if len(f) != 11 || strings.TrimSpace(f[1]) == "clients" || strings.HasPrefix(strings.TrimSpace(f[1]), "-") {
			continue
		}
		cells := make([]string, 0, 9)
		for _, c := range f[1:10] {
			cells = append(cells, strings.TrimSpace(c))
		}
		rows[cells[0]+" "+cells[1]] = cells
	}
	for _, c := range clients {
		for _, op := range operations {
			r, ok := rows[c+" "+op]
			if !assert.True(t, ok, "no row for %s at %s clients (errors are named in the operation) in\n%s", op, c, out) {
				continue
			}
			assert.NotEqual(t, "0", r[2], "%s at %s clients: count", op, c)
			assert.NotEqual(t, "0.00", r[3], "%s at %s clients: rate", op, c)
			assert.NotEqual(t, "0.00", r[5], "%s at %s clients: baseline rate", op, c)
			assert.NotEqual(t, "–", r[6], "%s at %s clients: ratio", op, c)
			if runtime.GOOS == "linux" {
				assert.NotEqual(t, "–", r[7], "%s at %s clients: CPU per operation", op, c)
				assert.NotEqual(t, "–", r[8], "%s at %s clients: the baseline's CPU per operation", op, c)
			}
		}
	}
}

func TestLoadtest_MemoryPrintsEveryFigureBesideItsBaseline(t *testing.T) {
	var out, progress strings.Builder
	require.NoError(t, run(t.Context(), tiny("-store=memory", "-clients=1,2"), &out, &progress), progress.String())
	checkTable(t, out.String(), "1", "2")
	assert.Contains(t, out.String(), "argon2id: cheap")
	assert.Contains(t, out.String(), "fill: filled 50 users")
}

// TestLoadtest_MeasureRunsOnlyTheGroupsNamed: -measure=logins measures the
// logins beside their baseline and nothing else.
func TestLoadtest_MeasureRunsOnlyTheGroupsNamed(t *testing.T) {
	var out, progress strings.Builder
	require.NoError(t, run(t.Context(), tiny("-store=memory", "-clients=1", "-measure=logins"), &out, &progress), progress.String())
	table := out.String()
	for _, op := range operations {
		if strings.HasSuffix(op, " login") {
			assert.Contains(t, table, "| "+op+" |")
		} else {
			assert.NotContains(t, table, "| "+op+" |")
		}
	}
	assert.Contains(t, table, "bare map write")
	assert.NotContains(t, table, "bare map read")
}

// TestLoadtest_KindsMeasuresOnlyTheLoginsNamed: -kinds=code,chip measures
// the code display's and the chip's logins and no other, and an unknown
// kind is refused.
func TestLoadtest_KindsMeasuresOnlyTheLoginsNamed(t *testing.T) {
	var out, progress strings.Builder
	require.NoError(t, run(t.Context(), tiny("-store=memory", "-clients=1", "-measure=logins", "-kinds=chip, code"), &out, &progress), progress.String())
	table := out.String()
	assert.Contains(t, table, "| code display login |")
	assert.Contains(t, table, "| chip login |")
	assert.NotContains(t, table, "| app login |")
	assert.NotContains(t, table, "| audio code reader login |")
	assert.Less(t, strings.Index(table, "| code display login |"), strings.Index(table, "| chip login |"), "the table's order, not the flag's")

	err := run(t.Context(), tiny("-store=memory", "-kinds=code,sms"), io.Discard, io.Discard)
	require.Error(t, err)
	assert.Contains(t, err.Error(), `-kinds: "sms"`)
}

// TestLoadtest_HowLoginsFinishIsSaid: by default every login finishes at
// its last factor, as web.Handler's do (a login its last step should have
// finished and did not counts as an error); -finish=call has FinishLogin
// finish them. Each says so above the table.
func TestLoadtest_HowLoginsFinishIsSaid(t *testing.T) {
	for _, tc := range []struct {
		args []string
		says string
	}{
		{nil, "logins finished by: the last factor's step"},
		{[]string{"-finish=last"}, "logins finished by: the last factor's step"},
		{[]string{"-finish=call"}, "logins finished by: the relying party calls FinishLogin"},
	} {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			var out, progress strings.Builder
			require.NoError(t, run(t.Context(), tiny(append([]string{"-store=memory", "-clients=1"}, tc.args...)...), &out, &progress), progress.String())
			checkTable(t, out.String(), "1")
			assert.Contains(t, out.String(), tc.says)
			assert.NotContains(t, progress.String(), "first error", "every login finished")
		})
	}
}

func TestLoadtest_DefaultHashIsSaid(t *testing.T) {
	if testing.Short() {
		t.Skip("DefaultPolicy's argon2id costs tens of milliseconds a password")
	}
	var out, progress strings.Builder
	require.NoError(t, run(t.Context(), tiny("-store=memory", "-clients=1", "-hash=default"), &out, &progress), progress.String())
	checkTable(t, out.String(), "1")
	assert.Contains(t, out.String(), "argon2id: default (DefaultPolicy's")
}

func TestLoadtest_RefusesUnknownFlags(t *testing.T) {
	for name, args := range map[string][]string{
		"store":   {"-store=sqlite"},
		"hash":    {"-hash=none"},
		"finish":  {"-finish=never"},
		"clients": {"-clients=1,x"},
		"users":   {"-users=0"},
		"measure": {"-measure=logins,everything"},
	} {
		t.Run(name, func(t *testing.T) {
			var out, progress strings.Builder
			assert.Error(t, run(t.Context(), args, &out, &progress))
			assert.Empty(t, out.String())
		})
	}
}

// testSchema is a PostgreSQL address ($MITID_TEST_POSTGRES) and a schema
// name of the test's own, prefix and random digits, dropped when the test
// ends; the test skips without a server, and with -short.
func testSchema(t *testing.T, prefix string) (dsn, schema string) {
	t.Helper()
	if testing.Short() {
		t.Skip("uses a PostgreSQL schema")
	}
	dsn = os.Getenv("MITID_TEST_POSTGRES")
	if dsn == "" {
		t.Skip("MITID_TEST_POSTGRES not set")
	}
	b := make([]byte, 6)
	_, err := rand.Read(b)
	require.NoError(t, err)
	schema = prefix + hex.EncodeToString(b)
	t.Cleanup(func() {
		conn, err := pgx.Connect(context.Background(), dsn)
		if err != nil {
			return
		}
		defer conn.Close(context.Background())
		_, _ = conn.Exec(context.Background(), "DROP SCHEMA IF EXISTS "+pgx.Identifier{schema}.Sanitize()+" CASCADE")
	})
	return dsn, schema
}

func TestLoadtest_PostgresFillsOnceAndReuses(t *testing.T) {
	dsn, schema := testSchema(t, "loadtest_test_")
	args := tiny("-store=postgres", "-dsn="+dsn, "-schema="+schema, "-clients=1", "-conns=4")

	var out, progress strings.Builder
	require.NoError(t, run(t.Context(), args, &out, &progress), progress.String())
	checkTable(t, out.String(), "1")
	assert.Contains(t, out.String(), "fill: filled 50 users")
	assert.Contains(t, out.String(), "schema "+schema)
	assert.Regexp(t, `server: PostgreSQL [0-9]+.*, shared_buffers .*, synchronous_commit .*; autovacuum (on|off on the server; the program stands in for it)`, out.String())

	out.Reset()
	progress.Reset()
	require.NoError(t, run(t.Context(), args, &out, &progress), progress.String())
	checkTable(t, out.String(), "1")
	assert.Contains(t, out.String(), "fill: reused 50 users already in schema "+schema+" (filled 50 users in")
}

// TestLogin_TheGapKeepsARecordOrdinary: on the Service run builds, a
// subject who logs in -gap apart (the default) keeps one finished login on
// the record, as nearly everyone does, and one who logs in every 30 seconds
// (-gap=30s) keeps every one of the last ten minutes.
func TestLogin_TheGapKeepsARecordOrdinary(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want int
	}{
		{nil, 1},
		{[]string{"-gap=30s"}, 4},
	} {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			o, err := parse(tc.args, io.Discard)
			require.NoError(t, err)
			ctx := t.Context()
			clk := &clock{}
			cv, err := chipVerifier(clk)
			require.NoError(t, err)
			keys, err := mitid.NewRandomKeyRing(rand.Reader)
			require.NoError(t, err)
			p := o.policy()
			svc, err := mitid.New(mitid.Config{Store: memory.New(), Keys: keys, Clock: clk, Notifier: &counter{}, Chip: cv, Policy: &p})
			require.NoError(t, err)
			s, err := enrol(ctx, svc, clk, kindApp, 1)
			require.NoError(t, err)
			for range 4 {
				_, err := login(ctx, svc, clk, s, true, o.gap) // one subject: the whole gap a login
				require.NoError(t, err)
			}
			u, err := svc.UserByUserID(ctx, s.userID)
			require.NoError(t, err)
			assert.Len(t, u.Logins, tc.want)
		})
	}
}
