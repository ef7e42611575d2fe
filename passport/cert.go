package passport

import (
	"bytes"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"errors"
	"fmt"
	"math/big"
	"slices"
	"strings"
	"time"

	"github.com/go-mitid/mitid/passport/internal/ber"
)

// Certificate is an X.509 certificate as used in eMRTD PKI: a CSCA, a
// document signer (DSC) or a master list signer. This package parses
// certificates itself because crypto/x509 cannot: eMRTD certificates often
// carry brainpool keys or elliptic-curve keys with EXPLICIT domain
// parameters, both of which crypto/x509 rejects.
//
// A Certificate is immutable after parsing and safe for concurrent use.
type Certificate struct {
	Raw                     []byte // the complete DER encoding
	RawTBSCertificate       []byte // the signed part
	RawIssuer               []byte // DER of the issuer Name
	RawSubject              []byte // DER of the subject Name
	RawSubjectPublicKeyInfo []byte // DER of the SubjectPublicKeyInfo

	Version      int       // 1, 2 or 3
	SerialNumber *big.Int  // as issued (may be negative in broken certificates)
	Issuer       pkix.Name // best effort: empty when the Name uses unusual string types
	Subject      pkix.Name // best effort, see Issuer
	NotBefore    time.Time // start of validity (inclusive)
	NotAfter     time.Time // end of validity (inclusive)

	// PublicKey is the subject's key. It is nil when the key's algorithm is
	// not supported; PublicKeyError then says why. The certificate itself is
	// still usable as a name anchor.
	PublicKey      *PublicKey
	PublicKeyError error // why PublicKey is nil (wraps ErrUnsupportedAlgorithm)

	// SignatureAlgorithm names the issuer's signature algorithm (e.g.
	// "ecdsa-with-SHA256", "RSASSA-PSS/SHA-256", "sha256WithRSAEncryption").
	SignatureAlgorithm string
	Signature          []byte // the issuer's signature over RawTBSCertificate

	SubjectKeyID          []byte                  // subjectKeyIdentifier extension, nil if absent
	AuthorityKeyID        []byte                  // keyIdentifier of authorityKeyIdentifier, nil if absent
	BasicConstraintsValid bool                    // the basicConstraints extension is present
	IsCA                  bool                    // basicConstraints cA flag
	KeyUsage              x509.KeyUsage           // zero when the extension is absent
	HasKeyUsage           bool                    // the keyUsage extension is present
	ExtKeyUsage           []asn1.ObjectIdentifier // extendedKeyUsage purposes, nil if absent
	// DocumentTypes lists the ICAO documentTypeList extension's entries
	// (e.g. "P", "ID"), when present in a document signer certificate.
	DocumentTypes []string
	// UnhandledCriticalExtensions lists critical extensions this package does
	// not understand; chain validation rejects such certificates (RFC 5280 §4.2).
	UnhandledCriticalExtensions []asn1.ObjectIdentifier

	sigAlg       ber.AlgorithmIdentifier // outer signatureAlgorithm
	tbsSigAlg    ber.AlgorithmIdentifier // signature field inside TBSCertificate
	sigAlgParsed sigAlg
	sigAlgError  error
}

// Object identifiers of the certificate extensions this package interprets.
var (
	oidExtSubjectKeyID          = asn1.ObjectIdentifier{2, 5, 29, 14}
	oidExtKeyUsage              = asn1.ObjectIdentifier{2, 5, 29, 15}
	oidExtPrivateKeyUsagePeriod = asn1.ObjectIdentifier{2, 5, 29, 16}
	oidExtSubjectAltName        = asn1.ObjectIdentifier{2, 5, 29, 17}
	oidExtIssuerAltName         = asn1.ObjectIdentifier{2, 5, 29, 18}
	oidExtBasicConstraints      = asn1.ObjectIdentifier{2, 5, 29, 19}
	oidExtCRLDistribution       = asn1.ObjectIdentifier{2, 5, 29, 31}
	oidExtCertificatePolicies   = asn1.ObjectIdentifier{2, 5, 29, 32}
	oidExtAuthorityKeyID        = asn1.ObjectIdentifier{2, 5, 29, 35}
	oidExtExtKeyUsage           = asn1.ObjectIdentifier{2, 5, 29, 37}
	oidExtDocumentTypeList      = asn1.ObjectIdentifier{2, 23, 136, 1, 1, 6, 2}
	oidExtNameChange            = asn1.ObjectIdentifier{2, 23, 136, 1, 1, 6, 1}
)

