package demo

import (
	"bytes"
	"errors"
	"html/template"
	"log"
	"net/http"

	"github.com/go-mitid/mitid"
)

// layout is the pages' frame: a language, a title, landmarks, a skip link.
const layout = `{{define "layout"}}<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{.Title}} — {{.Site}}</title>
{{.Scripts}}
<link rel="stylesheet" href="/static/site.css">
</head>
<body>
<a class="skip" href="#main">Skip to content</a>
<header><p class="site">{{.Site}}</p>
<nav aria-label="Main"><ul>{{range .Nav}}<li><a href="{{.Href}}">{{.Label}}</a></li>{{end}}</ul></nav>
</header>
<main id="main">
<h1>{{.Title}}</h1>
{{if .Flash}}<p class="flash" role="status">{{.Flash}}</p>{{end}}
{{if .Error}}<div class="error" role="alert">{{.Error}}</div>{{end}}
{{template "body" .}}
</main>
</body>
</html>{{end}}`

// SiteCSS is the examples' style sheet, served at /static/site.css.
const SiteCSS = `body { font-family: system-ui, sans-serif; margin: 0; color: #111; background: #fff; line-height: 1.45; }
header { background: #003a75; color: #fff; padding: .5rem 1rem; }
header a { color: #fff; }
header ul { list-style: none; display: flex; gap: 1rem; padding: 0; margin: .25rem 0; }
.site { font-weight: 700; margin: 0; }
main { padding: 1rem; max-width: 60rem; }
.skip { position: absolute; left: -999px; }
.skip:focus { left: 1rem; top: 1rem; background: #fff; color: #000; padding: .5rem; }
table { border-collapse: collapse; }
th, td { border: 1px solid #555; padding: .3rem .6rem; text-align: left; }
.flash { background: #e6f4ea; border-left: 4px solid #1e6b34; padding: .5rem; }
.error { background: #fde8e8; border-left: 4px solid #a00000; padding: .5rem; color: #5c0000; }
label { display: block; font-weight: 600; margin-top: .5rem; }
button { font-size: 1rem; padding: .35rem .8rem; background: #0050a0; color: #fff; border: 0; border-radius: 4px; margin-top: .4rem; }
:focus-visible { outline: 3px solid #b35900; outline-offset: 2px; }
.payment { border: 1px solid #555; padding: .75rem; max-width: 28rem; }
`

// NavItem is a link of the main navigation.
type NavItem struct{ Href, Label string }

// Page is what every page gives the layout.
type Page struct {
	Site, Title  string
	Scripts      template.HTML
	Nav          []NavItem
	Flash, Error string
	Data         any
}

// Templates parses a site's page bodies (each defines "body") with the
// layout.
func Templates(bodies map[string]string) map[string]*template.Template {
	out := make(map[string]*template.Template, len(bodies))
	for name, body := range bodies {
		out[name] = template.Must(template.Must(template.New(name).Parse(layout)).Parse(`{{define "body"}}` + body + `{{end}}`))
	}
	return out
}

// Render writes the page with status 200, or a 500 when it cannot be
// rendered (rendered whole first, so never half a page).
func Render(w http.ResponseWriter, t *template.Template, p Page) {
	var b bytes.Buffer
	if err := t.ExecuteTemplate(&b, "layout", p); err != nil {
		log.Printf("rendering %s: %v", t.Name(), err)
		http.Error(w, "the page could not be rendered", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	_, _ = w.Write(b.Bytes())
}

// ServeCSS serves SiteCSS.
func ServeCSS(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "text/css; charset=utf-8")
	_, _ = w.Write([]byte(SiteCSS))
}

// PeopleTable is the body of a /demo page: the demo people, the codes their
// displays show now, their activation codes, and a phone button for those
// with the app. Its data is {"People": []*Person, "CSRF": token}.
const PeopleTable = `<p>Every demo person's password is <kbd>` + Password + `</kbd>. Reload to see a code display's next code.
To log on with the MitID app, begin the login in another tab, then approve it here.</p>
<table id="people"><caption>Demo people</caption>
<thead><tr><th scope="col">User ID</th><th scope="col">Name</th><th scope="col">Shows</th><th scope="col">Code now</th><th scope="col">Activation code</th><th scope="col">Phone</th></tr></thead>
<tbody>{{range .Data.People}}<tr><td>{{.UserID}}</td><td>{{.Name}}</td><td>{{.What}}</td><td>{{if .Display}}{{.Code}}{{end}}</td><td>{{.ActivationCode}}</td>
<td>{{if .Phone}}<form method="post" action="/demo/phone/{{.UserID}}"><input type="hidden" name="csrf_token" value="{{$.Data.CSRF}}">
<button type="submit">Approve {{.UserID}}'s login in the app</button></form>{{end}}</td></tr>{{end}}</tbody>
</table>`

// Message is what a page tells the person about err: the library's message
// (with the time a refusal lasts until), or a plain "try again" for a
// fault, whose details are not for the browser.
func Message(err error) string {
	var e *mitid.Error
	if errors.As(err, &e) {
		if !e.Until.IsZero() {
			return e.Message + " (until " + e.Until.UTC().Format("2 Jan 2006 15:04 UTC") + ")"
		}
		return e.Message
	}
	return "Something went wrong; try again."
}
