package mitid_test

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/go-mitid/mitid"
	"github.com/go-mitid/mitid/app/apptest"
)

// withApp enrols a person with the given CPR number and an active app
// (activated by code at the current time).
func (e *orderEnv) withApp(t *testing.T, userID, cpr string) *holder {
	t.Helper()
	u, _, err := e.svc.CreateUser(e.ctx, mitid.UserRequest{UserID: userID, CPR: cpr, IAL: mitid.LevelSubstantial, Phone: "+4512345678",
		Channels: []mitid.Channel{mitid.ChannelSMS}})
	require.NoError(t, err)
	sim, err := apptest.NewSimulator(seeded(seq(t)+3_000_000), "123456")
	require.NoError(t, err)
	_, evs, err := e.svc.AddApp(e.ctx, u.ID, "phone", sim.PublicKey())
	require.NoError(t, err)
	pin, _, _, err := e.svc.IssueCode(e.ctx, u.ID, mitid.PurposeTemporaryPIN, mitid.CodeBySMS)
	require.NoError(t, err)
	_, _, err = e.svc.ActivateWithCode(e.ctx, u.UserID, evs[0].Authenticator, mitid.ActivationCodes{Code: e.paperCode(t, u.ID), TemporaryPIN: pin})
	require.NoError(t, err)
	h := &holder{app: sim, appID: evs[0].Authenticator}
	h.user, err = e.svc.User(e.ctx, u.ID)
	require.NoError(t, err)
	return h
}

// witnessLogin is the witness's own login, showing the visit's text.
func (e *orderEnv) witnessLogin(t *testing.T, w *holder, text string) string {
	t.Helper()
	l, err := e.svc.BeginLogin(e.ctx, mitid.LoginRequest{UserID: w.user.UserID, Action: mitid.ActionConfirm, Text: text, Level: mitid.LevelSubstantial, RelyingParty: "Borgerservice"})
	require.NoError(t, err)
	return e.complete(t, w, l).ID
}

var passportDK = mitid.PictureID{Kind: mitid.IDPassport, Number: "212345678", Issuer: "DNK", Expires: time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)}

