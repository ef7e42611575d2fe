package mitid

import (
	"context"
	"fmt"

	"github.com/google/uuid"
)

// AdviceCode names a piece of advice. Codes are stable, like error codes.
type AdviceCode string

// The advice the Service gives.
const (
	// AdviceMoreChannels: the person is notified on fewer channels than
	// Policy.RecommendedChannels (mitid.dk: "It is recommended that you
	// choose two channels"), so one failing channel can leave them
	// unwarned.
	AdviceMoreChannels AdviceCode = "more_channels"
	// AdviceSpare: the person has one authenticator and no spare (mitid.dk:
	// two apps, or an app and a code display), so losing it locks them out.
	AdviceSpare AdviceCode = "add_spare"
)

// Advice is a recommendation that blocks nothing: the change it is given
// for has been made. An integrator shows it to the person.
type Advice struct {
	Code    AdviceCode
	Message string
	// Have and Recommended count what the advice is about (channels,
	// authenticators).
	Have, Recommended int
}

// errNoChannel is the error for a person left with no way to be notified.
func errNoChannel() error {
	return invalidField(CodeChannelInvalid, "channels",
		"choose at least one notification channel (app, sms or email): MitID must be able to tell you when your MitID changes")
}

// Advise returns what MitID recommends person user do now: call it after
// CreateUser, ChangeContact or a change of authenticators and show the
// person what it returns. An empty result means nothing to advise.
func (s *Service) Advise(ctx context.Context, user uuid.UUID) ([]Advice, error) {
	u, err := s.store.User(ctx, user)
	if err != nil {
		return nil, err
	}
	var out []Advice
	if n, want := len(deliveries(u)), s.policy.RecommendedChannels; n < want {
		out = append(out, Advice{Code: AdviceMoreChannels, Have: n, Recommended: want,
			Message: fmt.Sprintf("choose %d notification channels, so that you are warned even if one fails; you have %d", want, n)})
	}
	now := s.clock.Now()
	devices := 0
	for i := range u.Authenticators {
		if a := &u.Authenticators[i]; a.Kind != KindPassword && a.EffectiveState(now).InUse() {
			devices++
		}
	}
	if devices < 2 {
		out = append(out, Advice{Code: AdviceSpare, Have: devices, Recommended: 2,
			Message: "keep a spare authenticator (a second app, or an app and a code display), so you can still use MitID if you lose one"})
	}
	return out, nil
}

// defaultChannels gives a new person who chose no channel the channels
// their contact details allow (SMS, then e-mail), so nobody is enrolled
// unreachable by omission; with no contact details either, it fails.
func defaultChannels(u *User) error {
	if len(u.Channels) > 0 {
		return nil
	}
	if u.Phone != "" {
		u.Channels = append(u.Channels, ChannelSMS)
	}
	if u.Email != "" {
		u.Channels = append(u.Channels, ChannelEmail)
	}
	if len(u.Channels) == 0 {
		return errNoChannel()
	}
	return nil
}
