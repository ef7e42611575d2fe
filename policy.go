package mitid

import (
	"fmt"
	"time"
)

// Policy holds every number of the scheme: lengths, limits, validity
// periods, waiting periods, prices. DefaultPolicy returns MitID's values; an
// integrator may change any of them, and Validate reports where a policy
// departs from MitID's rules or from NIST SP 800-63B.
//
// Each default names its public source (a mitid.dk page, NIST, broker
// practice) in its field comment.
type Policy struct {
	// Identity
	UserIDMinLength int // 5 (mitid.dk)
	UserIDMaxLength int // 48 (mitid.dk)
	MinimumAge      int // 13 years (mitid.dk: Questions and answers about MitID)

	// P-code for holders without a CPR number (mitid.dk: Questions and answers about MitID; mitid.dk P-code)
	PCodeDigits   int           // 8
	PCodeValidity time.Duration // 60 days
	PCodeAttempts int           // 3

	// Password (mitid.dk password advice; mitid.dk: MitID chip)
	PasswordMinLength int // 8
	Argon2            Argon2Params
	// PasswordChangeWait is the wait after "request access" before a
	// password change through MitID.dk (24 h).
	PasswordChangeWait time.Duration

	// Activation (mitid.dk: Activate your MitID chip; mitid.dk activation code help)
	AppActivationCodeValidity   time.Duration // 30 min, from the app's passport scan
	PaperActivationCodeValidity time.Duration // 48 h, on paper from Citizen Service
	SMSActivationCodeValidity   time.Duration // 30 min, by SMS
	PhoneChangeQuarantine       time.Duration // 120 h: no SMS code after a recent phone change
	ActivationCodeAttempts      int           // 3 wrong entries block the code
	AccessRequestWait           time.Duration // 24 h between "request access" and activation (mitid.dk: Activate your MitID chip)
	// CodeInterval is the least time between two codes of the same purpose
	// sent to a person by SMS (1 min; MitID publishes no number, so this is
	// the library's choice). A temporary PIN must be asked for with the
	// user ID alone, so a stranger can ask too: each new code replaces the
	// one before, and without a pause a stranger could replace the PIN the
	// holder is about to type, again and again. A minute is about as long
	// as an SMS may take to arrive, so a holder who asks again for one
	// that is late waits little. (A code on paper or from a passport scan
	// goes to a caller who proved who the person is, and is not paced.)
	CodeInterval time.Duration
	// SMSCodesPerDay bounds the codes sent to a person by SMS in any 24
	// hours (5; the library's choice), so a stranger cannot flood the
	// holder's phone, nor grow the record. Five cover a holder who asks
	// again for a late SMS, blocks a PIN by typing it wrong and lets one
	// expire, all on one day. A stranger can spend them, day after day, and
	// so keep the holder from a new code by SMS (each refusal says until
	// when); the codes went to the holder's own phone, and the last one
	// lives until it expires or is blocked by wrong entries, for nothing
	// can replace it within Policy.CodeInterval. A holder kept so gets a
	// code at Citizen Service, or from the app's passport scan.
	SMSCodesPerDay int

	// Per-kind limits (mitid.dk: Activate your MitID chip; Questions and answers about MitID; MitID chip)
	MaxApps        int // 3
	MaxCodeDevices int // 1: code display and audio code reader together
	MaxChips       int // 1
	MaxPasswords   int // 1

	// Ordering (mitid.dk: Ordering and activating a new MitID authenticator; Questions and answers about MitID; MitID chip), prices in øre
	FreeCodeDevices           int // the first 3 code displays/audio readers are free
	CodeDevicePriceOre        int // 41.76 DKK = 4176 øre
	ChipPriceOre              int // 143.60 DKK = 14360 øre
	DeliveryWorkingDays       int // 8 working days by mail in Denmark
	ChipDeliveryMinWorkingDay int // chip: 3-7 working days (mitid.dk: MitID chip)
	ChipDeliveryMaxWorkingDay int
	DeliveryAbroad            time.Duration // two weeks or longer

	// One-time codes (mitid.dk TOTP page: step and algorithm unpublished)
	OTPDigits    int
	OTPPeriod    time.Duration // 30 s
	OTPAlgorithm string        // "SHA1"
	OTPSkew      int           // ±1 step

	// Throttling (mitid.dk; NIST SP 800-63B §5.2.2)
	// See throttle.go for what these promise together.
	WrongCodeLimit     int           // 3 wrong attempts in a row suspend an authenticator
	SuspensionDuration time.Duration // 15 min the first time ...
	MaxSuspension      time.Duration // ... doubling at each further one, at most this long (24 h)
	// MaxConsecutiveFailures caps the wrong secret comparisons on a MitID
	// between two completed logins (100, NIST) ...
	MaxConsecutiveFailures int
	// ... of which PossessionReserve (10) are kept for a password entered
	// after another factor proved possession: a stranger with only the
	// user ID gets at most MaxConsecutiveFailures − PossessionReserve.
	PossessionReserve int
	// Argon2MemoryBudget bounds the memory (KiB) of the argon2id runs in
	// flight at once; a password check beyond it is refused with ErrUnavailable
	// (CodeBusy) rather than queued. 0 means four runs of Argon2.Memory.
	Argon2MemoryBudget      uint64
	NotifyEveryUseByDefault bool

	// Citizen Service proofing (mitid.dk: Ordering and activating a new MitID authenticator; Questions and answers about MitID; mitid.dk documentation page)
	WitnessMinAge      int           // 18
	WitnessMinMitIDAge time.Duration // own MitID active more than 30 days
	WitnessMaxActs     int           // 3 witness acts ...
	WitnessActsWindow  time.Duration // ... per 120 days
	// ControlQuestionAttempts is how many rounds of control questions a
	// person may answer at one desk visit before a witness is needed (3;
	// MitID publishes no number, so this is the library's choice).
	ControlQuestionAttempts int
	// ControlQuestionLockout is how long wrong rounds count against a
	// person across visits (24 h), so starting a new visit does not give
	// an impostor new attempts.
	ControlQuestionLockout time.Duration
	RecommendedChannels    int           // 2 notification channels (mitid.dk: MitID security in general)
	LoginSessionTTL        time.Duration // 10 min
	TransactionTextLimit   int           // 130 characters (broker practice)
}

