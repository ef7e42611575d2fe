package passport

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"math"
	"math/big"

	"github.com/go-mitid/mitid/passport/internal/ber"
)

// DG2, the encoded face (ICAO 9303 Part 10 §4.7.2): a biometric
// information group template (7F61) with one biometric information template
// (7F60) per image, each holding a biometric header template (A1, ISO/IEC
// 7816-11) and a biometric data block:
//
//   - 5F2E: a facial record in the binary format of ISO/IEC 19794-5:2005
//     ("FAC\0", version "010"), the format of nearly every passport issued;
//   - 7F2E: a FaceImageDataBlock of ISO/IEC 39794-5:2019 (tagged BER), the
//     format ICAO introduces with LDS 2 / Doc 9303 8th edition.
//
// The image inside is JPEG or JPEG 2000; the format is detected from the
// bytes, not only taken from the record's declaration.

// FaceEncoding tells which biometric format a face record uses.
type FaceEncoding int

// The face record formats.
const (
	FaceISO19794 FaceEncoding = iota + 1 // ISO/IEC 19794-5:2005 binary record (5F2E)
	FaceISO39794                         // ISO/IEC 39794-5:2019 tagged record (7F2E)
)

// String names the encoding.
func (e FaceEncoding) String() string {
	switch e {
	case FaceISO19794:
		return "ISO/IEC 19794-5"
	case FaceISO39794:
		return "ISO/IEC 39794-5"
	}
	return "unknown face encoding"
}

// ImageFormat is the format of the image bytes.
type ImageFormat int

// Image formats found in DG2.
const (
	ImageUnknown  ImageFormat = iota
	ImageJPEG                 // JPEG (ISO/IEC 10918)
	ImageJPEG2000             // JPEG 2000 (JP2 file or raw codestream)
)

// MIMEType returns the media type of the format.
func (f ImageFormat) MIMEType() string {
	switch f {
	case ImageJPEG:
		return "image/jpeg"
	case ImageJPEG2000:
		return "image/jp2"
	}
	return "application/octet-stream"
}

// String names the format.
func (f ImageFormat) String() string {
	switch f {
	case ImageJPEG:
		return "JPEG"
	case ImageJPEG2000:
		return "JPEG 2000"
	}
	return "unknown"
}

// DetectImageFormat recognises JPEG and JPEG 2000 (JP2 or codestream) by
// their signatures.
func DetectImageFormat(b []byte) ImageFormat {
	switch {
	case len(b) >= 3 && b[0] == 0xFF && b[1] == 0xD8 && b[2] == 0xFF:
		return ImageJPEG
	case bytes.HasPrefix(b, []byte{0x00, 0x00, 0x00, 0x0C, 0x6A, 0x50, 0x20, 0x20, 0x0D, 0x0A, 0x87, 0x0A}):
		return ImageJPEG2000
	case len(b) >= 4 && b[0] == 0xFF && b[1] == 0x4F && b[2] == 0xFF && b[3] == 0x51:
		return ImageJPEG2000
	}
	return ImageUnknown
}

// CBEFF format identifiers (IBIA registry) of the biometric header template.
const (
	FormatOwnerJTC1SC37   uint16 = 0x0101 // ISO/IEC JTC 1/SC 37
	FormatTypeISO19794Fac uint16 = 0x0008 // ISO/IEC 19794-5 face image
	FormatTypeISO39794Fac uint16 = 0x002A // ISO/IEC 39794-5 face image ("g3-binary-face-image")
)

// FaceImage is one face of DG2.
type FaceImage struct {
	Encoding FaceEncoding // 19794-5 or 39794-5
	// FormatOwner and FormatType come from the biometric header template (87, 88).
	FormatOwner, FormatType uint16
	// Image is the encoded image; Format is detected from its bytes, and
	// DeclaredFormat is what the record claims (they should agree).
	Image          []byte
	Format         ImageFormat // detected from the bytes
	DeclaredFormat ImageFormat // as the record declares it
	Width, Height  int         // pixels, as the record states (0 if absent)

	// Fields of the ISO/IEC 19794-5 facial information block (zero for 39794).
	Gender        byte   // 0 unspecified, 1 male, 2 female, 0xFF unknown
	EyeColor      byte   // 19794-5 eye colour code
	HairColor     byte   // 19794-5 hair colour code
	Expression    uint16 // 19794-5 expression code
	FaceImageType byte   // 0 basic, 1 full frontal, 2 token frontal
	FeaturePoints int    // number of feature points present
	ColorSpace    byte   // 19794-5 image colour space
	SourceType    byte   // 19794-5 source type (2 = digital camera)
	// FaceImageKind is the ISO/IEC 39794-5 faceImageKind2D (0 = MRTD), or -1 if absent.
	FaceImageKind int
}

