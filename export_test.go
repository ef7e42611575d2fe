package mitid

// HoldHashGate takes s's whole argon2id memory budget, through the gate's
// own run, until release is called: every password check in between is
// refused as busy (CodeBusy), as when the server is at its limit of
// concurrent checks.
func HoldHashGate(s *Service) (release func()) {
	in, out, done := make(chan struct{}), make(chan struct{}), make(chan struct{})
	go func() {
		defer close(done)
		_ = s.hashes.run(max(s.hashes.budget, 1), func() {
			close(in)
			<-out
		})
	}()
	<-in
	return func() {
		close(out)
		<-done // the budget is free again when release returns
	}
}

// TakeClient is ClientWindow.take, for the contention test.
func TakeClient(w *ClientWindow, c Client) bool { return w.take(c) }
