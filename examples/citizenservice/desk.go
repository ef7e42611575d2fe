package main

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/go-mitid/mitid"
	"github.com/go-mitid/mitid/examples/internal/demo"
	"github.com/go-mitid/mitid/web"
)

// authRow is one of the person's authenticators as the desk lists it.
type authRow struct {
	ID       uuid.UUID
	Name     string
	Label    string
	State    mitid.State
	CanBlock bool
}

func (s *server) rows(u *mitid.User) []authRow {
	now := s.demo.Clock.Now()
	var out []authRow
	for _, a := range u.Authenticators {
		st := a.EffectiveState(now)
		out = append(out, authRow{ID: a.ID, Name: a.Kind.Name(mitid.English), Label: a.Label, State: st,
			CanBlock: !st.Final() && a.Kind != mitid.KindPassword})
	}
	return out
}

// personView is the person page's data.
type personView struct {
	User  *mitid.User
	Rows  []authRow
	Kinds []idKind
}

// idKind is a picture ID kind the desk records.
type idKind struct {
	Value mitid.PictureIDKind
	Label string
}

var idKinds = []idKind{{mitid.IDPassport, "Passport"}, {mitid.IDDrivingLicence, "Driving licence"},
	{mitid.IDResidencePermit, "Residence permit (with photo and CPR number)"}, {mitid.IDNationalIDCard, "National ID card (with photo)"}}

func (s *server) person(w http.ResponseWriter, r *http.Request) {
	id, err := uuid.Parse(r.PathValue("id"))
	var u *mitid.User
	if err == nil {
		u, err = s.svc.User(r.Context(), id)
	}
	if err != nil {
		s.page(w, r, "person", "Person", false, nil)
		return
	}
	s.page(w, r, "person", u.Name, false, personView{User: u, Rows: s.rows(u), Kinds: idKinds})
}

// pictureID reads a picture ID from the form's fields with the prefix; the
// Service checks it (a known kind, a number, an issuer, not expired).
func pictureID(r *http.Request, prefix string) (mitid.PictureID, error) {
	p := mitid.PictureID{Kind: mitid.PictureIDKind(r.PostFormValue(prefix + "kind")), Number: r.PostFormValue(prefix + "number"),
		Issuer: r.PostFormValue(prefix + "issuer")}
	if e := strings.TrimSpace(r.PostFormValue(prefix + "expires")); e != "" {
		t, err := time.Parse(time.DateOnly, e)
		if err != nil {
			return p, mitid.NewError(mitid.CodePictureIDInvalid, err, "write the expiry date as YYYY-MM-DD, for instance 2031-05-17")
		}
		p.Expires = t
	}
	return p, nil
}

// startVisit records the picture ID and opens the visit.
func (s *server) startVisit(w http.ResponseWriter, r *http.Request) (string, error) {
	token, name := s.operator(r)
	id, err := uuid.Parse(r.PathValue("id"))
	if err != nil {
		return "", mitid.NewError(mitid.CodeUserNotFound, err, "no such person")
	}
	u, err := s.svc.User(r.Context(), id)
	if err != nil {
		return "", err
	}
	pid, err := pictureID(r, "")
	if err != nil {
		return "", err
	}
	p, err := s.svc.StartProofing(mitid.WithActor(r.Context(), name), name, u.CPR.Digits(), pid)
	if err != nil {
		return "", err
	}
	s.mu.Lock()
	s.visits[p.ID] = &visit{desk: token, proofing: p}
	s.mu.Unlock()
	return "/visits/" + p.ID, nil
}

// visitView is the visit page's data.
type visitView struct {
	ID       string
	Proofing *mitid.Proofing
	User     *mitid.User
	Rows     []authRow
	Witness  *mitid.User // who logged in as the witness
	LoginBox any
}

func (s *server) visitPage(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	v, ok := s.ownVisit(r, id)
	if !ok {
		s.page(w, r, "visit", "Visit", false, nil)
		return
	}
	s.mu.Lock()
	p, witness := v.proofing, v.witnessUser
	s.mu.Unlock()
	u, err := s.svc.User(r.Context(), p.User)
	if err != nil {
		s.page(w, r, "visit", "Visit", false, nil)
		return
	}
	vv := visitView{ID: id, Proofing: p, User: u, Rows: s.rows(u)}
	if witness != uuid.Nil {
		if vv.Witness, err = s.svc.User(r.Context(), witness); err != nil {
			vv.Witness = nil
		}
	}
	if p.Proven == "" && witness == uuid.Nil {
		vv.LoginBox = web.LoginBox(web.LoginBoxOptions{Base: "/mitid", Context: id, Title: "The witness confirms with their own MitID"})
	}
	s.page(w, r, "visit", "Visit "+p.Reference+": "+u.Name, vv.LoginBox != nil, vv)
}

