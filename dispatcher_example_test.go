package mitid_test

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/go-mitid/mitid"
	"github.com/go-mitid/mitid/store/memory"
)

// An integrator runs the Dispatcher in its own process: notifiers per
// channel (in production notify/email and notify/webhook), a logger, an
// observer that raises the alarm when a person could not be reached, and
// Run until shutdown. Here the SMS gateway refuses Bo's number for good, so
// his notice goes by e-mail instead.
func ExampleDispatcher_Run() {
	ctx, stop := context.WithCancel(context.Background())
	defer stop()
	keys, _ := mitid.NewRandomKeyRing(seeded(1))
	clock := mitid.ClockFunc(func() time.Time { return time.Date(2026, 11, 21, 9, 0, 0, 0, time.UTC) })
	store := memory.New()
	svc, err := mitid.New(mitid.Config{Store: store, Keys: keys, Clock: clock, Rand: seeded(2)})
	if err != nil {
		panic(err)
	}
	bo, _, err := svc.CreateUser(ctx, mitid.UserRequest{UserID: "bo-example", CPR: "010190-1234", IAL: mitid.LevelSubstantial,
		Phone: "+4587654321", Email: "bo@example.dk", Channels: []mitid.Channel{mitid.ChannelSMS}, Language: mitid.English})
	if err != nil {
		panic(err)
	}
	advice, err := svc.Advise(ctx, bo.ID)
	if err != nil {
		panic(err)
	}
	for _, a := range advice {
		fmt.Println("advice:", a.Code)
	}

	sms := mitid.NotifierFunc(func(_ context.Context, n mitid.Notification) error {
		return mitid.Undeliverable(nil, "the gateway does not know %s", n.Delivery.Address)
	})
	sent := 0
	email := mitid.NotifierFunc(func(_ context.Context, n mitid.Notification) error {
		fmt.Printf("e-mail to %s: %s\n", n.Delivery.Address, n.Text)
		if sent++; sent == 1 {
			stop() // the example ends here; a real process runs until shutdown
		}
		return nil
	})
	alarm := mitid.ObserverFunc(func(o mitid.Observation) {
		switch o.Outcome {
		case mitid.OutcomeParked:
			fmt.Printf("parked: %s by %s\n", o.Message.Event.Type, o.Message.Delivery.Channel)
		case mitid.OutcomeRerouted:
			fmt.Printf("rerouted to %s\n", o.Event.Notify[0].Channel)
		case mitid.OutcomeUnreached:
			fmt.Println("ALARM: not reached:", o.Event.Detail["event_type"])
		}
	})
	d := mitid.NewDispatcher(store, mitid.ByChannel{mitid.ChannelSMS: sms, mitid.ChannelEmail: email}, mitid.DispatcherConfig{
		Clock: clock, Timeout: 10 * time.Second, Concurrency: 1, Observer: alarm,
		Logger: slog.New(slog.DiscardHandler), // slog.Default() in production
	})
	err = d.Run(ctx, time.Second)
	fmt.Println(err)
	// Output:
	// advice: more_channels
	// advice: add_spare
	// parked: user.created by sms
	// rerouted to email
	// e-mail to bo@example.dk: Your MitID has been created. If this was not you, block your MitID at MitID.dk or call MitID support. We could not reach you by SMS; check your contact details at MitID.dk.
	// context canceled
}
