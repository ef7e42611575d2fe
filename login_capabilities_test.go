package mitid_test

import (
	"context"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/go-mitid/mitid"
	"github.com/go-mitid/mitid/store/memory"
)

// The login rules that depend on how a step commits, on a store that
// commits a login's user and session together (mitid.LoginUpdater, which
// the memory store offers); the tests beside them in login_test.go hold
// them on a store that offers only the core contract.

// loginFaults is a memory store, every capability included, that runs a
// hook before the next UpdateLogin, or fails it once.
type loginFaults struct {
	*memory.Store
	before func()
	fail   bool
}

func (s *loginFaults) UpdateLogin(ctx context.Context, seen *mitid.User, auth uuid.UUID, at mitid.SessionAt, fn mitid.LoginChange) (*mitid.User, *mitid.Session, error) {
	if h := s.before; h != nil {
		s.before = nil
		h()
	}
	if s.fail {
		s.fail = false
		return nil, nil, errInjected
	}
	return s.Store.UpdateLogin(ctx, seen, auth, at, fn)
}

// TestFinishLogin_CommitsItsEffectsAndConsumesTheSessionAtOnce: on a
// store that commits both together, a finish that fails leaves the login
// as it was (no use recorded, the session live), and one that succeeds
// leaves nothing to finish again.
func TestFinishLogin_CommitsItsEffectsAndConsumesTheSessionAtOnce(t *testing.T) {
	st := &loginFaults{Store: checkedStore(t)}
	e := newLoginEnv(t, st)
	h := e.enrol(t, "at-once", mitid.LevelSubstantial, mitid.KindApp)
	l := e.complete(t, h, e.begin(t, h, mitid.LevelSubstantial))

	finishSurvivesAFault(t, e, h, l, func() { st.fail = true })
	_, err := st.Session(e.ctx, l.ID, e.clock.Now())
	require.ErrorIs(t, err, mitid.ErrReplay, "the session was consumed in the same commit")
	_, err = e.svc.FinishLogin(e.ctx, l.ID)
	require.ErrorIs(t, err, mitid.ErrReplay)
}

// TestLogin_FactorGivenWhileTheLoginMovedOnIsSpentButNotRecorded: as
// TestLogin_FactorIsRecordedOnlyOnTheLoginItWasGivenFor, on a store that
// commits a step's user and session together: the code is spent on the
// device, the switched login still waits for a code.
func TestLogin_FactorGivenWhileTheLoginMovedOnIsSpentButNotRecorded(t *testing.T) {
	st := &loginFaults{Store: checkedStore(t)}
	e, h, l := codeWhileTheLoginMovesOn(t, st, &st.before)

	// A wrong code that lands while the login moves on counts all the same.
	st.before = func() {
		_, err := e.svc.ChooseMethod(e.ctx, l.ID, mitid.MethodCodeDisplay, uuid.Nil)
		require.NoError(t, err)
	}
	e.clock.Advance(30 * time.Second)
	_, err := e.svc.SubmitCode(e.ctx, l.ID, "000000")
	assert.Equal(t, mitid.CodeWrongCode, mitid.ErrorCode(err))
	u, err := e.svc.User(e.ctx, h.user.ID)
	require.NoError(t, err)
	assert.Equal(t, 1, u.Failures, "the failure counted")
}

// TestLogin_ChipAnswerCommittedMeanwhileIsNotJudgedOnTheOlderState: the
// same chip answer submitted again while the first is being committed: the
// first commits, and the second, decided on the state before it, reads the
// login again and is refused for its order, never judged a wrong or cloned
// answer.
func TestLogin_ChipAnswerCommittedMeanwhileIsNotJudgedOnTheOlderState(t *testing.T) {
	st := &loginFaults{Store: checkedStore(t)}
	e := newLoginEnv(t, st)
	h := e.enrol(t, "chip-meanwhile", mitid.LevelSubstantial, mitid.KindChip)
	l := chipLoginAtChip(t, e, h, password)
	resp, err := h.chip.Login(l.ChipOptions, origin)
	require.NoError(t, err)
	var first *mitid.Login
	st.before = func() {
		var err error
		first, err = e.svc.SubmitChip(e.ctx, l.ID, resp)
		require.NoError(t, err)
	}
	_, err = e.svc.SubmitChip(e.ctx, l.ID, resp)
	require.NotNil(t, first, "the first answer went in meanwhile")
	assert.Equal(t, mitid.StepDone, first.Next)
	assert.Equal(t, mitid.CodeLoginOrder, mitid.ErrorCode(err), "the login moved on")
	list, err := e.svc.Authenticators(e.ctx, h.user.ID)
	require.NoError(t, err)
	assert.Equal(t, mitid.StateActive, stateOf(list, h.chipID))
	_, err = e.svc.FinishLogin(e.ctx, l.ID)
	require.NoError(t, err)
}
