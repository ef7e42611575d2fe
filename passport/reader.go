package passport

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/go-mitid/mitid/passport/internal/sm"
)

// ErrAccessControl reports that neither PACE nor BAC opened the chip: a
// wrong MRZ or CAN, or a chip that supports neither with the given key.
var ErrAccessControl = errors.New("passport: access control failed")

// Options configures one Reader.Read.
type Options struct {
	// Key opens the chip: the BACKey from the MRZ (BAC or PACE), or a CAN
	// (PACE only). Required.
	Key AccessKey
	// Trust holds the CSCA certificates Passive Authentication accepts.
	// Without it, the signer-trust check fails (and says so).
	Trust *TrustStore
	// Signer is a document signer certificate from outside the chip (the
	// ICAO PKD), used for EF.SOD and EF.CardSecurity when they carry no
	// certificate matching their SignerInfo. It is checked like a carried one.
	Signer *Certificate
	// DataGroups limits the data groups read (1–16). Nil reads every data
	// group EF.SOD or EF.COM lists, except DG3 and DG4, which need Extended
	// Access Control.
	DataGroups []int
	// Now is the clock for certificate validity; nil means time.Now.
	Now func() time.Time
	// Rand supplies keys, nonces and the AA challenge; nil means crypto/rand.
	Rand io.Reader
	// NoPACE uses BAC even when the chip offers PACE.
	NoPACE bool
	// SkipActiveAuthentication and SkipChipAuthentication leave those
	// protocols out (they are reported as skipped).
	SkipActiveAuthentication bool
	SkipChipAuthentication   bool
	// MaxFileSize is the largest file the read accepts (the size a chip
	// announces is checked before anything is read); 0 means 1 MiB.
	// ReadChunk is the number of bytes each READ BINARY requests; values
	// above 223 need a chip and reader with extended-length support; 0 means
	// 223, the most whose protected answer fits a short response.
	MaxFileSize int
	ReadChunk   int
}

// Document is what a read produced: the raw files as the chip served them
// and the parsed data groups. A data group that was not read, or did not
// parse, has a nil field (the Evidence says why).
type Document struct {
	// MRZ is the machine readable zone from DG1.
	MRZ *MRZ
	// COM is EF.COM and SOD the document security object.
	COM *COM
	SOD *SOD
	// DG2 holds the face image(s); DG11 and DG12 additional personal and
	// document details; DG14 the chip's security protocols; DG15 the Active
	// Authentication key; DG16 persons to notify.
	DG2  *DG2
	DG11 *DG11
	DG12 *DG12
	DG14 *DG14
	DG15 *DG15
	DG16 *DG16
	// DataGroups maps each data group number read to its file content.
	DataGroups map[int][]byte
	// RawCOM and RawSOD are EF.COM and EF.SOD as read.
	RawCOM, RawSOD []byte
	// CardSecurity is EF.CardSecurity, read after PACE-CAM for the chip's
	// key (nil when not read or not parsed); RawCardSecurity as read.
	CardSecurity    *CardSecurity
	RawCardSecurity []byte
}

// CheckName names one step of a read in the Evidence.
type CheckName string

// The steps a Reader reports, in the order they run.
const (
	CheckPACE                  CheckName = "PACE"
	CheckBAC                   CheckName = "BAC"
	CheckCardSecurity          CheckName = "read and verify EF.CardSecurity"
	CheckReadFiles             CheckName = "read EF.SOD, EF.COM and the data groups"
	CheckParseLDS              CheckName = "parse the data groups"
	CheckMRZMatchesKey         CheckName = "DG1 MRZ matches the access key"
	CheckChipAuthentication    CheckName = "Chip Authentication"
	CheckPACECAM               CheckName = "PACE-CAM chip authentication"
	CheckActiveAuthentication  CheckName = "Active Authentication"
	CheckPassiveAuthentication CheckName = "Passive Authentication"
)

// CheckStatus is the outcome of a check.
type CheckStatus int

// Outcomes of a check. Skipped covers "not applicable" (the chip lacks the
// protocol) and "not asked for" (Options); Detail says which.
const (
	Passed CheckStatus = iota + 1
	Failed
	Skipped
)

// String returns "passed", "failed" or "skipped".
func (s CheckStatus) String() string {
	switch s {
	case Passed:
		return "passed"
	case Failed:
		return "failed"
	case Skipped:
		return "skipped"
	}
	return fmt.Sprintf("CheckStatus(%d)", int(s))
}