// DG2 holds the face images.
type DG2 struct {
	Faces []FaceImage // one per biometric template, in file order
}

// ldsMaxFaces bounds the faces a DG2 may claim, so hostile counts cannot
// drive allocation (real documents hold one).
const ldsMaxFaces = 16

// ParseDG2 parses DG2 (tag 75) in either face encoding. Errors wrap ErrMalformedLDS.
func ParseDG2(b []byte) (*DG2, error) {
	top, err := ldsOpen(b, 0x75, "DG2")
	if err != nil {
		return nil, err
	}
	kids, err := ldsChildren(top, "DG2")
	if err != nil {
		return nil, err
	}
	if len(kids) != 1 || kids[0].Tag != 0x7F61 {
		return nil, fmt.Errorf("%w: DG2 must hold one biometric information group template (7F61)", ErrMalformedLDS)
	}
	group, err := ldsChildren(kids[0], "DG2 7F61")
	if err != nil {
		return nil, err
	}
	if len(group) == 0 || group[0].Tag != tagLDSCount || len(group[0].Value) != 1 {
		return nil, fmt.Errorf("%w: DG2 7F61 does not start with a one-byte count (02)", ErrMalformedLDS)
	}
	count := int(group[0].Value[0])
	if count != len(group)-1 {
		return nil, fmt.Errorf("%w: DG2 count says %d templates, found %d", ErrMalformedLDS, count, len(group)-1)
	}
	d := &DG2{}
	for i, bit := range group[1:] {
		if bit.Tag != 0x7F60 {
			return nil, fmt.Errorf("%w: DG2 template %d has tag %s, expected 7F60", ErrMalformedLDS, i+1, bit.Tag)
		}
		faces, err := parseFaceTemplate(bit)
		if err != nil {
			return nil, fmt.Errorf("%w: DG2 template %d: %w", ErrMalformedLDS, i+1, err)
		}
		d.Faces = append(d.Faces, faces...)
		if len(d.Faces) > ldsMaxFaces {
			return nil, fmt.Errorf("%w: DG2 holds more than %d faces", ErrMalformedLDS, ldsMaxFaces)
		}
	}
	return d, nil
}

func parseFaceTemplate(bit ber.TLV) ([]FaceImage, error) {
	parts, err := bit.Children()
	if err != nil {
		return nil, err
	}
	if len(parts) != 2 || parts[0].Tag != 0xA1 {
		return nil, fmt.Errorf("expected a biometric header template (A1) and a data block")
	}
	hdr, err := parts[0].Children()
	if err != nil {
		return nil, fmt.Errorf("biometric header: %w", err)
	}
	var owner, typ uint16
	for _, h := range hdr {
		switch {
		case h.Tag == 0x87 && len(h.Value) == 2:
			owner = binary.BigEndian.Uint16(h.Value)
		case h.Tag == 0x88 && len(h.Value) == 2:
			typ = binary.BigEndian.Uint16(h.Value)
		}
	}
	var faces []FaceImage
	switch parts[1].Tag {
	case 0x5F2E:
		faces, err = parseISO19794Face(parts[1].Value)
	case 0x7F2E:
		var f FaceImage
		f, err = parseISO39794Face(parts[1].Value)
		faces = []FaceImage{f}
	default:
		return nil, fmt.Errorf("biometric data block has tag %s, expected 5F2E or 7F2E", parts[1].Tag)
	}
	if err != nil {
		return nil, err
	}
	for i := range faces {
		faces[i].FormatOwner, faces[i].FormatType = owner, typ
	}
	return faces, nil
}

