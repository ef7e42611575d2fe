package codedisplay

import (
	"encoding/binary"
	"fmt"
	"math"
	"time"
)

// WAV is the audio of a RIFF WAVE file with integer PCM samples, the only kind this
// package writes or reads.
type WAV struct {
	// SampleRate is in samples per second per channel.
	SampleRate uint32
	// Channels is 1 for mono.
	Channels uint16
	// BitsPerSample is 8, 16, 24 or 32.
	BitsPerSample uint16
	// Data is the sample frames, little-endian, channels interleaved (8-bit samples are
	// unsigned, as the format says); a whole number of frames.
	Data []byte
}

// The fixed parts of a canonical WAV file.
const (
	wavHeaderSize = 44 // "RIFF" size "WAVE" + fmt chunk (8+16) + data chunk header (8)
	wavFormatPCM  = 1
)

// blockAlign is the size of one frame, all channels.
func (w WAV) blockAlign() uint32 { return uint32(w.Channels) * uint32(w.BitsPerSample/8) }

// check returns nil if w describes PCM audio this package can write.
func (w WAV) check() error {
	switch {
	case w.Channels == 0:
		return fmt.Errorf("%w: no channels", ErrMalformedWAV)
	case w.BitsPerSample != 8 && w.BitsPerSample != 16 && w.BitsPerSample != 24 && w.BitsPerSample != 32:
		return fmt.Errorf("%w: %d bits per sample, want 8, 16, 24 or 32", ErrMalformedWAV, w.BitsPerSample)
	case w.SampleRate == 0:
		return fmt.Errorf("%w: sample rate 0", ErrMalformedWAV)
	case uint64(w.SampleRate)*uint64(w.blockAlign()) > math.MaxUint32:
		return fmt.Errorf("%w: byte rate of %d Hz × %d bytes overflows the header", ErrMalformedWAV, w.SampleRate, w.blockAlign())
	case w.blockAlign() > math.MaxUint16:
		return fmt.Errorf("%w: %d channels of %d bits make a %d-byte frame, beyond the header's 16 bits", ErrMalformedWAV, w.Channels, w.BitsPerSample, w.blockAlign())
	case uint64(len(w.Data))+wavHeaderSize > math.MaxUint32:
		return fmt.Errorf("%w: %d data bytes are too many for a WAV file", ErrMalformedWAV, len(w.Data))
	case uint64(len(w.Data))%uint64(w.blockAlign()) != 0:
		return fmt.Errorf("%w: %d data bytes are not a whole number of %d-byte frames", ErrMalformedWAV, len(w.Data), w.blockAlign())
	}
	return nil
}

// Duration returns how long the audio plays (0 for an invalid w).
func (w WAV) Duration() time.Duration {
	if w.check() != nil {
		return 0
	}
	frames := uint64(len(w.Data)) / uint64(w.blockAlign())
	return time.Duration(frames * uint64(time.Second) / uint64(w.SampleRate)) //nolint:gosec // G115: check bounds the frames below 2^32, so frames·1e9/rate < 2^63
}

// Bytes encodes w as a canonical 44-byte-header WAV file: a RIFF chunk holding a
// 16-byte PCM "fmt " chunk and the "data" chunk (with a pad byte if the data is odd).
// It fails with ErrMalformedWAV if the fields are inconsistent.
func (w WAV) Bytes() ([]byte, error) {
	if err := w.check(); err != nil {
		return nil, err
	}
	pad := len(w.Data) % 2
	b := make([]byte, wavHeaderSize, wavHeaderSize+len(w.Data)+pad)
	le := binary.LittleEndian
	copy(b[0:], "RIFF")
	le.PutUint32(b[4:], uint32(wavHeaderSize-8+len(w.Data)+pad)) //nolint:gosec // G115: check bounds len(Data)+44 by MaxUint32
	copy(b[8:], "WAVE")
	copy(b[12:], "fmt ")
	le.PutUint32(b[16:], 16)
	le.PutUint16(b[20:], wavFormatPCM)
	le.PutUint16(b[22:], w.Channels)
	le.PutUint32(b[24:], w.SampleRate)
	le.PutUint32(b[28:], w.SampleRate*w.blockAlign())
	le.PutUint16(b[32:], uint16(w.blockAlign())) //nolint:gosec // G115: check bounds the block alignment by MaxUint16
	le.PutUint16(b[34:], w.BitsPerSample)
	copy(b[36:], "data")
	le.PutUint32(b[40:], uint32(len(w.Data))) //nolint:gosec // G115: check bounds len(Data)+44 by MaxUint32
	b = append(b, w.Data...)
	if pad == 1 {
		b = append(b, 0)
	}
	return b, nil
}

