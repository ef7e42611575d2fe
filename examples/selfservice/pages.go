package main

import (
	"net/http"
	"strings"

	"github.com/google/uuid"

	"github.com/go-mitid/mitid"
	"github.com/go-mitid/mitid/examples/internal/demo"
)

// authenticatorRow is one authenticator as the page lists it.
type authenticatorRow struct {
	mitid.Authenticator
	Name       string
	State      mitid.State // as it stands now
	CanBlock   bool
	CanConnect bool // a chip whose wait is over, or waiting for activation
	ByCode     bool // a chip that came by mail: connected with its activation code
	Waiting    bool // a chip within its 24-hour wait
}

func (s *server) authenticators(w http.ResponseWriter, r *http.Request, u uuid.UUID) {
	list, err := s.svc.Authenticators(r.Context(), u)
	if err != nil {
		s.page(w, r, "authenticators", "Your authenticators", u, demo.Message(err), nil)
		return
	}
	now := s.demo.Clock.Now()
	var rows []authenticatorRow
	for _, a := range list {
		st := a.EffectiveState(now)
		row := authenticatorRow{Authenticator: a, Name: a.Kind.Name(mitid.English), State: st,
			CanBlock: !st.Final() && a.Kind != mitid.KindPassword}
		if a.Kind == mitid.KindChip {
			row.Waiting = st == mitid.StateWaitingForAccess && now.Before(a.WaitUntil)
			row.CanConnect = st == mitid.StatePendingActivation || (st == mitid.StateWaitingForAccess && !row.Waiting)
			row.ByCode = st == mitid.StatePendingActivation
		}
		rows = append(rows, row)
	}
	s.page(w, r, "authenticators", "Your authenticators", u, "", rows)
}

func (s *server) block(w http.ResponseWriter, r *http.Request, u uuid.UUID) (string, error) {
	id, err := uuid.Parse(r.PathValue("id"))
	if err != nil {
		return "", mitid.NewError(mitid.CodeAuthenticatorNotFound, err, "no such authenticator")
	}
	if _, _, err := s.svc.BlockAuthenticator(mitid.WithActor(r.Context(), "user"), u, id, "blocked by the holder in self-service"); err != nil {
		return "", err
	}
	return "The authenticator is blocked. It cannot be used again.", nil
}

func (s *server) requestChip(w http.ResponseWriter, r *http.Request, u uuid.UUID) (string, error) {
	uu, _, err := s.svc.RequestAccess(r.Context(), u, mitid.KindChip, "MitID chip")
	if err != nil {
		return "", err
	}
	for _, a := range uu.Authenticators {
		if a.Kind == mitid.KindChip && a.State == mitid.StateWaitingForAccess {
			return "Access requested. You can connect your MitID chip from " + a.WaitUntil.UTC().Format("2 Jan 2006 15:04 UTC") + ", when the 24-hour wait ends.", nil
		}
	}
	return "Access requested.", nil
}

func (s *server) activatePage(w http.ResponseWriter, r *http.Request) {
	s.page(w, r, "activate", "Activate an authenticator", uuid.Nil, "", nil)
}

// activate activates the person's authenticator waiting for activation
// with the activation code they were given.
func (s *server) activate(w http.ResponseWriter, r *http.Request, _ uuid.UUID) (string, error) {
	userID, code := r.PostFormValue("user_id"), strings.TrimSpace(r.PostFormValue("code"))
	u, err := s.svc.UserByUserID(r.Context(), userID)
	if err != nil {
		return "", err
	}
	for _, a := range u.Authenticators {
		if a.State == mitid.StatePendingActivation && a.Kind != mitid.KindChip {
			if _, _, err := s.svc.ActivateWithCode(r.Context(), userID, a.ID, mitid.ActivationCodes{Code: code, TemporaryPIN: r.PostFormValue("pin"),
				Serial: r.PostFormValue("serial"), DeviceCode: r.PostFormValue("device_code"), Password: r.PostFormValue("password")}); err != nil {
				return "", err
			}
			return "Your " + a.Kind.Name(mitid.English) + " is activated. You can log on with it now.", nil
		}
	}
	return "", mitid.NewError(mitid.CodeActivationInvalid, nil, "there is no authenticator waiting for activation under this user ID")
}

