package chiptest

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strings"

	"github.com/go-mitid/mitid/chip/credential"
)

// The browser half of the Simulator: it turns WebAuthn options into U2F
// requests to the chip half and the chip's raw answers into the WebAuthn JSON
// a browser posts, as browsers do for a U2F security key.

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
		return nil, fmt.Errorf("%w: %w", ErrSimBadOptions, err)
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
			return nil, fmt.Errorf("%w: excludeCredentials id: %w", ErrSimBadOptions, err)
		}
		if s.owns(rpIDHash, kh) || (pk.Extensions.AppIDExclude != "" && s.owns(sha256.Sum256([]byte(pk.Extensions.AppIDExclude)), kh)) {
			return nil, ErrSimExcluded
		}
	}
	cd := clientDataJSON("webauthn.create", pk.Challenge, origin)
	reg, _, err := s.u2fRegister(rpIDHash, sha256.Sum256(cd))
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
	w.text(credential.FormatFIDOU2F)
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
		return nil, fmt.Errorf("%w: %w", ErrSimBadOptions, err)
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
			return nil, fmt.Errorf("%w: allowCredentials id: %w", ErrSimBadOptions, err)
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
			"signature":         b64(msg[5:]), // after presence and counter
		},
		"clientExtensionResults": ext,
	})
}
