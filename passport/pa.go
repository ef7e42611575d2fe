package passport

import (
	"crypto/subtle"
	"crypto/x509"
	"errors"
	"fmt"
	"sort"
	"time"
)

// Passive Authentication (ICAO 9303 Part 11 §5.1): EF.SOD's signature
// binds the hashes of the data groups to a document signer (DSC), whose
// certificate a trusted Country Signing CA (CSCA) issued. Passing proves the
// data was written by the issuing state and not altered; it does not prove
// the chip is genuine (that is Active or Chip Authentication).

// PassiveCheck names one check of Passive Authentication.
type PassiveCheck string

// The checks of VerifyPassive, in the order they are reported.
const (
	PACheckSODStructure   PassiveCheck = "EF.SOD is a well-formed SignedData with an LDSSecurityObject"
	PACheckSignerPresent  PassiveCheck = "EF.SOD carries the document signer certificate"
	PACheckSODSignature   PassiveCheck = "EF.SOD signed attributes and signature verify with the DSC key"
	PACheckSignerTrusted  PassiveCheck = "DSC issued and signed by a trusted CSCA"
	PACheckSignerValidity PassiveCheck = "DSC valid at verification time"
	PACheckCSCAValidity   PassiveCheck = "CSCA valid at verification time"
	// PACheckSignerNotRevoked is reported only when the trust store holds a
	// CRL of the issuing CSCA (see TrustStore.AddCRL).
	PACheckSignerNotRevoked PassiveCheck = "DSC not revoked by its CSCA's CRL"
	PACheckSignerUsage      PassiveCheck = "DSC key usage allows digital signatures"
	PACheckDataGroups       PassiveCheck = "every data group read is listed in EF.SOD with a matching hash"
)

// CheckResult is the outcome of one check. Err is nil when it passed; when
// Skipped is true the check could not run because an earlier one failed
// (Err is then nil too).
type CheckResult struct {
	Check   PassiveCheck // which check
	Err     error        // nil when passed (or skipped)
	Skipped bool         // not run because an earlier check failed
}

// Passed reports whether the check ran and passed.
func (c CheckResult) Passed() bool { return !c.Skipped && c.Err == nil }

// DataGroupResult is the outcome for one data group given to VerifyPassive.
// Err is nil when its hash matched; otherwise a *DataGroupError.
type DataGroupResult struct {
	DataGroup int   // 1..16
	Err       error // nil when passed (or skipped)
}

// PassiveResult reports every check of Passive Authentication, so that a
// caller (or a person reading the evidence) sees what passed, what failed,
// and why — not only the first failure.
type PassiveResult struct {
	// File is the file verified: "EF.SOD", or "EF.CardSecurity" (VerifyCardSecurity).
	File string
	SOD  *SOD         // nil when EF.SOD did not parse
	DSC  *Certificate // the document signer certificate, when found
	CSCA *Certificate // the trusted CSCA that issued the DSC, when found
	// SignatureAlgorithm names the algorithm of EF.SOD's signature.
	SignatureAlgorithm string
	Checks             []CheckResult // every check, in the order of the PACheck constants
	// DataGroups has one entry per data group given, ascending by number.
	DataGroups []DataGroupResult
	// NotRead lists data groups EF.SOD lists that were not given (for
	// example DG3/DG4, which need Extended Access Control). Not an error.
	NotRead []int
}

// OK reports whether every check ran and passed.
func (r *PassiveResult) OK() bool {
	if r == nil || len(r.Checks) == 0 {
		return false
	}
	for _, c := range r.Checks {
		if !c.Passed() {
			return false
		}
	}
	return true
}

// Err returns the failures of all checks joined (nil when OK). Use
// errors.Is with the package sentinels, or errors.As with *DataGroupError,
// *CertificateError and *CMSError for details.
func (r *PassiveResult) Err() error {
	var errs []error
	for _, c := range r.Checks {
		if c.Err != nil {
			errs = append(errs, c.Err)
		}
	}
	return errors.Join(errs...)
}

// Check returns the result of one check, and false when it was not recorded.
func (r *PassiveResult) Check(c PassiveCheck) (CheckResult, bool) {
	for _, x := range r.Checks {
		if x.Check == c {
			return x, true
		}
	}
	return CheckResult{}, false
}

