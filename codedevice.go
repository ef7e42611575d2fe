package mitid

import (
	"context"
	"errors"
	"time"

	"github.com/google/uuid"

	"github.com/go-mitid/mitid/codedisplay"
)

// OTPSecret is what a code display or audio code reader verifies against:
// its seed, sealed under the key ring (bound to the authenticator's ID), the
// parameters it was made with, and what the verifier remembers between codes.
type OTPSecret struct {
	Seed          Sealed `json:"seed"`
	Algorithm     string `json:"alg"`
	Digits        int    `json:"digits"`
	PeriodSeconds int    `json:"period_s"`
	// LastStep is the last accepted time step: a code is accepted once
	// (RFC 6238 §5.2). Drift is the device clock's learned drift in steps.
	LastStep int64 `json:"last_step"`
	Drift    int   `json:"drift,omitempty"`
}

// params returns the verifier parameters of the device under policy p.
func (o *OTPSecret) params(p *Policy) (codedisplay.Params, error) {
	alg, err := codedisplay.ParseAlgorithm(o.Algorithm)
	if err != nil {
		return codedisplay.Params{}, err
	}
	c := codedisplay.MitIDParams()
	c.Digits, c.Period, c.Algorithm, c.Skew = o.Digits, time.Duration(o.PeriodSeconds)*time.Second, alg, p.OTPSkew
	return c, nil
}

// seedAAD binds a sealed seed to its authenticator, so a sealed seed copied
// onto another authenticator does not open.
func seedAAD(id uuid.UUID) []byte {
	return appendSeedAAD(make([]byte, 0, seedAADLen), id)
}

// seedAADLen is the length of seedAAD's result.
const seedAADLen = len("otp-seed:") + len(uuid.UUID{})

func appendSeedAAD(b []byte, id uuid.UUID) []byte {
	return append(append(b, "otp-seed:"...), id[:]...)
}

// CodeDeviceRequest describes a code display or audio code reader as its maker
// delivers it: the serial number printed on it and the seed inside it.
type CodeDeviceRequest struct {
	Kind   Kind   // KindCodeDisplay or KindAudioReader
	Serial string // as printed; checked (codedisplay.ParseSerial)
	Seed   []byte // sealed at once; never stored in clear
	// State is StateOrdered (on its way) or StatePendingActivation (in the
	// holder's hands).
	State State
	Label string
}

// AddCodeDevice registers a code display or audio code reader for the user.
// The seed is sealed before it reaches the store. The device is usable only
// after ActivateCodeDevice.
func (s *Service) AddCodeDevice(ctx context.Context, user uuid.UUID, n CodeDeviceRequest) (*User, []Event, error) {
	if n.Kind != KindCodeDisplay && n.Kind != KindAudioReader {
		return nil, nil, errorf(CodeTransitionForbidden, "%s is not a code display or an audio code reader", n.Kind)
	}
	if n.State != StateOrdered && n.State != StatePendingActivation {
		return nil, nil, errorf(CodeTransitionForbidden, "a new %s starts ordered or pending activation, not %s", n.Kind, n.State)
	}
	serial, err := codedisplay.ParseSerial(n.Serial)
	if err != nil {
		return nil, nil, invalidField(CodeSerialMismatch, "serial", "%v", err)
	}
	alg, err := codedisplay.ParseAlgorithm(s.policy.OTPAlgorithm)
	if err != nil {
		return nil, nil, err
	}
	if len(n.Seed) < 16 { // RFC 4226 R6: at least 128 bits
		return nil, nil, invalidField(CodeConfigInvalid, "seed", "a code device seed needs at least 16 bytes, got %d", len(n.Seed))
	}
	id, err := s.newID()
	if err != nil {
		return nil, nil, err
	}
	sealed, err := s.keys.Seal(s.rand, n.Seed, seedAAD(id))
	if err != nil {
		return nil, nil, err
	}
	otp := &OTPSecret{Seed: sealed, Algorithm: alg.String(), Digits: s.policy.OTPDigits, PeriodSeconds: int(s.policy.OTPPeriod / time.Second)}
	return s.register(ctx, user, Authenticator{ID: id, Kind: n.Kind, State: n.State, Label: n.Label, Serial: serial.Digits(), OTP: otp}, nil)
}

// CodeDeviceActivation is what the holder enters to activate a code device.
type CodeDeviceActivation struct {
	// Serial is the number on the back of the device, as read.
	Serial string
	// Code is the code the device shows now: it proves the holder has it.
	Code string
	// Password creates the MitID password, used with the device at every
	// login, when the user has none yet; it is ignored otherwise.
	Password string
	// Replaces names a code device this one replaces (mitid.dk: Ordering and activating a new MitID authenticator, process 1).
	Replaces uuid.UUID
	// Login is the proof of who activates: a login of the same person with
	// all factors in, made with another authenticator (see
	// ActivateAuthenticator). Without a login, activate with an activation
	// code (ActivateWithCode).
	Login string
}

