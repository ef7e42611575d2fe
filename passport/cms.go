package passport

import (
	"crypto"
	"crypto/subtle"
	"encoding/asn1"
	"errors"
	"fmt"
	"math/big"

	"github.com/go-mitid/mitid/passport/internal/ber"
)

// CMS SignedData (RFC 5652) as eMRTDs use it: EF.SOD (eContentType
// id-icao-mrtd-security-ldsSecurityObject) and CSCA master lists
// (id-icao-cscaMasterList). The parser reads BER (indefinite lengths,
// constructed OCTET STRINGs), because several issuers emit BER; the signed
// attributes are verified over their DER re-encoding as a SET, as RFC 5652
// §5.4 prescribes.

// Object identifiers of CMS content types and attributes.
var (
	oidSignedData       = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 7, 2}
	oidAttrContentType  = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 3}
	oidAttrMessageDigst = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 4}
)

// SignedData is a parsed CMS SignedData. It is immutable after parsing.
type SignedData struct {
	Version int // CMS version field
	// DigestAlgorithms lists the digestAlgorithms field's OIDs (informational).
	DigestAlgorithms []asn1.ObjectIdentifier
	// EContentType is the type of the encapsulated content.
	EContentType asn1.ObjectIdentifier
	// EContent is the encapsulated content (for EF.SOD: the DER LDSSecurityObject).
	EContent []byte
	// Certificates holds the certificates carried in the SignedData that
	// parsed; CertificateErrors holds the reasons others were skipped.
	Certificates      []*Certificate
	CertificateErrors []error       // why a carried certificate was skipped
	SignerInfos       []*SignerInfo // at least one
}

// SignerInfo is one signer of a SignedData.
type SignerInfo struct {
	Version int // CMS version field
	// The signer identifier: either IssuerAndSerialNumber (RawIssuer and
	// SerialNumber set) or SubjectKeyIdentifier (SubjectKeyID set).
	RawIssuer    []byte
	SerialNumber *big.Int // with RawIssuer, for issuerAndSerialNumber
	SubjectKeyID []byte   // for the subjectKeyIdentifier form
	// DigestAlgorithm hashes the content for the messageDigest attribute.
	DigestAlgorithm crypto.Hash
	// SignedAttributes are the signed attributes in received order; nil when
	// the signature covers the content directly.
	SignedAttributes []Attribute
	// SignatureAlgorithm names the signature algorithm ("" if unsupported,
	// then SignatureAlgorithmError says why).
	SignatureAlgorithm      string
	SignatureAlgorithmError error  // why the algorithm is unsupported
	Signature               []byte // the signature value

	rawSignedAttrs *ber.Element // the [0] IMPLICIT SET as received
	sig            sigAlg
}

// Attribute is a CMS attribute: a type and its values, each value the DER of one element.
type Attribute struct {
	Type   asn1.ObjectIdentifier // attribute type OID
	Values [][]byte              // DER of each value
}

// ParseSignedData parses a CMS ContentInfo whose content is SignedData.
// It checks structure only; use (*SignedData).Verify for signatures. Errors
// wrap ErrMalformedCMS (or ErrUnsupportedAlgorithm for an unknown digest).
func ParseSignedData(contentInfo []byte) (*SignedData, error) {
	return parseSignedDataWith(contentInfo, ParseCertificate)
}

// parseSignedDataWith parses with a given certificate parser (a caching
// one, for Passive Authentication with a TrustStore).
func parseSignedDataWith(contentInfo []byte, parseCert func([]byte) (*Certificate, error)) (*SignedData, error) {
	sd, err := parseSignedData(contentInfo, parseCert)
	if err != nil {
		if errors.Is(err, ErrUnsupportedAlgorithm) {
			return nil, err
		}
		return nil, fmt.Errorf("%w: %w", ErrMalformedCMS, err)
	}
	return sd, nil
}

