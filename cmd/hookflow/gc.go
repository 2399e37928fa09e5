package main

import (
	"context"
	"math"
	"os"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
)

// A webhook server's live heap is small (a few MB) while it allocates fast,
// so Go's default (collect whenever the heap doubles) spends much of its
// CPU collecting. serve lets garbage accumulate up to a memory limit
// instead: GOGC=400, and a soft limit of max(memoryFloor, 2 × live heap),
// reset after every collection, so the heap stays near memoryFloor under
// load (measured on the bench: 105 µs instead of 125 µs of CPU per accepted
// event, peak RSS about 80 MB instead of 59 MB) and a large live heap
// (big payloads, a deep backlog) raises the limit rather than make the
// collector run without pause: past twice the floor, it collects as often
// as Go's default would. GOGC or GOMEMLIMIT in the environment turn
// this off.
const (
	gcPercent   = 400
	memoryFloor = 40 << 20
)

// tuneGC applies the policy above until ctx ends.
func tuneGC(ctx context.Context) {
	_, gogc := os.LookupEnv("GOGC")
	_, limit := os.LookupEnv("GOMEMLIMIT")
	if gogc || limit {
		return
	}
	debug.SetGCPercent(gcPercent)
	debug.SetMemoryLimit(memoryFloor)
	sample := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
	var arm func()
	arm = func() {
		// A finalizer runs once the collection that freed its object ends:
		// the hook to run after each collection.
		runtime.SetFinalizer(&gcSentinel{}, func(*gcSentinel) {
			if ctx.Err() != nil {
				debug.SetGCPercent(100)
				debug.SetMemoryLimit(math.MaxInt64)
				return
			}
			metrics.Read(sample)
			debug.SetMemoryLimit(memoryLimit(sample[0].Value.Uint64()))
			arm()
		})
	}
	arm()
}

// gcSentinel is big enough not to be a tiny allocation, whose finalizers
// may never run.
type gcSentinel struct{ _ [32]byte }

// memoryLimit is the soft memory limit for a live heap of live bytes.
func memoryLimit(live uint64) int64 {
	return max(memoryFloor, 2*int64(live))
}