func (r *PassiveResult) record(c PassiveCheck, err error) {
	if err != nil {
		err = &PassiveCheckError{File: r.File, Check: c, Err: err}
	}
	r.Checks = append(r.Checks, CheckResult{Check: c, Err: err})
}

// PassiveCheckError is the failure of one check of Passive Authentication:
// the file it concerns, the check (which states what should have held)
// and why it did not. It wraps the cause, so errors.Is and errors.As see
// the sentinels, *DataGroupError, *CertificateError and *CMSError.
type PassiveCheckError struct {
	File  string       // "EF.SOD" or "EF.CardSecurity"
	Check PassiveCheck // what should have held
	Err   error        // why it did not
}

// Error says the file, that the check failed, and why.
func (e *PassiveCheckError) Error() string {
	return fmt.Sprintf("%s: check failed: %s: %v", e.File, e.Check, e.Err)
}

// Unwrap returns the cause.
func (e *PassiveCheckError) Unwrap() error { return e.Err }

func (r *PassiveResult) skip(cs ...PassiveCheck) {
	for _, c := range cs {
		r.Checks = append(r.Checks, CheckResult{Check: c, Skipped: true})
	}
}

// VerifyPassive performs Passive Authentication of a document.
//
// efSOD is EF.SOD as read from the chip. dataGroups maps data group number
// (1..16) to the complete file content read from the chip (tag included).
// trust holds the CSCA anchors; at is the verification time (pass the
// current time from your clock; it decides certificate validity).
//
// It checks: EF.SOD structure; the signed attributes (contentType,
// messageDigest) and the signature with the DSC key; that a CSCA in trust
// issued and signed the DSC and is a CA; that DSC and CSCA are valid at at;
// that the CSCA's CRL, when trust holds one, does not revoke the DSC; that
// the DSC may sign; and that each given data group is listed in EF.SOD
// with a matching hash (a data group that is missing from EF.SOD fails with
// ErrDataGroupNotInSOD).
//
// The result is returned even on failure, listing every check. The error is
// nil exactly when result.OK(); otherwise it joins every failure, wrapping
// sentinels such as ErrDataGroupHashMismatch, ErrDataGroupNotInSOD,
// ErrUntrustedSigner, ErrCertificateExpired, ErrCertificateRevoked, ErrSignatureInvalid,
// ErrMessageDigestMismatch or ErrMalformedSOD.
func VerifyPassive(efSOD []byte, dataGroups map[int][]byte, trust *TrustStore, at time.Time) (*PassiveResult, error) {
	return VerifyPassiveWith(efSOD, dataGroups, PassiveOptions{Trust: trust, At: at})
}

// PassiveOptions configures VerifyPassiveWith.
type PassiveOptions struct {
	// Trust holds the CSCA anchors (nil trusts nothing, and says so).
	Trust *TrustStore
	// At is the verification time (required).
	At time.Time
	// Signer is the document signer certificate when it comes from outside
	// EF.SOD — the ICAO PKD, or a national distribution — as for documents
	// whose EF.SOD carries no certificate. It is used when EF.SOD carries
	// none that matches its SignerInfo; it must match the SignerInfo (issuer
	// and serial number, or subject key identifier) and is put through
	// every check a carried certificate is.
	Signer *Certificate
}

// VerifyPassiveWith is VerifyPassive with options: above all, a document
// signer certificate given from outside EF.SOD.
func VerifyPassiveWith(efSOD []byte, dataGroups map[int][]byte, opts PassiveOptions) (*PassiveResult, error) {
	trust, at := opts.Trust, opts.At
	res := &PassiveResult{File: "EF.SOD"}
	if at.IsZero() {
		return res, errors.New("passport: VerifyPassive needs a verification time (got the zero time)")
	}
	for n := range dataGroups {
		if n < 1 || n > 16 {
			return res, fmt.Errorf("%w: data group number %d outside 1..16", ErrMalformedLDS, n)
		}
	}
	if trust == nil {
		trust = NewTrustStore() // nothing is trusted: the chain check fails and says so
	}
	sod, err := parseSOD(efSOD, trust.parseCertificate)
	res.record(PACheckSODStructure, err)
	if err != nil {
		res.skip(PACheckSignerPresent, PACheckSODSignature, PACheckSignerTrusted, PACheckSignerValidity,
			PACheckCSCAValidity, PACheckSignerUsage, PACheckDataGroups)
		return res, res.Err()
	}
	res.SOD = sod
	res.verifySigner("EF.SOD", sod.SignedData, opts.Signer, trust, at)
	res.record(PACheckDataGroups, res.checkDataGroups(sod, dataGroups))
	return res, res.Err()
}

