package passporttest

import (
	"bytes"
	"context"
	"crypto"
	"crypto/cipher"
	"crypto/rand"
	"crypto/subtle"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math/big"
	"sync"

	"github.com/go-mitid/mitid/passport"
	"github.com/go-mitid/mitid/passport/internal/apdu"
	"github.com/go-mitid/mitid/passport/internal/ber"
	"github.com/go-mitid/mitid/passport/internal/dh"
	"github.com/go-mitid/mitid/passport/internal/ec"
	"github.com/go-mitid/mitid/passport/internal/oids"
	"github.com/go-mitid/mitid/passport/internal/pace"
	"github.com/go-mitid/mitid/passport/internal/sm"
)

// ChipConfig is what a Chip holds: its files and its keys.
// NewDocument (synthetic.go) fills one from a synthetic passport.
type ChipConfig struct {
	// Files are the elementary files of the eMRTD application by file
	// identifier: FileCOM, FileSOD, FileDG(1)…FileDG(16).
	Files map[uint16][]byte
	// CardAccess is EF.CardAccess in the master file. Its PACEInfos are the
	// PACE variants the chip runs; nil makes a BAC-only chip.
	CardAccess []byte
	// Key is the MRZ access key (BAC, and PACE with the MRZ password).
	Key passport.BACKey
	// CAN, when set, also opens the chip with PACE.
	CAN passport.CAN
	// DisableBAC makes a PACE-only chip, as on recent ID cards.
	DisableBAC bool
	// AAKey answers INTERNAL AUTHENTICATE (Active Authentication): an
	// *rsa.PrivateKey (ISO/IEC 9796-2) or an ECDSA signer. nil disables AA.
	AAKey crypto.Signer
	// AAOptions selects the AA signature format (hash, trailer, DER).
	AAOptions ActiveSignOptions
	// CAKey is the Chip Authentication private key matching DG14. nil
	// disables Chip Authentication.
	CAKey *ec.PrivateKey
	// CADHKey is a finite-field DH Chip Authentication key, used when
	// CAKey is nil (id-CA-DH-*).
	CADHKey *dh.PrivateKey
	// CAMKey is the key PACE-CAM proves, published in CardSecurity; CAKey
	// when nil. PACE-CAM runs only on its curve.
	CAMKey *ec.PrivateKey
	// CardSecurity is EF.CardSecurity in the master file, served only
	// under secure messaging after PACE (nil: the chip has none).
	CardSecurity []byte
	// ExtendedLength lets the chip accept extended-length APDUs; without it
	// a protected answer must fit 256 bytes, as on many real chips.
	ExtendedLength bool
	// Rand supplies the chip's challenges, nonces and keys; nil means crypto/rand.
	Rand io.Reader
}

// Chip is a software eMRTD chip speaking ISO/IEC 7816-4 APDUs: the
// card side of BAC, PACE (generic and chip authentication mapping), 3DES
// and AES secure messaging, file selection and READ BINARY (even and odd
// INS), Active Authentication and Chip Authentication. It is real card
// logic: it checks every MAC and the send sequence counter, refuses data
// groups before access control, ends secure messaging on any SM error, and
// refuses replayed or out-of-sequence steps.
//
// Chip implements Transceiver. Its methods are safe for concurrent
// use (each APDU is processed atomically), though, like a real chip, it
// holds one session: interleaving two terminals breaks both sessions.
type Chip struct {
	mu   sync.Mutex
	cfg  ChipConfig
	rand io.Reader
	si   *passport.SecurityInfos // EF.CardAccess, parsed
	pace []passport.PACEInfo

	inApp    bool
	selected []byte // contents of the selected EF, nil if none
	access   bool   // BAC or PACE has succeeded in this session
	sm       *sm.Channel

	bacChallenge []byte
	paceRun      *chipPACE
	caProtocol   []byte // MSE:Set AT for CA (AES) pending: the protocol OID body
	caCipher     sm.Cipher
}

