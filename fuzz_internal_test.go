package mitid

import (
	"bytes"
	"errors"
	"strings"
	"testing"
	"time"
)

// FuzzDecodeSealed: a sealed password as a login state carries it is
// either errLoginState or a value that encodes back to one that decodes
// to the same; its parts never reach past the input.
func FuzzDecodeSealed(f *testing.F) {
	f.Add(encodeSealed(Sealed{KeyID: "k1", Nonce: bytes.Repeat([]byte{7}, 12), Ciphertext: []byte("ciphertext and tag")}))
	f.Add(encodeSealed(Sealed{}))
	f.Add([]byte{0x02, 'k'})
	f.Fuzz(func(t *testing.T, b []byte) {
		v, err := decodeSealed(b)
		if err != nil {
			if !errors.Is(err, errLoginState) {
				t.Fatalf("error %v is not errLoginState", err)
			}
			return
		}
		if len(v.KeyID)+len(v.Nonce)+len(v.Ciphertext) > len(b) {
			t.Fatalf("%d bytes decoded into more", len(b))
		}
		again, err := decodeSealed(encodeSealed(v))
		if err != nil || again.KeyID != v.KeyID || !bytes.Equal(again.Nonce, v.Nonce) || !bytes.Equal(again.Ciphertext, v.Ciphertext) {
			t.Fatalf("%+v does not survive a round trip: %+v, %v", v, again, err)
		}
	})
}

// FuzzCheckPictureID: whatever an operator types for a picture ID, the
// check refuses it with CodePictureIDInvalid, or CodePictureIDExpired
// exactly when its expiry day has passed, or returns it tidied: a number
// of 1 to 20 letters and digits, a three-letter issuer, the same when
// checked again.
func FuzzCheckPictureID(f *testing.F) {
	now := time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)
	f.Add(string(IDPassport), "123456789", "DNK", now.AddDate(1, 0, 0).Unix(), now.Unix())
	f.Add(string(IDDrivingLicence), " ab 12 cd ", "grl ", now.Unix(), now.Unix())
	f.Add(string(IDNationalIDCard), "X1", "SWE", now.AddDate(0, 0, -1).Unix(), now.Unix())
	f.Add(string(IDResidencePermit), "ÆØÅ", "DNK", now.Unix(), now.Unix())
	f.Add("visa", "1", "DNK", int64(0), int64(0))
	f.Fuzz(func(t *testing.T, kind, number, issuer string, expires, at int64) {
		p := PictureID{Kind: PictureIDKind(kind), Number: number, Issuer: issuer, Expires: time.Unix(expires, 0).UTC()}
		if expires == 0 {
			p.Expires = time.Time{}
		}
		when := time.Unix(at, 0).UTC()
		got, err := checkPictureID(p, when)
		if err != nil {
			switch ErrorCode(err) {
			case CodePictureIDInvalid:
			case CodePictureIDExpired:
				y, m, d := p.Expires.Date()
				if when.Before(time.Date(y, m, d, 0, 0, 0, 0, time.UTC).AddDate(0, 0, 1)) {
					t.Fatalf("%+v refused as expired at %s", p, when)
				}
			default:
				t.Fatalf("error without a picture-ID code: %v", err)
			}
			return
		}
		if got.Number == "" || len(got.Number) > 20 || strings.Trim(got.Number, "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789") != "" {
			t.Fatalf("number %q accepted", got.Number)
		}
		if len(got.Issuer) != 3 || strings.Trim(got.Issuer, "ABCDEFGHIJKLMNOPQRSTUVWXYZ") != "" {
			t.Fatalf("issuer %q accepted", got.Issuer)
		}
		again, err := checkPictureID(got, when)
		if err != nil || again != got {
			t.Fatalf("not stable: %+v → %+v, %v", got, again, err)
		}
	})
}
