// Command replacement walks through getting and replacing MitID
// authenticators on the in-memory store, after mitid.dk's guides
// "Ordering and activating a new MitID authenticator" (its two replacement
// processes) and "Activate your MitID chip" (its three ways):
//
//   - process 1: Anna's code display breaks; she logs in with her app,
//     blocks it and orders a new one in one step, and adds the new one when
//     it arrives;
//
//   - process 2: Bent has nothing else to log in with; he orders a new code
//     display, and Citizen Service proves who he is with a witness, blocks
//     the broken one and hands him an activation code;
//
//   - a chip activated by logging in (request access, wait 24 hours), by a
//     code from the app's passport scan (30 minutes) and by a code from
//     Citizen Service (48 hours).
//
//     go run ./examples/replacement
//
// The clock is simulated, so days pass in an instant.
package main

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"os"
	"sync"
	"time"

	"github.com/google/uuid"

	"github.com/go-mitid/mitid"
	"github.com/go-mitid/mitid/app"
	"github.com/go-mitid/mitid/app/apptest"
	"github.com/go-mitid/mitid/chip"
	"github.com/go-mitid/mitid/chip/chiptest"
	"github.com/go-mitid/mitid/codedisplay"
	"github.com/go-mitid/mitid/codedisplay/codedisplaytest"
	"github.com/go-mitid/mitid/store/memory"
)

const origin = "https://mitid.example"

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

func main() {
	if err := run(os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "replacement:", err)
		os.Exit(1)
	}
}

// walk holds the demo's parts.
type walk struct {
	ctx  context.Context
	svc  *mitid.Service
	clk  *clock
	cpr  mitid.CPRRecords
	w    io.Writer
	apps map[uuid.UUID]*apptest.Simulator
}

func (k *walk) step(title string)              { fmt.Fprintf(k.w, "\n▸ %s\n", title) }
func (k *walk) say(format string, args ...any) { fmt.Fprintf(k.w, "  "+format+"\n", args...) }

// refused prints why something was refused; an unexpected success is an error.
func (k *walk) refused(err error) error {
	var me *mitid.Error
	if !errors.As(err, &me) {
		return fmt.Errorf("expected a refusal, got %w", err)
	}
	k.say("Refused (%s): %s.", me.Code, me.Message)
	return nil
}

func run(w io.Writer) error {
	clk := &clock{now: time.Date(2026, 9, 1, 9, 0, 0, 0, time.UTC)}
	keys, err := mitid.NewRandomKeyRing(rand.Reader)
	if err != nil {
		return err
	}
	chips, err := chip.New(chip.Config{RPID: "mitid.example", RPName: "MitID", Origins: []string{origin}, Now: clk.Now})
	if err != nil {
		return err
	}
	cpr := mitid.CPRRecords{}
	// Codes by SMS (the app's temporary PIN) go out through the Notifier;
	// the demo's phone network delivers them silently.
	sms := mitid.NotifierFunc(func(context.Context, mitid.Notification) error { return nil })
	svc, err := mitid.New(mitid.Config{Store: memory.New(), Keys: keys, Clock: clk, Chip: chips, CPRRegister: cpr, Notifier: sms,
		Payment: &mitid.Payments{Now: clk.Now}, ControlQuestions: mitid.RegisterQuestions{Register: cpr}})
	if err != nil {
		return err
	}
	k := &walk{ctx: context.Background(), svc: svc, clk: clk, cpr: cpr, w: w, apps: map[uuid.UUID]*apptest.Simulator{}}
	return k.all()
}