func (s *server) contact(w http.ResponseWriter, r *http.Request, u uuid.UUID) {
	user, err := s.svc.User(r.Context(), u)
	if err != nil {
		s.page(w, r, "contact", "Contact details", u, demo.Message(err), nil)
		return
	}
	has := map[string]bool{}
	for _, c := range user.Channels {
		has[string(c)] = true
	}
	s.page(w, r, "contact", "Contact details", u, "", map[string]any{"User": user, "Has": has})
}

func (s *server) changeContact(w http.ResponseWriter, r *http.Request, u uuid.UUID) (string, error) {
	phone, email := r.PostFormValue("phone"), r.PostFormValue("email")
	var channels []mitid.Channel
	for _, c := range r.PostForm["channel"] {
		channels = append(channels, mitid.Channel(c))
	}
	every := r.PostFormValue("every_use") == "on"
	if _, _, err := s.svc.ChangeContact(r.Context(), u, mitid.Contact{Phone: &phone, Email: &email, Channels: channels, NotifyEveryUse: &every}); err != nil {
		return "", err
	}
	return "Your contact details are saved.", nil
}

func (s *server) changeUserID(w http.ResponseWriter, r *http.Request, u uuid.UUID) (string, error) {
	if _, _, err := s.svc.ChangeUserID(r.Context(), u, r.PostFormValue("user_id")); err != nil {
		return "", err
	}
	return "Your user ID is changed.", nil
}

func (s *server) activity(w http.ResponseWriter, r *http.Request, u uuid.UUID) {
	evs, err := s.svc.ActivityLog(r.Context(), u, mitid.EventFilter{})
	if err != nil {
		s.page(w, r, "activity", "Activity log", u, demo.Message(err), nil)
		return
	}
	for i, j := 0, len(evs)-1; i < j; i, j = i+1, j-1 {
		evs[i], evs[j] = evs[j], evs[i] // newest first
	}
	s.page(w, r, "activity", "Activity log", u, "", evs)
}

func (s *server) logout(w http.ResponseWriter, r *http.Request, _ uuid.UUID) (string, error) {
	if c, err := r.Cookie("ss-session"); err == nil {
		s.mu.Lock()
		delete(s.sessions, c.Value)
		s.mu.Unlock()
	}
	http.SetCookie(w, &http.Cookie{Name: "ss-session", Value: "", Path: "/", MaxAge: -1, HttpOnly: true}) //nolint:gosec // G124: this deletes the session cookie (MaxAge -1) on the plain-http demo
	return "You are logged off.", nil
}

const csrfField = `<input type="hidden" name="csrf_token" value="{{$.Data.CSRF}}">`

