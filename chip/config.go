package chip

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"fmt"
	"io"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/go-webauthn/webauthn/protocol"
	"github.com/go-webauthn/webauthn/webauthn"

	"github.com/go-mitid/mitid/chip/credential"
)

// Attestation statement formats a MitID chip registration may use.
const (
	// FormatFIDOU2F is what a browser reports for a FIDO U2F chip such as
	// the MitID chip: the chip's raw U2F registration turned into WebAuthn.
	FormatFIDOU2F = credential.FormatFIDOU2F
	// FormatPacked is the WebAuthn-native format of FIDO2 security keys.
	FormatPacked = credential.FormatPacked
)

// DefaultTimeout is how long a ceremony may take when Config.Timeout is zero.
// WebAuthn recommends 5 to 10 minutes when user verification is discouraged;
// connecting a chip over Bluetooth or NFC can take a while.
const DefaultTimeout = 5 * time.Minute

// OwnerLookup finds which user, if any, a chip credential ID is bound to. The
// root's store implements it; it lets FinishRegistration refuse a chip that is
// already bound to another user with a clear error. It is a courtesy check:
// the store must still enforce uniqueness of credential IDs atomically when it
// commits, because two registrations can race past any lookup.
type OwnerLookup interface {
	// CredentialOwner returns the user ID (WebAuthn user handle) owning the
	// credential ID, and found=false if no user has it.
	CredentialOwner(ctx context.Context, credentialID []byte) (userID []byte, found bool, err error)
}

// Config configures a Verifier. RPID, RPName and Origins are required.
type Config struct {
	// RPID is the WebAuthn relying party ID, a domain such as "mitid.dk".
	RPID string
	// RPName is the relying party name a browser may show, e.g. "MitID".
	RPName string
	// Origins are the exact web origins allowed to run ceremonies, e.g.
	// "https://mitid.dk". Each must be https (http only for localhost) and
	// on RPID or a subdomain of it, or a browser would never use it.
	Origins []string
	// AppID is the legacy FIDO U2F AppID under which chips were registered
	// before WebAuthn, e.g. "https://mitid.dk/u2f/appid.json". Optional.
	// When set, logins with a legacy credential request the WebAuthn AppID
	// extension and registrations request the AppID exclusion extension.
	AppID string
	// Timeout is the lifetime of a Challenge and the timeout sent to the
	// browser. Zero means DefaultTimeout.
	Timeout time.Duration
	// AttestationFormats lists the attestation formats accepted at
	// registration. Empty means fido-u2f and packed. "none" is never
	// accepted: registration asks for direct attestation.
	AttestationFormats []string
	// AttestationRoots, when set, requires the attestation certificate to
	// chain to one of these roots (e.g. the chip vendor's attestation CA),
	// checked at Now. Self attestation is then refused. When nil any valid
	// attestation signature is accepted and the caller decides by
	// Credential.AttestationType and AttestationCert.
	AttestationRoots *x509.CertPool
	// AllowZeroCounter accepts an assertion whose signature counter is zero
	// when the stored counter is zero too, which WebAuthn permits for
	// authenticators without a counter. A FIDO U2F chip always counts, so
	// the default (false) refuses it as ErrCounterNotIncreased: a chip that
	// stops counting cannot be told from a clone.
	AllowZeroCounter bool
	// Owners, when set, is asked by FinishRegistration whether the new
	// credential ID is already bound to a user.
	Owners OwnerLookup
	// Rand is the source of challenges. Nil means crypto/rand.Reader.
	Rand io.Reader
	// Now is the clock challenges expire by. Nil means time.Now.
	Now func() time.Time
}

// Verifier runs WebAuthn registration and login ceremonies for MitID chips.
// It holds configuration only, no per-user or per-ceremony state: the caller
// stores Credentials and Challenges. It is safe for concurrent use.
type Verifier struct {
	wa        *webauthn.WebAuthn
	rpID      string
	origins   []string
	appID     string
	rpIDHash  [32]byte
	appIDHash [32]byte
	timeout   time.Duration
	formats   []string
	roots     *x509.CertPool
	allowZero bool
	owners    OwnerLookup
	rand      io.Reader
	now       func() time.Time
}

