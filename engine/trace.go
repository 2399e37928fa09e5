package engine

import (
	"context"
	"crypto/sha256"
	"math/rand/v2"
	"strings"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/propagation"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"

	"github.com/hookflow/hookflow/store"
	"github.com/hookflow/hookflow/workflows"
)

// Traces (OpenTelemetry, off unless Config.Tracer is set). Every span is
// started only where e.tracer is set: without one, nothing here allocates.
//
//   - hookflow.accept: an event accepted for a workflow, a child of the
//     caller's span where the event's headers carry a W3C traceparent.
//   - hookflow.run: one execution of a run (a worker taking it up, or
//     going on with it after a wait or a retry), a child of its accept.
//   - hookflow.step: one attempt of one step, a child of its run's span
//     (or of the accept's, for the steps run while accepting).
//   - the outbound HTTP call, a client span of package actions.
//
// The accept's span ids are made from the event's id (see idGenerator), so
// a run executed later, by another replica or after a restart, finds its
// parent from the stored event alone. A replay is a trace of its own,
// linked to the accept of the event it replays.

// tracerName names the engine's tracer.
const tracerName = "github.com/hookflow/hookflow/engine"

var traceContext = propagation.TraceContext{}

// NewTracerProvider returns an SDK tracer provider that batches spans to
// exp, with the id generator the engine's spans rely on. Pass it as
// Config.Tracer (and actions.Config.Tracer); Shutdown flushes it.
func NewTracerProvider(exp sdktrace.SpanExporter, opts ...sdktrace.TracerProviderOption) *sdktrace.TracerProvider {
	opts = append([]sdktrace.TracerProviderOption{
		sdktrace.WithBatcher(exp),
		sdktrace.WithIDGenerator(idGenerator{}),
	}, opts...)
	return sdktrace.NewTracerProvider(opts...)
}

// forcedIDs, in a context, are the ids the next span started from it gets
// (zero: random).
type forcedIDs struct {
	trace trace.TraceID
	span  trace.SpanID
}

type forcedIDsKey struct{}

// idGenerator makes random ids, or those a context forces.
type idGenerator struct{}

// NewIDs returns the ids of a new root span.
func (idGenerator) NewIDs(ctx context.Context) (trace.TraceID, trace.SpanID) {
	f, _ := ctx.Value(forcedIDsKey{}).(forcedIDs)
	tid := f.trace
	for !tid.IsValid() {
		putUint64(tid[:8], rand.Uint64())
		putUint64(tid[8:], rand.Uint64())
	}
	return tid, spanID(f.span)
}

// NewSpanID returns the id of a new child span.
func (idGenerator) NewSpanID(ctx context.Context, _ trace.TraceID) trace.SpanID {
	f, _ := ctx.Value(forcedIDsKey{}).(forcedIDs)
	return spanID(f.span)
}

func spanID(forced trace.SpanID) trace.SpanID {
	for !forced.IsValid() {
		putUint64(forced[:], rand.Uint64())
	}
	return forced
}

func putUint64(b []byte, v uint64) {
	for i := range 8 {
		b[i] = byte(v >> (56 - 8*i))
	}
}

// acceptIDs are the trace id an event's accept uses where no caller's
// trace came with it, and its span's id.
func acceptIDs(eventID string) (trace.TraceID, trace.SpanID) {
	sum := sha256.Sum256([]byte("hookflow accept " + eventID))
	var tid trace.TraceID
	var sid trace.SpanID
	copy(tid[:], sum[:16])
	copy(sid[:], sum[16:24])
	return tid, sid
}

// headerCarrier reads an event's stored headers (lower-case names).
type headerCarrier map[string]string

func (h headerCarrier) Get(key string) string { return h[strings.ToLower(key)] }
func (h headerCarrier) Set(key, value string) { h[strings.ToLower(key)] = value }
func (h headerCarrier) Keys() []string {
	keys := make([]string, 0, len(h))
	for k := range h {
		keys = append(keys, k)
	}
	return keys
}

// callerContext is the span context of the event's traceparent header
// (invalid where there is none, or it is malformed).
func callerContext(ev *store.Event) trace.SpanContext {
	if ev.Headers["traceparent"] == "" {
		return trace.SpanContext{}
	}
	return trace.SpanContextFromContext(traceContext.Extract(context.Background(), headerCarrier(ev.Headers)))
}

// acceptContext is the span context of the event's accept span, as a
// remote parent.
func acceptContext(ev *store.Event) trace.SpanContext {
	tid, sid := acceptIDs(ev.ID)
	flags := trace.FlagsSampled
	if caller := callerContext(ev); caller.IsValid() {
		tid, flags = caller.TraceID(), caller.TraceFlags()
	}
	return trace.NewSpanContext(trace.SpanContextConfig{TraceID: tid, SpanID: sid, TraceFlags: flags, Remote: true})
}