// Check is one entry of the Evidence.
type Check struct {
	Name   CheckName
	Status CheckStatus
	// Detail says what ran (e.g. the protocol and curve) or why it was skipped.
	Detail string
	// Err says why the check failed (nil unless Status is Failed). Use
	// errors.Is with the package's sentinels.
	Err error
}

// Evidence records which protocols ran during a read, which checks passed
// or failed, and why — the basis for deciding whether to trust a document.
type Evidence struct {
	Checks []Check
	// AccessControl is "PACE" or "BAC"; SecureMessaging the cipher of the
	// final session (e.g. "AES-128"), which Chip Authentication may change.
	AccessControl   string
	SecureMessaging string
	// PACE is the PACE variant that ran, if any.
	PACE *PACEInfo
	// DataGroupsRead lists the data groups read, ascending.
	DataGroupsRead []int
	// Passive and Active are the detailed results of Passive and Active
	// Authentication, when they ran.
	Passive *PassiveResult
	Active  *ActiveResult
	// CardSecurity is the Passive Authentication of EF.CardSecurity, when
	// it was read (after PACE-CAM).
	CardSecurity *PassiveResult
	// CAMKeyFile names the file whose key PACE-CAM checked the chip
	// against ("EF.CardSecurity" or "DG14"), when the check ran.
	CAMKeyFile string
}

func (e *Evidence) add(name CheckName, status CheckStatus, detail string, err error) {
	e.Checks = append(e.Checks, Check{Name: name, Status: status, Detail: detail, Err: err})
}

func (e *Evidence) pass(name CheckName, detail string) { e.add(name, Passed, detail, nil) }
func (e *Evidence) skip(name CheckName, why string)    { e.add(name, Skipped, why, nil) }
func (e *Evidence) fail(name CheckName, detail string, err error) {
	e.add(name, Failed, detail, err)
}

// Check returns the entry for name (the last one, if it ran twice).
func (e *Evidence) Check(name CheckName) (Check, bool) {
	for i := len(e.Checks) - 1; i >= 0; i-- {
		if e.Checks[i].Name == name {
			return e.Checks[i], true
		}
	}
	return Check{}, false
}

// Passed reports whether the named check ran and passed.
func (e *Evidence) Passed(name CheckName) bool {
	c, ok := e.Check(name)
	return ok && c.Status == Passed
}

// Authentic reports whether Passive Authentication passed: the data read
// was signed by a trusted issuer and not altered. It does not rule out a
// copied chip; see ChipGenuine.
func (e *Evidence) Authentic() bool { return e.Passed(CheckPassiveAuthentication) }

// ChipGenuine reports whether the chip proved it holds a private key whose
// public half Passive Authentication vouched for: Chip Authentication with
// the DG14 key, PACE-CAM with the key of EF.CardSecurity or DG14 (the file
// it came from passing Passive Authentication), or Active Authentication
// with the DG15 key. A copy of the data on another chip cannot pass this.
func (e *Evidence) ChipGenuine() bool {
	vouched := func(dg int) bool {
		if e.Passive == nil {
			return false
		}
		for _, r := range e.Passive.DataGroups {
			if r.DataGroup == dg {
				return r.Err == nil && e.Authentic()
			}
		}
		return false
	}
	cam := e.Passed(CheckPACECAM) && ((e.CAMKeyFile == fileCardSecurity && e.CardSecurity.OK()) ||
		(e.CAMKeyFile == "DG14" && vouched(14)))
	return cam || (e.Passed(CheckChipAuthentication) && vouched(14)) ||
		(e.Passed(CheckActiveAuthentication) && vouched(15))
}

// fileCardSecurity names EF.CardSecurity in evidence and errors.
const fileCardSecurity = "EF.CardSecurity"

// Err joins the errors of every failed check (nil when none failed).
func (e *Evidence) Err() error {
	var errs []error
	for _, c := range e.Checks {
		if c.Status == Failed {
			errs = append(errs, fmt.Errorf("%s: %w", c.Name, c.Err))
		}
	}
	return errors.Join(errs...)
}

