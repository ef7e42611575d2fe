package mitid_test

import (
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/go-mitid/mitid"
)

// TestSameUniqueKeys_AgreesWithUniqueKeys changes users at random and checks
// that the fast comparison and KeyChanges, which stores use, agree with
// comparing the key sets.
func TestSameUniqueKeys_AgreesWithUniqueKeys(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	cpr, err := mitid.ParseCPR("010190-1234")
	require.NoError(t, err)
	base := &mitid.User{ID: uuid.New(), UserID: "anna-base", CPR: cpr, Authenticators: []mitid.Authenticator{
		{ID: uuid.New(), Kind: mitid.KindChip, State: mitid.StateActive, CredentialID: []byte{1, 2, 3}},
		{ID: uuid.New(), Kind: mitid.KindApp, State: mitid.StateActive},
	}}
	changes := []func(u *mitid.User){
		func(u *mitid.User) { u.UserID = "anna-other" },
		func(u *mitid.User) { u.CPR = mitid.CPR{} },
		func(u *mitid.User) { u.Document = &mitid.IdentityDocument{Country: "DEU", Number: "C01"} },
		func(u *mitid.User) { u.Authenticators[0].State = mitid.StateBlocked },
		func(u *mitid.User) { u.Authenticators[0].State = mitid.StateSuspended },
		func(u *mitid.User) { u.Authenticators[0].CredentialID = []byte{9} },
		func(u *mitid.User) { u.Authenticators[1].Label = "phone" },
		func(u *mitid.User) { u.Failures++ },
		func(u *mitid.User) {
			u.Authenticators = append(u.Authenticators, mitid.Authenticator{ID: uuid.New(), Kind: mitid.KindApp, State: mitid.StatePendingActivation})
		},
	}
	for i := 0; i < 2000; i++ {
		u := base.Clone()
		for n := r.IntN(3); n >= 0; n-- {
			changes[r.IntN(len(changes))](u)
		}
		a, b := base.UniqueKeys(), u.UniqueKeys()
		same := len(a) == len(b)
		for _, k := range a {
			same = same && slices.Contains(b, k)
		}
		if !same {
			require.False(t, base.SameUniqueKeys(u), "keys differ but SameUniqueKeys says same: %v vs %v", a, b)
		}
		if base.SameUniqueKeys(u) {
			require.True(t, same)
		}
		added, removed := u.KeyChanges(base)
		require.ElementsMatch(t, minus(b, a), added, "added keys")
		require.ElementsMatch(t, minus(a, b), removed, "removed keys")
	}
}

// minus is the brute-force set difference a \ b.
func minus(a, b []mitid.UniqueKey) []mitid.UniqueKey {
	var out []mitid.UniqueKey
	for _, k := range a {
		if !slices.Contains(b, k) {
			out = append(out, k)
		}
	}
	return out
}
