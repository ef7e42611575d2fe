package mitid_test

import (
	"reflect"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/go-mitid/mitid"
)

// fill sets every settable field reachable from v to a non-zero value,
// giving slices two elements and pointers a target.
func fill(v reflect.Value, depth int) {
	if depth > 6 {
		return
	}
	switch v.Kind() {
	case reflect.Struct:
		if v.Type() == reflect.TypeOf(time.Time{}) {
			v.Set(reflect.ValueOf(tNow))
			return
		}
		for i := 0; i < v.NumField(); i++ {
			if v.Type().Field(i).IsExported() {
				fill(v.Field(i), depth+1)
			}
		}
	case reflect.Pointer:
		v.Set(reflect.New(v.Type().Elem()))
		fill(v.Elem(), depth+1)
	case reflect.Slice:
		v.Set(reflect.MakeSlice(v.Type(), 2, 2))
		for i := 0; i < 2; i++ {
			fill(v.Index(i), depth+1)
		}
	case reflect.Map:
		v.Set(reflect.MakeMap(v.Type()))
		k, e := reflect.New(v.Type().Key()).Elem(), reflect.New(v.Type().Elem()).Elem()
		fill(k, depth+1)
		fill(e, depth+1)
		v.SetMapIndex(k, e)
	case reflect.String:
		v.SetString("x")
	case reflect.Bool:
		v.SetBool(true)
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		v.SetInt(1)
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		v.SetUint(1)
	case reflect.Array:
		for i := 0; i < v.Len(); i++ {
			fill(v.Index(i), depth+1)
		}
	}
}

// shared reports a path where a and b share memory (a slice backing array,
// a pointer target or a map).
func shared(a, b reflect.Value, path string) string {
	switch a.Kind() {
	case reflect.Pointer, reflect.Map:
		if !a.IsNil() && a.Pointer() == b.Pointer() {
			return path
		}
		if a.Kind() == reflect.Pointer && !a.IsNil() {
			return shared(a.Elem(), b.Elem(), path)
		}
	case reflect.Slice:
		if a.Len() > 0 && a.Pointer() == b.Pointer() {
			return path
		}
		for i := 0; i < a.Len(); i++ {
			if p := shared(a.Index(i), b.Index(i), path+"[i]"); p != "" {
				return p
			}
		}
	case reflect.Struct:
		for i := 0; i < a.NumField(); i++ {
			if a.Type().Field(i).IsExported() {
				if p := shared(a.Field(i), b.Field(i), path+"."+a.Type().Field(i).Name); p != "" {
					return p
				}
			}
		}
	}
	return ""
}

// TestUserClone_SharesNothing fills every field of User and checks the clone
// shares no memory with the original, so a field added later without its
// line in Clone fails here.
func TestUserClone_SharesNothing(t *testing.T) {
	var u mitid.User
	fill(reflect.ValueOf(&u).Elem(), 0)
	c := u.Clone()
	assert.Equal(t, &u, c, "a clone is equal")
	assert.Empty(t, shared(reflect.ValueOf(u), reflect.ValueOf(*c), "User"), "a clone shares no memory")

	var s mitid.Session
	fill(reflect.ValueOf(&s).Elem(), 0)
	assert.Empty(t, shared(reflect.ValueOf(s), reflect.ValueOf(*s.Clone()), "Session"))
	var o mitid.Order
	fill(reflect.ValueOf(&o).Elem(), 0)
	assert.Empty(t, shared(reflect.ValueOf(o), reflect.ValueOf(*o.Clone()), "Order"))
	require.NotEmpty(t, u.Authenticators[0].CredentialID, "the filler reaches nested slices")
}

// TestUserClone_AnyNumberOfAuthenticators: the clone is equal and shares
// nothing whatever the count (a user and a few authenticators come in one
// block, more in two), and nil stays nil while empty stays empty.
func TestUserClone_AnyNumberOfAuthenticators(t *testing.T) {
	for _, n := range []int{-1, 0, 1, 2, 3, 4, 5, 9} {
		var u mitid.User
		fill(reflect.ValueOf(&u).Elem(), 0)
		switch {
		case n < 0:
			u.Authenticators = nil
		default:
			u.Authenticators = make([]mitid.Authenticator, n)
			for i := range u.Authenticators {
				fill(reflect.ValueOf(&u.Authenticators[i]).Elem(), 1)
			}
		}
		c := u.Clone()
		assert.Equal(t, &u, c, "n=%d: a clone is equal (nil and empty kept apart)", n)
		assert.Empty(t, shared(reflect.ValueOf(u), reflect.ValueOf(*c), "User"), "n=%d", n)
		if n >= 0 {
			c.Authenticators = append(c.Authenticators, mitid.Authenticator{Label: "added to the clone"})
			assert.Len(t, u.Authenticators, n, "n=%d: growing the clone's list leaves the original's", n)
		}
	}
}

// TestUserCloneFor_OwnsItsFieldsAndOneAuthenticator: the copy an
// UpdateAuthenticator function gets is equal to the user, shares nothing
// of the user's own fields or of the named authenticator, shares the rest
// (that is its point), and leaves the original alone when its list or a
// shared slice grows.
func TestUserCloneFor_OwnsItsFieldsAndOneAuthenticator(t *testing.T) {
	for _, n := range []int{1, 2, 3, 5} {
		for i := 0; i < n; i++ {
			var u mitid.User
			fill(reflect.ValueOf(&u).Elem(), 0)
			u.Authenticators = make([]mitid.Authenticator, n)
			for j := range u.Authenticators {
				fill(reflect.ValueOf(&u.Authenticators[j]).Elem(), 1)
				u.Authenticators[j].ID[0] = byte(j + 1)
			}
			c, a, err := u.CloneFor(u.Authenticators[i].ID)
			require.NoError(t, err)
			assert.Equal(t, &u, c, "n=%d i=%d: the copy is equal", n, i)
			require.Same(t, &c.Authenticators[i], a, "a is the copy's own element")
			assert.Empty(t, shared(reflect.ValueOf(u.Authenticators[i]), reflect.ValueOf(*a), "Authenticator"),
				"n=%d i=%d: the named authenticator shares nothing", n, i)
			if n > 1 {
				other := (i + 1) % n
				assert.Same(t, u.Authenticators[other].OTP, c.Authenticators[other].OTP, "the other authenticators' secrets are shared")
			}
			// The user's own fields are the copy's: a scalar, the list itself.
			c.Failures, c.Status = 77, mitid.UserBlocked
			c.Authenticators[(i+1)%n].Label = "replaced in the copy's list"
			a.OTP.LastStep, a.Password.Hash[0] = 99, 'Z'
			c.Authenticators = append(c.Authenticators, mitid.Authenticator{})
			c.Channels = append(c.Channels, mitid.ChannelEmail)
			c.Codes = append(c.Codes, mitid.IssuedCode{})
			assert.Equal(t, 1, u.Failures)
			assert.Len(t, u.Authenticators, n)
			assert.Equal(t, "x", u.Authenticators[(i+1)%n].Label)
			assert.Equal(t, int64(1), u.Authenticators[i].OTP.LastStep)
			assert.Equal(t, byte(1), u.Authenticators[i].Password.Hash[0])
			assert.Len(t, u.Channels, 2)
			assert.Len(t, u.Codes, 2)
		}
	}

	var u mitid.User
	fill(reflect.ValueOf(&u).Elem(), 0)
	_, _, err := u.CloneFor(uuid.New())
	require.ErrorIs(t, err, mitid.ErrNotFound, "an authenticator the user does not have")
}
