// Command quickstart walks through go-mitid on the in-memory store: it
// enrols a citizen, changes their user ID, gives them authenticators and
// takes them through activation, a login, a waiting period, a suspension
// after wrong codes and a block, and finally prints the activity log and the
// notifications sent.
//
//	go run ./examples/quickstart
//
// The clock is simulated, so a 24-hour waiting period passes in an instant.
package main

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/google/uuid"

	"github.com/go-mitid/mitid"
	"github.com/go-mitid/mitid/chip"
	"github.com/go-mitid/mitid/chip/chiptest"
	"github.com/go-mitid/mitid/codedisplay"
	"github.com/go-mitid/mitid/codedisplay/codedisplaytest"
	"github.com/go-mitid/mitid/store/memory"
)

// password is Anna's MitID password in the walk-through; origin is the web
// origin the demo's chip ceremonies run on.
const (
	password = "korrekt hest batteri" //nolint:gosec // G101: the demo person's published password, not a secret
	origin   = "https://mitid.example"
)

// clock is a simulated clock the walk moves forward by hand.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.now }
func (c *clock) advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// inbox is a Notifier that prints what it would send.
type inbox struct{ lines []string }

func (b *inbox) Notify(_ context.Context, n mitid.Notification) error {
	b.lines = append(b.lines, fmt.Sprintf("%-5s to %-16s %s", n.Delivery.Channel, n.Delivery.Address, n.Text))
	return nil
}

