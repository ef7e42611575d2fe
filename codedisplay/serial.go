package codedisplay

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
)

// A serial number is printed on every code display and audio code reader and typed at
// activation to say which device is being activated. This package's format (MitID's is
// not published): ten digits, a nine-digit device number followed by one check digit
// computed with Damm's algorithm. Damm's check digit catches every single wrong digit
// and every swap of two adjacent digits — the two commonest typing mistakes — where
// Luhn's misses 09↔90. Serial numbers are shown in groups of 3, 3 and 4 digits
// ("572 000 0019") and parsed with the same leniency as codes (see NormalizeCode).

// SerialLength is the number of digits of a serial number, check digit included.
const SerialLength = 10

// MaxSerialNumber is the largest device number a serial number can carry.
const MaxSerialNumber = 999_999_999

// dammTable is the totally anti-symmetric quasigroup of order 10 from H. M. Damm's
// thesis (2004), the table in every description of the algorithm: row i (the interim
// digit) is dammTable[10*i : 10*i+10]. A constant, so nothing can change it.
const dammTable = "0317598642" +
	"7092154863" +
	"4206871359" +
	"1750983426" +
	"6123045978" +
	"3674209581" +
	"5869720134" +
	"8945362017" +
	"9438617205" +
	"2581436790"

// damm returns the Damm interim digit of the ASCII digits in b: the check digit to
// append to b, and 0 when b already ends in a correct check digit.
func damm(b []byte) byte {
	var interim byte
	for _, c := range b {
		interim = dammTable[10*int(interim)+int(c-'0')] - '0'
	}
	return interim
}

// Serial is a device serial number. The zero Serial is "no serial number"; every other
// value has ten digits with a correct check digit, because the only ways to make one
// are ParseSerial, NewSerial, SerialFromNumber and UnmarshalText, which check it.
// Serial values are comparable with ==.
type Serial struct {
	digits string // SerialLength ASCII digits, or "" for the zero Serial
}

// ParseSerial reads a serial number as a person types it: ten digits, ASCII or
// full-width, with spaces or hyphens anywhere ("572 000 0019", "572-000-0019"). It
// fails with ErrMalformedSerial (not ten digits, or something that is not a digit, named
// with its position) or ErrSerialCheckDigit (ten digits with a wrong check digit,
// almost always a typing mistake).
func ParseSerial(s string) (Serial, error) {
	var buf [SerialLength]byte
	n, prob := scanDigits(s, buf[:])
	if prob != nil {
		if prob.pos > 0 {
			return Serial{}, fmt.Errorf("%w: the serial number %s (character %d)", ErrMalformedSerial, prob.reason, prob.pos)
		}
		return Serial{}, fmt.Errorf("%w: the serial number %s", ErrMalformedSerial, prob.reason)
	}
	if n != SerialLength {
		return Serial{}, fmt.Errorf("%w: the serial number has %d digits, want %d", ErrMalformedSerial, n, SerialLength)
	}
	if damm(buf[:]) != 0 {
		return Serial{}, fmt.Errorf("%w: %s is not a valid serial number; check it for a mistyped or swapped digit", ErrSerialCheckDigit, formatSerial(buf[:]))
	}
	return Serial{digits: string(buf[:])}, nil
}

// SerialFromNumber returns the serial number of device number n (0 to
// MaxSerialNumber): n as nine digits with leading zeros, then its check digit. A
// manufacturer numbering devices in sequence uses it.
func SerialFromNumber(n uint64) (Serial, error) {
	if n > MaxSerialNumber {
		return Serial{}, fmt.Errorf("%w: device number %d is above %d", ErrMalformedSerial, n, MaxSerialNumber)
	}
	var buf [SerialLength]byte
	for i := SerialLength - 2; i >= 0; i-- {
		buf[i] = byte('0' + n%10)
		n /= 10
	}
	buf[SerialLength-1] = '0' + damm(buf[:SerialLength-1])
	return Serial{digits: string(buf[:])}, nil
}

// maxSerialDraws bounds NewSerial's rejection sampling. Each draw is rejected with
// probability 0.07, so 64 rejections in a row only happen with a broken reader.
const maxSerialDraws = 64

// NewSerial returns a serial number with a device number drawn uniformly from
// 0..MaxSerialNumber using rand.
func NewSerial(rand io.Reader) (Serial, error) {
	if rand == nil {
		return Serial{}, errors.New("codedisplay: NewSerial: nil random source")
	}
	// Rejection sampling keeps the draw uniform: 4,000,000,000 is the largest multiple
	// of 10^9 that fits in 32 bits.
	var b [4]byte
	for range maxSerialDraws {
		if _, err := io.ReadFull(rand, b[:]); err != nil {
			return Serial{}, fmt.Errorf("codedisplay: reading serial number: %w", err)
		}
		if v := binary.BigEndian.Uint32(b[:]); v < 4_000_000_000 {
			return SerialFromNumber(uint64(v % 1_000_000_000))
		}
	}
	return Serial{}, errors.New("codedisplay: NewSerial: random source is not random (every draw out of range)")
}

// IsZero reports whether s is the zero Serial.
func (s Serial) IsZero() bool { return s.digits == "" }

// Digits returns the canonical form, ten ASCII digits ("5720000019"), for storage and
// comparison; "" for the zero Serial.
func (s Serial) Digits() string { return s.digits }

// Number returns the device number, the serial number without its check digit.
func (s Serial) Number() uint64 {
	var n uint64
	for i := 0; i < len(s.digits)-1; i++ {
		n = n*10 + uint64(s.digits[i]-'0')
	}
	return n
}

// String returns the serial number as printed for people, "572 000 0019"; "" for the
// zero Serial.
func (s Serial) String() string {
	if s.digits == "" {
		return ""
	}
	return formatSerial([]byte(s.digits))
}

// formatSerial groups ten digits 3-3-4.
func formatSerial(d []byte) string {
	return string(d[:3]) + " " + string(d[3:6]) + " " + string(d[6:])
}

// MarshalText returns the canonical ten digits ("" for the zero Serial).
func (s Serial) MarshalText() ([]byte, error) { return []byte(s.digits), nil }

// UnmarshalText parses text as ParseSerial does; empty text gives the zero Serial.
func (s *Serial) UnmarshalText(text []byte) error {
	if len(text) == 0 {
		*s = Serial{}
		return nil
	}
	v, err := ParseSerial(string(text))
	if err != nil {
		return err
	}
	*s = v
	return nil
}
