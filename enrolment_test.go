package mitid_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/go-mitid/mitid"
	"github.com/go-mitid/mitid/mitidtest/fake"
	"github.com/go-mitid/mitid/passport"
	"github.com/go-mitid/mitid/passport/passporttest"
)

// td3 writes a passport MRZ (two lines of 44) with its check digits.
func td3(t testing.TB, state, number, dob, sex, doe, surname, given string) string {
	t.Helper()
	cd := func(s string) string {
		d, err := passport.CheckDigit(s)
		require.NoError(t, err)
		return string(rune(d))
	}
	pad := func(s string, n int) string { return (s + strings.Repeat("<", n))[:n] }
	line1 := pad("P<"+state+surname+"<<"+strings.ReplaceAll(given, " ", "<"), 44)
	num := pad(number, 9)
	personal := pad("", 14)
	line2 := num + cd(num) + state + dob + cd(dob) + sex + doe + cd(doe) + personal + cd(personal)
	line2 += cd(num + cd(num) + dob + cd(dob) + doe + cd(doe) + personal + cd(personal))
	return line1 + line2
}

// passportChip makes a synthetic document and the virtual chip that holds it.
func passportChip(t testing.TB, mrz string, change func(o *passporttest.DocumentOptions)) (*passporttest.Document, *passporttest.Chip) {
	t.Helper()
	opts := passporttest.DocumentOptions{Rand: seeded(500), Now: tNow.AddDate(-1, 0, 0), MRZ: mrz, AAKeyType: passporttest.AAECDSAP256}
	if change != nil {
		change(&opts)
	}
	doc, err := passporttest.NewDocument(opts)
	require.NoError(t, err)
	chip, err := passporttest.NewChip(doc.ChipConfig(seeded(501)))
	require.NoError(t, err)
	return doc, chip
}

// sameFace is a face matcher that matches when the scan is the chip's photo.
var sameFace = mitid.FaceMatcherFunc(func(_ context.Context, p passport.FaceImage, live []byte) (mitid.FaceMatch, error) {
	return mitid.FaceMatch{Match: string(p.Image) == string(live), Score: 0.99, Method: "test"}, nil
})

// registerEnv is an env whose Service asks a CPR register holding Anna
// Hansen, born 1 January 1990, CPR 010190-4321.
func registerEnv(t *testing.T) *env {
	t.Helper()
	keys, err := mitid.NewRandomKeyRing(seeded(1))
	require.NoError(t, err)
	st := checkedStore(t)
	clock := fake.NewClock(tNow)
	reg := mitid.CPRRecords{"0101904321": {Surname: "Hansen", GivenNames: "Anna", BirthDate: date(1990, 1, 1)}}
	svc, err := mitid.New(mitid.Config{Store: st, Keys: keys, Clock: clock, Rand: seeded(2), CPRRegister: reg})
	require.NoError(t, err)
	return &env{svc: svc, store: st, clock: clock, ctx: context.Background()}
}

func TestEnrolByPassport_DanishHolderWithCPR(t *testing.T) {
	e := registerEnv(t)
	mrz := td3(t, "DNK", "AB1234567", "900101", "F", "300101", "HANSEN", "ANNA")
	doc, chip := passportChip(t, mrz, nil)
	got, err := e.svc.EnrolByPassport(e.ctx, mitid.PassportEnrolment{
		MRZ: mrz, Chip: chip, Trust: doc.Trust, LiveFace: doc.FaceImage, Faces: sameFace,
		UserID: "Anna-pas", CPR: "010190-4321", Phone: "12345678", Channels: []mitid.Channel{mitid.ChannelSMS},
	})
	require.NoError(t, err, "%v", got)
	require.NotNil(t, got.User)
	assert.Equal(t, mitid.LevelSubstantial, got.User.IAL)
	assert.Equal(t, "anna-pas", got.User.UserID)
	assert.Equal(t, "ANNA HANSEN", got.User.Name)
	assert.Empty(t, got.PCode, "a CPR holder gets no P-code")
	assert.Regexp(t, `^[A-Z2-9]{4}-[A-Z2-9]{4}$`, got.ActivationCode)
	assert.True(t, got.Evidence.Authentic())
	assert.True(t, got.Evidence.ChipGenuine())

	var types []mitid.EventType
	for _, ev := range got.Events {
		types = append(types, ev.Type)
		if ev.Type == mitid.EventIdentityProofed {
			assert.Equal(t, "PACE", ev.Detail["access_control"])
			assert.NotEqual(t, "none", ev.Detail["chip"])
		}
		if ev.Type == mitid.EventCodeIssued {
			assert.Equal(t, tNow.Add(30*time.Minute), ev.Until, "the activation code from the passport scan lives 30 minutes")
		}
	}
	assert.Equal(t, []mitid.EventType{mitid.EventUserCreated, mitid.EventIdentityProofed, mitid.EventCodeIssued}, types)
	log, err := e.svc.ActivityLog(e.ctx, got.User.ID, mitid.EventFilter{})
	require.NoError(t, err)
	assert.Len(t, log, 3, "all in one commit")

	// The code activates her first authenticator.
	dev, sim := e.codeDevice(t, got.User.ID, mitid.KindCodeDisplay, mitid.StatePendingActivation)
	_, _, err = e.svc.ActivateWithCode(e.ctx, "anna-pas", dev, proofOf(t, sim, got.ActivationCode))
	require.NoError(t, err)
}

