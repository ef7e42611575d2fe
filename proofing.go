package mitid

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"
)

// The Citizen Service desk (mitid.dk: "Get MitID in the Citizen Service";
// "Ordering and activating a new MitID authenticator", process 2). An
// operator records the picture ID the person shows, then proves who they
// are by control questions generated from CPR data, or by a witness, and
// finally raises the person's identity level, blocks the defective
// authenticator and hands out a paper activation code. Every step is an
// event in the person's log with the operator as actor; a witness's act is
// also in the witness's own log.

// ControlQuestionSource generates control questions from what the CPR
// register knows about a person. It may know too little about someone:
// then it returns no questions, and the desk recommends a witness.
type ControlQuestionSource interface {
	Questions(ctx context.Context, cpr CPR) ([]ControlQuestion, error)
}

// ControlQuestion is one question and the answer the register gives.
type ControlQuestion struct {
	Text   string
	Answer string
}

// RegisterQuestions generates control questions from a CPRRegister's
// record: the postal code and the town of the official address, and the
// given names. Fewer than Min facts means no questions (Min 2 when zero).
type RegisterQuestions struct {
	Register CPRRegister
	Min      int
}

// Questions returns the questions for cpr, or none.
func (q RegisterQuestions) Questions(ctx context.Context, cpr CPR) ([]ControlQuestion, error) {
	p, err := q.Register.Person(ctx, cpr)
	if errors.Is(err, ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var out []ControlQuestion
	if p.Address.PostalCode != "" {
		out = append(out, ControlQuestion{"What is the postal code of your official address?", p.Address.PostalCode})
	}
	if p.Address.City != "" {
		out = append(out, ControlQuestion{"In which town is your official address?", p.Address.City})
	}
	if p.GivenNames != "" {
		out = append(out, ControlQuestion{"What are your given names, as the CPR register has them?", p.GivenNames})
	}
	least := q.Min
	if least == 0 {
		least = 2
	}
	if len(out) < least {
		return nil, nil
	}
	return out, nil
}

// ProofMethod is how a person's identity was proven at the desk.
type ProofMethod string

// The ways of proving identity at the desk, after the picture ID.
const (
	ProvenByQuestions ProofMethod = "control_questions"
	ProvenByWitness   ProofMethod = "witness"
)

// Proofing is a visit at the desk in progress.
type Proofing struct {
	ID string
	// Reference is the short case number the witness's login text names.
	Reference string
	User      uuid.UUID
	Operator  string
	PictureID PictureID
	// Questions are the control questions to ask, in order; empty when
	// the register knows too little, and then Advice says to use a witness.
	Questions []string
	Advice    string
	// AttemptsLeft is how many more times the questions may be answered.
	AttemptsLeft int
	// WitnessText is the transaction text a witness's login must show.
	WitnessText string
	Proven      ProofMethod
	Witness     uuid.UUID
	ExpiresAt   time.Time
}

// proofingState is a Proofing as its session keeps it.
type proofingState struct {
	User      uuid.UUID   `json:"user"`
	Operator  string      `json:"operator"`
	PictureID PictureID   `json:"picture_id"`
	Questions []string    `json:"questions,omitempty"`
	Answers   []KeyedHash `json:"answers,omitempty"`
	Attempts  int         `json:"attempts,omitempty"`
	Proven    ProofMethod `json:"proven,omitempty"`
	Witness   uuid.UUID   `json:"witness,omitzero"`
}

const proofingKind = "citizen-service-proofing"

// proofingTTL is how long a desk visit stays open.
const proofingTTL = time.Hour

// Event types of the desk.
const (
	EventProofingStarted EventType = "proofing.started"
	EventProofingAnswers EventType = "proofing.control_questions"
	EventWitnessAct      EventType = "proofing.witness"
)

func answerPurpose(id string, i int) string { return "control-answer:" + id + ":" + strconv.Itoa(i) }

// normalizeAnswer folds what a person says for comparison: case, spaces,
// hyphens.
func normalizeAnswer(s string) string {
	return strings.ToLower(strings.Join(strings.Fields(strings.ReplaceAll(s, "-", " ")), " "))
}

// StartProofing opens a desk visit for the person with the given CPR
// number: the operator records the picture ID shown (an expired one is
// refused), and the control questions are generated (none when the
// register knows too little; the advice then says to bring a witness).
// The answers are kept as keyed hashes only.
func (s *Service) StartProofing(ctx context.Context, operator, cprText string, id PictureID) (*Proofing, error) {
	operator = strings.TrimSpace(operator)
	if operator == "" {
		return nil, invalidField(CodeProofingFailed, "operator", "the operator's name is recorded with every step")
	}
	now := s.clock.Now()
	pid, err := s.recordPictureID(id, now)
	if err != nil {
		return nil, err
	}
	cpr, err := ParseCPR(cprText)
	if err != nil {
		return nil, err
	}
	u, err := s.findByCPR(ctx, cpr)
	if err != nil {
		return nil, err
	}
	sid, err := s.sessionID()
	if err != nil {
		return nil, err
	}
	st := proofingState{User: u.ID, Operator: operator, PictureID: pid}
	// Wrong rounds of earlier visits count: a new visit does not start afresh.
	st.Attempts = s.recentQuestionFailures(u, now)
	locked := st.Attempts >= s.policy.ControlQuestionAttempts
	if s.questions != nil && !locked {
		qs, err := s.questions.Questions(ctx, cpr)
		if err != nil {
			return nil, err
		}
		for i, q := range qs {
			st.Questions = append(st.Questions, q.Text)
			st.Answers = append(st.Answers, s.keys.Hash(answerPurpose(sid, i), []byte(normalizeAnswer(q.Answer))))
		}
	}
	data, err := json.Marshal(st)
	if err != nil {
		return nil, err
	}
	sess := &Session{ID: sid, Kind: proofingKind, User: u.ID, Data: data, CreatedAt: now, ExpiresAt: now.Add(proofingTTL)}
	ev := Event{Type: EventProofingStarted, Detail: map[string]string{"picture_id": string(pid.Kind), "issuer": pid.Issuer,
		"questions": strconv.Itoa(len(st.Questions)), "case": reference(sid)}}
	// The visit first, then its event: a visit whose event cannot be
	// committed is closed again and was never shown to anyone, where an
	// event committed first would record a visit that never opened.
	if err := s.store.CreateSession(ctx, sess); err != nil {
		return nil, err
	}
	if _, _, err := s.commit(WithActor(ctx, operator), u.ID, func(*User, time.Time) ([]Event, error) { return []Event{ev}, nil }); err != nil {
		_, _ = s.store.ConsumeSession(context.WithoutCancel(ctx), sid, now)
		return nil, err
	}
	p := s.proofingView(sess, &st)
	if locked {
		p.Advice = "The control questions were answered wrong too many times recently: a witness is needed."
	}
	return p, nil
}

// recentQuestionFailures counts u's wrong rounds of control questions
// within Policy.ControlQuestionLockout before now.
func (s *Service) recentQuestionFailures(u *User, now time.Time) int {
	n := 0
	for _, t := range u.QuestionFailures {
		if now.Sub(t) < s.policy.ControlQuestionLockout {
			n++
		}
	}
	return n
}

func reference(id string) string {
	r := strings.ToUpper(id)
	if len(r) > 8 {
		r = r[:8]
	}
	return r
}

// witnessText is what a witness's login shows: the act, named by its case.
func witnessText(ref string) string {
	return "Jeg bekræfter som vidne en persons identitet i Borgerservice, sag " + ref
}

func (s *Service) proofingView(sess *Session, st *proofingState) *Proofing {
	p := &Proofing{ID: sess.ID, Reference: reference(sess.ID), User: st.User, Operator: st.Operator, PictureID: st.PictureID,
		Questions: st.Questions, Proven: st.Proven, Witness: st.Witness, ExpiresAt: sess.ExpiresAt, WitnessText: witnessText(reference(sess.ID))}
	if len(st.Questions) == 0 {
		p.Advice = "The CPR register holds too little about this person for control questions: a witness is needed."
	} else {
		p.AttemptsLeft = max(0, s.policy.ControlQuestionAttempts-st.Attempts)
	}
	return p
}

// stepRefusal is a desk step's refusal that still commits its state and
// event (a wrong round of answers counts).
type stepRefusal struct{ err error }

func (r stepRefusal) Error() string { return r.err.Error() }

// proofingStep changes a visit's state atomically and records the step's
// event on the person, with the operator as actor. The two are separate
// writes: when the event cannot be committed, the visit is put back as the
// step found it (unless it has changed again since), so that no round of
// answers is counted, and no identity proven, that the person's log does
// not show.
func (s *Service) proofingStep(ctx context.Context, id string, fn func(st *proofingState) (Event, error)) (*Proofing, error) {
	now := s.clock.Now()
	var st proofingState
	var ev Event
	var stepErr error
	var before []byte // the visit as the step found it
	sess, err := s.store.UpdateSession(ctx, id, now, func(sess *Session) ([]byte, error) {
		if sess.Kind != proofingKind {
			return nil, NotFoundSession()
		}
		before = sess.Data
		st = proofingState{}
		if err := json.Unmarshal(sess.Data, &st); err != nil {
			return nil, NotFoundSession()
		}
		ev, stepErr = fn(&st)
		var r stepRefusal
		if stepErr != nil && !errors.As(stepErr, &r) {
			return nil, stepErr
		}
		return json.Marshal(st)
	})
	if err != nil {
		return nil, err
	}
	if ev.Type != "" {
		if _, _, err := s.commit(WithActor(ctx, st.Operator), st.User, func(u *User, now time.Time) ([]Event, error) {
			if ev.Type == EventProofingAnswers && ev.Reason == "wrong" {
				// Counted on the person too, so a new visit does not start afresh.
				kept := u.QuestionFailures[:0:0]
				for _, t := range u.QuestionFailures {
					if now.Sub(t) < s.policy.ControlQuestionLockout {
						kept = append(kept, t)
					}
				}
				kept = append(kept, now)
				u.QuestionFailures = kept
			}
			return []Event{ev}, nil
		}); err != nil {
			// Without its event the step did not happen: a wrong round
			// that the visit counted and the person's record did not would
			// give the next visit a round more, and a proven visit could be
			// completed with no answers or witness in the log to prove it.
			// The version keeps a step made meanwhile, which stands.
			_, _ = s.replaceSession(context.WithoutCancel(ctx), id, sess.Version, now, bytes.Clone(before))
			return nil, err
		}
	}
	if stepErr != nil {
		var r stepRefusal
		errors.As(stepErr, &r)
		return s.proofingView(sess, &st), r.err
	}
	return s.proofingView(sess, &st), nil
}

// AnswerControlQuestions checks the person's answers to all the questions,
// in order (case and spacing do not matter). Policy.ControlQuestionAttempts
// rounds are allowed; after that the visit needs a witness.
func (s *Service) AnswerControlQuestions(ctx context.Context, proofing string, answers []string) (*Proofing, error) {
	return s.proofingStep(ctx, proofing, func(st *proofingState) (Event, error) {
		switch {
		case st.Proven != "":
			return Event{}, errorf(CodeProofingFailed, "this identity is proven already")
		case len(st.Questions) == 0:
			return Event{}, errorf(CodeQuestionsUnavailable, "there are no control questions for this person: a witness is needed")
		case st.Attempts >= s.policy.ControlQuestionAttempts:
			return Event{}, errorf(CodeProofingLimit, "the control questions were answered wrong %d times: a witness is needed", st.Attempts)
		}
		right := len(answers) == len(st.Answers)
		for i := range st.Answers {
			a := ""
			if i < len(answers) {
				a = answers[i]
			}
			// Every answer is checked, right or not: no early exit.
			ok := s.keys.Verify(st.Answers[i], answerPurpose(proofing, i), []byte(normalizeAnswer(a)))
			right = right && ok
		}
		ev := Event{Type: EventProofingAnswers, Detail: map[string]string{"case": reference(proofing)}}
		if right {
			st.Proven = ProvenByQuestions
			ev.Reason = "answered"
			return ev, nil
		}
		st.Attempts++
		ev.Reason = "wrong"
		left := s.policy.ControlQuestionAttempts - st.Attempts
		if left <= 0 {
			return ev, stepRefusal{errorf(CodeProofingLimit, "the answers are not right, and no attempts are left: a witness is needed")}
		}
		return ev, stepRefusal{errorf(CodeWrongAnswers, "the answers are not right; %d attempts left", left)}
	})
}

// WitnessEvidence is what a witness brings: their CPR number, a valid
// Danish or Greenlandic passport or driving licence, and their own MitID,
// with which they log in to confirm (Login: a login of theirs with all
// factors in, whose transaction text is the visit's WitnessText).
type WitnessEvidence struct {
	CPR       string
	PictureID PictureID
	Login     string
}

// ConfirmWitness records a witness for the visit. The witness must be at
// least Policy.WitnessMinAge, have had an active MitID authenticator for
// more than Policy.WitnessMinMitIDAge, show a valid Danish or Greenlandic
// passport or driving licence, confirm with their own MitID (the login's
// text names this visit), and may act at most Policy.WitnessMaxActs times
// in any Policy.WitnessActsWindow: counted atomically on the witness's own
// record, so acts at once at several desks never exceed it.
func (s *Service) ConfirmWitness(ctx context.Context, proofing string, w WitnessEvidence) (*Proofing, error) {
	now := s.clock.Now()
	sess, err := s.store.Session(ctx, proofing, now)
	if err != nil {
		return nil, err
	}
	var st proofingState
	if sess.Kind != proofingKind || json.Unmarshal(sess.Data, &st) != nil {
		return nil, NotFoundSession()
	}
	if st.Proven != "" {
		return nil, errorf(CodeProofingFailed, "this identity is proven already")
	}
	pid, err := s.recordPictureID(w.PictureID, now)
	if err != nil {
		return nil, err
	}
	if !pid.danishOrGreenlandic() {
		return nil, invalidField(CodeWitnessRefused, "picture_id", "a witness shows a Danish or Greenlandic passport or driving licence")
	}
	cpr, err := ParseCPR(w.CPR)
	if err != nil {
		return nil, err
	}
	witness, err := s.findByCPR(ctx, cpr)
	if errors.Is(err, ErrNotFound) {
		return nil, invalidField(CodeWitnessRefused, "cpr", "a witness needs a MitID of their own")
	}
	if err != nil {
		return nil, err
	}
	if witness.ID == st.User {
		return nil, invalidField(CodeWitnessRefused, "cpr", "a person cannot be their own witness")
	}
	if err := s.witnessFit(witness, now); err != nil {
		return nil, err
	}
	ref := reference(proofing)
	if _, err := s.proveLogin(ctx, w.Login, witness.ID, uuid.Nil, witnessText(ref)); err != nil {
		return nil, err
	}
	// The act counts on the witness's record, atomically with its limit.
	_, _, err = s.commit(WithActor(ctx, st.Operator), witness.ID, func(u *User, now time.Time) ([]Event, error) {
		if err := s.witnessFit(u, now); err != nil {
			return nil, err
		}
		kept := u.WitnessActs[:0:0]
		for _, a := range u.WitnessActs {
			if now.Sub(a.At) < s.policy.WitnessActsWindow {
				kept = append(kept, a)
			}
		}
		for _, a := range kept {
			if a.Case == ref {
				// Counted already, by a confirmation whose visit could
				// not be updated: the act is the same act.
				return nil, nil
			}
		}
		if len(kept) >= s.policy.WitnessMaxActs {
			e := errorf(CodeWitnessLimit, "this witness has acted %d times in the last %d days, the most allowed; another witness is needed",
				len(kept), int(s.policy.WitnessActsWindow/day))
			e.Until = kept[0].At.Add(s.policy.WitnessActsWindow)
			return nil, e
		}
		kept = append(kept, WitnessAct{At: now, Case: ref})
		u.WitnessActs = kept
		return []Event{{Type: EventWitnessAct, Reason: "witnessed", Detail: map[string]string{"case": ref, "for": st.User.String()}}}, nil
	})
	if err != nil {
		return nil, err
	}
	return s.proofingStep(ctx, proofing, func(st *proofingState) (Event, error) {
		if st.Proven != "" {
			return Event{}, errorf(CodeProofingFailed, "this identity is proven already")
		}
		st.Proven, st.Witness = ProvenByWitness, witness.ID
		return Event{Type: EventWitnessAct, Reason: "identity confirmed by a witness", Detail: map[string]string{"case": ref, "witness": witness.ID.String(),
			"witness_id": string(pid.Kind) + " " + pid.Issuer}}, nil
	})
}

// WitnessAct is one act of a person as a witness: when, and for which
// Citizen Service case, so that a confirmation retried after a fault counts
// once.
type WitnessAct struct {
	At   time.Time `json:"at"`
	Case string    `json:"case"`
}

// witnessFit checks the witness's age and the age of their MitID.
func (s *Service) witnessFit(w *User, now time.Time) error {
	if err := errIdentifierUnreadable(w); err != nil {
		return err
	}
	if w.CPR.IsZero() {
		return invalidField(CodeWitnessRefused, "cpr", "a witness has a CPR number")
	}
	if w.CPR.AgeAt(now) < s.policy.WitnessMinAge {
		return invalidField(CodeWitnessRefused, "cpr", "a witness is at least %d years old", s.policy.WitnessMinAge)
	}
	if err := w.Usable(now); err != nil {
		return err
	}
	var since time.Time
	for i := range w.Authenticators {
		a := &w.Authenticators[i]
		if a.Kind != KindPassword && a.EffectiveState(now) == StateActive && !a.ActivatedAt.IsZero() && (since.IsZero() || a.ActivatedAt.Before(since)) {
			since = a.ActivatedAt
		}
	}
	if since.IsZero() || now.Sub(since) <= s.policy.WitnessMinMitIDAge {
		e := invalidField(CodeWitnessRefused, "witness", "a witness's MitID must have been active for more than %d days", int(s.policy.WitnessMinMitIDAge/day))
		if !since.IsZero() {
			e.Until = since.Add(s.policy.WitnessMinMitIDAge)
		}
		return e
	}
	return nil
}

// ProofingOutcome is what the desk does once the identity is proven.
type ProofingOutcome struct {
	// Block lists defective authenticators to block.
	Block  []uuid.UUID
	Reason string
}

// ProofingResult is the end of a visit: the person as now stored, and the
// paper activation code handed out (valid Policy.PaperActivationCodeValidity).
type ProofingResult struct {
	User           *User
	ActivationCode string
	Events         []Event
}

// CompleteProofing ends a proven visit in one change: the identity level
// becomes High (the identity was registered in person, against a picture
// ID), the defective authenticators are blocked, and a paper activation
// code is issued, which the operator hands over. The visit is then closed.
func (s *Service) CompleteProofing(ctx context.Context, proofing string, o ProofingOutcome) (*ProofingResult, error) {
	now := s.clock.Now()
	// What the change would refuse is refused before the visit is used up:
	// a mistyped authenticator in Block must not cost the person a visit
	// proven by control questions or a witness's act.
	sess, err := s.store.Session(ctx, proofing, now)
	if err != nil {
		return nil, err
	}
	var st proofingState
	if sess.Kind != proofingKind || json.Unmarshal(sess.Data, &st) != nil {
		return nil, NotFoundSession()
	}
	if st.Proven == "" {
		return nil, errorf(CodeProofingFailed, "the identity is not proven: answer the control questions or bring a witness first")
	}
	reason := strings.TrimSpace(o.Reason)
	if reason == "" {
		reason = "defective; blocked at Citizen Service"
	}
	if len(o.Block) > 0 {
		seen, err := s.store.User(ctx, st.User)
		if err != nil {
			return nil, err
		}
		if _, err := s.blockAll(seen.Clone(), o.Block, reason, now); err != nil { // the store's snapshot is shared
			return nil, err
		}
	}
	if _, err := s.store.ConsumeSession(ctx, proofing, now); err != nil {
		return nil, err
	}
	code, err := s.newCode(PurposeActivation)
	if err != nil {
		return nil, err
	}
	codeID, err := s.newID()
	if err != nil {
		return nil, err
	}
	u, evs, err := s.update(WithActor(ctx, st.Operator), st.User, func(u *User, now time.Time) ([]Event, error) {
		evs := []Event{{Type: EventIdentityProofed, Reason: string(st.Proven), Detail: map[string]string{"case": reference(proofing),
			"picture_id": string(st.PictureID.Kind) + " " + st.PictureID.Issuer, "from": u.IAL.String(), "to": LevelHigh.String()}}}
		u.IAL = LevelHigh
		moved, err := s.blockAll(u, o.Block, reason, now)
		if err != nil {
			return nil, err
		}
		evs = append(evs, moved...)
		ev, err := s.addCode(u, codeID, code, PurposeActivation, CodeOnPaper, s.policy.PaperActivationCodeValidity, now, false)
		if err != nil {
			return nil, err
		}
		return append(evs, ev), nil
	})
	if err != nil {
		return nil, err
	}
	return &ProofingResult{User: u, ActivationCode: code, Events: evs}, nil
}

// blockAll blocks the authenticators ids of u at Citizen Service, for
// reason, and returns the events.
func (s *Service) blockAll(u *User, ids []uuid.UUID, reason string, now time.Time) ([]Event, error) {
	var evs []Event
	for _, id := range ids {
		moved, err := u.Transition(&s.policy, id, StateBlocked, now, TransitionOptions{Reason: reason})
		if err != nil {
			return nil, err
		}
		evs = append(evs, moved...)
	}
	return evs, nil
}
