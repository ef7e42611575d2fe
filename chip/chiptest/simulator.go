package chiptest

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/ecdsa"
	"crypto/elliptic"
	cryptorand "crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"errors"
	"fmt"
	"io"
	"math/big"
	"sync"
	"time"

	"github.com/go-mitid/mitid/chip/credential"
)

// Simulator is a software MitID chip together with the part of a browser
// that talks to it, so tests need no hardware. The chip half is a FIDO U2F
// device: a P-256 attestation key with a certificate issued by a small test
// CA (AttestationRoot), a global signature counter, and no per-credential
// storage: each credential's private key is sealed (AES-256-GCM) into its key
// handle and bound to the application parameter (the SHA-256 of the RP ID or
// AppID) it was registered under, exactly why a real U2F chip answers only
// for the site it was registered on. The browser half turns the raw U2F
// messages into the WebAuthn JSON a browser posts (a "fido-u2f" attestation,
// an assertion). All cryptography is real; go-webauthn verifies the output.
//
// A Simulator is safe for concurrent use.
type Simulator struct {
	mu      sync.Mutex
	rand    *lockedReader
	aead    cipher.AEAD
	attKey  *ecdsa.PrivateKey
	attCert []byte
	root    *x509.Certificate
	counter uint32
}

// NewSimulator makes a new chip, drawing every key and nonce from rand (a
// deterministic reader gives deterministic keys; nil means crypto/rand).
// ECDSA signatures use the runtime's own randomness since Go 1.26, so
// signature bytes still vary.
func NewSimulator(rand io.Reader) (*Simulator, error) {
	if rand == nil {
		rand = cryptorand.Reader
	}
	s := &Simulator{rand: &lockedReader{r: rand}}
	wrap := make([]byte, 32)
	if _, err := io.ReadFull(s.rand, wrap); err != nil {
		return nil, fmt.Errorf("chip simulator: %w", err)
	}
	block, err := aes.NewCipher(wrap)
	if err != nil {
		return nil, err
	}
	if s.aead, err = cipher.NewGCM(block); err != nil {
		return nil, err
	}
	caKey, err := s.newKey()
	if err != nil {
		return nil, err
	}
	if s.attKey, err = s.newKey(); err != nil {
		return nil, err
	}
	notBefore := time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)
	notAfter := time.Date(2100, 1, 1, 0, 0, 0, 0, time.UTC)
	caSerial, err := s.serial()
	if err != nil {
		return nil, err
	}
	attSerial, err := s.serial()
	if err != nil {
		return nil, err
	}
	caTmpl := &x509.Certificate{
		SerialNumber:          caSerial,
		Subject:               pkix.Name{CommonName: "go-mitid simulated chip attestation CA", Organization: []string{"go-mitid"}},
		NotBefore:             notBefore,
		NotAfter:              notAfter,
		IsCA:                  true,
		BasicConstraintsValid: true,
		KeyUsage:              x509.KeyUsageCertSign,
	}
	caDER, err := x509.CreateCertificate(s.rand, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	if err != nil {
		return nil, fmt.Errorf("chip simulator: CA certificate: %w", err)
	}
	if s.root, err = x509.ParseCertificate(caDER); err != nil {
		return nil, err
	}
	// The FIDO U2F certificate transports extension (id-fido-u2f-ce-transports):
	// the chip speaks Bluetooth LE, USB and NFC, bits 1, 2 and 3.
	oidFIDOTransports := asn1.ObjectIdentifier{1, 3, 6, 1, 4, 1, 45724, 2, 1, 1}
	transports, err := asn1.Marshal(asn1.BitString{Bytes: []byte{0x70}, BitLength: 4})
	if err != nil {
		return nil, err
	}
	attTmpl := &x509.Certificate{
		SerialNumber:          attSerial,
		Subject:               pkix.Name{CommonName: "go-mitid simulated MitID chip", Organization: []string{"go-mitid"}},
		NotBefore:             notBefore,
		NotAfter:              notAfter,
		BasicConstraintsValid: true,
		ExtraExtensions:       []pkix.Extension{{Id: oidFIDOTransports, Value: transports}},
	}
	if s.attCert, err = x509.CreateCertificate(s.rand, attTmpl, s.root, &s.attKey.PublicKey, caKey); err != nil {
		return nil, fmt.Errorf("chip simulator: attestation certificate: %w", err)
	}
	return s, nil
}

