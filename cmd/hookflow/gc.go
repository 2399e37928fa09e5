package main

import (
	"context"
	"os"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
)

// A webhook server's live heap is small while it allocates fast, so Go's
// default (collect whenever the heap doubles) spends much of its CPU
// collecting. serve lets garbage accumulate until the heap reaches
// heapFloor, or twice the live heap once that is larger: after every
// collection it sets GOGC to the percentage that puts the next goal there,
// between 100 (Go's default) and maxGCPercent. heapFloor is the heap goal
// the earlier soft memory limit gave under load, so CPU per event and peak
// memory stayed as they were (docs/performance.md has the figures).
//
// The policy is a GOGC, never a memory limit. A soft limit counts all the
// memory the runtime holds, and after a load spike the runtime keeps some it
// cannot return (spans pinned by a few live objects, GC metadata sized for
// the peak heap, goroutine records): a limit computed from the live heap
// then sat below it, and the idle server collected dozens of times a second.
// A GOGC goal always lies above the live heap, whatever else is held.
// GOGC or GOMEMLIMIT in the environment turn this off.
const (
	maxGCPercent = 400
	heapFloor    = 24 << 20
)

// tuneGC applies the policy above until ctx ends.
func tuneGC(ctx context.Context) {
	_, gogc := os.LookupEnv("GOGC")
	_, limit := os.LookupEnv("GOMEMLIMIT")
	if gogc || limit {
		return
	}
	sample := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
	// The first goal from the live heap as the last collection found it
	// (freeStartup's, in serve), not a blind maximum: start-up garbage
	// times maxGCPercent was the largest heap of a whole bench run.
	metrics.Read(sample)
	debug.SetGCPercent(gcPercent(sample[0].Value.Uint64()))
	var arm func()
	arm = func() {
		// A finalizer runs once the collection that freed its object ends:
		// the hook to run after each collection.
		runtime.SetFinalizer(&gcSentinel{}, func(*gcSentinel) {
			if ctx.Err() != nil {
				debug.SetGCPercent(100)
				return
			}
			metrics.Read(sample)
			debug.SetGCPercent(gcPercent(sample[0].Value.Uint64()))
			arm()
		})
	}
	arm()
}

// gcSentinel is big enough not to be a tiny allocation, whose finalizers
// may never run.
type gcSentinel struct{ _ [32]byte }

// gcPercent is the GOGC that sets the next heap goal to heapFloor, or to
// twice a live heap of live bytes when that is larger, within
// [100, maxGCPercent].
func gcPercent(live uint64) int {
	if live == 0 {
		return maxGCPercent
	}
	p := (heapFloor - int64(live)) * 100 / int64(live)
	return int(min(max(p, 100), maxGCPercent))
}

// freeStartup collects what start-up allocated and no longer needs, and
// gives its pages back to the system, before serve takes any load. The
// migrations' SQL parser (goose) takes a 4 MB buffer for each direction of
// each migration file from a pool: with 18 files the heap reached 30 MB
// live during start-up, and the pages it grew into stayed resident for the
// whole life of the process. Two collections: the pool's buffers survive
// the first in its victim cache.
func freeStartup() {
	runtime.GC()
	debug.FreeOSMemory()
}