// String renders the evidence one check per line, for logs and people.
func (e *Evidence) String() string {
	var b strings.Builder
	for _, c := range e.Checks {
		fmt.Fprintf(&b, "%-7s %s", c.Status, c.Name)
		if c.Detail != "" {
			fmt.Fprintf(&b, " — %s", c.Detail)
		}
		if c.Err != nil {
			fmt.Fprintf(&b, ": %v", c.Err)
		}
		b.WriteByte('\n')
	}
	return b.String()
}

// Reader reads and verifies a document over a Transceiver. A Reader holds
// no state between reads; use one per chip at a time.
type Reader struct {
	t Transceiver
}

// NewReader returns a Reader that talks to the chip through t.
func NewReader(t Transceiver) *Reader { return &Reader{t: t} }

// Read runs the whole inspection of ICAO 9303 Part 11: PACE when the chip
// offers it (else BAC), EF.SOD, EF.COM, the data groups, Chip Authentication
// (or the PACE-CAM check) and Active Authentication, then Passive
// Authentication. It returns an error only when the chip could not be opened
// or EF.SOD could not be read; every verification outcome, good or bad, is in
// the Evidence, and the Document holds whatever was read.
func (r *Reader) Read(ctx context.Context, opts Options) (*Document, *Evidence, error) {
	if opts.Key == nil {
		return nil, nil, errors.New("passport: Options.Key is required (a BACKey from the MRZ, or a CAN)")
	}
	if err := opts.Key.valid(); err != nil {
		return nil, nil, err
	}
	rnd := opts.Rand
	if rnd == nil {
		rnd = rand.Reader
	}
	now := time.Now
	if opts.Now != nil {
		now = opts.Now
	}
	s := newSession(r.t, &sessionOptions{Rand: rnd, MaxFileSize: opts.MaxFileSize, ReadChunk: opts.ReadChunk})
	ev := &Evidence{}
	doc := &Document{DataGroups: map[int][]byte{}}

	pace, err := r.open(ctx, s, opts, now, doc, ev)
	if err != nil {
		return nil, ev, err
	}
	if err := r.readFiles(ctx, s, opts, doc, ev); err != nil {
		return doc, ev, err
	}
	r.parse(doc, opts, ev)
	r.chipAuthentication(ctx, s, opts, doc, pace, ev)
	r.activeAuthentication(ctx, s, opts, doc, rnd, ev)
	ev.SecureMessaging = s.SecureMessaging()

	res, err := VerifyPassiveWith(doc.RawSOD, doc.DataGroups, PassiveOptions{Trust: opts.Trust, At: now(), Signer: opts.Signer})
	ev.Passive = res
	detail := fmt.Sprintf("%d data groups", len(doc.DataGroups))
	if res != nil && res.SignatureAlgorithm != "" {
		detail += ", " + res.SignatureAlgorithm
	}
	if err != nil {
		ev.fail(CheckPassiveAuthentication, detail, err)
	} else {
		ev.pass(CheckPassiveAuthentication, detail)
	}
	return doc, ev, nil
}

// open runs PACE when EF.CardAccess offers a variant this package supports,
// and BAC otherwise (or after PACE failed, with an MRZ key).
func (r *Reader) open(ctx context.Context, s *session, opts Options, now func() time.Time, doc *Document, ev *Evidence) (*paceResult, error) {
	var paceErr error
	if opts.NoPACE {
		ev.skip(CheckPACE, "disabled by Options.NoPACE")
	} else if ca, err := s.ReadCardAccess(ctx); err != nil {
		ev.skip(CheckPACE, fmt.Sprintf("no EF.CardAccess (%v)", err))
	} else if si, err := ParseSecurityInfos(ca); err != nil {
		ev.fail(CheckPACE, "EF.CardAccess", err)
		paceErr = err
	} else if info, ok := supportedPACE(si.PACE); !ok {
		ev.skip(CheckPACE, fmt.Sprintf("none of the %d PACE variants in EF.CardAccess is supported here", len(si.PACE)))
	} else if res, err := s.PACE(ctx, opts.Key, info); err != nil {
		ev.fail(CheckPACE, info.String(), err)
		paceErr = err
	} else {
		// EF.CardSecurity lives in the master file, where PACE left us.
		r.cardSecurity(ctx, s, opts, now, res, doc, ev)
		if err := s.SelectApplication(ctx); err != nil {
			ev.fail(CheckPACE, info.String(), err)
			paceErr = err
		} else {
			ev.pass(CheckPACE, info.String())
			ev.AccessControl, ev.PACE = "PACE", &res.Info
			ev.skip(CheckBAC, "PACE succeeded")
			return res, nil
		}
	}

	key, isMRZ := opts.Key.(BACKey)
	if !isMRZ {
		ev.skip(CheckBAC, "BAC needs the MRZ key, not a CAN")
		return nil, fmt.Errorf("%w: PACE did not open the chip: %w", ErrAccessControl, cmpErr(paceErr, errors.New("the chip offers no usable PACE")))
	}
	// Start BAC from a plain session, whatever a failed PACE left behind.
	s.sm, s.broken = nil, nil
	if err := s.SelectApplication(ctx); err != nil {
		ev.fail(CheckBAC, "", err)
		return nil, fmt.Errorf("%w: %w", ErrAccessControl, err)
	}
	if err := s.BAC(ctx, key); err != nil {
		ev.fail(CheckBAC, "", err)
		return nil, fmt.Errorf("%w: %w", ErrAccessControl, err)
	}
	ev.pass(CheckBAC, "3DES secure messaging")
	ev.AccessControl = "BAC"
	return nil, nil
}