func TestEnrolByPassport_HolderWithoutCPRGetsAPCode(t *testing.T) {
	e := registerEnv(t)
	mrz := td3(t, "DEU", "C01X00T47", "850601", "M", "310101", "MUSTERMANN", "ERIK")
	doc, chip := passportChip(t, mrz, nil)
	got, err := e.svc.EnrolByPassport(e.ctx, mitid.PassportEnrolment{
		MRZ: mrz, Chip: chip, Trust: doc.Trust, LiveFace: doc.FaceImage, Faces: sameFace, UserID: "erik-m",
		Email: "erik@example.dk",
	})
	require.NoError(t, err)
	assert.True(t, got.User.CPR.IsZero())
	require.NotNil(t, got.User.Document)
	d := *got.User.Document
	require.NotNil(t, d.NumberAtRest, "the number is stored sealed and hashed")
	d.NumberAtRest = nil
	assert.Equal(t, mitid.IdentityDocument{Country: "DEU", Number: "C01X00T47", Expires: date(2031, 1, 1), Nationality: "DEU", Holder: "MUSTERMANN ERIK"}, d)
	assert.Equal(t, date(1985, 6, 1), got.User.BirthDate)
	assert.Regexp(t, `^\d{8}$`, got.PCode)
	_, _, err = e.svc.RedeemPCode(e.ctx, "erik-m", got.PCode)
	require.NoError(t, err)

	doc2, chip2 := passportChip(t, mrz, nil) // same passport, read again
	_, err = e.svc.EnrolByPassport(e.ctx, mitid.PassportEnrolment{
		MRZ: mrz, Chip: chip2, Trust: doc2.Trust, LiveFace: doc2.FaceImage, Faces: sameFace, UserID: "erik-two",
		Email: "erik@example.dk",
	})
	require.ErrorIs(t, err, mitid.ErrConflict, "one MitID per document")

	renewed := td3(t, "DEU", "C01X00T99", "850601", "M", "360101", "MUSTERMANN", "ERIK")
	doc3, chip3 := passportChip(t, renewed, nil)
	_, err = e.svc.EnrolByPassport(e.ctx, mitid.PassportEnrolment{
		MRZ: renewed, Chip: chip3, Trust: doc3.Trust, LiveFace: doc3.FaceImage, Faces: sameFace, UserID: "erik-renewed",
		Email: "erik@example.dk",
	})
	require.ErrorIs(t, err, mitid.ErrConflict, "a renewed passport does not make a second MitID")
	assert.Equal(t, mitid.CodeDocumentTaken, mitid.ErrorCode(err))
}

// TestEnrolByPassport_CPRMustBelongToTheHolder: the review's attack — a
// passport holder born the same day claims someone else's CPR number.
func TestEnrolByPassport_CPRMustBelongToTheHolder(t *testing.T) {
	e := registerEnv(t)
	erik := td3(t, "SWE", "SE1234567", "900101", "M", "300101", "LARSSON", "ERIK")
	doc, chip := passportChip(t, erik, nil)
	_, err := e.svc.EnrolByPassport(e.ctx, mitid.PassportEnrolment{MRZ: erik, Chip: chip, Trust: doc.Trust, LiveFace: doc.FaceImage,
		Faces: sameFace, UserID: "not-anna", CPR: "010190-4321"})
	require.ErrorIs(t, err, mitid.ErrInvalid)
	assert.Contains(t, err.Error(), "does not belong to the passport's holder")

	plain := newEnv(t) // no CPR register
	anna := td3(t, "DNK", "AB1234567", "900101", "F", "300101", "HANSEN", "ANNA")
	doc, chip = passportChip(t, anna, nil)
	_, err = plain.svc.EnrolByPassport(plain.ctx, mitid.PassportEnrolment{MRZ: anna, Chip: chip, Trust: doc.Trust, LiveFace: doc.FaceImage,
		Faces: sameFace, UserID: "anna-pas", CPR: "010190-4321"})
	require.Error(t, err, "without the register nobody can tell whose CPR number it is")
	assert.Contains(t, err.Error(), "CPR register")

	// A register that knows Anna's passport.
	keys, err := mitid.NewRandomKeyRing(seeded(1))
	require.NoError(t, err)
	reg := mitid.CPRRecords{"0101904321": {Surname: "Hansen", GivenNames: "Anna", BirthDate: date(1990, 1, 1), Passports: []string{"DNK:AB1234567"}}}
	svc, err := mitid.New(mitid.Config{Store: checkedStore(t), Keys: keys, Clock: fake.NewClock(tNow), Rand: seeded(3), CPRRegister: reg})
	require.NoError(t, err)
	doc, chip = passportChip(t, anna, nil)
	_, err = svc.EnrolByPassport(context.Background(), mitid.PassportEnrolment{MRZ: anna, Chip: chip, Trust: doc.Trust, LiveFace: doc.FaceImage,
		Faces: sameFace, UserID: "anna-no-cpr"})
	require.Error(t, err, "a CPR holder cannot enrol as one without")
	assert.Contains(t, err.Error(), "enrol with your CPR number")
}

