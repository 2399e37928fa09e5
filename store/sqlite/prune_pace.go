package sqlite

import (
	"context"
	"time"
)

// Retention shares the one writer with the accepts: each of its batches
// holds it for the batch's length, and a webhook accepted meanwhile waits
// that long. A pacer keeps the batches short whatever the rows cost on the
// machine at hand: it sizes each batch from how long the last one took,
// aiming at pruneBudget, and pauses between two batches as long as the
// last one took (at most pruneMaxPause), so retention takes at most about
// half the writer's time and the accepts waiting for it go first.
const (
	pruneBudget   = 10 * time.Millisecond
	pruneMinBatch = 8
	pruneMaxPause = 50 * time.Millisecond
)

// pacer sizes retention's batches and pauses between them.
type pacer struct {
	size, max int
}

// newPacer starts at a small batch, at most max.
func newPacer(max int) *pacer {
	return &pacer{size: min(32, max), max: max}
}

// done takes the length of a batch of the current size: the next is twice
// the size if that one took under half the budget, half if it took over
// it. It then pauses as long as that batch took (at most pruneMaxPause),
// or until ctx is done.
func (p *pacer) done(ctx context.Context, took time.Duration) {
	switch {
	case took < pruneBudget/2:
		p.size = min(p.size*2, p.max)
	case took > pruneBudget:
		p.size = max(p.size/2, min(pruneMinBatch, p.max))
	}
	t := time.NewTimer(min(took, pruneMaxPause))
	defer t.Stop()
	select {
	case <-ctx.Done():
	case <-t.C:
	}
}