func (k *walk) all() error {
	ctx, svc := k.ctx, k.svc
	k.step("Anna Hansen has had MitID since September: the app, and a code display as a spare.")
	anna, err := k.person("Anna.Hansen", "010190-1234", "Anna", "DNK:212345678", mitid.PostalAddress{Street: "Vestergade 12", PostalCode: "8000", City: "Aarhus C"})
	if err != nil {
		return err
	}
	annaApp, err := k.addApp(anna)
	if err != nil {
		return err
	}
	annaDisplay, err := k.addDisplay(anna, "korrekt hest batteri")
	if err != nil {
		return err
	}
	k.say("Anna's app and code display are active.")

	k.clk.advance(60 * 24 * time.Hour) // November
	k.step("Process 1. Anna's code display breaks. She logs in to MitID.dk with her app …")
	login, err := k.appLogin(anna, annaApp, "Log på MitID.dk")
	if err != nil {
		return err
	}
	k.say("… and in one step blocks the broken display and orders a new one, to be picked up at Borgerservice Aarhus.")
	res, err := svc.ReplaceAuthenticator(ctx, mitid.Replacement{Login: login, Broken: annaDisplay, Defect: "the display stays blank",
		Order: &mitid.OrderRequest{Kind: mitid.KindCodeDisplay, Delivery: mitid.DeliverPickUp, PickUpAt: "Borgerservice Aarhus",
			ReceiptEmail: "anna@example.dk", AcceptTerms: true, Language: mitid.English}})
	if err != nil {
		return err
	}
	k.say("Receipt: %s", res.Receipt)
	dev, err := codedisplaytest.Manufacture(rand.Reader, codedisplay.MitIDParams(), k.clk.Now)
	if err != nil {
		return err
	}
	if _, err := svc.ShipOrder(ctx, res.Receipt.Order.Number, mitid.ShippedDevice{Serial: dev.Serial().String(), Seed: dev.Seed()}); err != nil {
		return err
	}
	k.clk.advance(8 * 24 * time.Hour)
	k.say("At Borgerservice she gives the order number and shows her driving licence.")
	o, _, err := svc.HandOverOrder(ctx, res.Receipt.Order.Number, mitid.PictureID{Kind: mitid.IDDrivingLicence, Number: "30123456", Issuer: "DNK", Expires: k.clk.Now().AddDate(5, 0, 0)})
	if err != nil {
		return err
	}
	k.say("Order %s is %s; the display waits for activation.", o.Number, o.Status)
	login, err = k.appLogin(anna, annaApp, "Log på MitID.dk")
	if err != nil {
		return err
	}
	code, err := dev.Code()
	if err != nil {
		return err
	}
	if _, _, err := svc.ActivateCodeDevice(ctx, anna.ID, o.Authenticator, mitid.CodeDeviceActivation{Serial: dev.Serial().String(), Code: code, Login: login}); err != nil {
		return err
	}
	k.say("Logged in with her app, she adds it with its serial number %s and the code it shows: it is active.", dev.Serial())

	k.step("Process 2. Bent Jensen's only authenticator, a code display, breaks; he cannot log in.")
	bent, err := k.person("Bent.Jensen", "020280-1235", "", "DNK:287654321", mitid.PostalAddress{})
	if err != nil {
		return err
	}
	bentDisplay, err := k.addDisplay(bent, "syv blå heste løber hjem")
	if err != nil {
		return err
	}
	k.say("He orders a new one, identifying with his CPR number and Danish passport number.")
	rc, err := svc.PlaceOrder(ctx, mitid.OrderRequest{Kind: mitid.KindCodeDisplay, CPR: "020280-1235", Passport: "287654321",
		Reason: mitid.ReasonBroken, Defect: "no digits on the display", Replaces: bentDisplay,
		Delivery: mitid.DeliverPickUp, PickUpAt: "Borgerservice Aarhus", AcceptTerms: true, Language: mitid.English})
	if err != nil {
		return err
	}
	k.say("Receipt: %s", rc)
	dev2, err := codedisplaytest.Manufacture(rand.Reader, codedisplay.MitIDParams(), k.clk.Now)
	if err != nil {
		return err
	}
	if _, err := svc.ShipOrder(ctx, rc.Order.Number, mitid.ShippedDevice{Serial: dev2.Serial().String(), Seed: dev2.Seed()}); err != nil {
		return err
	}
	k.clk.advance(8 * 24 * time.Hour)
	k.say("At Borgerservice the operator records his passport.")
	passport := mitid.PictureID{Kind: mitid.IDPassport, Number: "287654321", Issuer: "DNK", Expires: k.clk.Now().AddDate(3, 0, 0)}
	p, err := svc.StartProofing(mitid.WithActor(ctx, "Operator Olsen"), "Operator Olsen", "020280-1235", passport)
	if err != nil {
		return err
	}
	k.say("Control questions: %d. %s", len(p.Questions), p.Advice)
	k.say("Anna is his witness. She shows her passport and confirms with her own MitID, reading %q.", p.WitnessText)
	wl, err := k.appLogin(anna, annaApp, p.WitnessText)
	if err != nil {
		return err
	}
	if p, err = svc.ConfirmWitness(ctx, p.ID, mitid.WitnessEvidence{CPR: "010190-1234", PictureID: mitid.PictureID{Kind: mitid.IDPassport, Number: "212345678", Issuer: "DNK", Expires: k.clk.Now().AddDate(4, 0, 0)}, Login: wl}); err != nil {
		return err
	}
	k.say("Identity confirmed by %s.", p.Proven)
	done, err := svc.CompleteProofing(ctx, p.ID, mitid.ProofingOutcome{Block: []uuid.UUID{bentDisplay}, Reason: "broken; blocked at Borgerservice"})
	if err != nil {
		return err
	}
	k.say("The operator blocks the broken display and hands Bent the activation code %s; his identity level is now %s.", done.ActivationCode, done.User.IAL)
	o, _, err = svc.HandOverOrder(ctx, rc.Order.Number, passport)
	if err != nil {
		return err
	}
	code, err = dev2.Code()
	if err != nil {
		return err
	}
	if _, _, err := svc.ActivateWithCode(ctx, "bent.jensen", o.Authenticator, mitid.ActivationCodes{Code: done.ActivationCode, Serial: dev2.Serial().String(), DeviceCode: code}); err != nil {
		return err
	}
	k.say("At home: 'Activate MitID with an activation code' → user ID → the code → the display's serial and code. It is active.")

	k.step("Chip, way 1: Anna has a chip; logged in to MitID.dk, she requests access (step A).")
	_, evs, err := svc.RequestAccess(ctx, anna.ID, mitid.KindChip, "work chip")
	if err != nil {
		return err
	}
	waiting := evs[0].Authenticator
	k.clk.advance(24*time.Hour - time.Second)
	if _, _, err := svc.BeginChipRegistration(ctx, anna.ID, waiting); err != nil {
		k.say("At 23:59:59:")
		if err := k.refused(err); err != nil {
			return err
		}
	}
	k.clk.advance(time.Second)
	n, err := svc.RunDue(ctx)
	if err != nil {
		return err
	}
	k.say("At 24:00:00 the due run notifies %d person(s): access granted.", n)
	login, err = k.appLogin(anna, annaApp, "Log på MitID.dk")
	if err != nil {
		return err
	}
	if err := k.connect(func() ([]byte, string, error) { return svc.BeginChipRegistration(ctx, anna.ID, waiting) }, mitid.ChipActivation{Login: login}); err != nil {
		return err
	}
	k.say("Step B: logged in with her app again, she connects the chip and presses its button. It is active.")

	k.step("Chip, way 2: Carl scans his passport in the MitID app and gets an activation code (valid 30 minutes).")
	carl, err := k.person("Carl.Berg", "030370-1237", "Carl", "DNK:255555555", mitid.PostalAddress{Street: "Algade 1", PostalCode: "4000", City: "Roskilde"})
	if err != nil {
		return err
	}
	carlChip, err := k.chipOrder(carl, "chip")
	if err != nil {
		return err
	}
	scan, _, _, err := svc.IssueCode(ctx, carl.ID, mitid.PurposeActivation, mitid.CodeByAppScan)
	if err != nil {
		return err
	}
	k.clk.advance(29 * time.Minute)
	if err := k.connect(func() ([]byte, string, error) {
		return svc.BeginChipActivationWithCode(ctx, "carl.berg", carlChip, scan)
	}, mitid.ChipActivation{Password: "tre røde tage i regnvejr"}); err != nil { //nolint:gosec // G101: the demo person's published password, not a secret
		return err
	}
	k.say("29 minutes later he enters the code, creates his password and connects the chip. It is active.")

	k.step("Chip, way 3: Dorthe gets an activation code at Borgerservice (valid 48 hours).")
	dorthe, err := k.person("Dorthe.Lund", "040460-1238", "Dorthe", "DNK:244444444", mitid.PostalAddress{Street: "Torvet 2", PostalCode: "5000", City: "Odense C"})
	if err != nil {
		return err
	}
	dortheChip, err := k.chipOrder(dorthe, "chip")
	if err != nil {
		return err
	}
	paper, _, _, err := svc.IssueCode(mitid.WithActor(ctx, "Operator Olsen"), dorthe.ID, mitid.PurposeActivation, mitid.CodeOnPaper)
	if err != nil {
		return err
	}
	k.clk.advance(48 * time.Hour)
	_, _, err = svc.BeginChipActivationWithCode(ctx, "dorthe.lund", dortheChip, paper)
	k.say("She waits exactly 48 hours:")
	if err := k.refused(err); err != nil {
		return err
	}
	paper, _, _, err = svc.IssueCode(mitid.WithActor(ctx, "Operator Olsen"), dorthe.ID, mitid.PurposeActivation, mitid.CodeOnPaper)
	if err != nil {
		return err
	}
	k.clk.advance(47*time.Hour + 59*time.Minute)
	if err := k.connect(func() ([]byte, string, error) {
		return svc.BeginChipActivationWithCode(ctx, "dorthe.lund", dortheChip, paper)
	}, mitid.ChipActivation{Password: "grøn lampe ved den stille sø"}); err != nil { //nolint:gosec // G101: the demo person's published password, not a secret
		return err
	}
	k.say("With a new code, 47 hours 59 minutes later: the chip is active.")
	return nil
}