// chipPACE is the chip's state between the PACE steps.
type chipPACE struct {
	info     passport.PACEInfo
	suite    pace.Suite
	dom      pace.Domain
	secret   []byte
	step     int
	nonce    *big.Int
	nonceLen int
	mapSK    *big.Int
	mapPK    pace.Elem
	gHat     pace.Elem
	ephD     *big.Int
	ephPub   pace.Elem
	pcdEph   pace.Elem
	ksEnc    []byte
	ksMAC    []byte
	caIC     []byte
}

// NewChip builds a chip from cfg. It checks that the configuration is
// consistent: a usable access key, parseable EF.CardAccess, and PACE-only
// chips that actually have PACE.
func NewChip(cfg ChipConfig) (*Chip, error) {
	c := &Chip{cfg: cfg, rand: cfg.Rand}
	if c.rand == nil {
		c.rand = rand.Reader
	}
	if err := validKey(cfg.Key); err != nil {
		return nil, fmt.Errorf("passporttest: virtual chip MRZ key: %w", err)
	}
	if cfg.CAN != "" {
		if err := validCAN(cfg.CAN); err != nil {
			return nil, err
		}
	}
	if cfg.CardAccess != nil {
		si, err := passport.ParseSecurityInfos(cfg.CardAccess)
		if err != nil {
			return nil, fmt.Errorf("passporttest: virtual chip EF.CardAccess: %w", err)
		}
		c.si, c.pace = si, si.PACE
	}
	if cfg.DisableBAC && len(c.pace) == 0 {
		return nil, errors.New("passporttest: a virtual chip without BAC needs PACEInfos in EF.CardAccess")
	}
	c.cfg.Files = make(map[uint16][]byte, len(cfg.Files))
	for fid, b := range cfg.Files {
		c.cfg.Files[fid] = bytes.Clone(b)
	}
	return c, nil
}

// Reset is a power cycle: the session, selection and protocol state end.
func (c *Chip) Reset() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.reset()
}

func (c *Chip) reset() {
	c.inApp, c.selected, c.access, c.sm = false, nil, false, nil
	c.bacChallenge, c.paceRun, c.caProtocol = nil, nil, nil
}

// endSession drops secure messaging and access rights, as a chip must after
// a secure-messaging error.
func (c *Chip) endSession() {
	c.sm, c.access, c.selected = nil, false, nil
	c.paceRun, c.caProtocol = nil, nil
}

// Transceive processes one command APDU and returns the response APDU.
func (c *Chip) Transceive(ctx context.Context, raw []byte) ([]byte, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	cmd, err := apdu.ParseCommand(raw)
	if err != nil {
		return status(apdu.SWWrongLength), nil
	}
	if !c.cfg.ExtendedLength && len(raw) > 5 && raw[4] == 0 {
		// An extended-length APDU (Lc or Le introduced by 00).
		return status(apdu.SWWrongLength), nil
	}
	if cmd.CLA&0x0C == 0 || c.sm == nil {
		if cmd.CLA&0x0C != 0 {
			return status(apdu.SWSMDataMissing), nil // protected command without a session
		}
		if c.sm != nil {
			// A plain command ends secure messaging (Part 11 §9.8.2).
			c.endSession()
		}
		r, after := c.dispatch(cmd)
		out := r.Bytes()
		if after != nil {
			after() // PACE starts secure messaging after its last plain answer
		}
		return out, nil
	}
	ch := c.sm
	plain, err := ch.UnprotectCommand(cmd)
	if err != nil {
		c.endSession()
		return status(apdu.SWSMDataIncorrect), nil
	}
	r, after := c.dispatch(plain)
	if !c.cfg.ExtendedLength && protectedSize(len(r.Data), ch.BlockSize()) > apdu.MaxShortNe {
		// The protected answer would not fit a short response.
		r = apdu.Response{SW: apdu.SWWrongLength}
	}
	out := ch.ProtectResponse(r, plain.INS&1 == 1)
	if after != nil {
		after()
	}
	return out, nil
}

// protectedSize is the length of a protected response's data field:
// DO'87' (indicator and padded cryptogram), DO'99' and DO'8E'.
func protectedSize(n, bs int) int {
	size := 4 + 10
	if n > 0 {
		body := 1 + (n/bs+1)*bs
		size += 1 + len(ber.AppendLength(nil, body)) + body
	}
	return size
}

