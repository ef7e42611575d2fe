package mitid

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/sha256"
	"crypto/subtle"
	"errors"
	"fmt"
	"io"
	"slices"
)

// KeyRing holds the symmetric keys that protect secrets at rest. Each key has
// an ID; new secrets are sealed and hashed under the primary key, and the key
// ID travels with every sealed value and hash, so old keys can stay on the
// ring for reading while a new primary is rolled out (key rotation).
//
// A KeyRing is immutable after NewKeyRing and safe for concurrent use.
type KeyRing struct {
	primary string
	keys    map[string]ringKey
	order   []string // the key IDs, primary first, then in lexical order
}

type ringKey struct {
	aead cipher.AEAD
	mac  []byte // a key for HMAC, derived from the same secret
}

// Sealed is a secret encrypted with AES-256-GCM under a KeyRing key. It is
// safe to store; without the key ring it reveals nothing but its length.
type Sealed struct {
	KeyID      string `json:"kid"`
	Nonce      []byte `json:"nonce"`
	Ciphertext []byte `json:"ct"`
}

// KeyedHash is a keyed hash (HMAC-SHA-256) of a low-entropy secret such as an
// activation code, a P-code or a temporary PIN. Stored hashes cannot be
// brute-forced offline without the key ring.
type KeyedHash struct {
	KeyID string `json:"kid"`
	Sum   []byte `json:"sum"`
}

// NewKeyRing builds a key ring from 32-byte keys by ID; primary names the key
// used for new secrets. It refuses short keys and a primary that is missing.
func NewKeyRing(primary string, keys map[string][]byte) (*KeyRing, error) {
	if _, ok := keys[primary]; !ok {
		return nil, errorf(CodeConfigInvalid, "key ring: the primary key %q is not among the keys", primary)
	}
	r := &KeyRing{primary: primary, keys: make(map[string]ringKey, len(keys))}
	for id, k := range keys {
		if len(k) != 32 {
			return nil, errorf(CodeConfigInvalid, "key ring: key %q is %d bytes; use 32 random bytes", id, len(k))
		}
		// Separate subkeys for encryption and hashing, so one key never
		// serves two algorithms.
		encKey := derive(k, "mitid seal v1")
		block, err := aes.NewCipher(encKey)
		if err != nil {
			return nil, err
		}
		aead, err := cipher.NewGCM(block)
		if err != nil {
			return nil, err
		}
		r.keys[id] = ringKey{aead: aead, mac: derive(k, "mitid keyed hash v1")}
		if id != primary {
			r.order = append(r.order, id)
		}
	}
	slices.Sort(r.order)
	r.order = slices.Insert(r.order, 0, primary)
	return r, nil
}

// NewRandomKeyRing builds a one-key ring from rand. Fit for tests, demos and
// the in-memory store; a production ring must be loaded from a secret store,
// or everything sealed under it is lost at restart.
func NewRandomKeyRing(rand io.Reader) (*KeyRing, error) {
	k := make([]byte, 32)
	if _, err := io.ReadFull(rand, k); err != nil {
		return nil, fmt.Errorf("key ring: reading randomness: %w", err)
	}
	return NewKeyRing("k1", map[string][]byte{"k1": k})
}

func derive(key []byte, label string) []byte {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(label))
	return m.Sum(nil)
}

// Seal encrypts plaintext under the primary key. aad binds the sealed value
// to its context (say, the authenticator ID), so a sealed seed copied onto
// another authenticator does not open.
func (r *KeyRing) Seal(rand io.Reader, plaintext, aad []byte) (Sealed, error) {
	k := r.keys[r.primary]
	nonce := make([]byte, k.aead.NonceSize())
	if _, err := io.ReadFull(rand, nonce); err != nil {
		return Sealed{}, fmt.Errorf("sealing: reading randomness: %w", err)
	}
	return Sealed{KeyID: r.primary, Nonce: nonce, Ciphertext: k.aead.Seal(nil, nonce, plaintext, aad)}, nil
}

// errUnsealable is the cause when a sealed value does not open: the key is
// gone from the ring, or the value or its context was altered.
var errUnsealable = errors.New("sealed value does not open under this key ring")

// Open decrypts a value sealed by Seal with the same aad.
func (r *KeyRing) Open(s Sealed, aad []byte) ([]byte, error) {
	return r.openTo(nil, s, aad)
}

// openTo is Open appending the plaintext to dst, so a caller can open into
// a buffer it already has; dst's spare capacity must not overlap s or aad.
func (r *KeyRing) openTo(dst []byte, s Sealed, aad []byte) ([]byte, error) {
	k, ok := r.keys[s.KeyID]
	if !ok || len(s.Nonce) != k.aead.NonceSize() {
		return nil, fmt.Errorf("%w (key %q)", errUnsealable, s.KeyID)
	}
	pt, err := k.aead.Open(dst, s.Nonce, s.Ciphertext, aad)
	if err != nil {
		return nil, fmt.Errorf("%w (key %q)", errUnsealable, s.KeyID)
	}
	return pt, nil
}

// current reports whether a value sealed or hashed under key kid is under
// the primary key, and known whether the ring holds kid at all.
func (r *KeyRing) current(kid string) (current, known bool) {
	_, known = r.keys[kid]
	return kid == r.primary, known
}

// Hash returns the keyed hash of secret under the primary key; purpose
// separates the hashes of different kinds of secret.
func (r *KeyRing) Hash(purpose string, secret []byte) KeyedHash {
	return KeyedHash{KeyID: r.primary, Sum: r.sum(r.keys[r.primary], purpose, secret)}
}

// Verify reports, in constant time, whether secret hashes to h. A hash made
// under a key no longer on the ring never verifies.
func (r *KeyRing) Verify(h KeyedHash, purpose string, secret []byte) bool {
	k, ok := r.keys[h.KeyID]
	if !ok {
		return false
	}
	return subtle.ConstantTimeCompare(h.Sum, r.sum(k, purpose, secret)) == 1
}

func (r *KeyRing) sum(k ringKey, purpose string, secret []byte) []byte {
	m := hmac.New(sha256.New, k.mac)
	m.Write([]byte(purpose))
	m.Write([]byte{0})
	m.Write(secret)
	return m.Sum(nil)
}
