package mitid_test

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/go-mitid/mitid"
	"github.com/go-mitid/mitid/store/memory"
)

// Keeping history for a while: the activity log a year, delivered
// notifications 30 days. Purge, run periodically, removes what has been
// kept long enough, never a notification not yet delivered; a retention
// shorter than the rules read back is refused when the Service is built.
func ExampleService_Purge() {
	ctx := context.Background()
	now := time.Date(2026, 1, 5, 9, 0, 0, 0, time.UTC)
	clock := mitid.ClockFunc(func() time.Time { return now })
	keys, err := mitid.NewRandomKeyRing(seeded(1))
	if err != nil {
		panic(err)
	}
	sent := mitid.NotifierFunc(func(context.Context, mitid.Notification) error { return nil })
	cfg := mitid.Config{Store: memory.New(), Keys: keys, Clock: clock, Rand: seeded(2), Notifier: sent,
		Retention: mitid.Retention{Events: 24 * time.Hour, Outbox: time.Hour}}
	_, err = mitid.New(cfg)
	var e *mitid.Error
	errors.As(err, &e)
	fmt.Println(mitid.ErrorCode(err), e.Field)

	cfg.Retention = mitid.Retention{Events: 365 * 24 * time.Hour, Outbox: 30 * 24 * time.Hour}
	svc, err := mitid.New(cfg)
	if err != nil {
		panic(err)
	}
	if _, _, err := svc.CreateUser(ctx, mitid.UserRequest{UserID: "anna.hansen", CPR: "010190-1234", Email: "anna@example.dk", IAL: mitid.LevelSubstantial}); err != nil {
		panic(err)
	}
	now = now.Add(400 * 24 * time.Hour)
	purged, err := svc.Purge(ctx)
	fmt.Printf("undelivered: %+v %v\n", purged, err)

	if _, err := svc.Dispatcher(mitid.DispatcherConfig{}).RunOnce(ctx); err != nil {
		panic(err)
	}
	now = now.Add(31 * 24 * time.Hour)
	purged, err = svc.Purge(ctx)
	fmt.Printf("delivered a month ago: %+v %v\n", purged, err)
	// Output:
	// config_invalid Retention.Events
	// undelivered: {Events:0 Outbox:0 Sessions:0} <nil>
	// delivered a month ago: {Events:1 Outbox:1 Sessions:0} <nil>
}
