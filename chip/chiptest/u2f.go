package chiptest

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"strings"
)

// The chip half of the Simulator: a FIDO U2F device answering raw U2F
// register and authenticate requests.

// U2F control bytes of an authentication request (FIDO U2F Raw Message
// Formats §5.1).
const (
	u2fEnforcePresence     = 0x03
	u2fCheckOnly           = 0x07
	u2fDontEnforcePresence = 0x08
)

var (
	errU2FWrongData    = errors.New("u2f: SW_WRONG_DATA (key handle not for this application)")
	errU2FConditionsNS = errors.New("u2f: SW_CONDITIONS_NOT_SATISFIED")
)

// u2fRegister performs a U2F registration: a new key, its key handle, and
// the registration response message signed with the attestation key.
// It returns the parts and the whole message.
func (s *Simulator) u2fRegister(appParam, challengeParam [32]byte) (u2fRegistration, []byte, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	key, err := s.newKey()
	if err != nil {
		return u2fRegistration{}, nil, err
	}
	nonce := make([]byte, s.aead.NonceSize())
	if _, err := io.ReadFull(s.rand, nonce); err != nil {
		return u2fRegistration{}, nil, fmt.Errorf("chip simulator: %w", err)
	}
	raw, err := key.Bytes()
	if err != nil {
		return u2fRegistration{}, nil, err
	}
	keyHandle := s.aead.Seal(nonce, nonce, raw, appParam[:])
	point, err := key.PublicKey.Bytes()
	if err != nil {
		return u2fRegistration{}, nil, err
	}
	digest := sha256.Sum256(u2fRegistrationSignedData(appParam[:], challengeParam[:], keyHandle, point))
	sig, err := ecdsa.SignASN1(s.rand, s.attKey, digest[:])
	if err != nil {
		return u2fRegistration{}, nil, err
	}
	msg := []byte{u2fRegisterReserved}
	msg = append(msg, point...)
	msg = append(msg, byte(len(keyHandle)))
	msg = append(msg, keyHandle...)
	msg = append(msg, s.attCert...)
	msg = append(msg, sig...)
	return u2fRegistration{PublicKey: point, KeyHandle: keyHandle, AttestationCert: s.attCert, Signature: sig}, msg, nil
}

// unwrap opens a key handle; it fails for a handle made by another chip or
// under another application parameter.
func (s *Simulator) unwrap(appParam [32]byte, keyHandle []byte) (*ecdsa.PrivateKey, error) {
	n := s.aead.NonceSize()
	if len(keyHandle) != n+32+s.aead.Overhead() {
		return nil, errU2FWrongData
	}
	raw, err := s.aead.Open(nil, keyHandle[:n], keyHandle[n:], appParam[:])
	if err != nil {
		return nil, errU2FWrongData
	}
	return ecdsa.ParseRawPrivateKey(elliptic.P256(), raw)
}

// u2fAuthenticate performs a U2F authentication with the given control byte
// and returns the authentication response message.
func (s *Simulator) u2fAuthenticate(control byte, appParam, challengeParam [32]byte, keyHandle []byte) ([]byte, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	key, err := s.unwrap(appParam, keyHandle)
	if err != nil {
		return nil, err
	}
	var presence byte
	switch control {
	case u2fCheckOnly:
		// "This key handle is mine": a real chip answers check-only so.
		return nil, errU2FConditionsNS
	case u2fEnforcePresence:
		presence = u2fUserPresent
	case u2fDontEnforcePresence:
	default:
		return nil, fmt.Errorf("u2f: unknown control byte 0x%02x", control)
	}
	s.counter++
	digest := sha256.Sum256(u2fAuthenticationSignedData(appParam[:], presence, s.counter, challengeParam[:]))
	sig, err := ecdsa.SignASN1(s.rand, key, digest[:])
	if err != nil {
		return nil, err
	}
	msg := binary.BigEndian.AppendUint32([]byte{presence}, s.counter)
	return append(msg, sig...), nil
}

// owns reports whether the chip made keyHandle under appParam (a U2F
// check-only request).
func (s *Simulator) owns(appParam [32]byte, keyHandle []byte) bool {
	_, err := s.u2fAuthenticate(u2fCheckOnly, appParam, [32]byte{}, keyHandle)
	return errors.Is(err, errU2FConditionsNS)
}

// RegisterU2F registers the chip through the pre-WebAuthn FIDO U2F API under
// appID: it returns the raw U2F registration response message for the
// application parameter SHA-256(appID) and the challenge parameter
// SHA-256(clientData). Import the result with chip.ParseU2FRegistration and
// chip.LegacyCredential.
func (s *Simulator) RegisterU2F(appID string, clientData []byte) ([]byte, error) {
	_, msg, err := s.u2fRegister(sha256.Sum256([]byte(appID)), sha256.Sum256(clientData))
	return msg, err
}

