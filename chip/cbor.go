package chip

import "encoding/binary"

// cborWriter writes the small subset of CBOR (RFC 8949) that importing a
// legacy U2F key as a COSE_Key needs (and the tests' forged attestation
// objects): integers, byte and text strings, arrays and maps. The
// caller writes map keys in CTAP2 canonical order itself (shorter encodings
// first, then bytewise), which for the fixed structures used here is a
// property of the call order rather than something to sort at run time.
//
// It is written here rather than borrowed from go-webauthn's CBOR package so
// that this encoder and the verifier's decoder are independent: a bug in one
// cannot be hidden by the same bug in the other. (Package chiptest's
// simulator has its own, for the same reason.)
type cborWriter struct {
	b []byte
}

const (
	cborUint   = 0 << 5
	cborNegInt = 1 << 5
	cborBytes  = 2 << 5
	cborText   = 3 << 5
	cborArray  = 4 << 5
	cborMap    = 5 << 5
)

// head writes a major type with its argument in the shortest form, as
// canonical CBOR requires.
func (w *cborWriter) head(major byte, n uint64) {
	switch {
	case n < 24:
		w.b = append(w.b, major|byte(n))
	case n <= 0xff:
		w.b = append(w.b, major|24, byte(n))
	case n <= 0xffff:
		w.b = append(w.b, major|25)
		w.b = binary.BigEndian.AppendUint16(w.b, uint16(n))
	case n <= 0xffffffff:
		w.b = append(w.b, major|26)
		w.b = binary.BigEndian.AppendUint32(w.b, uint32(n))
	default:
		w.b = append(w.b, major|27)
		w.b = binary.BigEndian.AppendUint64(w.b, n)
	}
}

func (w *cborWriter) int(v int64) {
	if v >= 0 {
		w.head(cborUint, uint64(v))
		return
	}
	// CBOR stores a negative integer n as -1-n, which cannot overflow for
	// any int64.
	w.head(cborNegInt, uint64(-1-v))
}

func (w *cborWriter) bytes(p []byte) {
	w.head(cborBytes, uint64(len(p)))
	w.b = append(w.b, p...)
}

func (w *cborWriter) text(s string) {
	w.head(cborText, uint64(len(s)))
	w.b = append(w.b, s...)
}

func (w *cborWriter) array(n int) { w.head(cborArray, uint64(n)) } //nolint:gosec // G115: a length is never negative

func (w *cborWriter) mapHeader(n int) { w.head(cborMap, uint64(n)) } //nolint:gosec // G115: an item count is never negative