func TestProofing_ControlQuestionsThenProcess2(t *testing.T) {
	e := newOrderEnv(t, checkedStore(t))
	h := e.enrol(t, "spørgsmål", mitid.LevelSubstantial, mitid.KindCodeDisplay)
	e.register(h, "123456789")

	expired := passportDK
	expired.Expires = e.clock.Now().AddDate(0, 0, -1)
	_, err := e.svc.StartProofing(e.ctx, "Operator Olsen", h.user.CPR.Digits(), expired)
	assert.Equal(t, mitid.CodePictureIDExpired, mitid.ErrorCode(err))

	p, err := e.svc.StartProofing(e.ctx, "Operator Olsen", h.user.CPR.Digits(), passportDK)
	require.NoError(t, err)
	require.Len(t, p.Questions, 3)
	assert.Equal(t, 3, p.AttemptsLeft)
	_, err = e.svc.CompleteProofing(e.ctx, p.ID, mitid.ProofingOutcome{})
	assert.Equal(t, mitid.CodeProofingFailed, mitid.ErrorCode(err), "nothing is handed out before the identity is proven")

	p, err = e.svc.StartProofing(e.ctx, "Operator Olsen", h.user.CPR.Digits(), passportDK)
	require.NoError(t, err)
	p, err = e.svc.AnswerControlQuestions(e.ctx, p.ID, []string{"8000", "Aarhus", "Bent"})
	assert.Equal(t, mitid.CodeWrongAnswers, mitid.ErrorCode(err))
	assert.Equal(t, 2, p.AttemptsLeft)
	p, err = e.svc.AnswerControlQuestions(e.ctx, p.ID, []string{" 8000 ", "aarhus  c", "ANNA"})
	require.NoError(t, err, "case and spaces do not matter")
	assert.Equal(t, mitid.ProvenByQuestions, p.Proven)

	_, err = e.svc.CompleteProofing(e.ctx, p.ID, mitid.ProofingOutcome{Block: []uuid.UUID{uuid.New()}, Reason: "a mistyped device"})
	assert.Equal(t, mitid.CodeAuthenticatorNotFound, mitid.ErrorCode(err), "refused, and the proven visit is not used up")
	res, err := e.svc.CompleteProofing(e.ctx, p.ID, mitid.ProofingOutcome{Block: []uuid.UUID{h.codeID}, Reason: "display broken"})
	require.NoError(t, err)
	assert.Equal(t, mitid.LevelHigh, res.User.IAL, "in-person proofing against a picture ID allows High")
	a, err := res.User.Authenticator(h.codeID)
	require.NoError(t, err)
	assert.Equal(t, mitid.StateBlocked, a.State)
	assert.Regexp(t, `^[A-Z2-9]{4}-[A-Z2-9]{4}$`, res.ActivationCode)
	_, err = e.svc.CompleteProofing(e.ctx, p.ID, mitid.ProofingOutcome{})
	assert.ErrorIs(t, err, mitid.ErrReplay, "a visit hands out one code")

	// Every step is in the log with the operator as actor.
	log, err := e.svc.ActivityLog(e.ctx, h.user.ID, mitid.EventFilter{Since: tNow})
	require.NoError(t, err)
	var desk []mitid.EventType
	for _, ev := range log {
		if ev.Actor == "Operator Olsen" {
			desk = append(desk, ev.Type)
		}
	}
	assert.Equal(t, []mitid.EventType{mitid.EventProofingStarted, mitid.EventProofingStarted, mitid.EventProofingAnswers, mitid.EventProofingAnswers,
		mitid.EventIdentityProofed, mitid.EventAuthenticatorState, mitid.EventCodeIssued}, desk)
	// The picture ID is named by kind and issuer; neither its number nor
	// the CPR number is in the log.
	raw, err := json.Marshal(log)
	require.NoError(t, err)
	assert.NotContains(t, string(raw), passportDK.Number)
	assert.NotContains(t, string(raw), h.user.CPR.Digits())
	assert.Contains(t, string(raw), `"picture_id":"passport DNK"`)

	// The paper code activates the replacement device (valid 48 hours).
	id, dev := e.codeDevice(t, h.user.ID, mitid.KindCodeDisplay, mitid.StatePendingActivation)
	e.clock.Advance(48*time.Hour - time.Second)
	_, _, err = e.svc.ActivateWithCode(e.ctx, h.user.UserID, id, proofOf(t, dev, res.ActivationCode))
	require.NoError(t, err)
}

func TestProofing_ControlQuestionAttemptsAreLimited(t *testing.T) {
	e := newOrderEnv(t, checkedStore(t))
	h := e.enrol(t, "forsøg", mitid.LevelSubstantial)
	e.register(h, "123456789")
	p, err := e.svc.StartProofing(e.ctx, "Operator Olsen", h.user.CPR.Digits(), passportDK)
	require.NoError(t, err)
	for i, want := range []mitid.Code{mitid.CodeWrongAnswers, mitid.CodeWrongAnswers, mitid.CodeProofingLimit, mitid.CodeProofingLimit} {
		_, err = e.svc.AnswerControlQuestions(e.ctx, p.ID, []string{"1", "2", "3"})
		assert.Equal(t, want, mitid.ErrorCode(err), "round %d", i+1)
	}
	_, err = e.svc.AnswerControlQuestions(e.ctx, p.ID, []string{"8000", "Aarhus C", "Anna"})
	assert.Equal(t, mitid.CodeProofingLimit, mitid.ErrorCode(err), "right answers come too late")

	// A new visit does not start afresh: for 24 hours there are no
	// questions, only a witness.
	e.clock.Advance(24*time.Hour - time.Second)
	p, err = e.svc.StartProofing(e.ctx, "Operator Hansen", h.user.CPR.Digits(), passportDK)
	require.NoError(t, err)
	assert.Empty(t, p.Questions)
	assert.Contains(t, p.Advice, "too many times")
	e.clock.Advance(time.Second)
	p, err = e.svc.StartProofing(e.ctx, "Operator Hansen", h.user.CPR.Digits(), passportDK)
	require.NoError(t, err)
	assert.Len(t, p.Questions, 3)
	assert.Equal(t, 3, p.AttemptsLeft)
	_, err = e.svc.AnswerControlQuestions(e.ctx, p.ID, []string{"8000", "Aarhus C", "Anna"})
	require.NoError(t, err)
}

