package chip

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/sha256"
	"crypto/x509"
	"encoding/binary"
	"errors"
	"fmt"
)

// The FIDO U2F raw message formats (FIDO U2F Raw Message Formats v1.2, §4.3
// and §5.4): what a U2F chip such as the MitID chip answers over USB HID,
// NFC (ISO 14443) or Bluetooth. Browsers translate these messages into
// WebAuthn "fido-u2f" attestation and assertion responses (as package
// chiptest's Simulator does), and LegacyCredential imports a credential from one.

// ErrInvalidU2FMessage means a raw U2F message is truncated or malformed.
var ErrInvalidU2FMessage = errors.New("chip: malformed U2F message")

const (
	u2fRegisterReserved = 0x05 // first byte of every registration response
	u2fUserPresent      = 0x01 // user-presence byte of an authentication response
)

// U2FRegistration is a parsed U2F registration response message:
// 0x05 || user public key (65) || key handle length (1) || key handle ||
// attestation certificate (DER) || signature (DER ECDSA).
type U2FRegistration struct {
	PublicKey       []byte // uncompressed P-256 point, 65 bytes, validated on the curve
	KeyHandle       []byte // 1 to 255 bytes; becomes the WebAuthn credential ID
	AttestationCert []byte // DER X.509 certificate of the attestation key
	Signature       []byte // attestation signature, DER ECDSA
}

// ParseU2FRegistration parses a raw U2F registration response message. It
// checks the structure and that the public key is a P-256 point; it does not
// check the signature (see VerifySignature). The returned slices alias msg.
func ParseU2FRegistration(msg []byte) (U2FRegistration, error) {
	var r U2FRegistration
	if len(msg) < 1+p256PointLen+1 {
		return r, fmt.Errorf("%w: registration response is %d bytes, too short", ErrInvalidU2FMessage, len(msg))
	}
	if msg[0] != u2fRegisterReserved {
		return r, fmt.Errorf("%w: registration response starts with 0x%02x, want 0x05", ErrInvalidU2FMessage, msg[0])
	}
	rest := msg[1:]
	r.PublicKey, rest = rest[:p256PointLen], rest[p256PointLen:]
	if _, err := ecdsa.ParseUncompressedPublicKey(elliptic.P256(), r.PublicKey); err != nil {
		return U2FRegistration{}, fmt.Errorf("%w: user public key is not a P-256 point: %w", ErrInvalidU2FMessage, err)
	}
	khLen := int(rest[0])
	rest = rest[1:]
	if khLen == 0 || len(rest) < khLen {
		return U2FRegistration{}, fmt.Errorf("%w: key handle length %d, %d bytes left", ErrInvalidU2FMessage, khLen, len(rest))
	}
	r.KeyHandle, rest = rest[:khLen], rest[khLen:]
	certLen, err := derSequenceLen(rest)
	if err != nil {
		return U2FRegistration{}, fmt.Errorf("%w: attestation certificate: %w", ErrInvalidU2FMessage, err)
	}
	r.AttestationCert, r.Signature = rest[:certLen], rest[certLen:]
	if len(r.Signature) == 0 {
		return U2FRegistration{}, fmt.Errorf("%w: signature missing", ErrInvalidU2FMessage)
	}
	return r, nil
}

// derSequenceLen returns the total length (header included) of the DER
// SEQUENCE at the start of b. U2F gives the certificate no length prefix, so
// its own DER header is the only way to find where the signature begins.
func derSequenceLen(b []byte) (int, error) {
	if len(b) < 2 || b[0] != 0x30 {
		return 0, errors.New("not a DER SEQUENCE")
	}
	n, hdr := int(b[1]), 2
	if n&0x80 != 0 {
		octets := n & 0x7f
		// A certificate longer than 16 MiB is not an attestation certificate.
		if octets == 0 || octets > 3 || len(b) < 2+octets {
			return 0, errors.New("bad DER length")
		}
		n = 0
		for _, c := range b[2 : 2+octets] {
			n = n<<8 | int(c)
		}
		hdr += octets
	}
	if n > len(b)-hdr {
		return 0, fmt.Errorf("DER length %d exceeds the %d bytes left", n, len(b)-hdr)
	}
	return hdr + n, nil
}

// VerifySignature checks the attestation signature of the registration over
// 0x00 || appParam || challengeParam || keyHandle || publicKey with the key
// of the attestation certificate. appParam is SHA-256 of the AppID (or RP
// ID) and challengeParam SHA-256 of the client data. It does not judge
// whether the certificate is trustworthy.
func (r U2FRegistration) VerifySignature(appParam, challengeParam [32]byte) error {
	cert, err := x509.ParseCertificate(r.AttestationCert)
	if err != nil {
		return fmt.Errorf("%w: attestation certificate: %w", ErrAttestation, err)
	}
	key, ok := cert.PublicKey.(*ecdsa.PublicKey)
	if !ok || key.Curve != elliptic.P256() {
		return fmt.Errorf("%w: attestation certificate key is not ECDSA P-256", ErrAttestation)
	}
	digest := sha256.Sum256(u2fRegistrationSignedData(appParam[:], challengeParam[:], r.KeyHandle, r.PublicKey))
	if !ecdsa.VerifyASN1(key, digest[:], r.Signature) {
		return fmt.Errorf("%w: U2F registration signature", ErrBadSignature)
	}
	return nil
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

// U2FAuthentication is a parsed U2F authentication response message:
// user presence (1) || counter (4, big endian) || signature (DER ECDSA).
type U2FAuthentication struct {
	UserPresent bool
	Counter     uint32
	Signature   []byte
}

// ParseU2FAuthentication parses a raw U2F authentication response message.
// The signature slice aliases msg.
func ParseU2FAuthentication(msg []byte) (U2FAuthentication, error) {
	if len(msg) < 1+4+1 {
		return U2FAuthentication{}, fmt.Errorf("%w: authentication response is %d bytes, too short", ErrInvalidU2FMessage, len(msg))
	}
	if msg[0]&^u2fUserPresent != 0 {
		return U2FAuthentication{}, fmt.Errorf("%w: user presence byte 0x%02x has reserved bits set", ErrInvalidU2FMessage, msg[0])
	}
	return U2FAuthentication{
		UserPresent: msg[0] == u2fUserPresent,
		Counter:     binary.BigEndian.Uint32(msg[1:5]),
		Signature:   msg[5:],
	}, nil
}

// u2fAuthenticationSignedData is what a U2F chip signs with the credential
// key: appParam || user presence || counter || challengeParam. With appParam
// the RP ID hash this is byte for byte WebAuthn's authenticatorData ||
// clientDataHash, which is why a U2F chip works under WebAuthn unchanged.
func u2fAuthenticationSignedData(appParam []byte, userPresence byte, counter uint32, challengeParam []byte) []byte {
	b := make([]byte, 0, 32+1+4+32)
	b = append(b, appParam...)
	b = append(b, userPresence)
	b = binary.BigEndian.AppendUint32(b, counter)
	return append(b, challengeParam...)
}
