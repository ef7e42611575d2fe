package passport

import (
	"context"
	"crypto/subtle"
	"fmt"
	"io"
	"math/big"

	"github.com/go-mitid/mitid/passport/internal/apdu"
	"github.com/go-mitid/mitid/passport/internal/ber"
	"github.com/go-mitid/mitid/passport/internal/dh"
	"github.com/go-mitid/mitid/passport/internal/ec"
	"github.com/go-mitid/mitid/passport/internal/pace"
	"github.com/go-mitid/mitid/passport/internal/sm"
)

// paceResult tells what a successful PACE run established.
type paceResult struct {
	// Info is the protocol that ran.
	Info PACEInfo
	// Curve carries the domain parameters of ECDH PACE, DHGroup those of
	// DH PACE (the other is nil).
	Curve   *ec.Curve
	DHGroup *dh.Group
	// ChipAuthenticated is true after PACE-CAM once the chip's mapping
	// key has been checked against its static key (see VerifyCAM).
	ChipAuthenticated bool

	// Retained for the PACE-CAM check, which needs the chip's static key
	// from EF.CardSecurity or DG14 (read later).
	pkMapIC ec.Point
	caIC    []byte
}

// supportedPACE picks the strongest PACE variant in infos that this package
// can run (on standardized or proprietary domain parameters), preferring chip
// authentication mapping, then ECDH over DH, then the stronger cipher.
func supportedPACE(infos []PACEInfo) (PACEInfo, bool) {
	best, bestScore := PACEInfo{}, 0
	for _, p := range infos {
		s, err := pace.SuiteFor(p.Protocol)
		if err != nil || s.Supported() != nil {
			continue
		}
		if _, err := paceDomainFor(p, s.ECDH); err != nil {
			continue
		}
		score := 10 * int(s.Cipher)
		if s.ECDH {
			score += 50
		}
		if s.Mapping == pace.MappingCAM {
			score += 100
		}
		if score > bestScore {
			best, bestScore = p, score
		}
	}
	return best, bestScore > 0
}

