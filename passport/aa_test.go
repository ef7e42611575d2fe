package passport_test

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"encoding/asn1"
	"errors"
	"fmt"
	"math/big"
	"sync"
	"testing"

	"github.com/go-mitid/mitid/passport"
	"github.com/go-mitid/mitid/passport/internal/ec"
	"github.com/go-mitid/mitid/passport/internal/rsaraw"
	"github.com/go-mitid/mitid/passport/passporttest"
)

type aaTestKeySet struct {
	once       sync.Once
	rsa1024    *rsa.PrivateKey
	rsa2048    *rsa.PrivateKey
	p256       *ecdsa.PrivateKey
	brainpool  *ec.PrivateKey
	brainpool3 *ec.PrivateKey
}

var aaTestKeys aaTestKeySet

func aaKeys(t testing.TB) *aaTestKeySet {
	t.Helper()
	aaTestKeys.once.Do(func() {
		var err error
		if aaTestKeys.rsa1024, err = rsa.GenerateKey(rand.Reader, 1024); err != nil { //nolint:gosec // G403: ICAO 9303 Active Authentication keys of 1024 bits are on issued passports, and this test reads them
			panic(err)
		}
		if aaTestKeys.rsa2048, err = rsa.GenerateKey(rand.Reader, 2048); err != nil {
			panic(err)
		}
		if aaTestKeys.p256, err = ecdsa.GenerateKey(elliptic.P256(), rand.Reader); err != nil {
			panic(err)
		}
		if aaTestKeys.brainpool, err = ec.BrainpoolP256r1().GenerateKey(pkiTestRand(11)); err != nil {
			panic(err)
		}
		if aaTestKeys.brainpool3, err = ec.BrainpoolP384r1().GenerateKey(pkiTestRand(12)); err != nil {
			panic(err)
		}
	})
	return &aaTestKeys
}

func aaPub(t testing.TB, k crypto.Signer) *passport.PublicKey {
	t.Helper()
	pk, err := passport.NewPublicKey(k.Public())
	if err != nil {
		t.Fatal(err)
	}
	return pk
}

var aaChallenge = []byte{0x78, 0x17, 0x23, 0x86, 0x0C, 0x06, 0xC2, 0x26}

func TestActiveAuthentication_RSAEveryTrailer(t *testing.T) {
	keys := aaKeys(t)
	cases := []struct {
		hash     crypto.Hash
		explicit bool
		trailer  uint16
	}{
		{crypto.SHA1, false, rsaraw.ISO9796TrailerImplicitSHA1},
		{crypto.SHA1, true, rsaraw.ISO9796TrailerSHA1},
		{crypto.SHA224, false, rsaraw.ISO9796TrailerSHA224},
		{crypto.SHA256, false, rsaraw.ISO9796TrailerSHA256},
		{crypto.SHA384, false, rsaraw.ISO9796TrailerSHA384},
		{crypto.SHA512, false, rsaraw.ISO9796TrailerSHA512},
	}
	for _, key := range []*rsa.PrivateKey{keys.rsa1024, keys.rsa2048} {
		for _, tc := range cases {
			t.Run(fmt.Sprintf("RSA-%d/%X", key.N.BitLen(), tc.trailer), func(t *testing.T) {
				sig, err := passporttest.SignActive(pkiTestRand(1), key, aaChallenge, passporttest.ActiveSignOptions{Hash: tc.hash, ExplicitTrailer: tc.explicit})
				if err != nil {
					t.Fatal(err)
				}
				pub := aaPub(t, key)
				res, err := passport.VerifyActive(pub, aaChallenge, sig, 0)
				if err != nil {
					t.Fatalf("VerifyActive: %v", err)
				}
				if res.Trailer != tc.trailer || res.Hash != tc.hash {
					t.Errorf("trailer %X hash %v", res.Trailer, res.Hash)
				}
				// Capacity: modulus − header − hash − trailer.
				tl := 2
				if !tc.explicit && tc.hash == crypto.SHA1 {
					tl = 1
				}
				if want := key.Size() - 1 - tc.hash.Size() - tl; len(res.Recovered) != want {
					t.Errorf("recovered %d bytes, want %d", len(res.Recovered), want)
				}
				// The last trailer byte and header are visible in the raw representative.
				f, _ := rsaraw.Public(&key.PublicKey, sig)
				if f[0] != 0x6A {
					t.Errorf("header byte %02X", f[0])
				}
				// Failures: another challenge, a flipped bit, another key.
				other := append([]byte(nil), aaChallenge...)
				other[0] ^= 1
				if _, err := passport.VerifyActive(pub, other, sig, 0); !errors.Is(err, passport.ErrActiveAuthenticationFailed) {
					t.Errorf("other challenge: %v", err)
				}
				bad := append([]byte(nil), sig...)
				bad[len(bad)/2] ^= 0x10
				if _, err := passport.VerifyActive(pub, aaChallenge, bad, 0); !errors.Is(err, passport.ErrActiveAuthenticationFailed) {
					t.Errorf("flipped bit: %v", err)
				}
				wrongKey := keys.rsa2048
				if key == keys.rsa2048 {
					wrongKey = keys.rsa1024
				}
				if _, err := passport.VerifyActive(aaPub(t, wrongKey), aaChallenge, sig, 0); !errors.Is(err, passport.ErrActiveAuthenticationFailed) {
					t.Errorf("wrong key: %v", err)
				}
			})
		}
	}
}

