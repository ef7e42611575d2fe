package passporttest

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rsa"
	"encoding/asn1"
	"errors"
	"fmt"
	"io"
	"maps"
	"strings"
	"time"

	"github.com/go-mitid/mitid/passport"
	"github.com/go-mitid/mitid/passport/internal/apdu"
	"github.com/go-mitid/mitid/passport/internal/ber"
	"github.com/go-mitid/mitid/passport/internal/dh"
	"github.com/go-mitid/mitid/passport/internal/ec"
	"github.com/go-mitid/mitid/passport/internal/oids"
	"github.com/go-mitid/mitid/passport/internal/pace"
)

// A synthetic document: every file of an eMRTD (EF.COM, DG1, DG2 with a
// real JPEG face, DG11, DG12, DG14, DG15, EF.SOD), EF.CardAccess, the chip's
// Active and Chip Authentication keys, and the issuing PKI, generated at run
// time. Options break it in the ways Passive Authentication must catch.

// SpecimenMRZ is the TD3 specimen of ICAO 9303 Part 4 Appendix A.
const SpecimenMRZ = "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<" + "L898902C36UTO7408122F1204159ZE184226B<<<<<10"

// AAKeyType selects the chip's Active Authentication key.
type AAKeyType int

// Active Authentication key types. The zero value is RSA-1024, the most
// common AA key in issued passports.
const (
	AARSA1024 AAKeyType = iota
	AARSA2048
	AAECDSAP256
	AAECDSABrainpoolP256
	AANone // no DG15, no Active Authentication
)

// DocumentOptions configures NewDocument. Rand and Now
// are required; everything else has a working default.
type DocumentOptions struct {
	Rand io.Reader // random source (required)
	// Now is the personalization time; the PKI's validity is built around it.
	Now time.Time
	// PKI issues the document; nil generates one with Algorithm. Share a
	// PKI between documents to save key generation time.
	PKI       *PKI
	Algorithm Algorithm // for a generated PKI
	// MRZ of the holder (TD1, TD2 or TD3); SpecimenMRZ if empty.
	MRZ string // the parsed MRZ of DG1
	// Face selects the DG2 encoding (ISO/IEC 19794-5 if zero); FaceImage
	// the image (FaceJPEG(60, 80) if nil).
	Face      passport.FaceEncoding
	FaceImage []byte // the image inside DG2
	// AAKeyType, or AAKey to supply the key; AAOptions is how the chip
	// signs (for ECDSA keys DG14 then names the hash in an ActiveAuthenticationInfo).
	AAKeyType AAKeyType
	AAKey     crypto.Signer     // overrides AAKeyType
	AAOptions ActiveSignOptions // how AAKey signs
	// CACurve is the Chip Authentication key's curve (brainpoolP256r1 if
	// nil); NoChipAuthentication leaves CA out of DG14.
	CACurve              *ec.Curve
	NoChipAuthentication bool // no CA key, no CA infos in DG14
	// CAKeyStandardized writes the Chip Authentication key with BSI
	// TR-03110's standardizedDomainParameters and a parameter ID instead
	// of id-ecPublicKey and a curve, as several issuers do.
	CAKeyStandardized bool
	// PACE lists the PACE variants EF.CardAccess (and DG14) offer instead of
	// ECDH generic mapping on brainpoolP256r1 with AES-128, e.g. Integrated
	// Mapping or DH.
	PACE []passport.PACEInfo
	// PACEDomainParameters are proprietary domain parameters EF.CardAccess
	// carries for PACEInfos with a parameterId of 32 and up.
	PACEDomainParameters []passport.PACEDomainParameterInfo
	// CADH gives the chip a finite-field DH Chip Authentication key on the
	// 2048-bit group of RFC 5114 (parameter ID 2), id-CA-DH-AES-CBC-CMAC-128,
	// instead of an ECDH key.
	CADH bool
	// PACECAM makes EF.CardAccess offer PACE-CAM (AES-128, brainpoolP256r1)
	// beside generic mapping, with a key of its own that EF.CardSecurity
	// publishes (where ICAO 9303 Part 11 puts it); DG14 keeps the Chip
	// Authentication key.
	PACECAM bool
	// DG11 and DG12 replace the default additional details.
	DG11 *passport.DG11
	DG12 *passport.DG12
	// SOD configures EF.SOD (hash, LDS version info, signer identifier);
	// SigningTime defaults to Now.
	SOD SODOptions

	// Ways to break the document:
	// ChangeDataGroup alters data group n after EF.SOD is signed.
	ChangeDataGroup int
	// OmitFromSOD leaves data group n out of EF.SOD while the chip still serves it.
	OmitFromSOD int
	// WrongCSCA makes Trust hold a CSCA with the issuer's name but another key.
	WrongCSCA bool
	// ExpiredDSC issues EF.SOD with a document signer whose validity ended the day before Now.
	ExpiredDSC bool
	// RevokedDSC makes the CSCA's CRL (loaded into Trust) revoke the document signer.
	RevokedDSC bool
	// ChangeCardSecurity alters EF.CardSecurity's signature after signing (with PACECAM).
	ChangeCardSecurity bool
}