func status(sw uint16) []byte { return apdu.Response{SW: sw}.Bytes() }

func swResp(sw uint16) apdu.Response { return apdu.Response{SW: sw} }

// dispatch runs one plain command. The optional func runs after the
// response is protected (Chip Authentication switches keys only then).
func (c *Chip) dispatch(cmd apdu.Command) (apdu.Response, func()) {
	if cmd.CLA&0xE0 != 0 || (cmd.CLA&0x10 != 0 && cmd.INS != apdu.INSGeneralAuthenticate) {
		return swResp(apdu.SWCLANotSupported), nil
	}
	switch cmd.INS {
	case apdu.INSSelect:
		return c.doSelect(cmd), nil
	case apdu.INSReadBinary, apdu.INSReadBinaryOdd:
		return c.doReadBinary(cmd), nil
	case apdu.INSGetChallenge:
		return c.doGetChallenge(cmd), nil
	case apdu.INSExternalAuthenticate:
		return c.doExternalAuthenticate(cmd), nil
	case apdu.INSMSE:
		return c.doMSE(cmd)
	case apdu.INSGeneralAuthenticate:
		return c.doGeneralAuthenticate(cmd)
	case apdu.INSInternalAuthenticate:
		return c.doInternalAuthenticate(cmd), nil
	}
	return swResp(apdu.SWINSNotSupported), nil
}

func (c *Chip) doSelect(cmd apdu.Command) apdu.Response {
	switch cmd.P1 {
	case 0x04:
		if !bytes.Equal(cmd.Data, apdu.EMRTDAID) {
			return swResp(apdu.SWFileNotFound)
		}
		c.inApp, c.selected = true, nil
		return swResp(apdu.SWOK)
	case 0x00:
		if len(cmd.Data) != 0 && !bytes.Equal(cmd.Data, []byte{0x3F, 0x00}) {
			return swResp(apdu.SWFileNotFound)
		}
		c.inApp, c.selected = false, nil
		return swResp(apdu.SWOK)
	case 0x02:
		if len(cmd.Data) != 2 {
			return swResp(apdu.SWWrongData)
		}
		data, sw := c.file(binary.BigEndian.Uint16(cmd.Data))
		if sw != apdu.SWOK {
			return swResp(sw)
		}
		c.selected = data
		if cmd.P2&0x0C == 0x0C {
			return swResp(apdu.SWOK)
		}
		// FCP with the file size, for terminals that ask for it.
		fcp := ber.EncodeTLV(0x62, ber.EncodeTLV(0x80, binary.BigEndian.AppendUint16(nil, uint16(min(len(data), 0xFFFF)))))
		return apdu.Response{Data: fcp, SW: apdu.SWOK}
	}
	return swResp(apdu.SWIncorrectP1P2)
}

// file looks a file up under the current DF and enforces access control.
func (c *Chip) file(fid uint16) ([]byte, uint16) {
	if !c.inApp {
		switch {
		case fid == apdu.FileCardAccess && c.cfg.CardAccess != nil:
			return c.cfg.CardAccess, apdu.SWOK
		case fid == fileCardSecurity && c.cfg.CardSecurity != nil:
			if !c.access || c.sm == nil {
				return nil, apdu.SWSecurityStatus
			}
			return c.cfg.CardSecurity, apdu.SWOK
		}
		return nil, apdu.SWFileNotFound
	}
	data, ok := c.cfg.Files[fid]
	if !ok {
		return nil, apdu.SWFileNotFound
	}
	if !c.access || c.sm == nil {
		return nil, apdu.SWSecurityStatus
	}
	return data, apdu.SWOK
}