var pages = map[string]string{
	"home": `{{.Data.Data}}
<p>New authenticator? <a href="/activate">Activate it with your activation code</a>.</p>`,
	"authenticators": `{{$csrf := .Data.CSRF}}
<table id="authenticators"><caption>Your MitID authenticators</caption>
<thead><tr><th scope="col">Authenticator</th><th scope="col">Name</th><th scope="col">State</th><th scope="col">Actions</th></tr></thead>
<tbody>{{range .Data.Data}}<tr>
<td>{{.Name}}</td><td>{{.Label}}</td>
<td class="state">{{.State}}{{if .Waiting}} until {{.WaitUntil.UTC.Format "2 Jan 2006 15:04 UTC"}}{{end}}</td>
<td>{{if .CanConnect}}{{if .ByCode}}<label for="code-{{.ID}}">Activation code (from the app's passport scan or Citizen Service)</label>
<input id="code-{{.ID}}" type="text" autocomplete="off">
{{end}}<label for="pw-{{.ID}}">Password for the chip (only if you have none)</label>
<input id="pw-{{.ID}}" type="password" autocomplete="new-password">
<button type="button" data-mitid-register-chip="{{.ID}}" data-mitid-base="/mitid" data-mitid-password="pw-{{.ID}}"{{if .ByCode}} data-mitid-code="code-{{.ID}}"{{end}} data-mitid-output="chip-out">Connect MitID chip</button>{{end}}
{{if .CanBlock}}<form method="post" action="/authenticators/{{.ID}}/block"><input type="hidden" name="csrf_token" value="{{$csrf}}"><input type="hidden" name="back" value="/authenticators">
<button type="submit" aria-label="Block {{.Name}} {{.Label}}">Block</button></form>{{end}}</td>
</tr>{{end}}</tbody></table>
<p id="chip-out" role="status" aria-live="polite"></p>
<h2>Add an authenticator</h2>
<form method="post" action="/authenticators/request-chip">` + csrfField + `<input type="hidden" name="back" value="/authenticators">
<p>A MitID chip added here can be connected after a 24-hour wait, so that nobody who has got hold of your login can add one unnoticed.</p>
<button type="submit">Request access to a new MitID chip</button></form>
{{if .Data.Demo}}<h2>Demo</h2>
<form method="post" action="/demo/clock">` + csrfField + `<input type="hidden" name="back" value="/authenticators">
<p>The demo's clock says {{.Data.Now.UTC.Format "2 Jan 2006 15:04 UTC"}}.</p>
<button type="submit">Skip the clock 24 hours ahead (demo only)</button></form>{{end}}
<form method="post" action="/logout">` + csrfField + `<button type="submit">Log off</button></form>`,
	"activate": `<form method="post" action="/activate">` + csrfField + `<input type="hidden" name="back" value="/activate">
<label for="user_id">User ID</label><input id="user_id" name="user_id" autocomplete="username" required>
<label for="code">Activation code</label><input id="code" name="code" autocomplete="one-time-code" required>
<label for="pin">Temporary PIN (only for the MitID app)</label><input id="pin" name="pin" inputmode="numeric">
<fieldset><legend>For a code display or audio code reader</legend>
<label for="serial">Serial number (on its back)</label><input id="serial" name="serial" autocomplete="off">
<label for="device_code">The code it shows now</label><input id="device_code" name="device_code" inputmode="numeric" autocomplete="off">
<label for="password">Your MitID password (create one if you have none)</label><input id="password" name="password" type="password" autocomplete="new-password">
</fieldset>
<button type="submit">Activate</button></form>`,
	"contact": `{{with .Data.Data}}<form method="post" action="/contact"><input type="hidden" name="csrf_token" value="{{$.Data.CSRF}}"><input type="hidden" name="back" value="/contact">
<label for="phone">Phone</label><input id="phone" name="phone" type="tel" autocomplete="tel" value="{{.User.Phone}}">
<label for="email">E-mail</label><input id="email" name="email" type="email" autocomplete="email" value="{{.User.Email}}">
<fieldset><legend>Tell me about important events by</legend>
<label><input type="checkbox" name="channel" value="sms"{{if index .Has "sms"}} checked{{end}}> SMS</label>
<label><input type="checkbox" name="channel" value="email"{{if index .Has "email"}} checked{{end}}> E-mail</label>
<label><input type="checkbox" name="channel" value="app"{{if index .Has "app"}} checked{{end}}> The MitID app</label>
</fieldset>
<label><input type="checkbox" name="every_use"{{if .User.NotifyEveryUse}} checked{{end}}> Tell me every time my MitID is used</label>
<button type="submit">Save contact details</button></form>
<h2>User ID</h2>
<form method="post" action="/user-id"><input type="hidden" name="csrf_token" value="{{$.Data.CSRF}}"><input type="hidden" name="back" value="/contact">
<label for="new-user-id">New user ID (now {{.User.UserID}})</label><input id="new-user-id" name="user_id" autocomplete="username" required>
<button type="submit">Change user ID</button></form>{{end}}`,
	"activity": `<table id="activity"><caption>What happened to your MitID, newest first</caption>
<thead><tr><th scope="col">When</th><th scope="col">What</th><th scope="col">Authenticator</th><th scope="col">Change</th><th scope="col">By</th></tr></thead>
<tbody>{{range .Data.Data}}<tr><td>{{.At.UTC.Format "2 Jan 2006 15:04:05"}}</td><td>{{.Type}}</td><td>{{.Kind}}</td><td>{{if .To}}{{.From}} → {{.To}}{{end}} {{.Reason}}</td><td>{{.Actor}}</td></tr>{{end}}</tbody></table>`,
	"demo":    demo.PeopleTable,
	"order":   orderBody,
	"receipt": receiptBody,
}
