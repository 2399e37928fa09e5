package web_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
)

// syncDef is a sync-trigger workflow with the given timeout and steps.
func syncDef(id, timeout, steps string) string {
	return fmt.Sprintf(`{
  "format": "hookflow/v1",
  "id": %q,
  "name": "Sync %s",
  "trigger": {"type": "webhook", "methods": ["POST"], "response": {"mode": "sync", "timeout": %q}},
  "steps": [%s]
}`, id, id, timeout, steps)
}

func TestSyncRespond(t *testing.T) {
	t.Parallel()
	b := setup(t)
	w := b.create(syncDef("answer", "5s", `
    {"id": "double", "type": "transform", "expr": "{n: payload.n * 2}"},
    {"id": "reply", "type": "respond", "status": 201,
     "headers": {"X-Order": "ord-{{ payload.n }}"},
     "body": "{doubled: payload.n, from: trigger.headers['x-from']}"}`))
	r := b.send(http.MethodPost, w.TriggerURL, map[string]any{"n": 21}, "X-From", "test")
	if r.status != http.StatusCreated {
		t.Fatalf("sync = %d %s", r.status, r.body)
	}
	if got := r.header.Get("X-Order"); got != "ord-42" {
		t.Errorf("X-Order = %q", got)
	}
	if ct := r.header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Errorf("Content-Type = %q", ct)
	}
	jsonEqual(t, r.body, map[string]any{"doubled": 42, "from": "test"})
	runID := r.header.Get("X-Hookflow-Run-Id")
	if runID == "" {
		t.Fatal("no X-Hookflow-Run-Id")
	}
	if run := b.waitRun(runID); run.Run.Status != "succeeded" {
		t.Errorf("run = %+v", run.Run)
	}
}

// A respond step's own Content-Type is kept, whatever its body.
func TestSyncRespondContentType(t *testing.T) {
	t.Parallel()
	b := setup(t)
	w := b.create(syncDef("typed", "5s", `
    {"id": "reply", "type": "respond", "status": 200,
     "headers": {"Content-Type": "application/vnd.api+json"}, "body": "{data: payload.n}"}`))
	r := b.send(http.MethodPost, w.TriggerURL, map[string]any{"n": 1})
	if r.status != http.StatusOK || r.header.Get("Content-Type") != "application/vnd.api+json" {
		t.Errorf("answer = %d, Content-Type %q", r.status, r.header.Get("Content-Type"))
	}
	jsonEqual(t, r.body, map[string]any{"data": 1})

	w = b.create(syncDef("xml", "5s", `
    {"id": "reply", "type": "respond", "headers": {"Content-Type": "text/xml"}, "body": "'<Response/>'"}`))
	r = b.send(http.MethodPost, w.TriggerURL, map[string]any{})
	if r.header.Get("Content-Type") != "text/xml" || string(r.body) != "<Response/>" {
		t.Errorf("xml answer = %q %q", r.header.Get("Content-Type"), r.body)
	}
}

func TestSyncTextBody(t *testing.T) {
	t.Parallel()
	b := setup(t)
	w := b.create(syncDef("text", "5s", `
    {"id": "reply", "type": "respond", "status": 200, "body": "'hello ' + payload.name"}`))
	r := b.send(http.MethodPost, w.TriggerURL, map[string]any{"name": "Ada"})
	if r.status != http.StatusOK || string(r.body) != "hello Ada" {
		t.Fatalf("sync text = %d %q", r.status, r.body)
	}
	if ct := r.header.Get("Content-Type"); !strings.HasPrefix(ct, "text/plain") {
		t.Errorf("Content-Type = %q", ct)
	}
}

// Without a respond step the caller gets the run's final payload.
func TestSyncNoRespondStep(t *testing.T) {
	t.Parallel()
	b := setup(t)
	w := b.create(syncDef("final", "5s", `{"id": "shape", "type": "transform", "expr": "{seen: payload.x}"}`))
	r := b.send(http.MethodPost, w.TriggerURL, map[string]any{"x": true})
	if r.status != http.StatusOK {
		t.Fatalf("sync = %d %s", r.status, r.body)
	}
	jsonEqual(t, r.body, map[string]any{"seen": true})
}

