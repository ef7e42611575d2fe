package mitid

import (
	"context"
	"fmt"

	"github.com/google/uuid"
)

// Advice is a recommendation for a person's MitID: things that are not
// wrong but leave them exposed.
type Advice struct {
	Code string // stable: "add_channel", "add_spare"
	Text string
}

// Advise returns what MitID recommends the person do now: be notified on
// at least Policy.RecommendedChannels channels, so a notice still reaches
// them when one fails (mitid.dk notifications), and keep a spare authenticator, so losing
// one does not lock them out (mitid.dk Q&A: two apps, or an app and a code
// display).
func (s *Service) Advise(ctx context.Context, user uuid.UUID) ([]Advice, error) {
	u, err := s.store.User(ctx, user)
	if err != nil {
		return nil, err
	}
	now := s.clock.Now()
	var out []Advice
	if n := len(deliveries(u)); n < s.policy.RecommendedChannels {
		out = append(out, Advice{"add_channel", fmt.Sprintf("You are notified on %d channel(s); add another so that notices still reach you if one fails (%d recommended).", n, s.policy.RecommendedChannels)})
	}
	devices := 0
	for i := range u.Authenticators {
		if a := &u.Authenticators[i]; a.Kind != KindPassword && a.EffectiveState(now).InUse() {
			devices++
		}
	}
	if devices < 2 {
		out = append(out, Advice{"add_spare", "Keep a spare authenticator (a second app, or an app and a code display), so you can still use MitID if you lose one."})
	}
	return out, nil
}
