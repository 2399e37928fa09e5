package sqlite

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/hookflow/hookflow/store"
)

// benchBody is a 1 KiB webhook payload: the shared bench payload where
// present, else a literal.
func benchBody(b *testing.B) []byte {
	if body, err := os.ReadFile(filepath.Join("..", "..", "..", "shared", "bench", "payload.json")); err == nil {
		return body
	}
	item := []byte(`{"sku":"SKU-000123","qty":2,"price":1999},`)
	var buf bytes.Buffer
	buf.WriteString(`{"id":"ord_0001","status":"paid","amount":12345,"currency":"EUR","items":[`)
	for buf.Len() < 1024-len(item)-2 {
		buf.Write(item)
	}
	buf.Truncate(buf.Len() - 1)
	buf.WriteString(`]}`)
	return buf.Bytes()
}

func benchStore(b *testing.B) *Store {
	b.Helper()
	s := open(b, filepath.Join(b.TempDir(), "bench.db"))
	if _, err := s.WorkflowSave(context.Background(), store.WorkflowSaveParams{
		ID: "bench", Name: "bench", Enabled: true, Definition: []byte(`{}`), HookKey: "bench", Now: time.Now(),
	}); err != nil {
		b.Fatalf("WorkflowSave: %v", err)
	}
	return s
}

func benchEvents(n int, body []byte, key func(i int) string) []store.EventAcceptParams {
	ps := make([]store.EventAcceptParams, n)
	now := time.Now()
	for i := range ps {
		ps[i] = store.EventAcceptParams{
			Event: store.Event{
				ID: uuid.Must(uuid.NewV7()).String(), WorkflowID: "bench", Source: "webhook", Method: "POST",
				Headers:    map[string]string{"content-type": "application/json", "user-agent": "bench/1.0"},
				Body:       body,
				ReceivedAt: now,
			},
			RunID:    uuid.Must(uuid.NewV7()).String(),
			Revision: 1,
		}
		if key != nil {
			ps[i].Event.IdempotencyKey = key(i)
		}
	}
	return ps
}

// BenchmarkEventAccept measures the durable accept path (synchronous=FULL):
// one call, one transaction, per batch; ns/event is the cost per webhook.
func BenchmarkEventAccept(b *testing.B) {
	body := benchBody(b)
	for _, batch := range []int{1, 100} {
		b.Run(fmt.Sprintf("batch=%d", batch), func(b *testing.B) {
			s := benchStore(b)
			ctx := context.Background()
			n := 0
			b.SetBytes(int64(len(body) * batch))
			for b.Loop() {
				b.StopTimer()
				ps := benchEvents(batch, body, func(int) string { n++; return fmt.Sprintf("delivery-%d", n) })
				b.StartTimer()
				if _, err := s.EventAccept(ctx, ps); err != nil {
					b.Fatalf("EventAccept: %v", err)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*batch), "ns/event")
		})
	}
}

// BenchmarkRunClaim measures claiming queued runs from a queue of 10,000;
// ns/run is the cost per run handed to a worker.
func BenchmarkRunClaim(b *testing.B) {
	body := benchBody(b)
	for _, limit := range []int{1, 10} {
		b.Run(fmt.Sprintf("limit=%d", limit), func(b *testing.B) {
			s := benchStore(b)
			ctx := context.Background()
			queued := 0
			fill := func() {
				for range 10 {
					if _, err := s.EventAccept(ctx, benchEvents(1000, body, nil)); err != nil {
						b.Fatalf("EventAccept: %v", err)
					}
				}
				queued += 10000
			}
			fill()
			claimed := 0
			for b.Loop() {
				if queued-claimed < limit {
					b.StopTimer()
					fill()
					b.StartTimer()
				}
				runs, err := s.RunClaim(ctx, store.RunClaimParams{Owner: "bench", Limit: limit, Now: time.Now(), LeaseFor: time.Hour})
				if err != nil || len(runs) != limit {
					b.Fatalf("RunClaim = %d runs, %v", len(runs), err)
				}
				claimed += len(runs)
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(claimed), "ns/run")
		})
	}
}

// BenchmarkAcceptFinished measures what an ingest-only workflow costs the
// writer: batches of 32 events whose runs ended at accept (a filter), each
// with its one step record; ns/event is the writer's cost per webhook.
func BenchmarkAcceptFinished(b *testing.B) {
	body := benchBody(b)
	s := benchStore(b)
	ctx := context.Background()
	const batch = 32
	cpu0, cpuOK := cpuTime()
	for b.Loop() {
		b.StopTimer()
		ps := benchEvents(batch, body, nil)
		for i := range ps {
			ps[i].Status, ps[i].NextStep = store.StatusFiltered, 1
			ps[i].Results = []store.StepResult{{StepID: "paid", Attempt: 1, Status: store.StepFiltered,
				Input: body, InputIsEventBody: true, Output: []byte("false"), StartedAt: ps[i].Event.ReceivedAt,
				Duration: time.Microsecond}}
		}
		b.StartTimer()
		if _, err := s.EventAccept(ctx, ps); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*batch), "ns/event")
	// CPU time, the checkpointer's and the fsyncs' included, varies less
	// from run to run than wall time on a shared machine.
	if cpu1, ok := cpuTime(); ok && cpuOK {
		b.ReportMetric(float64((cpu1-cpu0).Nanoseconds())/float64(b.N*batch), "cpu-ns/event")
	}
}