func (c *Chip) doReadBinary(cmd apdu.Command) apdu.Response {
	var offset int
	if cmd.INS == apdu.INSReadBinary {
		if cmd.P1&0x80 != 0 {
			// Short file identifier in P1, offset in P2.
			sfi := cmd.P1 & 0x1F
			fid := uint16(0x0100) | uint16(sfi)
			data, sw := c.file(fid)
			if sw != apdu.SWOK {
				return swResp(sw)
			}
			c.selected = data
			offset = int(cmd.P2)
		} else {
			offset = int(cmd.P1)<<8 | int(cmd.P2)
		}
	} else {
		t, rest, err := ber.ParseTLV(cmd.Data)
		if err != nil || t.Tag != 0x54 || len(rest) != 0 || len(t.Value) == 0 || len(t.Value) > 3 {
			return swResp(apdu.SWWrongData)
		}
		for _, b := range t.Value {
			offset = offset<<8 | int(b)
		}
	}
	if c.selected == nil {
		return swResp(apdu.SWCommandNotAllowed)
	}
	if offset > len(c.selected) {
		return swResp(apdu.SWWrongP1P2)
	}
	ne := cmd.Ne
	if ne == 0 {
		ne = apdu.MaxShortNe
	}
	if cmd.INS == apdu.INSReadBinaryOdd {
		ne -= 4 // room for the 53 header
		if ne < 1 {
			return swResp(apdu.SWWrongLength)
		}
	}
	n := min(ne, len(c.selected)-offset)
	data := c.selected[offset : offset+n]
	sw := apdu.SWOK
	if n < ne {
		sw = apdu.SWEndOfFile
	}
	if cmd.INS == apdu.INSReadBinaryOdd {
		data = ber.EncodeTLV(doDiscretionaryData, data)
	}
	return apdu.Response{Data: bytes.Clone(data), SW: sw}
}

func (c *Chip) doGetChallenge(cmd apdu.Command) apdu.Response {
	if cmd.Ne != 8 {
		return swResp(apdu.SWWrongLength)
	}
	ch := make([]byte, 8)
	if _, err := io.ReadFull(c.rand, ch); err != nil {
		return swResp(apdu.SWNoPreciseDiagnosis)
	}
	c.bacChallenge = ch
	return apdu.Response{Data: bytes.Clone(ch), SW: apdu.SWOK}
}

// doExternalAuthenticate is the chip side of BAC (Part 11 §4.3.3.2).
func (c *Chip) doExternalAuthenticate(cmd apdu.Command) apdu.Response {
	rndIC := c.bacChallenge
	c.bacChallenge = nil // one attempt per challenge: no replays
	if c.cfg.DisableBAC {
		return swResp(apdu.SWINSNotSupported)
	}
	if rndIC == nil {
		return swResp(apdu.SWConditionsNotSatisfied)
	}
	if len(cmd.Data) != 40 {
		return swResp(apdu.SWWrongLength)
	}
	seed := mrzSecret(c.cfg.Key)[:16]
	kEnc, kMAC := sm.KDF(seed, sm.KDFEnc, sm.Cipher3DES), sm.KDF(seed, sm.KDFMAC, sm.Cipher3DES)
	eIFD, mIFD := cmd.Data[:32], cmd.Data[32:]
	m, _ := sm.RetailMAC(kMAC, sm.Pad(eIFD, 8))
	if subtle.ConstantTimeCompare(m, mIFD) != 1 {
		return swResp(apdu.SWAuthFailed)
	}
	enc, _ := sm.NewBlockCipher(sm.Cipher3DES, kEnc)
	s := make([]byte, 32)
	cipher.NewCBCDecrypter(enc, make([]byte, 8)).CryptBlocks(s, eIFD)
	rndIFD, kIFD := s[:8], s[16:]
	if subtle.ConstantTimeCompare(s[8:16], rndIC) != 1 {
		return swResp(apdu.SWAuthFailed)
	}
	kIC := make([]byte, 16)
	if _, err := io.ReadFull(c.rand, kIC); err != nil {
		return swResp(apdu.SWNoPreciseDiagnosis)
	}
	r := make([]byte, 0, 32)
	r = append(append(append(r, rndIC...), rndIFD...), kIC...)
	cipher.NewCBCEncrypter(enc, make([]byte, 8)).CryptBlocks(r, r) //nolint:gosec // G407: ICAO 9303 Part 11 §4.3 (BAC) mandates 3DES-CBC with a zero IV
	mIC, _ := sm.RetailMAC(kMAC, sm.Pad(r, 8))

	sessionSeed := make([]byte, 16)
	subtle.XORBytes(sessionSeed, kIFD, kIC)
	ssc := append(bytes.Clone(rndIC[4:]), rndIFD[4:]...)
	sc, err := sm.NewChannel(sm.Cipher3DES, sm.KDF(sessionSeed, sm.KDFEnc, sm.Cipher3DES), sm.KDF(sessionSeed, sm.KDFMAC, sm.Cipher3DES), ssc)
	if err != nil {
		return swResp(apdu.SWNoPreciseDiagnosis)
	}
	c.sm, c.access, c.selected = sc, true, nil
	return apdu.Response{Data: append(r, mIC...), SW: apdu.SWOK}
}