// person enrols someone in the CPR register and MitID.
func (k *walk) person(userID, cprText, given, passport string, addr mitid.PostalAddress) (*mitid.User, error) {
	c, err := mitid.ParseCPR(cprText)
	if err != nil {
		return nil, err
	}
	k.cpr[c.Digits()] = mitid.CPRPerson{Surname: "x", GivenNames: given, BirthDate: c.BirthDate(), Passports: []string{passport}, Address: addr}
	u, _, err := k.svc.CreateUser(k.ctx, mitid.UserRequest{UserID: userID, CPR: cprText, IAL: mitid.LevelSubstantial, Phone: "+4512345678",
		Email: "mail@example.dk", Channels: []mitid.Channel{mitid.ChannelSMS, mitid.ChannelEmail}, Language: mitid.English})
	return u, err
}

// addApp activates an app with a passport-scan code and a temporary PIN.
func (k *walk) addApp(u *mitid.User) (uuid.UUID, error) {
	sim, err := apptest.NewSimulator(rand.Reader, "123456")
	if err != nil {
		return uuid.Nil, err
	}
	_, evs, err := k.svc.AddApp(k.ctx, u.ID, "phone", sim.PublicKey())
	if err != nil {
		return uuid.Nil, err
	}
	code, _, _, err := k.svc.IssueCode(k.ctx, u.ID, mitid.PurposeActivation, mitid.CodeByAppScan)
	if err != nil {
		return uuid.Nil, err
	}
	pin, _, _, err := k.svc.IssueCode(k.ctx, u.ID, mitid.PurposeTemporaryPIN, mitid.CodeBySMS)
	if err != nil {
		return uuid.Nil, err
	}
	if _, _, err := k.svc.ActivateWithCode(k.ctx, u.UserID, evs[0].Authenticator, mitid.ActivationCodes{Code: code, TemporaryPIN: pin}); err != nil {
		return uuid.Nil, err
	}
	k.apps[evs[0].Authenticator] = sim
	return evs[0].Authenticator, nil
}