// TestActiveAuthentication_ISO9796Variants checks representatives built
// by hand rather than by SignActive: padding before a short M1, and the
// min(J, n−J) signature form of ISO/IEC 9796-2.
func TestActiveAuthentication_ISO9796Variants(t *testing.T) {
	key := aaKeys(t).rsa1024
	pub := aaPub(t, key)
	k := key.Size()
	m1 := []byte("chip nonce 0123")
	d := crypto.SHA1.New()
	d.Write(m1)
	d.Write(aaChallenge)
	// 6B BB … BB BA ‖ M1 ‖ H ‖ BC
	f := []byte{0x6B}
	for len(f) < k-1-20-len(m1)-1 {
		f = append(f, 0xBB)
	}
	f = append(f, 0xBA)
	f = append(f, m1...)
	f = d.Sum(f)
	f = append(f, 0xBC)
	sig, err := rsaraw.Private(key, f)
	if err != nil {
		t.Fatal(err)
	}
	res, err := passport.VerifyActive(pub, aaChallenge, sig, 0)
	if err != nil {
		t.Fatalf("padded representative: %v", err)
	}
	if string(res.Recovered) != string(m1) {
		t.Errorf("recovered %q", res.Recovered)
	}
	// σ' = n − σ verifies too (the verifier takes n − σ'^e).
	alt := new(big.Int).Sub(key.N, new(big.Int).SetBytes(sig)).FillBytes(make([]byte, k))
	if _, err := passport.VerifyActive(pub, aaChallenge, alt, 0); err != nil {
		t.Errorf("n − σ form: %v", err)
	}
	// Broken paddings are rejected.
	for name, mutate := range map[string]func([]byte){
		"header 00":     func(b []byte) { b[0] = 0x2B },
		"full recovery": func(b []byte) { b[0] = 0x4B },
		"bad pad byte":  func(b []byte) { b[3] = 0xAB },
		"no border":     func(b []byte) { b[len(b)-1-20-len(m1)-1] = 0xBB },
		"unknown hash":  func(b []byte) { b[len(b)-1] = 0xCC; b[len(b)-2] = 0x31 },
	} {
		g := append([]byte(nil), f...)
		mutate(g)
		s, err := rsaraw.Private(key, g)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := passport.VerifyActive(pub, aaChallenge, s, 0); !errors.Is(err, passport.ErrActiveAuthenticationFailed) {
			t.Errorf("%s: err = %v, want ErrActiveAuthenticationFailed", name, err)
		}
	}
}

