package passport

import (
	"github.com/go-mitid/mitid/passport/internal/ber"
	"github.com/go-mitid/mitid/passport/internal/dh"
	"github.com/go-mitid/mitid/passport/internal/ec"
	"github.com/go-mitid/mitid/passport/internal/sm"
)

// Sentinel errors of the primitives a document is read with. They are the
// same values the internal packages return, so errors.Is matches them
// through every layer of wrapping.
var (
	// ErrMalformedTLV: bytes from the chip are not valid BER-TLV (a
	// truncated tag or length, an indefinite length, a length past the end).
	ErrMalformedTLV = ber.ErrMalformedTLV
	// ErrInvalidPoint: an elliptic-curve point is not on its curve or not in
	// the prime-order subgroup.
	ErrInvalidPoint = ec.ErrInvalidPoint
	// ErrUnsupportedCurve: domain parameters this package does not implement
	// or refuses (an unknown named curve, weak explicit parameters).
	ErrUnsupportedCurve = ec.ErrUnsupportedCurve
	// ErrInvalidDHKey: a Diffie-Hellman public key outside the group's
	// prime-order subgroup.
	ErrInvalidDHKey = dh.ErrInvalidDHKey
)

// ErrSecureMessaging reports a secure-messaging failure: a response whose
// MAC does not verify, missing or malformed data objects, bad padding, or an
// answer the chip sent unprotected. A chip ends its secure session on such
// errors, so the session does too; open a new one (BAC/PACE) to continue.
var ErrSecureMessaging = sm.ErrSecureMessaging
