package mitid

import (
	"context"
	"errors"
	"sync"
	"time"
)

// A login's steps usually come to the Service that made the last one (a
// browser keeps its connection, a load balancer its stickiness), and each
// step used to start by reading back the session and the user its previous
// step had just committed. The login cache keeps what a step that gave a
// factor committed, and the next step decides on it with SessionAt.Exact:
// the store commits only if neither the session nor the user has changed
// since, and otherwise commits nothing, so the step reads and decides
// again. A stale entry (the previous step went to another Service, or the
// user changed meanwhile) costs one statement that commits nothing; it
// never lets a step count on a state that is gone.
//
// Before the first factor anyone who knows a user ID can drive a login,
// and a kept entry costs a different number of statements than a decoy's
// (a user ID nobody has) whenever it is stale, which a stranger can make it
// (a wrong code in another login of the same person changes the record):
// the time of a wrong first code would tell a stranger which user IDs
// exist. So a decision before the first factor commits on a kept state
// only when nobody but the person could have made it. A login whose first
// factor is a code is kept apart from the others (the Service's begun
// cache, filled by BeginLogin, so that strangers' logins never evict the
// entries of logins with a factor in), and its first code is decided on the
// kept state in memory first (acceptedAsBegun), committing nothing: only a
// right code, which only the device's holder can give, then commits on it
// exactly. A wrong code, or anything else, is decided on a fresh read and
// commits through that, the two calls a decoy's wrong code costs the store
// (TestLoginCache_ADecoysFirstAnswerCostsWhatARealOnesDoes). A right code
// on a stale entry costs the person one statement that commits nothing.
// The other first factors (an app's approval, a chip login's password)
// read, for a real login as for a decoy.
//
// Only what is used with LoginUpdater is cached, since Exact needs the
// user's and the session's change in one commit. An entry is taken (and so
// removed) by the step that uses it, and put back by a step that committed
// a factor. The cache is bounded: when it is full a new entry evicts
// another at random, and each put sweeps a few entries for logins that
// have expired, so that while logins go on the records of finished or
// abandoned ones (their identifiers opened) do not pile up.

// DefaultLoginCache is the number of logins in progress a Service keeps in
// memory between steps when Config.LoginCache is zero.
const DefaultLoginCache = 4096

// errDecideAgain says a step decided on the cached state committed
// nothing: the caller reads the login and decides again.
var errDecideAgain = errors.New("mitid: the cached login is stale")

// loginCache is the login cache; nil is a cache that keeps nothing.
type loginCache struct {
	mu  sync.Mutex
	max int
	m   map[string]cachedLogin
	// settle settles a login kept as it was begun (Service.settleBegun,
	// for the begun cache); nil where none is kept.
	settle func(sess *Session, st *loginState, u *User, now time.Time, strict bool) ([]LoginOption, error)
}

// cachedLogin is a login session and its user as a step committed them,
// both read-only.
type cachedLogin struct {
	sess *Session
	user *User
}

// sweep is how many entries each put looks at for expired logins.
const sweep = 4

// newLoginCache returns a cache of up to n logins, or nil (no cache) when
// n is negative or the store cannot commit a step exactly.
func newLoginCache(n int, st Store) *loginCache {
	if _, ok := st.(LoginUpdater); !ok || n < 0 {
		return nil
	}
	if n == 0 {
		n = DefaultLoginCache
	}
	return &loginCache{max: n, m: make(map[string]cachedLogin)}
}

// put keeps sess and u, as a step committed them at now, for the login's
// next step. A session the store gave no version, or a login without a
// user (a decoy, which never has a factor in), is not kept.
func (c *loginCache) put(sess *Session, u *User, now time.Time) {
	if c == nil || sess == nil || u == nil || sess.Version == 0 {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	seen := 0
	for id, e := range c.m { // Go's map order: entries at random
		if seen++; seen > sweep {
			break
		}
		if !now.Before(e.sess.ExpiresAt) {
			delete(c.m, id)
		}
	}
	if _, ok := c.m[sess.ID]; !ok && len(c.m) >= c.max {
		for id := range c.m {
			delete(c.m, id)
			break
		}
	}
	c.m[sess.ID] = cachedLogin{sess: sess, user: u}
}

// take removes login id from the cache and returns it, decoded, with
// at.Exact set, when it is there, still live at now and waits for want
// (another step, or StepDone for FinishLogin); a login that waits for
// something else is left to the fresh read, which answers it as it is.
func (c *loginCache) take(id string, now time.Time, want Step) (at SessionAt, st *loginState, u *User, ok bool) {
	if c == nil {
		return at, nil, nil, false
	}
	c.mu.Lock()
	e, found := c.m[id]
	delete(c.m, id)
	c.mu.Unlock()
	if !found || e.sess.Live(now) != nil {
		return at, nil, nil, false
	}
	st, err := rawLogin(e.sess)
	if err == nil && st.Begun != "" {
		if c.settle == nil {
			return at, nil, nil, false
		}
		_, err = c.settle(e.sess, st, e.user, now, false)
	}
	if err != nil || st.User != e.user.ID || st.next() != want {
		return at, nil, nil, false
	}
	return SessionAt{ID: id, Version: e.sess.Version, Now: now, Exact: true}, st, e.user, true
}

// drop forgets login id: a change to its session that does not go through
// put would leave the entry stale.
func (c *loginCache) drop(id string) {
	if c == nil {
		return
	}
	c.mu.Lock()
	delete(c.m, id)
	c.mu.Unlock()
}

// again is err for a step decided on at that committed nothing: when at
// is exact (the cached state) a refusal may stem from a stale state, so the
// step is decided again on a fresh read. A failure of the store, the
// context or the hash budget says nothing about the state, and is
// returned as is, so that a fault is reported as it would be without the
// cache, not tried twice.
func again(at SessionAt, err error) error {
	if !at.Exact || err == nil || serverSide(err) {
		return err
	}
	return errDecideAgain
}

// serverSide reports whether err is a failure of the server rather than a
// decision on the person's login: the store, the request's context, or the
// argon2id budget (CodeBusy). Such a failure says nothing about the login,
// and a step that meets it leaves the login as it was, to be tried again.
func serverSide(err error) bool {
	return errors.Is(err, ErrUnavailable) || errors.Is(err, context.Canceled) ||
		errors.Is(err, context.DeadlineExceeded) || ErrorCode(err) == CodeBusy
}
