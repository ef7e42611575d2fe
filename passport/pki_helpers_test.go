package passport_test

import (
	"crypto/rand"
	"io"
	mrand "math/rand/v2"
	"sync"
	"testing"
	"time"

	"github.com/go-mitid/mitid/passport/passporttest"
)

// pkiTestNow is the fixed "current time" of the PKI tests: tests never read
// the wall clock.
var pkiTestNow = time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)

// pkiTestRand returns a deterministic random source for one test. (RSA and
// NIST ECDSA key generation ignore it since Go 1.26; brainpool and the
// ISO 9796-2 nonces use it.)
func pkiTestRand(seed uint64) io.Reader {
	return mrand.NewChaCha8([32]byte{byte(seed), byte(seed >> 8), 'p', 'k', 'i'})
}

// pkiTestCache shares generated PKIs across the tests of one run: RSA key
// generation dominates test time otherwise.
var pkiTestCache struct {
	sync.Mutex
	pkis map[passporttest.Algorithm]*passporttest.PKI
}

// pkiTestPKI returns a valid synthetic PKI for alg (shared, do not modify).
func pkiTestPKI(t testing.TB, alg passporttest.Algorithm) *passporttest.PKI {
	t.Helper()
	pkiTestCache.Lock()
	defer pkiTestCache.Unlock()
	if p := pkiTestCache.pkis[alg]; p != nil {
		return p
	}
	r := rand.Reader
	if alg == passporttest.ECDSABrainpoolP256 || alg == passporttest.ECDSABrainpoolP384 {
		r = pkiTestRand(uint64(alg))
	}
	p, err := passporttest.NewPKI(passporttest.PKIOptions{Rand: r, Now: pkiTestNow, Algorithm: alg})
	if err != nil {
		t.Fatalf("NewSyntheticPKI(%v): %v", alg, err)
	}
	if pkiTestCache.pkis == nil {
		pkiTestCache.pkis = map[passporttest.Algorithm]*passporttest.PKI{}
	}
	pkiTestCache.pkis[alg] = p
	return p
}

// pkiTestDataGroups returns small stand-in data groups (real LDS files are
// tested in the lds tests; PA only hashes bytes).
func pkiTestDataGroups() map[int][]byte {
	return map[int][]byte{
		1:  mustHexT("614B5F1F48493C55544F4552494B53534F4E3C3C414E4E413C4D415249413C3C3C3C3C3C3C3C3C3C3C4432333134353839303755544F3734303831323246313230343135393C3C3C3C3C3C3C36"),
		2:  append([]byte{0x75, 0x08}, []byte("faceface")...),
		11: mustHexT("6B125C025F0F5F0F0B534D4954483C3C4A4F484E"),
	}
}

func mustHexT(s string) []byte {
	b := make([]byte, len(s)/2)
	for i := range b {
		var v byte
		for _, c := range []byte(s[2*i : 2*i+2]) {
			v <<= 4
			switch {
			case c >= '0' && c <= '9':
				v |= c - '0'
			case c >= 'a' && c <= 'f':
				v |= c - 'a' + 10
			case c >= 'A' && c <= 'F':
				v |= c - 'A' + 10
			default:
				panic("bad hex " + s)
			}
		}
		b[i] = v
	}
	return b
}

// pkiSignSOD signs dgs with p's DSC at pkiTestNow.
func pkiSignSOD(t testing.TB, p *passporttest.PKI, dgs map[int][]byte, opts passporttest.SODOptions) []byte {
	t.Helper()
	if opts.SigningTime.IsZero() {
		opts.SigningTime = pkiTestNow
	}
	sod, err := p.SignSOD(pkiTestRand(7), dgs, opts)
	if err != nil {
		t.Fatalf("SignSOD: %v", err)
	}
	return sod
}