// ParseCertificate parses one DER-encoded X.509 certificate. It accepts
// RSA and elliptic-curve keys on any curve known to this package, with named
// or explicit domain parameters. An unsupported key algorithm is not an
// error (see Certificate.PublicKeyError); malformed structure is, wrapped in
// ErrMalformedCertificate.
func ParseCertificate(der []byte) (*Certificate, error) {
	c, err := parseCertificate(der)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrMalformedCertificate, err)
	}
	return c, nil
}

func parseCertificate(der []byte) (*Certificate, error) {
	top, err := ber.ReadAll(der)
	if err != nil {
		return nil, err
	}
	if top.Indefinite {
		return nil, errors.New("certificate uses indefinite length; DER required")
	}
	parts, err := ber.Sequence(top, "Certificate")
	if err != nil {
		return nil, err
	}
	if len(parts) != 3 {
		return nil, fmt.Errorf("Certificate has %d elements, expected 3", len(parts))
	}
	c := &Certificate{Raw: top.Full, RawTBSCertificate: parts[0].Full}
	if c.sigAlg, err = ber.Algorithm(parts[1], "signatureAlgorithm"); err != nil {
		return nil, err
	}
	if c.Signature, err = ber.BitString(parts[2]); err != nil {
		return nil, fmt.Errorf("signature: %w", err)
	}
	if err := c.parseTBS(parts[0]); err != nil {
		return nil, err
	}
	if !c.sigAlg.OID.Equal(c.tbsSigAlg.OID) {
		return nil, fmt.Errorf("signature algorithm %v differs from the TBSCertificate's %v", c.sigAlg.OID, c.tbsSigAlg.OID)
	}
	c.sigAlgParsed, c.sigAlgError = parseSigAlg(c.sigAlg, 0)
	if c.sigAlgError == nil {
		c.SignatureAlgorithm = c.sigAlgParsed.String()
	} else {
		c.SignatureAlgorithm = c.sigAlg.OID.String()
	}
	return c, nil
}

