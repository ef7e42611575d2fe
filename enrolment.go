package mitid

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/go-mitid/mitid/passport"
)

// Enrolment by passport (mitid.dk: Questions and answers about MitID; mitid.dk): the app scans the data page's
// MRZ, reads the chip over NFC, and compares a face scan with the photo on
// the chip. A holder with a CPR number gets a MitID; one without gets a
// MitID and a P-code. Either way the first authenticator is activated with a
// 30-minute activation code.

// FaceMatcher compares a live face scan with the photo read from the chip.
// Face recognition is not this library's: plug in the vendor's matcher (or,
// in tests, a fixed answer). The contract: Match is true only when the two
// show the same person with the confidence the integrator's rules demand.
type FaceMatcher interface {
	MatchFace(ctx context.Context, chipPhoto passport.FaceImage, liveScan []byte) (FaceMatch, error)
}

// FaceMatcherFunc adapts a function to the FaceMatcher interface.
type FaceMatcherFunc func(ctx context.Context, chipPhoto passport.FaceImage, liveScan []byte) (FaceMatch, error)

// MatchFace calls f.
func (f FaceMatcherFunc) MatchFace(ctx context.Context, p passport.FaceImage, live []byte) (FaceMatch, error) {
	return f(ctx, p, live)
}

// FaceMatch is a face matcher's verdict.
type FaceMatch struct {
	Match bool
	// Score and Method are recorded in the enrolment event for the audit.
	Score  float64
	Method string
}

// PassportEnrolment is what the app gathered.
type PassportEnrolment struct {
	// MRZ is the machine readable zone as scanned off the data page.
	MRZ string
	// Chip is the NFC connection to the document's chip.
	Chip passport.Transceiver
	// Trust holds the CSCA certificates (from the ICAO master list) that
	// Passive Authentication accepts.
	Trust *passport.TrustStore
	// LiveFace is the face scan, and Faces the matcher to compare it with.
	LiveFace []byte
	Faces    FaceMatcher
	// UserID is the user ID the person chooses.
	UserID string
	// CPR is the person's CPR number, if they have one. The Service's
	// CPRRegister must confirm it belongs to the passport's holder (the
	// birth date, and the passport number or the name). Empty for a holder
	// without a CPR number, who gets a P-code.
	CPR      string
	Phone    string
	Email    string
	Channels []Channel
	Language Language
}

// PassportEnrolled is the outcome of an enrolment by passport.
type PassportEnrolled struct {
	User   *User
	Events []Event
	// Evidence is the chip read's evidence, every check with its outcome.
	Evidence *passport.Evidence
	// ActivationCode activates the first authenticator; valid
	// Policy.AppActivationCodeValidity (30 minutes). Shown once.
	ActivationCode string
	// PCode is set for a holder without a CPR number; valid 60 days.
	PCode string
}