// The floor of argon2id's cost (OWASP Password Storage Cheat Sheet, which
// lists equal-strength pairs from m=46 MiB t=1 to m=7 MiB t=5): at least
// 7 MiB, and memory × passes of at least 35 MiB (OWASP's m=7 MiB t=5).
const (
	argon2MinMemory = 7 * 1024
	argon2MinWork   = 35 * 1024
)

// Argon2Params are the argon2id parameters for password hashing (RFC 9106).
type Argon2Params struct {
	Time    uint32 // passes
	Memory  uint32 // KiB
	Threads uint8
	KeyLen  uint32
	SaltLen int
}

const day = 24 * time.Hour

// DefaultPolicy returns MitID's rules as the library knows them, each number
// with its source in the field comments of Policy.
func DefaultPolicy() Policy {
	return Policy{
		UserIDMinLength: 5,
		UserIDMaxLength: 48,
		MinimumAge:      13,

		PCodeDigits:   8,
		PCodeValidity: 60 * day,
		PCodeAttempts: 3,

		PasswordMinLength: 8,
		// OWASP's first argon2id configuration (46 MiB, 1 pass, 1 lane):
		// 32 ms of CPU per check on a 2-core server (RFC 9106's 64 MiB and
		// 3 passes on 2 lanes took 134 ms; BENCHMARKS.md). A password is
		// only compared behind another factor, and runs are bounded by
		// Argon2MemoryBudget, so this price is for offline cracking of a
		// stolen database, where it matches OWASP's advice.
		Argon2:             Argon2Params{Time: 1, Memory: 46 * 1024, Threads: 1, KeyLen: 32, SaltLen: 16},
		PasswordChangeWait: 24 * time.Hour,

		AppActivationCodeValidity:   30 * time.Minute,
		PaperActivationCodeValidity: 48 * time.Hour,
		SMSActivationCodeValidity:   30 * time.Minute,
		PhoneChangeQuarantine:       120 * time.Hour,
		ActivationCodeAttempts:      3,
		AccessRequestWait:           24 * time.Hour,
		CodeInterval:                time.Minute,
		SMSCodesPerDay:              5,

		MaxApps:        3,
		MaxCodeDevices: 1,
		MaxChips:       1,
		MaxPasswords:   1,

		FreeCodeDevices:           3,
		CodeDevicePriceOre:        4176,
		ChipPriceOre:              14360,
		DeliveryWorkingDays:       8,
		ChipDeliveryMinWorkingDay: 3,
		ChipDeliveryMaxWorkingDay: 7,
		DeliveryAbroad:            14 * day,

		OTPDigits:    6,
		OTPPeriod:    30 * time.Second,
		OTPAlgorithm: "SHA1",
		OTPSkew:      1,

		WrongCodeLimit:         3,
		SuspensionDuration:     15 * time.Minute,
		MaxSuspension:          24 * time.Hour,
		MaxConsecutiveFailures: 100,
		PossessionReserve:      10,
		Argon2MemoryBudget:     256 * 1024, // five runs of 46 MiB

		WitnessMinAge:           18,
		WitnessMinMitIDAge:      30 * day,
		WitnessMaxActs:          3,
		WitnessActsWindow:       120 * day,
		ControlQuestionAttempts: 3,
		ControlQuestionLockout:  24 * time.Hour,
		RecommendedChannels:     2,
		LoginSessionTTL:         10 * time.Minute,
		TransactionTextLimit:    130,
	}
}

