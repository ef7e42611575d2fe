package mitid_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/go-mitid/mitid"
)

func TestReplaceAuthenticator_Process1OrdersInOneChange(t *testing.T) {
	e := newOrderEnv(t, checkedStore(t))
	h := e.enrol(t, "proces.et", mitid.LevelSubstantial, mitid.KindApp, mitid.KindCodeDisplay)
	order := &mitid.OrderRequest{Kind: mitid.KindCodeDisplay, Delivery: mitid.DeliverPickUp, PickUpAt: "Borgerservice Odense", AcceptTerms: true}

	// Refused requests change nothing: the broken one stays as it was.
	bad := *order
	bad.AcceptTerms = false
	_, err := e.svc.ReplaceAuthenticator(e.ctx, mitid.Replacement{Login: "unused", Broken: h.codeID, Defect: "blank", Order: &bad})
	assert.Equal(t, mitid.CodeTermsNotAccepted, mitid.ErrorCode(err))
	l := e.complete(t, h, e.begin(t, h, mitid.LevelSubstantial))
	_, err = e.svc.ReplaceAuthenticator(e.ctx, mitid.Replacement{Login: l.ID, Broken: h.codeID, Defect: "blank", Order: order, Add: &mitid.AddDevice{}})
	assert.Equal(t, mitid.CodeOrderInvalid, mitid.ErrorCode(err))
	_, err = e.svc.ReplaceAuthenticator(e.ctx, mitid.Replacement{Login: l.ID, Broken: h.codeID, Order: order})
	assert.Equal(t, mitid.CodeOrderInvalid, mitid.ErrorCode(err), "a broken device's defect is described")
	assert.Equal(t, mitid.StateActive, stateOf(e.list(t, h.user.ID), h.codeID))

	// A login with the broken device itself does not do.
	e.clock.Advance(30 * 1e9)
	byBroken, err := e.svc.BeginLogin(e.ctx, mitid.LoginRequest{UserID: h.user.UserID, Action: mitid.ActionLogOn, Text: "Log på MitID.dk", Level: mitid.LevelSubstantial})
	require.NoError(t, err)
	byBroken, err = e.svc.ChooseMethod(e.ctx, byBroken.ID, mitid.MethodCodeDisplay, h.codeID)
	require.NoError(t, err)
	byBroken = e.complete(t, h, byBroken)
	_, err = e.svc.ReplaceAuthenticator(e.ctx, mitid.Replacement{Login: byBroken.ID, Broken: h.codeID, Defect: "blank", Order: order})
	assert.Equal(t, mitid.CodeIdentificationFailed, mitid.ErrorCode(err))
	assert.Equal(t, mitid.StateActive, stateOf(e.list(t, h.user.ID), h.codeID))

	res, err := e.svc.ReplaceAuthenticator(e.ctx, mitid.Replacement{Login: l.ID, Broken: h.codeID, Defect: "the display stays blank", Order: order})
	require.NoError(t, err)
	a, err := res.User.Authenticator(h.codeID)
	require.NoError(t, err)
	assert.Equal(t, mitid.StateBlocked, a.State)
	o := res.Receipt.Order
	assert.Equal(t, h.codeID, o.Replaces)
	assert.Equal(t, mitid.ReasonBroken, o.Reason)
	assert.Equal(t, mitid.IdentifiedByMitID, o.Identification)
	assert.Equal(t, h.user.ID, o.User)
	assert.True(t, o.Free)

	// Block and order are one commit: the block event and the order event
	// have consecutive sequence numbers.
	log, err := e.svc.ActivityLog(e.ctx, h.user.ID, mitid.EventFilter{Types: []mitid.EventType{mitid.EventAuthenticatorState, mitid.EventOrderPlaced}})
	require.NoError(t, err)
	last := log[len(log)-2:]
	assert.Equal(t, mitid.StateBlocked, last[0].To)
	assert.Equal(t, mitid.EventOrderPlaced, last[1].Type)
	assert.Equal(t, last[0].Seq+1, last[1].Seq)
}

func TestReplaceAuthenticator_Process1AddsAReceivedDevice(t *testing.T) {
	e := newOrderEnv(t, checkedStore(t))
	h := e.enrol(t, "proces.et.add", mitid.LevelSubstantial, mitid.KindApp, mitid.KindCodeDisplay)
	id, dev := e.codeDevice(t, h.user.ID, mitid.KindAudioReader, mitid.StatePendingActivation)
	e.clock.Advance(30 * 1e9)
	l := e.complete(t, h, e.begin(t, h, mitid.LevelSubstantial))
	code, err := dev.Code()
	require.NoError(t, err)
	_, err = e.svc.ReplaceAuthenticator(e.ctx, mitid.Replacement{Login: l.ID, Broken: h.codeID, Defect: "cracked",
		Add: &mitid.AddDevice{Authenticator: id, Serial: "0000 0000 0000", Code: code}})
	assert.Equal(t, mitid.CodeSerialMismatch, mitid.ErrorCode(err))
	list := e.list(t, h.user.ID)
	assert.Equal(t, mitid.StateActive, stateOf(list, h.codeID), "nothing blocked when the new one is refused")
	assert.Equal(t, mitid.StatePendingActivation, stateOf(list, id))

	l = e.complete(t, h, e.begin(t, h, mitid.LevelSubstantial))
	res, err := e.svc.ReplaceAuthenticator(e.ctx, mitid.Replacement{Login: l.ID, Broken: h.codeID, Defect: "cracked",
		Add: &mitid.AddDevice{Authenticator: id, Serial: dev.Serial().String(), Code: code}})
	require.NoError(t, err)
	assert.Equal(t, mitid.StateBlocked, stateOf(res.User.Authenticators, h.codeID))
	assert.Equal(t, mitid.StateActive, stateOf(res.User.Authenticators, id))
	require.Len(t, res.Events, 2)
}
