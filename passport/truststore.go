package passport

import (
	"bytes"
	"crypto/sha256"
	"crypto/x509"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"
)

// ErrUnhandledCriticalExtension means a certificate marks as critical an
// extension this package does not understand, so RFC 5280 §4.2 forbids
// relying on it.
var ErrUnhandledCriticalExtension = errors.New("passport: certificate has an unhandled critical extension")

// trustCacheMax bounds the verified-signature cache of a TrustStore. A
// border-control deployment meets a few thousand DSCs; when the cache fills
// it is simply emptied, which costs one extra verification per DSC.
const trustCacheMax = 4096

// TrustStore holds the trust anchors of Passive Authentication: Country
// Signing CA (CSCA) certificates, typically loaded from a CSCA master list
// (see VerifyMasterList) or from national distribution.
//
// It remembers the document signer certificates it has parsed and which
// certificate signatures it has verified (keyed by the SHA-256 of the
// certificate's DER and the issuing anchor), so verifying many documents
// issued under the same document signer parses the DSC and checks the
// DSC → CSCA signature once. EF.SOD's own signature, the data group hashes,
// validity periods and all other checks are repeated on every call. Both
// caches are bounded. A TrustStore is safe for concurrent use.
type TrustStore struct {
	mu        sync.RWMutex
	certs     []*Certificate
	seen      map[[32]byte]bool
	bySKI     map[string][]*Certificate
	bySubject map[string][]*Certificate
	verified  map[trustCacheKey]struct{}
	parsed    map[[32]byte]*Certificate // certificates met in SODs, by SHA-256 of their DER
	crls      map[*Certificate]*CRL     // the latest verified CRL of each anchor
}

type trustCacheKey struct {
	child  [32]byte
	issuer *Certificate
}

// NewTrustStore returns a trust store holding the given CSCA certificates.
func NewTrustStore(cscas ...*Certificate) *TrustStore {
	t := &TrustStore{
		seen:      map[[32]byte]bool{},
		bySKI:     map[string][]*Certificate{},
		bySubject: map[string][]*Certificate{},
		verified:  map[trustCacheKey]struct{}{},
		parsed:    map[[32]byte]*Certificate{},
	}
	t.Add(cscas...)
	return t
}

// Add adds trust anchors. A certificate already present (same DER) is
// ignored. Certificates are trusted as given: callers must only add
// certificates obtained through a trusted channel.
func (t *TrustStore) Add(cscas ...*Certificate) {
	t.mu.Lock()
	defer t.mu.Unlock()
	for _, c := range cscas {
		if c == nil {
			continue
		}
		h := sha256.Sum256(c.Raw)
		if t.seen[h] {
			continue
		}
		t.seen[h] = true
		t.certs = append(t.certs, c)
		if len(c.SubjectKeyID) > 0 {
			t.bySKI[string(c.SubjectKeyID)] = append(t.bySKI[string(c.SubjectKeyID)], c)
		}
		t.bySubject[string(c.RawSubject)] = append(t.bySubject[string(c.RawSubject)], c)
	}
}

// AddDER parses DER certificates and adds them. It stops at the first
// certificate that does not parse and returns its error; the ones before it
// stay added.
func (t *TrustStore) AddDER(ders ...[]byte) error {
	for i, d := range ders {
		c, err := ParseCertificate(d)
		if err != nil {
			return fmt.Errorf("certificate %d: %w", i, err)
		}
		t.Add(c)
	}
	return nil
}

// Certificates returns a copy of the list of anchors, in insertion order.
func (t *TrustStore) Certificates() []*Certificate {
	t.mu.RLock()
	defer t.mu.RUnlock()
	return append([]*Certificate(nil), t.certs...)
}

// Len returns the number of anchors.
func (t *TrustStore) Len() int {
	t.mu.RLock()
	defer t.mu.RUnlock()
	return len(t.certs)
}