// The FIDO U2F raw message formats (FIDO U2F Raw Message Formats v1.2, §4.3
// and §5.4) and the CBOR (RFC 8949) and COSE (RFC 9053) a browser wraps them
// in, written here rather than shared with package chip so that the
// Simulator's encoders and the verifier's decoders are independent: a bug in
// one cannot be hidden by the same bug in the other.

const (
	u2fRegisterReserved = 0x05 // first byte of every registration response
	u2fUserPresent      = 0x01 // user-presence byte of an authentication response
)

// u2fRegistration holds the parts of a U2F registration response message.
type u2fRegistration struct {
	PublicKey       []byte // uncompressed P-256 point
	KeyHandle       []byte // becomes the WebAuthn credential ID
	AttestationCert []byte // DER X.509 certificate of the attestation key
	Signature       []byte // attestation signature, DER ECDSA
}

// u2fRegistrationSignedData is what a U2F chip signs with its attestation key.
func u2fRegistrationSignedData(appParam, challengeParam, keyHandle, publicKey []byte) []byte {
	b := make([]byte, 0, 1+32+32+len(keyHandle)+len(publicKey))
	b = append(b, 0x00)
	b = append(b, appParam...)
	b = append(b, challengeParam...)
	b = append(b, keyHandle...)
	return append(b, publicKey...)
}

// u2fAuthenticationSignedData is what a U2F chip signs with the credential
// key: appParam || user presence || counter || challengeParam, byte for byte
// WebAuthn's authenticatorData || clientDataHash when appParam is the RP ID
// hash.
func u2fAuthenticationSignedData(appParam []byte, userPresence byte, counter uint32, challengeParam []byte) []byte {
	b := make([]byte, 0, 32+1+4+32)
	b = append(b, appParam...)
	b = append(b, userPresence)
	b = binary.BigEndian.AppendUint32(b, counter)
	return append(b, challengeParam...)
}

// COSE identifiers (RFC 9053) of an ES256 P-256 key.
const (
	coseKeyTypeEC2 = 2
	coseAlgES256   = -7
	coseCurveP256  = 1
)

// coseFromPoint encodes an uncompressed P-256 point as a COSE_Key in CTAP2
// canonical form, as a browser does for a U2F chip's key.
func coseFromPoint(point []byte) ([]byte, error) {
	if _, err := ecdsa.ParseUncompressedPublicKey(elliptic.P256(), point); err != nil {
		return nil, fmt.Errorf("chip simulator: not an uncompressed P-256 point: %w", err)
	}
	var w cborWriter
	w.mapHeader(5)
	w.int(1) // kty
	w.int(coseKeyTypeEC2)
	w.int(3) // alg
	w.int(coseAlgES256)
	w.int(-1) // crv
	w.int(coseCurveP256)
	w.int(-2) // x
	w.bytes(point[1:33])
	w.int(-3) // y
	w.bytes(point[33:65])
	return w.b, nil
}

// cborWriter writes the small subset of CBOR that U2F-to-WebAuthn
// conversion needs. The caller writes map keys in CTAP2 canonical order
// itself (shorter encodings first, then bytewise).
type cborWriter struct {
	b []byte
}

const (
	cborUint   = 0 << 5
	cborNegInt = 1 << 5
	cborBytes  = 2 << 5
	cborText   = 3 << 5
	cborArray  = 4 << 5
	cborMap    = 5 << 5
)

// head writes a major type with its argument in the shortest form, as
// canonical CBOR requires.
func (w *cborWriter) head(major byte, n uint64) {
	switch {
	case n < 24:
		w.b = append(w.b, major|byte(n))
	case n <= 0xff:
		w.b = append(w.b, major|24, byte(n))
	case n <= 0xffff:
		w.b = append(w.b, major|25)
		w.b = binary.BigEndian.AppendUint16(w.b, uint16(n))
	case n <= 0xffffffff:
		w.b = append(w.b, major|26)
		w.b = binary.BigEndian.AppendUint32(w.b, uint32(n))
	default:
		w.b = append(w.b, major|27)
		w.b = binary.BigEndian.AppendUint64(w.b, n)
	}
}

func (w *cborWriter) int(v int64) {
	if v >= 0 {
		w.head(cborUint, uint64(v))
		return
	}
	// CBOR stores a negative integer n as -1-n, which cannot overflow.
	w.head(cborNegInt, uint64(-1-v))
}

func (w *cborWriter) bytes(p []byte) {
	w.head(cborBytes, uint64(len(p)))
	w.b = append(w.b, p...)
}

func (w *cborWriter) text(s string) {
	w.head(cborText, uint64(len(s)))
	w.b = append(w.b, s...)
}

func (w *cborWriter) array(n int) { w.head(cborArray, uint64(n)) }

func (w *cborWriter) mapHeader(n int) { w.head(cborMap, uint64(n)) }

// domainWithin reports whether host is domain or a subdomain of it, the
// browser's rule for which RP IDs an origin may use.
func domainWithin(host, domain string) bool {
	host, domain = strings.ToLower(host), strings.ToLower(domain)
	return host == domain || strings.HasSuffix(host, "."+domain)
}