// TestEnrolByPassport_Refusals: every failed check refuses the enrolment,
// says why, and stores nothing.
func TestEnrolByPassport_Refusals(t *testing.T) {
	mrz := td3(t, "DNK", "AB1234567", "900101", "F", "300101", "HANSEN", "ANNA")
	tests := []struct {
		rule   string
		mrz    string
		change func(o *passporttest.DocumentOptions)
		enrol  func(p *mitid.PassportEnrolment, doc *passporttest.Document)
		cause  error
		says   string
	}{
		{rule: "a changed data group fails Passive Authentication", change: func(o *passporttest.DocumentOptions) { o.ChangeDataGroup = 2 },
			cause: passport.ErrDataGroupHashMismatch, says: "not signed by a trusted issuer"},
		{rule: "an unknown issuer fails Passive Authentication", change: func(o *passporttest.DocumentOptions) { o.WrongCSCA = true },
			cause: passport.ErrUntrustedSigner, says: "trusted issuer"},
		{rule: "an expired document signer fails Passive Authentication", change: func(o *passporttest.DocumentOptions) { o.ExpiredDSC = true },
			cause: passport.ErrCertificateExpired, says: "trusted issuer"},
		{rule: "a chip that cannot prove itself genuine", change: func(o *passporttest.DocumentOptions) {
			o.AAKeyType, o.NoChipAuthentication = passporttest.AANone, true
		}, says: "passport's own chip"},
		{rule: "a face that does not match", enrol: func(p *mitid.PassportEnrolment, _ *passporttest.Document) { p.LiveFace = []byte("someone else") },
			says: "does not match the photo"},
		{rule: "an expired passport", mrz: td3(t, "DNK", "AB1234567", "900101", "F", "251120", "HANSEN", "ANNA"),
			says: "expired"},
		{rule: "a CPR number with another birth date", enrol: func(p *mitid.PassportEnrolment, _ *passporttest.Document) { p.CPR = "020190-4321" },
			says: "no person with this CPR number"},
		{rule: "a scanned page that is not the chip's", enrol: func(p *mitid.PassportEnrolment, _ *passporttest.Document) {
			p.MRZ = td3(t, "DNK", "AB1234568", "900101", "F", "300101", "HANSEN", "ANNA")
		}, says: "chip could not be read"},
		{rule: "a 12-year-old", mrz: td3(t, "DNK", "AB1234567", "140101", "F", "300101", "HANSEN", "ANNA"),
			enrol: func(p *mitid.PassportEnrolment, _ *passporttest.Document) { p.CPR = "" }, says: "from the age of 13"},
	}
	for _, tc := range tests {
		t.Run(tc.rule, func(t *testing.T) {
			e := registerEnv(t)
			m := mrz
			if tc.mrz != "" {
				m = tc.mrz
			}
			doc, chip := passportChip(t, m, tc.change)
			p := mitid.PassportEnrolment{MRZ: m, Chip: chip, Trust: doc.Trust, LiveFace: doc.FaceImage, Faces: sameFace,
				UserID: "anna-pas", CPR: "010190-4321"}
			if tc.enrol != nil {
				tc.enrol(&p, doc)
			}
			got, err := e.svc.EnrolByPassport(e.ctx, p)
			require.Error(t, err)
			assert.Contains(t, err.Error(), tc.says)
			if tc.cause != nil {
				assert.ErrorIs(t, err, tc.cause, "the cause is kept for the audit")
			}
			if got != nil {
				assert.Nil(t, got.User)
				assert.Empty(t, got.ActivationCode, "no code for a refused enrolment")
			}
			_, err = e.svc.UserByUserID(e.ctx, "anna-pas")
			require.ErrorIs(t, err, mitid.ErrNotFound, "nothing stored")
		})
	}
}
