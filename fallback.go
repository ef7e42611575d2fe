package mitid

import (
	"context"
	"errors"
	"log/slog"
	"strings"
	"time"

	"github.com/google/uuid"
)

// The events a Dispatcher records when a notice fails on every channel it
// was sent on (mitid.dk: MitID security in general: "If MitID encounters errors when notifying through
// one channel, then you can get notified through another").
const (
	// EventNotificationRerouted: every delivery of an event failed for
	// good, and the notice was queued on the person's remaining channels
	// (Notify). Detail: "event" and "event_type" of the notice, "channels"
	// that failed, "reason" of the last failure, "subject" and "text" of the
	// notice as it was sent.
	EventNotificationRerouted EventType = "notification.rerouted"
	// EventNotificationFailed: the notice reached the person on no channel
	// and none is left to try. Detail as for EventNotificationRerouted.
	// Integrators list these with Events (Types: EventNotificationFailed)
	// and see them as OutcomeUnreached.
	EventNotificationFailed EventType = "notification.failed"
)

// reroute runs after m was parked. If another delivery of the same event is
// delivered or still being tried, the person is (or may yet be) reached
// there and nothing more is done. Otherwise the notice goes to the person's
// channels not yet tried, as recorded in an EventNotificationRerouted, or,
// when none is left (or m was already a rerouted notice), the failure is
// recorded as EventNotificationFailed. The recorded event's ID is derived
// from m's event, so two dispatchers parking the last two deliveries at once
// record it once.
func (d *Dispatcher) reroute(ctx context.Context, m *OutboxMessage, cause error, now time.Time) error {
	users := d.cfg.Users
	if users == nil || m.Event.User == uuid.Nil {
		return nil
	}
	sibs, err := d.outbox.OutboxMessages(ctx, OutboxFilter{User: m.Event.User, Event: m.Event.ID})
	if err != nil {
		return err
	}
	tried := []Delivery{m.Delivery}
	for _, s := range sibs {
		if s.ID == m.ID {
			continue
		}
		if !s.Dead {
			return nil
		}
		tried = append(tried, s.Delivery)
	}
	var rec Event
	_, err = users.UpdateUser(ctx, m.Event.User, func(u *User) ([]Event, error) {
		rec = failureEvent(u, m, tried, cause, now)
		return []Event{rec}, nil
	})
	switch {
	case ErrorCode(err) == CodeEventInvalid || errors.Is(err, ErrNotFound):
		return nil // recorded already by another dispatcher, or the person is gone
	case err != nil:
		return err
	}
	attrs := append(msgAttrs(m), slog.String(logKeyRecorded, rec.ID.String()), slog.String(logKeyChannels, rec.Detail["channels"]))
	if len(rec.Notify) > 0 {
		d.log.LogAttrs(ctx, slog.LevelWarn, "notification rerouted to the person's other channels", attrs...)
		d.observe(Observation{Outcome: OutcomeRerouted, Message: m, Err: cause, Event: &rec, At: now})
	} else {
		d.log.LogAttrs(ctx, slog.LevelError, "notification reached the person on no channel", attrs...)
		d.observe(Observation{Outcome: OutcomeUnreached, Message: m, Err: cause, Event: &rec, At: now})
	}
	return nil
}

// failureEvent builds the event recording that m's notice failed on every
// channel in tried, with the person's remaining channels to notify.
func failureEvent(u *User, m *OutboxMessage, tried []Delivery, cause error, now time.Time) Event {
	channels := make([]string, len(tried))
	for i, t := range tried {
		channels[i] = string(t.Channel)
	}
	detail := map[string]string{"event": m.Event.ID.String(), "event_type": string(m.Event.Type),
		"channels": strings.Join(channels, ","), "reason": cause.Error()}
	if m.Event.Type == EventNotificationRerouted {
		// A rerouted notice failing too: the person is out of channels.
		// Name the original event, and every channel tried.
		detail["event"], detail["event_type"] = m.Event.Detail["event"], m.Event.Detail["event_type"]
		detail["channels"] = m.Event.Detail["channels"] + "," + detail["channels"]
		detail["subject"], detail["text"] = m.Event.Detail["subject"], m.Event.Detail["text"]
	} else {
		detail["subject"], detail["text"] = Render(&m.Event, u.Language)
	}
	e := Event{User: u.ID, At: now, Actor: "system", Detail: detail}
	if m.Event.Type != EventNotificationRerouted {
		e.Notify = untried(u, tried)
	}
	e.Type = EventNotificationRerouted
	if len(e.Notify) == 0 {
		e.Type = EventNotificationFailed
	}
	e.ID = uuid.NewSHA1(m.Event.ID, []byte(e.Type))
	return e
}

// untried returns where else u can be reached: the chosen channels at their
// addresses now (they may have changed since the event), then the phone
// number and e-mail address on file, less every delivery already tried.
func untried(u *User, tried []Delivery) []Delivery {
	cands := append(deliveries(u),
		Delivery{Channel: ChannelSMS, Address: u.Phone, Language: u.Language},
		Delivery{Channel: ChannelEmail, Address: u.Email, Language: u.Language})
	var out []Delivery
	for _, c := range cands {
		seen := c.Address == ""
		for _, t := range append(tried, out...) {
			seen = seen || (t.Channel == c.Channel && t.Address == c.Address)
		}
		if !seen {
			out = append(out, c)
		}
	}
	return out
}
