package chip

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/go-webauthn/webauthn/protocol"
)

// assertionJSON is the PublicKeyCredential a browser posts after
// navigator.credentials.get, with every binary member still base64url text.
//
// Decoding it here with plain strings, then handing go-webauthn the decoded
// bytes to Parse, does the same work as protocol.ParseCredentialRequestResponseBytes
// at about half the cost: that function streams through a json.Decoder and
// runs a custom unmarshaller per binary member. Login verification is on the
// hot path, and the JSON is otherwise the largest cost after the signature.
type assertionJSON struct {
	ID                      string `json:"id"`
	RawID                   string `json:"rawId"`
	Type                    string `json:"type"`
	AuthenticatorAttachment string `json:"authenticatorAttachment"`
	Response                struct {
		ClientDataJSON    string `json:"clientDataJSON"`
		AuthenticatorData string `json:"authenticatorData"`
		Signature         string `json:"signature"`
		UserHandle        string `json:"userHandle"`
	} `json:"response"`
	ClientExtensionResults json.RawMessage `json:"clientExtensionResults"`
}

// parseAssertion decodes and parses an assertion response. Errors wrap
// ErrInvalidResponse.
func parseAssertion(data []byte) (*protocol.ParsedCredentialAssertionData, error) {
	var in assertionJSON
	if err := json.Unmarshal(data, &in); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalidResponse, err)
	}
	var car protocol.CredentialAssertionResponse
	car.ID = in.ID
	car.Type = in.Type
	car.AuthenticatorAttachment = in.AuthenticatorAttachment
	fields := []struct {
		name string
		src  string
		dst  *protocol.URLEncodedBase64
	}{
		{"rawId", in.RawID, &car.RawID},
		{"response.clientDataJSON", in.Response.ClientDataJSON, &car.AssertionResponse.ClientDataJSON},
		{"response.authenticatorData", in.Response.AuthenticatorData, &car.AssertionResponse.AuthenticatorData},
		{"response.signature", in.Response.Signature, &car.AssertionResponse.Signature},
		{"response.userHandle", in.Response.UserHandle, &car.AssertionResponse.UserHandle},
	}
	for _, f := range fields {
		b, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(f.src, "="))
		if err != nil {
			return nil, fmt.Errorf("%w: %s is not base64url: %w", ErrInvalidResponse, f.name, err)
		}
		*f.dst = b
	}
	// An empty object is what browsers send when no extension was requested;
	// skip the two decodes go-webauthn's strict output parser would make.
	if ext := bytes.TrimSpace(in.ClientExtensionResults); len(ext) > 0 && !bytes.Equal(ext, []byte("{}")) && !bytes.Equal(ext, []byte("null")) {
		if err := json.Unmarshal(ext, &car.ClientExtensionResults); err != nil {
			return nil, fmt.Errorf("%w: clientExtensionResults: %w", ErrInvalidResponse, err)
		}
	}
	parsed, err := car.Parse()
	if err != nil {
		return nil, parseError(err)
	}
	return parsed, nil
}