// cardSecurity reads and passively authenticates EF.CardSecurity after
// PACE-CAM, which needs the chip's key from it (ICAO 9303 Part 11
// §4.4.3.5). It runs in the master file, before the application is selected.
func (r *Reader) cardSecurity(ctx context.Context, s *session, opts Options, now func() time.Time, pace *paceResult, doc *Document, ev *Evidence) {
	if pace.caIC == nil {
		ev.skip(CheckCardSecurity, "PACE-CAM did not run")
		return
	}
	raw, err := s.ReadCardSecurity(ctx)
	if err != nil {
		ev.fail(CheckCardSecurity, "reading "+fileCardSecurity, err)
		return
	}
	doc.RawCardSecurity = raw
	cs, res, err := VerifyCardSecurity(raw, PassiveOptions{Trust: opts.Trust, At: now(), Signer: opts.Signer})
	doc.CardSecurity, ev.CardSecurity = cs, res
	detail := fileCardSecurity
	if res.SignatureAlgorithm != "" {
		detail += ", " + res.SignatureAlgorithm
	}
	if err != nil {
		ev.fail(CheckCardSecurity, detail, err)
		return
	}
	ev.pass(CheckCardSecurity, detail)
}

func cmpErr(err, fallback error) error {
	if err != nil {
		return err
	}
	return fallback
}

// readFiles reads EF.SOD, EF.COM and the data groups.
func (r *Reader) readFiles(ctx context.Context, s *session, opts Options, doc *Document, ev *Evidence) error {
	var err error
	if doc.RawSOD, err = s.ReadFile(ctx, efSOD); err != nil {
		ev.fail(CheckReadFiles, "EF.SOD", err)
		return fmt.Errorf("passport: reading EF.SOD: %w", err)
	}
	var listed []int
	if sod, err := ParseSOD(doc.RawSOD); err == nil {
		doc.SOD = sod
		listed = append(listed, sod.DataGroups()...)
	}
	var problems []error
	if doc.RawCOM, err = s.ReadFile(ctx, efCOM); err != nil {
		problems = append(problems, fmt.Errorf("EF.COM: %w", err))
	} else if com, err := ParseCOM(doc.RawCOM); err == nil {
		doc.COM = com
		listed = append(listed, com.DataGroups()...)
	}
	slices.Sort(listed)
	listed = slices.Compact(listed)

	var skipped []string
	for _, dg := range listed {
		if dg < 1 || dg > 16 {
			continue
		}
		if opts.DataGroups != nil && !slices.Contains(opts.DataGroups, dg) {
			continue
		}
		if dg == 3 || dg == 4 {
			skipped = append(skipped, fmt.Sprintf("DG%d needs Extended Access Control", dg))
			continue
		}
		b, err := s.ReadFile(ctx, efDG(dg))
		if err != nil {
			problems = append(problems, fmt.Errorf("DG%d: %w", dg, err))
			if errors.Is(err, sm.ErrSecureMessaging) {
				break // the session is gone; nothing more can be read
			}
			continue
		}
		doc.DataGroups[dg] = b
		ev.DataGroupsRead = append(ev.DataGroupsRead, dg)
	}
	detail := fmt.Sprintf("read DG %v", ev.DataGroupsRead)
	if len(skipped) > 0 {
		detail += "; " + strings.Join(skipped, ", ")
	}
	if len(problems) > 0 {
		ev.fail(CheckReadFiles, detail, errors.Join(problems...))
	} else {
		ev.pass(CheckReadFiles, detail)
	}
	return nil
}

