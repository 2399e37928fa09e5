package engine

import (
	"context"
	"strings"
	"testing"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"

	"github.com/hookflow/hookflow/actions"
	"github.com/hookflow/hookflow/store"
	"github.com/hookflow/hookflow/workflows"
)

func spanAttr(s tracetest.SpanStub, key attribute.Key) string {
	for _, kv := range s.Attributes {
		if kv.Key == key {
			return kv.Value.Emit()
		}
	}
	return ""
}

// TestTraceRetriedRunWithoutCaller: an event with no traceparent starts a
// trace at its accept; the run's two executions (the first attempt, and
// the retry a worker takes up later from the stored event) are both
// children of that accept, each with its step attempt under it, the failed
// attempt marked as an error, and each outbound call carrying the trace.
func TestTraceRetriedRunWithoutCaller(t *testing.T) {
	t.Parallel()
	exp := tracetest.NewInMemoryExporter()
	tp := NewTracerProvider(exp)
	t.Cleanup(func() { _ = tp.Shutdown(context.Background()) })
	egress, err := actions.ParseEgressAllow("127.0.0.1")
	if err != nil {
		t.Fatal(err)
	}
	sender := actions.NewSender(actions.Config{Egress: egress, Tracer: tp})
	t.Cleanup(sender.CloseIdleConnections)
	b := setup(t, withConfig(func(c *Config) { c.Tracer, c.Sender = tp, sender }))
	b.recv.Answer(statuses(500, 200))
	wf := b.save(oneWebhook)
	run := b.accept(wf, `{"order":"A-1"}`)
	if r := b.waitFinished(run); r.Status != store.StatusSucceeded {
		t.Fatalf("run = %s (%q), want succeeded", r.Status, r.Error)
	}
	if err := tp.ForceFlush(context.Background()); err != nil {
		t.Fatal(err)
	}

	var accept tracetest.SpanStub
	var runs, steps, calls []tracetest.SpanStub
	for _, s := range exp.GetSpans() {
		switch {
		case s.Name == "hookflow.accept":
			accept = s
		case s.Name == "hookflow.run":
			runs = append(runs, s)
		case strings.HasPrefix(s.Name, "hookflow.step"):
			steps = append(steps, s)
		case s.SpanKind == trace.SpanKindClient:
			calls = append(calls, s)
		}
	}
	if !accept.SpanContext.IsValid() || accept.Parent.IsValid() {
		t.Fatalf("accept span %v parent %v: want a root", accept.SpanContext, accept.Parent)
	}
	if len(runs) != 2 || len(steps) != 2 || len(calls) != 2 {
		t.Fatalf("%d run, %d step, %d client spans; want 2 of each (two executions)", len(runs), len(steps), len(calls))
	}
	tid := accept.SpanContext.TraceID()
	for i, r := range runs {
		if r.Parent.TraceID() != tid || r.Parent.SpanID() != accept.SpanContext.SpanID() {
			t.Errorf("run span %d parent %v, want the accept %v", i, r.Parent, accept.SpanContext)
		}
		if got := spanAttr(r, "hookflow.run_id"); got != run {
			t.Errorf("run span %d run_id %q, want %s", i, got, run)
		}
	}
	wantStatus := map[string]string{"1": store.StepRetrying, "2": store.StepSucceeded}
	hits := b.recv.Hits()
	for _, s := range steps {
		attempt := spanAttr(s, "hookflow.attempt")
		if got := spanAttr(s, "hookflow.status"); got != wantStatus[attempt] {
			t.Errorf("step attempt %s status %q, want %q", attempt, got, wantStatus[attempt])
		}
		if spanAttr(s, "hookflow.step") != "notify" || spanAttr(s, "hookflow.workflow") != wf.ID {
			t.Errorf("step span attributes %v", s.Attributes)
		}
		parentIsRun := false
		for _, r := range runs {
			parentIsRun = parentIsRun || s.Parent.SpanID() == r.SpanContext.SpanID()
		}
		if !parentIsRun || s.SpanContext.TraceID() != tid {
			t.Errorf("step attempt %s: parent %v is not a run span of trace %v", attempt, s.Parent, tid)
		}
		if failed := attempt == "1"; failed != (s.Status.Code == codes.Error) {
			t.Errorf("step attempt %s span status %v", attempt, s.Status)
		}
		if attempt == "1" && (len(s.Events) != 1 || !strings.Contains(spanAttrOf(s.Events[0].Attributes, "exception.message"), "500")) {
			t.Errorf("failed attempt's span events %v, want the error", s.Events)
		}
	}
	for i, h := range hits {
		if tp := h.Header.Get("traceparent"); !strings.HasPrefix(tp, "00-"+tid.String()+"-") {
			t.Errorf("delivery %d traceparent %q, want trace %v", i+1, tp, tid)
		}
	}
}

func spanAttrOf(kvs []attribute.KeyValue, key attribute.Key) string {
	for _, kv := range kvs {
		if kv.Key == key {
			return kv.Value.Emit()
		}
	}
	return ""
}

// TestTracingOffAllocatesNothing: without a tracer, the tracing calls on
// the accept, run and step paths allocate nothing.
func TestTracingOffAllocatesNothing(t *testing.T) {
	e := &Engine{}
	ctx := context.Background()
	ev := &store.Event{ID: "ev", Headers: map[string]string{"traceparent": "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"}}
	st := &runState{event: ev, compiled: &workflows.Compiled{Workflow: &workflows.Workflow{ID: "w"}}}
	s := &workflows.CompiledStep{Step: &workflows.Step{ID: "s", Type: "webhook"}}
	x := &execution{e: e, st: st}
	res := &store.StepResult{Status: store.StepSucceeded}
	allocs := testing.AllocsPerRun(100, func() {
		c, span := e.traceAccept(ctx, ev)
		endAccept(span, store.AcceptResult{}, nil)
		c = x.traceRun(c)
		c, step := e.traceStep(c, st, s, 1)
		endStep(step, res)
		x.traceWritten(&store.RunUpdateParams{Status: store.StatusSucceeded})
		x.endRun()
		_ = c
	})
	if allocs != 0 {
		t.Errorf("tracing off: %v allocations per event, want 0", allocs)
	}
}
