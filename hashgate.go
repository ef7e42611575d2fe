package mitid

import "sync"

// hashGate bounds the memory of the argon2id runs in flight at once
// (Policy.Argon2MemoryBudget). A run that does not fit is refused at once
// rather than queued: a queue would let a flood of password attempts hold
// every request of the server behind it, and the person can simply try
// again.
type hashGate struct {
	mu           sync.Mutex
	used, budget uint64 // KiB
}

func newHashGate(p Policy) *hashGate {
	b := p.Argon2MemoryBudget
	if b == 0 {
		b = 4 * uint64(p.Argon2.Memory)
	}
	return &hashGate{budget: b}
}

// run runs f, which needs kib KiB, when it fits in the budget; one run
// always fits when nothing else runs, so a budget smaller than one run
// still lets runs through one at a time.
func (g *hashGate) run(kib uint64, f func()) error {
	g.mu.Lock()
	if g.used > 0 && g.used+kib > g.budget {
		g.mu.Unlock()
		return errorf(CodeBusy, "too many passwords are being checked right now; try again in a moment")
	}
	g.used += kib
	g.mu.Unlock()
	defer func() {
		g.mu.Lock()
		g.used -= kib
		g.mu.Unlock()
	}()
	f()
	return nil
}

// hashNew hashes a new password under the policy's parameters, within the
// gate.
func (s *Service) hashNew(pw string) (*PasswordHash, error) {
	var h *PasswordHash
	var err error
	if gerr := s.hashes.run(uint64(s.policy.Argon2.Memory), func() { h, err = hashPassword(s.policy.Argon2, s.rand, pw) }); gerr != nil {
		return nil, gerr
	}
	return h, err
}

// checkHash reports whether pw matches h, within the gate.
func (s *Service) checkHash(h *PasswordHash, pw string) (bool, error) {
	if h == nil {
		return false, nil
	}
	ok := false
	err := s.hashes.run(uint64(h.Memory), func() { ok = h.verify(pw) })
	return ok, err
}
