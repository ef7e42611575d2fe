package passporttest

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rsa"
	"crypto/sha1" //nolint:gosec // G505: RFC 5280 §4.2.1.2 key identifiers are SHA-1
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"errors"
	"fmt"
	"io"
	"math/big"
	"sort"
	"time"

	"github.com/go-mitid/mitid/passport"
	"github.com/go-mitid/mitid/passport/internal/ber"
	"github.com/go-mitid/mitid/passport/internal/ec"
	"github.com/go-mitid/mitid/passport/internal/oids"
)

// The synthetic PKI: certificates and CMS SignedData written by this
// package, so tests and virtual chips get a CSCA → DSC → SOD chain made at
// run time, on any algorithm, including the brainpool and explicit-parameter
// keys crypto/x509 cannot create.

// Algorithm selects the key type and signature algorithm of a
// synthetic CSCA, DSC or master list signer.
type Algorithm int

// The synthetic algorithms. The zero value is ECDSA on P-256 with SHA-256.
const (
	ECDSAP256          Algorithm = iota // ECDSA P-256, SHA-256
	ECDSABrainpoolP256                  // ECDSA brainpoolP256r1, SHA-256
	ECDSABrainpoolP384                  // ECDSA brainpoolP384r1, SHA-384
	RSA                                 // RSA-2048, PKCS#1 v1.5, SHA-256
	RSAPSS                              // RSA-2048, RSASSA-PSS, SHA-256, MGF1-SHA-256, salt 32
)

// String names the algorithm.
func (a Algorithm) String() string {
	switch a {
	case ECDSAP256:
		return "ECDSA P-256/SHA-256"
	case ECDSABrainpoolP256:
		return "ECDSA brainpoolP256r1/SHA-256"
	case ECDSABrainpoolP384:
		return "ECDSA brainpoolP384r1/SHA-384"
	case RSA:
		return "RSA-2048 PKCS#1 v1.5/SHA-256"
	case RSAPSS:
		return "RSA-2048 RSASSA-PSS/SHA-256"
	}
	return fmt.Sprintf("Algorithm(%d)", int(a))
}

// GenerateKey makes a fresh key for the algorithm from rand. (crypto/rsa
// and crypto/ecdsa use the system's secure source regardless of rand since
// Go 1.26; brainpool keys draw from rand.)
func (a Algorithm) GenerateKey(rand io.Reader) (crypto.Signer, error) {
	switch a {
	case ECDSAP256:
		return ecdsa.GenerateKey(elliptic.P256(), rand)
	case ECDSABrainpoolP256:
		return ec.BrainpoolP256r1().GenerateKey(rand)
	case ECDSABrainpoolP384:
		return ec.BrainpoolP384r1().GenerateKey(rand)
	case RSA, RSAPSS:
		return rsa.GenerateKey(rand, 2048)
	}
	return nil, fmt.Errorf("%w: %v", passport.ErrUnsupportedAlgorithm, a)
}

// Hash is the message digest the algorithm signs with.
func (a Algorithm) Hash() crypto.Hash {
	if a == ECDSABrainpoolP384 {
		return crypto.SHA384
	}
	return crypto.SHA256
}

// AlgorithmID returns the DER AlgorithmIdentifier of the signature.
func (a Algorithm) AlgorithmID() []byte {
	oid := func(o asn1.ObjectIdentifier) []byte { b, _ := asn1.Marshal(o); return b }
	null := []byte{0x05, 0x00}
	switch a {
	case RSA:
		return ber.DER(0x30, oid(oidSHA256WithRSA), null)
	case RSAPSS:
		h := ber.DER(0x30, oid(oidSHA256), null)
		salt, _ := asn1.Marshal(32)
		params := ber.DER(0x30,
			ber.DER(0xA0, h),
			ber.DER(0xA1, ber.DER(0x30, oid(oidMGF1), h)),
			ber.DER(0xA2, salt))
		return ber.DER(0x30, oid(oidRSASSAPSS), params)
	case ECDSABrainpoolP384:
		return ber.DER(0x30, oid(oidECDSAWithSHA384))
	default:
		return ber.DER(0x30, oid(oidECDSAWithSHA256))
	}
}

