package main

// This file is the only one that drives devices: it enrols the login
// subjects with the library's own simulators (a code display, an audio code
// reader, the MitID app, a MitID chip) and plays each kind of login through
// the public API, as the login tests and examples/quickstart do. Everything
// else in the program calls enrol and login.

import (
	"context"
	"crypto/rand"
	"fmt"
	"sync"
	"time"

	"github.com/go-mitid/mitid"
	"github.com/go-mitid/mitid/app"
	"github.com/go-mitid/mitid/app/apptest"
	"github.com/go-mitid/mitid/chip"
	"github.com/go-mitid/mitid/chip/chiptest"
	"github.com/go-mitid/mitid/codedisplay"
	"github.com/go-mitid/mitid/codedisplay/codedisplaytest"
)

// origin is the web origin the chip ceremonies run on; password and pin
// are every subject's password and app PIN.
const (
	origin   = "https://mitid.example"
	rpID     = "mitid.example"
	password = "korrekt hest batteri"
	pin      = "123456"
)

// kind is a kind of complete login the program measures.
type kind string

const (
	kindCode  kind = "code display"
	kindAudio kind = "audio code reader"
	kindApp   kind = "app"
	kindChip  kind = "chip"
)

// kinds lists the login kinds in the order of the table.
var kinds = []kind{kindCode, kindAudio, kindApp, kindChip}

// kindNames are the kinds' names for -kinds.
var kindNames = map[string]kind{"code": kindCode, "audio": kindAudio, "app": kindApp, "chip": kindChip}

// subject is an enrolled user with one simulated authenticator. A subject
// is used by one client at a time.
type subject struct {
	userID string
	code   *codedisplaytest.Device      // code display and audio reader
	audio  *codedisplaytest.AudioDevice // audio reader
	phone  *apptest.Simulator
	chip   *chiptest.Simulator
	// lastStep is the time step of the last code the service accepted from
	// this device: a code is accepted once, so the next login needs a
	// later step (see login).
	lastStep int64
}

// chipVerifier is the WebAuthn relying party of the subjects' chips.
func chipVerifier(clk *clock) (*chip.Verifier, error) {
	return chip.New(chip.Config{RPID: rpID, RPName: "MitID", Origins: []string{origin}, Now: clk.Now})
}