// PACE runs Password Authenticated Connection Establishment (ICAO 9303
// Part 11 §4.4) with the password key (MRZ or CAN) and the PACEInfo read
// from EF.CardAccess: ECDH or DH, with generic, integrated or (ECDH) chip
// authentication mapping. On success the session is protected by secure
// messaging with the cipher the protocol names (SSC zero). A wrong password
// shows as ErrAuthenticationFailed, usually at the token step.
//
// The eMRTD application must not be selected yet: PACE runs in the master
// file, and SelectApplication follows it.
func (s *session) PACE(ctx context.Context, key AccessKey, info PACEInfo) (*paceResult, error) {
	if err := key.valid(); err != nil {
		return nil, err
	}
	suite, err := pace.SuiteFor(info.Protocol)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", pace.ErrUnsupported, err)
	}
	if err := suite.Supported(); err != nil {
		return nil, fmt.Errorf("%w: %s: %w", pace.ErrUnsupported, info, err)
	}
	dom, err := paceDomainFor(info, suite.ECDH)
	if err != nil {
		return nil, fmt.Errorf("%w: %s: %w", pace.ErrUnsupported, info, err)
	}
	s.sm, s.broken = nil, nil

	// MSE:Set AT selects the protocol and the password.
	at := ber.AppendTLV(nil, 0x80, ber.OIDContent(info.Protocol))
	at = ber.AppendTLV(at, 0x83, []byte{key.paceKeyReference()})
	if info.custom != nil && info.HasParameterID {
		// Proprietary parameters are named, as the chip may offer several
		// sets (Part 11 §4.4.4.1).
		at = ber.AppendTLV(at, 0x84, intBytes(info.ParameterID))
	}
	if _, err := s.transmitOK(ctx, apdu.Command{INS: apdu.INSMSE, P1: 0xC1, P2: 0xA4, Data: at}); err != nil {
		return nil, fmt.Errorf("passport: PACE MSE:Set AT: %w", err)
	}

	// Step 1: the encrypted nonce.
	z, err := s.generalAuthenticate(ctx, nil, pace.DOEncNonce, false)
	if err != nil {
		return nil, fmt.Errorf("passport: PACE step 1 (nonce): %w", err)
	}
	nonce, err := pace.DecryptNonce(suite.Cipher, sm.KDF(key.paceSecret(), sm.KDFPi, suite.Cipher), z)
	if err != nil {
		return nil, err
	}

	// Step 2: map the nonce to a new generator.
	res := &paceResult{Info: info}
	gHat, err := s.paceMap(ctx, suite, dom, nonce, len(z), res)
	if err != nil {
		return nil, err
	}

	// Step 3: ephemeral key agreement on the mapped generator.
	skEph, err := ec.RandScalar(s.rand, dom.Order())
	if err != nil {
		return nil, err
	}
	pkEph := dom.Exp(gHat, skEph)
	raw, err := s.generalAuthenticate(ctx, ber.EncodeTLV(pace.DOEphPCD, dom.Encode(pkEph)), pace.DOEphIC, false)
	if err != nil {
		return nil, fmt.Errorf("passport: PACE step 3 (key agreement): %w", err)
	}
	pkEphIC, err := dom.Decode(raw)
	if err != nil {
		return nil, fmt.Errorf("passport: PACE step 3: the chip's ephemeral key: %w", err)
	}
	if dom.Equal(pkEphIC, pkEph) {
		return nil, fmt.Errorf("%w: the chip echoed the terminal's ephemeral key", ErrAuthenticationFailed)
	}
	shared := dom.Exp(pkEphIC, skEph)
	if dom.IsIdentity(shared) {
		return nil, fmt.Errorf("%w: PACE shared secret is the identity", ec.ErrInvalidPoint)
	}
	k := dom.SharedSecret(shared)
	ksEnc, ksMAC := sm.KDF(k, sm.KDFEnc, suite.Cipher), sm.KDF(k, sm.KDFMAC, suite.Cipher)

	// Step 4: mutual authentication tokens.
	tPCD := pace.TokenIn(suite.Cipher, ksMAC, info.Protocol, dom, pkEphIC)
	resp, err := s.generalAuthenticateObjects(ctx, ber.EncodeTLV(pace.DOTokenPCD, tPCD), true)
	if err != nil {
		return nil, fmt.Errorf("passport: PACE step 4 (tokens): %w", err)
	}
	tIC, ok := ber.FindTLV(resp, pace.DOTokenIC)
	if !ok {
		return nil, fmt.Errorf("%w: PACE step 4 answer lacks the chip token", ErrAuthenticationFailed)
	}
	if subtle.ConstantTimeCompare(tIC.Value, pace.TokenIn(suite.Cipher, ksMAC, info.Protocol, dom, pkEph)) != 1 {
		return nil, fmt.Errorf("%w: the chip's PACE token does not verify", ErrAuthenticationFailed)
	}
	sc, err := sm.NewChannel(suite.Cipher, ksEnc, ksMAC, make([]byte, sm.BlockSizeOf(suite.Cipher)))
	if err != nil {
		return nil, err
	}
	if suite.Mapping == pace.MappingCAM {
		enc, ok := ber.FindTLV(resp, pace.DOEncCAData)
		if !ok {
			return nil, fmt.Errorf("%w: PACE-CAM answer lacks chip authentication data (8A)", ErrAuthenticationFailed)
		}
		if res.caIC, err = pace.DecryptCAData(suite.Cipher, ksEnc, enc.Value); err != nil {
			return nil, err
		}
	}
	s.startSM(sc)
	return res, nil
}

