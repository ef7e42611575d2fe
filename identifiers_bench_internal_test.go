package mitid

import (
	"bytes"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"testing"

	"github.com/google/uuid"
)

func benchRing(b *testing.B) *KeyRing {
	r, err := NewKeyRing("k1", map[string][]byte{"k1": bytes.Repeat([]byte{1}, 32)})
	if err != nil {
		b.Fatal(err)
	}
	return r
}

// BenchmarkOpenIdentifiers is what the Service adds to each user it reads
// from a store that decodes rows (PostgreSQL): opening the sealed CPR
// number into a copy. Beside it, the AES-GCM open it wraps.
func BenchmarkOpenIdentifiers(b *testing.B) {
	r := benchRing(b)
	cpr, _ := ParseCPR("0101901234")
	u := &User{ID: uuid.New(), CPR: cpr}
	if err := r.SealIdentifiers(rand.Reader, u); err != nil {
		b.Fatal(err)
	}
	u.CPR = CPR{}
	st := identifierStore{keys: r}
	b.ReportAllocs()
	for b.Loop() {
		if c, _ := st.opened(u, nil); c.CPR.IsZero() {
			b.Fatal("not opened")
		}
	}
}

func BenchmarkBareGCMOpen(b *testing.B) {
	r := benchRing(b)
	aad := identifierAAD(purposeCPR, uuid.New())
	s, err := r.Seal(rand.Reader, []byte("0101901234"), aad)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := r.Open(s, aad); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkIdentifierKeys is the hashing of a CPR number a lookup does
// (one key on the ring), beside one bare HMAC-SHA-256.
func BenchmarkIdentifierKeys(b *testing.B) {
	r := benchRing(b)
	b.ReportAllocs()
	for b.Loop() {
		_ = r.identifierKeys(purposeCPR, "0101901234")
	}
}

func BenchmarkBareHMAC(b *testing.B) {
	key := bytes.Repeat([]byte{1}, 32)
	b.ReportAllocs()
	for b.Loop() {
		m := hmac.New(sha256.New, key)
		m.Write([]byte("0101901234"))
		_ = m.Sum(nil)
	}
}
