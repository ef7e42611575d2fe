package apptest

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/sha256"
	"crypto/subtle"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"sync"

	"github.com/go-mitid/mitid/app"
)

// MaxPINAttempts is how many wrong PINs in a row lock the simulated app.
const MaxPINAttempts = 3

// Errors of the simulated device; test with errors.Is.
var (
	// ErrWrongPIN: the simulated device refused the PIN.
	ErrWrongPIN = errors.New("app: wrong PIN")
	// ErrDeviceLocked: the simulated device locked itself after wrong PINs.
	ErrDeviceLocked = errors.New("app: the app is locked after too many wrong PINs")
)

// Simulator plays the MitID app on a phone: it holds a device key, checks
// the PIN on the device and signs approvals. It is safe for concurrent use.
type Simulator struct {
	mu       sync.Mutex
	key      *ecdsa.PrivateKey
	pin      string
	wrongPIN int
	rand     io.Reader
}

// NewSimulator makes an app with a fresh P-256 device key drawn from rand
// and the given 6-digit PIN.
func NewSimulator(rand io.Reader, pin string) (*Simulator, error) {
	if len(pin) != 6 || !digits(pin) {
		return nil, fmt.Errorf("app: a PIN has 6 digits")
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand)
	if err != nil {
		return nil, err
	}
	return &Simulator{key: key, pin: pin, rand: rand}, nil
}

func digits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// PublicKey returns the device key to register, in PKIX DER.
func (s *Simulator) PublicKey() []byte {
	der, err := x509.MarshalPKIXPublicKey(&s.key.PublicKey)
	if err != nil {
		panic(err) // a P-256 key always marshals
	}
	return der
}

// Approve shows the request to the simulated person, who approves it with
// pin. A wrong PIN counts; MaxPINAttempts in a row lock the app for good.
func (s *Simulator) Approve(r app.Request, pin string) ([]byte, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.wrongPIN >= MaxPINAttempts {
		return nil, ErrDeviceLocked
	}
	if subtle.ConstantTimeCompare([]byte(pin), []byte(s.pin)) != 1 {
		s.wrongPIN++
		if s.wrongPIN >= MaxPINAttempts {
			return nil, ErrDeviceLocked
		}
		return nil, fmt.Errorf("%w (%d attempts left)", ErrWrongPIN, MaxPINAttempts-s.wrongPIN)
	}
	s.wrongPIN = 0
	m, err := r.Message()
	if err != nil {
		return nil, err
	}
	digest := sha256.Sum256(m)
	return ecdsa.SignASN1(s.rand, s.key, digest[:])
}