// Document is a generated eMRTD: what a chip stores, the chip's
// secret keys, and what a verifier needs to trust it.
type Document struct {
	MRZ *passport.MRZ // the parsed MRZ of DG1
	// Files holds every file of the eMRTD application by file identifier
	// (FileCOM, FileSOD, FileDG(n)).
	Files map[uint16][]byte
	// DataGroups holds the same data groups by number.
	DataGroups map[int][]byte
	COM, SOD   []byte
	// CardAccess is EF.CardAccess: PACE with generic mapping, ECDH,
	// AES-128, brainpoolP256r1.
	CardAccess []byte
	FaceImage  []byte // the image inside DG2
	// AAKey is the chip's Active Authentication key (nil with AANone)
	// and AAOptions how it signs.
	AAKey     crypto.Signer     // overrides AAKeyType
	AAOptions ActiveSignOptions // how AAKey signs
	// CAKey is the Chip Authentication private key matching DG14 (nil
	// without CA), CADHKey the DH one with CADH.
	CAKey   *ec.PrivateKey
	CADHKey *dh.PrivateKey
	// CAMKey is the PACE-CAM key and CardSecurity the EF.CardSecurity
	// publishing it (both nil without PACECAM).
	CAMKey       *ec.PrivateKey
	CardSecurity []byte
	// PKI is the issuing PKI; Trust is the trust store a verifier would use
	// (the issuer's CSCA, or the wrong one with WrongCSCA).
	PKI   *PKI
	Trust *passport.TrustStore // what a verifier trusts
	// MasterList is a CSCA master list holding the issuer's CSCA, signed by
	// the PKI's master list signer (verify it against PKI.TrustStore()).
	MasterList []byte
	// CRL is the CSCA's certificate revocation list, already added to
	// Trust (revoking the DSC with RevokedDSC, empty otherwise).
	CRL []byte
}

// NewDocument generates a document.
func NewDocument(opts DocumentOptions) (*Document, error) {
	if opts.Rand == nil || opts.Now.IsZero() {
		return nil, errors.New("passporttest: NewDocument needs Rand and Now")
	}
	for _, n := range []int{opts.ChangeDataGroup, opts.OmitFromSOD} {
		if n < 0 || n > 16 {
			return nil, fmt.Errorf("%w: data group number %d", passport.ErrMalformedLDS, n)
		}
	}
	pki, err := synthDocumentPKI(opts)
	if err != nil {
		return nil, err
	}
	doc := &Document{PKI: pki, AAOptions: opts.AAOptions, DataGroups: map[int][]byte{}}
	mrzText := opts.MRZ
	if mrzText == "" {
		mrzText = SpecimenMRZ
	}
	if doc.MRZ, err = passport.ParseMRZ(mrzText); err != nil {
		return nil, err
	}
	if err := doc.buildDataGroups(opts); err != nil {
		return nil, err
	}

	// EF.SOD over the data groups (minus OmitFromSOD), then breakage.
	signed := maps.Clone(doc.DataGroups)
	delete(signed, opts.OmitFromSOD)
	sodOpts := opts.SOD
	if sodOpts.SigningTime.IsZero() {
		sodOpts.SigningTime = opts.Now
	}
	if sodOpts.LDSVersion == "" && sodOpts.UnicodeVersion == "" {
		sodOpts.LDSVersion, sodOpts.UnicodeVersion = "0108", "040000"
	}
	if doc.SOD, err = pki.SignSOD(opts.Rand, signed, sodOpts); err != nil {
		return nil, err
	}
	if n := opts.ChangeDataGroup; n != 0 {
		dg, ok := doc.DataGroups[n]
		if !ok {
			return nil, fmt.Errorf("passporttest: ChangeDataGroup %d: the document has no DG%d", n, n)
		}
		doc.DataGroups[n] = synthAlter(n, dg, doc.MRZ)
	}

	tags := []ber.Tag{}
	for n := 1; n <= 16; n++ {
		if _, ok := doc.DataGroups[n]; ok {
			tags = append(tags, ldsDataGroupTags[n])
		}
	}
	doc.COM = (&passport.COM{LDSVersion: "0108", UnicodeVersion: "040000", Tags: tags}).Marshal()
	doc.Files = map[uint16][]byte{apdu.FileCOM: doc.COM, apdu.FileSOD: doc.SOD}
	for n, dg := range doc.DataGroups {
		doc.Files[apdu.FileDG(n)] = dg
	}

	doc.Trust = pki.TrustStore()
	var revoked []*passport.Certificate
	if opts.RevokedDSC {
		revoked = append(revoked, pki.DSC)
	}
	if doc.CRL, err = pki.CRL(opts.Rand, opts.Now, opts.Now.AddDate(0, 0, -1), revoked...); err != nil {
		return nil, err
	}
	crl, err := passport.ParseCRL(doc.CRL)
	if err != nil {
		return nil, err
	}
	if err := doc.Trust.AddCRL(crl); err != nil {
		return nil, err
	}
	if opts.WrongCSCA {
		wrong, err := synthWrongCSCA(opts.Rand, pki, opts.Now)
		if err != nil {
			return nil, err
		}
		doc.Trust = passport.NewTrustStore(wrong)
	}
	if opts.PACECAM {
		if err := doc.buildCardSecurity(opts, pki); err != nil {
			return nil, err
		}
	}
	if doc.MasterList, err = pki.MasterList(opts.Rand, opts.Now); err != nil {
		return nil, err
	}
	return doc, nil
}

