package main

import (
	"html/template"

	"github.com/go-mitid/mitid/examples/internal/demo"
)

const csrfField = `<input type="hidden" name="csrf_token" value="{{$.Data.CSRF}}">`

// pictureIDFields are the fields of a picture ID, their names and IDs
// prefixed by the template's argument.
const pictureIDFields = `{{define "pictureid"}}<label for="{{.}}kind">Kind of picture ID</label>
<select id="{{.}}kind" name="{{.}}kind">
<option value="passport">Passport</option>
<option value="driving_licence">Driving licence</option>
{{if eq . ""}}<option value="residence_permit">Residence permit (with photo and CPR number)</option>
<option value="national_id_card">National ID card (with photo)</option>{{end}}
</select>
<label for="{{.}}number">Document number</label><input id="{{.}}number" name="{{.}}number" autocomplete="off" required>
<label for="{{.}}issuer">Issuing state (three letters: DNK; GRL for a Greenlandic driving licence)</label><input id="{{.}}issuer" name="{{.}}issuer" value="DNK" maxlength="3" autocomplete="off" required>
<label for="{{.}}expires">Expiry date (YYYY-MM-DD)</label><input id="{{.}}expires" name="{{.}}expires" placeholder="2031-05-17" autocomplete="off" required>{{end}}`

const authTable = `{{define "auths"}}<table id="authenticators"><caption>MitID authenticators</caption>
<thead><tr><th scope="col">Authenticator</th><th scope="col">Name</th><th scope="col">State</th></tr></thead>
<tbody>{{range .}}<tr><td>{{.Name}}</td><td>{{.Label}}</td><td>{{.State}}</td></tr>{{end}}</tbody></table>{{end}}`

var pages = map[string]string{
	"home": `<form method="post" action="/find">` + csrfField + `<input type="hidden" name="back" value="/">
<label for="operator">Your name (the operator; recorded with every step)</label>
<input id="operator" name="operator" value="{{.Data.Data}}" autocomplete="name" required>
<label for="who">The person's user ID or CPR number</label>
<input id="who" name="who" autocomplete="off" required>
<button type="submit">Find</button></form>
<p>The person shows a picture ID; then answer control questions, or bring a witness who has had MitID for more than 30 days.</p>`,

	"person": `{{with .Data.Data}}<dl id="person"><dt>Name</dt><dd>{{.User.Name}}</dd><dt>User ID</dt><dd>{{.User.UserID}}</dd>
<dt>Born</dt><dd>{{.User.CPR.BirthDate.Format "2 January 2006"}}</dd><dt>Identity level</dt><dd>{{.User.IAL}}</dd></dl>
{{template "auths" .Rows}}
<h2>Record the picture ID shown</h2>
<form method="post" action="/people/{{.User.ID}}/visit"><input type="hidden" name="csrf_token" value="{{$.Data.CSRF}}"><input type="hidden" name="back" value="/people/{{.User.ID}}">
{{template "pictureid" ""}}
<button type="submit">Record and start the visit</button></form>{{else}}<p>There is no such person. <a href="/">Find another</a>.</p>{{end}}`,

	"visit": `{{with .Data.Data}}{{$id := .ID}}<p>Case <strong id="case">{{.Proofing.Reference}}</strong>, operator {{.Proofing.Operator}}.
Picture ID recorded: {{.Proofing.PictureID.Kind}} {{.Proofing.PictureID.Issuer}} {{.Proofing.PictureID.Number}}, valid through {{.Proofing.PictureID.Expires.Format "2 January 2006"}}.</p>
{{if .Proofing.Proven}}<p id="proven">The identity is proven ({{.Proofing.Proven}}).</p>
<h2>Block the defective authenticator and hand out an activation code</h2>
<form method="post" action="/visits/{{$id}}/complete"><input type="hidden" name="csrf_token" value="{{$.Data.CSRF}}">
<fieldset><legend>Block</legend>
{{range .Rows}}{{if .CanBlock}}<label><input type="checkbox" name="block" value="{{.ID}}"> {{.Name}}{{with .Label}} {{.}}{{end}} ({{.State}})</label>{{end}}{{end}}
</fieldset>
<label for="reason">What is wrong with it</label><input id="reason" name="reason" value="defective; blocked at Citizen Service">
<button type="submit">Block and hand out a paper activation code</button></form>
{{else}}
{{template "auths" .Rows}}
{{if .Proofing.Questions}}<h2>Control questions</h2>
<form method="post" action="/visits/{{$id}}/answers"><input type="hidden" name="csrf_token" value="{{$.Data.CSRF}}"><input type="hidden" name="back" value="/visits/{{$id}}">
{{range $i, $q := .Proofing.Questions}}<label for="answer-{{$i}}">{{$q}}</label><input id="answer-{{$i}}" name="answer-{{$i}}" autocomplete="off">
{{end}}<p>{{.Proofing.AttemptsLeft}} attempts left.</p>
<button type="submit">Check the answers</button></form>{{end}}
{{if .Proofing.Advice}}<p id="advice">{{.Proofing.Advice}}</p>{{end}}
<h2>A witness</h2>
<p>The witness is at least 18, has had MitID for more than 30 days, and shows a Danish or Greenlandic passport or driving licence.
Their MitID login shows this text: <q id="witness-text">{{.Proofing.WitnessText}}</q></p>
{{if .Witness}}<p id="witness-login">{{.Witness.Name}} ({{.Witness.UserID}}) has logged in with MitID as the witness.</p>
<form method="post" action="/visits/{{$id}}/witness"><input type="hidden" name="csrf_token" value="{{$.Data.CSRF}}"><input type="hidden" name="back" value="/visits/{{$id}}">
<label for="witness-cpr">The witness's CPR number</label><input id="witness-cpr" name="witness-cpr" autocomplete="off" required>
{{template "pictureid" "witness-"}}
<button type="submit">Confirm the witness</button></form>
{{else}}{{.LoginBox}}{{end}}
{{end}}{{else}}<p>There is no such visit open at this desk. <a href="/">Find the person</a>.</p>{{end}}`,

	"done": `{{with .Data.Data}}<p>Case {{.Reference}} is closed. {{.User.Name}}'s identity level is now {{.User.IAL}}.</p>
{{if .Blocked}}<p>Blocked: {{range $i, $b := .Blocked}}{{if $i}}, {{end}}{{$b.Name}}{{with $b.Label}} {{.}}{{end}}{{end}}.</p>{{end}}
<h2>Paper activation code</h2>
<p>Print it or write it down for {{.User.Name}}, user ID {{.User.UserID}}: it activates a new authenticator until <span id="code-until">{{.Until.UTC.Format "2 Jan 2006 15:04 UTC"}}</span>, with "Activate MitID with an activation code". It is shown only now.</p>
<p id="activation-code" class="code"><strong>{{.Code}}</strong></p>{{end}}
<p><a href="/">Next person</a></p>`,

	"demo": demo.PeopleTable + `<p>In demo mode the clock starts 31 days ahead, so that every demo person's MitID is old enough for them to be a witness.
Bo Jensen, with the MitID app, is a witness: begin his login in the desk's tab, then approve it here.
Gitte Holm's CPR record is too thin for control questions; Anna Hansen can answer them.</p>`,
}

// templates parses the pages with the shared parts.
func templates() map[string]*template.Template {
	out := demo.Templates(pages)
	for _, t := range out {
		template.Must(t.Parse(pictureIDFields + authTable))
	}
	return out
}
