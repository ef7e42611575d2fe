package passport

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

	"github.com/go-mitid/mitid/passport/internal/ber"
	"github.com/go-mitid/mitid/passport/internal/dh"
	"github.com/go-mitid/mitid/passport/internal/ec"
	"github.com/go-mitid/mitid/passport/internal/pace"
)

// A synthetic document: every file of an eMRTD (EF.COM, DG1, DG2 with a
// real JPEG face, DG11, DG12, DG14, DG15, EF.SOD), EF.CardAccess, the chip's
// Active and Chip Authentication keys, and the issuing PKI, generated at run
// time. Options break it in the ways Passive Authentication must catch.

// SyntheticSpecimenMRZ is the TD3 specimen of ICAO 9303 Part 4 Appendix A.
const SyntheticSpecimenMRZ = "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<" + "L898902C36UTO7408122F1204159ZE184226B<<<<<10"

// SyntheticAAKeyType selects the chip's Active Authentication key.
type SyntheticAAKeyType int

// Active Authentication key types. The zero value is RSA-1024, the most
// common AA key in issued passports.
const (
	SyntheticAARSA1024 SyntheticAAKeyType = iota
	SyntheticAARSA2048
	SyntheticAAECDSAP256
	SyntheticAAECDSABrainpoolP256
	SyntheticAANone // no DG15, no Active Authentication
)