func parseSignedData(b []byte, parseCert func([]byte) (*Certificate, error)) (*SignedData, error) {
	ci, err := ber.ReadAll(b)
	if err != nil {
		return nil, err
	}
	parts, err := ber.Sequence(ci, "ContentInfo")
	if err != nil {
		return nil, err
	}
	if len(parts) != 2 {
		return nil, fmt.Errorf("ContentInfo has %d elements, expected 2", len(parts))
	}
	ct, err := ber.OID(parts[0])
	if err != nil {
		return nil, fmt.Errorf("contentType: %w", err)
	}
	if !ct.Equal(oidSignedData) {
		return nil, fmt.Errorf("content type %v is not signedData", ct)
	}
	if !parts[1].Is(asn1.ClassContextSpecific, 0, true) {
		return nil, errors.New("ContentInfo content must be [0] EXPLICIT")
	}
	inner, err := ber.ReadAll(parts[1].Content)
	if err != nil {
		return nil, err
	}
	f, err := ber.Sequence(inner, "SignedData")
	if err != nil {
		return nil, err
	}
	if len(f) < 4 {
		return nil, fmt.Errorf("SignedData has %d elements, expected at least 4", len(f))
	}
	sd := &SignedData{}
	if sd.Version, err = ber.SmallInt(f[0], false, 5); err != nil {
		return nil, fmt.Errorf("SignedData version: %w", err)
	}
	if !f[1].Is(asn1.ClassUniversal, ber.TagSet, true) {
		return nil, errors.New("digestAlgorithms must be a SET")
	}
	das, err := ber.Children(f[1])
	if err != nil {
		return nil, err
	}
	for _, d := range das {
		a, err := ber.Algorithm(d, "digestAlgorithm")
		if err != nil {
			return nil, err
		}
		sd.DigestAlgorithms = append(sd.DigestAlgorithms, a.OID)
	}
	if err := sd.parseEncapContent(f[2]); err != nil {
		return nil, err
	}
	i := 3
	if i < len(f) && f[i].Is(asn1.ClassContextSpecific, 0, true) {
		certs, err := ber.Children(f[i])
		if err != nil {
			return nil, fmt.Errorf("certificates: %w", err)
		}
		for _, c := range certs {
			if !c.IsUniversal(ber.TagSequence) {
				continue // attribute certificates and other choices: not used in eMRTD PKI
			}
			cert, err := parseCert(c.Full)
			if err != nil {
				sd.CertificateErrors = append(sd.CertificateErrors, err)
				continue
			}
			sd.Certificates = append(sd.Certificates, cert)
		}
		i++
	}
	if i < len(f) && f[i].Is(asn1.ClassContextSpecific, 1, true) {
		i++ // crls: revocation is checked out of band
	}
	if i != len(f)-1 || !f[i].Is(asn1.ClassUniversal, ber.TagSet, true) {
		return nil, errors.New("signerInfos SET missing or followed by extra elements")
	}
	sis, err := ber.Children(f[i])
	if err != nil {
		return nil, fmt.Errorf("signerInfos: %w", err)
	}
	for _, s := range sis {
		si, err := parseSignerInfo(s)
		if err != nil {
			return nil, err
		}
		sd.SignerInfos = append(sd.SignerInfos, si)
	}
	if len(sd.SignerInfos) == 0 {
		return nil, errors.New("SignedData has no signerInfos")
	}
	return sd, nil
}

func (sd *SignedData) parseEncapContent(e ber.Element) error {
	parts, err := ber.Sequence(e, "encapContentInfo")
	if err != nil {
		return err
	}
	if len(parts) < 1 || len(parts) > 2 {
		return fmt.Errorf("encapContentInfo has %d elements", len(parts))
	}
	if sd.EContentType, err = ber.OID(parts[0]); err != nil {
		return fmt.Errorf("eContentType: %w", err)
	}
	if len(parts) == 1 {
		return errors.New("detached content: eContent is absent")
	}
	if !parts[1].Is(asn1.ClassContextSpecific, 0, true) {
		return errors.New("eContent must be [0] EXPLICIT OCTET STRING")
	}
	oct, err := ber.ReadAll(parts[1].Content)
	if err != nil {
		return fmt.Errorf("eContent: %w", err)
	}
	if sd.EContent, err = ber.Octets(oct, false); err != nil {
		return fmt.Errorf("eContent: %w", err)
	}
	return nil
}

