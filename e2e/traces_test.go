package e2e

import (
	"bytes"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	coltracepb "go.opentelemetry.io/proto/otlp/collector/trace/v1"
	tracepb "go.opentelemetry.io/proto/otlp/trace/v1"
	"google.golang.org/protobuf/proto"

	"github.com/hookflow/hookflow/internal/receivertest"
)

// otlpCollector is an OTLP/HTTP endpoint on 127.0.0.1 keeping the spans
// it is sent (protobuf, POST /v1/traces).
type otlpCollector struct {
	URL   string
	mu    sync.Mutex
	spans []*tracepb.Span
}

func newOTLPCollector(t *testing.T) *otlpCollector {
	t.Helper()
	c := &otlpCollector{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost || r.URL.Path != "/v1/traces" {
			http.NotFound(w, r)
			return
		}
		body, err := io.ReadAll(r.Body)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		var req coltracepb.ExportTraceServiceRequest
		if err := proto.Unmarshal(body, &req); err != nil {
			t.Errorf("collector: decode %s export: %v", r.Header.Get("Content-Type"), err)
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		c.mu.Lock()
		for _, rs := range req.ResourceSpans {
			for _, ss := range rs.ScopeSpans {
				c.spans = append(c.spans, ss.Spans...)
			}
		}
		c.mu.Unlock()
		out, _ := proto.Marshal(&coltracepb.ExportTraceServiceResponse{})
		w.Header().Set("Content-Type", "application/x-protobuf")
		_, _ = w.Write(out)
	}))
	t.Cleanup(srv.Close)
	c.URL = srv.URL
	return c
}

// named returns the spans of that name.
func (c *otlpCollector) named(name string) []*tracepb.Span {
	c.mu.Lock()
	defer c.mu.Unlock()
	var out []*tracepb.Span
	for _, s := range c.spans {
		if s.Name == name || strings.HasPrefix(s.Name, name+" ") {
			out = append(out, s)
		}
	}
	return out
}

func attr(s *tracepb.Span, key string) string {
	for _, kv := range s.Attributes {
		if kv.Key == key {
			if sv := kv.Value.GetStringValue(); sv != "" {
				return sv
			}
			return fmt.Sprint(kv.Value.GetIntValue())
		}
	}
	return ""
}

