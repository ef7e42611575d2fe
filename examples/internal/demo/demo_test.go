package demo_test

import (
	"context"
	"testing"

	"github.com/go-mitid/mitid"
	"github.com/go-mitid/mitid/examples/internal/demo"
)

func TestNew_SeedsPeopleWhoCanLogOn(t *testing.T) {
	d, err := demo.New(context.Background(), demo.Options{Origin: "http://localhost:8080", CheapHashing: true})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	ctx := context.Background()
	anna := d.Person("anna.hansen")
	l, err := d.Service.BeginLogin(ctx, mitid.LoginRequest{UserID: anna.UserID, Action: mitid.ActionLogOn, Text: "t", Level: mitid.LevelSubstantial})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := d.Service.SubmitCode(ctx, l.ID, anna.Code()); err != nil {
		t.Fatal(err)
	}
	_, err = d.Service.BeginLogin(ctx, mitid.LoginRequest{UserID: "erik.spaerret", Action: mitid.ActionLogOn, Text: "t", Level: mitid.LevelSubstantial})
	if mitid.ErrorCode(err) != mitid.CodeAuthenticatorSuspended {
		t.Fatalf("erik: %v", err)
	}
	if d.Person("frida.ny").ActivationCode == "" {
		t.Fatal("frida has no activation code")
	}
}
