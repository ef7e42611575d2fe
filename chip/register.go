package chip

import (
	"bytes"
	"context"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"slices"

	"github.com/go-webauthn/webauthn/protocol"
	"github.com/go-webauthn/webauthn/protocol/webauthncose"
	"github.com/go-webauthn/webauthn/webauthn"
)

// es256Only is the one algorithm offered: FIDO U2F, and so the MitID chip,
// signs only with ECDSA P-256 and SHA-256. A fresh slice each call, since
// go-webauthn keeps it in the options it returns.
func es256Only() []protocol.CredentialParameter {
	return []protocol.CredentialParameter{{Type: protocol.PublicKeyCredentialType, Algorithm: webauthncose.AlgES256}}
}

// BeginRegistration starts adding a chip to user. It returns the options JSON
// for navigator.credentials.create (shape {"publicKey": {...}}) and the
// Challenge the caller must store for FinishRegistration. exclude lists the
// user's existing chip credentials so the browser refuses to register the
// same chip twice. The options ask for direct attestation from a
// cross-platform authenticator, ES256, no resident key and no user
// verification.
func (v *Verifier) BeginRegistration(user User, exclude []Credential) ([]byte, Challenge, error) {
	if err := validateUser(user); err != nil {
		return nil, Challenge{}, err
	}
	ch, err := v.newChallenge(CeremonyRegistration, user)
	if err != nil {
		return nil, Challenge{}, err
	}
	descs := make([]protocol.CredentialDescriptor, 0, len(exclude))
	for i := range exclude {
		if err := checkCredential(&exclude[i]); err != nil {
			return nil, Challenge{}, err
		}
		descs = append(descs, descriptor(&exclude[i]))
		ch.CredentialIDs = append(ch.CredentialIDs, bytes.Clone(exclude[i].ID))
	}
	opts := []webauthn.RegistrationOption{
		withRegistrationChallenge(ch.Value),
		webauthn.WithCredentialParameters(es256Only()),
		webauthn.WithExclusions(descs),
		webauthn.WithPublicKeyCredentialHints([]protocol.PublicKeyCredentialHints{protocol.PublicKeyCredentialHintSecurityKey}),
	}
	if v.appID != "" {
		opts = append(opts, webauthn.WithExtensions(webauthn.WithExtensionAppIDExclude(v.appID)))
	}
	creation, _, err := v.wa.BeginRegistration(&waUser{user: user}, opts...)
	if err != nil {
		return nil, Challenge{}, fmt.Errorf("chip: building registration options: %w", err)
	}
	// go-webauthn drops appidExclude unless an excluded credential is
	// fido-u2f; record what was actually sent, since the response may only
	// carry outputs for extensions that were requested.
	ch.AppID = creation.Response.Extensions.AppIDExclude
	options, err := json.Marshal(creation)
	if err != nil {
		return nil, Challenge{}, fmt.Errorf("chip: encoding registration options: %w", err)
	}
	return options, ch, nil
}

// withRegistrationChallenge replaces go-webauthn's challenge (read from
// crypto/rand) with one from the injected randomness.
func withRegistrationChallenge(value []byte) webauthn.RegistrationOption {
	return func(o *protocol.PublicKeyCredentialCreationOptions) error {
		o.Challenge = value
		return nil
	}
}

