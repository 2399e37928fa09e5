package engine

import (
	"fmt"
	"testing"

	"github.com/hookflow/hookflow/store"
)

func TestEventCacheBounded(t *testing.T) {
	t.Parallel()
	var r eventCache
	r.init(3, 10_000)
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
