package mitid_test

import (
	"testing"

	"github.com/go-mitid/mitid"
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