func (c *Chip) doMSE(cmd apdu.Command) (apdu.Response, func()) {
	objs, err := ber.ParseTLVs(cmd.Data)
	if err != nil {
		return swResp(apdu.SWWrongData), nil
	}
	switch {
	case cmd.P1 == 0xC1 && cmd.P2 == 0xA4:
		return c.paceSetAT(objs), nil
	case cmd.P1 == 0x41 && cmd.P2 == 0xA4:
		return c.caSetAT(objs), nil
	case cmd.P1 == 0x41 && cmd.P2 == 0xA6:
		return c.caSetKAT(objs)
	}
	return swResp(apdu.SWIncorrectP1P2), nil
}

// paceSetAT starts PACE: the protocol must be one of EF.CardAccess and the
// password one the chip knows.
func (c *Chip) paceSetAT(objs []ber.TLV) apdu.Response {
	c.paceRun = nil
	if c.sm != nil {
		c.endSession()
	}
	proto, ok1 := ber.FindTLV(objs, 0x80)
	ref, ok2 := ber.FindTLV(objs, 0x83)
	if !ok1 || !ok2 || len(ref.Value) != 1 {
		return swResp(apdu.SWWrongData)
	}
	var info *passport.PACEInfo
	for i, p := range c.pace {
		if bytes.Equal(ber.OIDContent(p.Protocol), proto.Value) {
			if id, ok := ber.FindTLV(objs, 0x84); ok && (len(id.Value) != 1 || int(id.Value[0]) != p.ParameterID) {
				continue
			}
			info = &c.pace[i]
			break
		}
	}
	if info == nil {
		return swResp(apdu.SWReferencedDataNotFound)
	}
	suite, err := pace.SuiteFor(info.Protocol)
	if err != nil || suite.Supported() != nil {
		return swResp(apdu.SWFunctionNotSupported)
	}
	dom, err := domainFor(c.si, *info, suite.ECDH)
	if err != nil {
		return swResp(apdu.SWFunctionNotSupported)
	}
	if ecd, ok := dom.(pace.ECDomain); suite.Mapping == pace.MappingCAM && (!ok || c.camKey() == nil || c.camKey().Curve != ecd.C) {
		return swResp(apdu.SWFunctionNotSupported)
	}
	var secret []byte
	switch ref.Value[0] {
	case keyRefMRZ:
		secret = mrzSecret(c.cfg.Key)
	case keyRefCAN:
		if c.cfg.CAN == "" {
			return swResp(apdu.SWReferencedDataNotFound)
		}
		secret = []byte(c.cfg.CAN)
	default:
		return swResp(apdu.SWReferencedDataNotFound)
	}
	c.paceRun = &chipPACE{info: *info, suite: suite, dom: dom, secret: secret, step: 1}
	return swResp(apdu.SWOK)
}