func TestSyncRunFails(t *testing.T) {
	t.Parallel()
	b := setup(t)
	w := b.create(syncDef("fails", "5s", fmt.Sprintf(`
    {"id": "call", "type": "webhook", "url": "%s/fail"},
    {"id": "reply", "type": "respond", "status": 200, "body": "'unreachable'"}`, b.recv.URL)))
	r := b.send(http.MethodPost, w.TriggerURL, map[string]any{"n": 1})
	if r.status < 500 || r.status > 599 {
		t.Fatalf("failed sync run = %d %s, want 5xx", r.status, r.body)
	}
	e, ok := r.json(t)["error"].(map[string]any)
	if !ok || e["code"] == "" || e["message"] == "" {
		t.Errorf("failed sync run body = %s, want a JSON error", r.body)
	}
	if strings.Contains(string(r.body), "unreachable") {
		t.Error("a step after the failure answered")
	}
}

func TestSyncTimeout(t *testing.T) {
	t.Parallel()
	b := setup(t)
	w := b.create(syncDef("slow", "300ms", fmt.Sprintf(`
    {"id": "call", "type": "webhook", "url": "%s/slow"},
    {"id": "reply", "type": "respond", "status": 201, "body": "'late'"}`, b.recv.URL)))
	r := b.send(http.MethodPost, w.TriggerURL, map[string]any{"n": 1})
	if r.status != http.StatusAccepted {
		t.Fatalf("slow sync = %d %s, want 202", r.status, r.body)
	}
	got := r.json(t)
	runID, _ := got["run_id"].(string)
	if runID == "" || got["status_url"] != b.url+"/api/v1/runs/"+runID {
		t.Fatalf("slow sync body = %v", got)
	}
	// The status URL works with the admin token, and the run completes.
	if run := b.waitRun(runID); run.Run.Status != "succeeded" {
		t.Errorf("run = %+v", run.Run)
	}
}

// The caller of a sync trigger is not the admin: a failed run's answer
// must not hold what the run's error holds, such as the outbound URL with
// its credentials. Today the engine's final response includes the error.
func TestSyncRunFailsLeaksNothing(t *testing.T) {
	t.Parallel()
	b := setup(t)
	w := b.create(syncDef("leak", "5s", fmt.Sprintf(`
    {"id": "call", "type": "webhook", "url": "%s/fail?key=hush-0451"}`, b.recv.URL)))
	r := b.send(http.MethodPost, w.TriggerURL, map[string]any{})
	if r.status < 500 || strings.Contains(string(r.body), "hush-0451") || strings.Contains(string(r.body), b.recv.URL) {
		t.Errorf("failed sync run = %d %s: holds the outbound URL", r.status, r.body)
	}
}

// A sync run whose steps never read the payload in an expression answers
// with it (at the end of the run, or from a respond step without a body) as
// the body held it: the trigger decodes a body such a workflow answers with.
func TestSyncAnswersPayloadNoStepRead(t *testing.T) {
	t.Parallel()
	b := setup(t)
	order := map[string]any{"id": "o-7", "items": []any{map[string]any{"n": 2}}}
	for _, c := range []struct{ id, steps string }{
		{"ends", `{"id": "mine", "type": "filter", "expr": "trigger.headers['x-from'] == 'test'"}`},
		{"responds", `{"id": "mine", "type": "filter", "expr": "trigger.headers['x-from'] == 'test'"},
    {"id": "reply", "type": "respond", "status": 200}`},
	} {
		w := b.create(syncDef(c.id, "5s", c.steps))
		r := b.send(http.MethodPost, w.TriggerURL, order, "X-From", "test")
		if r.status != http.StatusOK {
			t.Fatalf("%s: sync = %d %s", c.id, r.status, r.body)
		}
		jsonEqual(t, r.body, order)
	}
}
