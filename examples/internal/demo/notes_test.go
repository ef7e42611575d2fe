package demo_test

import (
	"context"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/go-mitid/mitid/examples/internal/demo"
)

// TestNotes_OnlyTheServersOwnLinesAreShown: a page shows the flash or error
// line its server put in the redirect (Note), and nothing that a link from
// elsewhere carries: no line without the signature, with another line's
// signature, with a signature of the other kind, for another page, or from
// another server.
func TestNotes_OnlyTheServersOwnLinesAreShown(t *testing.T) {
	d, err := demo.New(context.Background(), demo.Options{Origin: "http://localhost:8080", CheapHashing: true})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	other, err := demo.New(context.Background(), demo.Options{Origin: "http://localhost:8080", CheapHashing: true})
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	sig := func(u string) string { p, _ := url.Parse(u); return p.Query().Get("sig") }
	saved, failed := d.NoteURL("/demo", "Saved.", false), d.NoteURL("/demo", "Your MitID is blocked.", true)
	tests := []struct {
		name, target, flash, errText string
	}{
		{"a flash line of its own", saved, "Saved.", ""},
		{"an error line of its own", failed, "", "Your MitID is blocked."},
		{"no signature", "/demo?error=" + url.QueryEscape("Call +45 12 34 56 78 now"), "", ""},
		{"another line's signature", "/demo?error=" + url.QueryEscape("Call us") + "&sig=" + sig(failed), "", ""},
		{"a flash's signature on an error", "/demo?error=Saved.&sig=" + sig(saved), "", ""},
		{"a line signed for another page", d.NoteURL("/activate", "Your MitID is blocked.", true)[len("/activate"):], "", ""},
		{"another server's line", other.NoteURL("/demo", "Saved.", false), "", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			target := tc.target
			if target[0] == '?' {
				target = "/demo" + target // the query of another page's line, on this one
			}
			flash, errText := d.Notes(httptest.NewRequest("GET", target, nil))
			if flash != tc.flash || errText != tc.errText {
				t.Errorf("got %q, %q; want %q, %q", flash, errText, tc.flash, tc.errText)
			}
		})
	}
}

// TestLocalPath_SendsOnlyToThisSite: a form's back link is a path on this
// site, or home.
func TestLocalPath_SendsOnlyToThisSite(t *testing.T) {
	for _, tc := range []struct{ back, want string }{
		{"/contact", "/contact"},
		{"/visits/abc", "/visits/abc"},
		{"", "/"},
		{"contact", "/"},
		{"//evil.example", "/"},
		{`/\evil.example`, "/"},
		{"https://evil.example", "/"},
		{"/\t/evil.example", "/"},
		{"/\n/evil.example", "/"},
		{`/contact\..\//evil.example`, "/"},
	} {
		if got := demo.LocalPath(tc.back); got != tc.want {
			t.Errorf("LocalPath(%q) = %q, want %q", tc.back, got, tc.want)
		}
	}
}

// FuzzLocalPath: whatever a form's back field holds, LocalPath gives it
// back unchanged or "/", and what it gives, read as a browser reads a URL
// (tabs and newlines dropped, C0 controls and spaces trimmed at the ends,
// a backslash as a slash), stays on this site.
func FuzzLocalPath(f *testing.F) {
	for _, s := range []string{"/contact", "", "//evil.example", `/\evil.example`, "/\t/evil.example", " //evil.example", "/%2F/evil.example", "/\u00a0/x", "https://evil.example"} {
		f.Add(s)
	}
	site, _ := url.Parse("https://site.example/visits/abc")
	f.Fuzz(func(t *testing.T, back string) {
		got := demo.LocalPath(back)
		if got != back && got != "/" {
			t.Fatalf("LocalPath(%q) = %q", back, got)
		}
		browser := strings.Map(func(r rune) rune {
			switch r {
			case '\t', '\n', '\r':
				return -1
			case '\\':
				return '/'
			}
			return r
		}, got)
		browser = strings.TrimFunc(browser, func(r rune) bool { return r <= ' ' })
		u, err := url.Parse(browser)
		if err != nil {
			return // no URL a browser follows either
		}
		if to := site.ResolveReference(u); to.Host != site.Host || to.Scheme != site.Scheme {
			t.Fatalf("LocalPath(%q) = %q, which a browser follows to %s", back, got, to)
		}
	})
}
