package engine

import (
	"container/list"
	"context"
	"sync"
)

// Budget bounds the bytes that events and runs hold in this process's
// memory: events being decoded and stored at accept (their bodies, while
// being read, count in a ReadBudget), and the runs handed to workers with
// their events. Accepts wait for room, in the order
// they asked (Acquire); workers take runs only while there is room
// (TryAcquire), so a burst of large bodies queues in the store, where it is
// durable, rather than in memory. Its counter never goes over Max: a single
// request larger than the whole budget is counted as Max, and goes alone.
// A nil *Budget is no budget: every call succeeds at once.
type Budget struct {
	mu      sync.Mutex
	max     int64
	used    int64
	peak    int64
	waiters list.List // of *budgetWaiter, first come first served
	// released, if set, is told each time bytes come back (the engine's
	// dispatcher claims the runs it held back for want of room).
	released func()
}

type budgetWaiter struct {
	n     int64
	ready chan struct{} // closed once n is granted
}

// NewBudget returns a budget of max bytes; nil (no budget) for max <= 0.
func NewBudget(max int64) *Budget {
	if max <= 0 {
		return nil
	}
	return &Budget{max: max}
}

// Bytes of memory a run holds per byte of its event's body, and besides:
// the body, its decoded payload, the steps' outputs and the records and
// requests made from them. Measured with the bench's padded payloads (a
// heap profile at the largest live heap, hookflow bench --memprofile).
const (
	bytesPerBodyByte = 4
	runOverhead      = 16 << 10
)

// RunCost is what an event whose body is bodyLen bytes counts against a
// Budget, from its accept to the end of its run.
func RunCost(bodyLen int64) int64 {
	return max(bodyLen, 0)*bytesPerBodyByte + runOverhead
}

// Acquire waits until n bytes are free and takes them, first come first
// served. It returns what it took, to give back with Release (n, or Max
// where n is larger), or ctx's error, having taken nothing.
func (b *Budget) Acquire(ctx context.Context, n int64) (int64, error) {
	if b == nil {
		return 0, nil
	}
	n = b.clamp(n)
	b.mu.Lock()
	if b.waiters.Len() == 0 && b.used+n <= b.max {
		b.take(n)
		b.mu.Unlock()
		return n, nil
	}
	w := &budgetWaiter{n: n, ready: make(chan struct{})}
	elem := b.waiters.PushBack(w)
	b.mu.Unlock()
	select {
	case <-w.ready:
		return n, nil
	case <-ctx.Done():
		b.mu.Lock()
		select {
		case <-w.ready:
			// Granted as ctx ended: give it back.
			b.mu.Unlock()
			b.Release(n)
		default:
			front := b.waiters.Front() == elem
			b.waiters.Remove(elem)
			if front {
				b.grant() // those behind may fit now
			}
			b.mu.Unlock()
		}
		return 0, ctx.Err()
	}
}

// TryAcquire takes n bytes (or Max, where n is larger) if they are free
// now, whoever waits, and reports what it took. Workers use it: a run they
// take ends and gives its bytes back without waiting on anything, so they
// may go before the accepts waiting.
func (b *Budget) TryAcquire(n int64) (int64, bool) {
	if b == nil {
		return 0, true
	}
	n = b.clamp(n)
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.used+n > b.max {
		return 0, false
	}
	b.take(n)
	return n, true
}

// TryAcquireUpTo takes room for as many as count runs of each bytes (at
// most what is free now) and returns how many it took room for.
func (b *Budget) TryAcquireUpTo(count int, each int64) int {
	if b == nil {
		return count
	}
	each = b.clamp(each)
	b.mu.Lock()
	defer b.mu.Unlock()
	k := int(min(int64(count), (b.max-b.used)/each))
	if k <= 0 {
		return 0
	}
	b.take(int64(k) * each)
	return k
}

// Release gives back n bytes taken with Acquire or TryAcquire.
func (b *Budget) Release(n int64) {
	if b == nil || n <= 0 {
		return
	}
	b.mu.Lock()
	b.used = max(b.used-n, 0) // more than was taken would be a bug here
	b.grant()
	b.mu.Unlock()
	if b.released != nil {
		b.released()
	}
}

// Max is the budget's size in bytes (0 for no budget).
func (b *Budget) Max() int64 {
	if b == nil {
		return 0
	}
	return b.max
}

// Used is the bytes taken now.
func (b *Budget) Used() int64 {
	if b == nil {
		return 0
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.used
}

// Peak is the most bytes ever taken at once.
func (b *Budget) Peak() int64 {
	if b == nil {
		return 0
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.peak
}

func (b *Budget) clamp(n int64) int64 { return min(max(n, 1), b.max) }

// take counts n bytes as used; b.mu is held.
func (b *Budget) take(n int64) {
	b.used += n
	b.peak = max(b.peak, b.used)
}

// grant wakes the waiters at the front that fit now, in order; b.mu is
// held.
func (b *Budget) grant() {
	for {
		front := b.waiters.Front()
		if front == nil {
			return
		}
		w := front.Value.(*budgetWaiter)
		if b.used+w.n > b.max {
			return
		}
		b.take(w.n)
		b.waiters.Remove(front)
		close(w.ready)
	}
}
