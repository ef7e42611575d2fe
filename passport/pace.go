package passport

import (
	"context"
	"crypto/cipher"
	"crypto/subtle"
	"encoding/asn1"
	"errors"
	"fmt"
	"io"
	"math/big"

	"github.com/go-mitid/mitid/passport/internal/apdu"
	"github.com/go-mitid/mitid/passport/internal/ber"
	"github.com/go-mitid/mitid/passport/internal/dh"
	"github.com/go-mitid/mitid/passport/internal/ec"
	"github.com/go-mitid/mitid/passport/internal/sm"
)

// ErrPACEUnsupported reports a PACE variant this package cannot run
// (proprietary domain parameters, or a mapping and cipher not implemented).
var ErrPACEUnsupported = errors.New("passport: unsupported PACE variant")

// Dynamic authentication data objects of General Authenticate (Part 11 §4.4.4).
const (
	doDynamicAuth   ber.Tag = 0x7C
	doEncNonce      ber.Tag = 0x80
	doMapPCD        ber.Tag = 0x81
	doMapIC         ber.Tag = 0x82
	doEphPCD        ber.Tag = 0x83
	doEphIC         ber.Tag = 0x84
	doTokenPCD      ber.Tag = 0x85
	doTokenIC       ber.Tag = 0x86
	doEncCAData     ber.Tag = 0x8A // PACE-CAM: encrypted chip authentication data
	doPublicKey     ber.Tag = 0x7F49
	doPublicKeyOID  ber.Tag = 0x06
	doPublicKeyECPt ber.Tag = 0x86
)

// PACEResult tells what a successful PACE run established.
type PACEResult struct {
	// Info is the protocol that ran.
	Info PACEInfo
	// Curve carries the domain parameters of ECDH PACE, DHGroup those of
	// DH PACE (the other is nil).
	Curve   *ec.Curve
	DHGroup *dh.DHGroup
	// ChipAuthenticated is true after PACE-CAM once the chip's mapping
	// key has been checked against its static key (see VerifyCAM).
	ChipAuthenticated bool

	// Retained for the PACE-CAM check, which needs the chip's static key
	// from EF.CardSecurity or DG14 (read later).
	pkMapIC ec.Point
	caIC    []byte
}

// supported says whether this package runs the suite: every mapping on
// ECDH and DH, except chip authentication mapping on DH (which ICAO 9303
// does not define) and Integrated Mapping with another cipher than AES-128.
func (s paceSuite) supported() error {
	switch {
	case s.mapping == mappingCAM && !s.ecdh:
		return errors.New("chip authentication mapping is defined for ECDH only")
	case s.mapping == mappingIM && s.cipher != sm.CipherAES128:
		return errors.New("integrated mapping runs with AES-128 only here")
	}
	return nil
}