// paceMap runs step 2 of PACE and returns the mapped generator. Generic
// and chip authentication mapping exchange ephemeral keys and compute
// Ĝ = s·G + H; Integrated Mapping sends a random nonce t in the clear (the
// chip answers an empty 82) and computes Ĝ = f_G(R_p(s, t)).
func (s *session) paceMap(ctx context.Context, suite pace.Suite, dom pace.Domain, nonce *big.Int, nonceLen int, res *paceResult) (pace.Elem, error) {
	switch d := dom.(type) {
	case pace.ECDomain:
		res.Curve = d.C
	case pace.DHDomain:
		res.DHGroup = d.G
	}
	if suite.Mapping == pace.MappingIM {
		t := make([]byte, 16)
		if _, err := io.ReadFull(s.rand, t); err != nil {
			return pace.Elem{}, fmt.Errorf("passport: reading randomness: %w", err)
		}
		if _, err := s.generalAuthenticateObjects(ctx, ber.EncodeTLV(pace.DOMapPCD, t), false); err != nil {
			return pace.Elem{}, fmt.Errorf("passport: PACE step 2 (integrated mapping): %w", err)
		}
		x, err := pace.IMPRF(suite.Cipher, nonce.FillBytes(make([]byte, nonceLen)), t, dom.Prime())
		if err != nil {
			return pace.Elem{}, err
		}
		return dom.IntegratedMap(x)
	}
	mapSK, err := ec.RandScalar(s.rand, dom.Order())
	if err != nil {
		return pace.Elem{}, err
	}
	mapPK := dom.Exp(dom.Generator(), mapSK)
	raw, err := s.generalAuthenticate(ctx, ber.EncodeTLV(pace.DOMapPCD, dom.Encode(mapPK)), pace.DOMapIC, false)
	if err != nil {
		return pace.Elem{}, fmt.Errorf("passport: PACE step 2 (mapping): %w", err)
	}
	pkMapIC, err := dom.Decode(raw)
	if err != nil {
		return pace.Elem{}, fmt.Errorf("passport: PACE step 2: the chip's mapping key: %w", err)
	}
	if dom.Equal(pkMapIC, mapPK) {
		return pace.Elem{}, fmt.Errorf("%w: the chip echoed the terminal's mapping key", ErrAuthenticationFailed)
	}
	res.pkMapIC = pkMapIC.Pt
	return pace.GenericMap(dom, nonce, dom.Exp(pkMapIC, mapSK))
}

// generalAuthenticate sends one chained GENERAL AUTHENTICATE step and returns
// the value of want in the answer's dynamic authentication data.
func (s *session) generalAuthenticate(ctx context.Context, data []byte, want ber.Tag, last bool) ([]byte, error) {
	objs, err := s.generalAuthenticateObjects(ctx, data, last)
	if err != nil {
		return nil, err
	}
	t, ok := ber.FindTLV(objs, want)
	if !ok {
		return nil, fmt.Errorf("%w: answer lacks data object %s", ber.ErrMalformedTLV, want)
	}
	return t.Value, nil
}

func (s *session) generalAuthenticateObjects(ctx context.Context, data []byte, last bool) ([]ber.TLV, error) {
	cla := byte(0x10) // command chaining: more steps follow
	if last {
		cla = 0
	}
	resp, err := s.transmitOK(ctx, apdu.Command{CLA: cla, INS: apdu.INSGeneralAuthenticate, Data: ber.EncodeTLV(pace.DODynamicAuth, data), Ne: apdu.MaxShortNe})
	if err != nil {
		return nil, err
	}
	outer, rest, err := ber.ParseTLV(resp)
	if err != nil || outer.Tag != pace.DODynamicAuth || len(rest) != 0 {
		return nil, fmt.Errorf("%w: GENERAL AUTHENTICATE answer is not one 7C object", ber.ErrMalformedTLV)
	}
	return outer.Children()
}

// VerifyCAM completes PACE-CAM (Part 11 §4.4.3.5.2): with the chip's static
// key pub from DG14 (which Passive Authentication must vouch for), it checks
// PK_map,IC = CA_IC · PK_IC, proving the chip holds the private key. It sets
// r.ChipAuthenticated.
func (r *paceResult) VerifyCAM(pub *ec.PublicKey) error {
	if r.caIC == nil {
		return fmt.Errorf("%w: PACE ran without chip authentication mapping", pace.ErrUnsupported)
	}
	if pub == nil || pub.Curve != r.Curve {
		return fmt.Errorf("%w: chip authentication key is not on the PACE curve", ErrAuthenticationFailed)
	}
	ca := new(big.Int).SetBytes(r.caIC)
	if ca.Sign() == 0 || ca.Cmp(r.Curve.N()) >= 0 {
		return fmt.Errorf("%w: chip authentication data out of range", ErrAuthenticationFailed)
	}
	if !r.Curve.ScalarMult(pub.Point, ca).Equal(r.pkMapIC) {
		return fmt.Errorf("%w: PACE-CAM: the chip's mapping key does not match its static key", ErrAuthenticationFailed)
	}
	r.ChipAuthenticated = true
	return nil
}