// New validates cfg and builds a Verifier. The go-webauthn relying party is
// built here once, not on every ceremony.
func New(cfg Config) (*Verifier, error) {
	if cfg.RPName == "" {
		return nil, fmt.Errorf("%w: RPName is empty", ErrInvalidConfig)
	}
	if err := protocol.ValidateRPID(cfg.RPID); err != nil || cfg.RPID == "" {
		return nil, fmt.Errorf("%w: RPID %q is not a valid domain", ErrInvalidConfig, cfg.RPID)
	}
	if len(cfg.Origins) == 0 {
		return nil, fmt.Errorf("%w: no Origins", ErrInvalidConfig)
	}
	for _, o := range cfg.Origins {
		if err := checkOrigin(o, cfg.RPID); err != nil {
			return nil, err
		}
	}
	if cfg.AppID != "" {
		if err := checkAppID(cfg.AppID, cfg.RPID); err != nil {
			return nil, err
		}
	}
	if cfg.Timeout < 0 {
		return nil, fmt.Errorf("%w: negative Timeout %v", ErrInvalidConfig, cfg.Timeout)
	}
	timeout := cfg.Timeout
	if timeout == 0 {
		timeout = DefaultTimeout
	}
	formats := []string{FormatFIDOU2F, FormatPacked}
	if len(cfg.AttestationFormats) > 0 {
		formats = slices.Clone(cfg.AttestationFormats)
		for _, f := range formats {
			if f != FormatFIDOU2F && f != FormatPacked {
				return nil, fmt.Errorf("%w: attestation format %q is not supported; use %q or %q", ErrInvalidConfig, f, FormatFIDOU2F, FormatPacked)
			}
		}
	}

	wa, err := webauthn.New(&webauthn.Config{
		RPID:                  cfg.RPID,
		RPDisplayName:         cfg.RPName,
		RPOrigins:             slices.Clone(cfg.Origins),
		AttestationPreference: protocol.PreferDirectAttestation,
		AuthenticatorSelection: protocol.AuthenticatorSelection{
			AuthenticatorAttachment: protocol.CrossPlatform,
			RequireResidentKey:      protocol.ResidentKeyNotRequired(),
			ResidentKey:             protocol.ResidentKeyRequirementDiscouraged,
			// The chip has no PIN or biometric; MitID asks for the
			// password separately.
			UserVerification: protocol.VerificationDiscouraged,
		},
		// Expiry is enforced by this package against the injected clock;
		// go-webauthn's own enforcement would read the wall clock.
		Timeouts: webauthn.TimeoutsConfig{
			Login:        webauthn.TimeoutConfig{Timeout: timeout, TimeoutUVD: timeout},
			Registration: webauthn.TimeoutConfig{Timeout: timeout, TimeoutUVD: timeout},
		},
		Filtering: &webauthn.FilteringConfig{ProhibitBackupEligibility: true},
	})
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrInvalidConfig, err) //nolint:errorlint // go-webauthn's errors stay out of this package's API: its detail is kept in the message only
	}

	v := &Verifier{
		wa:        wa,
		rpID:      cfg.RPID,
		origins:   slices.Clone(cfg.Origins),
		appID:     cfg.AppID,
		rpIDHash:  sha256.Sum256([]byte(cfg.RPID)),
		timeout:   timeout,
		formats:   formats,
		roots:     cfg.AttestationRoots,
		allowZero: cfg.AllowZeroCounter,
		owners:    cfg.Owners,
		rand:      cfg.Rand,
		now:       cfg.Now,
	}
	if cfg.AppID != "" {
		v.appIDHash = sha256.Sum256([]byte(cfg.AppID))
	}
	if v.rand == nil {
		v.rand = rand.Reader
	}
	if v.now == nil {
		v.now = time.Now
	}
	return v, nil
}

// checkOrigin refuses an origin a browser would never run a ceremony for
// RPID from, so a typo fails at start-up rather than at the first login.
func checkOrigin(origin, rpID string) error {
	u, err := url.Parse(origin)
	if err != nil || u.Host == "" || u.Path != "" || u.RawQuery != "" || u.Fragment != "" || u.User != nil {
		return fmt.Errorf("%w: origin %q is not of the form https://host[:port]", ErrInvalidConfig, origin)
	}
	host := u.Hostname()
	switch {
	case u.Scheme == "https":
	case u.Scheme == "http" && host == "localhost":
	default:
		return fmt.Errorf("%w: origin %q must use https (http is allowed only for localhost)", ErrInvalidConfig, origin)
	}
	if !domainWithin(host, rpID) {
		return fmt.Errorf("%w: origin %q is not on RPID %q or a subdomain of it", ErrInvalidConfig, origin, rpID)
	}
	return nil
}

// checkAppID accepts an AppID only if it is an https URL on the same site as
// RPID, as browsers require before they honour the AppID extension.
func checkAppID(appID, rpID string) error {
	u, err := url.Parse(appID)
	if err != nil || u.Scheme != "https" || u.Host == "" {
		return fmt.Errorf("%w: AppID %q must be an https URL", ErrInvalidConfig, appID)
	}
	host := u.Hostname()
	if !domainWithin(host, rpID) && !domainWithin(rpID, host) {
		return fmt.Errorf("%w: AppID host %q and RPID %q are not the same site", ErrInvalidConfig, host, rpID)
	}
	return nil
}

// domainWithin reports whether host is domain or a subdomain of it.
func domainWithin(host, domain string) bool {
	host, domain = strings.ToLower(host), strings.ToLower(domain)
	return host == domain || strings.HasSuffix(host, "."+domain)
}

// RPID returns the relying party ID the Verifier was configured with.
func (v *Verifier) RPID() string { return v.rpID }