// Sign hashes msg and signs it as the algorithm prescribes.
func (a Algorithm) Sign(rand io.Reader, key crypto.Signer, msg []byte) ([]byte, error) {
	h := a.Hash().New()
	h.Write(msg)
	var opts crypto.SignerOpts = a.Hash()
	if a == RSAPSS {
		opts = &rsa.PSSOptions{SaltLength: 32, Hash: crypto.SHA256}
	}
	return key.Sign(rand, h.Sum(nil), opts)
}

// CertificateTemplate describes a certificate for CreateCertificate.
type CertificateTemplate struct {
	Serial      int64
	Subject     pkix.Name
	NotBefore   time.Time
	NotAfter    time.Time
	IsCA        bool
	KeyUsage    x509.KeyUsage
	ExtKeyUsage []asn1.ObjectIdentifier
	DocTypes    []string // ICAO documentTypeList for a DSC
	Explicit    bool     // EC key with explicit domain parameters
}

// CreateCertificate issues a certificate for pub, signed by issuerKey
// with alg. issuer is nil for a self-signed certificate.
func CreateCertificate(rand io.Reader, t CertificateTemplate, pub crypto.PublicKey, issuer *passport.Certificate, issuerKey crypto.Signer, alg Algorithm) (*passport.Certificate, error) {
	spki, err := passport.MarshalPublicKeyInfo(pub, t.Explicit)
	if err != nil {
		return nil, err
	}
	subject, err := asn1.Marshal(t.Subject.ToRDNSequence())
	if err != nil {
		return nil, err
	}
	ski := synthKeyID(spki)
	issuerName, aki := subject, ski
	if issuer != nil {
		issuerName, aki = issuer.RawSubject, issuer.SubjectKeyID
	}
	enc := func(v any) []byte { b, _ := asn1.Marshal(v); return b }
	ext := func(oid asn1.ObjectIdentifier, critical bool, value []byte) []byte {
		parts := [][]byte{enc(oid)}
		if critical {
			parts = append(parts, []byte{0x01, 0x01, 0xFF})
		}
		return ber.DER(0x30, append(parts, ber.DER(0x04, value))...)
	}
	exts := [][]byte{
		ext(oidExtSubjectKeyID, false, ber.DER(0x04, ski)),
		ext(oidExtAuthorityKeyID, false, ber.DER(0x30, ber.DER(0x80, aki))),
		ext(oidExtKeyUsage, true, synthKeyUsage(t.KeyUsage)),
	}
	if t.IsCA {
		exts = append(exts, ext(oidExtBasicConstraints, true, ber.DER(0x30, []byte{0x01, 0x01, 0xFF}, enc(0))))
	}
	if len(t.ExtKeyUsage) > 0 {
		var oids [][]byte
		for _, o := range t.ExtKeyUsage {
			oids = append(oids, enc(o))
		}
		exts = append(exts, ext(oidExtExtKeyUsage, false, ber.DER(0x30, oids...)))
	}
	if len(t.DocTypes) > 0 {
		var ps [][]byte
		for _, d := range t.DocTypes {
			ps = append(ps, ber.DER(0x13, []byte(d)))
		}
		exts = append(exts, ext(oidExtDocumentTypeList, false, ber.DER(0x30, enc(0), ber.DER(0x31, ps...))))
	}
	validity := ber.DER(0x30, synthTime(t.NotBefore), synthTime(t.NotAfter))
	tbs := ber.DER(0x30,
		ber.DER(0xA0, enc(2)),
		enc(big.NewInt(t.Serial)),
		alg.AlgorithmID(),
		issuerName,
		validity,
		subject,
		spki,
		ber.DER(0xA3, ber.DER(0x30, exts...)),
	)
	signer := issuerKey
	sig, err := alg.Sign(rand, signer, tbs)
	if err != nil {
		return nil, err
	}
	der := ber.DER(0x30, tbs, alg.AlgorithmID(), ber.DER(0x03, []byte{0}, sig))
	return passport.ParseCertificate(der)
}