// addDisplay activates a code display with a paper code and a first password.
func (k *walk) addDisplay(u *mitid.User, password string) (uuid.UUID, error) {
	dev, err := codedisplaytest.Manufacture(rand.Reader, codedisplay.MitIDParams(), k.clk.Now)
	if err != nil {
		return uuid.Nil, err
	}
	_, evs, err := k.svc.AddCodeDevice(k.ctx, u.ID, mitid.CodeDeviceRequest{Kind: mitid.KindCodeDisplay, Serial: dev.Serial().String(), Seed: dev.Seed(), State: mitid.StatePendingActivation})
	if err != nil {
		return uuid.Nil, err
	}
	paper, _, _, err := k.svc.IssueCode(k.ctx, u.ID, mitid.PurposeActivation, mitid.CodeOnPaper)
	if err != nil {
		return uuid.Nil, err
	}
	shown, err := dev.Code()
	if err != nil {
		return uuid.Nil, err
	}
	_, _, err = k.svc.ActivateWithCode(k.ctx, u.UserID, evs[0].Authenticator, mitid.ActivationCodes{Code: paper, Serial: dev.Serial().String(), DeviceCode: shown, Password: password})
	k.clk.advance(time.Minute)
	return evs[0].Authenticator, err
}

// appLogin logs in with the app, approving text, and returns the login,
// all factors in, for the Service to finish.
func (k *walk) appLogin(u *mitid.User, appID uuid.UUID, text string) (string, error) {
	l, err := k.svc.BeginLogin(k.ctx, mitid.LoginRequest{UserID: u.UserID, Action: mitid.ActionConfirm, Text: text, Level: mitid.LevelSubstantial, RelyingParty: "MitID.dk"})
	if err != nil {
		return "", err
	}
	if l, err = k.svc.ChooseMethod(k.ctx, l.ID, mitid.MethodApp, appID); err != nil {
		return "", err
	}
	sig, err := k.apps[appID].Approve(app.Request{Challenge: l.Challenge, Action: string(l.Action), Text: l.Text}, "123456")
	if err != nil {
		return "", err
	}
	if _, err := k.svc.SubmitApproval(k.ctx, l.ID, sig); err != nil {
		return "", err
	}
	return l.ID, nil
}

