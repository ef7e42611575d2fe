package mitid

import (
	"testing"

	"golang.org/x/crypto/argon2"
)

// TestPasswordHash_OlderHashesVerifyAsTyped: a hash stored before passwords
// were normalised (NFKC false) still verifies the bytes it was made from,
// so no one is locked out by the change; a new hash verifies any form.
func TestPasswordHash_OlderHashesVerifyAsTyped(t *testing.T) {
	const decomposed, composed = "bla\u030A hest", "blå hest"
	a := Argon2Params{Time: 1, Memory: 64, Threads: 1, KeyLen: 32, SaltLen: 16}
	salt := []byte("0123456789abcdef")
	old := &PasswordHash{Salt: salt, Time: a.Time, Memory: a.Memory, Threads: a.Threads,
		Hash: argon2.IDKey([]byte(decomposed), salt, a.Time, a.Memory, a.Threads, a.KeyLen)}
	if !old.verify(decomposed) {
		t.Fatal("an older hash no longer verifies the password it was made from")
	}
	if old.verify(composed) {
		t.Fatal("an older hash verifies a form it was not made from")
	}
	h, err := hashPassword(a, zeros{}, decomposed)
	if err != nil {
		t.Fatal(err)
	}
	if !h.NFKC || !h.verify(composed) || !h.verify(decomposed) || h.verify("bla hest") {
		t.Fatalf("a new hash (NFKC %v) does not compare in NFKC", h.NFKC)
	}
}

type zeros struct{}

func (zeros) Read(p []byte) (int, error) { clear(p); return len(p), nil }

// BenchmarkCheckPassword is the password rules (NFKC, length, package
// weakpassword, CPR number) run beside BenchmarkArgon2idHash, the hash under
// DefaultPolicy that every accepted password then costs, so the rules' share
// reads as a ratio:
//
//	go test -run='^$' -bench='CheckPassword|Argon2idHash' -benchmem ./
func BenchmarkCheckPassword(b *testing.B) {
	p := DefaultPolicy()
	cpr, err := ParseCPR("010190-1234")
	if err != nil {
		b.Fatal(err)
	}
	u := &User{UserID: "stald-karen", Name: "Karen Blixen", CPR: cpr}
	for b.Loop() {
		if err := p.checkPassword("korrekt hest batteri", u); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkArgon2idHash(b *testing.B) {
	a := DefaultPolicy().Argon2
	salt := make([]byte, a.SaltLen)
	for b.Loop() {
		argon2.IDKey([]byte("korrekt hest batteri"), salt, a.Time, a.Memory, a.Threads, a.KeyLen)
	}
}
