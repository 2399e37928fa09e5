package engine

import (
	"fmt"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hookflow/hookflow/store"
)

// BenchmarkForEach10000Items runs a loop over 10,000 items of 1 KB each
// (each item reshaped by a transform, and so recorded), and reports the
// heap's peak above what it was before the run, sampled while the run
// goes, and the bytes allocated per item: what a loop costs in memory.
func BenchmarkForEach10000Items(b *testing.B) {
	const items = 10000
	bb := setup(b)
	wf := bb.save(`{
  "format": "hookflow/v1", "id": "big-loop", "name": "Big loop",
  "trigger": {"type": "webhook"},
  "steps": [
    {"id": "each", "type": "for_each", "items": "payload.lines", "concurrency": 4, "steps": [
      {"id": "shape", "type": "transform", "expr": "{sku: item.sku, size: len(item.pad)}"}
    ]}
  ]
}`)
	var sb strings.Builder
	sb.WriteString(`{"lines": [`)
	pad := strings.Repeat("x", 1000)
	for i := range items {
		if i > 0 {
			sb.WriteByte(',')
		}
		fmt.Fprintf(&sb, `{"sku": "S%05d", "pad": %q}`, i, pad)
	}
	sb.WriteString(`]}`)
	body := sb.String()

	var peak, base atomic.Uint64
	var allocated uint64
	b.ResetTimer()
	for range b.N {
		runtime.GC()
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		base.Store(ms.HeapAlloc)
		peak.Store(ms.HeapAlloc)
		before := ms.TotalAlloc
		done := make(chan struct{})
		go func() {
			var m runtime.MemStats
			for {
				select {
				case <-done:
					return
				case <-time.After(20 * time.Millisecond):
				}
				runtime.ReadMemStats(&m)
				if m.HeapAlloc > peak.Load() {
					peak.Store(m.HeapAlloc)
				}
			}
		}()
		run := bb.accept(wf, body)
		r := bb.waitRun(run, "final status", func(r store.Run) bool { return store.Finished(r.Status) })
		close(done)
		if r.Status != store.StatusSucceeded {
			b.Fatalf("run = %s (%q)", r.Status, r.Error)
		}
		runtime.ReadMemStats(&ms)
		allocated += ms.TotalAlloc - before
	}
	b.StopTimer()
	b.ReportMetric(float64(peak.Load()-base.Load())/(1<<20), "peak-heap-MiB")
	b.ReportMetric(float64(allocated)/float64(b.N)/items, "alloc-B/item")
}