// synthKeyID is the RFC 5280 §4.2.1.2 method (1) key identifier: SHA-1 of
// the subjectPublicKey bits.
func synthKeyID(spki []byte) []byte {
	pk, err := ber.ReadAll(spki)
	if err != nil {
		return nil
	}
	parts, err := ber.Children(pk)
	if err != nil || len(parts) != 2 {
		return nil
	}
	sum := sha1.Sum(parts[1].Content) //nolint:gosec // G401: RFC 5280 §4.2.1.2 method (1) defines the key identifier as SHA-1 of the key (an identifier, not a security boundary)
	return sum[:]
}

// synthKeyUsage encodes a KeyUsage BIT STRING in DER (trailing zero bits trimmed).
func synthKeyUsage(ku x509.KeyUsage) []byte {
	var b [2]byte
	last := -1
	for i := 0; i < 9; i++ {
		if ku&(1<<i) != 0 {
			b[i/8] |= 0x80 >> (i % 8)
			last = i
		}
	}
	if last < 0 {
		return []byte{0x03, 0x01, 0x00}
	}
	n := last/8 + 1
	unused := 7 - last%8
	return ber.DER(0x03, []byte{byte(unused)}, b[:n])
}

// synthTime encodes UTCTime before 2050 and GeneralizedTime after, as RFC 5280 requires.
func synthTime(t time.Time) []byte {
	t = t.UTC().Truncate(time.Second)
	if t.Year() >= 1950 && t.Year() < 2050 {
		return ber.DER(0x17, []byte(t.Format("060102150405Z")))
	}
	return ber.DER(0x18, []byte(t.Format("20060102150405Z")))
}

// SignerID is how a synthetic SignerInfo names its signer.
type SignerID int

// The ways a synthetic SignerInfo can name its signer (RFC 5652 §5.3), the
// reversed issuer being a defect some issued documents carry.
const (
	SignerIssuerSerial   SignerID = iota // issuerAndSerialNumber, the issuer as in the certificate
	SignerSKI                            // subjectKeyIdentifier
	SignerIssuerReversed                 // issuerAndSerialNumber with the issuer's RDNs in reverse order
)

// SignCMS builds a CMS ContentInfo/SignedData over content, signed
// by key (whose certificate is cert) with signed attributes contentType,
// signingTime and messageDigest; sid says how the SignerInfo names the
// signer, and omitCert leaves the signer's certificate out (as documents
// whose DSC is distributed through the ICAO PKD do).
func SignCMS(rand io.Reader, contentType asn1.ObjectIdentifier, content []byte, cert *passport.Certificate, key crypto.Signer, alg Algorithm, signingTime time.Time, sid SignerID, omitCert bool) ([]byte, error) {
	if cert == nil || key == nil {
		return nil, errors.New("passporttest: SignedData needs a signer certificate and key")
	}
	enc := func(v any) []byte { b, _ := asn1.Marshal(v); return b }
	h := alg.Hash()
	digestAlg := ber.DER(0x30, enc(pkiOIDFromHash(h)), []byte{0x05, 0x00})
	d := h.New()
	d.Write(content)
	attrs := [][]byte{
		ber.DER(0x30, enc(oidAttrContentType), ber.DER(0x31, enc(contentType))),
		ber.DER(0x30, enc(oidAttrSigningTime), ber.DER(0x31, synthTime(signingTime))),
		ber.DER(0x30, enc(oidAttrMessageDigst), ber.DER(0x31, ber.DER(0x04, d.Sum(nil)))),
	}
	// DER orders the elements of a SET OF by their encodings.
	sort.Slice(attrs, func(i, j int) bool { return bytes.Compare(attrs[i], attrs[j]) < 0 })
	signedAttrs := bytes.Join(attrs, nil)
	sig, err := alg.Sign(rand, key, ber.DER(0x31, signedAttrs))
	if err != nil {
		return nil, err
	}
	version, signerID := 1, ber.DER(0x30, cert.RawIssuer, enc(cert.SerialNumber))
	switch sid {
	case SignerSKI:
		version, signerID = 3, ber.DER(0x80, cert.SubjectKeyID)
	case SignerIssuerReversed:
		signerID = ber.DER(0x30, ReverseRDNs(cert.RawIssuer), enc(cert.SerialNumber))
	}
	signerInfo := ber.DER(0x30,
		enc(version),
		signerID,
		digestAlg,
		ber.DER(0xA0, signedAttrs),
		alg.AlgorithmID(),
		ber.DER(0x04, sig),
	)
	certs := ber.DER(0xA0, cert.Raw)
	if omitCert {
		certs = nil
	}
	signedData := ber.DER(0x30,
		enc(3),
		ber.DER(0x31, digestAlg),
		ber.DER(0x30, enc(contentType), ber.DER(0xA0, ber.DER(0x04, content))),
		certs,
		ber.DER(0x31, signerInfo),
	)
	return ber.DER(0x30, enc(oidSignedData), ber.DER(0xA0, signedData)), nil
}