func TestProofing_WrongRoundsCountAcrossVisits(t *testing.T) {
	e := newOrderEnv(t, checkedStore(t))
	h := e.enrol(t, "to.besøg", mitid.LevelSubstantial)
	e.register(h, "123456789")
	p, err := e.svc.StartProofing(e.ctx, "Operator Olsen", h.user.CPR.Digits(), passportDK)
	require.NoError(t, err)
	_, err = e.svc.AnswerControlQuestions(e.ctx, p.ID, []string{"1", "2", "3"})
	assert.Equal(t, mitid.CodeWrongAnswers, mitid.ErrorCode(err))
	p, err = e.svc.StartProofing(e.ctx, "Operator Olsen", h.user.CPR.Digits(), passportDK)
	require.NoError(t, err)
	assert.Equal(t, 2, p.AttemptsLeft, "the wrong round of the first visit counts")
}

func TestProofing_TooLittleCPRDataRecommendsAWitness(t *testing.T) {
	e := newOrderEnv(t, checkedStore(t))
	h := e.enrol(t, "ukendt", mitid.LevelSubstantial)
	e.cpr[h.user.CPR.Digits()] = mitid.CPRPerson{Surname: "Hansen"} // no address, no given names
	p, err := e.svc.StartProofing(e.ctx, "Operator Olsen", h.user.CPR.Digits(), passportDK)
	require.NoError(t, err)
	assert.Empty(t, p.Questions)
	assert.Contains(t, p.Advice, "witness")
	_, err = e.svc.AnswerControlQuestions(e.ctx, p.ID, nil)
	assert.Equal(t, mitid.CodeQuestionsUnavailable, mitid.ErrorCode(err))
}

// The witness rules at their edges: 18 years (the day before and on the
// 18th birthday), MitID active more than 30 days (day 30 and day 31), a
// Danish or Greenlandic passport or driving licence, their own login
// naming the act.
func TestProofing_WitnessRules(t *testing.T) {
	e := newOrderEnv(t, checkedStore(t))
	e.clock.Set(time.Date(2026, 10, 1, 12, 0, 0, 0, time.UTC))
	young := e.withApp(t, "ung.vidne", "221108-4111") // 18 on 22 November 2026
	adult := e.withApp(t, "voksen.vidne", "010170-1111")
	person := e.enrol(t, "person", mitid.LevelSubstantial)
	start := func() *mitid.Proofing {
		p, err := e.svc.StartProofing(e.ctx, "Operator Olsen", person.user.CPR.Digits(), passportDK)
		require.NoError(t, err)
		return p
	}
	witnessWith := func(p *mitid.Proofing, w *holder, id mitid.PictureID, text string) error {
		_, err := e.svc.ConfirmWitness(e.ctx, p.ID, mitid.WitnessEvidence{CPR: w.user.CPR.Digits(), PictureID: id, Login: e.witnessLogin(t, w, text)})
		return err
	}
	licence := mitid.PictureID{Kind: mitid.IDDrivingLicence, Number: "30123456", Issuer: "DNK", Expires: time.Date(2035, 1, 1, 0, 0, 0, 0, time.UTC)}

	// Day 30 of the adult's MitID (activated 1 October, 12:00): not yet.
	e.clock.Set(time.Date(2026, 10, 31, 12, 0, 0, 0, time.UTC))
	p := start()
	err := witnessWith(p, adult, licence, p.WitnessText)
	assert.Equal(t, mitid.CodeWitnessRefused, mitid.ErrorCode(err), "active exactly 30 days is not more than 30")
	// Day 31.
	e.clock.Set(time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC))
	p = start()
	require.NoError(t, witnessWith(p, adult, licence, p.WitnessText))

	// The day before the 18th birthday, then on it.
	e.clock.Set(time.Date(2026, 11, 21, 12, 0, 0, 0, time.UTC))
	p = start()
	assert.Equal(t, mitid.CodeWitnessRefused, mitid.ErrorCode(witnessWith(p, young, licence, p.WitnessText)))
	e.clock.Set(time.Date(2026, 11, 22, 0, 0, 0, 0, time.UTC))
	p = start()
	require.NoError(t, witnessWith(p, young, licence, p.WitnessText))

	p = start()
	foreign := licence
	foreign.Issuer = "SWE"
	assert.Equal(t, mitid.CodeWitnessRefused, mitid.ErrorCode(witnessWith(p, adult, foreign, p.WitnessText)), "a Swedish licence does not do")
	card := licence
	card.Kind = mitid.IDNationalIDCard
	assert.Equal(t, mitid.CodeWitnessRefused, mitid.ErrorCode(witnessWith(p, adult, card, p.WitnessText)))
	assert.Equal(t, mitid.CodeIdentificationFailed, mitid.ErrorCode(witnessWith(p, adult, licence, "Log på")), "the login must name this act")
	other := start()
	assert.Equal(t, mitid.CodeIdentificationFailed, mitid.ErrorCode(witnessWith(p, adult, licence, other.WitnessText)), "not another visit's act")
	self, err := e.svc.StartProofing(e.ctx, "Operator Olsen", adult.user.CPR.Digits(), passportDK)
	require.NoError(t, err)
	assert.Equal(t, mitid.CodeWitnessRefused, mitid.ErrorCode(witnessWith(self, adult, licence, self.WitnessText)), "no one witnesses for themselves")
	old := licence
	old.Expires = time.Date(2026, 11, 21, 0, 0, 0, 0, time.UTC)
	assert.Equal(t, mitid.CodePictureIDExpired, mitid.ErrorCode(witnessWith(p, adult, old, p.WitnessText)))

	// The witnessed identity completes like the questions.
	res, err := e.svc.CompleteProofing(e.ctx, start().ID, mitid.ProofingOutcome{})
	assert.Equal(t, mitid.CodeProofingFailed, mitid.ErrorCode(err))
	assert.Nil(t, res)
	log, err := e.svc.ActivityLog(e.ctx, adult.user.ID, mitid.EventFilter{Types: []mitid.EventType{mitid.EventWitnessAct}})
	require.NoError(t, err)
	require.Len(t, log, 1, "the act is in the witness's own log")
	assert.Equal(t, "Operator Olsen", log[0].Actor)
}

