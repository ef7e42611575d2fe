package passport

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"

	"github.com/go-mitid/mitid/passport/internal/apdu"
	"github.com/go-mitid/mitid/passport/internal/sm"
)

// defaultMaxFileSize bounds how large a file ReadFile accepts when
// sessionOptions.MaxFileSize is zero. Face images (DG2) are typically
// 15–100 KB; fingerprints (DG3) can be a few hundred.
const defaultMaxFileSize = 1 << 20

// defaultReadChunk is the number of bytes each READ BINARY asks for when
// sessionOptions.ReadChunk is zero: the largest amount whose protected
// response (AES padding, DO'87', DO'99', DO'8E') still fits a short
// 256-byte response.
const defaultReadChunk = 0xDF

// sessionOptions configures a session. The zero value is usable.
type sessionOptions struct {
	// Rand supplies nonces and ephemeral keys; nil means crypto/rand.
	// Tests inject fixed bytes to replay the ICAO worked examples.
	Rand io.Reader
	// MaxFileSize is the largest file ReadFile will read (the size a chip
	// announces is checked before anything is read); 0 means defaultMaxFileSize.
	MaxFileSize int
	// ReadChunk is the number of bytes each READ BINARY requests. Values
	// above 223 need a chip (and reader) with extended-length support;
	// 0 means defaultReadChunk.
	ReadChunk int
}

// session is a conversation with one chip: plain at first, then protected by
// secure messaging once BAC, PACE or Chip Authentication succeeds. Its
// methods must not be called concurrently (a chip serves one command at a
// time); use one session per chip.
type session struct {
	t           Transceiver
	rand        io.Reader
	maxFileSize int
	readChunk   int

	sm     *sm.Channel
	broken error // set when secure messaging failed; cleared by a new BAC/PACE
}

// newSession starts a session over t. opts may be nil.
func newSession(t Transceiver, opts *sessionOptions) *session {
	s := &session{t: t, rand: rand.Reader, maxFileSize: defaultMaxFileSize, readChunk: defaultReadChunk}
	if opts != nil {
		if opts.Rand != nil {
			s.rand = opts.Rand
		}
		if opts.MaxFileSize > 0 {
			s.maxFileSize = opts.MaxFileSize
		}
		if opts.ReadChunk > 0 {
			s.readChunk = min(opts.ReadChunk, apdu.MaxExtendedNe-64)
		}
	}
	return s
}

// SecureMessaging names the cipher protecting the session ("3DES",
// "AES-128", …), or "" while the session is plain.
func (s *session) SecureMessaging() string {
	if s.sm == nil {
		return ""
	}
	return s.sm.Cipher().String()
}

// Transmit sends one command, wrapped in secure messaging when the session
// has it, and returns the (unwrapped) response. It returns an error when the
// exchange fails or the protection does not verify; a status word other than
// 9000 comes back in the Response (see Response.Err).
func (s *session) Transmit(ctx context.Context, c apdu.Command) (apdu.Response, error) {
	if err := ctx.Err(); err != nil {
		return apdu.Response{}, err
	}
	if s.broken != nil {
		return apdu.Response{}, s.broken
	}
	ch := s.sm
	wire := c
	if ch != nil {
		var err error
		if wire, err = ch.ProtectCommand(c); err != nil {
			return apdu.Response{}, err
		}
	}
	cmd, err := wire.Bytes()
	if err != nil {
		return apdu.Response{}, err
	}
	raw, err := s.t.Transceive(ctx, cmd)
	if err != nil {
		return apdu.Response{}, fmt.Errorf("passport: transceive %02X %02X: %w", c.CLA, c.INS, err)
	}
	if ch == nil {
		return apdu.ParseResponse(raw)
	}
	r, err := ch.UnprotectResponse(raw)
	if err != nil {
		s.sm = nil
		s.broken = fmt.Errorf("%w (session closed after an earlier failure)", sm.ErrSecureMessaging)
		return apdu.Response{}, err
	}
	return r, nil
}

// transmitOK is Transmit that also turns a status word other than 9000
// into an error.
func (s *session) transmitOK(ctx context.Context, c apdu.Command) ([]byte, error) {
	r, err := s.Transmit(ctx, c)
	if err != nil {
		return nil, err
	}
	if err := r.Err(); err != nil {
		return nil, err
	}
	return r.Data, nil
}

// startSM installs a new secure channel, replacing any previous one (as after
// Chip Authentication) and clearing an earlier failure.
func (s *session) startSM(sc *sm.Channel) {
	s.sm = sc
	s.broken = nil
}

// SelectApplication selects the ICAO eMRTD application (LDS1), which holds
// EF.COM, EF.SOD and the data groups.
func (s *session) SelectApplication(ctx context.Context) error {
	_, err := s.transmitOK(ctx, apdu.SelectApp(apdu.EMRTDAID))
	if err != nil {
		return fmt.Errorf("passport: selecting the eMRTD application: %w", err)
	}
	return nil
}

// InternalAuthenticate sends the Active Authentication challenge (8 bytes,
// ICAO 9303 Part 11 §6.1) and returns the chip's signature, which
// VerifyActive checks against the DG15 key. The challenge must be fresh and
// unpredictable (draw it from a random source), or a recorded answer could
// be replayed by a clone.
func (s *session) InternalAuthenticate(ctx context.Context, challenge []byte) ([]byte, error) {
	sig, err := s.transmitOK(ctx, apdu.Command{INS: apdu.INSInternalAuthenticate, Data: challenge, Ne: apdu.MaxShortNe})
	if err != nil {
		return nil, fmt.Errorf("passport: INTERNAL AUTHENTICATE: %w", err)
	}
	return sig, nil
}

// selectMF selects the master file, where EF.CardAccess lives.
func (s *session) selectMF(ctx context.Context) error {
	_, err := s.transmitOK(ctx, apdu.SelectMF())
	return err
}

// errNoProgress guards loops against a chip that answers 9000 with no data.
var errNoProgress = errors.New("passport: chip returned no data for READ BINARY")