// newKey draws a P-256 private key from s.rand by rejection sampling, so the
// injected reader decides the key (ecdsa.GenerateKey ignores its reader).
func (s *Simulator) newKey() (*ecdsa.PrivateKey, error) {
	d := make([]byte, 32)
	for range 64 {
		if _, err := io.ReadFull(s.rand, d); err != nil {
			return nil, fmt.Errorf("chip simulator: %w", err)
		}
		if k, err := ecdsa.ParseRawPrivateKey(elliptic.P256(), d); err == nil {
			return k, nil
		}
	}
	return nil, errors.New("chip simulator: randomness source yields no valid P-256 scalar")
}

// serial draws a positive 127-bit certificate serial number.
func (s *Simulator) serial() (*big.Int, error) {
	b := make([]byte, 16)
	if _, err := io.ReadFull(s.rand, b); err != nil {
		return nil, fmt.Errorf("chip simulator: %w", err)
	}
	b[0] = b[0]&0x7f | 0x01
	return new(big.Int).SetBytes(b), nil
}

// AttestationRoot returns the CA that issued the chip's attestation
// certificate, for the verifier's attestation roots (chip.Config.AttestationRoots).
func (s *Simulator) AttestationRoot() *x509.Certificate { return s.root }

// AttestationCert returns the DER attestation certificate the chip sends
// with every registration, which a verifier stores as
// Credential.AttestationCert.
func (s *Simulator) AttestationCert() []byte { return bytes.Clone(s.attCert) }

// Counter returns the chip's global signature counter: the value its last
// assertion carried.
func (s *Simulator) Counter() uint32 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.counter
}

// SetCounter sets the counter; the next assertion carries n+1. Setting it to
// a value at or below one already used replays or rolls back the counter,
// as a cloned chip would.
func (s *Simulator) SetCounter(n uint32) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.counter = n
}

// Clone returns a second chip with the same keys and counter: a cloned chip.
// The two then count independently, so the first one to fall behind the
// other's counter is caught by the relying party.
func (s *Simulator) Clone() *Simulator {
	s.mu.Lock()
	defer s.mu.Unlock()
	return &Simulator{rand: s.rand, aead: s.aead, attKey: s.attKey, attCert: s.attCert, root: s.root, counter: s.counter}
}

// lockedReader serialises reads: a chip and its clones share one source.
type lockedReader struct {
	mu sync.Mutex
	r  io.Reader
}

func (l *lockedReader) Read(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.r.Read(p)
}

// SimOption changes how one simulated ceremony behaves.
type SimOption func(*simOptions)

type simOptions struct {
	transport    string
	noPresence   bool
	noClientRule bool
}

// WithTransport says how the chip is connected: credential.TransportUSB (the
// default), TransportNFC or TransportBLE. A registration reports it as the
// credential's transport, as browsers do for a U2F chip.
func WithTransport(t string) SimOption { return func(o *simOptions) { o.transport = t } }

// WithoutUserPresence simulates a button not pressed (or a chip not held to
// the reader) while a non-conforming client asks the chip to sign anyway (U2F
// control byte 0x08, "don't enforce user presence"), so the response carries
// UP=0. For a registration the client clears the flag itself: the fido-u2f
// attestation signature does not cover the flags. A relying party must
// refuse both.
func WithoutUserPresence() SimOption { return func(o *simOptions) { o.noPresence = true } }

// WithoutClientChecks makes the browser half skip its rule that the origin
// must be on the RP ID (a phishing proxy or a compromised browser). The chip
// half still binds every key to the RP ID or AppID it was registered under.
func WithoutClientChecks() SimOption { return func(o *simOptions) { o.noClientRule = true } }

func simOpts(opts []SimOption) simOptions {
	o := simOptions{transport: credential.TransportUSB}
	for _, f := range opts {
		f(&o)
	}
	return o
}
