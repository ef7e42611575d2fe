package chip

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"slices"

	"github.com/go-webauthn/webauthn/protocol"
	"github.com/go-webauthn/webauthn/webauthn"
)

// BeginLogin starts a login with one of the user's chips. It returns the
// options JSON for navigator.credentials.get (shape {"publicKey": {...}}) and
// the Challenge the caller must store for FinishLogin. When a credential is a
// legacy one (LegacyAppID), the AppID extension is requested so the browser
// also tries the chip under Config.AppID.
func (v *Verifier) BeginLogin(user User, creds []Credential) ([]byte, Challenge, error) {
	if err := validateUser(user); err != nil {
		return nil, Challenge{}, err
	}
	if len(creds) == 0 {
		return nil, Challenge{}, ErrNoCredentials
	}
	ch, err := v.newChallenge(CeremonyLogin, user)
	if err != nil {
		return nil, Challenge{}, err
	}
	descs := make([]protocol.CredentialDescriptor, 0, len(creds))
	legacy := false
	for i := range creds {
		if err := checkCredential(&creds[i]); err != nil {
			return nil, Challenge{}, err
		}
		legacy = legacy || creds[i].LegacyAppID
		descs = append(descs, descriptor(&creds[i]))
		ch.CredentialIDs = append(ch.CredentialIDs, bytes.Clone(creds[i].ID))
	}
	if legacy && v.appID == "" {
		return nil, Challenge{}, fmt.Errorf("%w: the user has a legacy U2F chip but Config.AppID is empty", ErrInvalidConfig)
	}
	opts := []webauthn.LoginOption{
		webauthn.WithChallenge(ch.Value),
		webauthn.WithAllowedCredentials(descs),
		webauthn.WithUserVerification(protocol.VerificationDiscouraged),
		webauthn.WithAssertionPublicKeyCredentialHints([]protocol.PublicKeyCredentialHints{protocol.PublicKeyCredentialHintSecurityKey}),
	}
	if legacy {
		opts = append(opts, webauthn.WithAssertionExtensions(webauthn.WithExtensionAppID(v.appID)))
	}
	// go-webauthn takes the allowed credentials from the option above; the
	// user's credential list only has to be non-empty.
	assertion, _, err := v.wa.BeginLogin(&waUser{user: user, creds: []webauthn.Credential{{ID: creds[0].ID}}}, opts...)
	if err != nil {
		return nil, Challenge{}, fmt.Errorf("chip: building login options: %w", err)
	}
	ch.AppID = assertion.Response.Extensions.AppID
	options, err := json.Marshal(assertion)
	if err != nil {
		return nil, Challenge{}, fmt.Errorf("chip: encoding login options: %w", err)
	}
	return options, ch, nil
}

