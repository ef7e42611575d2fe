package apdu

import (
	"encoding/binary"
	"errors"
	"fmt"

	"github.com/go-mitid/mitid/passport/internal/ber"
)

// ErrMalformedAPDU reports bytes that are not a valid command or response APDU.
var ErrMalformedAPDU = errors.New("passport: malformed APDU")

// Length limits of ISO/IEC 7816-4 §5.1.
const (
	// MaxShortNe is the largest response a short Le field can request.
	MaxShortNe = 256
	// MaxExtendedNe is the largest response an extended Le field can request.
	MaxExtendedNe = 65536
	MaxShortLc    = 255
	MaxExtendedLc = 65535
)

// Command is an ISO/IEC 7816-4 command APDU.
type Command struct {
	CLA, INS, P1, P2 byte
	// Data is the command data field (Nc = len(Data)), empty if absent.
	Data []byte
	// Ne is the maximum number of response data bytes expected: 0 means no
	// Le field; up to 256 fits a short Le, up to 65536 needs extended length.
	Ne int
}

// Extended reports whether the command needs extended length fields.
func (c Command) Extended() bool {
	return len(c.Data) > MaxShortLc || c.Ne > MaxShortNe
}

// Bytes encodes the command, with short length fields when they suffice and
// extended ones otherwise.
func (c Command) Bytes() ([]byte, error) {
	if len(c.Data) > MaxExtendedLc {
		return nil, fmt.Errorf("%w: %d data bytes exceed %d", ErrMalformedAPDU, len(c.Data), MaxExtendedLc)
	}
	if c.Ne < 0 || c.Ne > MaxExtendedNe {
		return nil, fmt.Errorf("%w: Ne %d outside 0..%d", ErrMalformedAPDU, c.Ne, MaxExtendedNe)
	}
	out := make([]byte, 0, 4+3+len(c.Data)+3)
	out = append(out, c.CLA, c.INS, c.P1, c.P2)
	if !c.Extended() {
		if len(c.Data) > 0 {
			out = append(out, byte(len(c.Data))) //nolint:gosec // G115: a short command carries at most MaxShortLc bytes
			out = append(out, c.Data...)
		}
		if c.Ne > 0 {
			out = append(out, byte(c.Ne)) //nolint:gosec // G115: a short command has 0 < Ne ≤ 256; 256 encodes as 00
		}
		return out, nil
	}
	out = append(out, 0)
	if len(c.Data) > 0 {
		out = binary.BigEndian.AppendUint16(out, uint16(len(c.Data))) //nolint:gosec // G115: len(Data) ≤ MaxExtendedLc, checked above
		out = append(out, c.Data...)
	}
	if c.Ne > 0 {
		out = binary.BigEndian.AppendUint16(out, uint16(c.Ne)) //nolint:gosec // G115: 0 < Ne ≤ 65536, checked above; 65536 encodes as 0000
	}
	return out, nil
}

// ParseCommand decodes a command APDU of any of the seven cases of
// ISO/IEC 7816-3 §12.1 (1, 2S, 3S, 4S, 2E, 3E, 4E). Data aliases b.
func ParseCommand(b []byte) (Command, error) {
	if len(b) < 4 {
		return Command{}, fmt.Errorf("%w: %d bytes, a command needs at least 4", ErrMalformedAPDU, len(b))
	}
	c := Command{CLA: b[0], INS: b[1], P1: b[2], P2: b[3]}
	body := b[4:]
	switch {
	case len(body) == 0: // case 1
		return c, nil
	case len(body) == 1: // case 2S
		c.Ne = ShortNe(body[0])
		return c, nil
	case body[0] != 0: // case 3S or 4S
		lc := int(body[0])
		switch len(body) {
		case 1 + lc:
			c.Data = body[1:]
		case 2 + lc:
			c.Data = body[1 : 1+lc]
			c.Ne = ShortNe(body[1+lc])
		default:
			return Command{}, fmt.Errorf("%w: Lc %d does not match %d body bytes", ErrMalformedAPDU, lc, len(body))
		}
		return c, nil
	case len(body) == 3: // case 2E
		c.Ne = ExtendedNe(body[1:3])
		return c, nil
	case len(body) > 3: // case 3E or 4E
		lc := int(binary.BigEndian.Uint16(body[1:3]))
		if lc == 0 {
			return Command{}, fmt.Errorf("%w: extended Lc of zero", ErrMalformedAPDU)
		}
		switch len(body) {
		case 3 + lc:
			c.Data = body[3:]
		case 5 + lc:
			c.Data = body[3 : 3+lc]
			c.Ne = ExtendedNe(body[3+lc:])
		default:
			return Command{}, fmt.Errorf("%w: extended Lc %d does not match %d body bytes", ErrMalformedAPDU, lc, len(body))
		}
		return c, nil
	}
	return Command{}, fmt.Errorf("%w: %d body bytes starting with 00 fit no APDU case", ErrMalformedAPDU, len(body))
}