// candidates returns the anchors that may have issued c: by authority key
// identifier first, then by issuer name (byte-equal, then normalised).
func (t *TrustStore) candidates(c *Certificate) []*Certificate {
	t.mu.RLock()
	defer t.mu.RUnlock()
	var out []*Certificate
	add := func(list []*Certificate) {
		for _, x := range list {
			dup := false
			for _, y := range out {
				if x == y {
					dup = true
				}
			}
			if !dup {
				out = append(out, x)
			}
		}
	}
	if len(c.AuthorityKeyID) > 0 {
		add(t.bySKI[string(c.AuthorityKeyID)])
	}
	add(t.bySubject[string(c.RawIssuer)])
	if len(out) == 0 {
		for _, x := range t.certs {
			if pkiNamesEqual(x.RawSubject, c.RawIssuer) {
				add([]*Certificate{x})
			}
		}
	}
	return out
}

// parseCertificate parses DER, reusing the result for a certificate seen
// before (document signers recur across thousands of documents).
// Certificates are immutable, so sharing them is safe.
func (t *TrustStore) parseCertificate(der []byte) (*Certificate, error) {
	h := sha256.Sum256(der)
	t.mu.RLock()
	c, ok := t.parsed[h]
	t.mu.RUnlock()
	if ok {
		return c, nil
	}
	c, err := ParseCertificate(der)
	if err != nil {
		return nil, err
	}
	t.mu.Lock()
	if len(t.parsed) >= trustCacheMax {
		clear(t.parsed)
	}
	t.parsed[h] = c
	t.mu.Unlock()
	return c, nil
}

// signedBy checks that issuer signed c, using the cache.
func (t *TrustStore) signedBy(c, issuer *Certificate, childHash [32]byte) error {
	key := trustCacheKey{childHash, issuer}
	t.mu.RLock()
	_, ok := t.verified[key]
	t.mu.RUnlock()
	if ok {
		return nil
	}
	if err := c.CheckSignatureFrom(issuer); err != nil {
		return err
	}
	t.mu.Lock()
	if len(t.verified) >= trustCacheMax {
		clear(t.verified)
	}
	t.verified[key] = struct{}{}
	t.mu.Unlock()
	return nil
}

// chainResult is the outcome of checking a certificate against the store,
// kept per check so Passive Authentication can report each one.
type chainResult struct {
	issuer         *Certificate // the anchor whose key verified the signature, if any
	trustErr       error        // nil if an anchor issued and signed the certificate and is fit to be a CA
	validityErr    error        // the certificate's own validity at the time
	issuerValidErr error        // the anchor's validity at the time
	haveCRL        bool         // the store holds a CRL of the issuing anchor
	revokedErr     error        // the anchor's CRL lists the certificate
}

// check verifies c (in the given role) against the anchors at time at.
//
// Every anchor that could have issued c is tried, not only the first whose
// key verifies: a country re-issues its CSCA with the same key and a new
// validity, and master lists carry both, so several anchors verify the same
// signature. The one chosen is the best by fitness, then validity at time
// at — a CA allowed to sign certificates and valid then, if any is — and
// among equals the latest-ending, then the least DER, so the verdict does
// not depend on the order the anchors were added in. Every verifying anchor
// is the same issuer (same name, same key), so a CRL any of them holds
// counts for all.
func (t *TrustStore) check(c *Certificate, role CertificateRole, at time.Time) chainResult {
	var res chainResult
	certErr := func(cert *Certificate, r CertificateRole, err error) error {
		return &CertificateError{Role: r, Subject: cert.SubjectString(), NotBefore: cert.NotBefore, NotAfter: cert.NotAfter, At: at, Err: err}
	}
	if err := c.ValidAt(at); err != nil {
		res.validityErr = certErr(c, role, err)
	}
	cands := t.candidates(c)
	if len(cands) == 0 {
		res.trustErr = certErr(c, role, fmt.Errorf("%w: no trusted CSCA named %q", ErrUntrustedSigner, c.Issuer.String()))
		return res
	}
	childHash := sha256.Sum256(c.Raw)
	var lastErr error
	var issuers []anchorVerdict
	for _, cand := range cands {
		if err := t.signedBy(c, cand, childHash); err != nil {
			lastErr = err
			continue
		}
		v := anchorVerdict{cert: cand, fitErr: issuerFitness(cand, c, role, certErr)}
		if err := cand.ValidAt(at); err != nil {
			v.validErr = certErr(cand, RoleCSCA, err)
		}
		issuers = append(issuers, v)
	}
	if len(issuers) == 0 {
		// lastErr is only the last of several candidates' failures: wrapping it
		// would let errors.Is match one arbitrary candidate's cause.
		res.trustErr = certErr(c, role, fmt.Errorf("%w: %d trusted CSCA(s) named %q, none verifies the signature: %v",
			ErrUntrustedSigner, len(cands), c.Issuer.String(), lastErr)) //nolint:errorlint // one candidate's cause of several, in the message only
		return res
	}
	best := slices.MinFunc(issuers, compareAnchorVerdicts)
	res.issuer, res.trustErr, res.issuerValidErr = best.cert, best.fitErr, best.validErr
	for _, v := range issuers {
		t.mu.RLock()
		res.haveCRL = res.haveCRL || t.crls[v.cert] != nil
		t.mu.RUnlock()
		if r, ok := t.revoked(c, v.cert, at); ok && res.revokedErr == nil {
			res.revokedErr = certErr(c, role, fmt.Errorf("%w on %s by %q", ErrCertificateRevoked,
				r.RevocationTime.UTC().Format(time.RFC3339), v.cert.SubjectString()))
		}
	}
	return res
}

