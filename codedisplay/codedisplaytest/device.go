package codedisplaytest

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/go-mitid/mitid/codedisplay"
)

// ErrInvalidDevice means a simulated device was built from missing or invalid parts.
var ErrInvalidDevice = errors.New("codedisplay: invalid device")

// Device simulates a code display: a serial number, a seed and the parameters fixed at
// manufacture, and a clock. It shows the code of the clock's current time step, as the
// hardware does. To simulate a device whose clock drifts, give it a clock that runs
// ahead of or behind the verifier's.
//
// A Device never changes after NewDevice, so it is safe for concurrent use when its
// clock is.
type Device struct {
	serial codedisplay.Serial
	seed   []byte
	params codedisplay.Params
	clock  func() time.Time
}

// NewDevice returns a simulated device. It copies seed, and fails with
// ErrInvalidDevice for a zero serial number or a nil clock, codedisplay.ErrInvalidParams
// or codedisplay.ErrInvalidSeed for parameters or a seed Verify would reject.
func NewDevice(serial codedisplay.Serial, seed []byte, p codedisplay.Params, clock func() time.Time) (*Device, error) {
	if serial.IsZero() {
		return nil, fmt.Errorf("%w: no serial number", ErrInvalidDevice)
	}
	if clock == nil {
		return nil, fmt.Errorf("%w: nil clock", ErrInvalidDevice)
	}
	// Computing one code checks the parameters and the seed exactly as
	// Verify will.
	if _, err := p.CodeAt(seed, time.Unix(0, 0)); err != nil {
		return nil, err
	}
	return &Device{serial: serial, seed: bytes.Clone(seed), params: p, clock: clock}, nil
}

// Manufacture makes a new device: a serial number drawn with codedisplay.NewSerial, then a
// seed drawn with p.NewSeed, both from rand. The issuer records codedisplay.Serial and Seed (sealed) when
// it ships the device and verifies codes against them at activation and login.
func Manufacture(rand io.Reader, p codedisplay.Params, clock func() time.Time) (*Device, error) {
	if err := p.Validate(); err != nil {
		return nil, err
	}
	serial, err := codedisplay.NewSerial(rand)
	if err != nil {
		return nil, err
	}
	seed, err := p.NewSeed(rand)
	if err != nil {
		return nil, err
	}
	return NewDevice(serial, seed, p, clock)
}

// Serial returns the device's serial number.
func (d *Device) Serial() codedisplay.Serial { return d.serial }

// Seed returns a copy of the device's secret seed, as the issuer records it at
// manufacture.
func (d *Device) Seed() []byte { return bytes.Clone(d.seed) }

// Params returns the device's parameters.
func (d *Device) Params() codedisplay.Params { return d.params }

// Code returns the code the device shows now, by its own clock.
func (d *Device) Code() (string, error) { return d.CodeAt(d.clock()) }

// CodeAt returns the code the device shows at time t. It fails with ErrInvalidTime
// for t before the Unix epoch.
func (d *Device) CodeAt(t time.Time) (string, error) { return d.params.CodeAt(d.seed, t) }
