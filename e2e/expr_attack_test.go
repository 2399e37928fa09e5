package e2e

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"
)

// exprAttackWorkflows are the workflows an attacker found with a payload or
// an expression that took the server down, each used as its author wrote
// it: the trigger URL is public, so the payload is the attacker's.
const exprAttackWorkflows = `[
{"format": "hookflow/v1", "id": "greet", "name": "Greeting, after a delay",
 "trigger": {"type": "webhook"},
 "steps": [
  {"id": "wait", "type": "delay", "for": "1s"},
  {"id": "text", "type": "transform", "expr": "{text: replace(payload.template, \"{name}\", payload.name)}"}
 ]},
{"format": "hookflow/v1", "id": "greet-now", "name": "Greeting, at once",
 "trigger": {"type": "webhook"},
 "steps": [
  {"id": "text", "type": "transform", "expr": "{text: replace(payload.template, \"{name}\", payload.name)}"}
 ]},
{"format": "hookflow/v1", "id": "unique-skus", "name": "Orders with unique SKUs",
 "trigger": {"type": "webhook"},
 "steps": [
  {"id": "unique", "type": "filter", "expr": "all(payload.items, {let s = #.sku; count(payload.items, .sku == s) == 1})"}
 ]}
]`

// TestExpressionAttacksKeepServerUp: a payload whose expression would build
// 30 GB, one that makes a filter quadratic, and editor previews that build
// gigabytes: each ends in an error (the run failed with it in its record,
// the preview a 400), and the same process keeps serving throughout and
// after a restart. Before expressions were bounded, the first crashed the
// process with "fatal error: out of memory", again at each restart.
func TestExpressionAttacksKeepServerUp(t *testing.T) {
	t.Parallel()
	srv := startServer(t, serverOptions{Args: []string{"--workers", "2"}})
	var defs []json.RawMessage
	if err := json.Unmarshal([]byte(exprAttackWorkflows), &defs); err != nil {
		t.Fatal(err)
	}
	for _, d := range defs {
		srv.createWorkflow(string(d))
	}
	pid := srv.cmd.Process.Pid

	// 860 KB: "{name}" 60,000 times and a name of 500,000 characters.
	greeting, err := json.Marshal(map[string]string{
		"template": strings.Repeat("{name}", 60000), "name": strings.Repeat("x", 500000),
	})
	if err != nil {
		t.Fatal(err)
	}
	// 10,000 items (about 150 KB): 100 million comparisons.
	items := make([]map[string]string, 10000)
	for i := range items {
		items[i] = map[string]string{"sku": fmt.Sprintf("sku-%05d", i)}
	}
	orders, err := json.Marshal(map[string]any{"items": items})
	if err != nil {
		t.Fatal(err)
	}

	runIDs := map[string]string{}
	for id, body := range map[string][]byte{"greet": greeting, "greet-now": greeting, "unique-skus": orders} {
		code, runID, err := srv.trigger(srv.hookPath(id), body)
		if err != nil || code != http.StatusAccepted || runID == "" {
			t.Fatalf("trigger %s: %d %q %v", id, code, runID, err)
		}
		runIDs[id] = runID
	}

	// Previews in the editor, by an admin: 4 GB and 400 MB.
	for _, src := range []string{`map(1..500, repeat("x", 8000000))`, `map(1..50, repeat("x", 8000000))`} {
		var out struct {
			Error struct {
				Code, Message string
			} `json:"error"`
		}
		code := srv.do("POST", "/api/v1/expr", map[string]any{"expr": src, "payload": map[string]any{}}, &out)
		if code != http.StatusBadRequest || !strings.Contains(out.Error.Message, "expression stopped") {
			t.Errorf("preview %s = %d %+v, want 400 with the memory limit", src, code, out.Error)
		}
	}

	want := map[string]string{
		"greet":       "it would build more than 8 MiB of data",
		"greet-now":   "it would build more than 8 MiB of data",
		"unique-skus": "expression stopped: it ran",
	}
	for id, runID := range runIDs {
		var run runDetail
		waitFor(t, 20*time.Second, "run "+runID+" of "+id+" to finish", func() (bool, string) {
			run = srv.run(runID)
			return run.Run.Status == "failed" || run.Run.Status == "succeeded", run.Run.Status
		})
		if run.Run.Status != "failed" || !strings.Contains(run.Run.Error, want[id]) {
			t.Errorf("run of %s: %s %q, want failed with %q", id, run.Run.Status, run.Run.Error, want[id])
		}
		last := run.Steps[len(run.Steps)-1]
		if !strings.Contains(last.Error, want[id]) {
			t.Errorf("run of %s: step %s recorded %q, want %q", id, last.Step, last.Error, want[id])
		}
	}

	select {
	case <-srv.exited:
		t.Fatalf("the server died:\n%s", srv.output())
	default:
	}
	if srv.cmd.Process.Pid != pid {
		t.Fatal("the server was restarted")
	}
	srv.waitReady()
	srv.stop()

	// Nothing is left to run again after a restart.
	again := startServer(t, serverOptions{DB: srv.opts.DB})
	for id := range runIDs {
		for _, r := range again.runs(id) {
			if r.Status != "failed" {
				t.Errorf("after a restart, run %s of %s is %s", r.ID, id, r.Status)
			}
		}
	}
}
