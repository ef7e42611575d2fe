package credential

import "bytes"

// User identifies the account a ceremony is for. ID is the WebAuthn user
// handle: 1 to 64 opaque bytes that must not contain personal data (use a
// random or internal ID, never the CPR number or the MitID user ID). Name is
// what the browser shows to pick an account (the MitID user ID is fine).
type User struct {
	ID          []byte
	Name        string
	DisplayName string // defaults to Name
}

// Transports a MitID chip can connect over, as WebAuthn names them.
const (
	TransportUSB = "usb"
	TransportNFC = "nfc"
	TransportBLE = "ble"
)

// Attestation statement formats a MitID chip registration may use.
const (
	// FormatFIDOU2F is what a browser reports for a FIDO U2F chip such as
	// the MitID chip: the chip's raw U2F registration turned into WebAuthn.
	FormatFIDOU2F = "fido-u2f"
	// FormatPacked is the WebAuthn-native format of FIDO2 security keys.
	FormatPacked = "packed"
)

// Credential is a registered chip as the caller stores it on the user. It is
// plain data and JSON-serialisable (the field names are part of the stored
// format and do not change); the caller updates SignCount (through
// Assertion.Apply) atomically with the rest of the user.
type Credential struct {
	// ID is the credential ID (for a U2F chip, its key handle).
	ID []byte `json:"id"`
	// PublicKey is the credential public key as a COSE_Key (ES256, P-256).
	PublicKey []byte `json:"publicKey"`
	// Format is the attestation format at registration: FormatFIDOU2F or
	// FormatPacked. WebAuthn honours the AppID extension only for
	// fido-u2f credentials, so a legacy credential always carries it.
	Format string `json:"format"`
	// AttestationType is the verifier's verdict on the attestation, e.g.
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
	// under the relying party's legacy AppID rather than under the RP ID.
	LegacyAppID bool `json:"legacyAppId,omitempty"`
}

// Clone returns a deep copy of c: no byte slice is shared with c, so the
// copy may be changed while another goroutine reads c.
func (c Credential) Clone() Credential {
	c.ID, c.PublicKey = bytes.Clone(c.ID), bytes.Clone(c.PublicKey)
	c.AttestationCert, c.AAGUID = bytes.Clone(c.AttestationCert), bytes.Clone(c.AAGUID)
	if c.Transports != nil {
		c.Transports = append([]string(nil), c.Transports...)
	}
	return c
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
	// CounterUnsupported is true when both counters were zero and the
	// verifier was configured to accept that; no clone detection was possible.
	CounterUnsupported bool
}

// Apply stores the assertion's counter on c, re-checking it against c's
// current counter. The verifier checked against the snapshot the caller
// passed in; a concurrent login may have advanced the counter since, so the
// caller calls Apply on the freshly read credential inside its atomic
// update. It returns a *CounterError (ErrCounterNotIncreased) when the
// counter no longer increases, and a *CredentialError (ErrUnknownCredential)
// for the wrong credential. c is unchanged on error.
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
