package passport_test

import (
	"bytes"
	"crypto"
	"errors"
	"fmt"
	"image/jpeg"
	"reflect"
	"testing"

	"github.com/go-mitid/mitid/passport"
	"github.com/go-mitid/mitid/passport/internal/ber"
	"github.com/go-mitid/mitid/passport/passporttest"
)

// The LDS samples of ICAO Doc 9303 Part 10 (the worked examples of its data groups).
const (
	ldsVectorCOM  = "60145F0104303130365F36063034303030305C026175"
	ldsVectorDG11 = "6B605C0A5F0E5F115F425F125F135F0E0D534D4954483C3C4A4F484E3C4A5F110A414E59544F574E3C4D4E5F4217313233204D41504C452052443C414E59544F574E3C4D4E5F120B31363132353535313231325F130C54524156454C3C4147454E54"
	ldsVectorDG16 = "7081A2020102A14C5F500832303032303130315F5110534D4954483C3C434841524C45533C525F520B31393532353535313231325F531D313233204D41504C452052443C414E59544F574E3C4D4E3C3535313030A24F5F500832303032303331355F510D42524F574E3C3C4D4152593C4A5F520B31343135353535313231325F5323343920524544574F4F44204C4E3C4F4345414E20425245455A453C43413C3934303030"

	ldsVectorDG11OtherNamesNominal = "6B245C025F0FA01E0201025F0F0B534D4954483C3C4A4F484E5F0F0A4A4F484E3C534D495448"
	ldsVectorDG11OtherNamesBelarus = "6B235C01A0A01E0201025F0F0B534D4954483C3C4A4F484E5F0F0A4A4F484E3C534D495448"
	ldsVectorDG11OtherNamesChina   = "6B125C025F0F5F0F0B534D4954483C3C4A4F484E"
)

func TestParseCOM_Part10Sample(t *testing.T) {
	raw := mustHexT(ldsVectorCOM)
	c, err := passport.ParseCOM(raw)
	if err != nil {
		t.Fatal(err)
	}
	if c.LDSVersion != "0106" || c.UnicodeVersion != "040000" || !reflect.DeepEqual(c.Tags, []ber.Tag{0x61, 0x75}) {
		t.Errorf("COM = %+v", c)
	}
	if fmt.Sprint(c.DataGroups()) != "[1 2]" {
		t.Errorf("DataGroups = %v", c.DataGroups())
	}
	if got := c.Marshal(); !bytes.Equal(got, raw) {
		t.Errorf("Marshal = %X\nwant      %X", got, raw)
	}
}

func TestParseDG11_Part10SampleA5Corrected(t *testing.T) {
	raw := mustHexT(ldsVectorDG11)
	d, err := passport.ParseDG11(raw)
	if err != nil {
		t.Fatal(err)
	}
	want := &passport.DG11{FullName: "SMITH<<JOHN<J", PlaceOfBirth: "ANYTOWN<MN", Address: "123 MAPLE RD<ANYTOWN<MN",
		Telephone: "16125551212", Profession: "TRAVEL<AGENT"}
	if !reflect.DeepEqual(d, want) {
		t.Errorf("DG11 = %+v", d)
	}
	if got := want.Marshal(); !bytes.Equal(got, raw) {
		t.Errorf("Marshal = %X\nwant      %X", got, raw)
	}
}

