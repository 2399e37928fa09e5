package main

import (
	"context"
	"math"
	"os"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"testing"
	"time"
)

func TestGCPercent(t *testing.T) {
	for _, c := range []struct {
		live uint64
		want int
	}{
		{0, maxGCPercent},
		{4 << 20, maxGCPercent}, // goal 20 MB: under the floor at 400
		{6 << 20, 300},          // goal 24 MB
		{12 << 20, 100},
		{50 << 20, 100}, // a large live heap: Go's default, goal twice the live heap
	} {
		if got := gcPercent(c.live); got != c.want {
			t.Errorf("gcPercent(%d MB) = %d, want %d", c.live>>20, got, c.want)
		}
	}
}

// restoreGC puts the collector settings back as they were when the test
// ends.
func restoreGC(t *testing.T) {
	percent := debug.SetGCPercent(100)
	limit := debug.SetMemoryLimit(math.MaxInt64)
	t.Cleanup(func() {
		debug.SetGCPercent(percent)
		debug.SetMemoryLimit(limit)
		runtime.GC()
	})
}

// TestTuneGC: serve's collector settings apply unless GOGC or GOMEMLIMIT
// is set, which the user's choice then wins.
func TestTuneGC(t *testing.T) {
	restoreGC(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()

	t.Setenv("GOGC", "150")
	tuneGC(ctx)
	if got := debug.SetGCPercent(100); got != 100 {
		t.Errorf("with GOGC set, GC percent = %d; want it left alone", got)
	}
	os.Unsetenv("GOGC") // t.Setenv restores it at the end
	t.Setenv("GOMEMLIMIT", "1GiB")
	tuneGC(ctx)
	if got := debug.SetGCPercent(100); got != 100 {
		t.Errorf("with GOMEMLIMIT set, GC percent = %d; want it left alone", got)
	}
	os.Unsetenv("GOMEMLIMIT")
	tuneGC(ctx)
	if got := debug.SetGCPercent(100); got != maxGCPercent {
		t.Errorf("GC percent = %d, want %d", got, maxGCPercent)
	}
	if got := debug.SetMemoryLimit(-1); got != math.MaxInt64 {
		t.Errorf("memory limit = %d, want none", got)
	}
}

// pinned holds the few objects that keep the spike's spans in use.
var pinned [][]byte

// sink keeps allocations from being optimised away.
var sink []byte

// TestNoCollectionsWhileIdleAfterSpike: after a load spike the runtime
// holds more memory than the live heap (here: spans each pinned by one
// small live object). An idle server allocates a little now and then; under
// serve's policy that must not set off a collection each time, as a soft
// memory limit below what the runtime holds did.
func TestNoCollectionsWhileIdleAfterSpike(t *testing.T) {
	restoreGC(t)
	// The spike: 64 MB of 128-byte objects, of which one per 8 KB span
	// stays live. No collection during it, which would fill the holes.
	const size, perSpan = 128, 8 << 10 / 128
	pinned = nil
	debug.SetGCPercent(-1)
	for i := range 64 << 20 / size {
		b := make([]byte, size)
		if i%perSpan == 0 {
			pinned = append(pinned, b)
		}
	}
	t.Cleanup(func() { pinned, sink = nil, nil })
	debug.SetGCPercent(100)
	runtime.GC()

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	tuneGC(ctx)
	runtime.GC() // the policy reacts to the collection after the spike

	samples := []metrics.Sample{
		{Name: "/gc/cycles/total:gc-cycles"},
		{Name: "/memory/classes/total:bytes"},
		{Name: "/memory/classes/heap/released:bytes"},
		{Name: "/gc/heap/live:bytes"},
	}
	// Allocating 32 MB in 4 KB pieces, as a trickle of small requests
	// would, takes a few collections with a heap goal above the live heap;
	// the idle spin took hundreds.
	const allowed = 16
	deadline := time.Now().Add(10 * time.Second)
	for {
		metrics.Read(samples)
		before := samples[0].Value.Uint64()
		for range 32 << 20 / 4096 {
			sink = make([]byte, 4096)
		}
		metrics.Read(samples)
		cycles := samples[0].Value.Uint64() - before
		if cycles <= allowed {
			break
		}
		if time.Now().After(deadline) {
			held := samples[1].Value.Uint64() - samples[2].Value.Uint64()
			t.Fatalf("allocating 32 MB after a spike took %d collections (want at most %d): runtime holds %d MB, live heap %d MB, memory limit %d MB",
				cycles, allowed, held>>20, samples[3].Value.Uint64()>>20, debug.SetMemoryLimit(-1)>>20)
		}
	}
}
