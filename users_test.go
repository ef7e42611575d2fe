package mitid_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/go-mitid/mitid"
)

func TestCreateUser_EnrolsAndRecords(t *testing.T) {
	e := newEnv(t)
	u := e.anna(t)
	assert.Equal(t, "anna.hansen", u.UserID)
	assert.Equal(t, "0101901234", u.CPR.Digits())
	assert.Equal(t, date(1990, 1, 1), u.BirthDate)
	assert.Equal(t, "+4512345678", u.Phone)
	assert.Equal(t, mitid.UserActive, u.Status)
	assert.Equal(t, mitid.Danish, u.Language)
	assert.Equal(t, tNow, u.CreatedAt)

	log, err := e.svc.ActivityLog(e.ctx, u.ID, mitid.EventFilter{})
	require.NoError(t, err)
	require.Len(t, log, 1)
	assert.Equal(t, mitid.EventUserCreated, log[0].Type)
	assert.Equal(t, "user", log[0].Actor)
	assert.ElementsMatch(t, []mitid.Delivery{
		{Channel: mitid.ChannelSMS, Address: "+4512345678", Language: mitid.Danish},
		{Channel: mitid.ChannelEmail, Address: "anna@example.dk", Language: mitid.Danish},
	}, log[0].Notify, "the user is told on both chosen channels")
}

func TestCreateUser_Refusals(t *testing.T) {
	e := newEnv(t)
	e.anna(t)
	ok := mitid.UserRequest{Email: "holder@example.dk", UserID: "someone-else", CPR: "020290-1234", IAL: mitid.LevelSubstantial}
	tests := []struct {
		rule   string
		change func(n *mitid.UserRequest)
		code   mitid.Code
		is     error
	}{
		{"the user ID is taken, whatever its case", func(n *mitid.UserRequest) { n.UserID = "ANNA.HANSEN" }, mitid.CodeUserIDTaken, mitid.ErrConflict},
		{"the CPR number has a MitID", func(n *mitid.UserRequest) { n.CPR = "0101901234" }, mitid.CodeCPRTaken, mitid.ErrConflict},
		{"the user ID is the CPR number", func(n *mitid.UserRequest) { n.UserID = "0202901234" }, mitid.CodeUserIDInvalid, mitid.ErrInvalid},
		{"the user ID contains the holder's CPR", func(n *mitid.UserRequest) { n.UserID = "me-020290-1234" }, mitid.CodeUserIDInvalid, mitid.ErrInvalid},
		{"an invalid CPR number", func(n *mitid.UserRequest) { n.CPR = "320190-1234" }, mitid.CodeCPRInvalid, mitid.ErrInvalid},
		{"12 years old", func(n *mitid.UserRequest) { n.CPR = "221113-4123" }, mitid.CodeTooYoung, mitid.ErrInvalid},
		{"no CPR and no document", func(n *mitid.UserRequest) { n.CPR = "" }, mitid.CodeIdentityInvalid, mitid.ErrInvalid},
		{"no identity level", func(n *mitid.UserRequest) { n.IAL = mitid.LevelNone }, mitid.CodeLevelInvalid, mitid.ErrInvalid},
		{"SMS without a phone", func(n *mitid.UserRequest) { n.Channels = []mitid.Channel{mitid.ChannelSMS} }, mitid.CodeChannelInvalid, mitid.ErrInvalid},
		{"no channel and no contact to default to", func(n *mitid.UserRequest) { n.Email = "" }, mitid.CodeChannelInvalid, mitid.ErrInvalid},
		{"an empty choice of channels", func(n *mitid.UserRequest) { n.Channels = []mitid.Channel{} }, mitid.CodeChannelInvalid, mitid.ErrInvalid},
		{"an unknown channel", func(n *mitid.UserRequest) { n.Channels = []mitid.Channel{"pigeon"} }, mitid.CodeChannelInvalid, mitid.ErrInvalid},
		{"a malformed phone", func(n *mitid.UserRequest) { n.Phone = "12-ab" }, mitid.CodePhoneInvalid, mitid.ErrInvalid},
		{"a malformed e-mail", func(n *mitid.UserRequest) { n.Email = "anna at example" }, mitid.CodeEmailInvalid, mitid.ErrInvalid},
		{"an unknown language", func(n *mitid.UserRequest) { n.Language = "sv" }, mitid.CodeLanguageInvalid, mitid.ErrInvalid},
	}
	for _, tc := range tests {
		t.Run(tc.rule, func(t *testing.T) {
			n := ok
			tc.change(&n)
			_, _, err := e.svc.CreateUser(e.ctx, n)
			require.ErrorIs(t, err, tc.is)
			assert.Equal(t, tc.code, mitid.ErrorCode(err), err)
		})
	}
	_, _, err := e.svc.CreateUser(e.ctx, ok)
	require.NoError(t, err, "the unchanged request is fine")
}

