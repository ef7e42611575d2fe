// Command codedisplayonly is a relying party that uses only MitID's code
// display: it gives a citizen a code display and logs them on with it and
// their password. It sets no Config.Chip, so the program links none of the
// WebAuthn verifier (go-webauthn and what it pulls in); its test holds it to
// that with go list -deps.
//
//	go run ./examples/codedisplayonly
package main

import (
	"context"
	"crypto/rand"
	"fmt"
	"io"
	"os"
	"sync"
	"time"

	"github.com/go-mitid/mitid"
	"github.com/go-mitid/mitid/codedisplay"
	"github.com/go-mitid/mitid/codedisplay/codedisplaytest"
	"github.com/go-mitid/mitid/store/memory"
)

const password = "korrekt hest batteri" //nolint:gosec // G101: the demo person's published password, not a secret

// clock is a simulated clock the walk moves forward by hand.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.now }

func (c *clock) advance(d time.Duration) { c.mu.Lock(); defer c.mu.Unlock(); c.now = c.now.Add(d) }

func main() {
	if err := run(os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "codedisplayonly:", err)
		os.Exit(1)
	}
}

func run(w io.Writer) error {
	ctx := context.Background()
	clk := &clock{now: time.Date(2026, 11, 21, 9, 0, 0, 0, time.UTC)}
	keys, err := mitid.NewRandomKeyRing(rand.Reader) // a demo key ring; production loads its keys
	if err != nil {
		return err
	}
	svc, err := mitid.New(mitid.Config{Store: memory.New(), Keys: keys, Clock: clk})
	if err != nil {
		return err
	}
	u, _, err := svc.CreateUser(ctx, mitid.UserRequest{
		UserID: "Anna.Hansen", CPR: "010190-1234", Name: "Anna Hansen", Email: "anna@example.dk",
		Channels: []mitid.Channel{mitid.ChannelEmail}, Language: mitid.English, IAL: mitid.LevelSubstantial,
	})
	if err != nil {
		return err
	}

	// The issuer records the display's serial number and seed when it ships
	// it; the person activates it with a paper code and the code it shows.
	device, err := codedisplaytest.Manufacture(rand.Reader, codedisplay.MitIDParams(), clk.Now)
	if err != nil {
		return err
	}
	_, evs, err := svc.AddCodeDevice(ctx, u.ID, mitid.CodeDeviceRequest{Kind: mitid.KindCodeDisplay,
		Serial: device.Serial().String(), Seed: device.Seed(), State: mitid.StatePendingActivation})
	if err != nil {
		return err
	}
	code, err := device.Code()
	if err != nil {
		return err
	}
	paper, _, _, err := svc.IssueCode(ctx, u.ID, mitid.PurposeActivation, mitid.CodeOnPaper)
	if err != nil {
		return err
	}
	if _, _, err = svc.ActivateWithCode(ctx, u.UserID, evs[0].Authenticator, mitid.ActivationCodes{
		Code: paper, Serial: device.Serial().String(), DeviceCode: code, Password: password}); err != nil {
		return err
	}
	fmt.Fprintf(w, "Code display %s is active.\n", device.Serial())

	clk.advance(time.Minute)
	login, err := svc.BeginLogin(ctx, mitid.LoginRequest{UserID: "anna.hansen", Action: mitid.ActionLogOn,
		Text: "Log på hos Skattestyrelsen", Level: mitid.LevelSubstantial, RelyingParty: "skat.dk"})
	if err != nil {
		return err
	}
	if code, err = device.Code(); err != nil {
		return err
	}
	if login, err = svc.SubmitCode(ctx, login.ID, code); err != nil {
		return err
	}
	if _, err = svc.SubmitPassword(ctx, login.ID, password); err != nil {
		return err
	}
	result, err := svc.FinishLogin(ctx, login.ID)
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "Logged on: %s.\n", result)
	return nil
}