// EnrolByPassport reads and verifies the document's chip, checks the face,
// and creates the MitID at identity level Substantial, in the name the chip
// holds. It refuses — with an error naming the check — a chip whose data is
// not signed by a trusted issuer (Passive Authentication), a chip that
// cannot prove it is the original (Chip or Active Authentication), a chip
// whose MRZ differs from the page, an expired document, a face that does
// not match, a CPR number the CPR register does not tie to the passport's
// holder, and a holder without a CPR number whose passport the register
// ties to one (they enrol with it).
func (s *Service) EnrolByPassport(ctx context.Context, e PassportEnrolment) (*PassportEnrolled, error) {
	if e.Chip == nil || e.Trust == nil || e.Faces == nil {
		return nil, errorf(CodeConfigInvalid, "an enrolment by passport needs the chip connection, the CSCA trust store and a face matcher")
	}
	mrz, err := passport.ParseMRZ(e.MRZ)
	if err != nil {
		return nil, NewError(CodeProofingFailed, err, "the machine readable zone could not be read; scan the data page again")
	}
	now := s.clock.Now()
	doc, ev, err := passport.NewReader(e.Chip).Read(ctx, passport.Options{
		Key: mrz.Key(), Trust: e.Trust, Now: func() time.Time { return now }, Rand: s.rand,
	})
	if err != nil {
		return nil, NewError(CodeProofingFailed, err, "the passport's chip could not be read; hold the phone still on the passport and try again")
	}
	out := &PassportEnrolled{Evidence: ev}
	switch {
	case !ev.Authentic():
		return out, proofing(ev, passport.CheckPassiveAuthentication, "the chip's data is not signed by a trusted issuer, or was altered")
	case !ev.ChipGenuine():
		return out, proofing(ev, passport.CheckChipAuthentication, "the chip could not prove it is the passport's own chip")
	case !ev.Passed(passport.CheckMRZMatchesKey):
		return out, proofing(ev, passport.CheckMRZMatchesKey, "the chip's data does not match the scanned page")
	case doc.DG2 == nil || len(doc.DG2.Faces) == 0:
		return out, errorf(CodeProofingFailed, "the chip holds no face image to compare with")
	}
	birth, expiry, err := mrzDates(doc.MRZ, now)
	if err != nil {
		return out, NewError(CodeProofingFailed, err, "the passport's dates cannot be read")
	}
	if !now.Before(expiry.AddDate(0, 0, 1)) {
		return out, errorf(CodeProofingFailed, "the document expired on %s; use a valid passport or ID card", expiry.Format("2 January 2006"))
	}
	match, err := e.Faces.MatchFace(ctx, doc.DG2.Faces[0], e.LiveFace)
	if err != nil {
		return out, NewError(CodeProofingFailed, err, "the face scan could not be compared; try again in good light")
	}
	if !match.Match {
		return out, errorf(CodeProofingFailed, "the face scan does not match the photo in the passport")
	}

	n := UserRequest{UserID: e.UserID, CPR: e.CPR, Phone: e.Phone, Email: e.Email, Channels: e.Channels,
		Language: e.Language, IAL: LevelSubstantial,
		Name: strings.TrimSpace(doc.MRZ.SecondaryIdentifier + " " + doc.MRZ.PrimaryIdentifier)}
	if err := s.checkCPRHolder(ctx, e.CPR, doc.MRZ, birth); err != nil {
		return out, err
	}
	if e.CPR == "" {
		n.Document = &IdentityDocument{Country: doc.MRZ.IssuingState, Number: doc.MRZ.DocumentNumber, Expires: expiry,
			Nationality: doc.MRZ.Nationality, Holder: mrzName(doc.MRZ.PrimaryIdentifier + " " + doc.MRZ.SecondaryIdentifier)}
		n.BirthDate = birth
	}
	// One commit: the user, the proof, the P-code and the activation code,
	// or nothing.
	u, events, err := s.buildUser(ctx, n, now)
	if err != nil {
		return out, err
	}
	more := []Event{{Type: EventIdentityProofed, Reason: "passport", Detail: map[string]string{
		"document": doc.MRZ.DocumentCode + " " + doc.MRZ.IssuingState, "access_control": ev.AccessControl,
		"chip": chipProof(ev), "face_match": fmt.Sprintf("%s %.3f", match.Method, match.Score),
	}}}
	issue := func(purpose CodePurpose) (string, error) {
		ttl, err := s.policy.validity(purpose, CodeByAppScan)
		if err != nil {
			return "", err
		}
		code, err := s.newCode(purpose)
		if err != nil {
			return "", err
		}
		id, err := s.newID()
		if err != nil {
			return "", err
		}
		ev, err := s.addCode(u, id, code, purpose, CodeByAppScan, ttl, now, false)
		more = append(more, ev)
		return code, err
	}
	if e.CPR == "" {
		if out.PCode, err = issue(PurposePCode); err != nil {
			return out, err
		}
	}
	if out.ActivationCode, err = issue(PurposeActivation); err != nil {
		return out, err
	}
	if err := s.stamp(ctx, u, more, now); err != nil {
		return out, err
	}
	events = append(events, more...)
	if err := s.store.CreateUser(ctx, u, events); err != nil {
		out.PCode, out.ActivationCode = "", ""
		return out, err
	}
	out.User, out.Events = u, events
	return out, nil
}