// step runs a desk step on the visit and keeps the Service's new view of
// it, also when the step is refused (a wrong round counts).
func (s *server) step(r *http.Request, fn func(v *visit) (*mitid.Proofing, error)) (string, error) {
	id := r.PathValue("id")
	v, ok := s.ownVisit(r, id)
	if !ok {
		return "", mitid.NewError(mitid.CodeSessionNotFound, nil, "there is no such visit open at this desk")
	}
	p, err := fn(v)
	if p != nil {
		s.mu.Lock()
		v.proofing = p
		s.mu.Unlock()
	}
	if err != nil {
		return "", err
	}
	return s.demo.NoteURL("/visits/"+id, proven[p.Proven], false), nil
}

var proven = map[mitid.ProofMethod]string{
	mitid.ProvenByQuestions: "The control questions are answered right: the identity is proven.",
	mitid.ProvenByWitness:   "The witness has confirmed: the identity is proven.",
}

func (s *server) answers(w http.ResponseWriter, r *http.Request) (string, error) {
	return s.step(r, func(v *visit) (*mitid.Proofing, error) {
		answers := make([]string, len(v.proofing.Questions))
		for i := range answers {
			answers[i] = r.PostFormValue("answer-" + strconv.Itoa(i))
		}
		return s.svc.AnswerControlQuestions(r.Context(), v.proofing.ID, answers)
	})
}

func (s *server) witness(w http.ResponseWriter, r *http.Request) (string, error) {
	return s.step(r, func(v *visit) (*mitid.Proofing, error) {
		pid, err := pictureID(r, "witness-")
		if err != nil {
			return nil, err
		}
		s.mu.Lock()
		login := v.witnessLogin
		s.mu.Unlock()
		return s.svc.ConfirmWitness(r.Context(), v.proofing.ID, mitid.WitnessEvidence{CPR: r.PostFormValue("witness-cpr"), PictureID: pid, Login: login})
	})
}

// doneView is the last page of a visit: the paper activation code.
type doneView struct {
	Reference string
	User      *mitid.User
	Code      string
	Until     time.Time
	Blocked   []authRow
}

// complete blocks the chosen authenticators, raises the identity level
// and shows the paper activation code once, on this response only (never
// in a URL, never stored by this site).
func (s *server) complete(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 16<<10)
	if err := s.mitid.CheckForm(r); err != nil {
		http.Error(w, err.Error(), http.StatusForbidden)
		return
	}
	id := r.PathValue("id")
	v, ok := s.ownVisit(r, id)
	if !ok {
		http.Redirect(w, r, s.demo.NoteURL("/", "there is no such visit open at this desk", true), http.StatusSeeOther)
		return
	}
	var block []uuid.UUID
	for _, b := range r.PostForm["block"] {
		a, err := uuid.Parse(b)
		if err != nil {
			http.Redirect(w, r, s.demo.NoteURL("/visits/"+id, "no such authenticator", true), http.StatusSeeOther)
			return
		}
		block = append(block, a)
	}
	res, err := s.svc.CompleteProofing(r.Context(), id, mitid.ProofingOutcome{Block: block, Reason: r.PostFormValue("reason")})
	if err != nil {
		http.Redirect(w, r, s.demo.NoteURL("/visits/"+id, demo.Message(err), true), http.StatusSeeOther)
		return
	}
	s.mu.Lock()
	delete(s.visits, id)
	s.mu.Unlock()
	d := doneView{Reference: v.proofing.Reference, User: res.User, Code: res.ActivationCode}
	for _, c := range res.User.Codes { // the code just issued is the latest on paper
		if c.Purpose == mitid.PurposeActivation && c.Channel == mitid.CodeOnPaper && c.ExpiresAt.After(d.Until) {
			d.Until = c.ExpiresAt
		}
	}
	for _, row := range s.rows(res.User) {
		for _, b := range block {
			if row.ID == b {
				d.Blocked = append(d.Blocked, row)
			}
		}
	}
	w.Header().Set("Cache-Control", "no-store")
	s.page(w, r, "done", "Activation code for "+res.User.Name, false, d)
}
