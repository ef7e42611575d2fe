package passport

import (
	"context"
	"errors"
	"fmt"

	"github.com/go-mitid/mitid/passport/internal/ec"
	"github.com/go-mitid/mitid/passport/internal/oids"
)

// EF.CardSecurity (ICAO 9303 Part 11 §9.2.2, BSI TR-03110-3 §A.1.2.2): a
// CMS SignedData in the master file whose content is the chip's
// SecurityInfos — its PACEInfos and the Chip Authentication public key
// PACE-CAM authenticates against — signed by a document signer like EF.SOD.
// The chip serves it only after PACE.

// efCardSecurity is EF.CardSecurity's file identifier in the master
// file (the same number as EF.SOD's in the eMRTD application).
const efCardSecurity uint16 = 0x011D

// ErrMalformedCardSecurity reports EF.CardSecurity that is not a SignedData
// over SecurityInfos.
var ErrMalformedCardSecurity = errors.New("passport: malformed EF.CardSecurity")

// CardSecurity is a parsed EF.CardSecurity. It is immutable after parsing.
type CardSecurity struct {
	Raw           []byte         // the file as read
	SignedData    *SignedData    // the CMS layer
	SecurityInfos *SecurityInfos // the signed content
}

// ParseCardSecurity parses EF.CardSecurity. It checks structure, not the
// signature (see VerifyCardSecurity). Errors wrap ErrMalformedCardSecurity
// (with ErrMalformedCMS or ErrMalformedSecurityInfos when those layers fail).
func ParseCardSecurity(der []byte) (*CardSecurity, error) {
	return parseCardSecurity(der, ParseCertificate)
}

func parseCardSecurity(der []byte, parseCert func([]byte) (*Certificate, error)) (*CardSecurity, error) {
	sd, err := parseSignedDataWith(der, parseCert)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrMalformedCardSecurity, err)
	}
	if !sd.EContentType.Equal(oids.SecurityObject) {
		return nil, fmt.Errorf("%w: %w: eContentType %v is not id-SecurityObject", ErrMalformedCardSecurity, ErrContentTypeMismatch, sd.EContentType)
	}
	si, err := ParseSecurityInfos(sd.EContent)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrMalformedCardSecurity, err)
	}
	return &CardSecurity{Raw: der, SignedData: sd, SecurityInfos: si}, nil
}

// PACheckCardSecurityStructure is the first check of VerifyCardSecurity,
// in place of PACheckSODStructure; the signer checks follow as for EF.SOD.
const PACheckCardSecurityStructure PassiveCheck = "EF.CardSecurity is a well-formed SignedData with SecurityInfos"

// VerifyCardSecurity parses EF.CardSecurity and passively authenticates
// it as VerifyPassive does EF.SOD: the signature with the document signer's
// key, the signer's chain to a CSCA in trust, validity at at, revocation
// and key usage. opts.Signer serves as for EF.SOD. The CardSecurity is
// returned whenever it parsed, the result always; the error is nil exactly
// when result.OK().
func VerifyCardSecurity(der []byte, opts PassiveOptions) (*CardSecurity, *PassiveResult, error) {
	res := &PassiveResult{File: fileCardSecurity}
	if opts.At.IsZero() {
		return nil, res, errors.New("passport: VerifyCardSecurity needs a verification time (got the zero time)")
	}
	trust := opts.Trust
	if trust == nil {
		trust = NewTrustStore()
	}
	cs, err := parseCardSecurity(der, trust.parseCertificate)
	res.record(PACheckCardSecurityStructure, err)
	if err != nil {
		res.skip(PACheckSignerPresent, PACheckSODSignature, PACheckSignerTrusted, PACheckSignerValidity,
			PACheckCSCAValidity, PACheckSignerUsage)
		return nil, res, res.Err()
	}
	res.verifySigner(fileCardSecurity, cs.SignedData, opts.Signer, trust, opts.At)
	return cs, res, res.Err()
}

// ReadCardSecurity reads EF.CardSecurity from the master file. The chip
// serves it only under the secure messaging PACE set up; it selects the
// master file first, so call SelectApplication again afterwards.
func (s *session) ReadCardSecurity(ctx context.Context) ([]byte, error) {
	if err := s.selectMF(ctx); err != nil {
		return nil, fmt.Errorf("passport: selecting the master file for EF.CardSecurity: %w", err)
	}
	return s.ReadFile(ctx, efCardSecurity)
}

// keysOnCurve returns the usable ECDH chip authentication keys of si on curve c.
func (si *SecurityInfos) keysOnCurve(c *ec.Curve) []*ec.PublicKey {
	var out []*ec.PublicKey
	for _, k := range si.ChipAuthenticationPublicKeys {
		if k.PublicKey != nil && k.PublicKey.Curve == c {
			out = append(out, k.PublicKey)
		}
	}
	return out
}
