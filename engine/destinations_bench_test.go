package engine

import (
	"context"
	"testing"
	"time"

	"github.com/hookflow/hookflow/store"
)

// BenchmarkDestinationCheck measures what a call to a healthy destination
// pays before it is made: while every destination is healthy, an atomic
// load; while another is paused, its key made from the URL and a map
// lookup.
func BenchmarkDestinationCheck(b *testing.B) {
	const url = "https://api.example.com/orders/123?x=1"
	for _, tc := range []struct {
		name  string
		other bool
	}{{"all healthy", false}, {"another paused", true}} {
		b.Run(tc.name, func(b *testing.B) {
			e, err := New(Config{})
			if err != nil {
				b.Fatal(err)
			}
			if tc.other {
				e.dests.set(store.Destination{Key: "https://down.example.com:443", State: store.DestinationPaused,
					ConsecutiveFailures: 20, PausedUntil: time.Now().Add(time.Hour)})
			}
			ctx := context.Background()
			b.ReportAllocs()
			for b.Loop() {
				if e.dests.count.Load() == 0 {
					continue
				}
				key, err := DestinationKey(url)
				if err != nil {
					b.Fatal(err)
				}
				if _, until := e.dests.before(ctx, key, 0); !until.IsZero() {
					b.Fatal("paused")
				}
			}
		})
	}
}
