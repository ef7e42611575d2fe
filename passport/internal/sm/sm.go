package sm

import (
	"crypto/cipher"
	"crypto/subtle"
	"encoding/binary"
	"errors"
	"fmt"

	"github.com/go-mitid/mitid/passport/internal/apdu"
	"github.com/go-mitid/mitid/passport/internal/ber"
)

// ErrSecureMessaging reports a secure-messaging failure: a response whose
// MAC does not verify, missing or malformed data objects, bad padding, or an
// answer the chip sent unprotected. A chip ends its secure session on such
// errors, so the Session does too; open a new one (BAC/PACE) to continue.
var ErrSecureMessaging = errors.New("passport: secure messaging failed")

// Secure-messaging data objects of ICAO 9303 Part 11 §9.8.
const (
	DOCryptogramOdd ber.Tag = 0x85 // cryptogram, odd INS (no padding-content indicator)
	DOCryptogram    ber.Tag = 0x87 // padding-content indicator ‖ cryptogram
	DOLe            ber.Tag = 0x97 // protected Le
	DOStatus        ber.Tag = 0x99 // protected status word
	DOMAC           ber.Tag = 0x8E // cryptographic checksum
)

// Channel holds the session keys and send sequence counter of one
// secure-messaging session (3DES per §9.8.6.1 or AES per §9.8.6.2). The same
// type serves the terminal (protectCommand/unprotectResponse) and the
// virtual chip (unprotectCommand/protectResponse): both sides increment the
// SSC once per command and once per response.
type Channel struct {
	alg    Cipher
	enc    cipher.Block
	macKey []byte       // 3DES: Ka ‖ Kb of the retail MAC
	mac    cipher.Block // AES: the CMAC cipher
	SSC    []byte       // the send sequence counter, big-endian, one block long
}

// NewChannel starts a channel with session keys KS_enc, KS_MAC and the
// initial send sequence counter ssc (one block).
func NewChannel(alg Cipher, ksEnc, ksMAC, ssc []byte) (*Channel, error) {
	enc, err := NewBlockCipher(alg, ksEnc)
	if err != nil {
		return nil, err
	}
	sc := &Channel{alg: alg, enc: enc, SSC: append([]byte(nil), ssc...)}
	if len(sc.SSC) != enc.BlockSize() {
		return nil, fmt.Errorf("passport: SSC of %d bytes for a %d-byte block cipher", len(ssc), enc.BlockSize())
	}
	if alg == Cipher3DES {
		sc.macKey = append([]byte(nil), ksMAC...)
	} else if sc.mac, err = NewBlockCipher(alg, ksMAC); err != nil {
		return nil, err
	}
	return sc, nil
}

// BlockSize is the block size of the channel's cipher.
func (sc *Channel) BlockSize() int { return sc.enc.BlockSize() }

// IncSSC adds one to the big-endian send sequence counter.
func (sc *Channel) IncSSC() {
	for i := len(sc.SSC) - 1; i >= 0; i-- {
		sc.SSC[i]++
		if sc.SSC[i] != 0 {
			return
		}
	}
}

// checksum is the 8-byte MAC over Pad(SSC ‖ data).
func (sc *Channel) checksum(data []byte) []byte {
	n := make([]byte, 0, len(sc.SSC)+len(data))
	n = Pad(append(append(n, sc.SSC...), data...), sc.BlockSize())
	if sc.alg == Cipher3DES {
		m, _ := RetailMAC(sc.macKey, n) // key length and padding are fixed above
		return m
	}
	return CMAC(sc.mac, n)[:8]
}

// iv is zero for 3DES and E(KS_enc, SSC) for AES (§9.8.6.2).
func (sc *Channel) iv() []byte {
	iv := make([]byte, sc.BlockSize())
	if sc.alg != Cipher3DES {
		sc.enc.Encrypt(iv, sc.SSC)
	}
	return iv
}

func (sc *Channel) encrypt(plain []byte) []byte {
	p := Pad(plain, sc.BlockSize())
	cipher.NewCBCEncrypter(sc.enc, sc.iv()).CryptBlocks(p, p)
	return p
}

func (sc *Channel) decrypt(ct []byte) ([]byte, error) {
	if len(ct) == 0 || len(ct)%sc.BlockSize() != 0 {
		return nil, fmt.Errorf("%w: cryptogram of %d bytes is not whole %s blocks", ErrSecureMessaging, len(ct), sc.alg)
	}
	p := make([]byte, len(ct))
	cipher.NewCBCDecrypter(sc.enc, sc.iv()).CryptBlocks(p, ct)
	out, err := Unpad(p)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrSecureMessaging, err)
	}
	return out, nil
}

