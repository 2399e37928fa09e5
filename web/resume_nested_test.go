package web_test

import (
	"fmt"
	"net/http"
	"testing"
	"time"
)

// loopApprovalWorkflow waits for an approval of each line, two at once,
// and posts each approved line to /done.
func loopApprovalWorkflow(id, recvURL string) string {
	return fmt.Sprintf(`{
  "format": "hookflow/v1", "id": %q, "name": "Approve each line",
  "trigger": {"type": "webhook"},
  "steps": [
    {"id": "each_line", "type": "for_each", "items": "payload.lines", "concurrency": 2, "steps": [
      {"id": "approval", "type": "wait", "timeout": "48h"},
      {"id": "done", "type": "webhook", "url": "%s/done", "body": "{line: item, approval: steps.approval.body}"}
    ]}
  ]
}`, id, recvURL)
}

// waitsAnswer is GET /api/v1/runs/{id}/waits.
type waitsAnswer struct {
	Waits []struct {
		Step    string `json:"step"`
		URL     string `json:"url"`
		Waiting bool   `json:"waiting"`
		Resumed bool   `json:"resumed"`
	} `json:"waits"`
}

// stand is each wait's step and how it stands: "each_line[0].approval=waiting".
func (w waitsAnswer) stand() []string {
	var out []string
	for _, x := range w.Waits {
		s := "begun"
		switch {
		case x.Resumed:
			s = "resumed"
		case x.Waiting:
			s = "waiting"
		}
		out = append(out, x.Step+"="+s)
	}
	return out
}

// waitsUntil polls the run's waits until they stand as want.
func (b *bundle) waitsUntil(run string, want ...string) waitsAnswer {
	b.t.Helper()
	var w waitsAnswer
	for range 500 {
		w = waitsAnswer{}
		b.api(http.MethodGet, "/api/v1/runs/"+run+"/waits", nil).decode(b.t, &w)
		if fmt.Sprint(w.stand()) == fmt.Sprint(want) {
			return w
		}
		time.Sleep(20 * time.Millisecond)
	}
	b.t.Fatalf("waits of run %s = %v, want %v", run, w.stand(), want)
	return w
}

// A wait inside a loop: each item's wait is listed by its path with its
// own resume URL, and resumed by that path, one item at a time.
func TestResumeNestedWaits(t *testing.T) {
	t.Parallel()
	b := setup(t)
	w := b.create(loopApprovalWorkflow("approve-lines", b.recv.URL))
	run := b.trigger(w.TriggerURL, map[string]any{"lines": []string{"L1", "L2"}})

	waits := b.waitsUntil(run, "each_line[0].approval=waiting", "each_line[1].approval=waiting")
	if waits.Waits[0].URL == waits.Waits[1].URL {
		t.Fatalf("both items' waits have the resume URL %s", waits.Waits[0].URL)
	}
	wantError(t, b.api(http.MethodPost, "/api/v1/runs/"+run+"/resume", map[string]any{"step": "approval"}), http.StatusNotFound, "not_found")
	wantError(t, b.api(http.MethodPost, "/api/v1/runs/"+run+"/resume", map[string]any{"step": "each_line[0].done"}), http.StatusNotFound, "not_found")
	wantError(t, b.api(http.MethodPost, "/api/v1/runs/"+run+"/resume", map[string]any{"step": "other[0].approval"}), http.StatusNotFound, "not_found")

	b.apiOK(http.MethodPost, "/api/v1/runs/"+run+"/resume", map[string]any{"step": "each_line[0].approval", "body": map[string]any{"by": "ann"}}, http.StatusOK)
	b.waitsUntil(run, "each_line[0].approval=resumed", "each_line[1].approval=waiting")
	for range 500 {
		if len(b.recv.On("/done")) > 0 {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if done := b.recv.On("/done"); len(done) != 1 || string(done[0].Body) != `{"approval":{"by":"ann"},"line":"L1"}` {
		t.Fatalf("requests to /done after the first item's approval: %d %v", len(done), done)
	}
	var d struct {
		Run struct {
			Status string `json:"status"`
		} `json:"run"`
	}
	b.api(http.MethodGet, "/api/v1/runs/"+run, nil).decode(t, &d)
	if d.Run.Status != "waiting" {
		t.Fatalf("run = %s after one item of two was resumed, want waiting", d.Run.Status)
	}
	wantError(t, b.api(http.MethodPost, "/api/v1/runs/"+run+"/resume", map[string]any{"step": "each_line[0].approval"}), http.StatusConflict, "conflict")

	// The second item by its own resume URL, as an approver would.
	if r := b.send(http.MethodPost, waits.Waits[1].URL, `{"by": "bob"}`, "Content-Type", "application/json"); r.status != http.StatusOK {
		t.Fatalf("resume the second item = %d %s", r.status, r.body)
	}
	if d := b.waitRun(run); d.Run.Status != "succeeded" {
		t.Fatalf("run = %s (%s)", d.Run.Status, d.Run.Error)
	}
	if done := b.recv.On("/done"); len(done) != 2 || string(done[1].Body) != `{"approval":{"by":"bob"},"line":"L2"}` {
		t.Fatalf("requests to /done: %d %v", len(done), done)
	}
	b.waitsUntil(run, "each_line[0].approval=resumed", "each_line[1].approval=resumed")
}

// A wait inside a path inside a loop: listed by its full path and
// resumed by it; the other item, on a path without a wait, goes on.
func TestResumeWaitInPathInLoop(t *testing.T) {
	t.Parallel()
	b := setup(t)
	w := b.create(fmt.Sprintf(`{"format": "hookflow/v1", "id": "route-lines", "name": "Route lines", "trigger": {"type": "webhook"},
	  "steps": [{"id": "each_line", "type": "for_each", "items": "payload.lines", "steps": [
	    {"id": "route", "type": "paths", "paths": [
	      {"name": "big", "when": "item > 100", "steps": [{"id": "approval", "type": "wait"}]},
	      {"name": "small", "steps": [{"id": "pass", "type": "transform", "expr": "{ok: true}"}]}]},
	    {"id": "done", "type": "webhook", "url": "%s/done", "body": "item"}]}]}`, b.recv.URL))
	run := b.trigger(w.TriggerURL, map[string]any{"lines": []int{500, 5}})
	b.waitsUntil(run, "each_line[0].route.big.approval=waiting")
	for range 500 { // the small line does not wait for the big one
		if len(b.recv.On("/done")) > 0 {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if done := b.recv.On("/done"); len(done) != 1 || string(done[0].Body) != "5" {
		t.Fatalf("requests to /done before the big line was approved: %d %v, want the small line's", len(done), done)
	}
	b.apiOK(http.MethodPost, "/api/v1/runs/"+run+"/resume", map[string]any{"step": "each_line[0].route.big.approval"}, http.StatusOK)
	if d := b.waitRun(run); d.Run.Status != "succeeded" {
		t.Fatalf("run = %s (%s)", d.Run.Status, d.Run.Error)
	}
	if done := b.recv.On("/done"); len(done) != 2 || string(done[1].Body) != "500" {
		t.Fatalf("requests to /done: %d %v", len(done), done)
	}
	b.waitsUntil(run, "each_line[0].route.big.approval=resumed")
}