// TestParseDG11_OtherNamesDeviations: the nominal A0 template, the Belarus
// variant naming A0 in the tag list, and the Chinese variant without template.
func TestParseDG11_OtherNamesDeviations(t *testing.T) {
	for _, tc := range []struct {
		name, hex string
		want      []string
	}{
		{"nominal A0 listed as 5F0F", ldsVectorDG11OtherNamesNominal, []string{"SMITH<<JOHN", "JOHN<SMITH"}},
		{"A0 listed as A0 (Belarus)", ldsVectorDG11OtherNamesBelarus, []string{"SMITH<<JOHN", "JOHN<SMITH"}},
		{"bare 5F0F (China)", ldsVectorDG11OtherNamesChina, []string{"SMITH<<JOHN"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d, err := passport.ParseDG11(mustHexT(tc.hex))
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(d.OtherNames, tc.want) {
				t.Errorf("OtherNames = %q", d.OtherNames)
			}
		})
	}
	// Encoding always produces the nominal form.
	d := &passport.DG11{OtherNames: []string{"SMITH<<JOHN", "JOHN<SMITH"}}
	if got := d.Marshal(); !bytes.Equal(got, mustHexT(ldsVectorDG11OtherNamesNominal)) {
		t.Errorf("Marshal = %X", got)
	}
}

func TestParseDG16_Part10SampleA6(t *testing.T) {
	raw := mustHexT(ldsVectorDG16)
	d, err := passport.ParseDG16(raw)
	if err != nil {
		t.Fatal(err)
	}
	want := &passport.DG16{Persons: []passport.NotifyPerson{
		{Date: "20020101", Name: "SMITH<<CHARLES<R", Telephone: "19525551212", Address: "123 MAPLE RD<ANYTOWN<MN<55100"},
		{Date: "20020315", Name: "BROWN<<MARY<J", Telephone: "14155551212", Address: "49 REDWOOD LN<OCEAN BREEZE<CA<94000"},
	}}
	if !reflect.DeepEqual(d, want) {
		t.Errorf("DG16 = %+v", d)
	}
	got, err := want.Marshal()
	if err != nil || !bytes.Equal(got, raw) {
		t.Errorf("Marshal = %X, %v", got, err)
	}
}

func TestParseDG12_RoundTrip(t *testing.T) {
	d := &passport.DG12{IssuingAuthority: "UTOPIA PASSPORT OFFICE", DateOfIssue: "20240115", OtherPersons: []string{"DOE<<JANE"},
		Endorsements: "NONE", FrontImage: []byte{0xFF, 0xD8, 0xFF, 0xE0}, PersonalizationTime: "20240115103000",
		PersonalizationDevice: "SN-0042"}
	got, err := passport.ParseDG12(d.Marshal())
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, d) {
		t.Errorf("round trip: %+v", got)
	}
}

// TestLDSDate_BCD: early documents stored dates as packed BCD.
func TestLDSDate_BCD(t *testing.T) {
	for in, want := range map[string]string{"\x19\x74\x08\x12": "19740812", "19740812": "19740812", "\xAB": "\xAB"} {
		if got := passport.LdsDate([]byte(in)); got != want {
			t.Errorf("ldsDate(%X) = %q, want %q", in, got, want)
		}
	}
}

func TestParseLDS_RejectsMalformed(t *testing.T) {
	for _, tc := range []struct {
		name  string
		parse func([]byte) error
		hex   string
	}{
		{"COM wrong tag", func(b []byte) error { _, err := passport.ParseCOM(b); return err }, "61145F0104303130365F36063034303030305C026175"},
		{"COM trailing", func(b []byte) error { _, err := passport.ParseCOM(b); return err }, ldsVectorCOM + "00"},
		{"COM no tag list", func(b []byte) error { _, err := passport.ParseCOM(b); return err }, "60065F0104303130"},
		{"DG11 list names absent element", func(b []byte) error { _, err := passport.ParseDG11(b); return err }, "6B045C025F10"},
		{"DG11 count mismatch", func(b []byte) error { _, err := passport.ParseDG11(b); return err }, "6B125C025F0FA00C0201025F0F0648454C4C4F21"},
		{"DG16 wrong count", func(b []byte) error { _, err := passport.ParseDG16(b); return err }, "7005020102A100"},
		{"DG2 empty", func(b []byte) error { _, err := passport.ParseDG2(b); return err }, "7500"},
		{"DG15 not a key", func(b []byte) error { _, err := passport.ParseDG15(b); return err }, "6F03020100"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if err := tc.parse(mustHexT(tc.hex)); !errors.Is(err, passport.ErrMalformedLDS) {
				t.Errorf("err = %v, want ErrMalformedLDS", err)
			}
		})
	}
}

