package mitid

// HoldHashGate takes s's whole argon2id memory budget until release is
// called: every password check in between is refused as busy (CodeBusy),
// as when the server is at its limit of concurrent checks.
func HoldHashGate(s *Service) (release func()) {
	g := s.hashes
	g.mu.Lock()
	kib := max(g.budget, 1)
	g.used += kib
	g.mu.Unlock()
	return func() {
		g.mu.Lock()
		g.used -= kib
		g.mu.Unlock()
	}
}
