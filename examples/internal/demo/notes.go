package demo

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"net/http"
	"net/url"
	"strings"
	"unicode"
)

// What a redirect after a form carries: where to (LocalPath) and the line
// the next page shows.
//
// A page shows one line after a redirect: what was done (flash), or why
// not (error). The line comes in the query of the page redirected to, and
// is signed with a key of the server's own: a link from elsewhere that
// carries words of its own (a fake warning with a number to call) shows
// nothing.

// NoteURL returns the address of the page at path on this site that shows
// msg: as its error line when isErr, else as its flash line. The signature
// binds the line to that page, so that one the server made for a refusal
// anyone can provoke is shown there alone.
func (d *Demo) NoteURL(path, msg string, isErr bool) string {
	kind := "flash"
	if isErr {
		kind = "error"
	}
	return path + "?" + url.Values{kind: {msg}, "sig": {d.noteSig(path, kind, msg)}}.Encode()
}

// Notes returns the flash and error lines r's query carries, when this
// server signed them for r's page (NoteURL); nothing otherwise.
func (d *Demo) Notes(r *http.Request) (flash, errText string) {
	q := r.URL.Query()
	sig := q.Get("sig")
	if f := q.Get("flash"); f != "" && hmac.Equal([]byte(sig), []byte(d.noteSig(r.URL.Path, "flash", f))) {
		flash = f
	}
	if e := q.Get("error"); e != "" && hmac.Equal([]byte(sig), []byte(d.noteSig(r.URL.Path, "error", e))) {
		errText = e
	}
	return flash, errText
}

func (d *Demo) noteSig(path, kind, msg string) string {
	m := hmac.New(sha256.New, d.noteKey)
	m.Write([]byte(path))
	m.Write([]byte{0})
	m.Write([]byte(kind))
	m.Write([]byte{0})
	m.Write([]byte(msg))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil)[:16])
}

// LocalPath returns back when it is a path on this site, and "/" when it is
// not or might not be: "//host" and "/\host" are other sites to a browser,
// which also drops tabs and newlines before it reads a URL ("/\t/host" is
// "//host"); a backslash or a control character has no place in these
// sites' paths anyway.
func LocalPath(back string) string {
	if back == "" || back[0] != '/' || strings.HasPrefix(back, "//") || strings.ContainsFunc(back, func(r rune) bool { return r == '\\' || unicode.IsControl(r) }) {
		return "/"
	}
	return back
}
