package mitid

import (
	"context"
	"strings"
)

// Notifier delivers one notification on one channel. Implementations wrap an
// SMS gateway, an SMTP server, the app's push service, or a test recorder.
//
// Contract: Notify returns nil only when the message was handed over for
// delivery. An error matching ErrInvalid means it can never be delivered (a
// malformed address): the Dispatcher parks it at once. Any other error is
// taken as transient and the message is retried with back-off. Notify may be
// called more than once for one message (a lease can run out mid-delivery),
// so n.ID (stable across retries) is the deduplication key.
type Notifier interface {
	Notify(ctx context.Context, n Notification) error
}

// NotifierFunc adapts a function to the Notifier interface.
type NotifierFunc func(ctx context.Context, n Notification) error

// Notify calls f.
func (f NotifierFunc) Notify(ctx context.Context, n Notification) error { return f(ctx, n) }

// Notification is what a Notifier sends: the event, where to, and the text in
// the user's language.
type Notification struct {
	// ID identifies the outbox message; it is the same on every attempt.
	ID       int64
	Delivery Delivery
	Event    Event
	Subject  string
	Text     string
}

// important reports whether e is an event MitID tells the user about (seed
// 004; mitid.dk): activations, suspensions, blocks, replacements, user ID
// and contact changes, access requests; or any use when the user asked for
// that.
func important(e *Event, everyUse bool) bool {
	switch e.Type {
	case EventUserCreated, EventUserIDChanged, EventUserBlocked, EventUserUnblocked, EventContactChanged,
		EventOrderPlaced, EventPasswordChanged:
		return true
	case EventAuthenticatorAdded:
		return e.To == StateActive || e.To == StateWaitingForAccess
	case EventAuthenticatorState:
		return e.To != StatePendingActivation
	case EventAuthenticatorUsed:
		return everyUse
	}
	return false
}

// deliveries returns where u is told about e: each chosen channel, at the
// address it has now. A channel without an address is skipped (an SMS
// channel after the phone number was removed, say).
func deliveries(u *User) []Delivery {
	var out []Delivery
	for _, c := range u.Channels {
		d := Delivery{Channel: c, Language: u.Language}
		switch c {
		case ChannelSMS:
			d.Address = u.Phone
		case ChannelEmail:
			d.Address = u.Email
		case ChannelApp:
			d.Address = u.ID.String()
		}
		if d.Address != "" {
			out = append(out, d)
		}
	}
	return out
}

// Render returns the subject and text of a notification about e in the
// given language. The texts tell the person what happened and what to do if
// it was not them.
func Render(e *Event, lang Language) (subject, text string) {
	da := lang == Danish
	pick := func(dk, en string) string {
		if da {
			return dk
		}
		return en
	}
	notYou := pick(" Var det ikke dig, så spær dit MitID på MitID.dk eller ring til MitID support.",
		" If this was not you, block your MitID at MitID.dk or call MitID support.")
	subject = "MitID"
	switch e.Type {
	case EventUserCreated:
		return subject, pick("Dit MitID er oprettet.", "Your MitID has been created.") + notYou
	case EventUserIDChanged:
		return subject, pick("Dit bruger-ID er ændret til ", "Your user ID was changed to ") + e.Detail["new"] + "." + notYou
	case EventUserBlocked:
		return subject, pick("Dit MitID er midlertidigt spærret.", "Your MitID is temporarily blocked.") + notYou
	case EventUserUnblocked:
		return subject, pick("Spærringen af dit MitID er ophævet.", "The block on your MitID has been lifted.") + notYou
	case EventContactChanged:
		return subject, pick("Dine kontaktoplysninger er ændret.", "Your contact details were changed.") + notYou
	case EventPasswordChanged:
		return subject, pick("Din adgangskode er ændret.", "Your password has been changed.") + notYou
	case EventOrderPlaced:
		return subject, pick("Vi har modtaget din bestilling ", "We have received your order ") + e.Order + "."
	case EventAccessGranted:
		return subject, pick("Ventetiden er slut: du har nu adgang til at tilføje eller ændre din ", "The waiting period is over: you now have access to add or change your ") + e.Kind.Name(lang) + "." + notYou
	case EventAccessRequested:
		return subject, pick("Du har bedt om adgang til at ændre din adgangskode; om 24 timer får du adgang.", "You asked for access to change your password; you get it in 24 hours.") + notYou
	case EventAuthenticatorUsed:
		return subject, pick("Dit MitID blev brugt med din ", "Your MitID was used with your ") + e.Kind.Name(lang) + "." + notYou
	case EventNotificationRerouted, EventNotificationFailed:
		var names []string
		for _, c := range strings.Split(e.Detail["channels"], ",") {
			names = append(names, channelName(Channel(c), lang))
		}
		return subject, e.Detail["text"] + pick(" Vi kunne ikke give dig besked via "+strings.Join(names, " og ")+
			"; tjek dine kontaktoplysninger på MitID.dk.",
			" We could not reach you by "+strings.Join(names, " and ")+"; check your contact details at MitID.dk.")
	}
	verb := map[State][2]string{
		StateActive:           {"er aktiveret", "has been activated"},
		StateSuspended:        {"er midlertidigt spærret", "has been suspended"},
		StateBlocked:          {"er spærret", "has been blocked"},
		StateReplaced:         {"er erstattet", "has been replaced"},
		StateWaitingForAccess: {"afventer adgang i 24 timer", "is waiting 24 hours for access"},
	}[e.To]
	if verb[0] == "" {
		verb = [2]string{"er ændret", "has changed"}
	}
	return subject, pick("Din "+e.Kind.Name(lang)+" "+verb[0]+".", "Your "+e.Kind.Name(lang)+" "+verb[1]+".") + notYou
}

// channelName is how a notice names a channel to the person.
func channelName(c Channel, lang Language) string {
	switch c {
	case ChannelApp:
		if lang == Danish {
			return "MitID-appen"
		}
		return "the MitID app"
	case ChannelSMS:
		return "SMS"
	case ChannelEmail:
		return "e-mail"
	}
	return string(c)
}