// parse decodes the data groups the package understands.
func (r *Reader) parse(doc *Document, opts Options, ev *Evidence) {
	var problems []error
	try := func(dg int, f func([]byte) error) {
		if b, ok := doc.DataGroups[dg]; ok {
			if err := f(b); err != nil {
				problems = append(problems, fmt.Errorf("DG%d: %w", dg, err))
			}
		}
	}
	try(1, func(b []byte) error {
		dg1, err := ParseDG1(b)
		if err == nil {
			doc.MRZ = dg1.MRZ
		}
		return err
	})
	try(2, func(b []byte) (err error) { doc.DG2, err = ParseDG2(b); return })
	try(11, func(b []byte) (err error) { doc.DG11, err = ParseDG11(b); return })
	try(12, func(b []byte) (err error) { doc.DG12, err = ParseDG12(b); return })
	try(14, func(b []byte) (err error) { doc.DG14, err = ParseDG14(b); return })
	try(15, func(b []byte) (err error) { doc.DG15, err = ParseDG15(b); return })
	try(16, func(b []byte) (err error) { doc.DG16, err = ParseDG16(b); return })
	if len(problems) > 0 {
		ev.fail(CheckParseLDS, "", errors.Join(problems...))
	} else {
		ev.pass(CheckParseLDS, "")
	}

	key, isMRZ := opts.Key.(BACKey)
	switch {
	case doc.MRZ == nil:
		ev.skip(CheckMRZMatchesKey, "DG1 not read")
	case !isMRZ:
		ev.skip(CheckMRZMatchesKey, "the access key is a CAN")
	case doc.MRZ.Key().MRZInformation() != key.MRZInformation():
		ev.fail(CheckMRZMatchesKey, "", fmt.Errorf("DG1 says %s/%s/%s, the key was %s/%s/%s",
			doc.MRZ.DocumentNumber, doc.MRZ.DateOfBirth, doc.MRZ.DateOfExpiry, key.DocumentNumber, key.DateOfBirth, key.DateOfExpiry))
	default:
		ev.pass(CheckMRZMatchesKey, doc.MRZ.DocumentNumber)
	}
}

// chipAuthentication checks PACE-CAM when it ran — against the chip's key
// in EF.CardSecurity, where ICAO 9303 Part 11 puts it, if that file passed
// Passive Authentication, else against the DG14 key — and runs Chip
// Authentication with the DG14 key when PACE-CAM did not run or did not
// authenticate the chip.
func (r *Reader) chipAuthentication(ctx context.Context, s *session, opts Options, doc *Document, pace *paceResult, ev *Evidence) {
	camFailed := false
	if pace != nil && pace.caIC != nil {
		if err := r.checkCAM(doc, pace, ev); err != nil {
			ev.fail(CheckPACECAM, pace.Info.String(), err)
			camFailed = true
		} else {
			ev.pass(CheckPACECAM, fmt.Sprintf("%s, key from %s", pace.Info, ev.CAMKeyFile))
			ev.skip(CheckChipAuthentication, "PACE-CAM authenticated the chip")
			return
		}
	} else {
		ev.skip(CheckPACECAM, "PACE-CAM did not run")
	}
	if opts.SkipChipAuthentication {
		ev.skip(CheckChipAuthentication, "disabled by Options.SkipChipAuthentication")
		return
	}
	if doc.DG14 == nil {
		ev.skip(CheckChipAuthentication, "no DG14")
		return
	}
	info, key, ok := pickCA(doc.DG14.SecurityInfos)
	if !ok {
		ev.skip(CheckChipAuthentication, "DG14 offers no Chip Authentication with a usable key")
		return
	}
	detail := fmt.Sprintf("%s with the DG14 key on %s", info, keyDomain(key))
	if camFailed {
		detail += " (after PACE-CAM did not authenticate the chip)"
	}
	if err := s.ChipAuthenticate(ctx, info, key); err != nil {
		ev.fail(CheckChipAuthentication, detail, err)
		return
	}
	ev.pass(CheckChipAuthentication, detail)
}