// parseISO19794Face decodes an ISO/IEC 19794-5:2005 facial record:
//
//	header: "FAC\0" "010\0" recordLength(4) numberOfFaces(2)
//	per face: blockLength(4) featurePoints(2) gender eyes hair mask(3) expression(2) pose(3) poseUncertainty(3)
//	          featurePoint(8) × n
//	          faceImageType imageDataType width(2) height(2) colourSpace sourceType deviceType(2) quality(2)
//	          image data
func parseISO19794Face(b []byte) ([]FaceImage, error) {
	if len(b) < 14 || !bytes.Equal(b[:4], []byte("FAC\x00")) {
		return nil, fmt.Errorf("ISO/IEC 19794-5 record does not start with FAC")
	}
	if !bytes.Equal(b[4:8], []byte("010\x00")) {
		return nil, fmt.Errorf("ISO/IEC 19794-5 version %q unsupported (only the 2005 edition, 010)", b[4:7])
	}
	recLen := binary.BigEndian.Uint32(b[8:12])
	if recLen < 14 || uint64(recLen) > uint64(len(b)) {
		return nil, fmt.Errorf("record length %d inconsistent with %d bytes", recLen, len(b))
	}
	n := int(binary.BigEndian.Uint16(b[12:14]))
	if n == 0 || n > ldsMaxFaces {
		return nil, fmt.Errorf("record claims %d faces", n)
	}
	rest := b[14:recLen]
	faces := make([]FaceImage, 0, n)
	for i := 0; i < n; i++ {
		if len(rest) < 32 {
			return nil, fmt.Errorf("face %d: truncated facial information", i+1)
		}
		blockLen := binary.BigEndian.Uint32(rest[0:4])
		fp := int(binary.BigEndian.Uint16(rest[4:6]))
		if uint64(blockLen) > uint64(len(rest)) || int64(blockLen) < int64(32+8*fp) {
			return nil, fmt.Errorf("face %d: block length %d inconsistent", i+1, blockLen)
		}
		blk := rest[:blockLen]
		f := FaceImage{
			Encoding: FaceISO19794, Gender: blk[6], EyeColor: blk[7], HairColor: blk[8],
			Expression: binary.BigEndian.Uint16(blk[12:14]), FeaturePoints: fp, FaceImageKind: -1,
		}
		info := blk[20+8*fp:]
		f.FaceImageType = info[0]
		switch info[1] {
		case 0:
			f.DeclaredFormat = ImageJPEG
		case 1:
			f.DeclaredFormat = ImageJPEG2000
		}
		f.Width, f.Height = int(binary.BigEndian.Uint16(info[2:4])), int(binary.BigEndian.Uint16(info[4:6]))
		f.ColorSpace, f.SourceType = info[6], info[7]
		f.Image = info[12:]
		f.Format = DetectImageFormat(f.Image)
		faces = append(faces, f)
		rest = rest[blockLen:]
	}
	return faces, nil
}

// marshalISO19794Face encodes one face as an ISO/IEC 19794-5:2005 record.
func marshalISO19794Face(f *FaceImage) ([]byte, error) {
	if f.Width > 0xFFFF || f.Height > 0xFFFF || f.Width < 0 || f.Height < 0 {
		return nil, fmt.Errorf("%w: image size %dx%d", ErrMalformedLDS, f.Width, f.Height)
	}
	if uint64(len(f.Image)) > math.MaxUint32-14-20-12 {
		return nil, fmt.Errorf("%w: a %d-byte image overflows the record length", ErrMalformedLDS, len(f.Image))
	}
	blockLen := 20 + 12 + len(f.Image)
	rec := make([]byte, 0, 14+blockLen)
	rec = append(rec, "FAC\x00010\x00"...)
	rec = binary.BigEndian.AppendUint32(rec, uint32(14+blockLen)) //nolint:gosec // G115: the image size is bounded by MaxUint32 above
	rec = binary.BigEndian.AppendUint16(rec, 1)
	rec = binary.BigEndian.AppendUint32(rec, uint32(blockLen)) //nolint:gosec // G115: the image size is bounded by MaxUint32 above
	rec = binary.BigEndian.AppendUint16(rec, 0)                // no feature points
	rec = append(rec, f.Gender, f.EyeColor, f.HairColor, 0, 0, 0)
	rec = binary.BigEndian.AppendUint16(rec, f.Expression)
	rec = append(rec, 0, 0, 0, 0, 0, 0) // pose angles and uncertainties unspecified
	dataType := byte(0)
	if f.Format == ImageJPEG2000 {
		dataType = 1
	}
	rec = append(rec, f.FaceImageType, dataType)
	rec = binary.BigEndian.AppendUint16(rec, uint16(f.Width))
	rec = binary.BigEndian.AppendUint16(rec, uint16(f.Height))
	rec = append(rec, f.ColorSpace, f.SourceType, 0, 0, 0, 0) // device type, quality unspecified
	return append(rec, f.Image...), nil
}