// FinishRegistration verifies the browser's response to the options of
// BeginRegistration (the JSON of the PublicKeyCredential, as
// PublicKeyCredential.toJSON() gives it) and returns the Credential to store.
// ch must have been consumed from the caller's single-use store (see
// Challenge). It checks, in order: the challenge (ceremony, user, expiry); the
// client data (type, challenge, origin); the authenticator data (RP ID, user
// presence, not a synced passkey); the attestation format; that the chip is
// not one of the excluded credentials; go-webauthn's full verification
// including the attestation signature; the key (ES256 on P-256); the
// attestation chain if Config.AttestationRoots is set; and, last because it
// is I/O, Config.Owners. The caller's store must still refuse a credential ID
// that another user already has when it commits.
func (v *Verifier) FinishRegistration(ctx context.Context, ch Challenge, user User, responseJSON []byte) (Credential, error) {
	if err := v.checkChallenge(&ch, CeremonyRegistration, user); err != nil {
		return Credential{}, err
	}
	parsed, err := protocol.ParseCredentialCreationResponseBytes(responseJSON)
	if err != nil {
		return Credential{}, parseError(err)
	}
	if err := v.checkClientData(&parsed.Response.CollectedClientData, protocol.CreateCeremony, &ch); err != nil {
		return Credential{}, err
	}
	att := &parsed.Response.AttestationObject
	if err := checkAuthData(&att.AuthData, v.rpIDHash[:], v.rpID); err != nil {
		return Credential{}, err
	}
	if !slices.Contains(v.formats, att.Format) {
		return Credential{}, fmt.Errorf("%w: attestation format %q; this relying party accepts %q (is the chip a FIDO U2F device?)", ErrAttestation, att.Format, v.formats)
	}
	credID := att.AuthData.AttData.CredentialID
	if slices.ContainsFunc(ch.CredentialIDs, func(id []byte) bool { return bytes.Equal(id, credID) }) {
		return Credential{}, &CredentialError{Err: ErrCredentialExists, CredentialID: bytes.Clone(credID)}
	}

	session := webauthn.SessionData{
		Challenge:        base64.RawURLEncoding.EncodeToString(ch.Value),
		RelyingPartyID:   v.rpID,
		UserID:           ch.UserID,
		UserVerification: protocol.VerificationDiscouraged,
		Extensions:       protocol.AuthenticationExtensions{AppIDExclude: ch.AppID}.Session(),
		CredParams:       es256Only(),
	}
	wc, err := v.wa.CreateCredential(&waUser{user: user}, session, parsed)
	if err != nil {
		return Credential{}, classify(err)
	}
	if _, _, err := parseCOSEP256(wc.PublicKey); err != nil {
		return Credential{}, err
	}
	var leaf []byte
	if x5c, ok := att.AttStatement["x5c"].([]any); ok && len(x5c) > 0 {
		leaf, _ = x5c[0].([]byte)
	}
	if v.roots != nil {
		if err := v.checkAttestationChain(att.AttStatement); err != nil {
			return Credential{}, err
		}
	}
	if v.owners != nil {
		owner, found, err := v.owners.CredentialOwner(ctx, wc.ID)
		if err != nil {
			return Credential{}, fmt.Errorf("chip: looking up the owner of the new credential: %w", err)
		}
		if found {
			sentinel := ErrCredentialInUse
			if bytes.Equal(owner, user.ID) {
				sentinel = ErrCredentialExists
			}
			return Credential{}, &CredentialError{Err: sentinel, CredentialID: bytes.Clone(wc.ID)}
		}
	}
	return Credential{
		ID:              bytes.Clone(wc.ID),
		PublicKey:       bytes.Clone(wc.PublicKey),
		Format:          wc.AttestationFormat,
		AttestationType: wc.AttestationType,
		AttestationCert: bytes.Clone(leaf),
		AAGUID:          bytes.Clone(wc.Authenticator.AAGUID),
		SignCount:       wc.Authenticator.SignCount,
		Transports:      cloneTransports(wc.Transport),
	}, nil
}

// checkAttestationChain requires the x5c chain of the attestation statement
// to lead to Config.AttestationRoots at the injected time.
func (v *Verifier) checkAttestationChain(stmt map[string]any) error {
	x5c, ok := stmt["x5c"].([]any)
	if !ok || len(x5c) == 0 {
		return fmt.Errorf("%w: no attestation certificate (self attestation) but AttestationRoots requires one", ErrAttestation)
	}
	var certs []*x509.Certificate
	for i, raw := range x5c {
		der, ok := raw.([]byte)
		if !ok {
			return fmt.Errorf("%w: x5c[%d] is not a certificate", ErrAttestation, i)
		}
		c, err := x509.ParseCertificate(der)
		if err != nil {
			return fmt.Errorf("%w: x5c[%d]: %w", ErrAttestation, i, err)
		}
		certs = append(certs, c)
	}
	inter := x509.NewCertPool()
	for _, c := range certs[1:] {
		inter.AddCert(c)
	}
	_, err := certs[0].Verify(x509.VerifyOptions{
		Roots:         v.roots,
		Intermediates: inter,
		CurrentTime:   v.now(),
		KeyUsages:     []x509.ExtKeyUsage{x509.ExtKeyUsageAny},
	})
	if err != nil {
		return fmt.Errorf("%w: attestation certificate does not chain to a trusted root: %w", ErrAttestation, err)
	}
	return nil
}
