package apdu

import (
	"errors"
	"fmt"
)

// Sentinel errors for the status words a chip answers with (ISO/IEC 7816-4
// §5.6). A *StatusError matches the sentinel of its class with errors.Is.
var (
	// ErrFileNotFound: 6A82, the file or application does not exist.
	ErrFileNotFound = errors.New("passport: file or application not found")
	// ErrSecurityStatusNotSatisfied: 6982, access needs BAC/PACE (or EAC) first.
	ErrSecurityStatusNotSatisfied = errors.New("passport: security status not satisfied")
	// ErrAuthenticationFailed: 6300 or 63Cx, a key or password was wrong.
	ErrAuthenticationFailed = errors.New("passport: authentication failed")
	// ErrWrongLength: 6700, or 6Cxx (wrong Le; the chip names the right one).
	ErrWrongLength = errors.New("passport: wrong length")
	// ErrSecureMessagingStatus: 6987 or 6988, the chip rejected the secure
	// messaging data objects (it has ended the secure session).
	ErrSecureMessagingStatus = errors.New("passport: chip rejected secure messaging data objects")
	// ErrConditionsNotSatisfied: 6985 (e.g. a command out of sequence).
	ErrConditionsNotSatisfied = errors.New("passport: conditions of use not satisfied")
	// ErrCommandNotAllowed: 6986.
	ErrCommandNotAllowed = errors.New("passport: command not allowed")
	// ErrWrongParameters: 6A86, 6A87 or 6B00 (e.g. an offset past the end of a file).
	ErrWrongParameters = errors.New("passport: incorrect parameters P1-P2")
	// ErrWrongData: 6A80, the command data is malformed.
	ErrWrongData = errors.New("passport: incorrect data in command")
	// ErrReferencedDataNotFound: 6A88, e.g. an unknown key reference.
	ErrReferencedDataNotFound = errors.New("passport: referenced data not found")
	// ErrNotSupported: 6A81, 6D00 or 6E00, the chip does not implement the command.
	ErrNotSupported = errors.New("passport: function, instruction or class not supported")
	// ErrEndOfFile: 6282, fewer bytes than requested were available.
	ErrEndOfFile = errors.New("passport: end of file reached before reading Le bytes")
)

// Status words this package produces or inspects.
const (
	SWOK                       uint16 = 0x9000
	SWEndOfFile                uint16 = 0x6282
	SWAuthFailed               uint16 = 0x6300
	SWWrongLength              uint16 = 0x6700
	SWSecurityStatus           uint16 = 0x6982
	SWConditionsNotSatisfied   uint16 = 0x6985
	SWCommandNotAllowed        uint16 = 0x6986
	SWSMDataMissing            uint16 = 0x6987
	SWSMDataIncorrect          uint16 = 0x6988
	SWWrongData                uint16 = 0x6A80
	SWFunctionNotSupported     uint16 = 0x6A81
	SWFileNotFound             uint16 = 0x6A82
	SWIncorrectP1P2            uint16 = 0x6A86
	SWReferencedDataNotFound   uint16 = 0x6A88
	SWWrongP1P2                uint16 = 0x6B00
	SWINSNotSupported          uint16 = 0x6D00
	SWCLANotSupported          uint16 = 0x6E00
	SWNoPreciseDiagnosis       uint16 = 0x6F00
	SWIncorrectLc              uint16 = 0x6A87
	SWAuthFailedCounterPrefix  uint16 = 0x63C0
	SWWrongLePrefix            uint16 = 0x6C00
	SWMoreDataAvailablePrefix  uint16 = 0x6100
	SWMemoryFailureOrUnchanged uint16 = 0x6581
)

// StatusError is a status word other than 9000. Use errors.Is with the
// sentinels above for the common classes, or read SW for the exact value.
type StatusError struct {
	SW uint16
}

// Error names the status word and what it usually means.
func (e *StatusError) Error() string {
	if s := e.sentinel(); s != nil {
		return fmt.Sprintf("%v (status word %04X)", s, e.SW)
	}
	return fmt.Sprintf("passport: chip returned status word %04X", e.SW)
}

// Is reports whether target is the sentinel for e's status word.
func (e *StatusError) Is(target error) bool {
	s := e.sentinel()
	return s != nil && s == target
}

// RetriesLeft returns the retry counter of a 63Cx answer, and false for
// other status words.
func (e *StatusError) RetriesLeft() (int, bool) {
	if e.SW&0xFFF0 == SWAuthFailedCounterPrefix {
		return int(e.SW & 0xF), true
	}
	return 0, false
}

func (e *StatusError) sentinel() error {
	switch e.SW {
	case SWFileNotFound:
		return ErrFileNotFound
	case SWSecurityStatus:
		return ErrSecurityStatusNotSatisfied
	case SWAuthFailed:
		return ErrAuthenticationFailed
	case SWWrongLength:
		return ErrWrongLength
	case SWSMDataMissing, SWSMDataIncorrect:
		return ErrSecureMessagingStatus
	case SWConditionsNotSatisfied:
		return ErrConditionsNotSatisfied
	case SWCommandNotAllowed:
		return ErrCommandNotAllowed
	case SWIncorrectP1P2, SWIncorrectLc, SWWrongP1P2:
		return ErrWrongParameters
	case SWWrongData:
		return ErrWrongData
	case SWReferencedDataNotFound:
		return ErrReferencedDataNotFound
	case SWFunctionNotSupported, SWINSNotSupported, SWCLANotSupported:
		return ErrNotSupported
	case SWEndOfFile:
		return ErrEndOfFile
	}
	if e.SW&0xFF00 == SWWrongLePrefix {
		return ErrWrongLength
	}
	if e.SW&0xFFF0 == SWAuthFailedCounterPrefix {
		return ErrAuthenticationFailed
	}
	return nil
}
