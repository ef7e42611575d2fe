package passport

import "context"

// Transceiver carries raw APDUs to a chip and back: a PC/SC reader, an NFC
// bridge, or the VirtualChip of this package. Transceive sends one command
// APDU and returns the complete response APDU, status word included. It
// returns an error only when the exchange itself failed (reader gone,
// context done); a status word other than 9000 is a normal response.
//
// Chips talk to one terminal at a time, so a session never calls
// Transceive concurrently and implementations need not be safe for
// concurrent use unless they say so.
type Transceiver interface {
	Transceive(ctx context.Context, apdu []byte) ([]byte, error)
}

// TransceiverFunc adapts a function to the Transceiver interface.
type TransceiverFunc func(ctx context.Context, apdu []byte) ([]byte, error)

// Transceive calls f.
func (f TransceiverFunc) Transceive(ctx context.Context, apdu []byte) ([]byte, error) {
	return f(ctx, apdu)
}
