package mitid_test

import (
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/text/unicode/norm"

	"github.com/go-mitid/mitid"
)

// TestBeginLogin_TransactionTextIsShownAsItIs: every character class that
// is not shown as itself is refused, with the field named.
func TestBeginLogin_TransactionTextIsShownAsItIs(t *testing.T) {
	e := newLoginEnv(t, checkedStore(t))
	h := e.enrol(t, "shown", mitid.LevelSubstantial, mitid.KindApp)
	refused := []struct{ name, text string }{
		{"a control (Cc)", "Log på\nOverfør 10.000 kr."},
		{"a right-to-left override (Bidi_Control)", "Betal 100 kr.\u202E.rk 000.01"},
		{"an isolate (Bidi_Control)", "a\u2066b"},
		{"the Arabic letter mark (Cf)", "Betal\u061C 100 kr."},
		{"a zero-width space (Cf)", "Betal 1\u200B00 kr."},
		{"a tag character (Cf)", "Betal 100 kr.\U000E0041"},
		{"a line separator (Zl)", "Log på\u2028Overfør 10.000 kr."},
		{"a paragraph separator (Zp)", "Log på\u2029Overfør"},
		{"private use (Co)", "Betal \uE000 kr."},
		{"unassigned (Cn)", "Betal \U0003FFFD kr."},
		{"only spaces", "   "},
		{"only marks", "\u0301\u0301"},
		{"only invisible", "\u200B\u200B"},
		{"stacked combining marks", "x\u0301\u0302\u0303\u0304\u0305algo"},
		{"too long", strings.Repeat("a", 131)},
		{"empty", ""},
		{"invalid UTF-8", "Betal \xff kr."},
	}
	for _, tc := range refused {
		t.Run(tc.name, func(t *testing.T) {
			_, err := e.svc.BeginLogin(e.ctx, mitid.LoginRequest{UserID: h.user.UserID, Action: mitid.ActionApprove, Text: tc.text, Level: mitid.LevelLow})
			require.ErrorIs(t, err, mitid.ErrInvalid)
			var me *mitid.Error
			require.ErrorAs(t, err, &me)
			assert.Equal(t, mitid.CodeLoginInvalid, me.Code)
			assert.Equal(t, "text", me.Field)
		})
	}
	accepted := []string{"Log på hos Skattestyrelsen", "Tiếng Việt: Hà Nội", "مرحبا", "Betal 100 kr. 😀", strings.Repeat("æ", 130)}
	for _, text := range accepted {
		_, err := e.svc.BeginLogin(e.ctx, mitid.LoginRequest{UserID: h.user.UserID, Action: mitid.ActionApprove, Text: text, Level: mitid.LevelLow})
		assert.NoError(t, err, "%q", text)
	}
}

// TestBeginLogin_EveryCharacterOfARefusedClassIsRefused walks the Unicode
// tables: every character of Cc, Cf, Zl, Zp and Bidi_Control, and a sample
// of Co, is refused in a transaction text.
func TestBeginLogin_EveryCharacterOfARefusedClassIsRefused(t *testing.T) {
	e := newLoginEnv(t, checkedStore(t))
	h := e.enrol(t, "classes", mitid.LevelSubstantial, mitid.KindApp)
	tables := map[string]*unicode.RangeTable{"Cc": unicode.Cc, "Cf": unicode.Cf, "Zl": unicode.Zl, "Zp": unicode.Zp, "Bidi_Control": unicode.Bidi_Control}
	seen := 0
	check := func(class string, r rune) {
		_, err := e.svc.BeginLogin(e.ctx, mitid.LoginRequest{UserID: h.user.UserID, Action: mitid.ActionApprove, Text: "Betal " + string(r) + " 100 kr.", Level: mitid.LevelLow})
		assert.Equal(t, mitid.CodeLoginInvalid, mitid.ErrorCode(err), "%s %U", class, r)
		seen++
	}
	for class, tab := range tables {
		for _, rg := range tab.R16 {
			for r := rune(rg.Lo); r <= rune(rg.Hi); r += rune(rg.Stride) {
				check(class, r)
			}
		}
		for _, rg := range tab.R32 {
			for r := rune(rg.Lo); r <= rune(rg.Hi); r += rune(rg.Stride) {
				check(class, r)
			}
		}
	}
	for _, r := range []rune{0xE000, 0xF8FF, 0xF0000, 0x10FFFD} { // Co
		check("Co", r)
	}
	assert.Greater(t, seen, 200)
}

// TestBeginLogin_TextIsNormalisedBeforeItIsShownAndSigned: a decomposed
// "å" and a composed one are the same text for the app's signature.
func TestBeginLogin_TextIsNormalisedBeforeItIsShownAndSigned(t *testing.T) {
	e := newLoginEnv(t, checkedStore(t))
	h := e.enrol(t, "nfc-text", mitid.LevelSubstantial, mitid.KindApp)
	l, err := e.svc.BeginLogin(e.ctx, mitid.LoginRequest{UserID: h.user.UserID, Action: mitid.ActionLogOn, Text: "Log pa\u030A", Level: mitid.LevelLow})
	require.NoError(t, err)
	assert.Equal(t, "Log på", l.Text)
	l = e.complete(t, h, l)
	res, err := e.svc.FinishLogin(e.ctx, l.ID)
	require.NoError(t, err)
	assert.Equal(t, mitid.LevelSubstantial, res.LoA)
}

