package web

import (
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"strconv"
	"time"

	"github.com/go-mitid/mitid"
)

// The codes of requests refused at the edge, before the library sees them.
// Like mitid's codes they never change meaning.
const (
	CodeBadJSON          mitid.Code = "bad_json"
	CodeBodyTooLarge     mitid.Code = "body_too_large"
	CodeContentType      mitid.Code = "unsupported_content_type"
	CodeCSRF             mitid.Code = "csrf_token_invalid"
	CodeCrossOrigin      mitid.Code = "cross_origin"
	CodeNotBound         mitid.Code = "login_not_this_browser"
	CodeNotLoggedOn      mitid.Code = "not_logged_on"
	CodeRouteNotFound    mitid.Code = "route_not_found"
	CodeInternal         mitid.Code = "internal_error"
	CodeNotConfiguredWeb mitid.Code = "not_configured"
)

// ErrorBody is the JSON body of every error response.
type ErrorBody struct {
	Code    mitid.Code `json:"code"`
	Message string     `json:"message"`
	// Until is when a suspension, block or waiting period ends.
	Until *time.Time `json:"until,omitempty"`
	// Field names the input that was wrong.
	Field string `json:"field,omitempty"`
}

// Status is the one mapping from an error code to an HTTP status: 400 for
// input that breaks a rule, 401 for a factor that does not verify, 403 for
// what the level or the web's rules forbid, 404 for what does not exist, 409
// for a conflict, a replay, a limit or a waiting period, 410 for what has
// expired, 413/415 for a body too large or not JSON, 423 for what is
// suspended or blocked, 503 for a backend that may be retried, 500 for a
// fault of the deployment.
func Status(code mitid.Code) int {
	switch code {
	case CodeBadJSON:
		return http.StatusBadRequest
	case CodeBodyTooLarge:
		return http.StatusRequestEntityTooLarge
	case CodeContentType:
		return http.StatusUnsupportedMediaType
	case CodeCSRF, CodeCrossOrigin, CodeNotBound:
		return http.StatusForbidden
	case CodeNotLoggedOn:
		return http.StatusUnauthorized
	case CodeRouteNotFound, CodeNotConfiguredWeb:
		return http.StatusNotFound
	case CodeInternal, mitid.CodeConfigInvalid, mitid.CodeSecretUnreadable, mitid.CodeRecordUnreadable:
		return http.StatusInternalServerError
	case mitid.CodeWrongCode, mitid.CodeWrongPassword, mitid.CodeWrongSignature,
		mitid.CodeWrongActivationCode, mitid.CodeChipWrongOrigin:
		return http.StatusUnauthorized
	case mitid.CodeLevelTooLow:
		return http.StatusForbidden
	case mitid.CodeClientLimited, mitid.CodeCodeTooSoon, mitid.CodeCodeLimit:
		return http.StatusTooManyRequests
	}
	switch s := code.Sentinel(); {
	case errors.Is(s, mitid.ErrNotFound):
		return http.StatusNotFound
	case errors.Is(s, mitid.ErrConflict), errors.Is(s, mitid.ErrReplay), errors.Is(s, mitid.ErrLimit), errors.Is(s, mitid.ErrWaiting):
		return http.StatusConflict
	case errors.Is(s, mitid.ErrExpired):
		return http.StatusGone
	case errors.Is(s, mitid.ErrLocked):
		return http.StatusLocked
	case errors.Is(s, mitid.ErrUnavailable):
		return http.StatusServiceUnavailable
	}
	return http.StatusBadRequest
}

// edgeError is a refusal of the request itself.
func edgeError(code mitid.Code, msg string) *mitid.Error {
	return &mitid.Error{Code: code, Message: msg}
}

// writeError writes err as an ErrorBody with its status. An error that is
// not a *mitid.Error is a fault: it is logged, and the browser learns only
// that something went wrong.
func writeError(w http.ResponseWriter, log *slog.Logger, err error) {
	var e *mitid.Error
	if !errors.As(err, &e) {
		log.Error("mitid web: unexpected error", "err", err)
		e = edgeError(CodeInternal, "something went wrong on our side; try again later")
	}
	body := ErrorBody{Code: e.Code, Message: e.Message, Field: e.Field}
	if !e.Until.IsZero() {
		u := e.Until.UTC()
		body.Until = &u
	}
	status := Status(e.Code)
	if status >= 500 && e.Err != nil {
		log.Error("mitid web: fault", "code", e.Code, "err", e.Err)
	}
	switch {
	case status == http.StatusTooManyRequests && !e.Until.IsZero():
		w.Header().Set("Retry-After", strconv.Itoa(max(1, int(time.Until(e.Until).Seconds()+0.5))))
	case status == http.StatusServiceUnavailable || status == http.StatusTooManyRequests:
		w.Header().Set("Retry-After", "5")
	}
	writeJSON(w, status, body)
}

// writeJSON writes v as the JSON response with status.
func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}
