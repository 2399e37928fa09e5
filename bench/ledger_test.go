package bench

import (
	"testing"
	"time"
)

// TestDeliveredPerSCountsFromTheLoad: a ledger whose clock started long
// before the load (as with --baseline, whose load runs first) still rates
// deliveries over the load's own span.
func TestDeliveredPerSCountsFromTheLoad(t *testing.T) {
	t.Parallel()
	// The figures of a --baseline run: a 10 s bare load, then a 10 s load
	// of which 52,962 events were delivered, the last at its end.
	tl := Tally{Delivered: 52962, FirstDelivery: 10*time.Second + 3*time.Millisecond, LastDelivery: 20 * time.Second}
	if got := tl.DeliveredPerS(10 * time.Second); got != 5296.2 {
		t.Errorf("DeliveredPerS = %v, want 5296.2 (52,962 over the 10 s from the load's start)", got)
	}
	// A first delivery before the load's start stamp (a retried event of
	// an earlier phase) widens the span to it.
	tl.FirstDelivery = 5 * time.Second
	if got := tl.DeliveredPerS(10 * time.Second); got != 3530.8 {
		t.Errorf("DeliveredPerS from an early first delivery = %v, want 3530.8", got)
	}
	if got := (Tally{}).DeliveredPerS(time.Second); got != 0 {
		t.Errorf("DeliveredPerS with nothing delivered = %v, want 0", got)
	}

	// Through a real ledger whose clock started an hour ago.
	l := NewLedger()
	l.start = l.start.Add(-time.Hour)
	loadStart := l.Elapsed()
	const n = 1000
	for range n {
		seq, ok := l.Next()
		if !ok {
			t.Fatal("ledger full")
		}
		l.Answered(seq, stateAccepted)
		l.Delivered(seq)
	}
	got := l.Tally().DeliveredPerS(loadStart)
	// The loop above takes far less than ten minutes; counting from the
	// ledger's start (an hour ago) would give under n/3600 per second.
	if got < n/600.0 {
		t.Errorf("DeliveredPerS = %v for %d events delivered just now: counted from before the load", got, n)
	}
}
