package mitidtest

import (
	"fmt"
	"time"

	"github.com/google/uuid"

	"github.com/go-mitid/mitid"
	"github.com/go-mitid/mitid/app/apptest"
	"github.com/go-mitid/mitid/chip/chiptest"
	"github.com/go-mitid/mitid/codedisplay"
	"github.com/go-mitid/mitid/codedisplay/codedisplaytest"
)

// The secrets every Person the kit enrols uses.
const (
	// Password is the MitID password of every enrolled Person.
	Password = "korrekt hest batteri"
	// AppPIN is the PIN of every enrolled Person's simulated app.
	AppPIN = "123456"
)

// Person is an enrolled user with the simulated authenticators that answer
// for them. A field is nil (or uuid.Nil) for a kind the Person was not
// enrolled with; a code display and an audio code reader share Display.
type Person struct {
	// User is the user as stored after enrolment.
	User *mitid.User
	// Display is the simulated code display or audio code reader.
	Display *codedisplaytest.Device
	// DisplayID is its authenticator's ID.
	DisplayID uuid.UUID
	// App is the simulated MitID app; its PIN is AppPIN.
	App *apptest.Simulator
	// AppID is its authenticator's ID.
	AppID uuid.UUID
	// Chip is the simulated FIDO U2F chip, answering for Origin.
	Chip *chiptest.Simulator
	// ChipID is its authenticator's ID.
	ChipID uuid.UUID
}

// Enrol creates a user with user ID userID at identity level ial and
// activates an authenticator of each kind asked for, each by the path a
// real citizen takes: a code device or a chip with an activation code on
// paper (and the password), an app with a code shown for scanning and a
// temporary PIN by SMS. Every Person gets a distinct, valid CPR number.
// The clock moves 30 s past each code device's activation, so the code it
// showed is spent.
func (e *Env) Enrol(tb TB, userID string, ial mitid.Level, kinds ...mitid.Kind) *Person {
	tb.Helper()
	ctx := tb.Context()
	n := e.people.Add(1)
	u, _, err := e.Service.CreateUser(ctx, mitid.UserRequest{UserID: userID, CPR: CPR(n), IAL: ial, Phone: "+4512345678",
		Channels: []mitid.Channel{mitid.ChannelSMS}})
	if err != nil {
		tb.Fatalf("mitidtest: create %q: %v", userID, err)
	}
	p := &Person{User: u}
	paper := func() string {
		code, _, _, err := e.Service.IssueCode(ctx, u.ID, mitid.PurposeActivation, mitid.CodeOnPaper)
		if err != nil {
			tb.Fatalf("mitidtest: paper activation code for %q: %v", userID, err)
		}
		return code
	}
	for _, k := range kinds {
		switch k {
		case mitid.KindCodeDisplay, mitid.KindAudioReader:
			dev, err := codedisplaytest.Manufacture(e.Rand(), codedisplay.MitIDParams(), e.Clock.Now)
			if err != nil {
				tb.Fatalf("mitidtest: manufacture a %s: %v", k, err)
			}
			_, evs, err := e.Service.AddCodeDevice(ctx, u.ID, mitid.CodeDeviceRequest{Kind: k, Serial: dev.Serial().String(), Seed: dev.Seed(), State: mitid.StatePendingActivation})
			if err != nil {
				tb.Fatalf("mitidtest: add a %s: %v", k, err)
			}
			code, err := dev.Code()
			if err != nil {
				tb.Fatalf("mitidtest: %s code: %v", k, err)
			}
			_, _, err = e.Service.ActivateWithCode(ctx, u.UserID, evs[0].Authenticator, mitid.ActivationCodes{Code: paper(),
				Serial: dev.Serial().String(), DeviceCode: code, Password: Password})
			if err != nil {
				tb.Fatalf("mitidtest: activate a %s: %v", k, err)
			}
			p.Display, p.DisplayID = dev, evs[0].Authenticator
			e.Clock.Advance(30 * time.Second)
		case mitid.KindApp:
			sim, err := apptest.NewSimulator(e.Rand(), AppPIN)
			if err != nil {
				tb.Fatalf("mitidtest: app simulator: %v", err)
			}
			_, evs, err := e.Service.AddApp(ctx, u.ID, "phone", sim.PublicKey())
			if err != nil {
				tb.Fatalf("mitidtest: add an app: %v", err)
			}
			code, _, _, err := e.Service.IssueCode(ctx, u.ID, mitid.PurposeActivation, mitid.CodeByAppScan)
			if err != nil {
				tb.Fatalf("mitidtest: app activation code: %v", err)
			}
			pin, _, _, err := e.Service.IssueCode(ctx, u.ID, mitid.PurposeTemporaryPIN, mitid.CodeBySMS)
			if err != nil {
				tb.Fatalf("mitidtest: temporary PIN: %v", err)
			}
			if _, _, err = e.Service.ActivateWithCode(ctx, u.UserID, evs[0].Authenticator, mitid.ActivationCodes{Code: code, TemporaryPIN: pin}); err != nil {
				tb.Fatalf("mitidtest: activate an app: %v", err)
			}
			p.App, p.AppID = sim, evs[0].Authenticator
		case mitid.KindChip:
			sim, err := chiptest.NewSimulator(e.Rand())
			if err != nil {
				tb.Fatalf("mitidtest: chip simulator: %v", err)
			}
			_, evs, err := e.Service.AddAuthenticator(ctx, u.ID, mitid.AuthenticatorRequest{Kind: mitid.KindChip, State: mitid.StatePendingActivation})
			if err != nil {
				tb.Fatalf("mitidtest: add a chip: %v", err)
			}
			opts, sess, err := e.Service.BeginChipActivationWithCode(ctx, u.UserID, evs[0].Authenticator, paper())
			if err != nil {
				tb.Fatalf("mitidtest: begin chip activation: %v", err)
			}
			resp, err := sim.Register(opts, Origin)
			if err != nil {
				tb.Fatalf("mitidtest: chip registration: %v", err)
			}
			if _, _, err = e.Service.FinishChipRegistration(ctx, sess, resp, mitid.ChipActivation{Password: Password}); err != nil {
				tb.Fatalf("mitidtest: finish chip activation: %v", err)
			}
			p.Chip, p.ChipID = sim, evs[0].Authenticator
		default:
			tb.Fatalf("mitidtest: Enrol cannot enrol a %q", k)
		}
	}
	if p.User, err = e.Service.User(ctx, u.ID); err != nil {
		tb.Fatalf("mitidtest: read %q back: %v", userID, err)
	}
	return p
}

// CPR returns a valid CPR number (digits and dash) for n, different for
// every n from 1 to 3,359,999: ten thousand serial numbers on each of 336
// days of 1990.
func CPR(n int64) string {
	day, month := 1+(n/10000)%28, 1+(n/280000)%12
	return fmt.Sprintf("%02d%02d90-%04d", day, month, n%10000)
}
