package mitid_test

import (
	"bytes"
	"context"
	"fmt"

	"github.com/go-mitid/mitid"
	"github.com/go-mitid/mitid/store/memory"
)

// Rotating the key ring: the new key becomes primary beside the old one,
// Rewrap moves each user's sealed secrets and identifier hashes to it, and
// then the old key can go. The person is found by CPR number throughout.
func ExampleService_Rewrap() {
	ctx := context.Background()
	oldKey, newKey := bytes.Repeat([]byte{1}, 32), bytes.Repeat([]byte{2}, 32)
	store := memory.New()
	service := func(primary string, keys map[string][]byte) *mitid.Service {
		ring, err := mitid.NewKeyRing(primary, keys)
		if err != nil {
			panic(err)
		}
		svc, err := mitid.New(mitid.Config{Store: store, Keys: ring, Rand: seeded(3)})
		if err != nil {
			panic(err)
		}
		return svc
	}

	svc := service("2025", map[string][]byte{"2025": oldKey})
	u, _, err := svc.CreateUser(ctx, mitid.UserRequest{UserID: "anna.hansen", CPR: "010190-1234", Email: "anna@example.dk", IAL: mitid.LevelSubstantial})
	if err != nil {
		panic(err)
	}
	fmt.Println("sealed under", u.CPRAtRest.Sealed.KeyID, "hashed under", len(u.CPRAtRest.Keys), "key")

	svc = service("2026", map[string][]byte{"2025": oldKey, "2026": newKey})
	n, err := svc.Rewrap(ctx, u.ID)
	fmt.Println("rewrapped:", n, err)

	svc = service("2026", map[string][]byte{"2026": newKey}) // the old key retired
	found, err := svc.UserByCPR(ctx, "0101901234")
	fmt.Println(found.UserID, found.CPR, found.CPRAtRest.Sealed.KeyID, err)
	// Output:
	// sealed under 2025 hashed under 1 key
	// rewrapped: 1 <nil>
	// anna.hansen 010190-1234 2026 <nil>
}