// FinishLogin verifies the browser's response to the options of BeginLogin
// (the JSON of the PublicKeyCredential, as PublicKeyCredential.toJSON() gives
// it) against the user's stored credentials. ch must have been consumed from
// the caller's single-use store (see Challenge).
//
// It checks the challenge (ceremony, user, expiry); that the credential is one
// of creds and was allowed by ch; the client data (type, challenge, origin);
// the authenticator data (RP ID or legacy AppID, user presence, not a synced
// passkey); the extension outputs; the signature; and only then the
// signature counter, so that nobody without the chip's key can get a chip
// suspended. A valid signature whose counter did not increase returns a
// *CounterError (errors.Is ErrCounterNotIncreased): the caller suspends that
// chip and emits an event. On success the caller stores
// Assertion.NewSignCount with Assertion.Apply inside its atomic user update.
//
// The parsing and every check but the signature are go-webauthn's (WebAuthn
// §7.2); the signature is verified here with crypto/ecdsa, so that the stored
// key is decoded once per call rather than twice and checked on the curve
// once rather than three times. TestFinishLogin_AgreesWithGoWebAuthn holds
// the two to the same verdicts.
func (v *Verifier) FinishLogin(ch Challenge, user User, creds []Credential, responseJSON []byte) (Assertion, error) {
	if err := v.checkChallenge(&ch, CeremonyLogin, user); err != nil {
		return Assertion{}, err
	}
	parsed, err := parseAssertion(responseJSON)
	if err != nil {
		return Assertion{}, err
	}
	idx := slices.IndexFunc(creds, func(c Credential) bool { return bytes.Equal(c.ID, parsed.RawID) })
	allowed := slices.ContainsFunc(ch.CredentialIDs, func(id []byte) bool { return bytes.Equal(id, parsed.RawID) })
	if idx < 0 || !allowed {
		return Assertion{}, &CredentialError{Err: ErrUnknownCredential, CredentialID: bytes.Clone(parsed.RawID)}
	}
	cred := &creds[idx]
	if err := checkCredential(cred); err != nil {
		return Assertion{}, err
	}
	// A U2F chip has no user handle; anything sent must name this user.
	if uh := parsed.Response.UserHandle; len(uh) > 0 && !bytes.Equal(uh, user.ID) {
		return Assertion{}, &CredentialError{Err: ErrUnknownCredential, CredentialID: bytes.Clone(parsed.RawID)}
	}

	cd := &parsed.Response.CollectedClientData
	if err := v.checkClientData(cd, protocol.AssertCeremony, &ch); err != nil {
		return Assertion{}, err
	}
	challenge := base64.RawURLEncoding.EncodeToString(ch.Value)
	if err := cd.Verify(challenge, protocol.AssertCeremony, v.origins, nil, nil, protocol.TopOriginExplicitVerificationMode, false); err != nil {
		return Assertion{}, classify(err)
	}

	sessionExt := protocol.AuthenticationExtensions{AppID: ch.AppID}.Session()
	usedAppID := parsed.ClientExtensionResults.AppID != nil && *parsed.ClientExtensionResults.AppID
	wantHash, scope := v.rpIDHash[:], v.rpID
	var appIDHash []byte
	if usedAppID {
		// go-webauthn would silently ignore the AppID for a credential not
		// stored as fido-u2f and then fail on the RP ID hash; say why.
		if ch.AppID == "" || !cred.LegacyAppID {
			return Assertion{}, fmt.Errorf("%w: the browser used the legacy AppID for a credential not registered under it", ErrRPIDMismatch)
		}
		appID, err := parsed.GetAppID(sessionExt, cred.Format)
		if err != nil || appID != v.appID {
			return Assertion{}, fmt.Errorf("%w: the legacy AppID extension does not resolve to %q", ErrRPIDMismatch, v.appID)
		}
		wantHash, scope, appIDHash = v.appIDHash[:], v.appID, v.appIDHash[:]
	}
	ad := &parsed.Response.AuthenticatorData
	if err := checkAuthData(ad, wantHash, scope); err != nil {
		return Assertion{}, err
	}
	if err := ad.Verify(v.rpIDHash[:], appIDHash, false, true); err != nil {
		return Assertion{}, classify(err)
	}
	if err := parsed.ClientExtensionResults.Verify(sessionExt, protocol.AssertCeremony, protocol.UnsolicitedOutputPolicyReject); err != nil {
		return Assertion{}, classify(err)
	}

	key, err := publicKeyFromCOSE(cred.PublicKey)
	if err != nil {
		return Assertion{}, err
	}
	clientDataHash := sha256.Sum256(parsed.Raw.AssertionResponse.ClientDataJSON)
	h := sha256.New()
	h.Write(parsed.Raw.AssertionResponse.AuthenticatorData)
	h.Write(clientDataHash[:])
	if !ecdsa.VerifyASN1(key, h.Sum(nil), parsed.Response.Signature) {
		return Assertion{}, fmt.Errorf("%w: the assertion was not signed by chip credential %s", ErrBadSignature, base64.RawURLEncoding.EncodeToString(cred.ID))
	}

	a := Assertion{
		CredentialID:       bytes.Clone(cred.ID),
		PreviousSignCount:  cred.SignCount,
		NewSignCount:       ad.Counter,
		UsedAppID:          usedAppID,
		CounterUnsupported: ad.Counter == 0 && cred.SignCount == 0 && v.allowZero,
	}
	// The clone rule is Assertion.Apply's, applied here to a copy of the
	// stored counter so that the caller's later Apply and this check can
	// never disagree.
	probe := Credential{ID: cred.ID, SignCount: cred.SignCount}
	if err := a.Apply(&probe); err != nil {
		return Assertion{}, err
	}
	return a, nil
}