// checkCAM completes PACE-CAM with the first vouched-for key that matches:
// EF.CardSecurity's, if it passed Passive Authentication, then DG14's (which
// Passive Authentication checks later; ChipGenuine counts the result only
// if it passes). It records where the key came from in ev.CAMKeyFile.
func (r *Reader) checkCAM(doc *Document, pace *paceResult, ev *Evidence) error {
	var tried []string
	if doc.CardSecurity != nil && ev.CardSecurity.OK() {
		for _, k := range doc.CardSecurity.SecurityInfos.keysOnCurve(pace.Curve) {
			if pace.VerifyCAM(k) == nil {
				ev.CAMKeyFile = fileCardSecurity
				return nil
			}
		}
		tried = append(tried, fileCardSecurity)
	} else if doc.CardSecurity != nil {
		tried = append(tried, fileCardSecurity+" (not used: it failed Passive Authentication)")
	}
	if doc.DG14 != nil {
		for _, k := range doc.DG14.SecurityInfos.keysOnCurve(pace.Curve) {
			if pace.VerifyCAM(k) == nil {
				ev.CAMKeyFile = "DG14"
				return nil
			}
		}
		tried = append(tried, "DG14")
	}
	if len(tried) == 0 {
		return fmt.Errorf("%w: no chip authentication key on %s to check PACE-CAM against (neither %s nor DG14 was read)",
			ErrAuthenticationFailed, pace.Curve, fileCardSecurity)
	}
	return fmt.Errorf("%w: no chip authentication key on %s in %s matches the chip's PACE-CAM mapping key",
		ErrAuthenticationFailed, pace.Curve, strings.Join(tried, " or "))
}

// keyDomain names the curve or group of a chip authentication key.
func keyDomain(k ChipAuthenticationPublicKeyInfo) string {
	switch {
	case k.PublicKey != nil:
		return k.PublicKey.Curve.String()
	case k.DHPublicKey != nil:
		return k.DHPublicKey.Group.String()
	}
	return "no usable key"
}

// pickCA pairs a ChipAuthenticationInfo (DH or ECDH, version 1) with a
// usable key of the same kind, matching key identifiers when both carry one.
func pickCA(si *SecurityInfos) (ChipAuthenticationInfo, ChipAuthenticationPublicKeyInfo, bool) {
	for _, info := range si.ChipAuthentication {
		if !hasPrefix(info.Protocol, oidCA, 2) || info.Version != 1 {
			continue
		}
		dh := info.Protocol[9] == 1
		if !dh && info.Protocol[9] != 2 {
			continue
		}
		for _, k := range si.ChipAuthenticationPublicKeys {
			if (dh && k.DHPublicKey == nil) || (!dh && k.PublicKey == nil) {
				continue
			}
			if !info.HasKeyID || !k.HasKeyID || info.KeyID == k.KeyID {
				return info, k, true
			}
		}
	}
	return ChipAuthenticationInfo{}, ChipAuthenticationPublicKeyInfo{}, false
}

// activeAuthentication challenges the chip to sign with the DG15 key.
func (r *Reader) activeAuthentication(ctx context.Context, s *session, opts Options, doc *Document, rnd io.Reader, ev *Evidence) {
	switch {
	case opts.SkipActiveAuthentication:
		ev.skip(CheckActiveAuthentication, "disabled by Options.SkipActiveAuthentication")
		return
	case doc.DG15 == nil:
		ev.skip(CheckActiveAuthentication, "no DG15")
		return
	}
	challenge := make([]byte, MinChallengeLength)
	if _, err := io.ReadFull(rnd, challenge); err != nil {
		ev.fail(CheckActiveAuthentication, "", err)
		return
	}
	// Without an ActiveAuthenticationInfo the hash is zero: RSA names its
	// own, and ECDSA falls back to the curve-size default.
	hash, err := doc.DG14.ActiveAuthenticationHash()
	if err != nil {
		ev.fail(CheckActiveAuthentication, "DG14 ActiveAuthenticationInfo", err)
		return
	}
	sig, err := s.InternalAuthenticate(ctx, challenge)
	if err != nil {
		ev.fail(CheckActiveAuthentication, "INTERNAL AUTHENTICATE", err)
		return
	}
	res, err := VerifyActive(doc.DG15.PublicKey, challenge, sig, hash)
	if err != nil {
		ev.fail(CheckActiveAuthentication, doc.DG15.PublicKey.String(), err)
		return
	}
	ev.Active = res
	ev.pass(CheckActiveAuthentication, res.Algorithm)
}
