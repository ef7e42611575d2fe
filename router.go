package mitid

import "context"

// ByChannel is a Notifier that hands each notification to the notifier of
// its channel: an SMTP notifier for e-mail, webhooks for SMS and the app.
// A channel with no notifier is undeliverable (the message is parked, and
// the person's other channels are tried), so a deployment that serves no
// SMS still reaches people by e-mail.
type ByChannel map[Channel]Notifier

// Notify sends n with the notifier of n's channel.
func (b ByChannel) Notify(ctx context.Context, n Notification) error {
	to, ok := b[n.Delivery.Channel]
	if !ok || to == nil {
		return Undeliverable(nil, "no notifier serves the %q channel", n.Delivery.Channel)
	}
	return to.Notify(ctx, n)
}