// SyntheticDocumentOptions configures NewSyntheticDocument. Rand and Now
// are required; everything else has a working default.
type SyntheticDocumentOptions struct {
	Rand io.Reader // random source (required)
	// Now is the personalization time; the PKI's validity is built around it.
	Now time.Time
	// PKI issues the document; nil generates one with Algorithm. Share a
	// PKI between documents to save key generation time.
	PKI       *SyntheticPKI
	Algorithm SyntheticAlgorithm // for a generated PKI
	// MRZ of the holder (TD1, TD2 or TD3); SyntheticSpecimenMRZ if empty.
	MRZ string // the parsed MRZ of DG1
	// Face selects the DG2 encoding (ISO/IEC 19794-5 if zero); FaceImage
	// the image (SyntheticFaceJPEG(60, 80) if nil).
	Face      FaceEncoding
	FaceImage []byte // the image inside DG2
	// AAKeyType, or AAKey to supply the key; AAOptions is how the chip
	// signs (for ECDSA keys DG14 then names the hash in an ActiveAuthenticationInfo).
	AAKeyType SyntheticAAKeyType
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
	PACE []PACEInfo
	// PACEDomainParameters are proprietary domain parameters EF.CardAccess
	// carries for PACEInfos with a parameterId of 32 and up.
	PACEDomainParameters []PACEDomainParameterInfo
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
	DG11 *DG11
	DG12 *DG12
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

// SyntheticDocument is a generated eMRTD: what a chip stores, the chip's
// secret keys, and what a verifier needs to trust it.
type SyntheticDocument struct {
	MRZ *MRZ // the parsed MRZ of DG1
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
	// AAKey is the chip's Active Authentication key (nil with SyntheticAANone)
	// and AAOptions how it signs.
	AAKey     crypto.Signer     // overrides AAKeyType
	AAOptions ActiveSignOptions // how AAKey signs
	// CAKey is the Chip Authentication private key matching DG14 (nil
	// without CA), CADHKey the DH one with CADH.
	CAKey   *ec.ECPrivateKey
	CADHKey *dh.DHPrivateKey
	// CAMKey is the PACE-CAM key and CardSecurity the EF.CardSecurity
	// publishing it (both nil without PACECAM).
	CAMKey       *ec.ECPrivateKey
	CardSecurity []byte
	// PKI is the issuing PKI; Trust is the trust store a verifier would use
	// (the issuer's CSCA, or the wrong one with WrongCSCA).
	PKI   *SyntheticPKI
	Trust *TrustStore // what a verifier trusts
	// MasterList is a CSCA master list holding the issuer's CSCA, signed by
	// the PKI's master list signer (verify it against PKI.TrustStore()).
	MasterList []byte
	// CRL is the CSCA's certificate revocation list, already added to
	// Trust (revoking the DSC with RevokedDSC, empty otherwise).
	CRL []byte
}

// NewSyntheticDocument generates a document.
func NewSyntheticDocument(opts SyntheticDocumentOptions) (*SyntheticDocument, error) {
	if opts.Rand == nil || opts.Now.IsZero() {
		return nil, errors.New("passport: NewSyntheticDocument needs Rand and Now")
	}
	for _, n := range []int{opts.ChangeDataGroup, opts.OmitFromSOD} {
		if n < 0 || n > 16 {
			return nil, fmt.Errorf("%w: data group number %d", ErrMalformedLDS, n)
		}
	}
	pki, err := synthDocumentPKI(opts)
	if err != nil {
		return nil, err
	}
	doc := &SyntheticDocument{PKI: pki, AAOptions: opts.AAOptions, DataGroups: map[int][]byte{}}
	mrzText := opts.MRZ
	if mrzText == "" {
		mrzText = SyntheticSpecimenMRZ
	}
	if doc.MRZ, err = ParseMRZ(mrzText); err != nil {
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
			return nil, fmt.Errorf("passport: ChangeDataGroup %d: the document has no DG%d", n, n)
		}
		doc.DataGroups[n] = synthAlter(n, dg, doc.MRZ)
	}

	tags := []ber.Tag{}
	for n := 1; n <= 16; n++ {
		if _, ok := doc.DataGroups[n]; ok {
			tags = append(tags, ldsDataGroupTags[n])
		}
	}
	doc.COM = (&COM{LDSVersion: "0108", UnicodeVersion: "040000", Tags: tags}).Marshal()
	doc.Files = map[uint16][]byte{FileCOM: doc.COM, FileSOD: doc.SOD}
	for n, dg := range doc.DataGroups {
		doc.Files[FileDG(n)] = dg
	}

	doc.Trust = pki.TrustStore()
	var revoked []*Certificate
	if opts.RevokedDSC {
		revoked = append(revoked, pki.DSC)
	}
	if doc.CRL, err = pki.CRL(opts.Rand, opts.Now, opts.Now.AddDate(0, 0, -1), revoked...); err != nil {
		return nil, err
	}
	crl, err := ParseCRL(doc.CRL)
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
		doc.Trust = NewTrustStore(wrong)
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
func (doc *SyntheticDocument) buildCardSecurity(opts SyntheticDocumentOptions, pki *SyntheticPKI) error {
	var err error
	if doc.CAMKey, err = ec.BrainpoolP256r1().GenerateKey(opts.Rand); err != nil {
		return err
	}
	paces := []PACEInfo{
		{Protocol: OIDPACEECDHGMAES128, Version: 2, ParameterID: 13, HasParameterID: true},
		{Protocol: OIDPACEECDHCAMAES128, Version: 2, ParameterID: 13, HasParameterID: true},
	}
	if doc.CardAccess, err = (&SecurityInfos{PACE: paces}).Marshal(); err != nil {
		return err
	}
	si := &SecurityInfos{
		PACE:                         paces,
		ChipAuthentication:           []ChipAuthenticationInfo{{Protocol: OIDCAECDHAES128, Version: 1}},
		ChipAuthenticationPublicKeys: []ChipAuthenticationPublicKeyInfo{{Protocol: OIDPKECDH, PublicKey: &doc.CAMKey.ECPublicKey}},
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
func synthDocumentPKI(opts SyntheticDocumentOptions) (*SyntheticPKI, error) {
	p := opts.PKI
	if p != nil && !opts.ExpiredDSC {
		return p, nil
	}
	po := SyntheticPKIOptions{Rand: opts.Rand, Now: opts.Now, Algorithm: opts.Algorithm, ExpiredDSC: opts.ExpiredDSC}
	if p != nil {
		// Re-issue the same keys' certificates with an expired DSC.
		po.Algorithm, po.CSCAKey, po.DSCKey = p.Algorithm, p.CSCAKey, p.DSCKey
	}
	return NewSyntheticPKI(po)
}

// synthWrongCSCA makes a CSCA with the issuer's subject but a fresh key:
// a name match that must not verify the DSC.
func synthWrongCSCA(rand io.Reader, pki *SyntheticPKI, now time.Time) (*Certificate, error) {
	key, err := pki.Algorithm.GenerateKey(rand)
	if err != nil {
		return nil, err
	}
	t := synthCertificate{serial: 99, subject: pki.CSCA.Subject, notBefore: now.AddDate(-1, 0, 0), notAfter: now.AddDate(10, 0, 0),
		isCA: true, keyUsage: pki.CSCA.KeyUsage}
	return synthCreateCertificate(rand, t, key.Public(), nil, key, pki.Algorithm)
}

// synthAlter changes a data group the way a forger would: DG1's surname
// gets another letter (check digits do not cover names); other groups get
// their last byte changed, which lands inside a value.
func synthAlter(n int, dg []byte, mrz *MRZ) []byte {
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
func (doc *SyntheticDocument) buildDataGroups(opts SyntheticDocumentOptions) error {
	var err error
	if doc.DataGroups[1], err = MarshalDG1(strings.Join(doc.MRZ.Lines, "")); err != nil {
		return err
	}
	doc.FaceImage = opts.FaceImage
	if doc.FaceImage == nil {
		if doc.FaceImage, err = SyntheticFaceJPEG(60, 80); err != nil {
			return err
		}
	}
	enc := opts.Face
	if enc == 0 {
		enc = FaceISO19794
	}
	face := FaceImage{Encoding: enc, Image: doc.FaceImage, Format: DetectImageFormat(doc.FaceImage), Width: 60, Height: 80,
		FaceImageType: 1, SourceType: 2, FaceImageKind: 0}
	switch doc.MRZ.Sex {
	case "M":
		face.Gender = 1
	case "F":
		face.Gender = 2
	}
	if doc.DataGroups[2], err = (&DG2{Faces: []FaceImage{face}}).Marshal(); err != nil {
		return err
	}
	dg11 := opts.DG11
	if dg11 == nil {
		dg11 = &DG11{
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
		dg12 = &DG12{
			IssuingAuthority:      "SYNTHETIC PASSPORT OFFICE",
			DateOfIssue:           opts.Now.UTC().Format("20060102"),
			PersonalizationTime:   opts.Now.UTC().Format("20060102150405"),
			PersonalizationDevice: "GO-MITID-SYNTH-1",
		}
	}
	doc.DataGroups[12] = dg12.Marshal()

	paces := opts.PACE
	if len(paces) == 0 {
		paces = []PACEInfo{{Protocol: OIDPACEECDHGMAES128, Version: 2, ParameterID: 13, HasParameterID: true}}
	}
	if doc.CardAccess, err = (&SecurityInfos{PACE: paces, PACEDomainParameters: opts.PACEDomainParameters}).Marshal(); err != nil {
		return err
	}
	infos := &SecurityInfos{PACE: paces, PACEDomainParameters: opts.PACEDomainParameters}
	switch {
	case opts.NoChipAuthentication:
	case opts.CADH:
		grp, _ := dh.StandardDHGroup(2)
		if doc.CADHKey, err = grp.GenerateKey(opts.Rand); err != nil {
			return err
		}
		infos.ChipAuthentication = []ChipAuthenticationInfo{{Protocol: OIDCADHAES128, Version: 1}}
		infos.ChipAuthenticationPublicKeys = []ChipAuthenticationPublicKeyInfo{{Protocol: OIDPKDH, DHPublicKey: &doc.CADHKey.DHPublicKey,
			StandardizedParameters: opts.CAKeyStandardized, ExplicitParameters: !opts.CAKeyStandardized}}
	default:
		curve := opts.CACurve
		if curve == nil {
			curve = ec.BrainpoolP256r1()
		}
		if doc.CAKey, err = curve.GenerateKey(opts.Rand); err != nil {
			return err
		}
		infos.ChipAuthentication = []ChipAuthenticationInfo{{Protocol: OIDCAECDHAES128, Version: 1}}
		infos.ChipAuthenticationPublicKeys = []ChipAuthenticationPublicKeyInfo{{Protocol: OIDPKECDH, PublicKey: &doc.CAKey.ECPublicKey,
			StandardizedParameters: opts.CAKeyStandardized}}
	}

	doc.AAKey = opts.AAKey
	if doc.AAKey == nil {
		if doc.AAKey, err = synthAAKey(opts.Rand, opts.AAKeyType); err != nil {
			return err
		}
	}
	if doc.AAKey != nil {
		if doc.DataGroups[15], err = MarshalDG15(doc.AAKey.Public(), false); err != nil {
			return err
		}
		if _, isRSA := doc.AAKey.(*rsa.PrivateKey); !isRSA {
			h := opts.AAOptions.Hash
			if h == 0 {
				pk, err := NewPublicKey(doc.AAKey.Public())
				if err != nil {
					return err
				}
				h = aaDefaultHash(pk.EC.Curve)
			}
			doc.AAOptions.Hash = h
			infos.ActiveAuthentication = []ActiveAuthenticationInfo{{Protocol: OIDActiveAuthentication, Version: 1,
				SignatureAlgorithm: synthECDSAPlainOID(h)}}
		}
	}
	doc.DataGroups[14], err = (&DG14{SecurityInfos: infos}).Marshal()
	return err
}

// synthAAKey generates an Active Authentication key of the given type.
func synthAAKey(rand io.Reader, t SyntheticAAKeyType) (crypto.Signer, error) {
	var key crypto.Signer
	var err error
	switch t {
	case SyntheticAARSA1024:
		key, err = rsa.GenerateKey(rand, 1024)
	case SyntheticAARSA2048:
		key, err = rsa.GenerateKey(rand, 2048)
	case SyntheticAAECDSAP256:
		key, err = ecdsa.GenerateKey(elliptic.P256(), rand)
	case SyntheticAAECDSABrainpoolP256:
		key, err = ec.BrainpoolP256r1().GenerateKey(rand)
	case SyntheticAANone:
		return nil, nil
	default:
		return nil, fmt.Errorf("%w: AA key type %d", ErrUnsupportedAlgorithm, t)
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
		return OIDECDSAPlainSHA1
	case crypto.SHA224:
		return OIDECDSAPlainSHA224
	case crypto.SHA384:
		return OIDECDSAPlainSHA384
	case crypto.SHA512:
		return OIDECDSAPlainSHA512
	}
	return OIDECDSAPlainSHA256
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

// VirtualChipConfig returns the configuration of a virtual chip holding
// this document, with BAC and PACE keyed by the MRZ, Active Authentication
// and Chip Authentication enabled when the document has the keys, and
// extended-length APDUs when a 2048-bit DH group needs them (as chips with
// such groups support them).
func (doc *SyntheticDocument) VirtualChipConfig(rand io.Reader) VirtualChipConfig {
	extended := doc.CADHKey != nil && doc.CADHKey.Group.ByteLen() > 128
	if si, err := ParseSecurityInfos(doc.CardAccess); err == nil {
		for _, p := range si.PACE {
			if s, err := pace.SuiteFor(p.Protocol); err == nil && !s.ECDH && p.ParameterID > 0 {
				extended = true
			}
		}
	}
	return VirtualChipConfig{
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