func (c *Chip) doGeneralAuthenticate(cmd apdu.Command) (apdu.Response, func()) {
	outer, rest, err := ber.ParseTLV(cmd.Data)
	if err != nil || outer.Tag != pace.DODynamicAuth || len(rest) != 0 {
		return swResp(apdu.SWWrongData), nil
	}
	objs, err := outer.Children()
	if err != nil {
		return swResp(apdu.SWWrongData), nil
	}
	if c.caProtocol != nil {
		return c.caGeneralAuthenticate(cmd, objs)
	}
	p := c.paceRun
	if p == nil {
		return swResp(apdu.SWConditionsNotSatisfied), nil
	}
	last := cmd.CLA&0x10 == 0
	if last != (p.step == 4) {
		c.paceRun = nil
		return swResp(apdu.SWConditionsNotSatisfied), nil
	}
	r := c.paceStep(p, objs)
	if r.SW != apdu.SWOK {
		c.paceRun = nil // a failed step ends the run: no retries on the same nonce
		return r, nil
	}
	if p.step == 5 {
		c.paceRun = nil
		sc, err := sm.NewChannel(p.suite.Cipher, p.ksEnc, p.ksMAC, make([]byte, sm.BlockSizeOf(p.suite.Cipher)))
		if err != nil {
			return swResp(apdu.SWNoPreciseDiagnosis), nil
		}
		return r, func() { c.sm, c.access, c.selected = sc, true, nil }
	}
	return r, nil
}

// paceStep answers one GENERAL AUTHENTICATE of PACE (Part 11 §4.4.3).
func (c *Chip) paceStep(p *chipPACE, objs []ber.TLV) apdu.Response {
	d := p.dom
	dyn := func(tag ber.Tag, v []byte) apdu.Response {
		return apdu.Response{Data: ber.EncodeTLV(pace.DODynamicAuth, ber.EncodeTLV(tag, v)), SW: apdu.SWOK}
	}
	switch p.step {
	case 1:
		if len(objs) != 0 {
			return swResp(apdu.SWWrongData)
		}
		nonce := make([]byte, sm.BlockSizeOf(p.suite.Cipher))
		if _, err := io.ReadFull(c.rand, nonce); err != nil {
			return swResp(apdu.SWNoPreciseDiagnosis)
		}
		z, err := pace.EncryptNonce(p.suite.Cipher, sm.KDF(p.secret, sm.KDFPi, p.suite.Cipher), nonce)
		if err != nil {
			return swResp(apdu.SWNoPreciseDiagnosis)
		}
		p.nonce, p.nonceLen, p.step = new(big.Int).SetBytes(nonce), len(nonce), 2
		return dyn(pace.DOEncNonce, z)
	case 2:
		m, ok := ber.FindTLV(objs, pace.DOMapPCD)
		if !ok {
			return swResp(apdu.SWWrongData)
		}
		if p.suite.Mapping == pace.MappingIM {
			x, err := pace.IMPRF(p.suite.Cipher, p.nonce.FillBytes(make([]byte, p.nonceLen)), m.Value, d.Prime())
			if err != nil {
				return swResp(apdu.SWWrongData)
			}
			if p.gHat, err = d.IntegratedMap(x); err != nil {
				return swResp(apdu.SWWrongData)
			}
			p.step = 3
			return dyn(pace.DOMapIC, nil) // IM: the chip's mapping data object is empty
		}
		pcdMap, err := d.Decode(m.Value)
		if err != nil {
			return swResp(apdu.SWWrongData)
		}
		if err := c.mappingKey(p); err != nil {
			return swResp(apdu.SWNoPreciseDiagnosis)
		}
		if d.Equal(pcdMap, p.mapPK) {
			return swResp(apdu.SWWrongData)
		}
		if p.gHat, err = pace.GenericMap(d, p.nonce, d.Exp(pcdMap, p.mapSK)); err != nil {
			return swResp(apdu.SWWrongData)
		}
		p.step = 3
		return dyn(pace.DOMapIC, d.Encode(p.mapPK))
	case 3:
		pk, ok := ber.FindTLV(objs, pace.DOEphPCD)
		if !ok {
			return swResp(apdu.SWWrongData)
		}
		pcdEph, err := d.Decode(pk.Value)
		if err != nil {
			return swResp(apdu.SWWrongData)
		}
		if p.ephD, err = ec.RandScalar(c.rand, d.Order()); err != nil {
			return swResp(apdu.SWNoPreciseDiagnosis)
		}
		p.ephPub = d.Exp(p.gHat, p.ephD)
		if d.Equal(pcdEph, p.ephPub) {
			return swResp(apdu.SWWrongData)
		}
		shared := d.Exp(pcdEph, p.ephD)
		if d.IsIdentity(shared) {
			return swResp(apdu.SWWrongData)
		}
		k := d.SharedSecret(shared)
		p.ksEnc, p.ksMAC = sm.KDF(k, sm.KDFEnc, p.suite.Cipher), sm.KDF(k, sm.KDFMAC, p.suite.Cipher)
		p.pcdEph, p.step = pcdEph, 4
		return dyn(pace.DOEphIC, d.Encode(p.ephPub))
	case 4:
		tok, ok := ber.FindTLV(objs, pace.DOTokenPCD)
		if !ok {
			return swResp(apdu.SWWrongData)
		}
		want := pace.TokenIn(p.suite.Cipher, p.ksMAC, p.info.Protocol, d, p.ephPub)
		if subtle.ConstantTimeCompare(tok.Value, want) != 1 {
			return swResp(apdu.SWAuthFailed)
		}
		out := ber.EncodeTLV(pace.DOTokenIC, pace.TokenIn(p.suite.Cipher, p.ksMAC, p.info.Protocol, d, p.pcdEph))
		if p.suite.Mapping == pace.MappingCAM {
			enc, err := pace.EncryptCAData(p.suite.Cipher, p.ksEnc, p.caIC)
			if err != nil {
				return swResp(apdu.SWNoPreciseDiagnosis)
			}
			out = ber.AppendTLV(out, pace.DOEncCAData, enc)
		}
		p.step = 5
		return apdu.Response{Data: ber.EncodeTLV(pace.DODynamicAuth, out), SW: apdu.SWOK}
	}
	return swResp(apdu.SWConditionsNotSatisfied)
}