func parseSignerInfo(e ber.Element) (*SignerInfo, error) {
	f, err := ber.Sequence(e, "SignerInfo")
	if err != nil {
		return nil, err
	}
	if len(f) < 5 {
		return nil, fmt.Errorf("SignerInfo has %d elements, expected at least 5", len(f))
	}
	si := &SignerInfo{}
	if si.Version, err = ber.SmallInt(f[0], false, 5); err != nil {
		return nil, fmt.Errorf("SignerInfo version: %w", err)
	}
	switch sid := f[1]; {
	case sid.IsUniversal(ber.TagSequence):
		ias, err := ber.Sequence(sid, "issuerAndSerialNumber")
		if err != nil {
			return nil, err
		}
		if len(ias) != 2 || !ias[0].Is(asn1.ClassUniversal, ber.TagSequence, true) {
			return nil, errors.New("issuerAndSerialNumber must hold a Name and an INTEGER")
		}
		si.RawIssuer = ias[0].Full
		if si.SerialNumber, err = ber.Integer(ias[1], false); err != nil {
			return nil, fmt.Errorf("issuerAndSerialNumber: %w", err)
		}
	case sid.Class == asn1.ClassContextSpecific && sid.Number == 0:
		if si.SubjectKeyID, err = ber.Octets(sid, true); err != nil {
			return nil, fmt.Errorf("subjectKeyIdentifier: %w", err)
		}
	default:
		return nil, fmt.Errorf("unknown signer identifier %s", sid.Describe())
	}
	da, err := ber.Algorithm(f[2], "digestAlgorithm")
	if err != nil {
		return nil, err
	}
	if si.DigestAlgorithm, err = pkiDigestAlgorithm(da); err != nil {
		return nil, err
	}
	i := 3
	if f[i].Is(asn1.ClassContextSpecific, 0, true) {
		raw := f[i]
		si.rawSignedAttrs = &raw
		attrs, err := ber.Children(raw)
		if err != nil {
			return nil, fmt.Errorf("signedAttrs: %w", err)
		}
		for _, a := range attrs {
			at, err := parseAttribute(a)
			if err != nil {
				return nil, err
			}
			si.SignedAttributes = append(si.SignedAttributes, at)
		}
		i++
	}
	if len(f)-i < 2 {
		return nil, errors.New("SignerInfo lacks signatureAlgorithm or signature")
	}
	sa, err := ber.Algorithm(f[i], "signatureAlgorithm")
	if err != nil {
		return nil, err
	}
	si.sig, si.SignatureAlgorithmError = parseSigAlg(sa, si.DigestAlgorithm)
	if si.SignatureAlgorithmError == nil {
		si.SignatureAlgorithm = si.sig.String()
	}
	if si.Signature, err = ber.Octets(f[i+1], false); err != nil {
		return nil, fmt.Errorf("signature: %w", err)
	}
	for _, extra := range f[i+2:] {
		if !extra.Is(asn1.ClassContextSpecific, 1, true) {
			return nil, fmt.Errorf("unexpected %s after the signature", extra.Describe())
		}
	}
	return si, nil
}

func parseAttribute(e ber.Element) (Attribute, error) {
	var a Attribute
	parts, err := ber.Sequence(e, "Attribute")
	if err != nil {
		return a, err
	}
	if len(parts) != 2 || !parts[1].Is(asn1.ClassUniversal, ber.TagSet, true) {
		return a, errors.New("Attribute must hold a type and a SET of values")
	}
	if a.Type, err = ber.OID(parts[0]); err != nil {
		return a, err
	}
	vals, err := ber.Children(parts[1])
	if err != nil {
		return a, err
	}
	for _, v := range vals {
		a.Values = append(a.Values, v.Full)
	}
	return a, nil
}

// attribute returns the single value of the signed attribute typ, or an
// error when it is absent or not single-valued (RFC 5652 §11 requires one value).
func (si *SignerInfo) attribute(typ asn1.ObjectIdentifier) (ber.Element, error) {
	var found []Attribute
	for _, a := range si.SignedAttributes {
		if a.Type.Equal(typ) {
			found = append(found, a)
		}
	}
	if len(found) != 1 || len(found[0].Values) != 1 {
		return ber.Element{}, fmt.Errorf("signed attribute %v must appear once with one value", typ)
	}
	return ber.ReadAll(found[0].Values[0])
}

// signedBytes returns what the signature covers: the DER of the signed
// attributes with the [0] IMPLICIT tag replaced by SET (RFC 5652 §5.4).
func (si *SignerInfo) signedBytes() []byte {
	return ber.DER(0x31, si.rawSignedAttrs.Content)
}

// Signer returns the certificate of si among sd.Certificates. A signer
// identified by subject key identifier is the certificate with that key
// identifier. One identified by issuer and serial number is the
// certificate with that serial number and issuer name, compared as X.500
// names; failing that, the one with that serial number whose issuer holds
// the same set of RDNs in another order, as some issuers write the
// SignerInfo (the signature, checked next, must still verify with the
// certificate's key). The error wraps ErrSignerNotFound.
func (sd *SignedData) Signer(si *SignerInfo) (*Certificate, error) {
	if si.SubjectKeyID != nil {
		for _, c := range sd.Certificates {
			if c.SubjectKeyID != nil && subtle.ConstantTimeCompare(c.SubjectKeyID, si.SubjectKeyID) == 1 {
				return c, nil
			}
		}
		return nil, fmt.Errorf("%w: no certificate with subject key identifier %X among the %d carried",
			ErrSignerNotFound, si.SubjectKeyID, len(sd.Certificates))
	}
	for _, sameName := range []func(a, b []byte) bool{pkiNamesEqual, pkiNamesSameRDNs} {
		for _, c := range sd.Certificates {
			if c.SerialNumber.Cmp(si.SerialNumber) == 0 && sameName(c.RawIssuer, si.RawIssuer) {
				return c, nil
			}
		}
	}
	return nil, fmt.Errorf("%w: no certificate with issuer %s and serial number %s among the %d carried",
		ErrSignerNotFound, pkiParseName(si.RawIssuer).String(), si.SerialNumber, len(sd.Certificates))
}