// ShortNe decodes a short Le byte (00 means 256).
func ShortNe(b byte) int {
	if b == 0 {
		return MaxShortNe
	}
	return int(b)
}

// ExtendedNe decodes a two-byte extended Le (0000 means 65536).
func ExtendedNe(b []byte) int {
	n := int(binary.BigEndian.Uint16(b))
	if n == 0 {
		return MaxExtendedNe
	}
	return n
}

// Response is a response APDU: data followed by the status word SW1-SW2.
type Response struct {
	Data []byte
	SW   uint16
}

// ParseResponse splits a response APDU into data and status word. Data
// aliases b.
func ParseResponse(b []byte) (Response, error) {
	if len(b) < 2 {
		return Response{}, fmt.Errorf("%w: response of %d bytes has no status word", ErrMalformedAPDU, len(b))
	}
	n := len(b) - 2
	return Response{Data: b[:n:n], SW: binary.BigEndian.Uint16(b[n:])}, nil
}

// Bytes encodes the response.
func (r Response) Bytes() []byte {
	out := make([]byte, 0, len(r.Data)+2)
	return binary.BigEndian.AppendUint16(append(out, r.Data...), r.SW)
}

// Err returns nil for 9000 and a *StatusError otherwise.
func (r Response) Err() error {
	if r.SW == SWOK {
		return nil
	}
	return &StatusError{SW: r.SW}
}

// ISO/IEC 7816-4 and ICAO 9303 instruction bytes.
const (
	INSSelect               byte = 0xA4
	INSReadBinary           byte = 0xB0
	INSReadBinaryOdd        byte = 0xB1
	INSGetChallenge         byte = 0x84
	INSExternalAuthenticate byte = 0x82
	INSInternalAuthenticate byte = 0x88
	INSMSE                  byte = 0x22
	INSGeneralAuthenticate  byte = 0x86
)

// EMRTDAID is the application identifier of the ICAO LDS1 eMRTD application.
var EMRTDAID = []byte{0xA0, 0x00, 0x00, 0x02, 0x47, 0x10, 0x01}

// File identifiers of ICAO 9303 Part 10.
const (
	// FileCardAccess is EF.CardAccess (in the master file): PACE parameters.
	FileCardAccess uint16 = 0x011C
	// FileCOM is EF.COM: LDS version and the list of present data groups.
	FileCOM uint16 = 0x011E
	// FileSOD is EF.SOD: the document security object (signed hashes).
	FileSOD uint16 = 0x011D
)

// FileDG returns the file identifier of data group n (1–16): 0x0101–0x0110.
func FileDG(n int) uint16 { return 0x0100 | uint16(n) } //nolint:gosec // G115: n is a data group number, 1–16

// SelectApp is SELECT by application identifier, no answer data.
func SelectApp(aid []byte) Command {
	return Command{INS: INSSelect, P1: 0x04, P2: 0x0C, Data: aid}
}

// SelectFile is SELECT of an elementary file by identifier, no answer data.
func SelectFile(fid uint16) Command {
	return Command{INS: INSSelect, P1: 0x02, P2: 0x0C, Data: binary.BigEndian.AppendUint16(nil, fid)}
}

// SelectMF is SELECT of the master file 3F00.
func SelectMF() Command {
	return Command{INS: INSSelect, P1: 0x00, P2: 0x0C, Data: []byte{0x3F, 0x00}}
}

// ReadBinary reads at an offset below 32 KiB: P1-P2 carry the offset
// (bit 8 of P1 clear, so it is not read as a short file identifier).
func ReadBinary(offset, ne int) Command {
	return Command{INS: INSReadBinary, P1: byte(offset >> 8), P2: byte(offset), Ne: ne} //nolint:gosec // G115: 0 ≤ offset < 32 KiB, as documented (the reader switches to ReadBinaryOdd beyond)
}

// ReadBinaryOdd reads at any offset with the odd instruction B1, which
// carries the offset in a data object 54 (ISO/IEC 7816-4 §11.2.3).
func ReadBinaryOdd(offset, ne int) Command {
	var off []byte
	switch {
	case offset <= 0xFF:
		off = []byte{byte(offset)} //nolint:gosec // G115: 0 ≤ offset ≤ 0xFF here
	case offset <= 0xFFFF:
		off = []byte{byte(offset >> 8), byte(offset)} //nolint:gosec // G115: the two octets of an offset ≤ 0xFFFF
	case offset <= 0xFFFFFF:
		off = []byte{byte(offset >> 16), byte(offset >> 8), byte(offset)} //nolint:gosec // G115: the three octets of an offset ≤ 0xFFFFFF
	default:
		// Files are far smaller than 4 GiB (the reader caps them), so four octets hold any offset.
		off = binary.BigEndian.AppendUint32(nil, uint32(offset)) //nolint:gosec // G115: an offset into a file below 4 GiB
	}
	return Command{INS: INSReadBinaryOdd, Data: ber.EncodeTLV(0x54, off), Ne: ne}
}