func (c *Certificate) parseTBS(tbs ber.Element) error {
	f, err := ber.Sequence(tbs, "TBSCertificate")
	if err != nil {
		return err
	}
	i := 0
	c.Version = 1
	if i < len(f) && f[i].Is(asn1.ClassContextSpecific, 0, true) {
		inner, err := ber.ReadAll(f[i].Content)
		if err != nil {
			return fmt.Errorf("version: %w", err)
		}
		v, err := ber.SmallInt(inner, false, 2)
		if err != nil {
			return fmt.Errorf("version: %w", err)
		}
		c.Version = v + 1
		i++
	}
	if len(f)-i < 6 {
		return fmt.Errorf("TBSCertificate has %d fields, expected at least 6 after the version", len(f)-i)
	}
	if c.SerialNumber, err = ber.Integer(f[i], false); err != nil {
		return fmt.Errorf("serialNumber: %w", err)
	}
	if c.tbsSigAlg, err = ber.Algorithm(f[i+1], "TBSCertificate signature"); err != nil {
		return err
	}
	if !f[i+2].Is(asn1.ClassUniversal, ber.TagSequence, true) || !f[i+4].Is(asn1.ClassUniversal, ber.TagSequence, true) {
		return errors.New("issuer and subject must be SEQUENCEs (RDNSequence)")
	}
	c.RawIssuer, c.RawSubject = f[i+2].Full, f[i+4].Full
	c.Issuer, c.Subject = pkiParseName(c.RawIssuer), pkiParseName(c.RawSubject)
	validity, err := ber.Sequence(f[i+3], "validity")
	if err != nil {
		return err
	}
	if len(validity) != 2 {
		return errors.New("validity must hold notBefore and notAfter")
	}
	if c.NotBefore, err = ber.Time(validity[0]); err != nil {
		return fmt.Errorf("notBefore: %w", err)
	}
	if c.NotAfter, err = ber.Time(validity[1]); err != nil {
		return fmt.Errorf("notAfter: %w", err)
	}
	c.RawSubjectPublicKeyInfo = f[i+5].Full
	c.PublicKey, c.PublicKeyError = ParsePublicKeyInfo(c.RawSubjectPublicKeyInfo)
	if c.PublicKeyError != nil && !errors.Is(c.PublicKeyError, ErrUnsupportedAlgorithm) {
		return fmt.Errorf("subjectPublicKeyInfo: %w", c.PublicKeyError)
	}
	for _, e := range f[i+6:] {
		switch {
		case e.Class == asn1.ClassContextSpecific && (e.Number == 1 || e.Number == 2):
			// issuerUniqueID / subjectUniqueID: obsolete, ignored.
		case e.Is(asn1.ClassContextSpecific, 3, true):
			if c.Version != 3 {
				return errors.New("extensions present in a certificate that is not version 3")
			}
			inner, err := ber.ReadAll(e.Content)
			if err != nil {
				return fmt.Errorf("extensions: %w", err)
			}
			if err := c.parseExtensions(inner); err != nil {
				return err
			}
		default:
			return fmt.Errorf("unexpected %s in TBSCertificate", e.Describe())
		}
	}
	return nil
}

func (c *Certificate) parseExtensions(seq ber.Element) error {
	exts, err := ber.Sequence(seq, "extensions")
	if err != nil {
		return err
	}
	var seen []asn1.ObjectIdentifier
	for _, ext := range exts {
		parts, err := ber.Sequence(ext, "extension")
		if err != nil {
			return err
		}
		if len(parts) < 2 || len(parts) > 3 {
			return errors.New("extension must hold an OID, an optional critical flag and a value")
		}
		oid, err := ber.OID(parts[0])
		if err != nil {
			return fmt.Errorf("extension: %w", err)
		}
		for _, o := range seen {
			if o.Equal(oid) {
				return fmt.Errorf("extension %v appears twice", oid)
			}
		}
		seen = append(seen, oid)
		critical := false
		if len(parts) == 3 {
			b := parts[1]
			if !b.Is(asn1.ClassUniversal, ber.TagBoolean, false) || len(b.Content) != 1 {
				return fmt.Errorf("extension %v: bad critical flag", oid)
			}
			critical = b.Content[0] != 0
		}
		val, err := ber.Octets(parts[len(parts)-1], false)
		if err != nil {
			return fmt.Errorf("extension %v: %w", oid, err)
		}
		if err := c.parseExtension(oid, critical, val); err != nil {
			return fmt.Errorf("extension %v: %w", oid, err)
		}
	}
	return nil
}

