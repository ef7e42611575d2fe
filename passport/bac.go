package passport

import (
	"bytes"
	"context"
	"crypto/cipher"
	"crypto/subtle"
	"fmt"
	"io"

	"github.com/go-mitid/mitid/passport/internal/apdu"
	"github.com/go-mitid/mitid/passport/internal/sm"
)

// bacExchange holds the terminal's values of one BAC run (Part 11 §4.3).
type bacExchange struct {
	kEnc, kMAC []byte
	rndIC      []byte
	rndIFD     []byte
	kIFD       []byte
}

// BAC runs Basic Access Control (ICAO 9303 Part 11 §4.3) with the MRZ key
// and, on success, protects the session with 3DES secure messaging. The
// eMRTD application must already be selected. A wrong key typically ends in
// ErrAuthenticationFailed (6300) or ErrSecurityStatusNotSatisfied.
func (s *session) BAC(ctx context.Context, key BACKey) error {
	if err := key.valid(); err != nil {
		return err
	}
	seed := key.keySeed()
	x := &bacExchange{kEnc: sm.KDF(seed, sm.KDFEnc, sm.Cipher3DES), kMAC: sm.KDF(seed, sm.KDFMAC, sm.Cipher3DES)}
	s.sm, s.broken = nil, nil

	var err error
	if x.rndIC, err = s.transmitOK(ctx, apdu.Command{INS: apdu.INSGetChallenge, Ne: 8}); err != nil {
		return fmt.Errorf("passport: BAC GET CHALLENGE: %w", err)
	}
	if len(x.rndIC) != 8 {
		return fmt.Errorf("passport: BAC challenge of %d bytes, want 8", len(x.rndIC))
	}
	rnd := make([]byte, 24)
	if _, err := io.ReadFull(s.rand, rnd); err != nil {
		return fmt.Errorf("passport: BAC randomness: %w", err)
	}
	x.rndIFD, x.kIFD = rnd[:8], rnd[8:]
	cmdData, err := x.authenticationData()
	if err != nil {
		return err
	}
	resp, err := s.transmitOK(ctx, apdu.Command{INS: apdu.INSExternalAuthenticate, Data: cmdData, Ne: 40})
	if err != nil {
		return fmt.Errorf("passport: BAC EXTERNAL AUTHENTICATE: %w", err)
	}
	sc, err := x.finish(resp)
	if err != nil {
		return err
	}
	s.startSM(sc)
	return nil
}

// authenticationData is E.IFD ‖ M.IFD of §4.3.3.1.
func (x *bacExchange) authenticationData() ([]byte, error) {
	s := make([]byte, 0, 32)
	s = append(append(append(s, x.rndIFD...), x.rndIC...), x.kIFD...)
	enc, err := sm.NewBlockCipher(sm.Cipher3DES, x.kEnc)
	if err != nil {
		return nil, err
	}
	cipher.NewCBCEncrypter(enc, make([]byte, 8)).CryptBlocks(s, s) //nolint:gosec // G407: ICAO 9303 Part 11 §4.3 (BAC) mandates 3DES-CBC with a zero IV
	m, err := sm.RetailMAC(x.kMAC, sm.Pad(s, 8))
	if err != nil {
		return nil, err
	}
	return append(s, m...), nil
}

// finish checks the chip's answer E.IC ‖ M.IC and derives the session keys.
func (x *bacExchange) finish(resp []byte) (*sm.Channel, error) {
	if len(resp) != 40 {
		return nil, fmt.Errorf("passport: BAC answer of %d bytes, want 40", len(resp))
	}
	eIC, mIC := resp[:32], resp[32:]
	m, _ := sm.RetailMAC(x.kMAC, sm.Pad(eIC, 8))
	if subtle.ConstantTimeCompare(m, mIC) != 1 {
		return nil, fmt.Errorf("%w: BAC answer MAC does not verify", ErrAuthenticationFailed)
	}
	enc, _ := sm.NewBlockCipher(sm.Cipher3DES, x.kEnc)
	r := make([]byte, 32)
	cipher.NewCBCDecrypter(enc, make([]byte, 8)).CryptBlocks(r, eIC)
	if !bytes.Equal(r[:8], x.rndIC) || !bytes.Equal(r[8:16], x.rndIFD) {
		return nil, fmt.Errorf("%w: BAC answer does not echo the challenges", ErrAuthenticationFailed)
	}
	kIC := r[16:32]
	seed := make([]byte, 16)
	subtle.XORBytes(seed, x.kIFD, kIC)
	ssc := append(append([]byte(nil), x.rndIC[4:]...), x.rndIFD[4:]...)
	return sm.NewChannel(sm.Cipher3DES, sm.KDF(seed, sm.KDFEnc, sm.Cipher3DES), sm.KDF(seed, sm.KDFMAC, sm.Cipher3DES), ssc)
}
