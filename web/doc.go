// Package web serves a MitID login and chip registration to browsers as
// http.Handlers with JSON bodies, for a relying party to mount on its own
// site. It builds on the root package and adds no rule of its own beyond the
// web's: which origin may post, which request is forged, how big a body may
// be, how long a page may be framed (never), and how a library error reads
// as an HTTP status.
//
// # Endpoints
//
// Paths are relative to where the Handler is mounted (use http.StripPrefix).
// Every POST takes Content-Type application/json, at most Config.MaxBody
// bytes, must come from Config.Origin, and (except the app's approval,
// which a phone posts) must carry the CSRF token in the X-CSRF-Token header.
//
//	GET  /csrf                      → {"csrf_token": "…"} and the CSRF cookie
//	POST /login                     {"user_id": "…", "context": "…"} → Login
//	GET  /login/{id}                → Login (with its options)
//	POST /login/{id}/method         {"method": "code_display", "authenticator": "uuid"?} → Login
//	POST /login/{id}/code           {"code": "123456"} → Login
//	POST /login/{id}/password       {"password": "…"} → Login
//	POST /login/{id}/approval       {"signature": "base64url"} → Login (the app; no CSRF token)
//	POST /login/{id}/chip           {"credential": PublicKeyCredential.toJSON()} → Login
//	POST /login/{id}/finish         → Result (after the app's approval)
//	POST /login/{id}/cancel         → 204
//	POST /chip/registration         {"authenticator": "uuid"} → {"session": "…", "options": PublicKeyCredentialCreationOptionsJSON}
//	POST /chip/registration/finish  {"session": "…", "credential": …, "password": "…"?} → Authenticator
//	GET  /mitid-webauthn.js, /mitid-login.js, /mitid.css   the helper script, the login box's script and style
//
// A login is bound to the browser that began it: POST /login sets an
// HttpOnly cookie with the login's ID, and every later browser call must
// carry it, so a login ID seen in a log or over a shoulder cannot be driven
// from elsewhere. Only the approval endpoint does without it: the app is not
// the browser, and an approval is a signature nobody can make without the
// app's key.
//
// # Finishing
//
// Every login begun here is begun with mitid.LoginRequest.FinishAtLastFactor:
// the browser's step that gives the last factor (the password after a code,
// the chip) finishes the login, and answers with the Login, "next": "done",
// carrying the Result; Config.Finished has it first. That saves the browser
// a request and the database a commit. An app's approval is posted by the
// phone, and the result must reach the browser, not the phone: the
// browser, which polls GET /login/{id}, sees "done" without a result and
// posts /login/{id}/finish. mitid-login.js does both.
//
// # JSON shapes
//
// Login (see LoginView):
//
//	{"id": "…", "action": "LOG_ON", "text": "…", "level": "Substantial",
//	 "expires_at": "RFC 3339", "method": "code_display", "next": "code",
//	 "options": [{"method": "app", "authenticator": "uuid", "kind": "app",
//	              "label": "…", "aal": "Substantial", "usable": true,
//	              "reason": "…"?, "until": "RFC 3339"?}],
//	 "challenge": "base64url"?, "chip_options": PublicKeyCredentialRequestOptionsJSON?,
//	 "result": Result?}
//
// chip_options and the registration's options are the WebAuthn options as
// the browser's JSON helpers take them (binary members as base64url text):
// hand them to PublicKeyCredential.parseRequestOptionsFromJSON or
// parseCreationOptionsFromJSON, or to mitid-webauthn.js, which does the same
// where the browser lacks those helpers. Post back the credential's toJSON().
//
// Result (see ResultView): {"user_id", "action", "text_hash" (hex), "method",
// "kinds", "ial", "aal", "loa", "at", "redirect"?}.
//
// Error (see ErrorBody): {"code": "wrong_code", "message": "…", "until":
// "RFC 3339"?, "field": "…"?}. The code is the library's mitid.Code, or one
// of this package's own (CodeBadJSON and the rest) for what is wrong with the
// request itself; Status gives the HTTP status of each.
package web