func main() {
	if err := run(os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "quickstart:", err)
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
	box := &inbox{}
	// The chip verifier for MitID.dk's WebAuthn relying party (the demo's
	// origin; a real deployment names its own).
	chips, err := chip.New(chip.Config{RPID: "mitid.example", RPName: "MitID", Origins: []string{origin}, Now: clk.Now})
	if err != nil {
		return err
	}
	svc, err := mitid.New(mitid.Config{Store: memory.New(), Keys: keys, Clock: clk, Notifier: box, Chip: chips})
	if err != nil {
		return err
	}
	step := func(format string, args ...any) { fmt.Fprintf(w, "\n▸ "+format+"\n", args...) }
	say := func(format string, args ...any) { fmt.Fprintf(w, "  "+format+"\n", args...) }

	step("Anna Hansen (CPR 010190-1234) gets a MitID and chooses the user ID %q.", "Anna.Hansen")
	u, _, err := svc.CreateUser(ctx, mitid.UserRequest{
		UserID: "Anna.Hansen", CPR: "010190-1234", Name: "Anna Hansen",
		Phone: "12 34 56 78", Email: "anna@example.dk",
		Channels: []mitid.Channel{mitid.ChannelSMS, mitid.ChannelEmail}, Language: mitid.English, IAL: mitid.LevelSubstantial,
	})
	if err != nil {
		return err
	}
	say("User ID %q (case-insensitive), born %s, phone %s, identity level %s.",
		u.UserID, u.BirthDate.Format("2 January 2006"), u.Phone, u.IAL)

	step("Someone else tries a user ID that reads as a CPR number.")
	_, _, err = svc.CreateUser(ctx, mitid.UserRequest{UserID: "0202901234", CPR: "020290-1234", IAL: mitid.LevelSubstantial})
	explain(say, err)

	step("And someone tries Anna's user ID in capitals.")
	_, _, err = svc.CreateUser(ctx, mitid.UserRequest{Email: "holder@example.dk", UserID: "ANNA.HANSEN", CPR: "020290-1234", IAL: mitid.LevelSubstantial})
	explain(say, err)

	step("A 12-year-old tries to get MitID (the minimum age is %d).", svc.Policy().MinimumAge)
	_, _, err = svc.CreateUser(ctx, mitid.UserRequest{Email: "holder@example.dk", UserID: "lille-ole", CPR: "221113-4123", IAL: mitid.LevelSubstantial})
	explain(say, err)

	step("Anna changes her user ID to %q.", "Ærø-Anna")
	if u, _, err = svc.ChangeUserID(ctx, u.ID, "Ærø-Anna"); err != nil {
		return err
	}
	found, err := svc.UserByCPR(ctx, "0101901234")
	if err != nil {
		return err
	}
	say("Looked up by CPR number, her user ID is now %q.", found.UserID)

	step("Anna orders a code display; it arrives in the post, and she activates it with the activation code Citizen Service gave her on paper and the code the display shows.")
	device, err := codedisplaytest.Manufacture(rand.Reader, codedisplay.MitIDParams(), clk.Now)
	if err != nil {
		return err
	}
	_, evs, err := svc.AddCodeDevice(ctx, u.ID, mitid.CodeDeviceRequest{Kind: mitid.KindCodeDisplay, Serial: device.Serial().String(), Seed: device.Seed(), State: mitid.StateOrdered})
	if err != nil {
		return err
	}
	display := evs[0].Authenticator
	clk.advance(8 * 24 * time.Hour)
	if _, _, err = svc.MarkDelivered(ctx, u.ID, display); err != nil {
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
	if _, _, err = svc.ActivateWithCode(ctx, u.UserID, display, mitid.ActivationCodes{Code: paper, Serial: device.Serial().String(), DeviceCode: code, Password: password}); err != nil {
		return err
	}
	say("Code display %s is active, and she has created her password.", device.Serial())

	step("Skattestyrelsen asks Anna to log on; she uses the code display, then her password.")
	clk.advance(time.Minute)
	login, err := svc.BeginLogin(ctx, mitid.LoginRequest{UserID: "ærø-anna", Action: mitid.ActionLogOn,
		Text: "Log på hos Skattestyrelsen", Level: mitid.LevelSubstantial, RelyingParty: "skat.dk"})
	if err != nil {
		return err
	}
	say("She reads %q and is asked for: the %s.", login.Text, login.Next)
	if code, err = device.Code(); err != nil {
		return err
	}
	if login, err = svc.SubmitCode(ctx, login.ID, code); err != nil {
		return err
	}
	say("Code %s accepted; next: the %s.", code, login.Next)
	if _, err = svc.SubmitPassword(ctx, login.ID, password); err != nil {
		return err
	}
	result, err := svc.FinishLogin(ctx, login.ID)
	if err != nil {
		return err
	}
	say("Logged on: %s.", result)

	step("She also tries to activate an audio code reader, while logged in with the code display.")
	reader, err := codedisplaytest.Manufacture(rand.Reader, codedisplay.MitIDParams(), clk.Now)
	if err != nil {
		return err
	}
	_, evs, err = svc.AddCodeDevice(ctx, u.ID, mitid.CodeDeviceRequest{Kind: mitid.KindAudioReader, Serial: reader.Serial().String(), Seed: reader.Seed(), State: mitid.StatePendingActivation})
	if err != nil {
		return err
	}
	login, err = svc.BeginLogin(ctx, mitid.LoginRequest{UserID: "ærø-anna", Action: mitid.ActionLogOn,
		Text: "Log på MitID.dk", Level: mitid.LevelSubstantial, RelyingParty: "MitID.dk"})
	if err != nil {
		return err
	}
	clk.advance(30 * time.Second)
	if code, err = device.Code(); err != nil {
		return err
	}
	if _, err = svc.SubmitCode(ctx, login.ID, code); err != nil {
		return err
	}
	if _, err = svc.SubmitPassword(ctx, login.ID, password); err != nil {
		return err
	}
	_, _, err = svc.ActivateAuthenticator(ctx, u.ID, evs[0].Authenticator, mitid.ActivateOptions{Login: login.ID})
	explain(say, err)

	step("Anna requests access to add a MitID chip (step A); activation must wait 24 hours.")
	_, evs, err = svc.RequestAccess(ctx, u.ID, mitid.KindChip, "work chip")
	if err != nil {
		return err
	}
	chipID := evs[0].Authenticator
	clk.advance(20 * time.Hour)
	_, _, err = svc.BeginChipRegistration(ctx, u.ID, chipID)
	explain(say, err)
	clk.advance(4 * time.Hour)
	device2, err := chiptest.NewSimulator(rand.Reader) // a software stand-in for the chip on her key ring
	if err != nil {
		return err
	}
	options, session, err := svc.BeginChipRegistration(ctx, u.ID, chipID)
	if err != nil {
		return err
	}
	response, err := device2.Register(options, origin) // the browser asks the chip
	if err != nil {
		return err
	}
	// Step B is done logged in: with the code display and her password.
	login, err = svc.BeginLogin(ctx, mitid.LoginRequest{UserID: "ærø-anna", Action: mitid.ActionLogOn,
		Text: "Log på MitID.dk", Level: mitid.LevelSubstantial, RelyingParty: "MitID.dk"})
	if err != nil {
		return err
	}
	if code, err = device.Code(); err != nil {
		return err
	}
	if _, err = svc.SubmitCode(ctx, login.ID, code); err != nil {
		return err
	}
	if _, err = svc.SubmitPassword(ctx, login.ID, password); err != nil {
		return err
	}
	if _, _, err = svc.FinishChipRegistration(ctx, session, response, mitid.ChipActivation{Login: login.ID}); err != nil {
		return err
	}
	say("24 hours later, logged in again, she connects the chip (step B): it is active.")

	step("Someone tries three wrong codes on Anna's code display.")
	login, err = svc.BeginLogin(ctx, mitid.LoginRequest{UserID: "ærø-anna", Action: mitid.ActionLogOn, Text: "Log på", Level: mitid.LevelSubstantial})
	if err != nil {
		return err
	}
	for _, wrong := range []string{"111111", "222222", "333333"} {
		_, err = svc.SubmitCode(ctx, login.ID, wrong)
		explain(say, err)
	}
	if code, err = device.Code(); err != nil {
		return err
	}
	_, err = svc.SubmitCode(ctx, login.ID, code)
	explain(say, err)
	printAuthenticators(ctx, svc, u.ID, say)
	clk.advance(svc.Policy().SuspensionDuration)
	say("A quarter of an hour later:")
	printAuthenticators(ctx, svc, u.ID, say)

	step("Anna loses the chip and blocks it; then tries to unblock it.")
	if _, _, err = svc.BlockAuthenticator(ctx, u.ID, chipID, "lost"); err != nil {
		return err
	}
	_, _, err = svc.UnblockAuthenticator(ctx, u.ID, chipID, "found it")
	explain(say, err)

	step("The activity log of Anna's MitID:")
	log, err := svc.ActivityLog(ctx, u.ID, mitid.EventFilter{})
	if err != nil {
		return err
	}
	for _, e := range log {
		say("%s  %-30s %s", e.At.Format("02 Jan 15:04"), e.Type, describe(e))
	}

	step("The notifications delivered from the outbox:")
	if _, err := svc.Dispatcher(mitid.DispatcherConfig{Batch: 100}).RunOnce(ctx); err != nil {
		return err
	}
	for _, l := range box.lines {
		say("%s", l)
	}
	fmt.Fprintln(w)
	return nil
}

// explain prints why the library refused something, as a person reads it.
func explain(say func(string, ...any), err error) {
	var me *mitid.Error
	if !errors.As(err, &me) {
		say("Unexpected: %v", err)
		return
	}
	say("Refused (%s): %s.", me.Code, strings.TrimSuffix(me.Message, "."))
}

func printAuthenticators(ctx context.Context, svc *mitid.Service, user uuid.UUID, say func(string, ...any)) {
	list, err := svc.Authenticators(ctx, user)
	if err != nil {
		say("Unexpected: %v", err)
		return
	}
	for _, a := range list {
		line := fmt.Sprintf("%-18s %s", a.Kind, a.State)
		if !a.SuspendedUntil.IsZero() {
			line += " until " + a.SuspendedUntil.Format("02 Jan 15:04")
		}
		say("%s", line)
	}
}

func describe(e mitid.Event) string {
	switch e.Type {
	case mitid.EventUserCreated:
		return fmt.Sprintf("user ID %q", e.Detail["user_id"])
	case mitid.EventUserIDChanged:
		return fmt.Sprintf("%q → %q", e.Detail["old"], e.Detail["new"])
	case mitid.EventAuthenticatorAdded:
		return fmt.Sprintf("%s, %s", e.Kind, e.To)
	case mitid.EventAuthenticatorUsed:
		return fmt.Sprintf("%s (%s)", e.Kind, e.Detail["action"])
	case mitid.EventAuthenticatorFailed:
		return fmt.Sprintf("%s: %s", e.Kind, e.Reason)
	case mitid.EventAuthenticatorState:
		s := fmt.Sprintf("%s: %s → %s", e.Kind, e.From, e.To)
		if e.Reason != "" {
			s += " (" + e.Reason + ")"
		}
		return s
	}
	return ""
}