// ReverseRDNs returns a DER Name with the RDNs of name in reverse order.
func ReverseRDNs(name []byte) []byte {
	e, err := ber.ReadAll(name)
	if err != nil {
		return name
	}
	rdns, err := ber.Children(e)
	if err != nil {
		return name
	}
	parts := make([][]byte, len(rdns))
	for i, r := range rdns {
		parts[len(rdns)-1-i] = r.Full
	}
	return ber.DER(0x30, parts...)
}

// PKI is a complete synthetic issuing PKI: a CSCA, a document
// signer (DSC) it issued, and a master list signer it issued. Build one with
// NewPKI and share it between documents (key generation, RSA
// especially, is the slow part).
type PKI struct {
	Algorithm           Algorithm             // of every key and signature
	CSCA                *passport.Certificate // self-signed country signing CA
	CSCAKey             crypto.Signer         // the CSCA's private key
	DSC                 *passport.Certificate // document signer, issued by the CSCA
	DSCKey              crypto.Signer         // signs EF.SOD
	MasterListSigner    *passport.Certificate // issued by the CSCA, with the master list EKU
	MasterListSignerKey crypto.Signer         // signs master lists
}

// PKIOptions configures NewPKI.
type PKIOptions struct {
	// Rand is the random source (required).
	Rand io.Reader
	// Now anchors the validity periods (required): the CSCA is valid from a
	// year before to ten years after, the DSC from 30 days before to five
	// years after, the master list signer from 30 days before to two years after.
	Now time.Time
	// Algorithm of all keys and signatures.
	Algorithm Algorithm // of every key and signature
	// Country is the two-letter country of the certificates' names ("UT" if empty).
	Country string
	// ExplicitParameters writes EC keys with explicit domain parameters.
	ExplicitParameters bool
	// ExpiredDSC makes the DSC's validity end the day before Now.
	ExpiredDSC bool
	// CSCAKey and DSCKey, when set, are used instead of generating keys.
	// They must match Algorithm.
	CSCAKey, DSCKey crypto.Signer // the CSCA's private key
}

// NewPKI generates a CSCA, a DSC and a master list signer.
func NewPKI(opts PKIOptions) (*PKI, error) {
	if opts.Rand == nil || opts.Now.IsZero() {
		return nil, errors.New("passporttest: NewPKI needs Rand and Now")
	}
	country := opts.Country
	if country == "" {
		country = "UT"
	}
	alg := opts.Algorithm
	p := &PKI{Algorithm: alg, CSCAKey: opts.CSCAKey, DSCKey: opts.DSCKey}
	var err error
	for _, k := range []*crypto.Signer{&p.CSCAKey, &p.DSCKey, &p.MasterListSignerKey} {
		if *k == nil {
			if *k, err = alg.GenerateKey(opts.Rand); err != nil {
				return nil, err
			}
		}
	}
	name := func(cn string) pkix.Name {
		return pkix.Name{Country: []string{country}, Organization: []string{"Synthetic State of " + country}, CommonName: cn}
	}
	now := opts.Now
	p.CSCA, err = CreateCertificate(opts.Rand, CertificateTemplate{
		Serial: 1, Subject: name("CSCA " + country), NotBefore: now.AddDate(-1, 0, 0), NotAfter: now.AddDate(10, 0, 0),
		IsCA: true, KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageCRLSign, Explicit: opts.ExplicitParameters,
	}, p.CSCAKey.Public(), nil, p.CSCAKey, alg)
	if err != nil {
		return nil, fmt.Errorf("passporttest: synthetic CSCA: %w", err)
	}
	dscFrom, dscTo := now.AddDate(0, 0, -30), now.AddDate(5, 0, 0)
	if opts.ExpiredDSC {
		dscFrom, dscTo = now.AddDate(-3, 0, 0), now.AddDate(0, 0, -1)
	}
	p.DSC, err = CreateCertificate(opts.Rand, CertificateTemplate{
		Serial: 2, Subject: name("Document Signer " + country + " 01"), NotBefore: dscFrom, NotAfter: dscTo,
		KeyUsage: x509.KeyUsageDigitalSignature, DocTypes: []string{"P", "ID"}, Explicit: opts.ExplicitParameters,
	}, p.DSCKey.Public(), p.CSCA, p.CSCAKey, alg)
	if err != nil {
		return nil, fmt.Errorf("passporttest: synthetic DSC: %w", err)
	}
	p.MasterListSigner, err = CreateCertificate(opts.Rand, CertificateTemplate{
		Serial: 3, Subject: name("Master List Signer " + country), NotBefore: now.AddDate(0, 0, -30), NotAfter: now.AddDate(2, 0, 0),
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []asn1.ObjectIdentifier{oids.MasterListSignerEKU},
		Explicit: opts.ExplicitParameters,
	}, p.MasterListSignerKey.Public(), p.CSCA, p.CSCAKey, alg)
	if err != nil {
		return nil, fmt.Errorf("passporttest: synthetic master list signer: %w", err)
	}
	return p, nil
}

