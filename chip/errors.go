package chip

import (
	"errors"

	"github.com/go-mitid/mitid/chip/credential"
)

// ErrInvalidConfig means New was given a Config it cannot work with.
var ErrInvalidConfig = errors.New("chip: invalid configuration")

// Sentinel errors. Every error this package returns wraps exactly one of them
// or ErrInvalidConfig, so a caller tells failures apart with errors.Is and
// never by the message text. They are package credential's, so a caller that
// keeps only chip data (and does not link this package) can test for them
// too; see there for what each means.
var (
	ErrInvalidUser         = credential.ErrInvalidUser
	ErrNoCredentials       = credential.ErrNoCredentials
	ErrInvalidChallenge    = credential.ErrInvalidChallenge
	ErrChallengeExpired    = credential.ErrChallengeExpired
	ErrInvalidResponse     = credential.ErrInvalidResponse
	ErrChallengeMismatch   = credential.ErrChallengeMismatch
	ErrOriginMismatch      = credential.ErrOriginMismatch
	ErrRPIDMismatch        = credential.ErrRPIDMismatch
	ErrUserPresence        = credential.ErrUserPresence
	ErrBadSignature        = credential.ErrBadSignature
	ErrAttestation         = credential.ErrAttestation
	ErrNotDeviceBound      = credential.ErrNotDeviceBound
	ErrInvalidKey          = credential.ErrInvalidKey
	ErrUnknownCredential   = credential.ErrUnknownCredential
	ErrCredentialExists    = credential.ErrCredentialExists
	ErrCredentialInUse     = credential.ErrCredentialInUse
	ErrCounterNotIncreased = credential.ErrCounterNotIncreased
	ErrVerification        = credential.ErrVerification
)

// CounterError reports a valid assertion whose signature counter did not
// increase (errors.Is ErrCounterNotIncreased); see credential.CounterError.
type CounterError = credential.CounterError

// CredentialError names the credential an ErrUnknownCredential,
// ErrCredentialExists or ErrCredentialInUse is about; see
// credential.CredentialError.
type CredentialError = credential.CredentialError
