package mitid

import "fmt"

// AdviceCode names a piece of advice. Codes are stable, like error codes.
type AdviceCode string

// The advice the Service gives.
const (
	// AdviceMoreChannels: the person has fewer notification channels than
	// Policy.RecommendedChannels (seed 004: "It is recommended that you
	// choose two channels"), so one failing channel can leave them
	// unwarned.
	AdviceMoreChannels AdviceCode = "more_channels"
)

// Advice is a recommendation that blocks nothing: the change it is given
// for has been made. An integrator shows it to the person.
type Advice struct {
	Code    AdviceCode
	Message string
	// Have and Recommended count what the advice is about (channels).
	Have, Recommended int
}

// errNoChannel is the error for a person left with no way to be notified.
func errNoChannel() error {
	return invalidField(CodeChannelInvalid, "channels",
		"choose at least one notification channel (app, sms or email): MitID must be able to tell you when your MitID changes")
}

// Advise returns the advice for u as it is now: call it after CreateUser
// or ChangeContact and show the person what it returns. An empty result
// means nothing to advise.
func (s *Service) Advise(u *User) []Advice {
	var out []Advice
	if want := s.policy.RecommendedChannels; len(u.Channels) < want {
		out = append(out, Advice{Code: AdviceMoreChannels, Have: len(u.Channels), Recommended: want,
			Message: fmt.Sprintf("choose %d notification channels, so that you are warned even if one fails; you have %d",
				want, len(u.Channels))})
	}
	return out
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