// mappingKey draws the chip's mapping key. For PACE-CAM it also computes
// CA_IC = SK_IC⁻¹ · SK_map,IC mod n, so that PK_map,IC = CA_IC · PK_IC.
func (c *Chip) mappingKey(p *chipPACE) error {
	d := p.dom
	sk, err := ec.RandScalar(c.rand, d.Order())
	if err != nil {
		return err
	}
	p.mapSK, p.mapPK = sk, d.Exp(d.Generator(), sk)
	if p.suite.Mapping != pace.MappingCAM {
		return nil
	}
	n := d.Order()
	inv := new(big.Int).ModInverse(c.camKey().D, n)
	ca := new(big.Int).Mul(inv, sk)
	p.caIC = ca.Mod(ca, n).FillBytes(make([]byte, (n.BitLen()+7)/8))
	return nil
}

// camKey is the key PACE-CAM proves.
func (c *Chip) camKey() *ec.PrivateKey {
	if c.cfg.CAMKey != nil {
		return c.cfg.CAMKey
	}
	return c.cfg.CAKey
}

// caSetAT selects Chip Authentication with AES (the key follows in
// GENERAL AUTHENTICATE): id-CA-ECDH-AES-* with CAKey, id-CA-DH-AES-* with CADHKey.
func (c *Chip) caSetAT(objs []ber.TLV) apdu.Response {
	if c.cfg.CAKey == nil && c.cfg.CADHKey == nil {
		return swResp(apdu.SWFunctionNotSupported)
	}
	if c.sm == nil || !c.access {
		return swResp(apdu.SWSecurityStatus)
	}
	proto, ok := ber.FindTLV(objs, 0x80)
	if !ok {
		return swResp(apdu.SWWrongData)
	}
	protocols := [][]int{oids.CAECDHAES128, oids.CAECDHAES192, oids.CAECDHAES256}
	if c.cfg.CAKey == nil {
		protocols = [][]int{oids.CADHAES128, oids.CADHAES192, oids.CADHAES256}
	}
	for i, oid := range protocols {
		if bytes.Equal(ber.OIDContent(oid), proto.Value) {
			c.caProtocol, c.caCipher = proto.Value, []sm.Cipher{sm.CipherAES128, sm.CipherAES192, sm.CipherAES256}[i]
			return swResp(apdu.SWOK)
		}
	}
	return swResp(apdu.SWReferencedDataNotFound)
}

