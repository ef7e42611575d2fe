package passport

import (
	"fmt"
	"strings"

	"github.com/go-mitid/mitid/passport/internal/ber"
)

// DG1 holds the machine readable zone (ICAO 9303 Part 10 §4.7.1): tag 61
// wrapping 5F1F, the MRZ lines concatenated without separators.
type DG1 struct {
	// Text is the MRZ exactly as stored (lines concatenated).
	Text string
	// MRZ is the parsed zone, every check digit verified.
	MRZ *MRZ
}

// ParseDG1 parses DG1 and its MRZ (TD1, TD2, TD3 or visa). Errors wrap
// ErrMalformedLDS, and ErrInvalidMRZ / *CheckDigitError when the zone
// itself is wrong.
func ParseDG1(b []byte) (*DG1, error) {
	top, err := ldsOpen(b, 0x61, "DG1")
	if err != nil {
		return nil, err
	}
	kids, err := ldsChildren(top, "DG1")
	if err != nil {
		return nil, err
	}
	t, ok := ber.FindTLV(kids, 0x5F1F)
	if !ok || len(kids) != 1 {
		return nil, fmt.Errorf("%w: DG1 must hold exactly one MRZ data object (5F1F)", ErrMalformedLDS)
	}
	m, err := ParseMRZ(string(t.Value))
	if err != nil {
		return nil, fmt.Errorf("%w: DG1: %w", ErrMalformedLDS, err)
	}
	return &DG1{Text: string(t.Value), MRZ: m}, nil
}

// MarshalDG1 encodes DG1 for an MRZ given as lines (newline-separated or
// already concatenated). The MRZ is validated first.
func MarshalDG1(mrz string) ([]byte, error) {
	m, err := ParseMRZ(mrz)
	if err != nil {
		return nil, err
	}
	return ber.EncodeTLV(0x61, ber.EncodeTLV(0x5F1F, []byte(strings.Join(m.Lines, "")))), nil
}