// TestTracesFollowTheCaller: a webhook request carrying a traceparent
// starts a run whose accept, run, step and outbound call spans all join
// the caller's trace, parent to child, and whose outbound request carries
// a traceparent of that trace; a replay of the run is a trace of its own
// linked to the accept. Spans go to a real OTLP/HTTP endpoint, flushed when
// the server stops.
func TestTracesFollowTheCaller(t *testing.T) {
	t.Parallel()
	col := newOTLPCollector(t)
	recv := receivertest.New(t)
	srv := startServer(t, serverOptions{Args: []string{"--otlp-endpoint", col.URL}})
	srv.createWorkflow(fmt.Sprintf(sendDefinition, "traced", recv.URL+"/in"))

	const callerTrace, callerSpan = "4bf92f3577b34da6a3ce929d0e0e4736", "00f067aa0ba902b7"
	req, err := http.NewRequest("POST", srv.URL+srv.hookPath("traced"), bytes.NewReader([]byte(helloEvent)))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("traceparent", "00-"+callerTrace+"-"+callerSpan+"-01")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("POST hook: %v", err)
	}
	resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		t.Fatalf("POST hook = %d", resp.StatusCode)
	}
	runs := srv.waitRuns("traced", 1, 15*time.Second)
	if runs[0].Status != "succeeded" {
		t.Fatalf("run %s: status %s", runs[0].ID, runs[0].Status)
	}
	var replay struct {
		RunID string `json:"run_id"`
	}
	if code := srv.do("POST", "/api/v1/runs/"+runs[0].ID+"/replay", []byte(`{}`), &replay); code != http.StatusAccepted {
		t.Fatalf("replay = %d", code)
	}
	waitFor(t, 15*time.Second, "the replay to be delivered", func() (bool, string) {
		n := len(recv.Hits())
		return n == 2, fmt.Sprintf("%d deliveries", n)
	})
	if code := srv.stop(); code != 0 {
		t.Fatalf("serve exited %d", code)
	}

	hits := recv.Hits()
	tp := hits[0].Header.Get("traceparent")
	if parts := strings.Split(tp, "-"); len(parts) != 4 || parts[1] != callerTrace {
		t.Errorf("outbound traceparent %q, want one of trace %s", tp, callerTrace)
	}

	accepts := col.named("hookflow.accept")
	if len(accepts) != 1 {
		t.Fatalf("%d accept spans, want 1", len(accepts))
	}
	accept := accepts[0]
	if got := hex.EncodeToString(accept.TraceId); got != callerTrace {
		t.Errorf("accept span trace %s, want the caller's %s", got, callerTrace)
	}
	if got := hex.EncodeToString(accept.ParentSpanId); got != callerSpan {
		t.Errorf("accept span parent %s, want the caller's span %s", got, callerSpan)
	}
	if accept.Kind != tracepb.Span_SPAN_KIND_SERVER {
		t.Errorf("accept span kind %v, want server", accept.Kind)
	}

	var run, replayRun *tracepb.Span
	for _, s := range col.named("hookflow.run") {
		switch attr(s, "hookflow.run_id") {
		case runs[0].ID:
			run = s
		case replay.RunID:
			replayRun = s
		}
	}
	if run == nil || replayRun == nil {
		t.Fatalf("run span %v, replay's run span %v: want both", run != nil, replayRun != nil)
	}
	if !bytes.Equal(run.TraceId, accept.TraceId) || !bytes.Equal(run.ParentSpanId, accept.SpanId) {
		t.Errorf("run span trace %x parent %x, want trace %x parent %x (the accept)", run.TraceId, run.ParentSpanId, accept.TraceId, accept.SpanId)
	}
	if got := attr(run, "hookflow.workflow"); got != "traced" {
		t.Errorf("run span workflow %q", got)
	}
	if got := attr(run, "hookflow.status"); got != "succeeded" {
		t.Errorf("run span status %q, want succeeded", got)
	}

	var step, replayStep *tracepb.Span
	for _, s := range col.named("hookflow.step") {
		switch {
		case bytes.Equal(s.ParentSpanId, run.SpanId):
			step = s
		case bytes.Equal(s.ParentSpanId, replayRun.SpanId):
			replayStep = s
		}
	}
	if step == nil || replayStep == nil {
		t.Fatalf("step span under the run %v, under the replay %v: want both", step != nil, replayStep != nil)
	}
	if !bytes.Equal(step.TraceId, accept.TraceId) {
		t.Errorf("step span trace %x, want %x", step.TraceId, accept.TraceId)
	}
	for key, want := range map[string]string{"hookflow.step": "send", "hookflow.attempt": "1", "hookflow.status": "succeeded", "hookflow.run_id": runs[0].ID} {
		if got := attr(step, key); got != want {
			t.Errorf("step span %s = %q, want %q", key, got, want)
		}
	}

	var client *tracepb.Span
	for _, s := range col.named("HTTP") {
		if bytes.Equal(s.ParentSpanId, step.SpanId) {
			client = s
		}
	}
	if client == nil {
		t.Fatal("no client span under the step span")
	}
	if client.Kind != tracepb.Span_SPAN_KIND_CLIENT {
		t.Errorf("outbound span kind %v, want client", client.Kind)
	}
	if want := "00-" + callerTrace + "-" + hex.EncodeToString(client.SpanId) + "-01"; tp != want {
		t.Errorf("outbound traceparent %q, want %q (the client span)", tp, want)
	}

	// The replay: a trace of its own, linked to the accept it replays.
	if bytes.Equal(replayRun.TraceId, accept.TraceId) || len(replayRun.ParentSpanId) != 0 {
		t.Errorf("replay run span trace %x parent %x: want a new root", replayRun.TraceId, replayRun.ParentSpanId)
	}
	if len(replayRun.Links) != 1 || !bytes.Equal(replayRun.Links[0].TraceId, accept.TraceId) || !bytes.Equal(replayRun.Links[0].SpanId, accept.SpanId) {
		t.Errorf("replay run span links %v, want one to the accept %x/%x", replayRun.Links, accept.TraceId, accept.SpanId)
	}
	if got := attr(replayRun, "hookflow.replay_of"); got != runs[0].ID {
		t.Errorf("replay run span replay_of %q, want %s", got, runs[0].ID)
	}
	if tp2 := hits[1].Header.Get("traceparent"); !strings.Contains(tp2, hex.EncodeToString(replayRun.TraceId)) {
		t.Errorf("replay's outbound traceparent %q, want trace %x", tp2, replayRun.TraceId)
	}
}
