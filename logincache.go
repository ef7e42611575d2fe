package mitid

import (
	"context"
	"errors"
	"sync"
	"time"
)

// A login's steps usually come to the Service that began it (a browser
// keeps its connection, a load balancer its stickiness), and each step
// used to start by reading back the session and the user its previous step
// had just committed: a quarter of a code-display login's statements on
// PostgreSQL. The login cache keeps what the last step left, and the next
// step decides on it with SessionAt.Exact: the store commits only if
// neither the session nor the user has changed since, and otherwise
// commits nothing, so the step reads and decides again. A stale entry (the
// previous step went to another Service, or the user changed meanwhile)
// costs one statement that commits nothing; it never lets a step count on
// a state that is gone.
//
// Only what is used with LoginUpdater is cached, since Exact needs the
// user's and the session's change in one commit. An entry is taken (and so
// removed) by the step that uses it, and put back only by a step that
// committed a factor. A decoy login (a user ID nobody has) is kept as a
// real one is, so that its first answer costs what a real login's does:
// one statement, not two, lest the time of a wrong first code tell a
// stranger which user IDs exist. The cache is bounded: when it is full a
// new entry evicts another at random, so that logins begun by strangers
// with a list of user IDs cost the citizens nothing but the read the cache
// would have saved.

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
}

// cachedLogin is a login session and its user as a step committed them,
// both read-only; user is nil for a decoy.
type cachedLogin struct {
	sess *Session
	user *User
}

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

// put keeps sess and u (nil for a decoy), as a step committed them, for
// the login's next step. A session the store gave no version is not kept.
func (c *loginCache) put(sess *Session, u *User) {
	if c == nil || sess == nil || sess.Version == 0 {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.m[sess.ID]; !ok && len(c.m) >= c.max {
		for id := range c.m { // Go's map order: an entry at random
			delete(c.m, id)
			break
		}
	}
	c.m[sess.ID] = cachedLogin{sess: sess, user: u}
}

// take removes login id from the cache and returns it, decoded, with
// at.Exact set, when it is there and still live at now.
func (c *loginCache) take(id string, now time.Time) (at SessionAt, st *loginState, u *User, ok bool) {
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
	st, err := decodeLogin(e.sess)
	if err != nil || st.decoy() != (e.user == nil) || (e.user != nil && st.User != e.user.ID) {
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

// len is how many logins the cache holds.
func (c *loginCache) len() int {
	if c == nil {
		return 0
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.m)
}

// again is err for a step decided on at that committed nothing: when at
// is exact (the cached state) a refusal may stem from a stale state, so the
// step is decided again on a fresh read. A failure of the store, the
// context or the hash budget says nothing about the state, and is
// returned as is, so that a fault is reported as it would be without the
// cache, not tried twice.
func again(at SessionAt, err error) error {
	if !at.Exact || err == nil || errors.Is(err, ErrUnavailable) || errors.Is(err, context.Canceled) ||
		errors.Is(err, context.DeadlineExceeded) || ErrorCode(err) == CodeBusy {
		return err
	}
	return errDecideAgain
}