// verifySigner runs the signer checks of Passive Authentication on a
// SignedData read from file (EF.SOD or EF.CardSecurity): one SignerInfo,
// its certificate (carried, or given as external), the signature, and the
// certificate's chain, validity, revocation and key usage.
func (r *PassiveResult) verifySigner(file string, sd *SignedData, external *Certificate, trust *TrustStore, at time.Time) {
	// ICAO 9303 Part 10 requires exactly one SignerInfo in EF.SOD (and
	// TR-03110 in EF.CardSecurity).
	var dsc *Certificate
	var err error
	if len(sd.SignerInfos) != 1 {
		err = fmt.Errorf("%w: %s has %d SignerInfos, ICAO 9303 requires exactly one", ErrMalformedSOD, file, len(sd.SignerInfos))
	} else {
		dsc, err = sd.signerOrExternal(sd.SignerInfos[0], external)
	}
	r.record(PACheckSignerPresent, err)
	if err != nil {
		r.skip(PACheckSODSignature, PACheckSignerTrusted, PACheckSignerValidity, PACheckCSCAValidity, PACheckSignerUsage)
		return
	}
	si := sd.SignerInfos[0]
	r.DSC = dsc
	r.SignatureAlgorithm = si.SignatureAlgorithm
	r.record(PACheckSODSignature, sd.VerifySignerInfo(si, dsc))
	ch := trust.check(dsc, RoleDocumentSigner, at)
	r.CSCA = ch.issuer
	r.record(PACheckSignerTrusted, ch.trustErr)
	r.record(PACheckSignerValidity, ch.validityErr)
	if ch.issuer != nil {
		r.record(PACheckCSCAValidity, ch.issuerValidErr)
		if ch.haveCRL {
			r.record(PACheckSignerNotRevoked, ch.revokedErr)
		}
	} else {
		r.skip(PACheckCSCAValidity)
	}
	var usageErr error
	if dsc.HasKeyUsage && dsc.KeyUsage&x509.KeyUsageDigitalSignature == 0 {
		usageErr = &CertificateError{Role: RoleDocumentSigner, Subject: dsc.SubjectString(),
			Err: fmt.Errorf("%w: digitalSignature not set", ErrKeyUsage)}
	}
	r.record(PACheckSignerUsage, usageErr)
}

// checkDataGroups hashes every given data group and compares it with EF.SOD.
func (r *PassiveResult) checkDataGroups(sod *SOD, dataGroups map[int][]byte) error {
	nums := make([]int, 0, len(dataGroups))
	for n := range dataGroups {
		nums = append(nums, n)
	}
	sort.Ints(nums)
	var errs []error
	for _, n := range nums {
		var err error
		want, ok := sod.DataGroupHashes[n]
		if !ok {
			err = &DataGroupError{DataGroup: n, Err: ErrDataGroupNotInSOD}
		} else {
			h := sod.HashAlgorithm.New()
			h.Write(dataGroups[n])
			if subtle.ConstantTimeCompare(h.Sum(nil), want) != 1 {
				err = &DataGroupError{DataGroup: n, Err: ErrDataGroupHashMismatch}
			}
		}
		r.DataGroups = append(r.DataGroups, DataGroupResult{DataGroup: n, Err: err})
		if err != nil {
			errs = append(errs, err)
		}
	}
	for _, n := range sod.DataGroups() {
		if _, ok := dataGroups[n]; !ok {
			r.NotRead = append(r.NotRead, n)
		}
	}
	return errors.Join(errs...)
}
