package codedisplay

import (
	"crypto/subtle"
	"fmt"
	"time"
)

// State is what a verifier must remember about one device between two codes. The
// caller stores it with the device and passes it to every Verify; this package keeps
// none. The zero State is a device that has never been used.
type State struct {
	// LastStep is the last accepted time step. Only steps above it are accepted
	// (RFC 6238 §5.2). In the zero State it is 0, so step 0 — the first Period after
	// 1970-01-01T00:00:00Z — is never accepted; a caller that needs it (test vectors)
	// sets LastStep to -1.
	LastStep int64
	// Drift is the learned clock drift of the device in time steps: positive when the
	// device's clock runs ahead. A value outside [-MaxDrift, +MaxDrift] is read as the
	// nearest bound, so lowering MaxDrift applies to states already stored.
	Drift int
}

// Match describes an accepted code.
type Match struct {
	// Step is the time step the code belongs to.
	Step int64
	// Drift is Step minus the verifier's current time step: how far the device's clock
	// was from the verifier's when the code was made (within a step, plus typing time).
	Drift int
	// NewState is the state to store for the device: LastStep = Step, and Drift learned
	// from this code (Drift clamped to ±MaxDrift). Storing it is what makes the code
	// single-use, so store it in the same atomic update that acts on the match.
	NewState State
}

// windowOffset returns the i-th offset, from the centre of the window, to try:
// 0, -1, +1, -2, +2, ... Nearer steps come first so that, in the one-in-a-million case
// that a code matches two steps, the likelier one wins; past before future because
// a typed code was shown a moment ago.
func windowOffset(i int) int64 {
	if i%2 == 1 {
		return -int64(i+1) / 2
	}
	return int64(i / 2)
}

// clampDrift limits d to [-limit, +limit].
func clampDrift(d int64, limit int) int {
	if d > int64(limit) {
		return limit
	}
	if d < -int64(limit) {
		return -limit
	}
	return int(d)
}

// Verify checks a code a person typed for the device with this seed and State at time
// now, and on success returns the matched time step and the State to store.
//
// The window is the 2·Skew+1 time steps centred on the verifier's current step plus the
// learned drift, st.Drift (RFC 6238 §6). A code for a step in the window above
// st.LastStep is accepted; the new drift is where it matched, bounded by MaxDrift, so a
// device whose clock walks is followed a step or so per login but never beyond
// MaxDrift (see Resync for a device that drifted out of the window).
//
// Errors (test with errors.Is): ErrMalformedCode (a *MalformedCodeError; see
// NormalizeCode for what is accepted), ErrWrongCode, ErrCodeReused (the code is right
// but for a step at or below st.LastStep), and ErrInvalidParams, ErrInvalidSeed,
// ErrInvalidTime for a caller's mistake. On error the caller keeps its State unchanged.
//
// Codes are compared in constant time. The search stops at the first accepted step, so
// its duration can reveal which step of the window matched, but never how much of a
// wrong code was right. Verify is safe for concurrent use.
func (p Params) Verify(seed []byte, code string, st State, now time.Time) (Match, error) {
	g, err := p.newGenerator(seed)
	if err != nil {
		return Match{}, err
	}
	var buf [MaxDigits]byte
	n, err := p.normalize(code, &buf)
	if err != nil {
		return Match{}, err
	}
	typed := buf[:n]
	cur, err := p.step(now)
	if err != nil {
		return Match{}, err
	}
	centre := cur + int64(clampDrift(int64(st.Drift), p.MaxDrift))
	width := 2*p.Skew + 1

	// First the steps that could be accepted; the used ones only if nothing matched,
	// and only to tell the person "already used" rather than "wrong".
	for i := 0; i < width; i++ {
		s := centre + windowOffset(i)
		if s < 0 || s <= st.LastStep {
			continue
		}
		ok, err := g.matches(s, typed)
		if err != nil {
			return Match{}, err
		}
		if ok {
			return p.accept(s, cur), nil
		}
	}
	for i := 0; i < width; i++ {
		s := centre + windowOffset(i)
		if s < 0 || s > st.LastStep {
			continue
		}
		ok, err := g.matches(s, typed)
		if err != nil {
			return Match{}, err
		}
		if ok {
			return Match{}, fmt.Errorf("%w: the code is for time step %d, and step %d was already accepted", ErrCodeReused, s, st.LastStep)
		}
	}
	return Match{}, ErrWrongCode
}

// matches reports whether typed is the code for step, comparing in constant time.
func (g generator) matches(step int64, typed []byte) (bool, error) {
	c, err := g.code(step)
	if err != nil {
		return false, err
	}
	return subtle.ConstantTimeCompare([]byte(c), typed) == 1, nil
}

// accept builds the Match for step s found when the verifier's step was cur.
func (p Params) accept(s, cur int64) Match {
	return Match{
		Step:     s,
		Drift:    int(s - cur),
		NewState: State{LastStep: s, Drift: clampDrift(s-cur, p.MaxDrift)},
	}
}