// enrol creates a user at identity level Substantial with the one
// authenticator k needs, active, through the same calls a citizen's
// activation makes. n is the user's number (user ID and CPR number).
func enrol(ctx context.Context, svc *mitid.Service, clk *clock, k kind, n int) (*subject, error) {
	s := &subject{userID: subjectUserID(n)}
	u, _, err := svc.CreateUser(ctx, mitid.UserRequest{UserID: s.userID, CPR: cprAt(n), IAL: mitid.LevelSubstantial,
		Phone: "+4512345678", Channels: []mitid.Channel{mitid.ChannelSMS}})
	if err != nil {
		return nil, err
	}
	paper := func() (string, error) {
		c, _, _, err := svc.IssueCode(ctx, u.ID, mitid.PurposeActivation, mitid.CodeOnPaper)
		return c, err
	}
	switch k {
	case kindCode, kindAudio:
		dev, err := codedisplaytest.Manufacture(rand.Reader, codedisplay.MitIDParams(), clk.Now)
		if err != nil {
			return nil, err
		}
		mk := mitid.KindCodeDisplay
		if k == kindAudio {
			mk = mitid.KindAudioReader
			if s.audio, err = codedisplaytest.NewAudioDevice(dev, codedisplay.Danish); err != nil {
				return nil, err
			}
		}
		s.code = dev
		_, evs, err := svc.AddCodeDevice(ctx, u.ID, mitid.CodeDeviceRequest{Kind: mk, Serial: dev.Serial().String(), Seed: dev.Seed(), State: mitid.StatePendingActivation})
		if err != nil {
			return nil, err
		}
		code, err := paper()
		if err != nil {
			return nil, err
		}
		now := clk.Now()
		shown, err := s.read(now)
		if err != nil {
			return nil, err
		}
		s.lastStep = step(now)
		err = retryBusy(ctx, func() error {
			_, _, err := svc.ActivateWithCode(ctx, s.userID, evs[0].Authenticator, mitid.ActivationCodes{Code: code,
				Serial: dev.Serial().String(), DeviceCode: shown, Password: password})
			return err
		})
		if err != nil {
			return nil, err
		}
	case kindApp:
		if s.phone, err = apptest.NewSimulator(rand.Reader, pin); err != nil {
			return nil, err
		}
		_, evs, err := svc.AddApp(ctx, u.ID, "phone", s.phone.PublicKey())
		if err != nil {
			return nil, err
		}
		code, _, _, err := svc.IssueCode(ctx, u.ID, mitid.PurposeActivation, mitid.CodeByAppScan)
		if err != nil {
			return nil, err
		}
		tmp, _, _, err := svc.IssueCode(ctx, u.ID, mitid.PurposeTemporaryPIN, mitid.CodeBySMS)
		if err != nil {
			return nil, err
		}
		if _, _, err = svc.ActivateWithCode(ctx, s.userID, evs[0].Authenticator, mitid.ActivationCodes{Code: code, TemporaryPIN: tmp}); err != nil {
			return nil, err
		}
	case kindChip:
		if s.chip, err = chiptest.NewSimulator(rand.Reader); err != nil {
			return nil, err
		}
		_, evs, err := svc.AddAuthenticator(ctx, u.ID, mitid.AuthenticatorRequest{Kind: mitid.KindChip, State: mitid.StatePendingActivation})
		if err != nil {
			return nil, err
		}
		code, err := paper()
		if err != nil {
			return nil, err
		}
		opts, sess, err := svc.BeginChipActivationWithCode(ctx, s.userID, evs[0].Authenticator, code)
		if err != nil {
			return nil, err
		}
		resp, err := s.chip.Register(opts, origin)
		if err != nil {
			return nil, err
		}
		err = retryBusy(ctx, func() error {
			_, _, err := svc.FinishChipRegistration(ctx, sess, resp, mitid.ChipActivation{Password: password})
			return err
		})
		if err != nil {
			return nil, err
		}
	default:
		return nil, fmt.Errorf("unknown kind %q", k)
	}
	return s, nil
}

// read is what the person reads off (or, from the audio code reader,
// hears from) the device at t. The audio reader's code goes through its
// speech and back, as its user hears it.
func (s *subject) read(t time.Time) (string, error) {
	if s.audio == nil {
		return s.code.CodeAt(t)
	}
	wav, err := s.audio.SpeakAt(t)
	if err != nil {
		return "", err
	}
	return codedisplay.TranscribeWAV(wav, s.audio.Language())
}

// step is the code display's time step of t.
func step(t time.Time) int64 {
	return t.Unix() / int64(codedisplay.MitIDParams().Period/time.Second)
}