// Limit returns how many authenticators of group g may be in use at once.
func (p *Policy) Limit(g Group) int {
	switch g {
	case GroupApp:
		return p.MaxApps
	case GroupCodeDevice:
		return p.MaxCodeDevices
	case GroupChip:
		return p.MaxChips
	}
	return p.MaxPasswords
}

// Source names the rule book a departure is measured against.
type Source string

// The rule books a policy is checked against.
const (
	SourceMitID Source = "MitID"
	SourceNIST  Source = "NIST SP 800-63B"
	// SourceSanity marks values no scheme could run with (a zero length, a
	// negative duration).
	SourceSanity Source = "sanity"
)

// Departure is one place where a policy differs from a rule book.
type Departure struct {
	Field  string // the Policy field
	Source Source
	Rule   string // what the rule book says (for MitID: its value)
	Value  string // what the policy says
}

// String renders the departure as a sentence.
func (d Departure) String() string {
	return fmt.Sprintf("%s: %s (%s: %s)", d.Field, d.Value, d.Source, d.Rule)
}

// Validate lists every place p departs from MitID's rules and from NIST SP
// 800-63B, and every value no scheme could run with (SourceSanity). MitID's
// own policy departs from NIST in a few documented places (an activation
// code valid 30 minutes and sent by SMS; NIST allows 10 minutes and no
// SMS), so DefaultPolicy().Validate() is not empty: it states those.
//
// A policy with a SourceSanity departure must not be used; New refuses it.
func (p Policy) Validate() []Departure {
	var out []Departure
	m := DefaultPolicy()
	add := func(field string, src Source, rule string, value any) {
		out = append(out, Departure{Field: field, Source: src, Rule: rule, Value: fmt.Sprint(value)})
	}

	// Sanity first: values nothing can work with.
	positive := []struct {
		field string
		v     int64
	}{
		{"UserIDMinLength", int64(p.UserIDMinLength)}, {"UserIDMaxLength", int64(p.UserIDMaxLength)},
		{"PCodeDigits", int64(p.PCodeDigits)}, {"PCodeValidity", int64(p.PCodeValidity)},
		{"PCodeAttempts", int64(p.PCodeAttempts)}, {"PasswordMinLength", int64(p.PasswordMinLength)},
		{"AppActivationCodeValidity", int64(p.AppActivationCodeValidity)},
		{"PaperActivationCodeValidity", int64(p.PaperActivationCodeValidity)},
		{"SMSActivationCodeValidity", int64(p.SMSActivationCodeValidity)},
		{"ActivationCodeAttempts", int64(p.ActivationCodeAttempts)},
		// Zero would let anyone who knows a user ID have codes sent at will.
		{"CodeInterval", int64(p.CodeInterval)}, {"SMSCodesPerDay", int64(p.SMSCodesPerDay)},
		{"MaxApps", int64(p.MaxApps)}, {"MaxCodeDevices", int64(p.MaxCodeDevices)},
		{"MaxChips", int64(p.MaxChips)}, {"MaxPasswords", int64(p.MaxPasswords)},
		{"OTPDigits", int64(p.OTPDigits)}, {"OTPPeriod", int64(p.OTPPeriod)},
		{"WrongCodeLimit", int64(p.WrongCodeLimit)}, {"SuspensionDuration", int64(p.SuspensionDuration)},
		{"MaxSuspension", int64(p.MaxSuspension)},
		{"MaxConsecutiveFailures", int64(p.MaxConsecutiveFailures)},
		{"LoginSessionTTL", int64(p.LoginSessionTTL)}, {"TransactionTextLimit", int64(p.TransactionTextLimit)},
		{"ControlQuestionAttempts", int64(p.ControlQuestionAttempts)}, {"WitnessMaxActs", int64(p.WitnessMaxActs)},
		{"ControlQuestionLockout", int64(p.ControlQuestionLockout)},
		{"WitnessActsWindow", int64(p.WitnessActsWindow)}, {"DeliveryWorkingDays", int64(p.DeliveryWorkingDays)},
		{"Argon2.Time", int64(p.Argon2.Time)}, {"Argon2.Memory", int64(p.Argon2.Memory)},
		{"Argon2.Threads", int64(p.Argon2.Threads)}, {"Argon2.KeyLen", int64(p.Argon2.KeyLen)},
		{"Argon2.SaltLen", int64(p.Argon2.SaltLen)},
	}
	for _, f := range positive {
		if f.v <= 0 {
			add(f.field, SourceSanity, "must be greater than zero", f.v)
		}
	}
	nonNegative := []struct {
		field string
		v     int64
	}{
		{"MinimumAge", int64(p.MinimumAge)}, {"PasswordChangeWait", int64(p.PasswordChangeWait)},
		{"PhoneChangeQuarantine", int64(p.PhoneChangeQuarantine)}, {"AccessRequestWait", int64(p.AccessRequestWait)},
		{"FreeCodeDevices", int64(p.FreeCodeDevices)}, {"CodeDevicePriceOre", int64(p.CodeDevicePriceOre)},
		{"ChipPriceOre", int64(p.ChipPriceOre)}, {"OTPSkew", int64(p.OTPSkew)},
		{"WitnessMinAge", int64(p.WitnessMinAge)}, {"WitnessMinMitIDAge", int64(p.WitnessMinMitIDAge)},
		{"ChipDeliveryMinWorkingDay", int64(p.ChipDeliveryMinWorkingDay)}, {"DeliveryAbroad", int64(p.DeliveryAbroad)},
		{"PossessionReserve", int64(p.PossessionReserve)},
	}
	for _, f := range nonNegative {
		if f.v < 0 {
			add(f.field, SourceSanity, "must not be negative", f.v)
		}
	}
	if p.ChipDeliveryMinWorkingDay > p.ChipDeliveryMaxWorkingDay {
		add("ChipDeliveryMinWorkingDay", SourceSanity, "must not exceed ChipDeliveryMaxWorkingDay", p.ChipDeliveryMinWorkingDay)
	}
	if p.OTPPeriod > 0 && (p.OTPPeriod < time.Second || p.OTPPeriod%time.Second != 0) {
		// A code display counts its time steps in whole seconds; 30 (ns)
		// where 30*time.Second was meant would make every right code wrong.
		add("OTPPeriod", SourceSanity, "whole seconds, at least one", p.OTPPeriod)
	}
	if p.OTPSkew > 10 {
		add("OTPSkew", SourceSanity, "at most 10 steps either side", p.OTPSkew)
	}
	if p.MaxConsecutiveFailures > 0 && p.PossessionReserve >= p.MaxConsecutiveFailures {
		add("PossessionReserve", SourceSanity, "must be less than MaxConsecutiveFailures", p.PossessionReserve)
	}
	if p.CodeInterval > day {
		// The interval keeps the day's codes apart; longer than a day it
		// would outlive SMSCodesPerDay's window and keep a holder waiting.
		add("CodeInterval", SourceSanity, "at most 24 hours", p.CodeInterval)
	}
	if p.MaxSuspension < p.SuspensionDuration {
		add("MaxSuspension", SourceSanity, "must not be shorter than SuspensionDuration", p.MaxSuspension)
	}
	if p.UserIDMinLength > p.UserIDMaxLength {
		add("UserIDMinLength", SourceSanity, "must not exceed UserIDMaxLength", p.UserIDMinLength)
	}
	if p.OTPDigits > 0 && (p.OTPDigits < 6 || p.OTPDigits > 10) {
		add("OTPDigits", SourceSanity, "RFC 4226 codes have 6 to 10 digits", p.OTPDigits)
	}
	switch p.OTPAlgorithm {
	case "SHA1", "SHA256", "SHA512":
	default:
		add("OTPAlgorithm", SourceSanity, "one of SHA1, SHA256, SHA512 (RFC 6238)", p.OTPAlgorithm)
	}

	// MitID: every number that differs from MitID's.
	for _, d := range diffFields(m, p) {
		add(d.field, SourceMitID, d.want, d.got)
	}

	// NIST SP 800-63B.
	if p.PasswordMinLength > 0 && p.PasswordMinLength < 8 {
		add("PasswordMinLength", SourceNIST, "memorized secrets at least 8 characters (§5.1.1.2)", p.PasswordMinLength)
	}
	for _, f := range []struct {
		field string
		v     time.Duration
	}{
		{"AppActivationCodeValidity", p.AppActivationCodeValidity},
		{"PaperActivationCodeValidity", p.PaperActivationCodeValidity},
		{"SMSActivationCodeValidity", p.SMSActivationCodeValidity},
	} {
		if f.v > 10*time.Minute {
			add(f.field, SourceNIST, "binding codes valid at most 10 minutes (§6.1.2.1)", f.v)
		}
	}
	if p.SMSActivationCodeValidity > 0 {
		add("SMSActivationCodeValidity", SourceNIST, "binding codes are not sent by SMS or e-mail (§6.1.2.1)", "activation codes by SMS enabled")
	}
	if wc := p.WorstCase(); wc.PerAccount > 100 {
		add("MaxConsecutiveFailures", SourceNIST, "at most 100 consecutive failed attempts per account (§5.2.2)", wc.PerAccount)
	}
	if p.OTPDigits > 0 && p.OTPDigits < 6 {
		add("OTPDigits", SourceNIST, "OTP outputs of at least 6 decimal digits (§5.1.4.1)", p.OTPDigits)
	}
	if a := p.Argon2; a.Memory > 0 && a.Time > 0 && (a.Memory < argon2MinMemory || uint64(a.Memory)*uint64(a.Time) < argon2MinWork) {
		add("Argon2", SourceNIST, "a memory-hard function with costly parameters (§5.1.1.2); OWASP's floor for argon2id: m=46 MiB t=1, or m=19 MiB t=2, m=12 MiB t=3, m=9 MiB t=4, m=7 MiB t=5",
			fmt.Sprintf("m=%d KiB t=%d", a.Memory, a.Time))
	}
	if p.Argon2.SaltLen > 0 && p.Argon2.SaltLen < 4 {
		add("Argon2.SaltLen", SourceNIST, "salt of at least 32 bits (§5.1.1.2)", p.Argon2.SaltLen)
	}
	return out
}