// At most 3 acts in any 120 days: the 4th inside the window is refused,
// the first after it is accepted.
func TestProofing_WitnessActsPer120Days(t *testing.T) {
	e := newOrderEnv(t, checkedStore(t))
	t0 := time.Date(2026, 1, 5, 9, 0, 0, 0, time.UTC)
	e.clock.Set(t0.Add(-40 * 24 * time.Hour))
	w := e.withApp(t, "travl.vidne", "010170-2222")
	person := e.enrol(t, "vidnet", mitid.LevelSubstantial)
	act := func(at time.Time) error {
		e.clock.Set(at)
		p, err := e.svc.StartProofing(e.ctx, "Operator Olsen", person.user.CPR.Digits(), passportDK)
		require.NoError(t, err)
		_, err = e.svc.ConfirmWitness(e.ctx, p.ID, mitid.WitnessEvidence{CPR: w.user.CPR.Digits(), PictureID: passportDK, Login: e.witnessLogin(t, w, p.WitnessText)})
		return err
	}
	const d = 24 * time.Hour
	require.NoError(t, act(t0))
	require.NoError(t, act(t0.Add(10*d)))
	require.NoError(t, act(t0.Add(20*d)))
	err := act(t0.Add(120*d - time.Second))
	assert.Equal(t, mitid.CodeWitnessLimit, mitid.ErrorCode(err), "the 4th act inside 120 days")
	assert.ErrorIs(t, err, mitid.ErrLimit)
	var me *mitid.Error
	require.ErrorAs(t, err, &me)
	assert.Equal(t, t0.Add(120*d), me.Until, "says when the witness may act again")
	require.NoError(t, act(t0.Add(120*d)), "the first act after the window")
	assert.Equal(t, mitid.CodeWitnessLimit, mitid.ErrorCode(act(t0.Add(129*d))), "the acts of day 10, 20 and 120 fill the window")
}

