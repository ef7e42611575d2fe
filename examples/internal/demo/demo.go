// Package demo builds the example servers' MitID: a Service on the memory
// store (or PostgreSQL, given a DSN) with demo people whose simulated
// devices the examples and their tests can read, and a clock a demo may
// move forward. It is for the examples only.
package demo

import (
	"context"
	crand "crypto/rand"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/google/uuid"

	"github.com/go-mitid/mitid"
	"github.com/go-mitid/mitid/app/apptest"
	"github.com/go-mitid/mitid/chip"
	"github.com/go-mitid/mitid/codedisplay"
	"github.com/go-mitid/mitid/codedisplay/codedisplaytest"
	"github.com/go-mitid/mitid/store/memory"
	"github.com/go-mitid/mitid/store/postgres"
)

// Password is every demo person's MitID password; PIN their app's PIN.
const (
	Password = "korrekt hest batteri" //nolint:gosec // G101: the demo people's published password, not a secret
	PIN      = "123456"
)

// Clock is the wall clock plus an offset a demo moves forward (to let a
// 24-hour wait pass in an instant).
type Clock struct {
	mu     sync.Mutex
	offset time.Duration
}

// Now is the wall time plus the offset.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return time.Now().Add(c.offset)
}

// Advance moves the clock forward by d.
func (c *Clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.offset += d
}

// Person is a seeded demo person and their simulated devices.
type Person struct {
	UserID  string
	Name    string
	What    string // what the person demonstrates
	User    uuid.UUID
	Display *codedisplaytest.Device // a code display or audio code reader, or nil
	Kind    mitid.Kind              // the display's kind
	Phone   *apptest.Simulator      // the MitID app, or nil
	// ActivationCode activates the person's authenticator waiting for
	// activation (on paper), when they have one.
	ActivationCode string
	// CPR is the person's CPR number; Passport the number of their Danish
	// passport, as the demo's CPR register lists it.
	CPR, Passport string
}

// Code is the code the person's display shows now.
func (p *Person) Code() string {
	c, err := p.Display.Code()
	if err != nil {
		return ""
	}
	return c
}

// Demo is the examples' MitID.
type Demo struct {
	Service *mitid.Service
	Clock   *Clock
	People  []*Person
	// CPR is the demo's CPR register: it confirms passports, gives the
	// registered address for orders and the facts for control questions.
	CPR   mitid.CPRRecords
	close func()

	mu      sync.Mutex
	pending map[string]string // login IDs waiting for a demo phone, by user ID
	noteKey []byte            // signs the lines a page shows after a redirect (Note)
}

// Person returns the demo person with the user ID.
func (d *Demo) Person(userID string) *Person {
	for _, p := range d.People {
		if p.UserID == userID {
			return p
		}
	}
	return nil
}

// Close releases the store.
func (d *Demo) Close() { d.close() }

// Options configure New.
type Options struct {
	// Origin is the site's web origin, for its chip ceremonies
	// ("http://localhost:8080").
	Origin string
	// DSN is a PostgreSQL address; empty means the memory store.
	DSN string
	// CheapHashing hashes passwords with small argon2id parameters, so
	// that tests start a server in milliseconds. Never in a deployment.
	CheapHashing bool
}

// seeded is a deterministic random source, so that the demo people's
// devices are the same at every start (their seeds in a PostgreSQL store
// keep matching).
func seeded(n uint64) io.Reader {
	var seed [32]byte
	binary.LittleEndian.PutUint64(seed[:], n)
	return rand.NewChaCha8(seed)
}

// New builds the demo's Service and seeds its people.
func New(ctx context.Context, o Options) (*Demo, error) {
	u, err := url.Parse(o.Origin)
	if err != nil || u.Hostname() == "" {
		return nil, fmt.Errorf("demo: origin %q", o.Origin)
	}
	clk := &Clock{}
	var store mitid.Store = memory.New()
	closer := func() {}
	if o.DSN != "" {
		pg, err := postgres.Open(ctx, o.DSN, postgres.Options{})
		if err != nil {
			return nil, err
		}
		store, closer = pg, pg.Close
	}
	// A fixed demo key: the PostgreSQL demo must read its seeds after a
	// restart. A real deployment loads its keys from its secret store.
	keys, err := mitid.NewKeyRing("demo", map[string][]byte{"demo": []byte("go-mitid demo key, not a secret!")})
	if err != nil {
		return nil, err
	}
	chips, err := chip.New(chip.Config{RPID: u.Hostname(), RPName: "MitID demo", Origins: []string{o.Origin}, Now: clk.Now})
	if err != nil {
		return nil, err
	}
	p := mitid.DefaultPolicy()
	if o.CheapHashing {
		p.Argon2 = mitid.Argon2Params{Time: 1, Memory: 64, Threads: 1, KeyLen: 32, SaltLen: 16}
	}
	// Codes by SMS are "sent" to nowhere: the demo shows what it needs on its
	// /demo page. A deployment wires a real gateway (notify/webhook).
	sms := mitid.NotifierFunc(func(context.Context, mitid.Notification) error { return nil })
	// The CPR register and the payment provider are in memory: a
	// deployment wires the real ones.
	cpr := mitid.CPRRecords{}
	svc, err := mitid.New(mitid.Config{Store: store, Keys: keys, Clock: clk, Chip: chips, Policy: &p, Notifier: sms,
		CPRRegister: cpr, Payment: &mitid.Payments{Now: clk.Now}, ControlQuestions: mitid.RegisterQuestions{Register: cpr}})
	if err != nil {
		return nil, err
	}
	d := &Demo{Service: svc, Clock: clk, CPR: cpr, close: closer, pending: map[string]string{}, noteKey: make([]byte, 32)}
	if _, err := crand.Read(d.noteKey); err != nil {
		closer()
		return nil, fmt.Errorf("demo: a key for the page notes: %w", err)
	}
	if err := d.seed(ctx); err != nil {
		closer()
		return nil, err
	}
	return d, nil
}

