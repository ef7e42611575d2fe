package passport_test

import (
	"bytes"
	"testing"

	"github.com/go-mitid/mitid/passport"
	"github.com/go-mitid/mitid/passport/passporttest"
)

// FuzzParseLDS feeds the same bytes to every LDS file parser: BER-TLV
// structure errors must surface as ErrMalformedLDS (or, for DG15,
// ErrUnsupportedAlgorithm; for DG1, ErrInvalidMRZ), never as a panic or an
// unbounded allocation. Whatever parses must survive a Marshal → Parse
// round trip.
func FuzzParseLDS(f *testing.F) {
	for _, h := range []string{ldsVectorCOM, ldsVectorDG11, ldsVectorDG16, ldsVectorDG11OtherNamesNominal,
		ldsVectorDG11OtherNamesBelarus, ldsVectorDG11OtherNamesChina} {
		f.Add(mustHexT(h))
	}
	face, err := passporttest.FaceJPEG(24, 32)
	if err != nil {
		f.Fatal(err)
	}
	for _, enc := range []passport.FaceEncoding{passport.FaceISO19794, passport.FaceISO39794} {
		dg2, err := (&passport.DG2{Faces: []passport.FaceImage{{Encoding: enc, Image: face, Format: passport.ImageJPEG, Width: 24, Height: 32}}}).Marshal()
		if err != nil {
			f.Fatal(err)
		}
		f.Add(dg2)
	}
	dg12 := (&passport.DG12{IssuingAuthority: "UTO", OtherPersons: []string{"A<<B"}}).Marshal()
	f.Add(dg12)
	doc := synthTestDoc(f, passporttest.ECDSAP256, func(o *passporttest.DocumentOptions) { o.AAKey = aaKeys(f).brainpool })
	f.Add(doc.DataGroups[1])
	f.Add(doc.DataGroups[14])
	f.Fuzz(func(t *testing.T, b []byte) {
		lds := func(what string, err error, also ...error) {
			if err != nil {
				requireSentinel(t, what, err, append(also, passport.ErrMalformedLDS)...)
			}
		}
		_, err := passport.ParseCOM(b)
		lds("COM", err)
		_, err = passport.ParseDG1(b)
		lds("DG1", err, passport.ErrInvalidMRZ)
		_, err = passport.ParseDG2(b)
		lds("DG2", err)
		_, err = passport.ParseDG11(b)
		lds("DG11", err)
		_, err = passport.ParseDG12(b)
		lds("DG12", err)
		_, err = passport.ParseDG14(b)
		lds("DG14", err)
		_, err = passport.ParseDG15(b)
		lds("DG15", err, passport.ErrUnsupportedAlgorithm)
		_, err = passport.ParseDG16(b)
		lds("DG16", err)
		if c, err := passport.ParseCOM(b); err == nil {
			if _, err := passport.ParseCOM(c.Marshal()); err != nil {
				t.Fatalf("COM round trip: %v", err)
			}
		}
		if d, err := passport.ParseDG11(b); err == nil {
			again, err := passport.ParseDG11(d.Marshal())
			if err != nil || again.FullName != d.FullName || len(again.OtherNames) != len(d.OtherNames) {
				t.Fatalf("DG11 round trip: %v", err)
			}
		}
		if d, err := passport.ParseDG12(b); err == nil {
			if _, err := passport.ParseDG12(d.Marshal()); err != nil {
				t.Fatalf("DG12 round trip: %v", err)
			}
		}
		if d, err := passport.ParseDG16(b); err == nil {
			if enc, err := d.Marshal(); err == nil {
				if _, err := passport.ParseDG16(enc); err != nil {
					t.Fatalf("DG16 round trip: %v", err)
				}
			}
		}
		if d, err := passport.ParseDG2(b); err == nil {
			enc, err := d.Marshal()
			if err != nil {
				return // e.g. a 39794 size that the 19794 form cannot hold
			}
			again, err := passport.ParseDG2(enc)
			if err != nil || len(again.Faces) != len(d.Faces) || !bytes.Equal(again.Faces[0].Image, d.Faces[0].Image) {
				t.Fatalf("DG2 round trip: %v", err)
			}
		}
		_, _ = passport.ParseDG15(b)
		if d, err := passport.ParseDG14(b); err == nil {
			if enc, err := d.Marshal(); err == nil {
				if _, err := passport.ParseDG14(enc); err != nil {
					t.Fatalf("DG14 round trip: %v", err)
				}
			}
			_, _ = d.ActiveAuthenticationHash()
		}
		if d, err := passport.ParseDG1(b); err == nil {
			enc, err := passport.MarshalDG1(d.Text)
			if err != nil {
				t.Fatalf("DG1 round trip: %v", err)
			}
			if again, err := passport.ParseDG1(enc); err != nil || again.Text != d.Text {
				t.Fatalf("DG1 round trip: %v", err)
			}
		}
	})
}
