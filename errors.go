package mitid

import (
	"errors"
	"fmt"
	"time"
)

// Sentinel errors classify every failure the library reports. Test for them
// with errors.Is; never parse an error string. Each *Error wraps exactly one
// of them (see Code.Sentinel).
var (
	// ErrNotFound: the user, authenticator, order, session or message does not exist.
	ErrNotFound = errors.New("mitid: not found")
	// ErrConflict: a unique value (user ID, CPR number, chip credential, order
	// number) is already taken, or a concurrent change won.
	ErrConflict = errors.New("mitid: conflict")
	// ErrInvalid: the input breaks a rule (a malformed user ID, CPR number,
	// phone number, a forbidden state transition, ...).
	ErrInvalid = errors.New("mitid: invalid input")
	// ErrExpired: a code, session or lease is past its validity.
	ErrExpired = errors.New("mitid: expired")
	// ErrLimit: a per-kind or per-period limit would be exceeded (one chip,
	// three apps, three attempts, ...).
	ErrLimit = errors.New("mitid: limit reached")
	// ErrLocked: the MitID or the authenticator is suspended or blocked.
	ErrLocked = errors.New("mitid: locked")
	// ErrWaiting: a waiting period (such as the 24 hours after "request
	// access") has not yet passed.
	ErrWaiting = errors.New("mitid: waiting period")
	// ErrReplay: a single-use value (a session, a one-time code, a challenge)
	// was presented again.
	ErrReplay = errors.New("mitid: replay")
	// ErrUnavailable: a backend (the store, a notifier) could not be reached;
	// the operation did not happen and may be retried. (CodeRecordUnreadable,
	// a stored record the store cannot decode, is one too, but a retry does
	// not mend it.)
	ErrUnavailable = errors.New("mitid: unavailable")
)

// Code is the stable, machine-readable identity of an error. Codes never
// change meaning between releases, so callers may switch on them, log them
// and translate them.
type Code string

// The error codes. Each belongs to exactly one sentinel; Sentinel says which.
const (
	CodeUserIDInvalid          Code = "user_id_invalid"
	CodeUserIDTaken            Code = "user_id_taken"
	CodeCPRInvalid             Code = "cpr_invalid"
	CodeCPRTaken               Code = "cpr_taken"
	CodeTooYoung               Code = "too_young"
	CodePhoneInvalid           Code = "phone_invalid"
	CodeEmailInvalid           Code = "email_invalid"
	CodeChannelInvalid         Code = "channel_invalid"
	CodeLanguageInvalid        Code = "language_invalid"
	CodeLevelInvalid           Code = "level_invalid"
	CodeIdentityInvalid        Code = "identity_invalid"
	CodeUserNotFound           Code = "user_not_found"
	CodeUserBlocked            Code = "user_blocked"
	CodeAuthenticatorNotFound  Code = "authenticator_not_found"
	CodeAuthenticatorLimit     Code = "authenticator_limit"
	CodeTransitionForbidden    Code = "transition_forbidden"
	CodeAuthenticatorBlocked   Code = "authenticator_blocked"
	CodeAuthenticatorSuspended Code = "authenticator_suspended"
	CodeCredentialTaken        Code = "credential_taken" //nolint:gosec // G101: an error code, not a credential
	CodeWaitingPeriod          Code = "waiting_period"
	CodeOrderNotFound          Code = "order_not_found"
	CodeOrderTaken             Code = "order_number_taken"
	CodeOrderInvalid           Code = "order_invalid"
	CodeSessionNotFound        Code = "session_not_found"
	CodeSessionExpired         Code = "session_expired"
	CodeSessionUsed            Code = "session_used"
	CodeSessionTaken           Code = "session_id_taken"
	CodeLeaseLost              Code = "lease_lost"
	CodeMessageNotFound        Code = "message_not_found"
	CodeEventInvalid           Code = "event_invalid"
	CodeConcurrentUpdate       Code = "concurrent_update"
	CodeStoreUnavailable       Code = "store_unavailable"
	CodeConfigInvalid          Code = "config_invalid"
	CodePasswordInvalid        Code = "password_invalid"
	CodeWrongPassword          Code = "wrong_password"
	CodeWrongCode              Code = "wrong_code"
	CodeCodeMalformed          Code = "code_malformed"
	CodeCodeUsed               Code = "code_used"
	CodeWrongSignature         Code = "wrong_signature"
	CodeSuspectedClone         Code = "suspected_clone"
	CodeChipWrongOrigin        Code = "chip_wrong_origin"
	CodeChipMalformed          Code = "chip_response_malformed"
	CodeChipStale              Code = "chip_challenge_stale"
	CodeLoginInvalid           Code = "login_invalid"
	CodeLoginOrder             Code = "login_wrong_order"
	CodeLevelTooLow            Code = "level_too_low"
	CodeNoAuthenticator        Code = "no_usable_authenticator"
	CodeSerialMismatch         Code = "serial_mismatch"
	CodeSecretUnreadable       Code = "secret_unreadable"
	CodeActivationInvalid      Code = "activation_invalid"
	CodeWrongActivationCode    Code = "wrong_activation_code"
	CodeActivationBlocked      Code = "activation_code_blocked"
	CodeProofingFailed         Code = "proofing_failed"
	CodeDocumentTaken          Code = "document_taken"
	CodeActivationExpired      Code = "activation_code_expired"
	CodeDeliveryFailed         Code = "delivery_failed"
	// CodeCodeTooSoon: a code of the same purpose and channel was issued
	// less than Policy.CodeInterval ago; Until says when the next may be
	// asked for.
	CodeCodeTooSoon Code = "code_requested_too_soon"
	// CodeCodeLimit: the person has been sent Policy.SMSCodesPerDay codes by
	// SMS within 24 hours; Until says when the next may be asked for.
	CodeCodeLimit Code = "code_limit"

	// Ordering, Citizen Service and replacement.
	CodeAddressInvalid         Code = "address_invalid"
	CodeTermsNotAccepted       Code = "terms_not_accepted"
	CodeIdentificationRequired Code = "identification_required"
	CodeIdentificationFailed   Code = "identification_failed"
	CodeOrderState             Code = "order_state"
	CodePaymentDeclined        Code = "payment_declined"
	CodePaymentUnavailable     Code = "payment_unavailable"
	CodePictureIDInvalid       Code = "picture_id_invalid"
	CodePictureIDExpired       Code = "picture_id_expired"
	CodeWitnessRefused         Code = "witness_refused"
	CodeWitnessLimit           Code = "witness_limit"
	CodeQuestionsUnavailable   Code = "control_questions_unavailable"
	CodeWrongAnswers           Code = "wrong_answers"
	CodeProofingLimit          Code = "proofing_attempts_exhausted"
	// CodeAttemptsExhausted: the account's budget of failed attempts since
	// its last completed login is spent; nothing more is compared until the
	// holder logs in with another authenticator or support resets it.
	CodeAttemptsExhausted Code = "attempts_exhausted"
	// CodeClientLimited: a ClientLimiter refused an attempt from where it
	// came; nothing was compared or counted.
	CodeClientLimited Code = "client_limited"
	// CodeBusy: the server is at its limit of concurrent password checks;
	// try again in a moment.
	CodeBusy Code = "busy"
	// CodeRecordUnreadable: a record the store holds cannot be decoded
	// (damaged, or written by a newer version of the library). Nothing
	// was changed; trying again does not mend it, an operator must.
	CodeRecordUnreadable Code = "record_unreadable"
)

