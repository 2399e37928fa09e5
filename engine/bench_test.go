package engine

import (
	"context"
	"testing"
	"time"

	"github.com/hookflow/hookflow/bench"
	"github.com/hookflow/hookflow/store"
)

const benchWorkflow = `{
  "format": "hookflow/v1", "id": "bench", "name": "Bench",
  "trigger": {"type": "webhook"},
  "steps": [
    {"id": "paid", "type": "filter", "expr": "payload.amount > 100 && payload.currency == 'USD'"},
    {"id": "shape", "type": "transform",
     "expr": "{order: payload.id, total: payload.amount, email: payload.customer.email, skus: map(payload.items, .sku), qty: sum(map(payload.items, .qty))}"},
    {"id": "notify", "type": "webhook", "url": "{{ vars.recv }}/orders/{{ payload.order }}"}
  ]
}`

// BenchmarkAccept measures accepting events: concurrent callers, each
// waiting for its event and run to be durable in a real SQLite file
// (synchronous=FULL), sharing transactions.
func BenchmarkAccept(b *testing.B) {
	bb := setup(b)
	wf := bb.save(benchWorkflow)
	body := bench.DefaultPayload
	// Received a day ahead, the runs are not due: this measures accepting,
	// without workers competing for the database.
	received := time.Now().Add(24 * time.Hour)
	ctx := context.Background()

	b.ReportAllocs()
	b.SetBytes(int64(len(body)))
	b.SetParallelism(64)
	b.ResetTimer()
	start := time.Now()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			ev := jsonEvent("")
			ev.Body, ev.ReceivedAt = body, received
			if _, err := bb.engine.Accept(ctx, AcceptParams{WorkflowID: wf.ID, Revision: wf.Revision, Event: ev}); err != nil {
				b.Error(err)
				return
			}
		}
	})
	elapsed := time.Since(start)
	b.StopTimer()
	batches, events := bb.spy.acceptStats()
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), "events/s")
	if batches > 0 {
		b.ReportMetric(float64(events)/float64(batches), "events/commit")
	}
}

// BenchmarkRunStep measures a run's in-memory work for one event: parsing
// the payload, a filter and a transform, each attempt recorded as JSON.
func BenchmarkRunStep(b *testing.B) {
	e, err := New(Config{})
	if err != nil {
		b.Fatal(err)
	}
	c, err := compileDefinition([]byte(benchWorkflow))
	if err != nil {
		b.Fatal(err)
	}
	ev := jsonEvent("")
	ev.Body = bench.DefaultPayload
	ctx := context.Background()

	b.ReportAllocs()
	b.SetBytes(int64(len(ev.Body)))
	b.ResetTimer()
	for b.Loop() {
		st := newRunState(c, &ev, "run", nil)
		for _, s := range c.Steps[:2] {
			_, out := e.runStep(ctx, st, s, 1)
			if out.status != store.StepSucceeded {
				b.Fatalf("step %s: %s %v", s.ID, out.status, out.err)
			}
			st.apply(s, out.output, out.raw)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
}

// BenchmarkEndToEnd measures events from Accept to delivery at a local
// receiver: accept, claim, filter, transform, send, record.
func BenchmarkEndToEnd(b *testing.B) {
	bb := setup(b)
	wf := bb.save(benchWorkflow)
	body := bench.DefaultPayload
	ctx := context.Background()

	b.ReportAllocs()
	b.SetBytes(int64(len(body)))
	b.SetParallelism(16)
	b.ResetTimer()
	start := time.Now()
	before := bb.recv.Count()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			ev := jsonEvent("")
			ev.Body = body
			if _, err := bb.engine.Accept(ctx, AcceptParams{WorkflowID: wf.ID, Revision: wf.Revision, Event: ev}); err != nil {
				b.Error(err)
				return
			}
		}
	})
	deadline := time.Now().Add(time.Minute)
	for bb.recv.Count()-before < b.N {
		if time.Now().After(deadline) {
			b.Fatalf("%d of %d events delivered", bb.recv.Count()-before, b.N)
		}
		time.Sleep(time.Millisecond)
	}
	elapsed := time.Since(start)
	b.StopTimer()
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), "events/s")
}