// checkCPRHolder asks the CPR register whether cpr belongs to the holder of
// the passport read (birth date, and the passport's number or name); for
// a holder without a CPR number, whether the register ties the passport to
// one.
func (s *Service) checkCPRHolder(ctx context.Context, cprText string, m *passport.MRZ, birth time.Time) error {
	if s.cprRegister == nil {
		if cprText != "" {
			return errorf(CodeConfigInvalid, "enrolment of a CPR holder by passport needs the CPR register (Config.CPRRegister)")
		}
		return nil
	}
	if cprText == "" {
		if _, found, err := s.cprRegister.ByPassport(ctx, m.IssuingState, m.DocumentNumber); err != nil {
			return NewError(CodeStoreUnavailable, err, "the CPR register cannot be asked now; try again shortly")
		} else if found {
			return invalidField(CodeProofingFailed, "cpr", "the CPR register knows this passport's holder: enrol with your CPR number")
		}
		return nil
	}
	cpr, err := ParseCPR(cprText)
	if err != nil {
		return err
	}
	p, err := s.cprRegister.Person(ctx, cpr)
	if errors.Is(err, ErrNotFound) {
		return invalidField(CodeProofingFailed, "cpr", "the CPR register has no person with this CPR number")
	} else if err != nil {
		return NewError(CodeStoreUnavailable, err, "the CPR register cannot be asked now; try again shortly")
	}
	knownPassport := slices.Contains(p.Passports, m.IssuingState+":"+m.DocumentNumber)
	sameName := mrzName(p.Surname) == mrzName(m.PrimaryIdentifier) && mrzName(p.GivenNames) == mrzName(m.SecondaryIdentifier)
	if !cpr.BirthDate().Equal(birth) || !p.BirthDate.Equal(birth) || (!knownPassport && !sameName) {
		return invalidField(CodeProofingFailed, "cpr", "the CPR number does not belong to the passport's holder")
	}
	return nil
}

// proofing builds the error for a failed check of the chip read.
func proofing(ev *passport.Evidence, name passport.CheckName, msg string) error {
	e := errorf(CodeProofingFailed, "%s", msg)
	if c, ok := ev.Check(name); ok && c.Err != nil {
		e.Err = c.Err
	} else if err := ev.Err(); err != nil {
		e.Err = err
	}
	return e
}

// chipProof names the protocol that proved the chip genuine.
func chipProof(ev *passport.Evidence) string {
	for _, n := range []passport.CheckName{passport.CheckChipAuthentication, passport.CheckPACECAM, passport.CheckActiveAuthentication} {
		if ev.Passed(n) {
			return string(n)
		}
	}
	return "none"
}

// mrzDates reads the MRZ's birth and expiry dates. The MRZ has two-digit
// years: a birth year is the latest that is not in the future, an expiry
// year the one within fifty years of now.
func mrzDates(m *passport.MRZ, now time.Time) (birth, expiry time.Time, err error) {
	parse := func(s string) (int, time.Month, int, error) {
		if len(s) != 6 || strings.Trim(s, "0123456789") != "" {
			return 0, 0, 0, errors.New("the date " + s + " is not YYMMDD")
		}
		y := int(s[0]-'0')*10 + int(s[1]-'0')
		mo := time.Month(int(s[2]-'0')*10 + int(s[3]-'0'))
		d := int(s[4]-'0')*10 + int(s[5]-'0')
		return y, mo, d, nil
	}
	valid := func(y int, mo time.Month, d int) (time.Time, error) {
		t := time.Date(y, mo, d, 0, 0, 0, 0, time.UTC)
		if t.Day() != d || t.Month() != mo {
			return time.Time{}, fmt.Errorf("%04d-%02d-%02d is not a date", y, mo, d)
		}
		return t, nil
	}
	y, mo, d, err := parse(m.DateOfBirth)
	if err != nil {
		return birth, expiry, err
	}
	century := now.Year() / 100 * 100
	by := century + y
	if time.Date(by, mo, d, 0, 0, 0, 0, time.UTC).After(now) {
		by -= 100
	}
	if birth, err = valid(by, mo, d); err != nil {
		return birth, expiry, err
	}
	if y, mo, d, err = parse(m.DateOfExpiry); err != nil {
		return birth, expiry, err
	}
	ey := century + y
	if ey < now.Year()-50 {
		ey += 100
	} else if ey > now.Year()+50 {
		ey -= 100
	}
	expiry, err = valid(ey, mo, d)
	return birth, expiry, err
}
