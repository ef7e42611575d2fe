package codedisplay

import (
	"encoding/binary"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestWAV_CanonicalHeader checks every header field of the encoder's output against
// the RIFF WAVE layout, byte offset by byte offset.
func TestWAV_CanonicalHeader(t *testing.T) {
	w := WAV{SampleRate: 11025, Channels: 1, BitsPerSample: 16, Data: []byte{1, 2, 3, 4, 5, 6}}
	b, err := w.Bytes()
	require.NoError(t, err)
	le := binary.LittleEndian
	require.Len(t, b, 44+6)
	assert.Equal(t, "RIFF", string(b[0:4]))
	assert.Equal(t, uint32(len(b)-8), le.Uint32(b[4:]))
	assert.Equal(t, "WAVE", string(b[8:12]))
	assert.Equal(t, "fmt ", string(b[12:16]))
	assert.Equal(t, uint32(16), le.Uint32(b[16:]))
	assert.Equal(t, uint16(1), le.Uint16(b[20:]), "PCM")
	assert.Equal(t, uint16(1), le.Uint16(b[22:]), "channels")
	assert.Equal(t, uint32(11025), le.Uint32(b[24:]), "sample rate")
	assert.Equal(t, uint32(22050), le.Uint32(b[28:]), "byte rate")
	assert.Equal(t, uint16(2), le.Uint16(b[32:]), "block align")
	assert.Equal(t, uint16(16), le.Uint16(b[34:]), "bits per sample")
	assert.Equal(t, "data", string(b[36:40]))
	assert.Equal(t, uint32(6), le.Uint32(b[40:]))
	assert.Equal(t, w.Data, b[44:])

	back, err := ParseWAV(b)
	require.NoError(t, err)
	assert.Equal(t, w, back)
	assert.Equal(t, 272*time.Microsecond, back.Duration().Truncate(time.Microsecond))
}

func TestWAV_OddDataIsPadded(t *testing.T) {
	w := WAV{SampleRate: 8000, Channels: 1, BitsPerSample: 8, Data: []byte{128, 129, 130}}
	b, err := w.Bytes()
	require.NoError(t, err)
	assert.Len(t, b, 44+4)
	assert.Equal(t, uint32(3), binary.LittleEndian.Uint32(b[40:]))
	back, err := ParseWAV(b)
	require.NoError(t, err)
	assert.Equal(t, w, back)
}

// TestParseWAV_SkipsOtherChunks reads a file with a LIST chunk before the data and a
// chunk after it, as many writers produce.
func TestParseWAV_SkipsOtherChunks(t *testing.T) {
	w := WAV{SampleRate: 16000, Channels: 2, BitsPerSample: 16, Data: []byte{1, 0, 2, 0, 3, 0, 4, 0}}
	b, err := w.Bytes()
	require.NoError(t, err)
	list := []byte("LIST\x05\x00\x00\x00INFOx\x00") // odd size, padded
	tail := []byte("junk\x02\x00\x00\x00ab")
	f := append(append(append(append([]byte{}, b[:36]...), list...), b[36:]...), tail...)
	binary.LittleEndian.PutUint32(f[4:], uint32(len(f)-8))
	back, err := ParseWAV(f)
	require.NoError(t, err)
	assert.Equal(t, w, back)
}

func TestParseWAV_ClearErrors(t *testing.T) {
	good, err := WAV{SampleRate: 8000, Channels: 1, BitsPerSample: 16, Data: []byte{1, 2, 3, 4}}.Bytes()
	require.NoError(t, err)
	edit := func(f func(b []byte) []byte) []byte { return f(append([]byte{}, good...)) }
	le := binary.LittleEndian
	for _, c := range []struct {
		name, message string
		b             []byte
	}{
		{"empty", "not a RIFF WAVE file", nil},
		{"not RIFF", "not a RIFF WAVE file", edit(func(b []byte) []byte { copy(b, "RIFX"); return b })},
		{"truncated", "RIFF size says 48 bytes, the file has 46", good[:46]},
		{"RIFF size", "RIFF size says 51 bytes", edit(func(b []byte) []byte { le.PutUint32(b[4:], 43); return b })},
		{"data overruns", `chunk "data" says 5 bytes, only 4 remain`, edit(func(b []byte) []byte { le.PutUint32(b[40:], 5); return b })},
		{"not PCM", "audio format 0x0003, only PCM (1) is supported", edit(func(b []byte) []byte { le.PutUint16(b[20:], 3); return b })},
		{"byte rate", "header says 2 bytes per frame and 16001 per second", edit(func(b []byte) []byte { le.PutUint32(b[28:], 16001); return b })},
		{"block align", "header says 4 bytes per frame", edit(func(b []byte) []byte { le.PutUint16(b[32:], 4); return b })},
		{"bits", "12 bits per sample", edit(func(b []byte) []byte { le.PutUint16(b[34:], 12); return b })},
		{"no channels", "no channels", edit(func(b []byte) []byte { le.PutUint16(b[22:], 0); return b })},
		{"no fmt", "data chunk before the fmt chunk", edit(func(b []byte) []byte { copy(b[12:], "fmtx"); return b })},
		{"no data", "no data chunk", edit(func(b []byte) []byte { copy(b[36:], "date"); return b })},
		{"partial frame", "3 data bytes are not a whole number of 2-byte frames", func() []byte {
			b, _ := WAV{SampleRate: 8000, Channels: 1, BitsPerSample: 8, Data: []byte{1, 2, 3}}.Bytes()
			le.PutUint16(b[22:], 1)
			le.PutUint16(b[32:], 2)
			le.PutUint16(b[34:], 16)
			le.PutUint32(b[28:], 16000)
			return b
		}()},
		{"stray bytes", "3 stray bytes after the last chunk", func() []byte {
			b := append(append([]byte{}, good...), 'x', 'y', 'z')
			le.PutUint32(b[4:], uint32(len(b)-8))
			return b
		}()},
	} {
		_, err := ParseWAV(c.b)
		require.ErrorIs(t, err, ErrMalformedWAV, c.name)
		assert.Contains(t, err.Error(), c.message, c.name)
	}
}

func TestWAV_BytesRefusesInconsistentFields(t *testing.T) {
	for _, w := range []WAV{
		{SampleRate: 8000, Channels: 0, BitsPerSample: 16},
		{SampleRate: 0, Channels: 1, BitsPerSample: 16},
		{SampleRate: 8000, Channels: 1, BitsPerSample: 12},
		{SampleRate: 8000, Channels: 2, BitsPerSample: 16, Data: []byte{1, 2}},
		{SampleRate: 1 << 31, Channels: 2, BitsPerSample: 32},
		{SampleRate: 8000, Channels: 0xFFFF, BitsPerSample: 32}, // a frame wider than the header's 16-bit block alignment
	} {
		_, err := w.Bytes()
		assert.ErrorIs(t, err, ErrMalformedWAV, "%+v", w)
	}
}

// FuzzParseWAV: ParseWAV never panics, refuses with ErrMalformedWAV, and whatever it
// accepts encodes to a canonical file that parses back to the same audio.
func FuzzParseWAV(f *testing.F) {
	good, _ := WAV{SampleRate: 8000, Channels: 1, BitsPerSample: 16, Data: []byte{1, 2, 3, 4}}.Bytes()
	odd, _ := WAV{SampleRate: 8000, Channels: 1, BitsPerSample: 8, Data: []byte{1}}.Bytes()
	f.Add(good)
	f.Add(odd)
	f.Add([]byte("RIFF\x04\x00\x00\x00WAVE"))
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, b []byte) {
		w, err := ParseWAV(b)
		if err != nil {
			require.ErrorIs(t, err, ErrMalformedWAV)
			return
		}
		enc, err := w.Bytes()
		require.NoError(t, err, "an accepted WAV must encode")
		back, err := ParseWAV(enc)
		require.NoError(t, err)
		require.Equal(t, w, back)
	})
}
