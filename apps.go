package mitid

import (
	"context"

	"github.com/google/uuid"

	"github.com/go-mitid/mitid/app"
)

// AddApp registers a MitID app on a device, pending activation: deviceKey
// is the P-256 public key the app made on the phone (PKIX DER; see package
// app), under which it will sign every approval. At most Policy.MaxApps
// (three) apps can be active; activation notifies the user, so an app
// activated on a new device never goes unnoticed (mitid.dk: MitID security in general).
func (s *Service) AddApp(ctx context.Context, user uuid.UUID, label string, deviceKey []byte) (*User, []Event, error) {
	if _, err := app.ParsePublicKey(deviceKey); err != nil {
		return nil, nil, invalidField(CodeIdentityInvalid, "device_key", "the app's device key is not a P-256 public key: %v", err)
	}
	key := append([]byte(nil), deviceKey...)
	return s.register(ctx, user, Authenticator{Kind: KindApp, State: StatePendingActivation, Label: label, DeviceKey: key}, nil)
}