func TestCreateUser_ThirteenthBirthday(t *testing.T) {
	e := newEnv(t) // today is 21 November 2026
	_, _, err := e.svc.CreateUser(e.ctx, mitid.UserRequest{Email: "holder@example.dk", UserID: "teen-one", CPR: "221113-4123", IAL: mitid.LevelSubstantial})
	require.ErrorIs(t, err, mitid.ErrInvalid, "the day before the 13th birthday")
	_, _, err = e.svc.CreateUser(e.ctx, mitid.UserRequest{Email: "holder@example.dk", UserID: "teen-two", CPR: "211113-4124", IAL: mitid.LevelSubstantial})
	require.NoError(t, err, "on the 13th birthday")
}

func TestCreateUser_WithoutCPR(t *testing.T) {
	e := newEnv(t)
	doc := &mitid.IdentityDocument{Country: "DEU", Number: "C01X00T47"}
	u, _, err := e.svc.CreateUser(e.ctx, mitid.UserRequest{Email: "holder@example.dk", UserID: "erika-m", Document: doc, BirthDate: date(1985, 6, 1), IAL: mitid.LevelSubstantial})
	require.NoError(t, err)
	assert.True(t, u.CPR.IsZero())
	assert.Equal(t, date(1985, 6, 1), u.BirthDate)
	_, _, err = e.svc.CreateUser(e.ctx, mitid.UserRequest{Email: "holder@example.dk", UserID: "erika-two", Document: doc, BirthDate: date(1985, 6, 1), IAL: mitid.LevelSubstantial})
	require.ErrorIs(t, err, mitid.ErrConflict, "one MitID per identity document")
}

func TestChangeUserID_AuditedNotifiedAndFreesTheOld(t *testing.T) {
	e := newEnv(t)
	u := e.anna(t)
	e.clock.Advance(time.Hour)
	got, evs, err := e.svc.ChangeUserID(mitid.WithActor(e.ctx, "support"), u.ID, "Ærø-Anna")
	require.NoError(t, err)
	assert.Equal(t, "ærø-anna", got.UserID)
	require.Len(t, evs, 1)
	assert.Equal(t, mitid.EventUserIDChanged, evs[0].Type)
	assert.Equal(t, map[string]string{"old": "anna.hansen", "new": "ærø-anna"}, evs[0].Detail)
	assert.Equal(t, "support", evs[0].Actor)
	assert.Equal(t, tNow.Add(time.Hour), evs[0].At)
	assert.Len(t, evs[0].Notify, 2)
	assert.Positive(t, evs[0].Seq)

	found, err := e.svc.UserByUserID(e.ctx, "ÆRØ-ANNA")
	require.NoError(t, err)
	assert.Equal(t, u.ID, found.ID)
	_, err = e.svc.UserByUserID(e.ctx, "anna.hansen")
	require.ErrorIs(t, err, mitid.ErrNotFound)
	_, _, err = e.svc.CreateUser(e.ctx, mitid.UserRequest{Email: "holder@example.dk", UserID: "Anna.Hansen", CPR: "020290-1234", IAL: mitid.LevelLow})
	require.NoError(t, err, "the old user ID is free for others")

	_, _, err = e.svc.ChangeUserID(e.ctx, u.ID, "0101901234")
	require.ErrorIs(t, err, mitid.ErrInvalid)
	_, _, err = e.svc.ChangeUserID(e.ctx, u.ID, "ærø-anna")
	require.ErrorIs(t, err, mitid.ErrInvalid, "no change is not a change")
}