// ReissueCSCA returns another self-signed certificate of the CSCA: the same
// subject and key, a new serial number and the given validity, as a
// country issues when it extends its CSCA's validity without changing keys.
// Documents signed under either verify with both.
func (p *PKI) ReissueCSCA(rand io.Reader, serial int64, notBefore, notAfter time.Time) (*passport.Certificate, error) {
	return CreateCertificate(rand, CertificateTemplate{
		Serial: serial, Subject: p.CSCA.Subject, NotBefore: notBefore, NotAfter: notAfter,
		IsCA: true, KeyUsage: p.CSCA.KeyUsage,
	}, p.CSCAKey.Public(), nil, p.CSCAKey, p.Algorithm)
}

// TrustStore returns a new trust store holding only this PKI's CSCA.
func (p *PKI) TrustStore() *passport.TrustStore { return passport.NewTrustStore(p.CSCA) }

// SODOptions configures (*PKI).SignSOD.
type SODOptions struct {
	// Hash of the data groups (SHA-256 if zero).
	Hash crypto.Hash
	// LDSVersion and UnicodeVersion, when both set (e.g. "0108", "040000"),
	// make an LDSSecurityObject v1 with ldsVersionInfo; otherwise v0.
	LDSVersion, UnicodeVersion string
	// SignerBySKI identifies the DSC by subject key identifier instead of
	// issuer and serial number.
	SignerBySKI bool
	// SignerIssuerReversed names the DSC's issuer in the SignerInfo with its
	// RDNs in reverse order (country last), as some issuers' signing
	// systems do; the certificate keeps its own order.
	SignerIssuerReversed bool
	// OmitSignerCertificate leaves the DSC out of EF.SOD, as documents
	// whose DSC is distributed through the ICAO PKD do.
	OmitSignerCertificate bool
	// SigningTime for the signingTime attribute (required).
	SigningTime time.Time
}

