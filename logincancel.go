package mitid

import (
	"context"
	"time"
)

// CancelLogin ends a login the person gave up on (MitID's "cancel" in the
// login box): the session is consumed, so no factor can be given to it and
// FinishLogin refuses it as a replay. Cancelling a login that is finished,
// cancelled or expired fails as reading it would (ErrReplay, ErrExpired).
// Nothing about the user changes: a cancel is not a failed attempt.
func (s *Service) CancelLogin(ctx context.Context, id string) (gotErr error) {
	defer s.observeLogin(ctx, CallCancelLogin, time.Now(), nil, &gotErr)
	now := s.clock.Now()
	if _, _, err := s.loadLogin(ctx, id, now); err != nil {
		return err // not a login session, or gone: consume nothing
	}
	_, err := s.store.ConsumeSession(ctx, id, now)
	return err
}