// buildCardSecurity gives the chip a PACE-CAM key, offers PACE-CAM in
// EF.CardAccess and publishes the key in a signed EF.CardSecurity.
func (doc *Document) buildCardSecurity(opts DocumentOptions, pki *PKI) error {
	var err error
	if doc.CAMKey, err = ec.BrainpoolP256r1().GenerateKey(opts.Rand); err != nil {
		return err
	}
	paces := []passport.PACEInfo{
		{Protocol: oids.PACEECDHGMAES128, Version: 2, ParameterID: 13, HasParameterID: true},
		{Protocol: oids.PACEECDHCAMAES128, Version: 2, ParameterID: 13, HasParameterID: true},
	}
	if doc.CardAccess, err = (&passport.SecurityInfos{PACE: paces}).Marshal(); err != nil {
		return err
	}
	si := &passport.SecurityInfos{
		PACE:                         paces,
		ChipAuthentication:           []passport.ChipAuthenticationInfo{{Protocol: oids.CAECDHAES128, Version: 1}},
		ChipAuthenticationPublicKeys: []passport.ChipAuthenticationPublicKeyInfo{{Protocol: oids.PKECDH, PublicKey: &doc.CAMKey.PublicKey}},
	}
	if doc.CardSecurity, err = pki.SignCardSecurity(opts.Rand, si, opts.Now); err != nil {
		return err
	}
	if opts.ChangeCardSecurity {
		doc.CardSecurity[len(doc.CardSecurity)-1] ^= 0x01
	}
	return nil
}

// synthDocumentPKI returns the PKI that signs the document.
func synthDocumentPKI(opts DocumentOptions) (*PKI, error) {
	p := opts.PKI
	if p != nil && !opts.ExpiredDSC {
		return p, nil
	}
	po := PKIOptions{Rand: opts.Rand, Now: opts.Now, Algorithm: opts.Algorithm, ExpiredDSC: opts.ExpiredDSC}
	if p != nil {
		// Re-issue the same keys' certificates with an expired DSC.
		po.Algorithm, po.CSCAKey, po.DSCKey = p.Algorithm, p.CSCAKey, p.DSCKey
	}
	return NewPKI(po)
}

// synthWrongCSCA makes a CSCA with the issuer's subject but a fresh key:
// a name match that must not verify the DSC.
func synthWrongCSCA(rand io.Reader, pki *PKI, now time.Time) (*passport.Certificate, error) {
	key, err := pki.Algorithm.GenerateKey(rand)
	if err != nil {
		return nil, err
	}
	t := CertificateTemplate{Serial: 99, Subject: pki.CSCA.Subject, NotBefore: now.AddDate(-1, 0, 0), NotAfter: now.AddDate(10, 0, 0),
		IsCA: true, KeyUsage: pki.CSCA.KeyUsage}
	return CreateCertificate(rand, t, key.Public(), nil, key, pki.Algorithm)
}