// Policy numbers of the desk are read: a policy of 1 act per 10 days.
func TestProofing_WitnessPolicyIsRead(t *testing.T) {
	st := checkedStore(t)
	e := newOrderEnv(t, st)
	p := e.svc.Policy()
	p.WitnessMaxActs, p.WitnessActsWindow, p.WitnessMinAge, p.WitnessMinMitIDAge = 1, 10*24*time.Hour, 40, 24*time.Hour
	svc, err := mitid.New(mitid.Config{Store: st, Keys: mustKeys(t), Clock: e.clock, Rand: seeded(8), Policy: &p, CPRRegister: e.cpr})
	require.NoError(t, err)
	e.clock.Set(time.Date(2026, 11, 1, 9, 0, 0, 0, time.UTC))
	w := e.withApp(t, "politik.vidne", "010170-3333")   // 56 years old
	young := e.withApp(t, "politik.ung", "010190-3333") // 36: under this policy's 40
	person := e.enrol(t, "politik.person", mitid.LevelSubstantial)
	e.clock.Advance(25 * time.Hour)
	confirm := func(w *holder) error {
		pr, err := svc.StartProofing(e.ctx, "Operator Olsen", person.user.CPR.Digits(), passportDK)
		require.NoError(t, err)
		l, err := svc.BeginLogin(e.ctx, mitid.LoginRequest{UserID: w.user.UserID, Action: mitid.ActionConfirm, Text: pr.WitnessText, Level: mitid.LevelSubstantial})
		require.NoError(t, err)
		_, err = svc.ConfirmWitness(e.ctx, pr.ID, mitid.WitnessEvidence{CPR: w.user.CPR.Digits(), PictureID: passportDK, Login: e.complete(t, w, l).ID})
		return err
	}
	require.NoError(t, confirm(w), "a MitID of 25 hours is old enough under this policy")
	assert.Equal(t, mitid.CodeWitnessLimit, mitid.ErrorCode(confirm(w)))
	assert.Equal(t, mitid.CodeWitnessRefused, mitid.ErrorCode(confirm(young)))
}

// TestProofing_AWitnessActRetriedAfterAFaultCountsOnce: when the visit
// cannot be updated after the witness's act was counted, the operator
// tries again (the witness logs in again) and the act counts once.
func TestProofing_AWitnessActRetriedAfterAFaultCountsOnce(t *testing.T) {
	st := &sessionFaultStore{Store: checkedStore(t)}
	e := newOrderEnv(t, st)
	e.clock.Set(time.Date(2026, 10, 1, 12, 0, 0, 0, time.UTC))
	w := e.withApp(t, "retry.vidne", "010170-2222")
	person := e.enrol(t, "retry-person", mitid.LevelSubstantial)
	e.clock.Set(time.Date(2026, 11, 2, 12, 0, 0, 0, time.UTC))
	p, err := e.svc.StartProofing(e.ctx, "Operator Olsen", person.user.CPR.Digits(), passportDK)
	require.NoError(t, err)
	licence := mitid.PictureID{Kind: mitid.IDDrivingLicence, Number: "30123456", Issuer: "DNK", Expires: time.Date(2035, 1, 1, 0, 0, 0, 0, time.UTC)}
	confirm := func(fault bool) error {
		login := e.witnessLogin(t, w, p.WitnessText)
		st.failNext = fault // the visit's update, not the login's
		_, err := e.svc.ConfirmWitness(e.ctx, p.ID, mitid.WitnessEvidence{CPR: w.user.CPR.Digits(), PictureID: licence, Login: login})
		return err
	}
	require.ErrorIs(t, confirm(true), mitid.ErrUnavailable)
	require.NoError(t, confirm(false), "the retry goes through")
	u, err := e.svc.User(e.ctx, w.user.ID)
	require.NoError(t, err)
	assert.Len(t, u.WitnessActs, 1, "one act, counted once")
}

// TestStartProofing_AVisitThatCannotOpenRecordsNoStart: a visit whose
// session the store refuses leaves no proofing.started in the person's
// log, and one whose event the store refuses leaves no visit to go on with.
func TestStartProofing_AVisitThatCannotOpenRecordsNoStart(t *testing.T) {
	st := &sessionFaultStore{Store: checkedStore(t)}
	e := newOrderEnv(t, st)
	person := e.enrol(t, "no-visit", mitid.LevelSubstantial)
	started := func() int {
		log, err := e.svc.ActivityLog(e.ctx, person.user.ID, mitid.EventFilter{Types: []mitid.EventType{mitid.EventProofingStarted}})
		require.NoError(t, err)
		return len(log)
	}
	st.failCreate = true
	_, err := e.svc.StartProofing(e.ctx, "Operator Olsen", person.user.CPR.Digits(), passportDK)
	require.Equal(t, mitid.CodeStoreUnavailable, mitid.ErrorCode(err))
	assert.Zero(t, started(), "no visit opened, none recorded")

	st.failUser = true
	_, err = e.svc.StartProofing(e.ctx, "Operator Olsen", person.user.CPR.Digits(), passportDK)
	require.Equal(t, mitid.CodeStoreUnavailable, mitid.ErrorCode(err))
	assert.Zero(t, started())
	require.Len(t, st.created, 1, "the visit was opened before its event")
	_, err = st.Session(e.ctx, st.created[0], e.clock.Now())
	assert.ErrorIs(t, err, mitid.ErrReplay, "and closed when its event could not be committed")

	_, err = e.svc.StartProofing(e.ctx, "Operator Olsen", person.user.CPR.Digits(), passportDK)
	require.NoError(t, err)
	assert.Equal(t, 1, started())
}

