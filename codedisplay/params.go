package codedisplay

import (
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/pquerna/otp"
)

// Algorithm is the HMAC hash of the code computation (RFC 6238 §1.2 allows SHA-1,
// SHA-256 and SHA-512). The zero value is SHA-1, the RFC's and MitID's default.
type Algorithm uint8

// The supported algorithms. The numeric values are stable and may be stored.
const (
	SHA1   Algorithm = 0
	SHA256 Algorithm = 1
	SHA512 Algorithm = 2
)

// String returns "SHA1", "SHA256" or "SHA512" (the otpauth URI spelling), or
// "Algorithm(n)" for a value that is none of them.
func (a Algorithm) String() string {
	switch a {
	case SHA1:
		return "SHA1"
	case SHA256:
		return "SHA256"
	case SHA512:
		return "SHA512"
	}
	return fmt.Sprintf("Algorithm(%d)", uint8(a))
}

// ParseAlgorithm reads the spelling String returns, case-insensitively, also accepting
// "SHA-1", "SHA-256" and "SHA-512". It fails with ErrInvalidParams on anything else.
func ParseAlgorithm(s string) (Algorithm, error) {
	switch strings.ToUpper(strings.ReplaceAll(s, "-", "")) {
	case "SHA1":
		return SHA1, nil
	case "SHA256":
		return SHA256, nil
	case "SHA512":
		return SHA512, nil
	}
	return 0, fmt.Errorf("%w: unknown algorithm %q (want SHA1, SHA256 or SHA512)", ErrInvalidParams, s)
}

// SeedSize is the seed length in bytes this package generates for a: the length of the
// hash output, as in the RFC 6238 Appendix B test seeds (20, 32, 64) and RFC 4226 §4's
// recommended 160 bits for SHA-1. It is 0 for an unsupported algorithm.
func (a Algorithm) SeedSize() int {
	switch a {
	case SHA1:
		return 20
	case SHA256:
		return 32
	case SHA512:
		return 64
	}
	return 0
}

// otp maps a to pquerna/otp's enumeration; ok is false for an unsupported value.
func (a Algorithm) otp() (otp.Algorithm, bool) {
	switch a {
	case SHA1:
		return otp.AlgorithmSHA1, true
	case SHA256:
		return otp.AlgorithmSHA256, true
	case SHA512:
		return otp.AlgorithmSHA512, true
	}
	return 0, false
}

// Limits Validate enforces.
const (
	// MinDigits is the fewest Params.Digits: RFC 4226 §5.3 requires at least 6.
	MinDigits = 6
	// MaxDigits is the most Params.Digits: RFC 4226 §5.3 describes values up to 8.
	MaxDigits = 8
	// MaxSkew bounds Params.Skew. Each step of skew adds two codes an attacker's guess
	// can hit; RFC 6238 §5.2 recommends at most one step.
	MaxSkew = 10
	// MaxMaxDrift bounds Params.MaxDrift, which also bounds Resync's search
	// (2·MaxDrift HMACs per call).
	MaxMaxDrift = 200
	// MinSeedBytes is the shortest seed accepted: RFC 4226 §4 R6 requires 128 bits.
	MinSeedBytes = 16
)

// Params are the parameters of one kind of code device. A Params value is immutable and
// holds no per-device state, so one value may serve every device and every goroutine.
type Params struct {
	// Digits is the code length, MinDigits to MaxDigits.
	Digits int
	// Period is the TOTP time step X of RFC 6238 §4.1: a positive whole number of
	// seconds. Time steps count from the Unix epoch (T0 = 0).
	Period time.Duration
	// Algorithm is the HMAC hash.
	Algorithm Algorithm
	// Skew is how many time steps either side of the expected step are accepted, to
	// absorb the time a person takes to type and small clock differences (0 to MaxSkew).
	Skew int
	// MaxDrift bounds the clock drift, in time steps, the verifier learns (RFC 6238 §6):
	// the learned drift never leaves [-MaxDrift, +MaxDrift], so no code is ever accepted
	// more than MaxDrift+Skew steps from the verifier's clock however a device's clock
	// walks. 0 turns drift learning off. At most MaxMaxDrift.
	MaxDrift int
}

// MitIDParams returns this package's defaults for MitID's code display and audio code
// reader: 6 digits (MitID's published code length); a 30-second step and HMAC-SHA-1
// (MitID does not publish either: these are RFC 6238's recommended step and default
// algorithm); a skew of one step either side (RFC 6238 §5.2); and a drift bound of 20
// steps (10 minutes), about what a 2 ppm crystal drifts over the device's 10-year
// battery life.
func MitIDParams() Params {
	return Params{Digits: 6, Period: 30 * time.Second, Algorithm: SHA1, Skew: 1, MaxDrift: 20}
}

// Validate returns nil if p is usable, or an error wrapping ErrInvalidParams that names
// the first field out of range.
func (p Params) Validate() error {
	switch {
	case p.Digits < MinDigits || p.Digits > MaxDigits:
		return fmt.Errorf("%w: Digits is %d, want %d to %d", ErrInvalidParams, p.Digits, MinDigits, MaxDigits)
	case p.Period < time.Second || p.Period%time.Second != 0:
		return fmt.Errorf("%w: Period is %v, want a positive whole number of seconds", ErrInvalidParams, p.Period)
	case p.Algorithm.SeedSize() == 0:
		return fmt.Errorf("%w: Algorithm is %v, want SHA1, SHA256 or SHA512", ErrInvalidParams, p.Algorithm)
	case p.Skew < 0 || p.Skew > MaxSkew:
		return fmt.Errorf("%w: Skew is %d, want 0 to %d", ErrInvalidParams, p.Skew, MaxSkew)
	case p.MaxDrift < 0 || p.MaxDrift > MaxMaxDrift:
		return fmt.Errorf("%w: MaxDrift is %d, want 0 to %d", ErrInvalidParams, p.MaxDrift, MaxMaxDrift)
	}
	return nil
}

// maxStep leaves room to add any window (MaxMaxDrift+MaxSkew) to a step without
// overflowing int64.
const maxStep = math.MaxInt64 - 2*(MaxMaxDrift+MaxSkew)

// Step returns the RFC 6238 time step T = floor(unix(t) / Period) that t falls in.
// It fails with ErrInvalidTime for t before the Unix epoch, where RFC 6238 defines no
// step, and with ErrInvalidParams if p is invalid.
func (p Params) Step(t time.Time) (int64, error) {
	if err := p.Validate(); err != nil {
		return 0, err
	}
	return p.step(t)
}

// step is Step for validated p.
func (p Params) step(t time.Time) (int64, error) {
	u := t.Unix()
	if u < 0 {
		return 0, fmt.Errorf("%w: %v is before the Unix epoch", ErrInvalidTime, t)
	}
	s := u / int64(p.Period/time.Second)
	if s > maxStep {
		return 0, fmt.Errorf("%w: %v is too far in the future", ErrInvalidTime, t)
	}
	return s, nil
}