// caSetKAT runs Chip Authentication with 3DES at once: the terminal's key is
// in the command, and secure messaging restarts after this answer.
func (c *Chip) caSetKAT(objs []ber.TLV) (apdu.Response, func()) {
	if c.cfg.CAKey == nil && c.cfg.CADHKey == nil {
		return swResp(apdu.SWFunctionNotSupported), nil
	}
	if c.sm == nil || !c.access {
		return swResp(apdu.SWSecurityStatus), nil
	}
	pk, ok := ber.FindTLV(objs, 0x91)
	if !ok {
		return swResp(apdu.SWWrongData), nil
	}
	return c.caAgree(pk.Value, sm.Cipher3DES, apdu.Response{SW: apdu.SWOK})
}

func (c *Chip) caGeneralAuthenticate(cmd apdu.Command, objs []ber.TLV) (apdu.Response, func()) {
	c.caProtocol = nil
	if cmd.CLA&0x10 != 0 {
		return swResp(apdu.SWConditionsNotSatisfied), nil
	}
	pk, ok := ber.FindTLV(objs, 0x80)
	if !ok {
		return swResp(apdu.SWWrongData), nil
	}
	return c.caAgree(pk.Value, c.caCipher, apdu.Response{Data: ber.EncodeTLV(pace.DODynamicAuth, nil), SW: apdu.SWOK})
}

// caAgree computes the CA shared secret with the chip's key (ECDH, else DH)
// and schedules the restart of secure messaging with the new keys once ok
// has been sent under the old ones.
func (c *Chip) caAgree(pcdKey []byte, alg sm.Cipher, ok apdu.Response) (apdu.Response, func()) {
	var shared []byte
	if c.cfg.CAKey != nil {
		pt, err := c.cfg.CAKey.Curve.Unmarshal(pcdKey)
		if err != nil {
			return swResp(apdu.SWWrongData), nil
		}
		if shared, err = c.cfg.CAKey.ECDH(pt); err != nil {
			return swResp(apdu.SWWrongData), nil
		}
	} else {
		y, err := c.cfg.CADHKey.Group.Decode(pcdKey)
		if err != nil {
			return swResp(apdu.SWWrongData), nil
		}
		if shared, err = c.cfg.CADHKey.SharedSecret(y); err != nil {
			return swResp(apdu.SWWrongData), nil
		}
	}
	sc, err := sm.NewChannel(alg, sm.KDF(shared, sm.KDFEnc, alg), sm.KDF(shared, sm.KDFMAC, alg), make([]byte, sm.BlockSizeOf(alg)))
	if err != nil {
		return swResp(apdu.SWNoPreciseDiagnosis), nil
	}
	return ok, func() { c.sm = sc }
}

// doInternalAuthenticate is the chip side of Active Authentication.
func (c *Chip) doInternalAuthenticate(cmd apdu.Command) apdu.Response {
	if c.cfg.AAKey == nil {
		return swResp(apdu.SWINSNotSupported)
	}
	if c.sm == nil || !c.access {
		return swResp(apdu.SWSecurityStatus)
	}
	if len(cmd.Data) != passport.MinChallengeLength {
		return swResp(apdu.SWWrongData)
	}
	sig, err := SignActive(c.rand, c.cfg.AAKey, cmd.Data, c.cfg.AAOptions)
	if err != nil {
		return swResp(apdu.SWNoPreciseDiagnosis)
	}
	return apdu.Response{Data: sig, SW: apdu.SWOK}
}

// Config returns the chip's live configuration, so a test can change what
// the chip holds or knows (its CAN, its keys) between two reads.
func (c *Chip) Config() *ChipConfig { return &c.cfg }

// Opened reports whether BAC or PACE has succeeded in the chip's current
// session, so a fuzz test can prove no script opens it without the password.
func (c *Chip) Opened() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.access
}
