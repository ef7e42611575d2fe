package mitidtest

import (
	"context"
	"sync"

	"github.com/go-mitid/mitid"
)

// Recorder is a mitid.Notifier that keeps what it is asked to send instead
// of sending it, and fails when Fail says so. It is safe for concurrent
// use, so one Recorder can serve several Dispatchers.
type Recorder struct {
	mu   sync.Mutex
	sent []mitid.Notification
	// Fail, when set, is asked before each notification is kept; the error
	// it returns is the notifier's answer and the notification is not kept.
	// Set it before the Service or a Dispatcher uses the Recorder.
	Fail func(n mitid.Notification) error
}

// Notify records n unless Fail refuses it.
func (r *Recorder) Notify(_ context.Context, n mitid.Notification) error {
	if r.Fail != nil {
		if err := r.Fail(n); err != nil {
			return err
		}
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.sent = append(r.sent, n)
	return nil
}

// Sent returns a copy of every notification kept so far, oldest first.
func (r *Recorder) Sent() []mitid.Notification {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]mitid.Notification(nil), r.sent...)
}

// Reset forgets every notification kept so far.
func (r *Recorder) Reset() {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.sent = nil
}

// Last returns the newest notification kept on channel ch, and false when
// there is none.
func (r *Recorder) Last(ch mitid.Channel) (mitid.Notification, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for i := len(r.sent) - 1; i >= 0; i-- {
		if r.sent[i].Delivery.Channel == ch {
			return r.sent[i], true
		}
	}
	return mitid.Notification{}, false
}
