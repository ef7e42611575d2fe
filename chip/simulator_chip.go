package chip

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
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
func (s *Simulator) u2fRegister(appParam, challengeParam [32]byte) ([]byte, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	key, err := s.newKey()
	if err != nil {
		return nil, err
	}
	nonce := make([]byte, s.aead.NonceSize())
	if _, err := io.ReadFull(s.rand, nonce); err != nil {
		return nil, fmt.Errorf("chip simulator: %w", err)
	}
	raw, err := key.Bytes()
	if err != nil {
		return nil, err
	}
	keyHandle := s.aead.Seal(nonce, nonce, raw, appParam[:])
	point, err := key.PublicKey.Bytes()
	if err != nil {
		return nil, err
	}
	digest := sha256.Sum256(u2fRegistrationSignedData(appParam[:], challengeParam[:], keyHandle, point))
	sig, err := ecdsa.SignASN1(s.rand, s.attKey, digest[:])
	if err != nil {
		return nil, err
	}
	msg := []byte{u2fRegisterReserved}
	msg = append(msg, point...)
	msg = append(msg, byte(len(keyHandle)))
	msg = append(msg, keyHandle...)
	msg = append(msg, s.attCert...)
	return append(msg, sig...), nil
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
	msg := []byte{presence, byte(s.counter >> 24), byte(s.counter >> 16), byte(s.counter >> 8), byte(s.counter)}
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
// SHA-256(clientData). Import the result with ParseU2FRegistration and
// LegacyCredential.
func (s *Simulator) RegisterU2F(appID string, clientData []byte) ([]byte, error) {
	return s.u2fRegister(sha256.Sum256([]byte(appID)), sha256.Sum256(clientData))
}