// SignSOD hashes the data groups and returns EF.SOD (tag 77) signed by the DSC.
func (p *PKI) SignSOD(rand io.Reader, dataGroups map[int][]byte, opts SODOptions) ([]byte, error) {
	h := opts.Hash
	if h == 0 {
		h = crypto.SHA256
	}
	oid := pkiOIDFromHash(h)
	if oid == nil {
		return nil, fmt.Errorf("%w: hash %v", passport.ErrUnsupportedAlgorithm, h)
	}
	nums := make([]int, 0, len(dataGroups))
	for n := range dataGroups {
		if n < 1 || n > 16 {
			return nil, fmt.Errorf("%w: data group number %d", passport.ErrMalformedLDS, n)
		}
		nums = append(nums, n)
	}
	sort.Ints(nums)
	enc := func(v any) []byte { b, _ := asn1.Marshal(v); return b }
	var hashes [][]byte
	for _, n := range nums {
		d := h.New()
		d.Write(dataGroups[n])
		hashes = append(hashes, ber.DER(0x30, enc(n), ber.DER(0x04, d.Sum(nil))))
	}
	version := 0
	fields := [][]byte{nil, ber.DER(0x30, enc(oid), []byte{0x05, 0x00}), ber.DER(0x30, hashes...)}
	if opts.LDSVersion != "" && opts.UnicodeVersion != "" {
		version = 1
		fields = append(fields, ber.DER(0x30, ber.DER(0x13, []byte(opts.LDSVersion)), ber.DER(0x13, []byte(opts.UnicodeVersion))))
	}
	fields[0] = enc(version)
	ldsSO := ber.DER(0x30, fields...)
	sid := SignerIssuerSerial
	switch {
	case opts.SignerBySKI:
		sid = SignerSKI
	case opts.SignerIssuerReversed:
		sid = SignerIssuerReversed
	}
	ci, err := SignCMS(rand, oids.LDSSecurityObject, ldsSO, p.DSC, p.DSCKey, p.Algorithm, opts.SigningTime, sid, opts.OmitSignerCertificate)
	if err != nil {
		return nil, err
	}
	return ber.EncodeTLV(tagSOD, ci), nil
}

// SignCardSecurity returns EF.CardSecurity: the SecurityInfos signed by the DSC.
func (p *PKI) SignCardSecurity(rand io.Reader, si *passport.SecurityInfos, signingTime time.Time) ([]byte, error) {
	content, err := si.Marshal()
	if err != nil {
		return nil, err
	}
	return SignCMS(rand, oids.SecurityObject, content, p.DSC, p.DSCKey, p.Algorithm, signingTime, SignerIssuerSerial, false)
}

// MasterList returns a CSCA master list holding this PKI's CSCA and the
// extra certificates, signed by the master list signer.
func (p *PKI) MasterList(rand io.Reader, signingTime time.Time, extra ...*passport.Certificate) ([]byte, error) {
	certs := [][]byte{p.CSCA.Raw}
	for _, c := range extra {
		certs = append(certs, c.Raw)
	}
	sort.Slice(certs, func(i, j int) bool { return bytes.Compare(certs[i], certs[j]) < 0 })
	enc := func(v any) []byte { b, _ := asn1.Marshal(v); return b }
	content := ber.DER(0x30, enc(0), ber.DER(0x31, certs...))
	return SignCMS(rand, oids.CSCAMasterList, content, p.MasterListSigner, p.MasterListSignerKey, p.Algorithm, signingTime, SignerIssuerSerial, false)
}

// CRL returns a CRL of the CSCA, issued at thisUpdate (next update 90
// days later), revoking the given certificates as of revokedAt.
func (p *PKI) CRL(rand io.Reader, thisUpdate, revokedAt time.Time, revoked ...*passport.Certificate) ([]byte, error) {
	enc := func(v any) []byte { b, _ := asn1.Marshal(v); return b }
	fields := [][]byte{enc(1), p.Algorithm.AlgorithmID(), p.CSCA.RawSubject, synthTime(thisUpdate), synthTime(thisUpdate.AddDate(0, 0, 90))}
	if len(revoked) > 0 {
		var entries [][]byte
		for _, c := range revoked {
			entries = append(entries, ber.DER(0x30, enc(c.SerialNumber), synthTime(revokedAt)))
		}
		fields = append(fields, ber.DER(0x30, entries...))
	}
	oidCRLNumber := asn1.ObjectIdentifier{2, 5, 29, 20}
	exts := ber.DER(0x30,
		ber.DER(0x30, enc(oidExtAuthorityKeyID), ber.DER(0x04, ber.DER(0x30, ber.DER(0x80, p.CSCA.SubjectKeyID)))),
		ber.DER(0x30, enc(oidCRLNumber), ber.DER(0x04, enc(1))))
	fields = append(fields, ber.DER(0xA0, exts))
	tbs := ber.DER(0x30, fields...)
	sig, err := p.Algorithm.Sign(rand, p.CSCAKey, tbs)
	if err != nil {
		return nil, err
	}
	return ber.DER(0x30, tbs, p.Algorithm.AlgorithmID(), ber.DER(0x03, []byte{0}, sig)), nil
}