func TestActiveAuthentication_ECDSAPlainAndDER(t *testing.T) {
	keys := aaKeys(t)
	signers := map[string]crypto.Signer{"P-256": keys.p256, "brainpoolP256r1": keys.brainpool, "brainpoolP384r1": keys.brainpool3}
	for name, key := range signers {
		for _, der := range []bool{false, true} {
			for _, h := range []crypto.Hash{0, crypto.SHA1, crypto.SHA256} {
				t.Run(fmt.Sprintf("%s/DER=%v/%v", name, der, h), func(t *testing.T) {
					sig, err := passporttest.SignActive(pkiTestRand(3), key, aaChallenge, passporttest.ActiveSignOptions{Hash: h, DER: der})
					if err != nil {
						t.Fatal(err)
					}
					pub := aaPub(t, key)
					plainLen := 2 * pub.EC.Curve.ByteLen()
					if !der && len(sig) != plainLen {
						t.Fatalf("plain signature %d bytes, want %d", len(sig), plainLen)
					}
					res, err := passport.VerifyActive(pub, aaChallenge, sig, h)
					if err != nil {
						t.Fatalf("VerifyActive: %v", err)
					}
					if res.PlainSignature == der {
						t.Errorf("PlainSignature = %v", res.PlainSignature)
					}
					other := append([]byte(nil), aaChallenge...)
					other[7] ^= 0x80
					if _, err := passport.VerifyActive(pub, other, sig, h); !errors.Is(err, passport.ErrActiveAuthenticationFailed) {
						t.Errorf("other challenge: %v", err)
					}
					// The wrong hash must fail (SHA-1 vs SHA-256/384 default).
					wrong := crypto.SHA512
					if _, err := passport.VerifyActive(pub, aaChallenge, sig, wrong); !errors.Is(err, passport.ErrActiveAuthenticationFailed) {
						t.Errorf("wrong hash: %v", err)
					}
					if _, err := passport.VerifyActive(pub, aaChallenge, sig[:len(sig)-1], h); !errors.Is(err, passport.ErrActiveAuthenticationFailed) {
						t.Errorf("truncated: %v", err)
					}
				})
			}
		}
	}
}

func TestActiveAuthenticationHash_FromDG14OIDs(t *testing.T) {
	for oid, want := range map[string]crypto.Hash{
		"0.4.0.127.0.7.1.1.4.1.1": crypto.SHA1,
		"0.4.0.127.0.7.1.1.4.1.3": crypto.SHA256,
		"0.4.0.127.0.7.1.1.4.1.5": crypto.SHA512,
		"1.2.840.10045.4.3.3":     crypto.SHA384,
	} {
		var o asn1.ObjectIdentifier
		for _, part := range splitOID(oid) {
			o = append(o, part)
		}
		got, err := passport.ActiveAuthenticationHash(o)
		if err != nil || got != want {
			t.Errorf("%s: %v, %v", oid, got, err)
		}
	}
	if _, err := passport.ActiveAuthenticationHash(passport.OidSHA256WithRSA); !errors.Is(err, passport.ErrUnsupportedAlgorithm) {
		t.Errorf("RSA OID: %v", err)
	}
}

func splitOID(s string) []int {
	var out []int
	n := 0
	for i := 0; i <= len(s); i++ {
		if i == len(s) || s[i] == '.' {
			out = append(out, n)
			n = 0
			continue
		}
		n = n*10 + int(s[i]-'0')
	}
	return out
}

func TestVerifyActive_RejectsShortChallengeAndBadKeys(t *testing.T) {
	keys := aaKeys(t)
	if _, err := passport.VerifyActive(aaPub(t, keys.p256), []byte{1, 2, 3}, make([]byte, 64), 0); !errors.Is(err, passport.ErrActiveAuthenticationFailed) {
		t.Errorf("short challenge: %v", err)
	}
	if _, err := passport.VerifyActive(nil, aaChallenge, nil, 0); !errors.Is(err, passport.ErrActiveAuthenticationFailed) {
		t.Errorf("nil key: %v", err)
	}
	if _, err := passporttest.SignActive(nil, keys.p256, aaChallenge, passporttest.ActiveSignOptions{}); err == nil {
		t.Error("nil rand accepted")
	}
}
