package passport

import (
	"context"
	"errors"
	"fmt"

	"github.com/go-mitid/mitid/passport/internal/apdu"
	"github.com/go-mitid/mitid/passport/internal/ber"
)

// ErrFileTooLarge reports a file whose announced size exceeds the session's
// MaxFileSize. Nothing beyond the first bytes is read, so a hostile chip
// cannot make the reader allocate without bound.
var ErrFileTooLarge = errors.New("passport: file exceeds the maximum size")

// doDiscretionaryData wraps the data of an odd-INS READ BINARY (ISO/IEC 7816-4 §11.2.3).
const doDiscretionaryData ber.Tag = 0x53

// maxOffsetB0 is the largest offset P1-P2 of READ BINARY B0 can carry: bit 8
// of P1 set would mean a short file identifier.
const maxOffsetB0 = 0x7FFF

// headerProbe is how many bytes the first READ BINARY asks for, as in Part 11
// Appendix D.4: enough for the one-byte tag and up to 0x82 length of every
// LDS file. Longer headers are completed with a second read.
const headerProbe = 4

// maxHeader is the longest TLV header DecodeTLVHeader accepts.
const maxHeader = ber.MaxTagBytes + 5

// ReadFile selects the elementary file fid of the current application (or
// the master file, for EF.CardAccess) and reads it whole. The size comes
// from the BER-TLV header every LDS file starts with and is checked against
// MaxFileSize before the rest is read. Offsets of 32 KiB and beyond use the
// odd-INS READ BINARY. When a chip refuses a length (6700) the read size is
// halved for the rest of the session; when it names the right one (6Cxx)
// that is used.
func (s *session) ReadFile(ctx context.Context, fid uint16) ([]byte, error) {
	if _, err := s.transmitOK(ctx, apdu.SelectFile(fid)); err != nil {
		return nil, fmt.Errorf("passport: selecting file %04X: %w", fid, err)
	}
	var head []byte
	var h, n int
	for {
		more, err := s.readAt(ctx, len(head), headerProbe)
		if err != nil {
			return nil, fmt.Errorf("passport: reading file %04X: %w", fid, err)
		}
		head = append(head, more...)
		if _, h, n, err = ber.DecodeTLVHeader(head); err == nil {
			break
		}
		if len(more) < headerProbe || len(head) >= maxHeader {
			return nil, fmt.Errorf("passport: file %04X does not start with a TLV header: %w", fid, err)
		}
	}
	total := h + n
	if total > s.maxFileSize {
		return nil, fmt.Errorf("%w: file %04X announces %d bytes, the limit is %d", ErrFileTooLarge, fid, total, s.maxFileSize)
	}
	buf := make([]byte, 0, total)
	buf = append(buf, head[:min(len(head), total)]...)
	for len(buf) < total {
		data, err := s.readAt(ctx, len(buf), min(s.readChunk, total-len(buf)))
		if err != nil {
			return nil, fmt.Errorf("passport: reading file %04X at offset %d of %d: %w", fid, len(buf), total, err)
		}
		buf = append(buf, data[:min(len(data), total-len(buf))]...)
	}
	return buf, nil
}

// readAt reads up to ne bytes at offset from the selected file, applying the
// Le fallbacks. It returns at least one byte or an error.
func (s *session) readAt(ctx context.Context, offset, ne int) ([]byte, error) {
	for attempt := 0; attempt < 10; attempt++ {
		odd := offset > maxOffsetB0
		var c apdu.Command
		if odd {
			// Ask for a little less data, so that with its 53 header it
			// still fits the answer size the chunk was chosen for.
			n := ne
			if n > s.readChunk-8 {
				n = max(1, s.readChunk-8)
			}
			c = apdu.ReadBinaryOdd(offset, min(n+4, apdu.MaxExtendedNe))
		} else {
			c = apdu.ReadBinary(offset, ne)
		}
		r, err := s.Transmit(ctx, c)
		if err != nil {
			return nil, err
		}
		switch {
		case r.SW == apdu.SWOK || r.SW == apdu.SWEndOfFile:
			data := r.Data
			if odd && len(data) > 0 {
				t, rest, err := ber.ParseTLV(data)
				if err != nil || t.Tag != doDiscretionaryData || len(rest) != 0 {
					return nil, fmt.Errorf("%w: odd READ BINARY answer is not a single DO'53'", ErrMalformedAPDU)
				}
				data = t.Value
			}
			if len(data) == 0 {
				if r.SW == apdu.SWEndOfFile {
					return nil, &StatusError{SW: r.SW}
				}
				return nil, errNoProgress
			}
			return data, nil
		case r.SW&0xFF00 == apdu.SWWrongLePrefix:
			ne = apdu.ShortNe(byte(r.SW)) //nolint:gosec // G115: SW2, the low byte, is the length the chip offers
		case r.SW == apdu.SWWrongLength && ne > 1:
			ne /= 2
			s.readChunk = min(s.readChunk, ne)
		default:
			return nil, r.Err()
		}
		if err := ctx.Err(); err != nil {
			return nil, err
		}
	}
	return nil, fmt.Errorf("passport: chip keeps refusing READ BINARY lengths at offset %d", offset)
}

// ReadCardAccess reads EF.CardAccess from the master file: the PACEInfo
// records that say which PACE variants the chip supports. Chips without
// PACE answer ErrFileNotFound. It must run before the eMRTD application is
// selected (or after re-selecting the master file, which it attempts).
func (s *session) ReadCardAccess(ctx context.Context) ([]byte, error) {
	// At power-up the master file is current anyway; some chips refuse an
	// explicit SELECT of it, so a failure here is not fatal.
	if err := s.selectMF(ctx); err != nil && s.broken != nil {
		return nil, err
	}
	return s.ReadFile(ctx, efCardAccess)
}
