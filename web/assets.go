package web

import (
	"bytes"
	"embed"
	"html/template"
	"net/http"
	"time"
)

//go:embed assets
var assetFS embed.FS

// assets serves the helper script, the login box's script and its style.
func (h *Handler) assets(m *http.ServeMux) {
	for _, name := range []string{"mitid-webauthn.js", "mitid-login.js", "mitid.css"} {
		body, err := assetFS.ReadFile("assets/" + name)
		if err != nil {
			panic(err) // embedded at build time: cannot happen
		}
		m.HandleFunc("GET /"+name, func(w http.ResponseWriter, r *http.Request) {
			http.ServeContent(w, r, name, time.Time{}, bytes.NewReader(body))
		})
	}
}

var loginBoxTemplate = template.Must(template.New("box").Parse(`<section class="mitid-box" data-mitid-login data-mitid-base="{{.Base}}" data-mitid-context="{{.Context}}" aria-labelledby="mitid-title">
<h2 id="mitid-title">{{.Title}}</h2>
<div id="mitid-error" class="mitid-error" role="alert" hidden></div>
<p id="mitid-status" role="status" aria-live="polite"></p>
<div id="mitid-text" class="mitid-text" hidden>
<p><span>You are asked to approve:</span> <strong id="mitid-text-value"></strong></p>
<p>Level required: <span id="mitid-level-value"></span></p>
</div>
<form id="mitid-userid-form">
<label for="mitid-user-id">User ID</label>
<input id="mitid-user-id" name="user_id" autocomplete="username" autocapitalize="none" spellcheck="false" required>
<button type="submit">Continue</button>
</form>
<form id="mitid-code-form" hidden>
<label for="mitid-code" id="mitid-code-label">Code from your code display</label>
<input id="mitid-code" name="code" inputmode="numeric" autocomplete="one-time-code" required>
<button type="submit">Continue</button>
</form>
<form id="mitid-password-form" hidden>
<label for="mitid-password">Password</label>
<input id="mitid-password" name="password" type="password" autocomplete="current-password" required>
<button type="submit">Continue</button>
</form>
<div id="mitid-approval" hidden>
<p>Open the MitID app on your phone, check the text and approve. This page moves on by itself.</p>
</div>
<div id="mitid-chip" hidden>
<p>Have your MitID chip ready: insert it or hold it to the reader, then choose the button and press the chip's button.</p>
<button type="button" id="mitid-chip-button">Use MitID chip</button>
</div>
<div id="mitid-methods" class="mitid-methods" role="group" aria-labelledby="mitid-methods-title" hidden>
<h3 id="mitid-methods-title">Switch authenticator</h3>
<ul id="mitid-method-list"></ul>
</div>
<button type="button" id="mitid-cancel" hidden>Cancel</button>
<dl id="mitid-result" class="mitid-result" hidden>
<dt>Identity level (IAL)</dt><dd id="mitid-ial"></dd>
<dt>Authentication level (AAL)</dt><dd id="mitid-aal"></dd>
<dt>Level of assurance (LoA)</dt><dd id="mitid-loa"></dd>
</dl>
</section>`))

// LoginBoxOptions configure the login box's markup.
type LoginBoxOptions struct {
	// Base is the path the Handler is mounted at ("/mitid").
	Base string
	// Context is handed to Config.Prepare with the user ID (a payment's
	// ID, say).
	Context string
	// Title heads the box ("Log on with MitID" when empty).
	Title string
}

// LoginBox renders the MitID login box for a server-rendered page: labelled
// fields for the user ID, the code and the password, the transaction text,
// the ways to switch authenticator as buttons, an alert for errors and a
// polite live region for progress, so it works by keyboard alone and with a
// screen reader. Load Scripts in the page's head to bring it to life.
func LoginBox(o LoginBoxOptions) template.HTML {
	if o.Title == "" {
		o.Title = "Log on with MitID"
	}
	var b bytes.Buffer
	if err := loginBoxTemplate.Execute(&b, o); err != nil {
		panic(err) // the template and its data are ours: cannot happen
	}
	return template.HTML(b.String()) //nolint:gosec // rendered by html/template above
}

var scriptsTemplate = template.Must(template.New("scripts").Parse(`<link rel="stylesheet" href="{{.}}/mitid.css">
<script src="{{.}}/mitid-webauthn.js" defer></script>
<script src="{{.}}/mitid-login.js" defer></script>`))

// Scripts renders the <link> and <script> elements of the login box for a
// page's head, served by the Handler mounted at base.
func Scripts(base string) template.HTML {
	var b bytes.Buffer
	if err := scriptsTemplate.Execute(&b, base); err != nil {
		panic(err)
	}
	return template.HTML(b.String()) //nolint:gosec // rendered by html/template above
}
