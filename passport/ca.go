package passport

import (
	"context"
	"errors"
	"fmt"

	"github.com/go-mitid/mitid/passport/internal/apdu"
	"github.com/go-mitid/mitid/passport/internal/ber"
	"github.com/go-mitid/mitid/passport/internal/pace"
	"github.com/go-mitid/mitid/passport/internal/sm"
)

// ErrChipAuthenticationFailed reports a Chip Authentication that did not
// complete: the chip refused the key agreement, or the restarted secure
// messaging did not verify (so the chip does not hold the DG14 key).
var ErrChipAuthenticationFailed = errors.New("passport: chip authentication failed")

// ChipAuthenticate runs Chip Authentication version 1 (ICAO 9303 Part 11
// §6.2) with ECDH or finite-field DH: an ephemeral key agreement with the
// chip's static key from DG14, after which secure messaging restarts with
// keys derived from the shared secret and a zero SSC. A chip that answers
// correctly under the new keys proves it holds the private key, so the chip
// is genuine (not a copy) provided Passive Authentication vouched for DG14.
//
// For 3DES protocols the key is sent with MSE:Set KAT; for AES with
// MSE:Set AT and GENERAL AUTHENTICATE. The session must already be
// protected (BAC or PACE) and the eMRTD application selected. The restart
// is confirmed with one protected SELECT of EF.COM.
func (s *session) ChipAuthenticate(ctx context.Context, info ChipAuthenticationInfo, key ChipAuthenticationPublicKeyInfo) error {
	if s.sm == nil {
		return fmt.Errorf("%w: needs secure messaging (BAC or PACE) first", ErrChipAuthenticationFailed)
	}
	if !hasPrefix(info.Protocol, oidCA, 2) || (info.Protocol[9] != 1 && info.Protocol[9] != 2) {
		return fmt.Errorf("%w: %s is not Chip Authentication with DH or ECDH", pace.ErrUnsupported, info.Protocol)
	}
	alg, err := pace.CipherFromArc(info.Protocol[10])
	if err != nil {
		return err
	}
	pub, shared, err := s.caAgreement(info, key)
	if err != nil {
		return err
	}
	var keyRef []byte
	if key.HasKeyID || info.HasKeyID {
		id := key.KeyID
		if !key.HasKeyID {
			id = info.KeyID
		}
		keyRef = ber.EncodeTLV(0x84, intBytes(id))
	}
	if alg == sm.Cipher3DES {
		data := append(ber.EncodeTLV(0x91, pub), keyRef...)
		if _, err := s.transmitOK(ctx, apdu.Command{INS: apdu.INSMSE, P1: 0x41, P2: 0xA6, Data: data}); err != nil {
			return fmt.Errorf("%w: MSE:Set KAT: %w", ErrChipAuthenticationFailed, err)
		}
	} else {
		data := append(ber.EncodeTLV(0x80, ber.OIDContent(info.Protocol)), keyRef...)
		if _, err := s.transmitOK(ctx, apdu.Command{INS: apdu.INSMSE, P1: 0x41, P2: 0xA4, Data: data}); err != nil {
			return fmt.Errorf("%w: MSE:Set AT: %w", ErrChipAuthenticationFailed, err)
		}
		if _, err := s.generalAuthenticateObjects(ctx, ber.EncodeTLV(0x80, pub), true); err != nil {
			return fmt.Errorf("%w: GENERAL AUTHENTICATE: %w", ErrChipAuthenticationFailed, err)
		}
	}
	sc, err := sm.NewChannel(alg, sm.KDF(shared, sm.KDFEnc, alg), sm.KDF(shared, sm.KDFMAC, alg), make([]byte, sm.BlockSizeOf(alg)))
	if err != nil {
		return err
	}
	s.startSM(sc)
	if _, err := s.transmitOK(ctx, apdu.SelectFile(efCOM)); err != nil {
		return fmt.Errorf("%w: the chip did not answer under the new keys: %w", ErrChipAuthenticationFailed, err)
	}
	return nil
}

// caAgreement draws the terminal's ephemeral key in the chip key's domain
// and returns its encoding and the shared secret.
func (s *session) caAgreement(info ChipAuthenticationInfo, key ChipAuthenticationPublicKeyInfo) ([]byte, []byte, error) {
	if info.Protocol[9] == 1 {
		if key.DHPublicKey == nil {
			return nil, nil, fmt.Errorf("%w: %s needs a DH chip authentication key", ErrChipAuthenticationFailed, info)
		}
		eph, err := key.DHPublicKey.Group.GenerateKey(s.rand)
		if err != nil {
			return nil, nil, err
		}
		shared, err := eph.SharedSecret(key.DHPublicKey.Y)
		if err != nil {
			return nil, nil, fmt.Errorf("%w: %w", ErrChipAuthenticationFailed, err)
		}
		return eph.Bytes(), shared, nil
	}
	if key.PublicKey == nil {
		return nil, nil, fmt.Errorf("%w: %s needs an ECDH chip authentication key", ErrChipAuthenticationFailed, info)
	}
	eph, err := key.PublicKey.Curve.GenerateKey(s.rand)
	if err != nil {
		return nil, nil, err
	}
	shared, err := eph.ECDH(key.PublicKey.Point)
	if err != nil {
		return nil, nil, fmt.Errorf("%w: %w", ErrChipAuthenticationFailed, err)
	}
	return key.PublicKey.Curve.Marshal(eph.Point), shared, nil
}

// intBytes encodes a non-negative key identifier as a minimal big-endian
// unsigned integer (at least one byte).
func intBytes(v int) []byte {
	var b []byte
	for ; v > 0; v >>= 8 {
		b = append([]byte{byte(v)}, b...)
	}
	if len(b) == 0 {
		b = []byte{0}
	}
	return b
}