// TestProofingStep_AFaultBetweenTheVisitAndItsEventLeavesNothingHalfDone:
// a desk step changes the visit, then records its event on the person.
// When the event cannot be committed the visit goes back to what it was:
// a wrong round is counted nowhere (the next one leaves two attempts, as
// the person's record says), and right answers or a witness prove nothing
// (CompleteProofing refuses the visit as not proven) until the step is
// made again, when it is recorded once.
func TestProofingStep_AFaultBetweenTheVisitAndItsEventLeavesNothingHalfDone(t *testing.T) {
	right, wrong := []string{"8000", "Aarhus C", "Anna"}, []string{"1", "2", "3"}
	licence := mitid.PictureID{Kind: mitid.IDDrivingLicence, Number: "30123456", Issuer: "DNK", Expires: time.Date(2035, 1, 1, 0, 0, 0, 0, time.UTC)}
	for _, tc := range []struct {
		name string
		// step readies the desk step on visit p (a witness's login) and
		// returns it; recorded is the type of the event it records on the
		// person.
		step     func(t *testing.T, e *orderEnv, w *holder, p *mitid.Proofing) func() (*mitid.Proofing, error)
		recorded mitid.EventType
		proves   bool
	}{
		{"a wrong round", func(_ *testing.T, e *orderEnv, _ *holder, p *mitid.Proofing) func() (*mitid.Proofing, error) {
			return func() (*mitid.Proofing, error) { return e.svc.AnswerControlQuestions(e.ctx, p.ID, wrong) }
		}, mitid.EventProofingAnswers, false},
		{"right answers", func(_ *testing.T, e *orderEnv, _ *holder, p *mitid.Proofing) func() (*mitid.Proofing, error) {
			return func() (*mitid.Proofing, error) { return e.svc.AnswerControlQuestions(e.ctx, p.ID, right) }
		}, mitid.EventProofingAnswers, true},
		{"a witness", func(t *testing.T, e *orderEnv, w *holder, p *mitid.Proofing) func() (*mitid.Proofing, error) {
			login := e.witnessLogin(t, w, p.WitnessText)
			return func() (*mitid.Proofing, error) {
				return e.svc.ConfirmWitness(e.ctx, p.ID, mitid.WitnessEvidence{CPR: w.user.CPR.Digits(), PictureID: licence, Login: login})
			}
		}, mitid.EventWitnessAct, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			st := &sessionFaultStore{Store: checkedStore(t)}
			e := newOrderEnv(t, st)
			e.clock.Set(time.Date(2026, 10, 1, 12, 0, 0, 0, time.UTC))
			w := e.withApp(t, "halv.vidne", "010170-2222")
			person := e.enrol(t, "halv-person", mitid.LevelSubstantial)
			e.register(person, "123456789")
			e.clock.Set(time.Date(2026, 11, 2, 12, 0, 0, 0, time.UTC))
			p, err := e.svc.StartProofing(e.ctx, "Operator Olsen", person.user.CPR.Digits(), passportDK)
			require.NoError(t, err)
			recorded := func() int {
				log, err := e.svc.ActivityLog(e.ctx, person.user.ID, mitid.EventFilter{Types: []mitid.EventType{tc.recorded}})
				require.NoError(t, err)
				return len(log)
			}

			step := tc.step(t, e, w, p)
			st.failUserAfterSession = true // the visit changes, its event fails
			_, err = step()
			require.Equal(t, mitid.CodeStoreUnavailable, mitid.ErrorCode(err))
			assert.Zero(t, recorded(), "no event")
			_, err = e.svc.CompleteProofing(e.ctx, p.ID, mitid.ProofingOutcome{})
			require.Equal(t, mitid.CodeProofingFailed, mitid.ErrorCode(err), "and the visit proves nothing")

			got, err := tc.step(t, e, w, p)()
			if tc.proves {
				require.NoError(t, err, "made again, the step goes through")
				assert.NotEmpty(t, got.Proven)
			} else {
				require.Equal(t, mitid.CodeWrongAnswers, mitid.ErrorCode(err))
				assert.Equal(t, 2, got.AttemptsLeft, "the faulted round counted nowhere")
				u, err := e.svc.User(e.ctx, person.user.ID)
				require.NoError(t, err)
				assert.Len(t, u.QuestionFailures, 1, "the person's record agrees with the visit")
			}
			assert.Equal(t, 1, recorded(), "and is recorded once")
		})
	}
}

