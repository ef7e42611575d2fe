package passport

import (
	"errors"
	"fmt"
	"time"

	"github.com/go-mitid/mitid/passport/internal/ber"
	"github.com/go-mitid/mitid/passport/internal/oids"
)

// CSCA master lists (ICAO 9303 Part 12 §9): a CMS SignedData with
// eContentType id-icao-cscaMasterList whose content is
//
//	CscaMasterList ::= SEQUENCE { version INTEGER (v0), certList SET OF Certificate }
//
// signed by a master list signer whose certificate a CSCA issued.

// MasterList is a parsed CSCA master list.
type MasterList struct {
	SignedData *SignedData // the CMS layer
	Version    int         // CscaMasterList version (0)
	// CSCAs are the certificates of the list that parsed.
	CSCAs []*Certificate
	// Rejected holds, for certificates of the list that did not parse, the
	// reason. Real master lists hold a few oddly encoded certificates;
	// skipping them keeps the rest usable.
	Rejected []error
	// Signer is the master list signer's certificate (set by VerifyMasterList).
	Signer *Certificate
}

// ParseMasterList parses a CSCA master list (DER or BER ContentInfo)
// without verifying its signature. Use VerifyMasterList to load trust
// anchors; this function is for inspection. Errors wrap
// ErrMalformedMasterList, ErrMalformedCMS or ErrContentTypeMismatch, or,
// for a digest algorithm this package does not implement,
// ErrUnsupportedAlgorithm (as ParseSignedData's do).
func ParseMasterList(der []byte) (*MasterList, error) {
	sd, err := ParseSignedData(der)
	if err != nil {
		return nil, err
	}
	if !sd.EContentType.Equal(oids.CSCAMasterList) {
		return nil, fmt.Errorf("%w: %w: eContentType %v is not cscaMasterList", ErrMalformedMasterList, ErrContentTypeMismatch, sd.EContentType)
	}
	ml := &MasterList{SignedData: sd}
	e, err := ber.ReadAll(sd.EContent)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrMalformedMasterList, err)
	}
	f, err := ber.Sequence(e, "CscaMasterList")
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrMalformedMasterList, err)
	}
	if len(f) != 2 || !f[1].IsUniversal(ber.TagSet) {
		return nil, fmt.Errorf("%w: CscaMasterList must hold a version and a SET of certificates", ErrMalformedMasterList)
	}
	if ml.Version, err = ber.SmallInt(f[0], false, 0); err != nil {
		return nil, fmt.Errorf("%w: version: %w", ErrMalformedMasterList, err)
	}
	certs, err := ber.Children(f[1])
	if err != nil {
		return nil, fmt.Errorf("%w: certList: %w", ErrMalformedMasterList, err)
	}
	for i, c := range certs {
		cert, err := ParseCertificate(c.Full)
		if err != nil {
			ml.Rejected = append(ml.Rejected, fmt.Errorf("certificate %d: %w", i, err))
			continue
		}
		ml.CSCAs = append(ml.CSCAs, cert)
	}
	return ml, nil
}

// VerifyMasterList parses a CSCA master list and verifies it: exactly one
// signer, whose certificate is in the list's SignedData; the signed
// attributes and signature; that a CSCA among anchors issued the signer's
// certificate (signature, CA flag, validity of both at time at); and that
// the signer's certificate carries the extended key usage for master list
// signing (2.23.136.1.1.3), which ICAO 9303 Part 12 makes mandatory. The anchors are the CSCAs you
// already trust out of band (for example your own country's CSCA); the
// list's own contents are never used to vouch for the list.
//
// Only a verified list is returned; add its CSCAs to a TrustStore with
// store.Add(ml.CSCAs...). Errors wrap ErrMasterListSigner, ErrSignatureInvalid,
// ErrUntrustedSigner, ErrCertificateExpired, ... (a *CertificateError or
// *CMSError gives details).
func VerifyMasterList(der []byte, anchors *TrustStore, at time.Time) (*MasterList, error) {
	if anchors == nil || anchors.Len() == 0 {
		return nil, fmt.Errorf("%w: no anchors given to verify the master list signer against", ErrMasterListSigner)
	}
	ml, err := ParseMasterList(der)
	if err != nil {
		return nil, err
	}
	sd := ml.SignedData
	if len(sd.SignerInfos) != 1 {
		return nil, fmt.Errorf("%w: master list has %d signers, expected one", ErrMalformedMasterList, len(sd.SignerInfos))
	}
	si := sd.SignerInfos[0]
	signer, err := sd.Signer(si)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrMasterListSigner, err)
	}
	if err := sd.VerifySignerInfo(si, signer); err != nil {
		return nil, err
	}
	if !signer.hasExtKeyUsage(oids.MasterListSignerEKU) {
		return nil, &CertificateError{Role: RoleMasterListSigner, Subject: signer.SubjectString(),
			Err: fmt.Errorf("%w: %w: extended key usage lacks master list signing (2.23.136.1.1.3)", ErrMasterListSigner, ErrKeyUsage)}
	}
	if _, err := anchors.VerifyCertificate(signer, RoleMasterListSigner, at); err != nil {
		return nil, errors.Join(ErrMasterListSigner, err)
	}
	ml.Signer = signer
	return ml, nil
}