// traceAccept starts the accept span of ev (nil span: tracing is off).
// The returned context holds it, for the steps run while accepting.
func (e *Engine) traceAccept(ctx context.Context, ev *store.Event) (context.Context, trace.Span) {
	if e.tracer == nil {
		return ctx, nil
	}
	parent := ctx
	tid, sid := acceptIDs(ev.ID)
	forced := forcedIDs{trace: tid, span: sid}
	if caller := callerContext(ev); caller.IsValid() {
		parent = trace.ContextWithRemoteSpanContext(ctx, caller)
		forced.trace = caller.TraceID()
	} else {
		parent = trace.ContextWithSpanContext(ctx, trace.SpanContext{}) // a root, whatever ctx held
	}
	_, span := e.tracer.Start(context.WithValue(parent, forcedIDsKey{}, forced), "hookflow.accept",
		trace.WithSpanKind(trace.SpanKindServer),
		trace.WithAttributes(
			attribute.String("hookflow.workflow", ev.WorkflowID),
			attribute.String("hookflow.event_id", ev.ID),
			attribute.String("hookflow.source", ev.Source),
		))
	// The forced ids stay out of the context the steps see.
	return trace.ContextWithSpan(ctx, span), span
}

// endAccept ends the accept span with its outcome.
func endAccept(span trace.Span, res store.AcceptResult, err error) {
	if span == nil {
		return
	}
	if err != nil {
		span.RecordError(err)
		span.SetStatus(codes.Error, "accept failed")
	} else {
		span.SetAttributes(attribute.String("hookflow.run_id", res.RunID), attribute.Bool("hookflow.duplicate", res.Duplicate))
	}
	span.End()
}

// traceRun starts the span of this execution of the run (a no-op where
// tracing is off or the run's event is unknown).
func (x *execution) traceRun(ctx context.Context) context.Context {
	e := x.e
	if e.tracer == nil || x.st == nil || x.st.event == nil {
		return ctx
	}
	ev := x.st.event
	attrs := trace.WithAttributes(
		attribute.String("hookflow.workflow", x.run.WorkflowID),
		attribute.String("hookflow.run_id", x.run.ID),
		attribute.String("hookflow.event_id", ev.ID),
		attribute.Int("hookflow.revision", x.run.Revision),
		attribute.Int("hookflow.run_attempt", x.run.Attempt),
	)
	if x.run.ReplayOf != "" {
		// A replay is its own trace, linked to the one it replays.
		x.span = e.tracerStart(trace.ContextWithSpanContext(ctx, trace.SpanContext{}), "hookflow.run", attrs,
			trace.WithNewRoot(),
			trace.WithLinks(trace.Link{SpanContext: acceptContext(ev),
				Attributes: []attribute.KeyValue{attribute.String("hookflow.replay_of", x.run.ReplayOf)}}),
			trace.WithAttributes(attribute.String("hookflow.replay_of", x.run.ReplayOf)))
	} else {
		x.span = e.tracerStart(trace.ContextWithRemoteSpanContext(ctx, acceptContext(ev)), "hookflow.run", attrs)
	}
	return trace.ContextWithSpan(ctx, x.span)
}

func (e *Engine) tracerStart(ctx context.Context, name string, opts ...trace.SpanStartOption) trace.Span {
	_, span := e.tracer.Start(ctx, name, opts...)
	return span
}

// traceWritten notes a write of the run's state on its span.
func (x *execution) traceWritten(p *store.RunUpdateParams) {
	if x.span == nil {
		return
	}
	x.span.SetAttributes(attribute.String("hookflow.status", p.Status))
	if p.Status == store.StatusFailed {
		x.span.SetStatus(codes.Error, p.Error)
	}
}

// endRun ends the execution's span.
func (x *execution) endRun() {
	if x.span != nil {
		x.span.End()
	}
}

// traceStep starts the span of one step attempt (nil: tracing is off).
func (e *Engine) traceStep(ctx context.Context, st *runState, s *workflows.CompiledStep, attempt int) (context.Context, trace.Span) {
	if e.tracer == nil {
		return ctx, nil
	}
	path := st.path
	if path == "" {
		path = s.ID
	}
	return e.tracer.Start(ctx, "hookflow.step "+s.Type,
		trace.WithAttributes(
			attribute.String("hookflow.workflow", st.compiled.Workflow.ID),
			attribute.String("hookflow.run_id", st.runID),
			attribute.String("hookflow.step", path),
			attribute.String("hookflow.step_type", s.Type),
			attribute.Int("hookflow.attempt", attempt),
		))
}

// endStep ends a step attempt's span with its recorded outcome (res is
// already redacted).
func endStep(span trace.Span, res *store.StepResult) {
	if span == nil {
		return
	}
	span.SetAttributes(attribute.String("hookflow.status", res.Status))
	if res.StatusCode != 0 {
		span.SetAttributes(attribute.Int("http.response.status_code", res.StatusCode))
	}
	if res.Error != "" {
		span.AddEvent("exception", trace.WithAttributes(
			attribute.String("exception.type", "hookflow.step_error"),
			attribute.String("exception.message", res.Error)))
		span.SetStatus(codes.Error, res.Error)
	}
	span.End()
}

// newTracer is the engine's tracer of tp (nil: none).
func newTracer(tp trace.TracerProvider) trace.Tracer {
	if tp == nil {
		return nil
	}
	return tp.Tracer(tracerName)
}
