package engine

import (
	"fmt"
	"testing"

	"github.com/hookflow/hookflow/store"
)

func TestEventCacheBounded(t *testing.T) {
	t.Parallel()
	var r eventCache
	r.init(3, 10_000, nil)
	for i := range 5 {
		r.add(store.Event{ID: fmt.Sprint(i), Body: []byte("x")})
	}
	for i, want := range []bool{false, false, true, true, true} {
		if _, ok := r.get(fmt.Sprint(i)); ok != want {
			t.Errorf("event %d kept = %v, want %v (count bound 3)", i, ok, want)
		}
	}
	big := make([]byte, 1000)
	for i := 10; i < 20; i++ {
		r.add(store.Event{ID: fmt.Sprint(i), Body: big})
	}
	if r.bytes > 10_000 || r.n > 3 {
		t.Errorf("ring holds %d events, %d bytes; want at most 3 and 10000", r.n, r.bytes)
	}
	if _, ok := r.get("19"); !ok {
		t.Error("the newest event was evicted")
	}
	r.add(store.Event{ID: "huge", Body: make([]byte, 5000)})
	if _, ok := r.get("huge"); ok {
		t.Error("an event over an eighth of the budget was kept")
	}
}

// TestEventCacheInBudget: the cache's bytes count against the budget of
// bytes in flight, an eighth of it at most; what it evicts goes back, and
// with the budget full it keeps nothing.
func TestEventCacheInBudget(t *testing.T) {
	t.Parallel()
	b := NewBudget(80_000)
	var r eventCache
	r.init(100, 1<<20, b)
	if r.maxBytes != 10_000 {
		t.Fatalf("cache bound %d bytes, want an eighth of the budget (10000)", r.maxBytes)
	}
	body := make([]byte, 1000)
	for i := range 50 {
		r.add(store.Event{ID: fmt.Sprint(i), Body: body})
		if int64(r.bytes) != b.Used() {
			t.Fatalf("after %d events the cache holds %d bytes, the budget counts %d", i+1, r.bytes, b.Used())
		}
	}
	if r.bytes > r.maxBytes {
		t.Errorf("the cache holds %d bytes over its bound %d", r.bytes, r.maxBytes)
	}
	held := b.Used()
	rest, ok := b.TryAcquire(b.Max() - held)
	if !ok {
		t.Fatal("the rest of the budget could not be taken")
	}
	// Larger than the one it evicts: no room left for it.
	r.add(store.Event{ID: "over", Body: make([]byte, 1200)})
	if _, ok := r.get("over"); ok {
		t.Error("an event was kept with the budget full")
	}
	if int64(r.bytes)+rest != b.Used() {
		t.Errorf("the cache holds %d bytes, the budget counts %d for it", r.bytes, b.Used()-rest)
	}
}
