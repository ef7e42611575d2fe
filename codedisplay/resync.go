package codedisplay

import (
	"crypto/subtle"
	"fmt"
	"time"
)

// Resync re-learns the drift of a device whose clock has wandered out of Verify's
// window, from two codes the device showed one after the other (RFC 6238 §6; the
// two-code look-ahead of RFC 4226 §7.4). It searches every step within MaxDrift+Skew of
// the verifier's current step for code1 at some step s and code2 at s+1, preferring the
// pair nearest the verifier's clock, and accepts s+1: Match.Step is s+1 and NewState
// records it and the drift found (clamped to ±MaxDrift).
//
// Two consecutive codes anywhere in that range are a far stronger proof than one code
// in a narrow window (about 2·(MaxDrift+Skew)+1 in 10^(2·Digits) for a guess), which is
// why a wide search is safe here and not in Verify. Use it in a support flow ("your code
// display is out of step: enter two codes in a row"), and count failures as Verify
// failures. Errors are those of Verify; ErrCodeReused when the pair is right but s is at
// or below st.LastStep.
func (p Params) Resync(seed []byte, code1, code2 string, st State, now time.Time) (Match, error) {
	g, err := p.newGenerator(seed)
	if err != nil {
		return Match{}, err
	}
	var b1, b2 [MaxDigits]byte
	n1, err := p.normalize(code1, &b1)
	if err != nil {
		return Match{}, err
	}
	n2, err := p.normalize(code2, &b2)
	if err != nil {
		return Match{}, err
	}
	first, second := b1[:n1], b2[:n2]
	cur, err := p.step(now)
	if err != nil {
		return Match{}, err
	}

	// Offsets of the second code's step from cur, nearest first. A step's code is
	// computed at most once: step s is the second code's step in one iteration and the
	// first code's in another.
	reach := p.MaxDrift + p.Skew
	codes := make(map[int64]string, 2*reach+2)
	matchesAt := func(s int64, typed []byte) (bool, error) {
		c, ok := codes[s]
		if !ok {
			var err error
			if c, err = g.code(s); err != nil {
				return false, err
			}
			codes[s] = c
		}
		return subtle.ConstantTimeCompare([]byte(c), typed) == 1, nil
	}
	reused := int64(-1)
	for i := 0; i < 2*reach+1; i++ {
		s2 := cur + windowOffset(i)
		s1 := s2 - 1
		if s1 < 0 {
			continue
		}
		if ok, err := matchesAt(s2, second); err != nil || !ok {
			if err != nil {
				return Match{}, err
			}
			continue
		}
		if ok, err := matchesAt(s1, first); err != nil || !ok {
			if err != nil {
				return Match{}, err
			}
			continue
		}
		if s1 <= st.LastStep {
			if reused < 0 {
				reused = s1
			}
			continue
		}
		return p.accept(s2, cur), nil
	}
	if reused >= 0 {
		return Match{}, fmt.Errorf("%w: the codes are for time steps %d and %d, and step %d was already accepted", ErrCodeReused, reused, reused+1, st.LastStep)
	}
	return Match{}, ErrWrongCode
}