// anchorVerdict is one anchor whose key verified a certificate's signature.
type anchorVerdict struct {
	cert     *Certificate
	fitErr   error // why it may not have issued the certificate (not a CA, key usage, critical extensions)
	validErr error // why it was not valid at the time
}

// compareAnchorVerdicts orders issuing anchors best first: fit before unfit,
// valid before not, later notAfter first, then by DER.
func compareAnchorVerdicts(a, b anchorVerdict) int {
	rank := func(v anchorVerdict) int {
		switch {
		case v.fitErr != nil:
			return 2
		case v.validErr != nil:
			return 1
		}
		return 0
	}
	if d := rank(a) - rank(b); d != 0 {
		return d
	}
	if c := b.cert.NotAfter.Compare(a.cert.NotAfter); c != 0 {
		return c
	}
	return bytes.Compare(a.cert.Raw, b.cert.Raw)
}

// issuerFitness says why iss may not have issued c: not a CA, no
// keyCertSign, or an unhandled critical extension on either.
func issuerFitness(iss, c *Certificate, role CertificateRole, certErr func(*Certificate, CertificateRole, error) error) error {
	switch {
	case !iss.BasicConstraintsValid || !iss.IsCA:
		return certErr(iss, RoleCSCA, ErrNotCA)
	case iss.HasKeyUsage && iss.KeyUsage&x509.KeyUsageCertSign == 0:
		return certErr(iss, RoleCSCA, fmt.Errorf("%w: keyCertSign not set", ErrKeyUsage))
	case len(iss.UnhandledCriticalExtensions) > 0:
		return certErr(iss, RoleCSCA, fmt.Errorf("%w: %v", ErrUnhandledCriticalExtension, iss.UnhandledCriticalExtensions))
	case len(c.UnhandledCriticalExtensions) > 0:
		return certErr(c, role, fmt.Errorf("%w: %v", ErrUnhandledCriticalExtension, c.UnhandledCriticalExtensions))
	}
	return nil
}

// VerifyCertificate checks that c was issued by an anchor of the store: an
// anchor whose key verifies c's signature and which is a CA allowed to sign
// certificates, with c and the anchor both valid at time at. It returns the
// issuing anchor, or the joined *CertificateError values of every failed
// check (wrapping ErrUntrustedSigner, ErrCertificateExpired,
// ErrCertificateNotYetValid, ErrNotCA, ErrKeyUsage, ErrCertificateRevoked, ...).
func (t *TrustStore) VerifyCertificate(c *Certificate, role CertificateRole, at time.Time) (*Certificate, error) {
	r := t.check(c, role, at)
	if err := errors.Join(r.trustErr, r.validityErr, r.issuerValidErr, r.revokedErr); err != nil {
		return r.issuer, err
	}
	return r.issuer, nil
}