// login plays one complete login of s's kind, from BeginLogin to
// FinishLogin (or, when atLast, to the last factor's step, which finishes
// it: LoginRequest.FinishAtLastFactor, unless that was the app's approval,
// after which the page calls FinishLogin as ever), and returns how many
// password checks were refused as busy (and retried) on the way.
func login(ctx context.Context, svc *mitid.Service, clk *clock, s *subject, atLast bool, pace time.Duration) (busy int, err error) {
	// Time passes as logins are made, pace a login (see clock.pace), so
	// that each subject logs in once in a while of the program's clock.
	clk.pace(pace)
	defer clk.enter()()
	if s.code != nil {
		// A code is accepted once per time step: move the shared clock on
		// to the step after this device's last, if it is not there yet.
		clk.atLeast(time.Unix((s.lastStep+1)*int64(codedisplay.MitIDParams().Period/time.Second), 0))
	}
	l, err := svc.BeginLogin(ctx, mitid.LoginRequest{UserID: s.userID, Action: mitid.ActionLogOn,
		Text: "Log på hos Skattestyrelsen", Level: mitid.LevelSubstantial, RelyingParty: "skat.dk", FinishAtLastFactor: atLast})
	if err != nil {
		return 0, err
	}
	var last mitid.Step // the step that gave the last factor
	for l.Next != mitid.StepDone {
		last = l.Next
		switch l.Next {
		case mitid.StepCode:
			// The digits the device shows (or the audio reader speaks:
			// its speech was checked once at enrolment, and turning it
			// into sound and back is the listener's work, not the
			// server's, so it stays out of the measured loop).
			release := clk.hold()
			now := clk.Now()
			code, err := s.code.CodeAt(now)
			if err == nil {
				s.lastStep = step(now)
				id := l.ID
				l, err = submit(ctx, svc, id, &busy, func() (*mitid.Login, error) { return svc.SubmitCode(ctx, id, code) })
			}
			release()
			if err != nil {
				return busy, err
			}
		case mitid.StepPassword:
			id := l.ID
			if l, err = submit(ctx, svc, id, &busy, func() (*mitid.Login, error) { return svc.SubmitPassword(ctx, id, password) }); err != nil {
				return busy, err
			}
		case mitid.StepApproval:
			sig, err := s.phone.Approve(app.Request{Challenge: l.Challenge, Action: string(l.Action), Text: l.Text}, pin)
			if err != nil {
				return busy, err
			}
			id := l.ID
			if l, err = submit(ctx, svc, id, &busy, func() (*mitid.Login, error) { return svc.SubmitApproval(ctx, id, sig) }); err != nil {
				return busy, err
			}
		case mitid.StepChip:
			resp, err := s.chip.Login(l.ChipOptions, origin)
			if err != nil {
				return busy, err
			}
			// The password is compared once the chip has answered, so
			// this is the step a busy password check refuses.
			id := l.ID
			if l, err = submit(ctx, svc, id, &busy, func() (*mitid.Login, error) { return svc.SubmitChip(ctx, id, resp) }); err != nil {
				return busy, err
			}
		default:
			return busy, fmt.Errorf("unexpected login step %q", l.Next)
		}
	}
	if atLast && last != mitid.StepApproval {
		if l.Result == nil {
			return busy, fmt.Errorf("login %s: the last factor's step did not finish it", s.userID)
		}
		return busy, nil
	}
	_, err = svc.FinishLogin(ctx, l.ID)
	return busy, err
}

// submit makes one login step. A step the service refuses as busy (a
// password check beyond the argon2id memory budget) is not repeated as
// such: after a pause the login is read again, as a reloading browser
// would, and the loop in login goes on from the step it waits for (after
// a busy refusal of a chip login's held password that is the password
// again). Refusals are counted in busy.
func submit(ctx context.Context, svc *mitid.Service, id string, busy *int, f func() (*mitid.Login, error)) (*mitid.Login, error) {
	l, err := f()
	if mitid.ErrorCode(err) != mitid.CodeBusy {
		return l, err
	}
	*busy++
	if err := pause(ctx); err != nil {
		return nil, err
	}
	return svc.ResumeLogin(ctx, id)
}

// retryBusy runs f again while the service refuses a password check as
// busy (too many argon2id runs in flight at once).
func retryBusy(ctx context.Context, f func() error) error {
	for {
		err := f()
		if mitid.ErrorCode(err) != mitid.CodeBusy {
			return err
		}
		if err := pause(ctx); err != nil {
			return err
		}
	}
}

// pause waits a moment before a password check refused as busy is retried,
// as a person's browser would.
func pause(ctx context.Context) error {
	t := time.NewTimer(2 * time.Millisecond)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// enrolAll enrols per subjects of each kind with a few goroutines, and
// returns them by kind.
func enrolAll(ctx context.Context, svc *mitid.Service, clk *clock, per map[kind]int, from int) (map[kind][]*subject, error) {
	type job struct {
		k kind
		i int
		n int
	}
	var jobs []job
	n := from
	out := map[kind][]*subject{}
	for _, k := range kinds {
		out[k] = make([]*subject, per[k])
		for i := range per[k] {
			jobs = append(jobs, job{k, i, n})
			n++
		}
	}
	var (
		mu   sync.Mutex
		fail error
		wg   sync.WaitGroup
		next = make(chan job)
	)
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range next {
				s, err := enrol(ctx, svc, clk, j.k, j.n)
				mu.Lock()
				if err != nil && fail == nil {
					fail = fmt.Errorf("enrolling a %s subject: %w", j.k, err)
				}
				out[j.k][j.i] = s
				mu.Unlock()
			}
		}()
	}
	for _, j := range jobs {
		next <- j
	}
	close(next)
	wg.Wait()
	return out, fail
}