// ISO/IEC 39794-5 imageDataFormat codes.
const (
	iso39794FormatJPEG          = 2
	iso39794FormatJPEG2000Lossy = 3
	iso39794FormatJPEG2000Lossl = 4
)

// parseISO39794Face decodes the content of 7F2E: an optional A1 wrapper,
// then the FaceImageDataBlock ([APPLICATION 5] or bare) with IMPLICIT
// context tags:
//
//	FaceImageDataBlock ::= [APPLICATION 5] SEQUENCE { versionBlock [0], representationBlocks [1] SEQUENCE OF
//	  RepresentationBlock { representationId [0], imageRepresentation [1] { base [0] { imageRepresentation2DBlock [0] {
//	    representationData2D [0] OCTET STRING, imageInformation2DBlock [1] { imageDataFormat [0] {code [0]},
//	    faceImageKind2D [1] {code [0]}, ..., imageSizeBlock [7] { width [0], height [1] } ... } } } } ... } }
//
// Only the first representation is returned (eMRTDs hold one per template).
func parseISO39794Face(b []byte) (FaceImage, error) {
	f := FaceImage{Encoding: FaceISO39794, FaceImageKind: -1}
	kids, err := ber.ParseTLVs(b)
	if err != nil {
		return f, err
	}
	// Unwrap the A1 of the eMRTD application profile and [APPLICATION 5].
	for len(kids) == 1 && (kids[0].Tag == 0xA1 || kids[0].Tag == 0x65) {
		if kids, err = kids[0].Children(); err != nil {
			return f, err
		}
	}
	reps, ok := ber.FindTLV(kids, 0xA1)
	if !ok {
		return f, fmt.Errorf("ISO/IEC 39794-5 block lacks representationBlocks [1]")
	}
	list, err := reps.Children()
	if err != nil || len(list) == 0 {
		return f, fmt.Errorf("ISO/IEC 39794-5 representationBlocks empty or malformed")
	}
	rep := list[0]
	if rep.Tag != 0x30 { // a single block may appear without SEQUENCE OF
		rep = reps
	}
	img, err := iso39794Path(rep, 0xA1, 0xA0, 0xA0)
	if err != nil {
		return f, fmt.Errorf("ISO/IEC 39794-5 imageRepresentation2DBlock: %w", err)
	}
	fields, err := img.Children()
	if err != nil {
		return f, err
	}
	data, ok := ber.FindTLV(fields, 0x80)
	if !ok {
		return f, fmt.Errorf("ISO/IEC 39794-5 block lacks representationData2D")
	}
	f.Image = data.Value
	f.Format = DetectImageFormat(f.Image)
	if info, ok := ber.FindTLV(fields, 0xA1); ok {
		if code, err := iso39794Code(info, 0xA0); err == nil {
			switch code {
			case iso39794FormatJPEG:
				f.DeclaredFormat = ImageJPEG
			case iso39794FormatJPEG2000Lossy, iso39794FormatJPEG2000Lossl:
				f.DeclaredFormat = ImageJPEG2000
			}
		}
		if code, err := iso39794Code(info, 0xA1); err == nil {
			f.FaceImageKind = code
		}
		if size, err := iso39794Path(info, 0xA7); err == nil {
			sz, _ := size.Children()
			if w, ok := ber.FindTLV(sz, 0x80); ok {
				f.Width = iso39794Int(w.Value)
			}
			if h, ok := ber.FindTLV(sz, 0x81); ok {
				f.Height = iso39794Int(h.Value)
			}
		}
	}
	return f, nil
}

// iso39794Path descends through constructed children by tag.
func iso39794Path(t ber.TLV, tags ...ber.Tag) (ber.TLV, error) {
	for _, tag := range tags {
		kids, err := t.Children()
		if err != nil {
			return ber.TLV{}, err
		}
		next, ok := ber.FindTLV(kids, tag)
		if !ok {
			return ber.TLV{}, fmt.Errorf("missing %s", tag)
		}
		t = next
	}
	return t, nil
}

// iso39794Code reads a code element: tag { code [0] INTEGER } (or the
// extension-block fallback tag { [1] { [0] INTEGER } }).
func iso39794Code(parent ber.TLV, tag ber.Tag) (int, error) {
	c, err := iso39794Path(parent, tag)
	if err != nil {
		return 0, err
	}
	kids, err := c.Children()
	if err != nil {
		return 0, err
	}
	if v, ok := ber.FindTLV(kids, 0x80); ok {
		return iso39794Int(v.Value), nil
	}
	if ext, ok := ber.FindTLV(kids, 0xA1); ok {
		if v, err := iso39794Path(ext, 0x80); err == nil {
			return iso39794Int(v.Value), nil
		}
	}
	return 0, fmt.Errorf("code of %s missing", tag)
}

