package mitid_test

import (
	"context"
	"fmt"
	"time"

	"github.com/go-mitid/mitid"
	"github.com/go-mitid/mitid/store/memory"
)

// Ordering a code display, identified by CPR number and passport number,
// delivered to the address the CPR register holds: free (one of the first
// three), expected eight Danish working days later.
func ExampleService_PlaceOrder() {
	keys, _ := mitid.NewRandomKeyRing(seeded(1))
	clock := mitid.ClockFunc(func() time.Time { return time.Date(2026, 3, 30, 9, 0, 0, 0, time.UTC) })
	register := mitid.CPRRecords{"0101901234": {Surname: "Hansen", Passports: []string{"DNK:212345678"},
		Address: mitid.PostalAddress{Name: "Anna Hansen", Street: "Vestergade 12", PostalCode: "8000", City: "Aarhus C"}}}
	svc, _ := mitid.New(mitid.Config{Store: memory.New(), Keys: keys, Clock: clock, Rand: seeded(2), CPRRegister: register})
	ctx := context.Background()
	if _, _, err := svc.CreateUser(ctx, mitid.UserRequest{UserID: "anna.hansen", CPR: "010190-1234", IAL: mitid.LevelSubstantial, Email: "anna@example.dk"}); err != nil {
		panic(err)
	}
	rc, err := svc.PlaceOrder(ctx, mitid.OrderRequest{Kind: mitid.KindCodeDisplay, CPR: "010190-1234", Passport: "212345678",
		Reason: mitid.ReasonNew, Delivery: mitid.DeliverToRegisteredAddress, AcceptTerms: true})
	if err != nil {
		panic(err)
	}
	fmt.Println(rc.Order.Status, rc.Order.Free, rc.Order.Address)
	fmt.Println("expected", rc.Order.ExpectedBy.Format("Monday 2 January"), "(Easter lies between)")

	_, err = svc.PlaceOrder(ctx, mitid.OrderRequest{Kind: mitid.KindApp, Reason: mitid.ReasonNew, Delivery: mitid.DeliverPickUp, PickUpAt: "Borgerservice", AcceptTerms: true})
	fmt.Println(mitid.ErrorCode(err))
	// Output:
	// paid true Anna Hansen, Vestergade 12, 8000 Aarhus C
	// expected Tuesday 14 April (Easter lies between)
	// order_invalid
}
