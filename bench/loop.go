package bench

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"net"
	"net/http"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// ModeLoop measures a loop: each event carries LoopItems items, which the
// workflow's for_each step delivers to the receiver one by one.
const ModeLoop Mode = "loop"

// LoopItems is how many items each event of the loop mode carries.
const LoopItems = 100

// loopWorkflowDefinition is the loop mode's workflow: a for_each over the
// event's items, each posted to the receiver at /item/EVENT/INDEX.
func loopWorkflowDefinition(receiverURL string) ([]byte, error) {
	return json.Marshal(map[string]any{
		"format":  "hookflow/v1",
		"name":    "hookflow bench (loop)",
		"enabled": true,
		"trigger": map[string]any{"type": "webhook", "methods": []string{"POST"}},
		"steps": []map[string]any{{
			"id": "each_item", "type": "for_each", "items": "payload.items",
			"steps": []map[string]any{{
				"id": "deliver", "type": "webhook", "method": "POST",
				"url":     "{{ vars.receiver }}/item/{{ payload.event }}/{{ index }}",
				"body":    "item",
				"timeout": "10s",
				"retry":   map[string]any{"max_attempts": 20, "initial": "100ms", "max": "2s"},
			}},
		}},
		"vars": map[string]string{"receiver": strings.TrimRight(receiverURL, "/")},
	})
}

// loopPayload is event e's body: LoopItems items.
func loopPayload(e int) []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, `{"event": %d, "items": [`, e)
	for i := range LoopItems {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `{"n": %d, "sku": "SKU-%03d", "qty": %d}`, i, i, i%5+1)
	}
	b.WriteString(`]}`)
	return b.Bytes()
}

// loopReceiver counts the items delivered, each once, and the requests.
type loopReceiver struct {
	mu       sync.Mutex
	seen     map[string]bool
	requests atomic.Int64
	last     time.Time // the last new item's arrival
}

func (l *loopReceiver) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	_, _ = io.Copy(io.Discard, req.Body)
	l.requests.Add(1)
	if strings.HasPrefix(req.URL.Path, "/item/") {
		l.mu.Lock()
		if !l.seen[req.URL.Path] {
			l.seen[req.URL.Path], l.last = true, time.Now()
		}
		l.mu.Unlock()
	}
	w.WriteHeader(http.StatusOK)
}

func (l *loopReceiver) delivered() (int64, time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return int64(len(l.seen)), l.last
}

// runLoop is a run of the loop mode: --connections events of LoopItems
// items posted at once, then a wait until every item is delivered.
func (r *run) runLoop(ctx context.Context) (*Result, error) {
	cfg := r.cfg
	recv := &loopReceiver{seen: map[string]bool{}}
	ln, err := net.Listen("tcp", cfg.ReceiverAddr)
	if err != nil {
		return nil, fmt.Errorf("receiver: listen on %s: %w", cfg.ReceiverAddr, err)
	}
	hs := &http.Server{Handler: recv, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = hs.Serve(ln) }()
	defer hs.Close()
	receiverURL := cfg.ReceiverURL
	if receiverURL == "" {
		receiverURL = "http://" + ln.Addr().String()
	}
	base, token := cfg.URL, cfg.Token
	if base == "" {
		if base, token, err = r.startServer(ctx); err != nil {
			return nil, err
		}
	} else {
		r.deleteWorkflow = !cfg.Keep
	}
	r.api = newAPI(base, token)
	def, err := loopWorkflowDefinition(receiverURL)
	if err != nil {
		return nil, err
	}
	if r.wf, err = r.api.createWorkflow(ctx, def); err != nil {
		return nil, err
	}
	res := &Result{
		Mode: ModeLoop, Target: "child", DB: r.dbName(), Workers: cfg.Workers, Connections: cfg.Connections,
		PayloadBytes: len(loopPayload(0)), GoVersion: runtime.Version(), CPUs: runtime.NumCPU(),
	}
	if cfg.URL != "" {
		res.Target, res.DB, res.Workers = cfg.URL, "", 0
	}
	var cpu0 procSample
	if r.server != nil {
		cpu0, _ = r.server.Stats()
	}

	events := cfg.Connections
	r.progress("loop: %d event(s) of %d items each", events, LoopItems)
	hc := &http.Client{Timeout: cfg.RequestTimeout}
	var accepted, failed atomic.Int64
	start := time.Now()
	var wg sync.WaitGroup
	for e := range events {
		wg.Add(1)
		go func() {
			defer wg.Done()
			resp, err := hc.Post(r.wf.TriggerURL, "application/json", bytes.NewReader(loopPayload(e+1)))
			if err != nil {
				failed.Add(1)
				return
			}
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode == http.StatusAccepted {
				accepted.Add(1)
			} else {
				failed.Add(1)
			}
		}()
	}
	wg.Wait()
	want := accepted.Load() * LoopItems

	// Wait for every item, or until none came for the drain timeout.
	lastN, lastChange, lastPrint := int64(-1), time.Now(), time.Now()
	for {
		n, _ := recv.delivered()
		if n >= want {
			res.Drained = true
			break
		}
		now := time.Now()
		if n != lastN {
			lastN, lastChange = n, now
		}
		if now.Sub(lastChange) > cfg.DrainTimeout || (r.server != nil && r.server.Exited()) {
			r.notes = append(r.notes, fmt.Sprintf("not every item was delivered: none came for %v (--drain-timeout)", cfg.DrainTimeout))
			break
		}
		if now.Sub(lastPrint) >= time.Second {
			r.progress("  delivered %s of %s items", group(n), group(want))
			lastPrint = now
		}
		select {
		case <-ctx.Done():
			return nil, fmt.Errorf("interrupted: %w", ctx.Err())
		case <-time.After(10 * time.Millisecond):
		}
	}
	n, last := recv.delivered()
	elapsed := last.Sub(start)
	res.Sent, res.Accepted, res.Errors = int64(events), accepted.Load(), failed.Load()
	res.DurationS = math.Round(elapsed.Seconds()*1000) / 1000
	res.Delivered, res.Lost = n, max(0, want-n)
	res.Duplicates = ptr(recv.requests.Load() - n)
	res.DeliveredPerS = rate(n, elapsed)
	if r.server != nil {
		if cpu1, err := r.server.Stats(); err == nil {
			res.ServerRSSMB = ptr(math.Round(float64(cpu1.PeakRSS)/(1<<20)*10) / 10)
			res.ServerCPUS = ptr(math.Round((cpu1.CPU-cpu0.CPU).Seconds()*100) / 100)
		}
	}
	r.notes = append(r.notes, fmt.Sprintf("loop: %d event(s) posted at once, each of %d items, each item delivered by a for_each step's webhook "+
		"(one item at a time per event); delivered counts items, delivered/s is items from the first post to the last item; lost = items of accepted events not delivered",
		events, LoopItems))
	res.Notes = r.notes
	return res, nil
}
