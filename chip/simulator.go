package chip

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/ecdsa"
	"crypto/elliptic"
	cryptorand "crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/big"
	"net/url"
	"strings"
	"sync"
	"time"
)

// Errors the Simulator returns where a browser would reject the call (they
// name the DOMException a browser would raise).
var (
	// ErrSimExcluded: the chip holds a credential in excludeCredentials
	// (InvalidStateError): it is already registered.
	ErrSimExcluded = errors.New("chip simulator: InvalidStateError: the chip is already registered")
	// ErrSimNoCredential: the chip holds none of the allowCredentials
	// (NotAllowedError): wrong chip, or a credential for another site.
	ErrSimNoCredential = errors.New("chip simulator: NotAllowedError: the chip does not hold any allowed credential")
	// ErrSimNotSupported: the options cannot be met by a FIDO U2F chip
	// (NotSupportedError), e.g. no ES256 in pubKeyCredParams.
	ErrSimNotSupported = errors.New("chip simulator: NotSupportedError")
	// ErrSimSecurity: the origin may not use the requested RP ID
	// (SecurityError).
	ErrSimSecurity = errors.New("chip simulator: SecurityError")
	// ErrSimBadOptions: the options JSON is malformed (TypeError).
	ErrSimBadOptions = errors.New("chip simulator: TypeError: malformed options")
)

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

// oidFIDOTransports is the FIDO U2F certificate transports extension
// (id-fido-u2f-ce-transports).
var oidFIDOTransports = asn1.ObjectIdentifier{1, 3, 6, 1, 4, 1, 45724, 2, 1, 1}

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
	// The chip speaks Bluetooth LE, USB and NFC: bits 1, 2 and 3.
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
// certificate, for Config.AttestationRoots.
func (s *Simulator) AttestationRoot() *x509.Certificate { return s.root }

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

// WithTransport says how the chip is connected: TransportUSB (the default),
// TransportNFC or TransportBLE. A registration reports it as the
// credential's transport, as browsers do for a U2F chip.
func WithTransport(t string) SimOption { return func(o *simOptions) { o.transport = t } }

// WithoutUserPresence: the button is not pressed (or the chip not held to the
// reader) and a non-conforming client asks the chip to sign anyway (U2F
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
	o := simOptions{transport: TransportUSB}
	for _, f := range opts {
		f(&o)
	}
	return o
}

// ---- the chip half: raw U2F ----

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

// ---- the browser half: WebAuthn JSON ----

type simDescriptor struct {
	Type string `json:"type"`
	ID   string `json:"id"`
}

type simCreationOptions struct {
	PublicKey *struct {
		RP struct {
			ID string `json:"id"`
		} `json:"rp"`
		Challenge string `json:"challenge"`
		Params    []struct {
			Type string `json:"type"`
			Alg  int    `json:"alg"`
		} `json:"pubKeyCredParams"`
		Exclude    []simDescriptor `json:"excludeCredentials"`
		Extensions struct {
			AppIDExclude string `json:"appidExclude"`
		} `json:"extensions"`
	} `json:"publicKey"`
}

type simRequestOptions struct {
	PublicKey *struct {
		RPID       string          `json:"rpId"`
		Challenge  string          `json:"challenge"`
		Allow      []simDescriptor `json:"allowCredentials"`
		Extensions struct {
			AppID string `json:"appid"`
		} `json:"extensions"`
	} `json:"publicKey"`
}

func b64(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }

func unb64(s string) ([]byte, error) {
	return base64.RawURLEncoding.DecodeString(strings.TrimRight(s, "="))
}

// clientRules applies the browser's rule for the RP ID: empty means the
// origin's host, otherwise the origin's host must be the RP ID or a
// subdomain of it.
func clientRules(origin, rpID string, o simOptions) (string, error) {
	u, err := url.Parse(origin)
	if err != nil || u.Host == "" {
		return "", fmt.Errorf("%w: origin %q", ErrSimSecurity, origin)
	}
	if rpID == "" {
		rpID = u.Hostname()
	}
	if !o.noClientRule && !domainWithin(u.Hostname(), rpID) {
		return "", fmt.Errorf("%w: origin %q may not use RP ID %q", ErrSimSecurity, origin, rpID)
	}
	return rpID, nil
}

func clientDataJSON(ceremony, challenge, origin string) []byte {
	cd, _ := json.Marshal(struct {
		Type        string `json:"type"`
		Challenge   string `json:"challenge"`
		Origin      string `json:"origin"`
		CrossOrigin bool   `json:"crossOrigin"`
	}{ceremony, challenge, origin, false})
	return cd
}

