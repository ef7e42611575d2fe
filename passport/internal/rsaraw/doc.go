// Package rsaraw holds the RSA operations the standard library does not
// offer: the raw public and private primitives (RSAVP1, RSASP1 of RFC 8017),
// MGF1, EMSA-PSS verification with independent message and MGF1 hashes, and
// ISO/IEC 9796-2 scheme 1 with partial message recovery, the RSA signature
// of Active Authentication (ICAO 9303 Part 11 §6.1).
package rsaraw

import "errors"

// ErrUnsupportedAlgorithm reports a hash or key size these primitives do
// not implement. The passport package re-exports it under the same name.
var ErrUnsupportedAlgorithm = errors.New("passport: unsupported algorithm")