// signerOrExternal returns the certificate of si: one carried in sd, or
// else external when it matches si (a document signer certificate
// obtained from the ICAO PKD for an EF.SOD that carries none, or carries
// another).
func (sd *SignedData) signerOrExternal(si *SignerInfo, external *Certificate) (*Certificate, error) {
	c, err := sd.Signer(si)
	if err == nil || external == nil {
		return c, err
	}
	ext := &SignedData{Certificates: []*Certificate{external}}
	if c, extErr := ext.Signer(si); extErr == nil {
		return c, nil
	}
	return nil, fmt.Errorf("%w; nor is the signer certificate given (serial number %s, issuer %s) the one the SignerInfo names",
		err, external.SerialNumber, external.Issuer.String())
}

// CMSCheck names one step of verifying a SignerInfo.
type CMSCheck string

// The steps of (*SignedData).VerifySignerInfo, in order.
const (
	CMSCheckContentType   CMSCheck = "contentType attribute matches eContentType"
	CMSCheckMessageDigest CMSCheck = "messageDigest attribute matches the content"
	CMSCheckSignature     CMSCheck = "signature verifies with the signer's key"
)

// CMSError reports which CMS verification step failed; it wraps
// ErrContentTypeMismatch, ErrMessageDigestMismatch, ErrSignatureInvalid or
// ErrUnsupportedAlgorithm.
type CMSError struct {
	Check CMSCheck // the step that failed
	Err   error    // the sentinel and detail of the failure
}

// Error names the failed step and the cause.
func (e *CMSError) Error() string { return fmt.Sprintf("CMS check failed: %s: %v", e.Check, e.Err) }

// Unwrap returns the cause.
func (e *CMSError) Unwrap() error { return e.Err }

// VerifySignerInfo checks si against signer's public key: with signed
// attributes present, that contentType equals sd.EContentType, that
// messageDigest equals the hash of sd.EContent, and that the signature
// covers the DER SET of the signed attributes; without them, that the
// signature covers sd.EContent. It does not judge whether signer is
// trustworthy. Failures are *CMSError.
func (sd *SignedData) VerifySignerInfo(si *SignerInfo, signer *Certificate) error {
	if si.SignatureAlgorithmError != nil {
		return &CMSError{CMSCheckSignature, si.SignatureAlgorithmError}
	}
	if signer.PublicKey == nil {
		return &CMSError{CMSCheckSignature, fmt.Errorf("%w: signer key: %w", ErrUnsupportedAlgorithm, signer.PublicKeyError)}
	}
	if si.rawSignedAttrs == nil {
		if err := signer.PublicKey.verify(si.sig, sd.EContent, si.Signature); err != nil {
			return &CMSError{CMSCheckSignature, err}
		}
		return nil
	}
	ct, err := si.attribute(oidAttrContentType)
	if err != nil {
		return &CMSError{CMSCheckContentType, fmt.Errorf("%w: %w", ErrContentTypeMismatch, err)}
	}
	ctOID, err := ber.OID(ct)
	if err != nil || !ctOID.Equal(sd.EContentType) {
		return &CMSError{CMSCheckContentType, fmt.Errorf("%w: signed contentType %v, eContentType %v", ErrContentTypeMismatch, ctOID, sd.EContentType)}
	}
	md, err := si.attribute(oidAttrMessageDigst)
	if err != nil {
		return &CMSError{CMSCheckMessageDigest, fmt.Errorf("%w: %w", ErrMessageDigestMismatch, err)}
	}
	want, err := ber.Octets(md, false)
	if err != nil {
		return &CMSError{CMSCheckMessageDigest, fmt.Errorf("%w: %w", ErrMessageDigestMismatch, err)}
	}
	h := si.DigestAlgorithm.New()
	h.Write(sd.EContent)
	if subtle.ConstantTimeCompare(h.Sum(nil), want) != 1 {
		return &CMSError{CMSCheckMessageDigest, fmt.Errorf("%w (%s)", ErrMessageDigestMismatch, pkiHashName(si.DigestAlgorithm))}
	}
	if err := signer.PublicKey.verify(si.sig, si.signedBytes(), si.Signature); err != nil {
		return &CMSError{CMSCheckSignature, err}
	}
	return nil
}