// synthAlter changes a data group the way a forger would: DG1's surname
// gets another letter (check digits do not cover names); other groups get
// their last byte changed, which lands inside a value.
func synthAlter(n int, dg []byte, mrz *passport.MRZ) []byte {
	out := append([]byte(nil), dg...)
	if n == 1 && mrz.PrimaryIdentifier != "" {
		if i := strings.Index(string(out), strings.ReplaceAll(mrz.PrimaryIdentifier, " ", "<")); i >= 0 {
			if out[i] == 'Z' {
				out[i] = 'Y'
			} else {
				out[i]++
			}
			return out
		}
	}
	out[len(out)-1] ^= 0x01
	return out
}

// buildDataGroups fills doc.DataGroups, doc.AAKey, doc.CAKey, doc.CardAccess.
func (doc *Document) buildDataGroups(opts DocumentOptions) error {
	var err error
	if doc.DataGroups[1], err = passport.MarshalDG1(strings.Join(doc.MRZ.Lines, "")); err != nil {
		return err
	}
	doc.FaceImage = opts.FaceImage
	if doc.FaceImage == nil {
		if doc.FaceImage, err = FaceJPEG(60, 80); err != nil {
			return err
		}
	}
	enc := opts.Face
	if enc == 0 {
		enc = passport.FaceISO19794
	}
	face := passport.FaceImage{Encoding: enc, Image: doc.FaceImage, Format: passport.DetectImageFormat(doc.FaceImage), Width: 60, Height: 80,
		FaceImageType: 1, SourceType: 2, FaceImageKind: 0}
	switch doc.MRZ.Sex {
	case "M":
		face.Gender = 1
	case "F":
		face.Gender = 2
	}
	if doc.DataGroups[2], err = (&passport.DG2{Faces: []passport.FaceImage{face}}).Marshal(); err != nil {
		return err
	}
	dg11 := opts.DG11
	if dg11 == nil {
		dg11 = &passport.DG11{
			FullName:        strings.ReplaceAll(doc.MRZ.PrimaryIdentifier+"<<"+doc.MRZ.SecondaryIdentifier, " ", "<"),
			PlaceOfBirth:    "ZENITH<UTOPIA",
			Address:         "1 SPECIMEN STREET<ZENITH<UTOPIA",
			Telephone:       "00000000000",
			FullDateOfBirth: synthFullDate(doc.MRZ.DateOfBirth, opts.Now),
		}
	}
	doc.DataGroups[11] = dg11.Marshal()
	dg12 := opts.DG12
	if dg12 == nil {
		dg12 = &passport.DG12{
			IssuingAuthority:      "SYNTHETIC PASSPORT OFFICE",
			DateOfIssue:           opts.Now.UTC().Format("20060102"),
			PersonalizationTime:   opts.Now.UTC().Format("20060102150405"),
			PersonalizationDevice: "GO-MITID-SYNTH-1",
		}
	}
	doc.DataGroups[12] = dg12.Marshal()

	paces := opts.PACE
	if len(paces) == 0 {
		paces = []passport.PACEInfo{{Protocol: oids.PACEECDHGMAES128, Version: 2, ParameterID: 13, HasParameterID: true}}
	}
	if doc.CardAccess, err = (&passport.SecurityInfos{PACE: paces, PACEDomainParameters: opts.PACEDomainParameters}).Marshal(); err != nil {
		return err
	}
	infos := &passport.SecurityInfos{PACE: paces, PACEDomainParameters: opts.PACEDomainParameters}
	switch {
	case opts.NoChipAuthentication:
	case opts.CADH:
		grp, _ := dh.StandardGroup(2)
		if doc.CADHKey, err = grp.GenerateKey(opts.Rand); err != nil {
			return err
		}
		infos.ChipAuthentication = []passport.ChipAuthenticationInfo{{Protocol: oids.CADHAES128, Version: 1}}
		infos.ChipAuthenticationPublicKeys = []passport.ChipAuthenticationPublicKeyInfo{{Protocol: oids.PKDH, DHPublicKey: &doc.CADHKey.PublicKey,
			StandardizedParameters: opts.CAKeyStandardized, ExplicitParameters: !opts.CAKeyStandardized}}
	default:
		curve := opts.CACurve
		if curve == nil {
			curve = ec.BrainpoolP256r1()
		}
		if doc.CAKey, err = curve.GenerateKey(opts.Rand); err != nil {
			return err
		}
		infos.ChipAuthentication = []passport.ChipAuthenticationInfo{{Protocol: oids.CAECDHAES128, Version: 1}}
		infos.ChipAuthenticationPublicKeys = []passport.ChipAuthenticationPublicKeyInfo{{Protocol: oids.PKECDH, PublicKey: &doc.CAKey.PublicKey,
			StandardizedParameters: opts.CAKeyStandardized}}
	}

	doc.AAKey = opts.AAKey
	if doc.AAKey == nil {
		if doc.AAKey, err = synthAAKey(opts.Rand, opts.AAKeyType); err != nil {
			return err
		}
	}
	if doc.AAKey != nil {
		if doc.DataGroups[15], err = passport.MarshalDG15(doc.AAKey.Public(), false); err != nil {
			return err
		}
		if _, isRSA := doc.AAKey.(*rsa.PrivateKey); !isRSA {
			h := opts.AAOptions.Hash
			if h == 0 {
				pk, err := passport.NewPublicKey(doc.AAKey.Public())
				if err != nil {
					return err
				}
				h = aaDefaultHash(pk.EC.Curve.N().BitLen())
			}
			doc.AAOptions.Hash = h
			infos.ActiveAuthentication = []passport.ActiveAuthenticationInfo{{Protocol: oids.ActiveAuthentication, Version: 1,
				SignatureAlgorithm: synthECDSAPlainOID(h)}}
		}
	}
	doc.DataGroups[14], err = (&passport.DG14{SecurityInfos: infos}).Marshal()
	return err
}

