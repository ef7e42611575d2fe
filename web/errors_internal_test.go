package web

import (
	"encoding/json"
	"log/slog"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/go-mitid/mitid"
)

// TestWriteError_CarriesUntilWhenTheLibraryGivesOne: a waiting period (or a
// suspension shown after a factor) reaches the browser with its end.
func TestWriteError_CarriesUntilWhenTheLibraryGivesOne(t *testing.T) {
	until := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	e := mitid.NewError(mitid.CodeWaitingPeriod, nil, "wait")
	e.Until = until
	rec := httptest.NewRecorder()
	writeError(rec, slog.New(slog.DiscardHandler), e)
	var body ErrorBody
	if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil {
		t.Fatal(err)
	}
	if body.Code != mitid.CodeWaitingPeriod || body.Until == nil || !body.Until.Equal(until) {
		t.Fatalf("got %+v", body)
	}
	if rec.Code != Status(mitid.CodeWaitingPeriod) {
		t.Fatalf("status %d", rec.Code)
	}
}

// TestWriteError_ALimitIs429WithRetryAfter: a ClientLimiter's refusal,
// and a code by SMS asked for too soon or too often, tell the client when
// to come back.
func TestWriteError_ALimitIs429WithRetryAfter(t *testing.T) {
	for _, code := range []mitid.Code{mitid.CodeClientLimited, mitid.CodeCodeTooSoon, mitid.CodeCodeLimit} {
		e := mitid.NewError(code, nil, "too many")
		e.Until = time.Now().Add(90 * time.Second)
		rec := httptest.NewRecorder()
		writeError(rec, slog.New(slog.DiscardHandler), e)
		if rec.Code != 429 {
			t.Fatalf("%s: status %d", code, rec.Code)
		}
		if ra := rec.Header().Get("Retry-After"); ra != "90" && ra != "89" {
			t.Fatalf("%s: Retry-After %q", code, ra)
		}
	}
}