// sane reports an error for the first SourceSanity departure of p.
func (p Policy) sane() error {
	for _, d := range p.Validate() {
		if d.Source == SourceSanity {
			return errorf(CodeConfigInvalid, "policy: %s", d)
		}
	}
	return nil
}

type fieldDiff struct{ field, want, got string }

// diffFields compares the two policies field by field.
func diffFields(want, got Policy) []fieldDiff {
	var out []fieldDiff
	cmp := func(field string, w, g any) {
		if fmt.Sprint(w) != fmt.Sprint(g) {
			out = append(out, fieldDiff{field, fmt.Sprint(w), fmt.Sprint(g)})
		}
	}
	// Listed explicitly rather than by reflection so that the order of the
	// report is the order of Policy, and a new field without a line here is
	// caught by TestPolicyValidateCoversEveryField.
	cmp("UserIDMinLength", want.UserIDMinLength, got.UserIDMinLength)
	cmp("UserIDMaxLength", want.UserIDMaxLength, got.UserIDMaxLength)
	cmp("MinimumAge", want.MinimumAge, got.MinimumAge)
	cmp("PCodeDigits", want.PCodeDigits, got.PCodeDigits)
	cmp("PCodeValidity", want.PCodeValidity, got.PCodeValidity)
	cmp("PCodeAttempts", want.PCodeAttempts, got.PCodeAttempts)
	cmp("PasswordMinLength", want.PasswordMinLength, got.PasswordMinLength)
	cmp("Argon2", want.Argon2, got.Argon2)
	cmp("PasswordChangeWait", want.PasswordChangeWait, got.PasswordChangeWait)
	cmp("AppActivationCodeValidity", want.AppActivationCodeValidity, got.AppActivationCodeValidity)
	cmp("PaperActivationCodeValidity", want.PaperActivationCodeValidity, got.PaperActivationCodeValidity)
	cmp("SMSActivationCodeValidity", want.SMSActivationCodeValidity, got.SMSActivationCodeValidity)
	cmp("PhoneChangeQuarantine", want.PhoneChangeQuarantine, got.PhoneChangeQuarantine)
	cmp("ActivationCodeAttempts", want.ActivationCodeAttempts, got.ActivationCodeAttempts)
	cmp("AccessRequestWait", want.AccessRequestWait, got.AccessRequestWait)
	// MitID publishes no number for these two: the rule names the library
	// as its source, not MitID.
	choice := func(field string, w, g any) {
		if fmt.Sprint(w) != fmt.Sprint(g) {
			out = append(out, fieldDiff{field, fmt.Sprint(w) + " (the library's choice; MitID publishes no number)", fmt.Sprint(g)})
		}
	}
	choice("CodeInterval", want.CodeInterval, got.CodeInterval)
	choice("SMSCodesPerDay", want.SMSCodesPerDay, got.SMSCodesPerDay)
	cmp("MaxApps", want.MaxApps, got.MaxApps)
	cmp("MaxCodeDevices", want.MaxCodeDevices, got.MaxCodeDevices)
	cmp("MaxChips", want.MaxChips, got.MaxChips)
	cmp("MaxPasswords", want.MaxPasswords, got.MaxPasswords)
	cmp("FreeCodeDevices", want.FreeCodeDevices, got.FreeCodeDevices)
	cmp("CodeDevicePriceOre", want.CodeDevicePriceOre, got.CodeDevicePriceOre)
	cmp("ChipPriceOre", want.ChipPriceOre, got.ChipPriceOre)
	cmp("DeliveryWorkingDays", want.DeliveryWorkingDays, got.DeliveryWorkingDays)
	cmp("ChipDeliveryMinWorkingDay", want.ChipDeliveryMinWorkingDay, got.ChipDeliveryMinWorkingDay)
	cmp("ChipDeliveryMaxWorkingDay", want.ChipDeliveryMaxWorkingDay, got.ChipDeliveryMaxWorkingDay)
	cmp("DeliveryAbroad", want.DeliveryAbroad, got.DeliveryAbroad)
	cmp("OTPDigits", want.OTPDigits, got.OTPDigits)
	cmp("OTPPeriod", want.OTPPeriod, got.OTPPeriod)
	cmp("OTPAlgorithm", want.OTPAlgorithm, got.OTPAlgorithm)
	cmp("OTPSkew", want.OTPSkew, got.OTPSkew)
	cmp("WrongCodeLimit", want.WrongCodeLimit, got.WrongCodeLimit)
	cmp("SuspensionDuration", want.SuspensionDuration, got.SuspensionDuration)
	cmp("MaxSuspension", want.MaxSuspension, got.MaxSuspension)
	cmp("MaxConsecutiveFailures", want.MaxConsecutiveFailures, got.MaxConsecutiveFailures)
	cmp("PossessionReserve", want.PossessionReserve, got.PossessionReserve)
	cmp("Argon2MemoryBudget", want.Argon2MemoryBudget, got.Argon2MemoryBudget)
	cmp("NotifyEveryUseByDefault", want.NotifyEveryUseByDefault, got.NotifyEveryUseByDefault)
	cmp("WitnessMinAge", want.WitnessMinAge, got.WitnessMinAge)
	cmp("WitnessMinMitIDAge", want.WitnessMinMitIDAge, got.WitnessMinMitIDAge)
	cmp("WitnessMaxActs", want.WitnessMaxActs, got.WitnessMaxActs)
	cmp("WitnessActsWindow", want.WitnessActsWindow, got.WitnessActsWindow)
	cmp("ControlQuestionAttempts", want.ControlQuestionAttempts, got.ControlQuestionAttempts)
	cmp("ControlQuestionLockout", want.ControlQuestionLockout, got.ControlQuestionLockout)
	cmp("RecommendedChannels", want.RecommendedChannels, got.RecommendedChannels)
	cmp("LoginSessionTTL", want.LoginSessionTTL, got.LoginSessionTTL)
	cmp("TransactionTextLimit", want.TransactionTextLimit, got.TransactionTextLimit)
	return out
}