// ParseWAV reads a RIFF WAVE file with integer PCM samples. It checks that the RIFF
// size is the file's, that every chunk fits, that an odd-sized chunk carries its pad
// byte, that there is exactly one "fmt " chunk (format 1, PCM) before exactly one
// "data" chunk, and that the header's byte rate and block alignment agree with its
// channels and sample size; other chunks (LIST, fact, ...) are skipped. The returned
// Data aliases b. Anything else fails with ErrMalformedWAV saying what is wrong.
func ParseWAV(b []byte) (WAV, error) {
	le := binary.LittleEndian
	if len(b) < 12 || string(b[0:4]) != "RIFF" || string(b[8:12]) != "WAVE" {
		return WAV{}, fmt.Errorf("%w: not a RIFF WAVE file", ErrMalformedWAV)
	}
	if size := le.Uint32(b[4:]); uint64(size)+8 != uint64(len(b)) {
		return WAV{}, fmt.Errorf("%w: RIFF size says %d bytes, the file has %d", ErrMalformedWAV, uint64(size)+8, len(b))
	}
	var (
		w          WAV
		haveFmt    bool
		haveData   bool
		blockAlign uint16
		byteRate   uint32
	)
	for rest := b[12:]; len(rest) > 0; {
		if len(rest) < 8 {
			return WAV{}, fmt.Errorf("%w: %d stray bytes after the last chunk", ErrMalformedWAV, len(rest))
		}
		id, size := string(rest[0:4]), le.Uint32(rest[4:])
		if uint64(size) > uint64(len(rest)-8) { //nolint:gosec // G115: len(rest) ≥ 8, checked above
			return WAV{}, fmt.Errorf("%w: chunk %q says %d bytes, only %d remain", ErrMalformedWAV, id, size, len(rest)-8)
		}
		body := rest[8 : 8+size]
		next := 8 + uint64(size) + uint64(size%2)
		if next > uint64(len(rest)) {
			return WAV{}, fmt.Errorf("%w: chunk %q lacks its pad byte", ErrMalformedWAV, id)
		}
		rest = rest[next:]
		switch id {
		case "fmt ":
			if haveFmt {
				return WAV{}, fmt.Errorf("%w: two fmt chunks", ErrMalformedWAV)
			}
			if len(body) < 16 {
				return WAV{}, fmt.Errorf("%w: fmt chunk of %d bytes, want at least 16", ErrMalformedWAV, len(body))
			}
			if f := le.Uint16(body[0:]); f != wavFormatPCM {
				return WAV{}, fmt.Errorf("%w: audio format %#04x, only PCM (1) is supported", ErrMalformedWAV, f)
			}
			w.Channels = le.Uint16(body[2:])
			w.SampleRate = le.Uint32(body[4:])
			byteRate = le.Uint32(body[8:])
			blockAlign = le.Uint16(body[12:])
			w.BitsPerSample = le.Uint16(body[14:])
			haveFmt = true
		case "data":
			if !haveFmt {
				return WAV{}, fmt.Errorf("%w: data chunk before the fmt chunk", ErrMalformedWAV)
			}
			if haveData {
				return WAV{}, fmt.Errorf("%w: two data chunks", ErrMalformedWAV)
			}
			w.Data = body
			haveData = true
		}
	}
	switch {
	case !haveFmt:
		return WAV{}, fmt.Errorf("%w: no fmt chunk", ErrMalformedWAV)
	case !haveData:
		return WAV{}, fmt.Errorf("%w: no data chunk", ErrMalformedWAV)
	}
	if err := w.check(); err != nil {
		return WAV{}, err
	}
	if uint32(blockAlign) != w.blockAlign() || byteRate != w.SampleRate*w.blockAlign() {
		return WAV{}, fmt.Errorf("%w: header says %d bytes per frame and %d per second, %d channels of %d bits at %d Hz make %d and %d",
			ErrMalformedWAV, blockAlign, byteRate, w.Channels, w.BitsPerSample, w.SampleRate, w.blockAlign(), w.SampleRate*w.blockAlign())
	}
	return w, nil
}