// encodeLe encodes Ne for DO'97': one byte up to 256 (256 as 00), two bytes
// beyond (65536 as 0000).
func encodeLe(ne int) []byte {
	if ne <= apdu.MaxShortNe {
		return []byte{byte(ne)} //nolint:gosec // G115: 0 < Ne ≤ 256 here (ProtectCommand checks the range); 256 encodes as 00
	}
	return []byte{byte(ne >> 8), byte(ne)} //nolint:gosec // G115: 256 < Ne ≤ 65536 (ProtectCommand checks the range); 65536 encodes as 0000
}

func decodeLe(b []byte) (int, error) {
	switch len(b) {
	case 1:
		return apdu.ShortNe(b[0]), nil
	case 2:
		return apdu.ExtendedNe(b), nil
	}
	return 0, fmt.Errorf("%w: protected Le of %d bytes", ErrSecureMessaging, len(b))
}

// ProtectCommand wraps a plain command (terminal side, §9.8.4).
func (sc *Channel) ProtectCommand(c apdu.Command) (apdu.Command, error) {
	if c.CLA&0x0C != 0 {
		return apdu.Command{}, fmt.Errorf("passport: command CLA %02X already signals secure messaging", c.CLA)
	}
	if c.Ne < 0 || c.Ne > apdu.MaxExtendedNe {
		return apdu.Command{}, fmt.Errorf("%w: Ne %d outside 0..%d", apdu.ErrMalformedAPDU, c.Ne, apdu.MaxExtendedNe)
	}
	sc.IncSSC()
	hdr := []byte{c.CLA | 0x0C, c.INS, c.P1, c.P2}
	var dos []byte
	if len(c.Data) > 0 {
		ct := sc.encrypt(c.Data)
		if c.INS&1 == 1 {
			dos = ber.AppendTLV(dos, DOCryptogramOdd, ct)
		} else {
			dos = ber.AppendTLV(dos, DOCryptogram, append([]byte{0x01}, ct...))
		}
	}
	if c.Ne > 0 {
		dos = ber.AppendTLV(dos, DOLe, encodeLe(c.Ne))
	}
	cc := sc.checksum(append(Pad(hdr, sc.BlockSize()), dos...))
	dos = ber.AppendTLV(dos, DOMAC, cc)
	out := apdu.Command{CLA: hdr[0], INS: c.INS, P1: c.P1, P2: c.P2, Data: dos, Ne: apdu.MaxShortNe}
	if c.Extended() || len(dos) > apdu.MaxShortLc {
		out.Ne = apdu.MaxExtendedNe
	}
	return out, nil
}

// splitProtected parses the data objects of a protected message: an optional
// cryptogram (85 or 87), optional 97 or 99, and the checksum 8E last. It
// returns the objects and the bytes the checksum covers.
func splitProtected(b []byte, allowed ...ber.Tag) (objs map[ber.Tag][]byte, macInput, cc []byte, err error) {
	objs = map[ber.Tag][]byte{}
	rest := b
	for len(rest) > 0 {
		start := len(b) - len(rest)
		t, next, err := ber.ParseTLV(rest)
		if err != nil {
			return nil, nil, nil, fmt.Errorf("%w: %w", ErrSecureMessaging, err)
		}
		if t.Tag == DOMAC {
			if len(next) != 0 {
				return nil, nil, nil, fmt.Errorf("%w: data after the checksum", ErrSecureMessaging)
			}
			if len(t.Value) != 8 {
				return nil, nil, nil, fmt.Errorf("%w: checksum of %d bytes", ErrSecureMessaging, len(t.Value))
			}
			return objs, b[:start], t.Value, nil
		}
		ok := false
		for _, a := range allowed {
			ok = ok || a == t.Tag
		}
		if !ok {
			return nil, nil, nil, fmt.Errorf("%w: unexpected data object %s", ErrSecureMessaging, t.Tag)
		}
		if _, dup := objs[t.Tag]; dup {
			return nil, nil, nil, fmt.Errorf("%w: data object %s twice", ErrSecureMessaging, t.Tag)
		}
		objs[t.Tag] = t.Value
		rest = next
	}
	return nil, nil, nil, fmt.Errorf("%w: no checksum (8E)", ErrSecureMessaging)
}