// WorstCase is the most the throttling of a policy allows an attacker
// between two completed logins of the holder, over any span of time (see
// throttle.go).
type WorstCase struct {
	// PerAccount is the most wrong secret comparisons on one MitID, and so
	// on any one of its authenticators.
	PerAccount int
	// ByStranger is how many of them a stranger who knows only the user ID
	// can make; the rest need another factor first.
	ByStranger int
	// StrangerSpan is the least time a stranger needs to make them all at
	// one code display, waiting out each suspension on the way.
	StrangerSpan time.Duration
	// StrangerSpanWithCodes is the least time when codes by SMS, which
	// anyone may ask for, are spent too: SMSCodesPerDay of them at the
	// start of each day, ActivationCodeAttempts wrong entries each, beside
	// the code display's.
	StrangerSpanWithCodes time.Duration
	// LongestSuspension is the longest one suspension for wrong attempts
	// lasts.
	LongestSuspension time.Duration
}

// WorstCase works out the policy's worst case. With MitID's policy: 100 per
// account, 90 by a stranger over at least 23 days, suspensions of at most
// 24 hours.
func (p Policy) WorstCase() WorstCase {
	wc := WorstCase{PerAccount: p.MaxConsecutiveFailures, ByStranger: max(0, p.MaxConsecutiveFailures-p.PossessionReserve),
		LongestSuspension: p.MaxSuspension}
	if p.WrongCodeLimit > 0 && wc.ByStranger > 0 {
		// The last guess comes right after the suspension before it ends.
		for n := 1; n <= (wc.ByStranger-1)/p.WrongCodeLimit; n++ {
			wc.StrangerSpan += p.suspension(n)
		}
		wc.StrangerSpanWithCodes = p.strangerSpanWithCodes(wc.ByStranger)
	}
	return wc
}

// strangerSpanWithCodes is WorstCase.StrangerSpanWithCodes: the time of the
// n-th wrong comparison when each day opens with a day's codes by SMS and
// the code display takes WrongCodeLimit as each suspension ends.
func (p *Policy) strangerSpanWithCodes(n int) time.Duration {
	perDay := p.SMSCodesPerDay * p.ActivationCodeAttempts
	var display time.Duration // when the code display next takes guesses
	suspensions, made := 0, 0
	for d := time.Duration(0); ; d += day {
		made += perDay
		if made >= n {
			return d
		}
		for display < d+day {
			if made+p.WrongCodeLimit >= n {
				return display
			}
			made += p.WrongCodeLimit
			suspensions++
			display += p.suspension(suspensions)
		}
	}
}