// iso39794Int decodes small non-negative INTEGER contents (clamped to int range).
func iso39794Int(b []byte) int {
	n := new(big.Int).SetBytes(b)
	if len(b) > 0 && b[0]&0x80 != 0 || !n.IsInt64() || n.Int64() > 1<<31-1 {
		return -1
	}
	return int(n.Int64())
}

// iso39794IntBytes encodes a non-negative INTEGER's contents.
func iso39794IntBytes(v int) []byte {
	b := big.NewInt(int64(v)).Bytes()
	if len(b) == 0 || b[0]&0x80 != 0 {
		b = append([]byte{0}, b...)
	}
	return b
}

// marshalISO39794Face encodes the content of 7F2E for one face, in the
// eMRTD application profile layout (A1 wrapping the [APPLICATION 5] block).
func marshalISO39794Face(f *FaceImage) []byte {
	code := func(tag ber.Tag, v int) []byte { return ber.EncodeTLV(tag, ber.EncodeTLV(0x80, iso39794IntBytes(v))) }
	format := iso39794FormatJPEG
	if f.Format == ImageJPEG2000 {
		format = iso39794FormatJPEG2000Lossy
	}
	kind := f.FaceImageKind
	if kind < 0 {
		kind = 0
	}
	info := bytes.Join([][]byte{
		code(0xA0, format),
		code(0xA1, kind),
		ber.EncodeTLV(0xA7, append(ber.EncodeTLV(0x80, iso39794IntBytes(f.Width)), ber.EncodeTLV(0x81, iso39794IntBytes(f.Height))...)),
	}, nil)
	img2D := append(ber.EncodeTLV(0x80, f.Image), ber.EncodeTLV(0xA1, info)...)
	rep := ber.EncodeTLV(0x30, append(ber.EncodeTLV(0x80, []byte{0}), ber.EncodeTLV(0xA1, ber.EncodeTLV(0xA0, ber.EncodeTLV(0xA0, img2D)))...))
	version := append(ber.EncodeTLV(0x80, []byte{3}), ber.EncodeTLV(0x81, iso39794IntBytes(2019))...)
	block := ber.EncodeTLV(0x65, append(ber.EncodeTLV(0xA0, version), ber.EncodeTLV(0xA1, rep)...))
	return ber.EncodeTLV(0xA1, block)
}

// Marshal encodes DG2 with one biometric information template per face,
// each in the face's Encoding (ISO/IEC 19794-5 when unset).
func (d *DG2) Marshal() ([]byte, error) {
	if len(d.Faces) == 0 || len(d.Faces) > ldsMaxFaces {
		return nil, fmt.Errorf("%w: DG2 needs 1..%d faces, got %d", ErrMalformedLDS, ldsMaxFaces, len(d.Faces))
	}
	group := ber.AppendTLV(nil, tagLDSCount, []byte{byte(len(d.Faces))}) //nolint:gosec // G115: at most ldsMaxFaces, checked above
	for i := range d.Faces {
		f := &d.Faces[i]
		var bdb []byte
		formatType := FormatTypeISO19794Fac
		if f.Encoding == FaceISO39794 {
			formatType = FormatTypeISO39794Fac
			bdb = ber.EncodeTLV(0x7F2E, marshalISO39794Face(f))
		} else {
			rec, err := marshalISO19794Face(f)
			if err != nil {
				return nil, err
			}
			bdb = ber.EncodeTLV(0x5F2E, rec)
		}
		bht := bytes.Join([][]byte{
			ber.EncodeTLV(0x80, []byte{0x01, 0x01}), // ICAO header version 1.1
			ber.EncodeTLV(0x81, []byte{0x02}),       // biometric type: facial features
			ber.EncodeTLV(0x87, binary.BigEndian.AppendUint16(nil, FormatOwnerJTC1SC37)),
			ber.EncodeTLV(0x88, binary.BigEndian.AppendUint16(nil, formatType)),
		}, nil)
		group = ber.AppendTLV(group, 0x7F60, append(ber.EncodeTLV(0xA1, bht), bdb...))
	}
	return ber.EncodeTLV(0x75, ber.EncodeTLV(0x7F61, group)), nil
}
