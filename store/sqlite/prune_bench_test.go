package sqlite

import (
	"context"
	"fmt"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/hookflow/hookflow/store"
)

// BenchmarkPruneWhileAccepting measures what retention's first prune of a
// filled history (fillFromFlags: -runs, -workflows, -body; each run with
// one step record) costs the webhooks accepted meanwhile: four clients
// accept one event at a time, durably, for as long as the prune runs.
// accept-p99-ms is their 99th percentile latency; idle-p99-ms the same
// clients' in the second before the prune began; prune-s the prune's
// duration. The prune is measured once, whatever the benchtime: ns/op
// means nothing here.
func BenchmarkPruneWhileAccepting(b *testing.B) {
	body := benchBody(b)
	s := open(b, filepath.Join(b.TempDir(), "prune.db"))
	p := fillFromFlags()
	p.Steps = true
	fillRuns(b, s, p)

	ctx := context.Background()
	idle := acceptLatencies(b, s, body, func() { time.Sleep(time.Second) })
	var res store.PruneResult
	var took time.Duration
	busy := acceptLatencies(b, s, body, func() {
		start := time.Now()
		var err error
		res, err = s.Prune(ctx, store.PruneParams{Before: p.at(p.Runs)})
		if err != nil {
			b.Errorf("Prune: %v", err)
		}
		took = time.Since(start)
	})
	if res.Runs != p.Runs {
		b.Fatalf("Prune deleted %d runs, want %d", res.Runs, p.Runs)
	}
	for b.Loop() {
	}
	b.ReportMetric(percentile(idle, 0.99), "idle-p99-ms")
	b.ReportMetric(percentile(busy, 0.50), "accept-p50-ms")
	b.ReportMetric(percentile(busy, 0.99), "accept-p99-ms")
	b.ReportMetric(percentile(busy, 1), "accept-max-ms")
	b.ReportMetric(float64(len(busy)), "accepts")
	b.ReportMetric(took.Seconds(), "prune-s")
}

// acceptLatencies runs four clients that accept one event at a time into
// workflow w0000 while during runs, and returns each accept's latency.
func acceptLatencies(b *testing.B, s *Store, body []byte, during func()) []time.Duration {
	ctx := context.Background()
	stop := make(chan struct{})
	var (
		mu  sync.Mutex
		all []time.Duration
		wg  sync.WaitGroup
	)
	for c := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var mine []time.Duration
			for n := 0; ; n++ {
				select {
				case <-stop:
					mu.Lock()
					all = append(all, mine...)
					mu.Unlock()
					return
				default:
				}
				ps := benchEvents(1, body, nil)
				ps[0].Event.WorkflowID = fillWorkflowID(0)
				ps[0].Event.IdempotencyKey = fmt.Sprintf("c%d-%d-%s", c, n, ps[0].RunID)
				start := time.Now()
				if _, err := s.EventAccept(ctx, ps); err != nil {
					b.Errorf("EventAccept: %v", err)
				}
				mine = append(mine, time.Since(start))
				time.Sleep(time.Millisecond)
			}
		}()
	}
	during()
	close(stop)
	wg.Wait()
	return all
}

// percentile is the q-th quantile of ds in milliseconds (q = 1: the most).
func percentile(ds []time.Duration, q float64) float64 {
	if len(ds) == 0 {
		return 0
	}
	ds = slices.Clone(ds)
	slices.Sort(ds)
	i := min(int(q*float64(len(ds))), len(ds)-1)
	return float64(ds[i].Microseconds()) / 1000
}