func (c *Certificate) parseExtension(oid asn1.ObjectIdentifier, critical bool, val []byte) error {
	switch {
	case oid.Equal(oidExtSubjectKeyID):
		e, err := ber.ReadAll(val)
		if err != nil {
			return err
		}
		if c.SubjectKeyID, err = ber.Octets(e, false); err != nil {
			return err
		}
	case oid.Equal(oidExtAuthorityKeyID):
		e, err := ber.ReadAll(val)
		if err != nil {
			return err
		}
		kids, err := ber.Sequence(e, "authorityKeyIdentifier")
		if err != nil {
			return err
		}
		for _, k := range kids {
			if k.Class == asn1.ClassContextSpecific && k.Number == 0 {
				if c.AuthorityKeyID, err = ber.Octets(k, true); err != nil {
					return err
				}
			}
		}
	case oid.Equal(oidExtBasicConstraints):
		e, err := ber.ReadAll(val)
		if err != nil {
			return err
		}
		kids, err := ber.Sequence(e, "basicConstraints")
		if err != nil {
			return err
		}
		c.BasicConstraintsValid = true
		if len(kids) > 0 && kids[0].Is(asn1.ClassUniversal, ber.TagBoolean, false) {
			if len(kids[0].Content) != 1 {
				return errors.New("basicConstraints: bad cA flag")
			}
			c.IsCA = kids[0].Content[0] != 0
		}
	case oid.Equal(oidExtKeyUsage):
		e, err := ber.ReadAll(val)
		if err != nil {
			return err
		}
		if !e.Is(asn1.ClassUniversal, ber.TagBitString, false) || len(e.Content) == 0 || e.Content[0] > 7 {
			return errors.New("keyUsage must be a BIT STRING")
		}
		var ku x509.KeyUsage
		for i, b := range e.Content[1:] {
			for bit := 0; bit < 8; bit++ {
				if b&(0x80>>bit) != 0 && i*8+bit < 16 {
					ku |= 1 << (i*8 + bit)
				}
			}
		}
		c.KeyUsage, c.HasKeyUsage = ku, true
	case oid.Equal(oidExtExtKeyUsage):
		e, err := ber.ReadAll(val)
		if err != nil {
			return err
		}
		kids, err := ber.Sequence(e, "extKeyUsage")
		if err != nil {
			return err
		}
		for _, k := range kids {
			o, err := ber.OID(k)
			if err != nil {
				return err
			}
			c.ExtKeyUsage = append(c.ExtKeyUsage, o)
		}
	case oid.Equal(oidExtDocumentTypeList):
		// DocumentTypeListSyntax ::= SEQUENCE { version INTEGER, docTypeList SET OF PrintableString }
		e, err := ber.ReadAll(val)
		if err != nil {
			return err
		}
		kids, err := ber.Sequence(e, "documentTypeList")
		if err != nil {
			return err
		}
		if len(kids) == 2 && kids[1].Is(asn1.ClassUniversal, ber.TagSet, true) {
			types, err := ber.Children(kids[1])
			if err != nil {
				return err
			}
			for _, t := range types {
				c.DocumentTypes = append(c.DocumentTypes, string(t.Content))
			}
		}
	case oid.Equal(oidExtPrivateKeyUsagePeriod), oid.Equal(oidExtSubjectAltName), oid.Equal(oidExtIssuerAltName),
		oid.Equal(oidExtCRLDistribution), oid.Equal(oidExtCertificatePolicies), oid.Equal(oidExtNameChange):
		// Understood well enough to accept when critical; not needed for PA.
	default:
		if critical {
			c.UnhandledCriticalExtensions = append(c.UnhandledCriticalExtensions, oid)
		}
	}
	return nil
}

// pkiParseName decodes a Name for display; it returns an empty pkix.Name
// when the encoding uses a string type encoding/asn1 does not accept.
func pkiParseName(raw []byte) pkix.Name {
	var rdn pkix.RDNSequence
	var n pkix.Name
	if rest, err := asn1.Unmarshal(raw, &rdn); err == nil && len(rest) == 0 {
		n.FillFromRDNSequence(&rdn)
	}
	return n
}