// DecryptObjects extracts the plaintext from DO'85' or DO'87'.
func (sc *Channel) DecryptObjects(objs map[ber.Tag][]byte) ([]byte, error) {
	odd, hasOdd := objs[DOCryptogramOdd]
	even, hasEven := objs[DOCryptogram]
	switch {
	case hasOdd && hasEven:
		return nil, fmt.Errorf("%w: both 85 and 87 present", ErrSecureMessaging)
	case hasOdd:
		return sc.decrypt(odd)
	case hasEven:
		if len(even) < 1 || even[0] != 0x01 {
			return nil, fmt.Errorf("%w: DO'87' lacks padding indicator 01", ErrSecureMessaging)
		}
		return sc.decrypt(even[1:])
	}
	return nil, nil
}

// UnprotectResponse verifies and decrypts a protected response (terminal side).
func (sc *Channel) UnprotectResponse(raw []byte) (apdu.Response, error) {
	r, err := apdu.ParseResponse(raw)
	if err != nil {
		return apdu.Response{}, err
	}
	sc.IncSSC()
	if len(r.Data) == 0 {
		return apdu.Response{}, fmt.Errorf("%w: the chip answered without secure messaging: %w", ErrSecureMessaging, &apdu.StatusError{SW: r.SW})
	}
	objs, macInput, cc, err := splitProtected(r.Data, DOCryptogram, DOCryptogramOdd, DOStatus)
	if err != nil {
		return apdu.Response{}, err
	}
	if subtle.ConstantTimeCompare(sc.checksum(macInput), cc) != 1 {
		return apdu.Response{}, fmt.Errorf("%w: response MAC does not verify", ErrSecureMessaging)
	}
	sw, ok := objs[DOStatus]
	if !ok || len(sw) != 2 {
		return apdu.Response{}, fmt.Errorf("%w: response lacks a protected status word (99)", ErrSecureMessaging)
	}
	data, err := sc.DecryptObjects(objs)
	if err != nil {
		return apdu.Response{}, err
	}
	return apdu.Response{Data: data, SW: uint16(sw[0])<<8 | uint16(sw[1])}, nil
}

// UnprotectCommand verifies and decrypts a protected command (chip side).
func (sc *Channel) UnprotectCommand(c apdu.Command) (apdu.Command, error) {
	if c.CLA&0x0C != 0x0C {
		return apdu.Command{}, fmt.Errorf("%w: plain command during secure messaging", ErrSecureMessaging)
	}
	sc.IncSSC()
	objs, dos, cc, err := splitProtected(c.Data, DOCryptogram, DOCryptogramOdd, DOLe)
	if err != nil {
		return apdu.Command{}, err
	}
	hdr := Pad([]byte{c.CLA, c.INS, c.P1, c.P2}, sc.BlockSize())
	if subtle.ConstantTimeCompare(sc.checksum(append(hdr, dos...)), cc) != 1 {
		return apdu.Command{}, fmt.Errorf("%w: command MAC does not verify", ErrSecureMessaging)
	}
	data, err := sc.DecryptObjects(objs)
	if err != nil {
		return apdu.Command{}, err
	}
	out := apdu.Command{CLA: c.CLA &^ 0x0C, INS: c.INS, P1: c.P1, P2: c.P2, Data: data}
	if le, ok := objs[DOLe]; ok {
		if out.Ne, err = decodeLe(le); err != nil {
			return apdu.Command{}, err
		}
	}
	return out, nil
}

// ProtectResponse wraps a response (chip side). Data answering an odd
// instruction travels in DO'85', anything else in DO'87'.
func (sc *Channel) ProtectResponse(r apdu.Response, oddINS bool) []byte {
	sc.IncSSC()
	var dos []byte
	if len(r.Data) > 0 {
		ct := sc.encrypt(r.Data)
		if oddINS {
			dos = ber.AppendTLV(dos, DOCryptogramOdd, ct)
		} else {
			dos = ber.AppendTLV(dos, DOCryptogram, append([]byte{0x01}, ct...))
		}
	}
	dos = ber.AppendTLV(dos, DOStatus, binary.BigEndian.AppendUint16(nil, r.SW))
	dos = ber.AppendTLV(dos, DOMAC, sc.checksum(dos))
	return apdu.Response{Data: dos, SW: r.SW}.Bytes()
}

// Cipher is the block cipher the channel protects with.
func (sc *Channel) Cipher() Cipher { return sc.alg }

// EncryptionBlock is the block cipher keyed with KS_enc; tests compare it
// with the session keys of the worked examples.
func (sc *Channel) EncryptionBlock() cipher.Block { return sc.enc }

// RetailMACKey is Ka ‖ Kb of the 3DES retail MAC (nil for AES); tests
// compare it with the session keys of the worked examples.
func (sc *Channel) RetailMACKey() []byte { return sc.macKey }
