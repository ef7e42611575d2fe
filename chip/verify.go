package chip

import (
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"slices"

	"github.com/go-webauthn/webauthn/protocol"
)

// The checks below run before go-webauthn's full verification. go-webauthn
// performs them too; running them first gives the caller a precise sentinel
// (a wrong origin is a phishing signal, a wrong challenge a replay) instead
// of a generic verification failure, and they cost a few comparisons.

// checkClientData checks the ceremony type, challenge and origin of the
// client data the browser signed over.
func (v *Verifier) checkClientData(cd *protocol.CollectedClientData, ceremony protocol.CeremonyType, ch *Challenge) error {
	if cd.Type != ceremony {
		return fmt.Errorf("%w: client data type is %q, want %q", ErrInvalidResponse, cd.Type, ceremony)
	}
	want := base64.RawURLEncoding.EncodeToString(ch.Value)
	if subtle.ConstantTimeCompare([]byte(cd.Challenge), []byte(want)) != 1 {
		return ErrChallengeMismatch
	}
	// An exact match is the common case and needs no URL parsing.
	if !slices.Contains(v.origins, cd.Origin) && !protocol.IsOriginInHaystack(cd.Origin, v.origins) {
		return fmt.Errorf("%w: %q is not one of %q", ErrOriginMismatch, cd.Origin, v.origins)
	}
	return nil
}

// checkAuthData checks the relying party scope, user presence and device
// binding of authenticator data.
func checkAuthData(ad *protocol.AuthenticatorData, wantHash []byte, scope string) error {
	if subtle.ConstantTimeCompare(ad.RPIDHash, wantHash) != 1 {
		return fmt.Errorf("%w: authenticator data is not scoped to %q", ErrRPIDMismatch, scope)
	}
	if !ad.Flags.HasUserPresent() {
		return fmt.Errorf("%w: press the button on the chip (USB, Bluetooth) or hold it to the device (NFC)", ErrUserPresence)
	}
	if ad.Flags.HasBackupEligible() || ad.Flags.HasBackupState() {
		return fmt.Errorf("%w: authenticator data has the backup flags set", ErrNotDeviceBound)
	}
	return nil
}

// classify maps a go-webauthn verification error to this package's
// sentinels by its stable Type, keeping go-webauthn's detail in the message.
func classify(err error) error {
	var pe *protocol.Error
	if !errors.As(err, &pe) {
		return fmt.Errorf("%w: %v", ErrVerification, err) //nolint:errorlint // go-webauthn's errors stay out of this package's API: its detail is kept in the message only
	}
	detail := protocolDetail(pe)
	switch pe.Type {
	case protocol.ErrAssertionSignature.Type:
		return fmt.Errorf("%w: %s", ErrBadSignature, detail)
	case protocol.ErrInvalidAttestation.Type, protocol.ErrAttestation.Type, protocol.ErrAttestationCertificate.Type:
		return fmt.Errorf("%w: %s", ErrAttestation, detail)
	case protocol.ErrUnsupportedKey.Type, protocol.ErrUnsupportedAlgorithm.Type:
		return fmt.Errorf("%w: %s", ErrInvalidKey, detail)
	case protocol.ErrPolicyRestriction.Type:
		return fmt.Errorf("%w: %s", ErrNotDeviceBound, detail)
	case protocol.ErrParsingData.Type:
		return fmt.Errorf("%w: %s", ErrInvalidResponse, detail)
	}
	return fmt.Errorf("%w: %s", ErrVerification, detail)
}

// parseError wraps a go-webauthn parse failure of what the browser posted.
func parseError(err error) error {
	var pe *protocol.Error
	if errors.As(err, &pe) {
		return fmt.Errorf("%w: %s", ErrInvalidResponse, protocolDetail(pe))
	}
	return fmt.Errorf("%w: %v", ErrInvalidResponse, err) //nolint:errorlint // go-webauthn's errors stay out of this package's API: its detail is kept in the message only
}

// protocolDetail renders a go-webauthn error with its developer detail and
// cause, which is where it says what exactly was wrong.
func protocolDetail(pe *protocol.Error) string {
	detail := pe.Details
	if pe.DevInfo != "" {
		detail += " (" + pe.DevInfo + ")"
	}
	if pe.Err != nil {
		detail += ": " + pe.Err.Error()
	}
	return detail
}
