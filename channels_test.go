package mitid_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/go-mitid/mitid"
)

// Channel policy (mitid.dk: MitID security in general): a person can always be told, is
// advised to choose two channels, and hears of a login once.

func TestCreateUser_NoChannelChosenDefaultsToTheContactsGiven(t *testing.T) {
	e := newEnv(t)
	u, evs, err := e.svc.CreateUser(e.ctx, mitid.UserRequest{UserID: "uden-valg", CPR: "020290-1234", IAL: mitid.LevelLow,
		Phone: "+4512345678", Email: "ole@example.dk"})
	require.NoError(t, err)
	assert.Equal(t, []mitid.Channel{mitid.ChannelSMS, mitid.ChannelEmail}, u.Channels)
	assert.Len(t, evs[0].Notify, 2, "the creation is notified on both")

	_, _, err = e.svc.CreateUser(e.ctx, mitid.UserRequest{UserID: "ingen-kontakt", CPR: "030390-1234", IAL: mitid.LevelLow})
	require.ErrorIs(t, err, mitid.ErrInvalid)
	assert.Equal(t, mitid.CodeChannelInvalid, mitid.ErrorCode(err), "nobody is enrolled unreachable")
}

func TestChangeContact_CannotLeaveNoChannel(t *testing.T) {
	e := newEnv(t)
	u := e.anna(t)
	_, _, err := e.svc.ChangeContact(e.ctx, u.ID, mitid.Contact{Channels: []mitid.Channel{}})
	assert.Equal(t, mitid.CodeChannelInvalid, mitid.ErrorCode(err))
	got, err := e.svc.User(e.ctx, u.ID)
	require.NoError(t, err)
	assert.Len(t, got.Channels, 2, "nothing changed")
}

func TestAdvise_FewerThanTheRecommendedChannels(t *testing.T) {
	e := newEnv(t)
	u, _, err := e.svc.CreateUser(e.ctx, mitid.UserRequest{UserID: "en-kanal", CPR: "020290-1234", IAL: mitid.LevelLow,
		Phone: "+4512345678", Channels: []mitid.Channel{mitid.ChannelSMS}})
	require.NoError(t, err, "advice blocks nothing")
	advice, err := e.svc.Advise(e.ctx, u.ID)
	require.NoError(t, err)
	require.NotEmpty(t, advice)
	assert.Equal(t, mitid.AdviceMoreChannels, advice[0].Code)
	assert.Equal(t, 1, advice[0].Have)
	assert.Equal(t, 2, advice[0].Recommended)
	assert.Contains(t, advice[0].Message, "choose 2 notification channels")

	anna := e.anna(t)
	advice, err = e.svc.Advise(e.ctx, anna.ID)
	require.NoError(t, err)
	for _, a := range advice {
		assert.NotEqual(t, mitid.AdviceMoreChannels, a.Code, "two channels: no advice on channels")
	}
}

func TestFinishLogin_EveryUseIsOneNoticePerLogin(t *testing.T) {
	e := newLoginEnv(t, checkedStore(t))
	h := e.enrol(t, "to-faktorer", mitid.LevelSubstantial, mitid.KindCodeDisplay) // code display and password
	_, _, err := e.svc.ChangeContact(e.ctx, h.user.ID, mitid.Contact{NotifyEveryUse: ptr(true)})
	require.NoError(t, err)
	l := e.complete(t, h, e.begin(t, h, mitid.LevelSubstantial))
	_, err = e.svc.FinishLogin(e.ctx, l.ID)
	require.NoError(t, err)
	log, err := e.svc.ActivityLog(e.ctx, h.user.ID, mitid.EventFilter{Types: []mitid.EventType{mitid.EventAuthenticatorUsed}})
	require.NoError(t, err)
	notices := 0
	for _, e := range log {
		notices += len(e.Notify)
	}
	assert.Equal(t, 1, notices, "one SMS for one login of two factors, not one per factor")
}