// Register plays navigator.credentials.create with optionsJSON (as
// BeginRegistration returns it) on a page at origin, and returns the JSON the
// page would post: a "fido-u2f" attestation built from the chip's raw U2F
// registration, as browsers build it.
func (s *Simulator) Register(optionsJSON []byte, origin string, opts ...SimOption) ([]byte, error) {
	o := simOpts(opts)
	var in simCreationOptions
	if err := json.Unmarshal(optionsJSON, &in); err != nil || in.PublicKey == nil {
		return nil, fmt.Errorf("%w: %v", ErrSimBadOptions, err)
	}
	pk := in.PublicKey
	rpID, err := clientRules(origin, pk.RP.ID, o)
	if err != nil {
		return nil, err
	}
	es256 := false
	for _, p := range pk.Params {
		es256 = es256 || (p.Type == "public-key" && p.Alg == coseAlgES256)
	}
	if !es256 {
		return nil, fmt.Errorf("%w: a FIDO U2F chip signs only with ES256", ErrSimNotSupported)
	}
	rpIDHash := sha256.Sum256([]byte(rpID))
	for _, d := range pk.Exclude {
		kh, err := unb64(d.ID)
		if err != nil {
			return nil, fmt.Errorf("%w: excludeCredentials id: %v", ErrSimBadOptions, err)
		}
		if s.owns(rpIDHash, kh) || (pk.Extensions.AppIDExclude != "" && s.owns(sha256.Sum256([]byte(pk.Extensions.AppIDExclude)), kh)) {
			return nil, ErrSimExcluded
		}
	}
	cd := clientDataJSON("webauthn.create", pk.Challenge, origin)
	msg, err := s.u2fRegister(rpIDHash, sha256.Sum256(cd))
	if err != nil {
		return nil, err
	}
	reg, err := ParseU2FRegistration(msg)
	if err != nil {
		return nil, err
	}
	cose, err := coseFromPoint(reg.PublicKey)
	if err != nil {
		return nil, err
	}
	flags := byte(0x41) // UP | AT
	if o.noPresence {
		flags = 0x40
	}
	authData := make([]byte, 0, 37+16+2+len(reg.KeyHandle)+len(cose))
	authData = append(authData, rpIDHash[:]...)
	authData = append(authData, flags, 0, 0, 0, 0) // a U2F registration has no counter
	authData = append(authData, make([]byte, 16)...)
	authData = append(authData, byte(len(reg.KeyHandle)>>8), byte(len(reg.KeyHandle)))
	authData = append(authData, reg.KeyHandle...)
	authData = append(authData, cose...)

	var w cborWriter
	w.mapHeader(3)
	w.text("fmt")
	w.text(FormatFIDOU2F)
	w.text("attStmt")
	w.mapHeader(2)
	w.text("sig")
	w.bytes(reg.Signature)
	w.text("x5c")
	w.array(1)
	w.bytes(reg.AttestationCert)
	w.text("authData")
	w.bytes(authData)

	pub, err := ecdsa.ParseUncompressedPublicKey(elliptic.P256(), reg.PublicKey)
	if err != nil {
		return nil, err
	}
	spki, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		return nil, err
	}
	ext := map[string]any{}
	if pk.Extensions.AppIDExclude != "" {
		ext["appidExclude"] = true
	}
	return json.Marshal(map[string]any{
		"id":                      b64(reg.KeyHandle),
		"rawId":                   b64(reg.KeyHandle),
		"type":                    "public-key",
		"authenticatorAttachment": "cross-platform",
		"response": map[string]any{
			"clientDataJSON":     b64(cd),
			"attestationObject":  b64(w.b),
			"authenticatorData":  b64(authData),
			"transports":         []string{o.transport},
			"publicKeyAlgorithm": coseAlgES256,
			"publicKey":          b64(spki),
		},
		"clientExtensionResults": ext,
	})
}

// Login plays navigator.credentials.get with optionsJSON (as BeginLogin
// returns it) on a page at origin, and returns the JSON the page would post.
// Like a browser it tries each allowed credential under the RP ID and, if the
// options carry the AppID extension, under the AppID, and reports which was
// used in the appid extension output. Each assertion advances the counter.
func (s *Simulator) Login(optionsJSON []byte, origin string, opts ...SimOption) ([]byte, error) {
	o := simOpts(opts)
	var in simRequestOptions
	if err := json.Unmarshal(optionsJSON, &in); err != nil || in.PublicKey == nil {
		return nil, fmt.Errorf("%w: %v", ErrSimBadOptions, err)
	}
	pk := in.PublicKey
	rpID, err := clientRules(origin, pk.RPID, o)
	if err != nil {
		return nil, err
	}
	appParams := [][32]byte{sha256.Sum256([]byte(rpID))}
	if pk.Extensions.AppID != "" {
		appParams = append(appParams, sha256.Sum256([]byte(pk.Extensions.AppID)))
	}
	var (
		keyHandle []byte
		appParam  [32]byte
		usedAppID bool
	)
search:
	for _, d := range pk.Allow {
		kh, err := unb64(d.ID)
		if err != nil {
			return nil, fmt.Errorf("%w: allowCredentials id: %v", ErrSimBadOptions, err)
		}
		for i, ap := range appParams {
			if s.owns(ap, kh) {
				keyHandle, appParam, usedAppID = kh, ap, i == 1
				break search
			}
		}
	}
	if keyHandle == nil {
		return nil, ErrSimNoCredential
	}
	cd := clientDataJSON("webauthn.get", pk.Challenge, origin)
	control := byte(u2fEnforcePresence)
	if o.noPresence {
		control = u2fDontEnforcePresence
	}
	msg, err := s.u2fAuthenticate(control, appParam, sha256.Sum256(cd), keyHandle)
	if err != nil {
		return nil, err
	}
	resp, err := ParseU2FAuthentication(msg)
	if err != nil {
		return nil, err
	}
	authData := append(appParam[:], msg[:5]...) // appParam || presence || counter
	ext := map[string]any{}
	if pk.Extensions.AppID != "" {
		ext["appid"] = usedAppID
	}
	return json.Marshal(map[string]any{
		"id":                      b64(keyHandle),
		"rawId":                   b64(keyHandle),
		"type":                    "public-key",
		"authenticatorAttachment": "cross-platform",
		"response": map[string]any{
			"clientDataJSON":    b64(cd),
			"authenticatorData": b64(authData),
			"signature":         b64(resp.Signature),
		},
		"clientExtensionResults": ext,
	})
}
