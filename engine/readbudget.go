package engine

import (
	"container/list"
	"context"
	"sync"
)

// ReadBudget bounds the bytes of request bodies being read, and of those
// read that wait for their event's share of the Budget. A body's bytes are
// counted as they arrive (Take), so a caller that declares a large body
// and sends little holds only what it sent, and a body waiting for room
// leaves the rest in the sender's socket. Its counter never goes over Max.
//
// Bodies take their bytes a part at a time, so a plain first-come queue
// could leave every body half read, each waiting for room the others hold.
// A ReadBudget grants a part only where every body that began before can
// still be read whole once those that began before it have given their
// bytes back (a single resource's banker's algorithm, in the order the
// bodies began), and parts are granted in that order: the oldest body
// being read always gets its bytes once those already read are given
// back, which they are once their events take their share of the Budget,
// or give up waiting for it. A nil *ReadBudget is no bound.
type ReadBudget struct {
	mu      sync.Mutex
	max     int64
	used    int64
	peak    int64
	reading int64     // held by bodies still being read
	bodies  list.List // of *BodyRead still being read, in the order they began
}

// BodyRead is one body's share of a ReadBudget, from its first counted
// byte until Release.
type BodyRead struct {
	b     *ReadBudget
	elem  *list.Element // in b.bodies while the body is being read
	need  int64         // the most it may still take
	held  int64
	want  int64         // asked for and not yet granted
	ready chan struct{} // closed once want is granted
}

// NewReadBudget returns a budget of max bytes; nil (no bound) for max <= 0.
func NewReadBudget(max int64) *ReadBudget {
	if max <= 0 {
		return nil
	}
	return &ReadBudget{max: max}
}

// Begin counts a body that will take at most size bytes (counted as Max
// where it is larger). It takes nothing yet.
func (b *ReadBudget) Begin(size int64) *BodyRead {
	if b == nil {
		return nil
	}
	r := &BodyRead{b: b, need: min(max(size, 0), b.max)}
	b.mu.Lock()
	r.elem = b.bodies.PushBack(r)
	b.mu.Unlock()
	return r
}

// Take waits until n more bytes of the body may be held and takes them, or
// returns ctx's error having taken none. Bytes past the size given to
// Begin are not counted.
func (r *BodyRead) Take(ctx context.Context, n int64) error {
	if r == nil {
		return nil
	}
	b := r.b
	b.mu.Lock()
	n = min(n, r.need)
	if n <= 0 || r.elem == nil {
		b.mu.Unlock()
		return nil
	}
	r.want, r.ready = n, make(chan struct{})
	b.grant()
	b.mu.Unlock()
	select {
	case <-r.ready:
		return nil
	case <-ctx.Done():
		b.mu.Lock()
		defer b.mu.Unlock()
		select {
		case <-r.ready:
			return nil // granted as ctx ended: held until Release
		default:
		}
		r.want = 0
		b.grant() // those behind may go now
		return ctx.Err()
	}
}

// Done says the body is read: it takes no more, and those that began after
// it no longer leave room for it.
func (r *BodyRead) Done() {
	if r == nil {
		return
	}
	b := r.b
	b.mu.Lock()
	defer b.mu.Unlock()
	b.finish(r)
	b.grant()
}

// Release gives back every byte the body holds. It may be called more than
// once.
func (r *BodyRead) Release() {
	if r == nil {
		return
	}
	b := r.b
	b.mu.Lock()
	defer b.mu.Unlock()
	b.finish(r)
	b.used -= r.held
	r.held = 0
	b.grant()
}

// finish takes r off the bodies being read; b.mu is held.
func (b *ReadBudget) finish(r *BodyRead) {
	if r.elem == nil {
		return
	}
	b.bodies.Remove(r.elem)
	r.elem = nil
	r.need = 0
	r.want = 0
	b.reading -= r.held
}

// grant gives the bodies waiting, oldest first, the bytes they asked for
// while that leaves the budget safe: for each body being read, what it
// still needs, with what it and every body after it hold, fits in Max (the
// bytes of the bodies before it, and of those read, come back in the end).
// It stops at the first body that must wait. b.mu is held.
func (b *ReadBudget) grant() {
	// slack is the most any body may take now without leaving one that
	// began before it unable to finish: the least, over those bodies, of
	// Max less what the body needs and what it and those after it hold.
	slack := b.max
	before := int64(0) // held by the bodies being read looked at so far
	for e := b.bodies.Front(); e != nil; e = e.Next() {
		r := e.Value.(*BodyRead)
		if r.want > 0 {
			n := r.want
			if n > slack || b.used+n > b.max {
				return
			}
			r.held += n
			r.need -= n
			b.reading += n
			b.used += n
			b.peak = max(b.peak, b.used)
			slack -= n
			r.want = 0
			close(r.ready)
		}
		slack = min(slack, b.max-r.need-(b.reading-before))
		before += r.held
	}
}

// Max is the budget's size in bytes (0 for no bound).
func (b *ReadBudget) Max() int64 {
	if b == nil {
		return 0
	}
	return b.max
}

// Used is the bytes held now.
func (b *ReadBudget) Used() int64 {
	if b == nil {
		return 0
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.used
}

// Peak is the most bytes ever held at once.
func (b *ReadBudget) Peak() int64 {
	if b == nil {
		return 0
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.peak
}