// SupportedPACE picks the strongest PACE variant in infos that this package
// can run (on standardized or proprietary domain parameters), preferring chip
// authentication mapping, then ECDH over DH, then the stronger cipher.
func SupportedPACE(infos []PACEInfo) (PACEInfo, bool) {
	best, bestScore := PACEInfo{}, 0
	for _, p := range infos {
		s, err := p.suite()
		if err != nil || s.supported() != nil {
			continue
		}
		if _, err := paceDomainFor(p, s.ecdh); err != nil {
			continue
		}
		score := 10 * int(s.cipher)
		if s.ecdh {
			score += 50
		}
		if s.mapping == mappingCAM {
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
func (s *Session) PACE(ctx context.Context, key AccessKey, info PACEInfo) (*PACEResult, error) {
	if err := key.valid(); err != nil {
		return nil, err
	}
	suite, err := info.suite()
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrPACEUnsupported, err)
	}
	if err := suite.supported(); err != nil {
		return nil, fmt.Errorf("%w: %s: %v", ErrPACEUnsupported, info, err)
	}
	dom, err := paceDomainFor(info, suite.ecdh)
	if err != nil {
		return nil, fmt.Errorf("%w: %s: %v", ErrPACEUnsupported, info, err)
	}
	s.sm, s.broken = nil, nil

	// MSE:Set AT selects the protocol and the password.
	at := ber.AppendTLV(nil, 0x80, oidBody(info.Protocol))
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
	z, err := s.generalAuthenticate(ctx, nil, doEncNonce, false)
	if err != nil {
		return nil, fmt.Errorf("passport: PACE step 1 (nonce): %w", err)
	}
	nonce, err := decryptNonce(suite.cipher, sm.KDF(key.paceSecret(), sm.KDFPi, suite.cipher), z)
	if err != nil {
		return nil, err
	}

	// Step 2: map the nonce to a new generator.
	res := &PACEResult{Info: info}
	gHat, err := s.paceMap(ctx, suite, dom, nonce, len(z), res)
	if err != nil {
		return nil, err
	}

	// Step 3: ephemeral key agreement on the mapped generator.
	skEph, err := ec.RandScalar(s.rand, dom.order())
	if err != nil {
		return nil, err
	}
	pkEph := dom.exp(gHat, skEph)
	raw, err := s.generalAuthenticate(ctx, ber.EncodeTLV(doEphPCD, dom.encode(pkEph)), doEphIC, false)
	if err != nil {
		return nil, fmt.Errorf("passport: PACE step 3 (key agreement): %w", err)
	}
	pkEphIC, err := dom.decode(raw)
	if err != nil {
		return nil, fmt.Errorf("passport: PACE step 3: the chip's ephemeral key: %w", err)
	}
	if dom.equal(pkEphIC, pkEph) {
		return nil, fmt.Errorf("%w: the chip echoed the terminal's ephemeral key", ErrAuthenticationFailed)
	}
	shared := dom.exp(pkEphIC, skEph)
	if dom.isIdentity(shared) {
		return nil, fmt.Errorf("%w: PACE shared secret is the identity", ec.ErrInvalidPoint)
	}
	k := dom.sharedSecret(shared)
	ksEnc, ksMAC := sm.KDF(k, sm.KDFEnc, suite.cipher), sm.KDF(k, sm.KDFMAC, suite.cipher)

	// Step 4: mutual authentication tokens.
	tPCD := paceTokenIn(suite.cipher, ksMAC, info.Protocol, dom, pkEphIC)
	resp, err := s.generalAuthenticateObjects(ctx, ber.EncodeTLV(doTokenPCD, tPCD), true)
	if err != nil {
		return nil, fmt.Errorf("passport: PACE step 4 (tokens): %w", err)
	}
	tIC, ok := ber.FindTLV(resp, doTokenIC)
	if !ok {
		return nil, fmt.Errorf("%w: PACE step 4 answer lacks the chip token", ErrAuthenticationFailed)
	}
	if subtle.ConstantTimeCompare(tIC.Value, paceTokenIn(suite.cipher, ksMAC, info.Protocol, dom, pkEph)) != 1 {
		return nil, fmt.Errorf("%w: the chip's PACE token does not verify", ErrAuthenticationFailed)
	}
	sc, err := sm.NewChannel(suite.cipher, ksEnc, ksMAC, make([]byte, sm.BlockSizeOf(suite.cipher)))
	if err != nil {
		return nil, err
	}
	if suite.mapping == mappingCAM {
		enc, ok := ber.FindTLV(resp, doEncCAData)
		if !ok {
			return nil, fmt.Errorf("%w: PACE-CAM answer lacks chip authentication data (8A)", ErrAuthenticationFailed)
		}
		if res.caIC, err = decryptCAData(suite.cipher, ksEnc, enc.Value); err != nil {
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
func (s *Session) paceMap(ctx context.Context, suite paceSuite, dom paceDomain, nonce *big.Int, nonceLen int, res *PACEResult) (paceElem, error) {
	switch d := dom.(type) {
	case ecDomain:
		res.Curve = d.c
	case dhDomain:
		res.DHGroup = d.g
	}
	if suite.mapping == mappingIM {
		t := make([]byte, 16)
		if _, err := io.ReadFull(s.rand, t); err != nil {
			return paceElem{}, fmt.Errorf("passport: reading randomness: %w", err)
		}
		if _, err := s.generalAuthenticateObjects(ctx, ber.EncodeTLV(doMapPCD, t), false); err != nil {
			return paceElem{}, fmt.Errorf("passport: PACE step 2 (integrated mapping): %w", err)
		}
		x, err := imPRF(suite.cipher, nonce.FillBytes(make([]byte, nonceLen)), t, dom.prime())
		if err != nil {
			return paceElem{}, err
		}
		return dom.integratedMap(x)
	}
	mapSK, err := ec.RandScalar(s.rand, dom.order())
	if err != nil {
		return paceElem{}, err
	}
	mapPK := dom.exp(dom.generator(), mapSK)
	raw, err := s.generalAuthenticate(ctx, ber.EncodeTLV(doMapPCD, dom.encode(mapPK)), doMapIC, false)
	if err != nil {
		return paceElem{}, fmt.Errorf("passport: PACE step 2 (mapping): %w", err)
	}
	pkMapIC, err := dom.decode(raw)
	if err != nil {
		return paceElem{}, fmt.Errorf("passport: PACE step 2: the chip's mapping key: %w", err)
	}
	if dom.equal(pkMapIC, mapPK) {
		return paceElem{}, fmt.Errorf("%w: the chip echoed the terminal's mapping key", ErrAuthenticationFailed)
	}
	res.pkMapIC = pkMapIC.pt
	return genericMap(dom, nonce, dom.exp(pkMapIC, mapSK))
}

// oidBody returns the content octets of an OID (the value of tag 06 or 80).
func oidBody(oid asn1.ObjectIdentifier) []byte {
	der, _ := asn1.Marshal(oid) // a parsed or constant OID always marshals
	_, h, _, _ := ber.DecodeTLVHeader(der)
	return der[h:]
}

// generalAuthenticate sends one chained GENERAL AUTHENTICATE step and returns
// the value of want in the answer's dynamic authentication data.
func (s *Session) generalAuthenticate(ctx context.Context, data []byte, want ber.Tag, last bool) ([]byte, error) {
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

func (s *Session) generalAuthenticateObjects(ctx context.Context, data []byte, last bool) ([]ber.TLV, error) {
	cla := byte(0x10) // command chaining: more steps follow
	if last {
		cla = 0
	}
	resp, err := s.transmitOK(ctx, apdu.Command{CLA: cla, INS: apdu.INSGeneralAuthenticate, Data: ber.EncodeTLV(doDynamicAuth, data), Ne: apdu.MaxShortNe})
	if err != nil {
		return nil, err
	}
	outer, rest, err := ber.ParseTLV(resp)
	if err != nil || outer.Tag != doDynamicAuth || len(rest) != 0 {
		return nil, fmt.Errorf("%w: GENERAL AUTHENTICATE answer is not one 7C object", ber.ErrMalformedTLV)
	}
	return outer.Children()
}

// decryptNonce recovers s = D(K_π, z) with a zero IV.
func decryptNonce(alg sm.Cipher, kPi, z []byte) (*big.Int, error) {
	b, err := sm.NewBlockCipher(alg, kPi)
	if err != nil {
		return nil, err
	}
	if len(z) == 0 || len(z)%b.BlockSize() != 0 {
		return nil, fmt.Errorf("passport: PACE encrypted nonce of %d bytes", len(z))
	}
	out := make([]byte, len(z))
	cipher.NewCBCDecrypter(b, make([]byte, b.BlockSize())).CryptBlocks(out, z)
	return new(big.Int).SetBytes(out), nil
}

// encryptNonce is the chip's half of decryptNonce.
func encryptNonce(alg sm.Cipher, kPi, nonce []byte) ([]byte, error) {
	b, err := sm.NewBlockCipher(alg, kPi)
	if err != nil {
		return nil, err
	}
	out := make([]byte, len(nonce))
	cipher.NewCBCEncrypter(b, make([]byte, b.BlockSize())).CryptBlocks(out, nonce)
	return out, nil
}

// paceTokenIn is the authentication token of §4.4.3.4: the MAC over the
// public-key data object 7F49 {06 OID, 86 point | 84 y} of the other
// side's ephemeral key. AES uses CMAC over the raw object, 3DES the retail
// MAC over the padded object; both keep 8 bytes.
func paceTokenIn(alg sm.Cipher, ksMAC []byte, oid asn1.ObjectIdentifier, d paceDomain, pk paceElem) []byte {
	body := ber.AppendTLV(nil, doPublicKeyOID, oidBody(oid))
	body = append(body, d.tokenKey(pk)...)
	data := ber.EncodeTLV(doPublicKey, body)
	if alg == sm.Cipher3DES {
		m, _ := sm.RetailMAC(ksMAC, sm.Pad(data, 8))
		return m
	}
	b, _ := sm.NewBlockCipher(alg, ksMAC)
	return sm.CMAC(b, data)[:8]
}

// paceToken is paceTokenIn on a curve.
func paceToken(alg sm.Cipher, ksMAC []byte, oid asn1.ObjectIdentifier, c *ec.Curve, pk ec.Point) []byte {
	return paceTokenIn(alg, ksMAC, oid, ecDomain{c}, paceElem{pt: pk})
}

// caDataIV is the IV of PACE-CAM's chip authentication data: E(KS_enc, −1),
// the all-ones block (Part 11 §4.4.3.5.1).
func caDataIV(b cipher.Block) []byte {
	iv := make([]byte, b.BlockSize())
	for i := range iv {
		iv[i] = 0xFF
	}
	b.Encrypt(iv, iv)
	return iv
}

func decryptCAData(alg sm.Cipher, ksEnc, ct []byte) ([]byte, error) {
	b, err := sm.NewBlockCipher(alg, ksEnc)
	if err != nil {
		return nil, err
	}
	if len(ct) == 0 || len(ct)%b.BlockSize() != 0 {
		return nil, fmt.Errorf("%w: chip authentication data of %d bytes", ErrAuthenticationFailed, len(ct))
	}
	p := make([]byte, len(ct))
	cipher.NewCBCDecrypter(b, caDataIV(b)).CryptBlocks(p, ct)
	out, err := sm.Unpad(p)
	if err != nil {
		return nil, fmt.Errorf("%w: chip authentication data: %v", ErrAuthenticationFailed, err)
	}
	return out, nil
}

func encryptCAData(alg sm.Cipher, ksEnc, plain []byte) ([]byte, error) {
	b, err := sm.NewBlockCipher(alg, ksEnc)
	if err != nil {
		return nil, err
	}
	p := sm.Pad(plain, b.BlockSize())
	cipher.NewCBCEncrypter(b, caDataIV(b)).CryptBlocks(p, p)
	return p, nil
}

// VerifyCAM completes PACE-CAM (Part 11 §4.4.3.5.2): with the chip's static
// key pub from DG14 (which Passive Authentication must vouch for), it checks
// PK_map,IC = CA_IC · PK_IC, proving the chip holds the private key. It sets
// r.ChipAuthenticated.
func (r *PACEResult) VerifyCAM(pub *ec.ECPublicKey) error {
	if r.caIC == nil {
		return fmt.Errorf("%w: PACE ran without chip authentication mapping", ErrPACEUnsupported)
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