// ActivateCodeDevice activates a delivered code display or audio code
// reader for a person logged in with another authenticator (act.Login):
// the serial number must match the one registered, and the code it shows
// must be right. A first password is created with it when needed. The
// login is used up (finished) only once the password is made, so that a
// password the rules refuse, a server too busy to hash it (CodeBusy) or a
// store that cannot be read costs the person nothing, as in
// ChangePasswordAfterWait.
func (s *Service) ActivateCodeDevice(ctx context.Context, user, auth uuid.UUID, act CodeDeviceActivation) (*User, []Event, error) {
	u, err := s.store.User(ctx, user)
	if err != nil {
		return nil, nil, err
	}
	if err := s.loginProvable(ctx, act.Login, u, s.clock.Now()); err != nil {
		return nil, nil, err // before argon2id: a made-up login costs a read
	}
	pw, pwID, err := s.firstPassword(u, act.Password, "code")
	if err != nil {
		return nil, nil, err
	}
	if _, err := s.proveLogin(ctx, act.Login, user, auth, ""); err != nil {
		return nil, nil, err
	}
	return s.update(ctx, user, func(u *User, now time.Time) ([]Event, error) {
		if err := u.Usable(now); err != nil {
			return nil, err
		}
		a, err := u.Authenticator(auth)
		if err != nil {
			return nil, err
		}
		if a.OTP == nil {
			return nil, errorf(CodeTransitionForbidden, "this %s has no code device seed", a.Kind)
		}
		if err := checkSerial(a, act.Serial); err != nil {
			return nil, err
		}
		if _, err := s.checkCode(a, act.Code, now); err != nil {
			return nil, err
		}
		events, err := u.Transition(&s.policy, auth, StateActive, now, TransitionOptions{Replaces: act.Replaces})
		if err != nil {
			return nil, err
		}
		more, err := s.addFirstPassword(u, pw, pwID, now)
		return append(events, more...), err
	})
}

// checkSerial checks the serial number read off a code device against the
// one registered.
func checkSerial(a *Authenticator, typed string) error {
	serial, err := codedisplay.ParseSerial(typed)
	if err != nil || serial.Digits() != a.Serial {
		return invalidField(CodeSerialMismatch, "serial", "the serial number does not match the %s registered; check the number on its back", a.Kind)
	}
	return nil
}

// checkCode verifies a code typed for code device a at now and, when right,
// records its time step so it is never accepted again. It returns the
// *Error to show when the code is not accepted: CodeWrongCode only when a
// code was compared and did not match; a malformed code (letters, too short)
// is ErrInvalid and was not compared; a device or configuration the
// verifier cannot use is CodeSecretUnreadable, never a wrong code.
func (s *Service) checkCode(a *Authenticator, code string, now time.Time) (codedisplay.Match, error) {
	return s.verifyOTP(a, func(p codedisplay.Params, seed []byte, st codedisplay.State) (codedisplay.Match, error) {
		return p.Verify(seed, code, st, now)
	})
}

// checkCodePair is checkCode for two codes the device showed one after the
// other, searched across the whole drift the device may have (see
// codedisplay.Params.Resync): a device whose clock has wandered minutes
// out of step is brought back into step by its holder.
func (s *Service) checkCodePair(a *Authenticator, code1, code2 string, now time.Time) (codedisplay.Match, error) {
	return s.verifyOTP(a, func(p codedisplay.Params, seed []byte, st codedisplay.State) (codedisplay.Match, error) {
		return p.Resync(seed, code1, code2, st, now)
	})
}

// verifyOTP opens a's seed, runs verify and records what it accepted.
func (s *Service) verifyOTP(a *Authenticator, verify func(codedisplay.Params, []byte, codedisplay.State) (codedisplay.Match, error)) (codedisplay.Match, error) {
	if a.OTP == nil {
		return codedisplay.Match{}, errorf(CodeSecretUnreadable, "this %s has no seed and cannot be verified; contact MitID support", a.Kind)
	}
	p, err := a.OTP.params(&s.policy)
	if err != nil {
		return codedisplay.Match{}, NewError(CodeSecretUnreadable, err, "this %s cannot be verified", a.Kind)
	}
	// One buffer for the seed's context and, after it, the seed: a code
	// is checked at every login.
	aad := appendSeedAAD(make([]byte, 0, seedAADLen+len(a.OTP.Seed.Ciphertext)), a.ID)
	seed, err := s.keys.openTo(aad[len(aad):], a.OTP.Seed, aad)
	if err != nil {
		return codedisplay.Match{}, NewError(CodeSecretUnreadable, err, "this %s cannot be verified; contact MitID support", a.Kind)
	}
	m, err := verify(p, seed, codedisplay.State{LastStep: a.OTP.LastStep, Drift: a.OTP.Drift})
	if err == nil {
		if cur, _ := s.keys.current(a.OTP.Seed.KeyID); !cur {
			// Sealed under a key being retired: seal it anew under the
			// primary while it is open (see Rewrap).
			if resealed, serr := s.keys.Seal(s.rand, seed, aad); serr == nil {
				a.OTP.Seed = resealed
			}
		}
	}
	clear(seed)
	switch {
	case err == nil:
		a.OTP.LastStep, a.OTP.Drift = m.NewState.LastStep, m.NewState.Drift
		return m, nil
	case errors.Is(err, codedisplay.ErrMalformedCode):
		return m, invalidField(CodeCodeMalformed, "code", "%v", err)
	case errors.Is(err, codedisplay.ErrCodeReused):
		return m, errorf(CodeCodeUsed, "this code has been used already; wait for the next code on your %s", a.Kind)
	case errors.Is(err, codedisplay.ErrWrongCode):
		return m, errWrongCode(a.Kind)
	}
	return m, NewError(CodeSecretUnreadable, err, "this %s cannot be verified; contact MitID support", a.Kind)
}

// activePassword returns the user's password authenticator in use (active
// or suspended), or nil.
func activePassword(u *User, now time.Time) *Authenticator {
	for i := range u.Authenticators {
		a := &u.Authenticators[i]
		if a.Kind == KindPassword && a.EffectiveState(now).InUse() {
			return a
		}
	}
	return nil
}

// errWrongCode is the refusal of a code that was compared and did not
// match (decoy logins give it too).
func errWrongCode(k Kind) *Error {
	return errorf(CodeWrongCode, "the code is wrong; enter the code your %s shows now", k)
}