// seed creates the demo people, or finds them when a PostgreSQL store has
// them from an earlier start.
func (d *Demo) seed(ctx context.Context) error {
	// Everyone has a Danish passport in the CPR register; most have an
	// official address too, which makes control questions possible at
	// Citizen Service. Gitte's record is too thin for them: she needs a
	// witness.
	people := []struct {
		userID, name, cpr, passport, what string
		kind                              mitid.Kind
		setup                             func(p *Person, auth uuid.UUID) error
		address                           mitid.PostalAddress
	}{
		{"anna.hansen", "Anna Hansen", "010190-1234", "212345678", "code display and password", mitid.KindCodeDisplay, nil,
			mitid.PostalAddress{Street: "Vestergade 12", PostalCode: "8000", City: "Aarhus C"}},
		{"bo.jensen", "Bo Jensen", "020285-1111", "223456789", "MitID app (the demo plays the phone); a witness at Citizen Service", mitid.KindApp, nil,
			mitid.PostalAddress{Street: "Nørregade 3", PostalCode: "1165", City: "København K"}},
		{"carl.lund", "Carl Lund", "030375-2223", "234567890", "audio code reader and password", mitid.KindAudioReader, nil,
			mitid.PostalAddress{Street: "Algade 1", PostalCode: "4000", City: "Roskilde"}},
		{"dorte.chip", "Dorte Madsen", "040480-3334", "245678901", "code display, and a MitID chip to connect", mitid.KindCodeDisplay, d.addChip,
			mitid.PostalAddress{Street: "Torvet 2", PostalCode: "5000", City: "Odense C"}},
		{"erik.spaerret", "Erik Nielsen", "050570-4441", "256789012", "a suspended code display", mitid.KindCodeDisplay, d.suspend,
			mitid.PostalAddress{Street: "Havnegade 7", PostalCode: "6700", City: "Esbjerg"}},
		{"frida.ny", "Frida Olsen", "060695-5552", "267890123", "a new code display to activate with a paper activation code", "", d.pendingDisplay,
			mitid.PostalAddress{Street: "Skovvej 9", PostalCode: "9000", City: "Aalborg"}},
		{"gitte.holm", "Gitte Holm", "070788-6665", "278901234", "a broken code display; at Citizen Service she needs a witness", mitid.KindCodeDisplay, nil,
			mitid.PostalAddress{}},
	}
	// The activations' codes spend their time step; the people's first
	// logins are in the next one.
	defer d.Clock.Advance(30 * time.Second)
	for i, pp := range people {
		p := &Person{UserID: pp.userID, Name: pp.name, What: pp.what, CPR: pp.cpr, Passport: pp.passport}
		d.People = append(d.People, p)
		c, err := mitid.ParseCPR(pp.cpr)
		if err != nil {
			return err
		}
		rec := mitid.CPRPerson{Surname: pp.name[strings.LastIndexByte(pp.name, ' ')+1:], BirthDate: c.BirthDate(),
			Passports: []string{"DNK:" + pp.passport}, Address: pp.address}
		if pp.address != (mitid.PostalAddress{}) {
			rec.GivenNames = pp.name[:strings.IndexByte(pp.name, ' ')]
		}
		d.CPR[c.Digits()] = rec
		u, _, err := d.Service.CreateUser(ctx, mitid.UserRequest{UserID: pp.userID, CPR: pp.cpr, Name: pp.name, IAL: mitid.LevelSubstantial,
			Phone: fmt.Sprintf("+45 20 30 40 %02d", i), Email: pp.userID + "@example.dk", Channels: []mitid.Channel{mitid.ChannelEmail}})
		existing := errors.Is(err, mitid.ErrConflict)
		if existing {
			u, err = d.Service.UserByUserID(ctx, pp.userID)
		}
		if err != nil {
			return fmt.Errorf("demo: %s: %w", pp.userID, err)
		}
		p.User = u.ID
		n := uint64(100 * (i + 1))
		switch pp.kind {
		case mitid.KindCodeDisplay, mitid.KindAudioReader:
			if p.Display, err = codedisplaytest.Manufacture(seeded(n), codedisplay.MitIDParams(), d.Clock.Now); err != nil {
				return err
			}
			p.Kind = pp.kind
		case mitid.KindApp:
			if p.Phone, err = apptest.NewSimulator(seeded(n), PIN); err != nil {
				return err
			}
		}
		if existing {
			continue
		}
		var auth uuid.UUID
		switch pp.kind {
		case mitid.KindCodeDisplay, mitid.KindAudioReader:
			_, evs, err := d.Service.AddCodeDevice(ctx, u.ID, mitid.CodeDeviceRequest{Kind: pp.kind, Serial: p.Display.Serial().String(), Seed: p.Display.Seed(), State: mitid.StatePendingActivation})
			if err != nil {
				return err
			}
			auth = evs[0].Authenticator
			code, err := p.Display.Code()
			if err != nil {
				return err
			}
			paper, _, _, err := d.Service.IssueCode(ctx, u.ID, mitid.PurposeActivation, mitid.CodeOnPaper)
			if err != nil {
				return err
			}
			if _, _, err := d.Service.ActivateWithCode(ctx, u.UserID, auth, mitid.ActivationCodes{Code: paper,
				Serial: p.Display.Serial().String(), DeviceCode: code, Password: Password}); err != nil {
				return fmt.Errorf("demo: activating %s's %s: %w", pp.userID, pp.kind, err)
			}
		case mitid.KindApp:
			_, evs, err := d.Service.AddApp(ctx, u.ID, "Bo's phone", p.Phone.PublicKey())
			if err != nil {
				return err
			}
			auth = evs[0].Authenticator
			scan, _, _, err := d.Service.IssueCode(ctx, u.ID, mitid.PurposeActivation, mitid.CodeByAppScan)
			if err != nil {
				return err
			}
			pin, _, _, err := d.Service.IssueCode(ctx, u.ID, mitid.PurposeTemporaryPIN, mitid.CodeBySMS)
			if err != nil {
				return err
			}
			if _, _, err := d.Service.ActivateWithCode(ctx, u.UserID, auth, mitid.ActivationCodes{Code: scan, TemporaryPIN: pin}); err != nil {
				return fmt.Errorf("demo: activating %s's app: %w", pp.userID, err)
			}
		}
		if pp.setup != nil {
			if err := pp.setup(p, auth); err != nil {
				return fmt.Errorf("demo: %s: %w", pp.userID, err)
			}
		}
	}
	return nil
}

