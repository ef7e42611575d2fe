package passport

import (
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"fmt"
	"math/big"
	"time"

	"github.com/go-mitid/mitid/passport/internal/ber"
)

// Certificate revocation lists (RFC 5280 §5) as CSCAs publish them (ICAO
// 9303 Part 12 §7.1, distributed through the ICAO PKD or bilaterally). A
// TrustStore that has a CSCA's CRL refuses document signers the CSCA has
// revoked.

// ErrCertificateRevoked means the issuing CSCA's CRL lists the certificate as revoked.
var ErrCertificateRevoked = errors.New("passport: certificate revoked")

// CRL is a parsed certificate revocation list.
type CRL struct {
	Raw       []byte
	RawTBS    []byte    // the signed part
	RawIssuer []byte    // DER of the issuer Name
	Issuer    pkix.Name // best effort
	// ThisUpdate and NextUpdate bound the list's freshness (NextUpdate is zero when absent).
	ThisUpdate, NextUpdate time.Time
	// Revoked lists the revoked serial numbers.
	Revoked            []RevokedCertificate
	AuthorityKeyID     []byte // keyIdentifier of the authorityKeyIdentifier extension
	SignatureAlgorithm string // the issuer's signature algorithm
	Signature          []byte // the issuer's signature over RawTBS

	sigAlg    sigAlg
	sigAlgErr error
}

// RevokedCertificate is one entry of a CRL.
type RevokedCertificate struct {
	SerialNumber   *big.Int  // the revoked certificate's serial number
	RevocationTime time.Time // when it was revoked
}

// ParseCRL parses a DER CertificateList. Errors wrap ErrMalformedCertificate.
func ParseCRL(der []byte) (*CRL, error) {
	crl, err := parseCRL(der)
	if err != nil {
		return nil, fmt.Errorf("%w: CRL: %w", ErrMalformedCertificate, err)
	}
	return crl, nil
}

func parseCRL(der []byte) (*CRL, error) {
	top, err := ber.ReadAll(der)
	if err != nil {
		return nil, err
	}
	parts, err := ber.Sequence(top, "CertificateList")
	if err != nil {
		return nil, err
	}
	if len(parts) != 3 {
		return nil, fmt.Errorf("CertificateList has %d elements, expected 3", len(parts))
	}
	c := &CRL{Raw: top.Full, RawTBS: parts[0].Full}
	alg, err := ber.Algorithm(parts[1], "signatureAlgorithm")
	if err != nil {
		return nil, err
	}
	if c.Signature, err = ber.BitString(parts[2]); err != nil {
		return nil, err
	}
	c.sigAlg, c.sigAlgErr = parseSigAlg(alg, 0)
	if c.sigAlgErr == nil {
		c.SignatureAlgorithm = c.sigAlg.String()
	}
	f, err := ber.Sequence(parts[0], "TBSCertList")
	if err != nil {
		return nil, err
	}
	i := 0
	if i < len(f) && f[i].IsUniversal(ber.TagInteger) {
		i++ // version v2
	}
	if len(f)-i < 3 {
		return nil, errors.New("TBSCertList too short")
	}
	i++ // signature AlgorithmIdentifier, checked against the outer one below
	if !f[i].IsUniversal(ber.TagSequence) {
		return nil, errors.New("issuer must be a Name")
	}
	c.RawIssuer, c.Issuer = f[i].Full, pkiParseName(f[i].Full)
	i++
	if c.ThisUpdate, err = ber.Time(f[i]); err != nil {
		return nil, fmt.Errorf("thisUpdate: %w", err)
	}
	i++
	if i < len(f) && f[i].Class == 0 && (f[i].Number == ber.TagUTCTime || f[i].Number == ber.TagGeneralized) {
		if c.NextUpdate, err = ber.Time(f[i]); err != nil {
			return nil, fmt.Errorf("nextUpdate: %w", err)
		}
		i++
	}
	if i < len(f) && f[i].IsUniversal(ber.TagSequence) {
		entries, err := ber.Children(f[i])
		if err != nil {
			return nil, err
		}
		for _, e := range entries {
			fields, err := ber.Sequence(e, "revokedCertificate")
			if err != nil {
				return nil, err
			}
			if len(fields) < 2 {
				return nil, errors.New("revokedCertificate needs a serial number and a date")
			}
			var r RevokedCertificate
			if r.SerialNumber, err = ber.Integer(fields[0], false); err != nil {
				return nil, err
			}
			if r.RevocationTime, err = ber.Time(fields[1]); err != nil {
				return nil, err
			}
			c.Revoked = append(c.Revoked, r)
		}
		i++
	}
	if i < len(f) && f[i].Is(2, 0, true) { // [0] EXPLICIT Extensions
		inner, err := ber.ReadAll(f[i].Content)
		if err != nil {
			return nil, err
		}
		var scratch Certificate
		scratch.Version = 3
		if err := scratch.parseExtensions(inner); err != nil {
			return nil, err
		}
		c.AuthorityKeyID = scratch.AuthorityKeyID
	}
	return c, nil
}

// CheckSignatureFrom verifies that issuer's key signed the CRL.
func (c *CRL) CheckSignatureFrom(issuer *Certificate) error {
	if c.sigAlgErr != nil {
		return c.sigAlgErr
	}
	if issuer.PublicKey == nil {
		return fmt.Errorf("%w: issuer key: %w", ErrUnsupportedAlgorithm, issuer.PublicKeyError)
	}
	return issuer.PublicKey.verify(c.sigAlg, c.RawTBS, c.Signature)
}

// AddCRL verifies a CRL against the store's anchors — issued and signed by
// one of them, which must be allowed to sign CRLs — and from then on the
// store treats the certificates it lists as revoked when that anchor is
// their issuer. A later CRL from the same anchor replaces an earlier one
// only if its thisUpdate is later. Freshness (nextUpdate) is the caller's
// policy: AddCRL accepts stale lists.
func (t *TrustStore) AddCRL(crl *CRL) error {
	probe := &Certificate{RawIssuer: crl.RawIssuer, AuthorityKeyID: crl.AuthorityKeyID, Issuer: crl.Issuer}
	lastErr := fmt.Errorf("%w: no trusted CSCA named %q issued this CRL", ErrUntrustedSigner, crl.Issuer.String())
	for _, cand := range t.candidates(probe) {
		if err := crl.CheckSignatureFrom(cand); err != nil {
			lastErr = fmt.Errorf("%w: CRL signature: %w", ErrUntrustedSigner, err)
			continue
		}
		if cand.HasKeyUsage && cand.KeyUsage&x509.KeyUsageCRLSign == 0 {
			return fmt.Errorf("%w: %q may not sign CRLs", ErrKeyUsage, cand.SubjectString())
		}
		t.mu.Lock()
		defer t.mu.Unlock()
		if t.crls == nil {
			t.crls = map[*Certificate]*CRL{}
		}
		if old := t.crls[cand]; old == nil || crl.ThisUpdate.After(old.ThisUpdate) {
			t.crls[cand] = crl
		}
		return nil
	}
	return lastErr
}

// revoked reports whether issuer's CRL lists c's serial number as revoked
// at or before time at.
func (t *TrustStore) revoked(c, issuer *Certificate, at time.Time) (RevokedCertificate, bool) {
	t.mu.RLock()
	crl := t.crls[issuer]
	t.mu.RUnlock()
	if crl == nil {
		return RevokedCertificate{}, false
	}
	for _, r := range crl.Revoked {
		if r.SerialNumber.Cmp(c.SerialNumber) == 0 && !r.RevocationTime.After(at) {
			return r, true
		}
	}
	return RevokedCertificate{}, false
}
