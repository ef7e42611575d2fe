package mitid_test

import (
	"fmt"
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/go-mitid/mitid"
)

// TestLogin_ADecoyRefusesStepsOutOfOrderAsARealLoginDoes: every step a
// stranger can call on a login just begun, in the wrong order or with a
// method the login does not offer, is answered at a user ID nobody has
// word for word and statement for statement as at a real one.
func TestLogin_ADecoyRefusesStepsOutOfOrderAsARealLoginDoes(t *testing.T) {
	for _, kind := range []mitid.Kind{mitid.KindCodeDisplay, mitid.KindApp} {
		st := &statementCounter{Store: checkedStore(t)}
		e := newLoginEnv(t, st)
		h := e.enrol(t, "order-real"+string(kind), mitid.LevelSubstantial, kind)
		decoy := decoyLike(t, e, e.begin(t, h, mitid.LevelSubstantial))
		answers := map[string][]string{}
		for _, uid := range []string{h.user.UserID, decoy} {
			l, err := e.svc.BeginLogin(e.ctx, mitid.LoginRequest{UserID: uid, Action: mitid.ActionLogOn, Text: "Log på", Level: mitid.LevelSubstantial})
			require.NoError(t, err)
			rec := func(name string, err error) {
				answers[uid] = append(answers[uid], fmt.Sprintf("%s: %v (%d)", name, err, st.n.Load()))
				st.n.Store(0)
			}
			st.n.Store(0)
			_, err = e.svc.SubmitPassword(e.ctx, l.ID, "whatever-pass")
			rec("password", err)
			_, err = e.svc.FinishLogin(e.ctx, l.ID)
			rec("finish", err)
			_, err = e.svc.SubmitChip(e.ctx, l.ID, []byte("{}"))
			rec("chip", err)
			_, err = e.svc.SubmitApproval(e.ctx, l.ID, []byte("sig"))
			rec("approval", err)
			_, err = e.svc.SubmitCodePair(e.ctx, l.ID, "123456", "123456")
			rec("pair", err)
			_, err = e.svc.ChooseMethod(e.ctx, l.ID, mitid.MethodChip, uuid.Nil)
			rec("choose", err)
			r, err := e.svc.ResumeLogin(e.ctx, l.ID)
			rec("resume "+fmt.Sprint(shape(r)), err)
			err = e.svc.CancelLogin(e.ctx, l.ID)
			rec("cancel", err)
		}
		assert.Equal(t, answers[h.user.UserID], answers[decoy], kind)
		assert.Contains(t, answers[decoy][0], string(mitid.CodeLoginOrder), "the password before the first factor is out of order")
	}
}