// addChip gives the person a chip waiting to be connected, and the paper
// activation code for it.
func (d *Demo) addChip(p *Person, _ uuid.UUID) error {
	ctx := context.Background()
	if _, _, err := d.Service.AddAuthenticator(ctx, p.User, mitid.AuthenticatorRequest{Kind: mitid.KindChip, Label: "MitID chip", State: mitid.StatePendingActivation}); err != nil {
		return err
	}
	// It came by mail: it is connected with an activation code.
	var err error
	p.ActivationCode, _, _, err = d.Service.IssueCode(ctx, p.User, mitid.PurposeActivation, mitid.CodeOnPaper)
	return err
}

// suspend lets three wrong codes suspend the person's code display.
func (d *Demo) suspend(p *Person, _ uuid.UUID) error {
	ctx := context.Background()
	for i := 0; i < 3; i++ {
		l, err := d.Service.BeginLogin(ctx, mitid.LoginRequest{UserID: p.UserID, Action: mitid.ActionLogOn, Text: "Demo", Level: mitid.LevelSubstantial})
		if err != nil {
			return err
		}
		_, _ = d.Service.SubmitCode(ctx, l.ID, wrong(p.Code()))
	}
	return nil
}

// pendingDisplay gives the person a code display waiting for activation
// and a paper activation code for it.
func (d *Demo) pendingDisplay(p *Person, _ uuid.UUID) error {
	ctx := context.Background()
	var err error
	if p.Display, err = codedisplaytest.Manufacture(seeded(6000), codedisplay.MitIDParams(), d.Clock.Now); err != nil {
		return err
	}
	p.Kind = mitid.KindCodeDisplay
	if _, _, err := d.Service.AddCodeDevice(ctx, p.User, mitid.CodeDeviceRequest{Kind: mitid.KindCodeDisplay, Serial: p.Display.Serial().String(), Seed: p.Display.Seed(), State: mitid.StatePendingActivation}); err != nil {
		return err
	}
	if _, _, err := d.Service.SetPassword(ctx, p.User, Password); err != nil {
		return err
	}
	p.ActivationCode, _, _, err = d.Service.IssueCode(ctx, p.User, mitid.PurposeActivation, mitid.CodeOnPaper)
	return err
}

func wrong(code string) string {
	if code == "000000" {
		return "111111"
	}
	return "000000"
}
