package codedisplay

import (
	"encoding/base32"
	"fmt"
	"time"

	"github.com/pquerna/otp"
	"github.com/pquerna/otp/hotp"
)

// generator computes the codes of one seed under validated Params through pquerna/otp.
// It is built once per call so the seed is base32-encoded once, not once per step.
type generator struct {
	secret string
	opts   hotp.ValidateOpts
}

// newGenerator validates p and seed and prepares the code computation.
func (p Params) newGenerator(seed []byte) (generator, error) {
	if err := p.Validate(); err != nil {
		return generator{}, err
	}
	if len(seed) < MinSeedBytes {
		return generator{}, fmt.Errorf("%w: seed is %d bytes, RFC 4226 requires at least %d (128 bits)", ErrInvalidSeed, len(seed), MinSeedBytes)
	}
	alg, _ := p.Algorithm.otp() // Validate checked it is supported
	return generator{
		// pquerna/otp takes the seed in base32, as in otpauth URIs.
		secret: base32.StdEncoding.EncodeToString(seed),
		opts:   hotp.ValidateOpts{Digits: otp.Digits(p.Digits), Algorithm: alg},
	}, nil
}

// code returns the HOTP value (RFC 4226 §5.3) for counter step, which is ≥ 0.
func (g generator) code(step int64) (string, error) {
	if step < 0 {
		return "", fmt.Errorf("%w: time step %d is negative", ErrInvalidTime, step)
	}
	c, err := hotp.GenerateCodeCustom(g.secret, uint64(step), g.opts)
	if err != nil {
		// Only a base32 secret pquerna cannot decode fails here, and ours always decodes.
		return "", fmt.Errorf("codedisplay: computing code: %w", err)
	}
	return c, nil
}

// Code returns the code for time step step (RFC 6238 §4.2: HOTP with counter T), as
// p.Digits ASCII digits. It fails with ErrInvalidParams, ErrInvalidSeed, or
// ErrInvalidTime for a negative step.
func (p Params) Code(seed []byte, step int64) (string, error) {
	g, err := p.newGenerator(seed)
	if err != nil {
		return "", err
	}
	if step < 0 {
		return "", fmt.Errorf("%w: time step %d is negative", ErrInvalidTime, step)
	}
	return g.code(step)
}

// CodeAt returns the code a device with this seed shows at time t.
func (p Params) CodeAt(seed []byte, t time.Time) (string, error) {
	g, err := p.newGenerator(seed)
	if err != nil {
		return "", err
	}
	s, err := p.step(t)
	if err != nil {
		return "", err
	}
	return g.code(s)
}

// NormalizeCode turns what a person typed into the canonical code of p.Digits ASCII
// digits, or fails with a *MalformedCodeError (errors.Is ErrMalformedCode) saying what is
// wrong. The rules: digits 0-9, ASCII or full-width; white space, hyphens, dashes and
// invisible copy-and-paste characters are ignored anywhere; nothing else is accepted,
// and the input is at most 64 bytes. So "123456", "123 456", "123-456" and
// "１２３ ４５６" all normalise to "123456", while "12345", "12345a" and "123.456" fail.
// Input already in canonical form is returned without allocating.
func (p Params) NormalizeCode(input string) (string, error) {
	if err := p.Validate(); err != nil {
		return "", err
	}
	var buf [MaxDigits]byte
	n, err := p.normalize(input, &buf)
	if err != nil {
		return "", err
	}
	if isASCIIDigits(input, buf[:n]) {
		return input, nil
	}
	return string(buf[:n]), nil
}

// normalize is NormalizeCode for validated p, writing the digits into buf.
func (p Params) normalize(input string, buf *[MaxDigits]byte) (int, error) {
	n, prob := scanDigits(input, buf[:])
	if prob != nil {
		return 0, &MalformedCodeError{Reason: "the code " + prob.reason, Position: prob.pos}
	}
	if n != p.Digits {
		return 0, &MalformedCodeError{Reason: fmt.Sprintf("the code has %d digits, want %d", n, p.Digits)}
	}
	return n, nil
}