func TestDataGroupIdentifiers(t *testing.T) {
	for n := 1; n <= 16; n++ {
		tag, _ := passport.DataGroupTag(n)
		if passport.DataGroupFromTag(tag) != n {
			t.Errorf("tag %s round trip", tag)
		}
	}
	if tag, _ := passport.DataGroupTag(2); tag != 0x75 {
		t.Errorf("DG2 tag %s", tag)
	}
	if _, err := passport.DataGroupTag(17); err == nil {
		t.Error("DG17 accepted")
	}
}

// TestDG2_FaceInBothEncodings builds DG2 with a real JPEG in ISO/IEC
// 19794-5 and ISO/IEC 39794-5 form and parses it back; the JPEG must decode.
func TestDG2_FaceInBothEncodings(t *testing.T) {
	face, err := passporttest.FaceJPEG(60, 80)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := jpeg.Decode(bytes.NewReader(face)); err != nil {
		t.Fatalf("synthetic face is not a JPEG: %v", err)
	}
	jp2 := append([]byte{0x00, 0x00, 0x00, 0x0C, 0x6A, 0x50, 0x20, 0x20, 0x0D, 0x0A, 0x87, 0x0A}, "rest of a JP2 file"...)
	for _, enc := range []passport.FaceEncoding{passport.FaceISO19794, passport.FaceISO39794} {
		for _, img := range [][]byte{face, jp2} {
			format := passport.DetectImageFormat(img)
			t.Run(fmt.Sprintf("%v/%v", enc, format), func(t *testing.T) {
				in := &passport.DG2{Faces: []passport.FaceImage{{Encoding: enc, Image: img, Format: format, Width: 60, Height: 80,
					Gender: 2, FaceImageType: 1, FaceImageKind: 0}}}
				raw, err := in.Marshal()
				if err != nil {
					t.Fatal(err)
				}
				d, err := passport.ParseDG2(raw)
				if err != nil {
					t.Fatal(err)
				}
				if len(d.Faces) != 1 {
					t.Fatalf("%d faces", len(d.Faces))
				}
				f := d.Faces[0]
				if f.Encoding != enc || !bytes.Equal(f.Image, img) || f.Format != format || f.DeclaredFormat != format ||
					f.Width != 60 || f.Height != 80 || f.FormatOwner != passport.FormatOwnerJTC1SC37 {
					t.Errorf("face = %+v", f)
				}
				wantType := map[passport.FaceEncoding]uint16{passport.FaceISO19794: passport.FormatTypeISO19794Fac, passport.FaceISO39794: passport.FormatTypeISO39794Fac}[enc]
				if f.FormatType != wantType {
					t.Errorf("format type %04X", f.FormatType)
				}
				if enc == passport.FaceISO19794 && (f.Gender != 2 || f.FaceImageType != 1) {
					t.Errorf("19794 fields %+v", f)
				}
				if enc == passport.FaceISO39794 && f.FaceImageKind != 0 {
					t.Errorf("39794 kind %d", f.FaceImageKind)
				}
			})
		}
	}
}

// TestDG2_ISO19794Layout pins the record layout: 14-byte header, 20-byte
// facial information, 12-byte image information, then the image.
func TestDG2_ISO19794Layout(t *testing.T) {
	f := &passport.FaceImage{Image: []byte{0xFF, 0xD8, 0xFF, 0xD9}, Format: passport.ImageJPEG, Width: 0x1234, Height: 0x0102}
	rec, err := passport.MarshalISO19794Face(f)
	if err != nil {
		t.Fatal(err)
	}
	want := "46414300" + "30313000" + "00000032" + "0001" + // FAC 010 length=50 faces=1
		"00000024" + "0000" + "000000" + "000000" + "0000" + "000000000000" + // block length 36, no points
		"00" + "00" + "1234" + "0102" + "00" + "00" + "0000" + "0000" + // image info: JPEG 0x1234 x 0x0102
		"FFD8FFD9"
	if fmt.Sprintf("%X", rec) != want {
		t.Errorf("record\n got %X\nwant %s", rec, want)
	}
}

