package chip

import (
	"bytes"
	"fmt"
	"slices"

	"github.com/go-webauthn/webauthn/protocol"
	"github.com/go-webauthn/webauthn/webauthn"

	"github.com/go-mitid/mitid/chip/credential"
)

// User identifies the account a ceremony is for: the WebAuthn user handle
// (opaque, no personal data) and the name a browser shows; see
// credential.User.
type User = credential.User

func validateUser(u User) error {
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
	TransportUSB = credential.TransportUSB
	TransportNFC = credential.TransportNFC
	TransportBLE = credential.TransportBLE
)

// Credential is a registered chip as the caller stores it on the user, plain
// data; see credential.Credential.
type Credential = credential.Credential

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
func checkCredential(c *Credential) error {
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

func descriptor(c *Credential) protocol.CredentialDescriptor {
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

// Assertion is the result of an accepted login, whose counter the caller
// stores with Assertion.Apply; see credential.Assertion.
type Assertion = credential.Assertion

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