// Sentinel returns the sentinel error the code belongs to, so that
// errors.Is(err, ErrX) works for every *Error.
func (c Code) Sentinel() error {
	switch c {
	case CodeUserNotFound, CodeAuthenticatorNotFound, CodeOrderNotFound,
		CodeSessionNotFound, CodeMessageNotFound:
		return ErrNotFound
	case CodeUserIDTaken, CodeCPRTaken, CodeDocumentTaken, CodeCredentialTaken, CodeOrderTaken,
		CodeSessionTaken, CodeConcurrentUpdate, CodeLeaseLost:
		return ErrConflict
	case CodeSessionExpired, CodeActivationExpired, CodePictureIDExpired:
		return ErrExpired
	case CodeAuthenticatorLimit, CodeClientLimited, CodeWitnessLimit, CodeProofingLimit, CodeCodeTooSoon, CodeCodeLimit:
		return ErrLimit
	case CodeUserBlocked, CodeAuthenticatorBlocked, CodeAuthenticatorSuspended, CodeActivationBlocked, CodeAttemptsExhausted:
		return ErrLocked
	case CodeWaitingPeriod:
		return ErrWaiting
	case CodeSessionUsed, CodeCodeUsed, CodeChipStale:
		return ErrReplay
	case CodeSuspectedClone:
		return ErrLocked
	case CodeStoreUnavailable, CodeDeliveryFailed, CodePaymentUnavailable, CodeBusy, CodeRecordUnreadable:
		return ErrUnavailable
	default:
		return ErrInvalid
	}
}

// Error is the one error type of the library. It carries a stable Code, a
// Message a person can act on, and, where it applies, the time until which a
// condition holds (a suspension, a waiting period). Err is the underlying
// cause, if any (a driver error, say); it is never needed to decide what to
// do.
type Error struct {
	Code    Code
	Message string
	// Until is when a suspension, block or waiting period ends; zero when it
	// does not apply or when the condition has no end.
	Until time.Time
	// Field names the input that was wrong, when one was ("user_id", "cpr", ...).
	Field string
	Err   error
}

// Error returns the message, prefixed with the code.
func (e *Error) Error() string {
	msg := string(e.Code) + ": " + e.Message
	if e.Err != nil {
		msg += ": " + e.Err.Error()
	}
	return msg
}

// Is reports whether target is the sentinel of e's code, so errors.Is(err,
// ErrLocked) holds for every locked-kind error.
func (e *Error) Is(target error) bool { return target == e.Code.Sentinel() }

// Unwrap returns the cause.
func (e *Error) Unwrap() error { return e.Err }

// errorf builds an *Error with a formatted message.
func errorf(code Code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// invalidField builds an input error naming the offending field.
func invalidField(code Code, field, format string, args ...any) *Error {
	e := errorf(code, format, args...)
	e.Field = field
	return e
}

// NewError builds an *Error. Store and notifier adapters use it to report
// failures in the library's own terms (CodeStoreUnavailable with the driver
// error as cause, say).
func NewError(code Code, cause error, format string, args ...any) *Error {
	e := errorf(code, format, args...)
	e.Err = cause
	return e
}

// ErrorCode returns the code of the first *Error in err's chain, or "" when
// there is none.
func ErrorCode(err error) Code {
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return ""
}

// endsAt records that the condition e reports ends at t, in Until and in
// the message; hideUntil takes both out again.
func (e *Error) endsAt(t time.Time) {
	e.Until = t
	e.Message += untilText(t)
}

// untilText is how a message says when its condition ends.
func untilText(t time.Time) string {
	return " until " + t.UTC().Format(time.RFC3339)
}
