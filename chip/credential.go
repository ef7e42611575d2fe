package chip

import (
	"bytes"
	"fmt"
	"slices"

	"github.com/go-webauthn/webauthn/protocol"
	"github.com/go-webauthn/webauthn/webauthn"
)

// User identifies the account a ceremony is for. ID is the WebAuthn user
// handle: 1 to 64 opaque bytes that must not contain personal data (use a
// random or internal ID, never the CPR number or the MitID user ID). Name is
// what the browser shows to pick an account (the MitID user ID is fine).
type User struct {
	ID          []byte
	Name        string
	DisplayName string // defaults to Name
}

func (u User) validate() error {
	if len(u.ID) == 0 || len(u.ID) > protocol.MaximumUserHandleLength {
		return fmt.Errorf("%w: ID is %d bytes, must be 1 to %d", ErrInvalidUser, len(u.ID), protocol.MaximumUserHandleLength)
	}
	if u.Name == "" {
		return fmt.Errorf("%w: Name is empty", ErrInvalidUser)
	}
	return nil
}

// Transports a MitID chip can connect over, as WebAuthn names them.
const (
	TransportUSB = "usb"
	TransportNFC = "nfc"
	TransportBLE = "ble"
)

// Credential is a registered chip as the caller stores it on the user. It is
// plain data and JSON-serialisable; the caller updates SignCount (through
// Assertion.Apply) atomically with the rest of the user.
type Credential struct {
	// ID is the credential ID (for a U2F chip, its key handle).
	ID []byte `json:"id"`
	// PublicKey is the credential public key as a COSE_Key (ES256, P-256).
	PublicKey []byte `json:"publicKey"`
	// Format is the attestation format at registration: FormatFIDOU2F or
	// FormatPacked. go-webauthn honours the AppID extension only for
	// fido-u2f credentials, so a legacy credential always carries it.
	Format string `json:"format"`
	// AttestationType is go-webauthn's verdict on the attestation, e.g.
	// "basic_full" (a certificate) or "basic_surrogate" (self attestation);
	// empty for an imported legacy credential.
	AttestationType string `json:"attestationType,omitempty"`
	// AttestationCert is the DER attestation certificate, if one was sent;
	// it identifies the chip model and batch.
	AttestationCert []byte `json:"attestationCert,omitempty"`
	// AAGUID identifies the authenticator model; all zero for U2F chips.
	AAGUID []byte `json:"aaguid,omitempty"`
	// SignCount is the signature counter of the last accepted use.
	SignCount uint32 `json:"signCount"`
	// Transports are the connections the browser reported (usb, nfc, ble).
	Transports []string `json:"transports,omitempty"`
	// LegacyAppID marks a credential registered through the old FIDO U2F API
	// under Config.AppID rather than under the RP ID.
	LegacyAppID bool `json:"legacyAppId,omitempty"`
}

// LegacyCredential imports a chip registered through the pre-WebAuthn FIDO
// U2F API under the Verifier's AppID, from the key handle and the raw
// uncompressed P-256 public key of its U2F registration (see
// ParseU2FRegistration). signCount is the last counter seen, 0 if unknown.
// Logging in with it requires Config.AppID.
func LegacyCredential(keyHandle, publicKey []byte, signCount uint32) (Credential, error) {
	if len(keyHandle) == 0 || len(keyHandle) > 255 {
		return Credential{}, fmt.Errorf("%w: U2F key handle is %d bytes, must be 1 to 255", ErrInvalidKey, len(keyHandle))
	}
	cose, err := coseFromPoint(publicKey)
	if err != nil {
		return Credential{}, err
	}
	return Credential{
		ID:          bytes.Clone(keyHandle),
		PublicKey:   cose,
		Format:      FormatFIDOU2F,
		AAGUID:      make([]byte, 16),
		SignCount:   signCount,
		LegacyAppID: true,
	}, nil
}

