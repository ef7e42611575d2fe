// This file pins the modules the project has chosen (see README) while not
// every package that uses them has landed; it is never built.

//go:build tools

package mitid

import (
	_ "github.com/chromedp/chromedp"
	_ "github.com/descope/virtualwebauthn"
	_ "github.com/go-webauthn/webauthn/webauthn"
	_ "github.com/google/uuid"
	_ "github.com/jackc/pgx/v5"
	_ "github.com/pquerna/otp/totp"
	_ "github.com/stretchr/testify/require"
	_ "golang.org/x/crypto/argon2"
)