func TestParseDG15_RSAAndExplicitBrainpool(t *testing.T) {
	keys := aaKeys(t)
	for name, tc := range map[string]struct {
		key      crypto.Signer
		explicit bool
	}{
		"RSA-1024":                 {keys.rsa1024, false},
		"brainpoolP256r1 named":    {keys.brainpool, false},
		"brainpoolP256r1 explicit": {keys.brainpool, true},
		"P-256 explicit":           {keys.p256, true},
	} {
		t.Run(name, func(t *testing.T) {
			raw, err := passport.MarshalDG15(tc.key.Public(), tc.explicit)
			if err != nil {
				t.Fatal(err)
			}
			d, err := passport.ParseDG15(raw)
			if err != nil {
				t.Fatal(err)
			}
			if d.PublicKey.ExplicitParameters != tc.explicit {
				t.Errorf("explicit = %v", d.PublicKey.ExplicitParameters)
			}
			sig, err := passporttest.SignActive(pkiTestRand(4), tc.key, aaChallenge, passporttest.ActiveSignOptions{})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := passport.VerifyActive(d.PublicKey, aaChallenge, sig, 0); err != nil {
				t.Errorf("AA with the DG15 key: %v", err)
			}
		})
	}
}

func TestParseDG1_Part10SampleTD2(t *testing.T) {
	const mrz = "I<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<D231458907UTO7408122F1204159<<<<<<<6"
	const want = "614B5F1F48493C55544F4552494B53534F4E3C3C414E4E413C4D415249413C3C3C3C3C3C3C3C3C3C3C4432333134353839303755544F3734303831323246313230343135393C3C3C3C3C3C3C36"
	raw, err := passport.MarshalDG1(mrz[:36] + "\n" + mrz[36:])
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprintf("%X", raw) != want {
		t.Errorf("MarshalDG1 = %X\nwant          %s", raw, want)
	}
	d, err := passport.ParseDG1(mustHexT(want))
	if err != nil {
		t.Fatal(err)
	}
	if d.Text != mrz || d.MRZ.DocumentNumber != "D23145890" || d.MRZ.DateOfBirth != "740812" || d.MRZ.DateOfExpiry != "120415" {
		t.Errorf("DG1 = %+v / %+v", d, d.MRZ)
	}
	bad := mustHexT(want)
	bad[len(bad)-1] = '5' // composite check digit
	if _, err := passport.ParseDG1(bad); !errors.Is(err, passport.ErrMalformedLDS) || !errors.Is(err, passport.ErrInvalidMRZ) {
		t.Errorf("bad check digit: %v", err)
	}
}

func TestDetectImageFormat_Signatures(t *testing.T) {
	for _, tc := range []struct {
		b    []byte
		want passport.ImageFormat
		mime string
	}{
		{[]byte{0xFF, 0xD8, 0xFF, 0xE0}, passport.ImageJPEG, "image/jpeg"},
		{[]byte{0x00, 0x00, 0x00, 0x0C, 0x6A, 0x50, 0x20, 0x20, 0x0D, 0x0A, 0x87, 0x0A, 0}, passport.ImageJPEG2000, "image/jp2"},
		{[]byte{0xFF, 0x4F, 0xFF, 0x51, 0x00}, passport.ImageJPEG2000, "image/jp2"}, // raw codestream
		{[]byte{0x89, 'P', 'N', 'G'}, passport.ImageUnknown, "application/octet-stream"},
		{nil, passport.ImageUnknown, "application/octet-stream"},
	} {
		if got := passport.DetectImageFormat(tc.b); got != tc.want || got.MIMEType() != tc.mime {
			t.Errorf("% X: %v %s", tc.b, got, got.MIMEType())
		}
	}
}