// synthAAKey generates an Active Authentication key of the given type.
func synthAAKey(rand io.Reader, t AAKeyType) (crypto.Signer, error) {
	var key crypto.Signer
	var err error
	switch t {
	case AARSA1024:
		key, err = rsa.GenerateKey(rand, 1024) //nolint:gosec // G403: AARSA1024 synthesises the RSA-1024 Active Authentication keys issued passports carry
	case AARSA2048:
		key, err = rsa.GenerateKey(rand, 2048)
	case AAECDSAP256:
		key, err = ecdsa.GenerateKey(elliptic.P256(), rand)
	case AAECDSABrainpoolP256:
		key, err = ec.BrainpoolP256r1().GenerateKey(rand)
	case AANone:
		return nil, nil
	default:
		return nil, fmt.Errorf("%w: AA key type %d", passport.ErrUnsupportedAlgorithm, t)
	}
	if err != nil {
		return nil, err
	}
	return key, nil
}

// synthECDSAPlainOID names ecdsa-plain-SHA* for ActiveAuthenticationInfo.
func synthECDSAPlainOID(h crypto.Hash) asn1.ObjectIdentifier {
	switch h {
	case crypto.SHA1:
		return oids.ECDSAPlainSHA1
	case crypto.SHA224:
		return oids.ECDSAPlainSHA224
	case crypto.SHA384:
		return oids.ECDSAPlainSHA384
	case crypto.SHA512:
		return oids.ECDSAPlainSHA512
	}
	return oids.ECDSAPlainSHA256
}

// synthFullDate expands an MRZ YYMMDD birth date to YYYYMMDD, taking the
// century that puts it in the past.
func synthFullDate(yymmdd string, now time.Time) string {
	if len(yymmdd) != 6 || !ldsDigits(yymmdd) {
		return ""
	}
	yy := int(yymmdd[0]-'0')*10 + int(yymmdd[1]-'0')
	century := now.Year() / 100 * 100
	if century+yy > now.Year() {
		century -= 100
	}
	return fmt.Sprintf("%04d%s", century+yy, yymmdd[2:])
}

// ChipConfig returns the configuration of a virtual chip holding
// this document, with BAC and PACE keyed by the MRZ, Active Authentication
// and Chip Authentication enabled when the document has the keys, and
// extended-length APDUs when a 2048-bit DH group needs them (as chips with
// such groups support them).
func (doc *Document) ChipConfig(rand io.Reader) ChipConfig {
	extended := doc.CADHKey != nil && doc.CADHKey.Group.ByteLen() > 128
	if si, err := passport.ParseSecurityInfos(doc.CardAccess); err == nil {
		for _, p := range si.PACE {
			if s, err := pace.SuiteFor(p.Protocol); err == nil && !s.ECDH && p.ParameterID > 0 {
				extended = true
			}
		}
	}
	return ChipConfig{
		ExtendedLength: extended,
		Files:          maps.Clone(doc.Files),
		CardAccess:     doc.CardAccess,
		Key:            doc.MRZ.Key(),
		AAKey:          doc.AAKey,
		AAOptions:      doc.AAOptions,
		CAKey:          doc.CAKey,
		CADHKey:        doc.CADHKey,
		CAMKey:         doc.CAMKey,
		CardSecurity:   doc.CardSecurity,
		Rand:           rand,
	}
}
