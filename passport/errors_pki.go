package passport

import (
	"errors"
	"fmt"
	"time"

	"github.com/go-mitid/mitid/passport/internal/rsaraw"
)

// Sentinel errors of the document side (LDS parsing, CMS, Passive and Active
// Authentication). Test for them with errors.Is; the typed errors below
// (DataGroupError, CertificateError) wrap them and add the data a caller
// needs to report which item failed.
var (
	// ErrMalformedCMS: the bytes are not a well-formed CMS ContentInfo / SignedData.
	ErrMalformedCMS = errors.New("passport: malformed CMS SignedData")
	// ErrMalformedSOD: EF.SOD or its LDSSecurityObject is not well formed.
	ErrMalformedSOD = errors.New("passport: malformed EF.SOD")
	// ErrMalformedCertificate: an X.509 certificate could not be parsed.
	ErrMalformedCertificate = errors.New("passport: malformed certificate")
	// ErrMalformedLDS: an LDS elementary file (EF.COM, a data group) is not well formed.
	ErrMalformedLDS = errors.New("passport: malformed LDS file")
	// ErrMalformedMasterList: a CSCA master list is not well formed.
	ErrMalformedMasterList = errors.New("passport: malformed CSCA master list")
	// ErrMalformedPublicKey: a SubjectPublicKeyInfo (ParsePublicKeyInfo) is not well formed.
	ErrMalformedPublicKey = errors.New("passport: malformed public key")

	// ErrUnsupportedAlgorithm: a signature, hash or key algorithm this package does not implement.
	ErrUnsupportedAlgorithm = rsaraw.ErrUnsupportedAlgorithm
	// ErrSignatureInvalid: a signature (SOD, certificate, master list) does not verify.
	ErrSignatureInvalid = errors.New("passport: signature invalid")
	// ErrContentTypeMismatch: the signed contentType attribute or eContentType is not the one expected.
	ErrContentTypeMismatch = errors.New("passport: content type mismatch")
	// ErrMessageDigestMismatch: the signed messageDigest attribute is not the hash of the signed content.
	ErrMessageDigestMismatch = errors.New("passport: message digest does not match the signed content")
	// ErrSignerNotFound: the certificate of the signer named in a SignerInfo is not in the SignedData.
	ErrSignerNotFound = errors.New("passport: signer certificate not found")

	// ErrUntrustedSigner: no certificate in the trust store issued (and verifies) the document signer.
	ErrUntrustedSigner = errors.New("passport: document signer not issued by a trusted CSCA")
	// ErrCertificateExpired: a certificate's validity ended before the verification time.
	ErrCertificateExpired = errors.New("passport: certificate expired")
	// ErrCertificateNotYetValid: a certificate's validity starts after the verification time.
	ErrCertificateNotYetValid = errors.New("passport: certificate not yet valid")
	// ErrNotCA: an issuing certificate is not marked as a CA allowed to sign certificates.
	ErrNotCA = errors.New("passport: issuer certificate is not a CA")
	// ErrKeyUsage: a certificate's key usage or extended key usage forbids the use made of it.
	ErrKeyUsage = errors.New("passport: certificate key usage does not allow this use")
	// ErrMasterListSigner: a master list's signer is not trusted for signing master lists.
	ErrMasterListSigner = errors.New("passport: master list signer not trusted")

	// ErrDataGroupHashMismatch: a data group's hash differs from the one signed in EF.SOD.
	ErrDataGroupHashMismatch = errors.New("passport: data group hash does not match EF.SOD")
	// ErrDataGroupNotInSOD: a data group was read from the chip but EF.SOD holds no hash for it.
	ErrDataGroupNotInSOD = errors.New("passport: data group not listed in EF.SOD")

	// ErrActiveAuthenticationFailed: the chip's Active Authentication signature does not verify.
	ErrActiveAuthenticationFailed = errors.New("passport: active authentication failed")
)

// DataGroupError reports a Passive Authentication failure of one data group.
// It wraps ErrDataGroupHashMismatch or ErrDataGroupNotInSOD.
type DataGroupError struct {
	DataGroup int   // data group number, 1..16
	Err       error // the sentinel
}

// Error names the data group and the failure.
func (e *DataGroupError) Error() string {
	return fmt.Sprintf("DG%d: %v", e.DataGroup, e.Err)
}

// Unwrap returns the sentinel so errors.Is works.
func (e *DataGroupError) Unwrap() error { return e.Err }

// CertificateRole says which certificate of a chain an error is about.
type CertificateRole string

// The certificates Passive Authentication and master-list verification look at.
const (
	RoleDocumentSigner   CertificateRole = "document signer (DSC)"
	RoleCSCA             CertificateRole = "country signing CA (CSCA)"
	RoleMasterListSigner CertificateRole = "master list signer"
)

// CertificateError reports a failed check on one certificate of a chain.
// It wraps one of ErrCertificateExpired, ErrCertificateNotYetValid,
// ErrUntrustedSigner, ErrNotCA, ErrKeyUsage, ErrSignatureInvalid or
// ErrUnsupportedAlgorithm.
type CertificateError struct {
	Role      CertificateRole // which certificate of the chain
	Subject   string          // the certificate's subject, for people
	NotBefore time.Time       // the certificate's validity (zero when not relevant)
	NotAfter  time.Time       // end of the validity period
	At        time.Time       // the verification time (zero when not relevant)
	Err       error           // the sentinel (and detail) of the failure
}

// Error describes the certificate and what is wrong with it.
func (e *CertificateError) Error() string {
	msg := fmt.Sprintf("%s %q: %v", e.Role, e.Subject, e.Err)
	if !e.At.IsZero() && (errors.Is(e.Err, ErrCertificateExpired) || errors.Is(e.Err, ErrCertificateNotYetValid)) {
		msg += fmt.Sprintf(" (valid %s to %s, checked at %s)",
			e.NotBefore.UTC().Format(time.RFC3339), e.NotAfter.UTC().Format(time.RFC3339), e.At.UTC().Format(time.RFC3339))
	}
	return msg
}

// Unwrap returns the wrapped cause so errors.Is works.
func (e *CertificateError) Unwrap() error { return e.Err }