// chipOrder orders a chip for u, pays with MobilePay, and has it delivered.
func (k *walk) chipOrder(u *mitid.User, label string) (uuid.UUID, error) {
	c := u.CPR.Digits()
	rc, err := k.svc.PlaceOrder(k.ctx, mitid.OrderRequest{Kind: mitid.KindChip, CPR: c, Passport: k.cpr[c].Passports[0][4:], Reason: mitid.ReasonNew,
		Delivery: mitid.DeliverToOtherAddress, Address: mitid.PostalAddress{Street: "Nørregade 3", PostalCode: "1165", City: "København K"},
		AcceptTerms: true, Pay: &mitid.PaymentDetails{Method: mitid.PayByMobilePay, Token: "mobilepay-ok"}, Language: mitid.English})
	if err != nil {
		return uuid.Nil, err
	}
	k.say("Ordered (%s): %s", label, rc)
	if _, err := k.svc.ShipOrder(k.ctx, rc.Order.Number, mitid.ShippedDevice{}); err != nil {
		return uuid.Nil, err
	}
	k.clk.advance(5 * 24 * time.Hour)
	o, _, err := k.svc.DeliverOrder(k.ctx, rc.Order.Number)
	if err != nil {
		return uuid.Nil, err
	}
	return o.Authenticator, nil
}

// connect registers a software chip through begin and finishes it.
func (k *walk) connect(begin func() ([]byte, string, error), act mitid.ChipActivation) error {
	sim, err := chiptest.NewSimulator(rand.Reader)
	if err != nil {
		return err
	}
	opts, sess, err := begin()
	if err != nil {
		return err
	}
	resp, err := sim.Register(opts, origin)
	if err != nil {
		return err
	}
	_, _, err = k.svc.FinishChipRegistration(k.ctx, sess, resp, act)
	return err
}