func TestFindUser(t *testing.T) {
	e := newEnv(t)
	u := e.anna(t)
	for _, q := range []func() (*mitid.User, error){
		func() (*mitid.User, error) { return e.svc.User(e.ctx, u.ID) },
		func() (*mitid.User, error) { return e.svc.UserByUserID(e.ctx, "ANNA.hansen") },
		func() (*mitid.User, error) { return e.svc.UserByCPR(e.ctx, "0101901234") },
		func() (*mitid.User, error) { return e.svc.UserByCPR(e.ctx, "010190-1234") },
	} {
		got, err := q()
		require.NoError(t, err)
		assert.Equal(t, u.ID, got.ID)
	}
	_, err := e.svc.UserByUserID(e.ctx, "nobody-here")
	require.ErrorIs(t, err, mitid.ErrNotFound)
	assert.Equal(t, mitid.CodeUserNotFound, mitid.ErrorCode(err))
	_, err = e.svc.UserByCPR(e.ctx, "12345")
	require.ErrorIs(t, err, mitid.ErrInvalid, "a malformed CPR is bad input, not a missing user")
}

func TestChangeContact_NotifiesOldAndNewAddresses(t *testing.T) {
	e := newEnv(t)
	u := e.anna(t)
	e.clock.Advance(time.Hour)
	phone := "+46 70 123 45 67" // a Swedish number: foreign numbers are fine
	got, evs, err := e.svc.ChangeContact(e.ctx, u.ID, mitid.Contact{Phone: &phone})
	require.NoError(t, err)
	assert.Equal(t, "+46701234567", got.Phone)
	assert.Equal(t, tNow.Add(time.Hour), got.PhoneChangedAt, "the change time starts the SMS quarantine")
	var addrs []string
	for _, d := range evs[0].Notify {
		addrs = append(addrs, d.Address)
	}
	assert.ElementsMatch(t, []string{"+4512345678", "anna@example.dk", "+46701234567"}, addrs,
		"the old number hears of the change, so a hijacker cannot silence it")
	empty := ""
	_, _, err = e.svc.ChangeContact(e.ctx, u.ID, mitid.Contact{Phone: &empty})
	require.ErrorIs(t, err, mitid.ErrInvalid, "the SMS channel needs a number")
}

func TestBlockUser_TemporarilyWholeMitID(t *testing.T) {
	e := newEnv(t)
	u := e.anna(t)
	until := tNow.Add(2 * time.Hour)
	got, evs, err := e.svc.BlockUser(mitid.WithActor(e.ctx, "support"), u.ID, until, "suspected fraud")
	require.NoError(t, err)
	assert.Equal(t, mitid.UserBlocked, got.Status)
	assert.Equal(t, mitid.EventUserBlocked, evs[0].Type)
	err = got.Usable(tNow)
	require.ErrorIs(t, err, mitid.ErrLocked)
	var me *mitid.Error
	require.ErrorAs(t, err, &me)
	assert.Equal(t, until, me.Until)
	assert.NoError(t, got.Usable(until), "the block ends by itself")

	_, _, err = e.svc.AddAuthenticator(e.ctx, u.ID, mitid.AuthenticatorRequest{Kind: mitid.KindApp, State: mitid.StatePendingActivation})
	require.ErrorIs(t, err, mitid.ErrLocked, "a blocked MitID gets no new authenticators")

	_, evs, err = e.svc.UnblockUser(e.ctx, u.ID, "cleared")
	require.NoError(t, err)
	assert.Equal(t, mitid.EventUserUnblocked, evs[0].Type)
	_, _, err = e.svc.UnblockUser(e.ctx, u.ID, "again")
	require.ErrorIs(t, err, mitid.ErrInvalid)
	_, _, err = e.svc.BlockUser(e.ctx, u.ID, tNow.Add(-time.Second), "past")
	require.ErrorIs(t, err, mitid.ErrInvalid)
}
