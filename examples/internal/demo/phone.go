package demo

import (
	"context"
	"errors"
	"net/http"

	"github.com/go-mitid/mitid"
	"github.com/go-mitid/mitid/app"
)

// Begun remembers a login begun for a demo person with a MitID app, so that
// the demo's phone can approve it (web.Config.Begun).
func (d *Demo) Begun(userID string, l *mitid.Login) {
	pol := d.Service.Policy()
	norm, err := mitid.NormalizeUserID(&pol, userID)
	if err != nil {
		return
	}
	p := d.Person(norm)
	if p == nil || p.Phone == nil {
		return
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	d.pending[p.UserID] = l.ID
}

// Approve plays the person's phone: it reads their latest login, signs its
// challenge, action and text with the simulated app, and submits the
// approval, as the MitID app would. It returns the text approved.
func (d *Demo) Approve(ctx context.Context, userID string) (string, error) {
	p := d.Person(userID)
	d.mu.Lock()
	id := d.pending[userID]
	d.mu.Unlock()
	if p == nil || p.Phone == nil || id == "" {
		return "", errors.New("no login waits for this phone")
	}
	l, err := d.Service.ResumeLogin(ctx, id)
	if err != nil {
		return "", err
	}
	if l.Next != mitid.StepApproval {
		return "", errors.New("the login does not wait for an approval in the app")
	}
	sig, err := p.Phone.Approve(app.Request{Challenge: l.Challenge, Action: string(l.Action), Text: l.Text}, PIN)
	if err != nil {
		return "", err
	}
	if _, err := d.Service.SubmitApproval(ctx, id, sig); err != nil {
		return "", err
	}
	return l.Text, nil
}

// PhoneHandler serves POST /demo/phone/{user}: the demo person's phone
// approves their latest login. check guards the form (web.Handler.CheckForm).
// It sends the browser back to /demo with what happened.
func (d *Demo) PhoneHandler(check func(r *http.Request) error) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		r.Body = http.MaxBytesReader(w, r.Body, 4<<10)
		if err := check(r); err != nil {
			http.Error(w, err.Error(), http.StatusForbidden)
			return
		}
		text, err := d.Approve(r.Context(), r.PathValue("user"))
		if err != nil {
			http.Redirect(w, r, d.NoteURL("/demo", Message(err), true), http.StatusSeeOther)
			return
		}
		http.Redirect(w, r, d.NoteURL("/demo", "The phone approved: "+text+". Go back to the login's tab; it moves on by itself.", false), http.StatusSeeOther)
	}
}
