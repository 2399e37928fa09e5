package engine

import (
	"sync"

	"github.com/hookflow/hookflow/store"
)

// eventCache keeps the events this engine accepted lately, so a worker
// executing their runs does not read them back from the store. It is a
// ring bounded by count and bytes: the oldest go first, and a miss just
// reads the store. Its bytes count against the engine's budget of bytes in
// flight, if any: an event the budget has no room for is not kept.
type eventCache struct {
	mu       sync.Mutex
	byID     map[string]*store.Event
	ring     []string // ids; the oldest at head
	head, n  int
	bytes    int
	maxBytes int
	budget   *Budget
}

func (r *eventCache) init(maxCount, maxBytes int, budget *Budget) {
	r.byID = make(map[string]*store.Event, maxCount)
	r.ring = make([]string, maxCount)
	r.maxBytes = maxBytes
	if budget != nil {
		// An eighth of the budget at most: the rest is for runs.
		r.maxBytes = int(min(int64(maxBytes), budget.Max()/8))
	}
	r.budget = budget
}

func eventSize(ev *store.Event) int {
	n := len(ev.Body) + len(ev.Query) + 128
	for k, v := range ev.Headers {
		n += len(k) + len(v)
	}
	return n
}

func (r *eventCache) add(ev store.Event) {
	size := eventSize(&ev)
	if len(r.ring) == 0 || size > r.maxBytes/8 {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	for r.n > 0 && (r.n == len(r.ring) || r.bytes+size > r.maxBytes) {
		id := r.ring[r.head]
		r.ring[r.head] = ""
		r.head = (r.head + 1) % len(r.ring)
		r.n--
		if old, ok := r.byID[id]; ok {
			r.bytes -= eventSize(old)
			r.budget.Release(int64(eventSize(old)))
			delete(r.byID, id)
		}
	}
	if _, ok := r.budget.TryAcquire(int64(size)); !ok {
		return
	}
	r.ring[(r.head+r.n)%len(r.ring)] = ev.ID
	r.n++
	r.byID[ev.ID] = &ev
	r.bytes += size
}

func (r *eventCache) get(id string) (store.Event, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	ev, ok := r.byID[id]
	if !ok {
		return store.Event{}, false
	}
	return *ev, true
}
