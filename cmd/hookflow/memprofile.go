package main

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"runtime"
	"runtime/metrics"
	"runtime/pprof"
	"sync"
)

// startMemProfile writes a heap profile into the file HOOKFLOW_MEMPROFILE
// names, if any (hookflow bench --memprofile sets it for its child
// server): after each collection that found the largest live heap so far
// (by an eighth or more), so the file shows what was held at the peak,
// and once more at stop if nothing was written yet. Its allocation
// samples (alloc_space) cover the whole life of the process.
func startMemProfile(ctx context.Context, log *slog.Logger) (stop func(), err error) {
	path := os.Getenv("HOOKFLOW_MEMPROFILE")
	if path == "" {
		return func() {}, nil
	}
	f, err := os.Create(path)
	if err != nil {
		return nil, fmt.Errorf("HOOKFLOW_MEMPROFILE: %w", err)
	}
	f.Close()
	p := &peakProfile{path: path, log: log}
	ctx, cancel := context.WithCancel(ctx)
	p.arm(ctx)
	return func() {
		cancel()
		p.mu.Lock()
		defer p.mu.Unlock()
		if p.peak == 0 {
			runtime.GC() // the profile shows the heap as of the last collection
			p.write()
		}
	}, nil
}

// peakProfile keeps the heap profile of the largest live heap seen.
type peakProfile struct {
	path string
	log  *slog.Logger
	mu   sync.Mutex
	peak uint64
}

func (p *peakProfile) arm(ctx context.Context) {
	runtime.SetFinalizer(&gcSentinel{}, func(*gcSentinel) {
		if ctx.Err() != nil {
			return
		}
		// Off the finalizer goroutine: writing a profile takes a while.
		go func() {
			sample := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
			metrics.Read(sample)
			live := sample[0].Value.Uint64()
			p.mu.Lock()
			if live > p.peak+p.peak/8 {
				p.peak = live
				p.write()
			}
			p.mu.Unlock()
		}()
		p.arm(ctx)
	})
}

// write replaces the file with the current heap profile (that of the last
// collection).
func (p *peakProfile) write() {
	tmp := p.path + ".tmp"
	f, err := os.Create(tmp)
	if err != nil {
		p.log.Warn("heap profile", "err", err)
		return
	}
	err = pprof.Lookup("heap").WriteTo(f, 0)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, p.path)
	}
	if err != nil {
		p.log.Warn("heap profile", "err", err)
	}
}
