package actions

import (
	"context"
	"strings"
	"testing"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"

	"github.com/hookflow/hookflow/internal/receivertest"
)

// TestSendTraced: with a tracer, a call is a client span under the
// caller's span, its request carries that span's traceparent (replacing
// one the user set), and a 5xx marks the span an error without naming the
// URL's path or query; without a tracer no traceparent is sent.
func TestSendTraced(t *testing.T) {
	t.Parallel()
	rc := newReceiver(t, nil)
	rc.Answer(func(receivertest.Hit) receivertest.Reply { return receivertest.Reply{Status: 503} })
	exp := tracetest.NewInMemoryExporter()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSyncer(exp))
	t.Cleanup(func() { _ = tp.Shutdown(context.Background()) })

	ctx, parent := tp.Tracer("test").Start(context.Background(), "step")
	s := localSender(t, Config{Tracer: tp})
	header := map[string][]string{"Traceparent": {"00-11111111111111111111111111111111-2222222222222222-01"}}
	_, err := s.Send(ctx, Request{URL: rc.URL + "/secret-path?token=abc", Header: header, Body: []byte(`{}`)})
	if err == nil {
		t.Fatal("503 answered no error")
	}
	parent.End()

	var client tracetest.SpanStub
	for _, sp := range exp.GetSpans() {
		if sp.SpanKind == trace.SpanKindClient {
			client = sp
		}
	}
	if client.Parent.SpanID() != parent.SpanContext().SpanID() || client.SpanContext.TraceID() != parent.SpanContext().TraceID() {
		t.Fatalf("client span %v parent %v, want a child of %v", client.SpanContext, client.Parent, parent.SpanContext())
	}
	want := "00-" + client.SpanContext.TraceID().String() + "-" + client.SpanContext.SpanID().String() + "-01"
	if got := rc.Hits()[0].Header.Get("traceparent"); got != want {
		t.Errorf("traceparent %q, want %q", got, want)
	}
	if client.Status.Code != codes.Error {
		t.Errorf("span status %v, want an error", client.Status)
	}
	for _, kv := range client.Attributes {
		if v := kv.Value.Emit(); strings.Contains(v, "secret-path") || strings.Contains(v, "abc") {
			t.Errorf("span attribute %s = %q names the URL's path or query", kv.Key, v)
		}
		if kv.Key == attribute.Key("http.response.status_code") && kv.Value.AsInt64() != 503 {
			t.Errorf("status code attribute %d", kv.Value.AsInt64())
		}
	}

	plain := localSender(t, Config{})
	if _, err := plain.Send(ctx, Request{URL: rc.URL + "/plain", Body: []byte(`{}`)}); err == nil {
		t.Fatal("503 answered no error")
	}
	if got := rc.Hits()[1].Header.Get("traceparent"); got != "" {
		t.Errorf("untraced sender sent traceparent %q", got)
	}
}