// pkiNamesEqual compares two DER-encoded Names: byte-equal, or equal after
// RFC 5280 §7.1-style normalisation (case-insensitive, whitespace-collapsed
// string values) because some issuers re-encode their own name with a
// different string type in DSCs than in the CSCA.
func pkiNamesEqual(a, b []byte) bool {
	if bytes.Equal(a, b) {
		return true
	}
	var ra, rb pkix.RDNSequence
	if rest, err := asn1.Unmarshal(a, &ra); err != nil || len(rest) != 0 {
		return false
	}
	if rest, err := asn1.Unmarshal(b, &rb); err != nil || len(rest) != 0 {
		return false
	}
	if len(ra) != len(rb) {
		return false
	}
	for i := range ra {
		if len(ra[i]) != len(rb[i]) {
			return false
		}
		for j := range ra[i] {
			x, y := ra[i][j], rb[i][j]
			if !x.Type.Equal(y.Type) {
				return false
			}
			xs, xok := x.Value.(string)
			ys, yok := y.Value.(string)
			if !xok || !yok || !strings.EqualFold(strings.Join(strings.Fields(xs), " "), strings.Join(strings.Fields(ys), " ")) {
				return false
			}
		}
	}
	return true
}

// pkiNamesSameRDNs reports whether two DER-encoded Names hold the same set
// of relative distinguished names, in any order, each compared as
// pkiNamesEqual compares values. Some issuers' signing systems write the
// SignerInfo's issuer with its RDNs in another order than the certificate
// (country last instead of first); X.500 orders RDNs, so this is not name
// equality, and it is used only where something else pins the certificate
// down (a serial number and the signature that must verify with its key).
func pkiNamesSameRDNs(a, b []byte) bool {
	ka, okA := pkiRDNKeys(a)
	kb, okB := pkiRDNKeys(b)
	return okA && okB && slices.Equal(ka, kb)
}

// pkiRDNKeys returns one normalised string per RDN of a DER Name, sorted.
func pkiRDNKeys(raw []byte) ([]string, bool) {
	var seq pkix.RDNSequence
	if rest, err := asn1.Unmarshal(raw, &seq); err != nil || len(rest) != 0 {
		return nil, false
	}
	keys := make([]string, 0, len(seq))
	for _, rdn := range seq {
		attrs := make([]string, 0, len(rdn))
		for _, atv := range rdn {
			v, ok := atv.Value.(string)
			if !ok {
				return nil, false
			}
			attrs = append(attrs, atv.Type.String()+"="+strings.ToLower(strings.Join(strings.Fields(v), " ")))
		}
		slices.Sort(attrs)
		keys = append(keys, strings.Join(attrs, "+"))
	}
	slices.Sort(keys)
	return keys, true
}

// SubjectString returns the subject as a readable string, falling back to
// hex when the name could not be decoded.
func (c *Certificate) SubjectString() string {
	if s := c.Subject.String(); s != "" {
		return s
	}
	return fmt.Sprintf("%X", c.RawSubject)
}

// CheckSignatureFrom verifies that parent's key signed c. It checks only
// the signature, not names, validity or CA flags (see TrustStore for the
// full chain check). It returns nil on success, or an error wrapping
// ErrSignatureInvalid or ErrUnsupportedAlgorithm.
func (c *Certificate) CheckSignatureFrom(parent *Certificate) error {
	if c.sigAlgError != nil {
		return c.sigAlgError
	}
	if parent.PublicKey == nil {
		return fmt.Errorf("%w: issuer key: %w", ErrUnsupportedAlgorithm, parent.PublicKeyError)
	}
	return parent.PublicKey.verify(c.sigAlgParsed, c.RawTBSCertificate, c.Signature)
}

// ValidAt reports, as an error wrapping ErrCertificateExpired or
// ErrCertificateNotYetValid, whether t lies outside the certificate's
// validity period (both ends inclusive, as RFC 5280 says).
func (c *Certificate) ValidAt(t time.Time) error {
	if t.Before(c.NotBefore) {
		return ErrCertificateNotYetValid
	}
	if t.After(c.NotAfter) {
		return ErrCertificateExpired
	}
	return nil
}

// hasExtKeyUsage reports whether the certificate lists oid among its
// extended key usages.
func (c *Certificate) hasExtKeyUsage(oid asn1.ObjectIdentifier) bool {
	for _, o := range c.ExtKeyUsage {
		if o.Equal(oid) {
			return true
		}
	}
	return false
}