// TestBeginLogin_RelyingPartyNameIsCheckedAndMarkedInTheLog: a relying
// party's name is checked as a text is, and the activity log shows it as a
// relying party, never as "support".
func TestBeginLogin_RelyingPartyNameIsCheckedAndMarkedInTheLog(t *testing.T) {
	e := newLoginEnv(t, checkedStore(t))
	h := e.enrol(t, "rp-name", mitid.LevelSubstantial, mitid.KindApp)
	for _, name := range []string{"bank\u202E", strings.Repeat("b", 65), "\u200B", "a\nb"} {
		_, err := e.svc.BeginLogin(e.ctx, mitid.LoginRequest{UserID: h.user.UserID, Action: mitid.ActionLogOn, Text: "Log på", Level: mitid.LevelLow, RelyingParty: name})
		var me *mitid.Error
		require.ErrorAs(t, err, &me, "%q", name)
		assert.Equal(t, "relying_party", me.Field)
	}
	l, err := e.svc.BeginLogin(e.ctx, mitid.LoginRequest{UserID: h.user.UserID, Action: mitid.ActionLogOn, Text: "Log på", Level: mitid.LevelLow, RelyingParty: "support"})
	require.NoError(t, err)
	_, err = e.svc.FinishLogin(e.ctx, e.complete(t, h, l).ID)
	require.NoError(t, err)
	log, err := e.svc.ActivityLog(e.ctx, h.user.ID, mitid.EventFilter{Types: []mitid.EventType{mitid.EventAuthenticatorUsed}})
	require.NoError(t, err)
	assert.Equal(t, "relying party: support", log[0].Actor)
}

// TestLogin_EveryUseIsOneMessagePerLogin: a code display login has two
// factors and sends one message.
func TestLogin_EveryUseIsOneMessagePerLogin(t *testing.T) {
	e := newLoginEnv(t, checkedStore(t))
	h := e.enrol(t, "one-message", mitid.LevelSubstantial, mitid.KindCodeDisplay)
	_, _, err := e.svc.ChangeContact(e.ctx, h.user.ID, mitid.Contact{NotifyEveryUse: ptr(true)})
	require.NoError(t, err)
	_, err = e.svc.FinishLogin(e.ctx, e.complete(t, h, e.begin(t, h, mitid.LevelSubstantial)).ID)
	require.NoError(t, err)
	log, err := e.svc.ActivityLog(e.ctx, h.user.ID, mitid.EventFilter{Types: []mitid.EventType{mitid.EventAuthenticatorUsed}})
	require.NoError(t, err)
	require.Len(t, log, 1, "one use per login")
	assert.Equal(t, mitid.KindCodeDisplay, log[0].Kind)
	assert.Len(t, log[0].Notify, 1, "one message on the holder's one channel")
}

// fuzzTextLogin is a login env for the fuzz targets.
func fuzzShown(f *testing.F, field string, request func(s string) mitid.LoginRequest, limit int) {
	e := newLoginEnv(f, checkedStore(f))
	h := e.enrol(f, "fuzz-"+field, mitid.LevelSubstantial, mitid.KindApp)
	for _, s := range []string{"Log på", "a\u202Eb", "\u0301", "Tiếng Việt", "\u2028", "\U000E0041", "a\u0301\u0301\u0301\u0301"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		r := request(s)
		r.UserID = h.user.UserID
		l, err := e.svc.BeginLogin(e.ctx, r)
		if err != nil {
			assert.Equal(t, mitid.CodeLoginInvalid, mitid.ErrorCode(err), "%q: %v", s, err)
			return
		}
		shown := l.Text
		if field == "relying_party" {
			return // the name is not in the view; accepted is enough
		}
		assert.True(t, utf8.ValidString(shown) && norm.NFC.IsNormalString(shown), "%q", shown)
		assert.LessOrEqual(t, utf8.RuneCountInString(shown), limit)
		for _, r := range shown {
			assert.False(t, unicode.In(r, unicode.Cc, unicode.Cf, unicode.Zl, unicode.Zp, unicode.Co, unicode.Bidi_Control), "%q holds %U", shown, r)
		}
	})
}

func FuzzTransactionText(f *testing.F) {
	fuzzShown(f, "text", func(s string) mitid.LoginRequest {
		return mitid.LoginRequest{Action: mitid.ActionApprove, Text: s, Level: mitid.LevelLow}
	}, 130)
}

func FuzzRelyingPartyName(f *testing.F) {
	fuzzShown(f, "relying_party", func(s string) mitid.LoginRequest {
		return mitid.LoginRequest{Action: mitid.ActionApprove, Text: "Log på", Level: mitid.LevelLow, RelyingParty: s}
	}, 64)
}