// TestProofingStep_AStepMadeMeanwhileStandsWhenAnEarlierOnesEventFails:
// the visit is put back after a failed event only as the failed step left
// it; a step that landed meanwhile, and was recorded, is not undone with
// it (what the failed round counted on the visit then stays: the visit
// errs towards fewer rounds left, never more).
func TestProofingStep_AStepMadeMeanwhileStandsWhenAnEarlierOnesEventFails(t *testing.T) {
	wrong := []string{"1", "2", "3"}
	st := &sessionFaultStore{Store: checkedStore(t)}
	e := newOrderEnv(t, st)
	e.clock.Set(time.Date(2026, 11, 2, 12, 0, 0, 0, time.UTC))
	person := e.enrol(t, "mellem-person", mitid.LevelSubstantial)
	e.register(person, "123456789")
	p, err := e.svc.StartProofing(e.ctx, "Operator Olsen", person.user.CPR.Digits(), passportDK)
	require.NoError(t, err)
	require.Equal(t, 3, p.AttemptsLeft)

	st.failUserAfterSession = true
	st.between = func() {
		got, err := e.svc.AnswerControlQuestions(e.ctx, p.ID, wrong)
		require.Equal(t, mitid.CodeWrongAnswers, mitid.ErrorCode(err), "the step meanwhile")
		require.Equal(t, 1, got.AttemptsLeft)
	}
	_, err = e.svc.AnswerControlQuestions(e.ctx, p.ID, wrong)
	require.Equal(t, mitid.CodeStoreUnavailable, mitid.ErrorCode(err))

	got, err := e.svc.AnswerControlQuestions(e.ctx, p.ID, wrong)
	require.Error(t, err)
	require.NotNil(t, got)
	assert.Zero(t, got.AttemptsLeft, "both rounds stand on the visit: the step meanwhile was not undone")
}

// sessionFaultStore fails the next session update once, when failNext is
// set; the next session's creation once, when failCreate is; the next
// change of a user once, when failUser is, or the first after the next
// session update, when failUserAfterSession is. It remembers the sessions
// it created.
type sessionFaultStore struct {
	mitid.Store
	failNext, failCreate, failUser bool
	failUserAfterSession           bool
	created                        []string
	// between, when set, runs once inside the failing user change, before
	// it fails: another step landing meanwhile.
	between func()
}

func (f *sessionFaultStore) CreateSession(ctx context.Context, s *mitid.Session) error {
	if f.failCreate {
		f.failCreate = false
		return errInjected
	}
	f.created = append(f.created, s.ID)
	return f.Store.CreateSession(ctx, s)
}

func (f *sessionFaultStore) UpdateUser(ctx context.Context, id uuid.UUID, fn func(*mitid.User) ([]mitid.Event, error)) (*mitid.User, error) {
	if f.failUser {
		f.failUser = false
		if b := f.between; b != nil {
			f.between = nil
			b()
		}
		return nil, errInjected
	}
	return f.Store.UpdateUser(ctx, id, fn)
}

func (f *sessionFaultStore) UpdateSession(ctx context.Context, id string, now time.Time, fn func(*mitid.Session) ([]byte, error)) (*mitid.Session, error) {
	if f.failNext {
		f.failNext = false
		return nil, errInjected
	}
	sess, err := f.Store.UpdateSession(ctx, id, now, fn)
	if err == nil && f.failUserAfterSession {
		f.failUserAfterSession, f.failUser = false, true
	}
	return sess, err
}
