package passport

import "github.com/go-mitid/mitid/passport/internal/apdu"

// StatusError is a status word other than 9000 (ISO/IEC 7816-4 §5.6). Use
// errors.Is with the sentinels below for the common classes, read SW for
// the exact value, and RetriesLeft for the retry counter of a 63Cx answer
// (a wrong password during PACE or BAC).
type StatusError = apdu.StatusError

// Sentinel errors for the status words a chip answers with. A *StatusError
// matches the sentinel of its class with errors.Is.
var (
	// ErrFileNotFound: 6A82, the file or application does not exist.
	ErrFileNotFound = apdu.ErrFileNotFound
	// ErrSecurityStatusNotSatisfied: 6982, access needs BAC/PACE (or EAC) first.
	ErrSecurityStatusNotSatisfied = apdu.ErrSecurityStatusNotSatisfied
	// ErrAuthenticationFailed: 6300 or 63Cx, a key or password was wrong.
	ErrAuthenticationFailed = apdu.ErrAuthenticationFailed
	// ErrWrongLength: 6700, or 6Cxx (wrong Le).
	ErrWrongLength = apdu.ErrWrongLength
	// ErrSecureMessagingStatus: 6987 or 6988, the chip rejected the secure
	// messaging data objects (it has ended the secure session).
	ErrSecureMessagingStatus = apdu.ErrSecureMessagingStatus
	// ErrConditionsNotSatisfied: 6985 (e.g. a command out of sequence).
	ErrConditionsNotSatisfied = apdu.ErrConditionsNotSatisfied
	// ErrCommandNotAllowed: 6986.
	ErrCommandNotAllowed = apdu.ErrCommandNotAllowed
	// ErrWrongParameters: 6A86, 6A87 or 6B00 (e.g. an offset past the end of a file).
	ErrWrongParameters = apdu.ErrWrongParameters
	// ErrWrongData: 6A80, the command data is malformed.
	ErrWrongData = apdu.ErrWrongData
	// ErrReferencedDataNotFound: 6A88, e.g. an unknown key reference.
	ErrReferencedDataNotFound = apdu.ErrReferencedDataNotFound
	// ErrNotSupported: 6A81, 6D00 or 6E00, the chip does not implement the command.
	ErrNotSupported = apdu.ErrNotSupported
	// ErrEndOfFile: 6282, fewer bytes than requested were available.
	ErrEndOfFile = apdu.ErrEndOfFile
	// ErrMalformedAPDU: the chip's answer is not a response APDU.
	ErrMalformedAPDU = apdu.ErrMalformedAPDU
)

// File identifiers of ICAO 9303 Part 10, for session.ReadFile.
const (
	// efCardAccess is EF.CardAccess (in the master file): PACE parameters.
	efCardAccess = apdu.FileCardAccess
	// efCOM is EF.COM: LDS version and the list of present data groups.
	efCOM = apdu.FileCOM
	// efSOD is EF.SOD: the document security object (signed hashes).
	efSOD = apdu.FileSOD
)

// FileDG returns the file identifier of data group n (1–16): 0x0101–0x0110.
func efDG(n int) uint16 { return apdu.FileDG(n) }
