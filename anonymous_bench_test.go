package mitid_test

import (
	"testing"

	"github.com/go-mitid/mitid"
	"github.com/go-mitid/mitid/app"
	"github.com/go-mitid/mitid/app/apptest"
	"github.com/go-mitid/mitid/store/memory"
)

// BenchmarkBeginLoginKnownUserID and BenchmarkBeginLoginUnknownUserID are
// the two answers to a user ID, which must cost alike (a lookup and a
// session each), so that timing does not tell whether a MitID exists:
//
//	go test -run='^$' -bench='BeginLogin' -benchmem -count=5 .
func BenchmarkBeginLoginKnownUserID(b *testing.B) {
	benchBeginLogin(b, true)
}

func BenchmarkBeginLoginUnknownUserID(b *testing.B) {
	benchBeginLogin(b, false)
}

func benchBeginLogin(b *testing.B, known bool) {
	e := newLoginEnv(b, memory.New())
	h := e.enrol(b, "bench-known", mitid.LevelSubstantial, mitid.KindApp, mitid.KindCodeDisplay)
	r := mitid.LoginRequest{UserID: h.user.UserID, Action: mitid.ActionLogOn, Text: "Log på hos Skattestyrelsen", Level: mitid.LevelSubstantial}
	if !known {
		r.UserID = "bench-nobody"
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := e.svc.BeginLogin(e.ctx, r); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkJunkApprovalKnownUserID and BenchmarkJunkApprovalUnknownUserID
// are a stranger's approval (well formed, by another key) at a real
// person's login and at a decoy's: both verify it and refuse it, counting
// it against the login only, and must cost alike:
//
//	go test -run='^$' -bench='JunkApproval' -benchmem -count=5 .
func BenchmarkJunkApprovalKnownUserID(b *testing.B) {
	benchJunkApproval(b, true)
}

func BenchmarkJunkApprovalUnknownUserID(b *testing.B) {
	benchJunkApproval(b, false)
}

func benchJunkApproval(b *testing.B, known bool) {
	e := newLoginEnv(b, memory.New())
	h := e.enrol(b, "bench-junk", mitid.LevelSubstantial, mitid.KindApp)
	uid := h.user.UserID
	if !known {
		uid = decoyShowing(b, e, mitid.MethodApp)
	}
	stranger, err := apptest.NewSimulator(seeded(4242), "123456")
	if err != nil {
		b.Fatal(err)
	}
	ids := make([]string, batch)
	sigs := make([][]byte, batch)
	b.ReportAllocs()
	rounds(b, func(k int) {
		beginLogins(b, e, uid, ids[:k], func(i int, l *mitid.Login) {
			var err error
			if sigs[i], err = stranger.Approve(app.Request{Challenge: l.Challenge, Action: string(l.Action), Text: l.Text}, "123456"); err != nil {
				b.Fatal(err)
			}
		})
	}, func(i int) {
		if _, err := e.svc.SubmitApproval(e.ctx, ids[i], sigs[i]); mitid.ErrorCode(err) != mitid.CodeWrongSignature {
			b.Fatalf("a stranger's approval: %v", err)
		}
	})
}

// BenchmarkWrongFirstCodeKnownUserID and BenchmarkWrongFirstCodeUnknownUserID
// are a stranger's wrong first code at a real person's login (begun on the
// same Service, so its state is kept: the code is decided on it in memory
// first, then on a fresh read) and at a decoy's. Both cost the store a
// read and a write (TestLoginCache_ADecoysFirstAnswerCostsWhatARealOnesDoes);
// these measure the CPU around them. The policy lets the person's device
// take every wrong code without a suspension, which would skip the check:
//
//	go test -run='^$' -bench='WrongFirstCode' -benchmem -count=5 .
func BenchmarkWrongFirstCodeKnownUserID(b *testing.B) {
	benchWrongFirstCode(b, true)
}

func BenchmarkWrongFirstCodeUnknownUserID(b *testing.B) {
	benchWrongFirstCode(b, false)
}

func benchWrongFirstCode(b *testing.B, known bool) {
	e := newLoginEnv(b, memory.New()).twin(b, func(c *mitid.Config) {
		p := *c.Policy
		p.WrongCodeLimit, p.MaxConsecutiveFailures = 1<<30, 1<<30
		c.Policy = &p
	})
	h := e.enrol(b, "bench-wrong", mitid.LevelSubstantial, mitid.KindCodeDisplay)
	uid := h.user.UserID
	if !known {
		uid = decoyShowing(b, e, mitid.MethodCodeDisplay)
	}
	ids := make([]string, batch)
	b.ReportAllocs()
	rounds(b, func(k int) {
		beginLogins(b, e, uid, ids[:k], nil)
	}, func(i int) {
		if _, err := e.svc.SubmitCode(e.ctx, ids[i], "000000"); mitid.ErrorCode(err) != mitid.CodeWrongCode {
			b.Fatalf("a wrong first code: %v", err)
		}
	})
}

// beginLogins purges the spent logins and begins len(ids) logins of uid,
// keeping their IDs in ids and passing each to then (when not nil).
func beginLogins(b *testing.B, e *loginEnv, uid string, ids []string, then func(i int, l *mitid.Login)) {
	purge(b, e)
	for i := range ids {
		l, err := e.svc.BeginLogin(e.ctx, mitid.LoginRequest{UserID: uid, Action: mitid.ActionLogOn, Text: "Log på", Level: mitid.LevelSubstantial})
		if err != nil {
			b.Fatal(err)
		}
		ids[i] = l.ID
		if then != nil {
			then(i, l)
		}
	}
}