// check refuses a stored credential this package cannot verify with.
func (c *Credential) check() error {
	if len(c.ID) == 0 || len(c.ID) > 1023 {
		return fmt.Errorf("%w: credential ID is %d bytes", ErrInvalidKey, len(c.ID))
	}
	switch c.Format {
	case FormatFIDOU2F:
	case FormatPacked:
		if c.LegacyAppID {
			return fmt.Errorf("%w: a legacy AppID credential must have format %q, not %q", ErrInvalidKey, FormatFIDOU2F, c.Format)
		}
	default:
		return fmt.Errorf("%w: credential format %q is not %q or %q", ErrInvalidKey, c.Format, FormatFIDOU2F, FormatPacked)
	}
	return nil
}

func (c *Credential) descriptor() protocol.CredentialDescriptor {
	d := protocol.CredentialDescriptor{
		Type:         protocol.PublicKeyCredentialType,
		CredentialID: c.ID,
		// go-webauthn keeps the AppID extensions only when a descriptor
		// says it is a fido-u2f credential.
		AttestationFormat: c.Format,
	}
	if len(c.Transports) == 0 {
		// Never reported (an imported legacy chip, an old browser): offer
		// all three connections the chip has.
		d.Transport = []protocol.AuthenticatorTransport{TransportUSB, TransportNFC, TransportBLE}
	} else {
		for _, t := range c.Transports {
			d.Transport = append(d.Transport, protocol.AuthenticatorTransport(t))
		}
	}
	return d
}

// Assertion is the result of an accepted login. The caller stores
// NewSignCount on the credential with Apply, inside its atomic user update.
type Assertion struct {
	// CredentialID names the chip credential that signed.
	CredentialID []byte
	// PreviousSignCount is the stored counter the assertion was checked against.
	PreviousSignCount uint32
	// NewSignCount is the exact counter the chip signed; store it.
	NewSignCount uint32
	// UsedAppID is true when the legacy AppID, not the RP ID, scoped the
	// assertion.
	UsedAppID bool
	// CounterUnsupported is true when both counters were zero and
	// Config.AllowZeroCounter accepted that; no clone detection was possible.
	CounterUnsupported bool
}

// Apply stores the assertion's counter on c, re-checking it against c's
// current counter. FinishLogin checked against the snapshot the caller passed
// in; a concurrent login may have advanced the counter since, so the caller
// calls Apply on the freshly read credential inside its atomic update. It
// returns a *CounterError (ErrCounterNotIncreased) when the counter no longer
// increases, and a *CredentialError (ErrUnknownCredential) for the wrong
// credential. c is unchanged on error.
func (a Assertion) Apply(c *Credential) error {
	if !bytes.Equal(c.ID, a.CredentialID) {
		return &CredentialError{Err: ErrUnknownCredential, CredentialID: a.CredentialID}
	}
	if !counterAccepted(c.SignCount, a.NewSignCount, a.CounterUnsupported) {
		return &CounterError{CredentialID: bytes.Clone(c.ID), Stored: c.SignCount, Received: a.NewSignCount}
	}
	c.SignCount = a.NewSignCount
	return nil
}

// counterAccepted is the clone rule: the counter must strictly increase,
// except that 0 after 0 is accepted when zero counters are allowed.
func counterAccepted(stored, received uint32, allowZero bool) bool {
	if received > stored {
		return true
	}
	return allowZero && stored == 0 && received == 0
}

// waUser adapts one ceremony's user and credentials to go-webauthn.
type waUser struct {
	user  User
	creds []webauthn.Credential
}

func (u *waUser) WebAuthnID() []byte   { return u.user.ID }
func (u *waUser) WebAuthnName() string { return u.user.Name }
func (u *waUser) WebAuthnDisplayName() string {
	if u.user.DisplayName == "" {
		return u.user.Name
	}
	return u.user.DisplayName
}
func (u *waUser) WebAuthnCredentials() []webauthn.Credential { return u.creds }

func cloneTransports(ts []protocol.AuthenticatorTransport) []string {
	var out []string
	for _, t := range ts {
		if s := string(t); s != "" && !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	return out
}
