package memory

import (
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"

	"github.com/google/uuid"

	"github.com/go-mitid/mitid"
)

// Option configures a Store made by New.
type Option func(*Store)

// CheckSnapshots makes the store catch a caller that changes a user or
// session the store handed out, which the mitid.Store contract forbids
// because readers share those values. The store keeps a private copy of
// every committed user and session and compares the shared value with it
// whenever it touches the value again: a difference panics there, naming
// the record, and Verify reports every difference at once.
//
// It costs a deep copy per commit and a deep comparison per access, so it
// is for tests; the library's own tests run with it.
func CheckSnapshots() Option {
	return func(s *Store) {
		s.check = true
		s.frozenUsers = map[uuid.UUID]*mitid.User{}
		s.frozenSessions = map[string]*mitid.Session{}
	}
}

// Verify reports every committed user and session whose shared snapshot
// a caller has changed. It returns nil without CheckSnapshots.
func (s *Store) Verify() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	var errs []error
	for _, e := range s.users {
		if err := s.changedUser(e.u); err != nil {
			errs = append(errs, err)
		}
	}
	for _, sess := range s.sessions {
		if err := s.changedSession(sess); err != nil {
			errs = append(errs, err)
		}
	}
	slices.SortFunc(errs, func(a, b error) int { return strings.Compare(a.Error(), b.Error()) })
	return errors.Join(errs...)
}

// freezeUser records the private copy of a newly committed user. Callers
// hold s.mu.
func (s *Store) freezeUser(u *mitid.User) {
	if s.check {
		s.frozenUsers[u.ID] = u.Clone()
	}
}

// freezeSession records the private copy of a newly committed session.
// Callers hold s.mu.
func (s *Store) freezeSession(sess *mitid.Session) {
	if s.check {
		s.frozenSessions[sess.ID] = sess.Clone()
	}
}

// verifyUser panics if a caller changed the committed user u. Callers hold
// s.mu.
func (s *Store) verifyUser(u *mitid.User) {
	if err := s.changedUser(u); err != nil {
		panic(err)
	}
}

// verifyUserLocking is verifyUser for a caller not holding s.mu; the lock
// is released when it panics, so the test's cleanup can still call Verify.
func (s *Store) verifyUserLocking(u *mitid.User) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.verifyUser(u)
}

// verifySession panics if a caller changed the committed session. Callers
// hold s.mu.
func (s *Store) verifySession(sess *mitid.Session) {
	if err := s.changedSession(sess); err != nil {
		panic(err)
	}
}

func (s *Store) changedUser(u *mitid.User) error {
	if !s.check || reflect.DeepEqual(u, s.frozenUsers[u.ID]) {
		return nil
	}
	return fmt.Errorf("memory store: user %s (version %d) was changed after the store handed it out; "+
		"users a store returns are shared snapshots: Clone one before changing it", u.ID, u.Version)
}

func (s *Store) changedSession(sess *mitid.Session) error {
	if !s.check || reflect.DeepEqual(sess, s.frozenSessions[sess.ID]) {
		return nil
	}
	return fmt.Errorf("memory store: session %s (version %d) was changed after the store handed it out; "+
		"sessions a store returns are shared snapshots", sess.ID, sess.Version)
}
