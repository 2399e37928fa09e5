package engine

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/hookflow/hookflow/internal/receivertest"
	"github.com/hookflow/hookflow/store"
	"github.com/hookflow/hookflow/workflows"
)

// TestCallWorkflowWaits: the parent waits, without a worker, for its child
// (started with the mapped payload, source workflow, parent_run set), and
// goes on with the child's final payload; a failed child fails the step.
func TestCallWorkflowWaits(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.save(`{
  "format": "hookflow/v1", "id": "lookup", "name": "Lookup",
  "trigger": {"type": "manual"},
  "steps": [
    {"id": "gate", "type": "webhook", "url": "{{ vars.recv }}/child/{{ payload.email }}",
     "body": "{source: trigger.source, parent: trigger.parent_run}"},
    {"id": "shape", "type": "transform", "expr": "{email: payload.email, tier: 'gold'}"}
  ]
}`)
	parent := b.save(`{
  "format": "hookflow/v1", "id": "order", "name": "Order",
  "trigger": {"type": "webhook"},
  "steps": [
    {"id": "enrich", "type": "workflow", "workflow": "lookup", "payload": {"email": "{{ payload.customer }}"}, "wait": true, "timeout": "5m"},
    {"id": "notify", "type": "webhook", "url": "{{ vars.recv }}/done", "body": "{order: payload.id, customer: steps.enrich}"}
  ]
}`)
	// The child's webhook fails for this customer: 400 is not retried.
	b.recv.Answer(func(h receivertest.Hit) receivertest.Reply {
		if strings.HasSuffix(h.Path, "/bad@example.com") {
			return receivertest.Reply{Status: 400}
		}
		return receivertest.Reply{}
	})
	ok := b.accept(parent, `{"id":"O-1","customer":"ann@example.com"}`)
	if r := b.waitFinished(ok); r.Status != store.StatusSucceeded {
		t.Fatalf("parent = %s (%q), want succeeded", r.Status, r.Error)
	}
	child := b.recv.On("/child/ann@example.com")
	if len(child) != 1 {
		t.Fatalf("%d requests from the child, want 1", len(child))
	}
	jsonEqual(t, "child's trigger", child[0].Body, fmt.Sprintf(`{"source":"workflow","parent":%q}`, ok))
	done := b.recv.On("/done")
	if len(done) != 1 {
		t.Fatalf("%d requests to /done, want 1", len(done))
	}
	jsonEqual(t, "done body", done[0].Body, `{"order":"O-1","customer":{"email":"ann@example.com","tier":"gold"}}`)
	enrich := b.resultsOf(ok, "enrich")
	if len(enrich) != 2 || enrich[0].Status != store.StepWaiting || enrich[1].Status != store.StepSucceeded {
		t.Fatalf("enrich attempts = %+v, want waiting then succeeded", enrich)
	}

	bad := b.accept(parent, `{"id":"O-2","customer":"bad@example.com"}`)
	r := b.waitFinished(bad)
	if r.Status != store.StatusFailed || !strings.Contains(r.Error, "lookup failed") {
		t.Fatalf("parent of a failed child = %s (%q), want failed naming it", r.Status, r.Error)
	}
	if n := len(b.recv.On("/done")); n != 1 {
		t.Errorf("%d requests to /done, want still 1", n)
	}
}

// TestCallWorkflowWithoutWait: the output is the child's run id at once;
// the child runs on its own, once.
func TestCallWorkflowWithoutWait(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.save(`{"format": "hookflow/v1", "id": "side", "name": "Side", "trigger": {"type": "manual"},
  "steps": [{"id": "send", "type": "webhook", "url": "{{ vars.recv }}/side"}]}`)
	parent := b.save(`{"format": "hookflow/v1", "id": "main", "name": "Main", "trigger": {"type": "webhook"},
  "steps": [
    {"id": "fire", "type": "workflow", "workflow": "side"},
    {"id": "after", "type": "webhook", "url": "{{ vars.recv }}/after", "body": "steps.fire"}
  ]}`)
	run := b.accept(parent, `{"n":1}`)
	if r := b.waitFinished(run); r.Status != store.StatusSucceeded {
		t.Fatalf("parent = %s (%q)", r.Status, r.Error)
	}
	after := b.recv.On("/after")
	if len(after) != 1 {
		t.Fatalf("%d requests to /after", len(after))
	}
	childID := mustJSON(t, after[0].Body).(map[string]any)["run_id"].(string)
	if c := b.waitFinished(childID); c.Status != store.StatusSucceeded || c.WorkflowID != "side" {
		t.Fatalf("child = %+v", c)
	}
	jsonEqual(t, "side body", b.recv.On("/side")[0].Body, `{"n":1}`)
	if n := len(b.recv.On("/side")); n != 1 {
		t.Errorf("child ran %d times", n)
	}
}

// TestCallWorkflowTimesOut: a child that does not finish in time fails
// the step.
func TestCallWorkflowTimesOut(t *testing.T) {
	t.Parallel()
	c := newClock()
	b := setup(t, withClock(c))
	b.save(`{"format": "hookflow/v1", "id": "slow", "name": "Slow", "trigger": {"type": "manual"},
  "steps": [{"id": "hold", "type": "wait"}]}`)
	parent := b.save(`{"format": "hookflow/v1", "id": "impatient", "name": "Impatient", "trigger": {"type": "webhook"},
  "steps": [{"id": "call", "type": "workflow", "workflow": "slow", "wait": true, "timeout": "5m"}]}`)
	run := b.accept(parent, `{}`)
	b.waitStatus(run, store.StatusWaiting)
	c.Advance(5 * time.Minute)
	if r := b.waitFinished(run); r.Status != store.StatusFailed || !strings.Contains(r.Error, "did not finish within 5m") {
		t.Fatalf("parent = %s (%q), want failed, timed out", r.Status, r.Error)
	}
}

// TestCallDepthLimit: a chain of calls deeper than MaxCallDepth fails at
// the step that would go past it, and the failure climbs back up.
func TestCallDepthLimit(t *testing.T) {
	t.Parallel()
	b := setup(t)
	const n = 10
	b.save(fmt.Sprintf(`{"format": "hookflow/v1", "id": "w%d", "name": "Last", "trigger": {"type": "manual"},
  "steps": [{"id": "send", "type": "webhook", "url": "{{ vars.recv }}/last"}]}`, n))
	var first store.Workflow
	for i := n - 1; i >= 0; i-- {
		first = b.save(fmt.Sprintf(`{"format": "hookflow/v1", "id": "w%d", "name": "W", "trigger": {"type": "webhook"},
  "steps": [{"id": "next", "type": "workflow", "workflow": "w%d", "wait": true}]}`, i, i+1))
	}
	run := b.accept(first, `{}`)
	// Twenty runs one after the other: more time than waitFinished gives,
	// for a machine under load running the tests with -race.
	var r store.Run
	waitWithin(t, 6*waitFor, "final status of the top run", func() bool {
		var err error
		r, err = b.db.RunGet(b.ctx, run)
		return err == nil && store.Finished(r.Status)
	})
	if r.Status != store.StatusFailed || !strings.Contains(r.Error, "failed") {
		t.Fatalf("top run = %s (%q), want failed", r.Status, r.Error)
	}
	if n := len(b.recv.On("/last")); n != 0 {
		t.Errorf("the last workflow ran %d times past the depth limit", n)
	}
	runs, err := b.db.RunList(b.ctx, store.RunListParams{WorkflowID: "w8"})
	if err != nil || len(runs) != 1 {
		t.Fatalf("runs of w8 = %d, %v; want 1", len(runs), err)
	}
	rs := b.resultsOf(runs[0].ID, "next")
	if len(rs) == 0 || !strings.Contains(rs[len(rs)-1].Error, "8 deep") {
		t.Fatalf("w8's call = %+v, want refused at depth 8", rs)
	}
}

// TestCallCyclesRefusedAtSave: a workflow whose calls lead back to it is
// refused, naming the step's field and the circle.
func TestCallCyclesRefusedAtSave(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.save(`{"format": "hookflow/v1", "id": "a", "name": "A", "trigger": {"type": "manual"},
  "steps": [{"id": "to_b", "type": "workflow", "workflow": "b"}]}`)
	b.save(`{"format": "hookflow/v1", "id": "b", "name": "B", "trigger": {"type": "manual"},
  "steps": [{"id": "to_c", "type": "workflow", "workflow": "c"}]}`)
	for _, def := range []string{
		`{"format": "hookflow/v1", "id": "c", "name": "C", "trigger": {"type": "manual"},
  "steps": [{"id": "log", "type": "transform", "expr": "payload"}, {"id": "back", "type": "workflow", "workflow": "a"}]}`,
		`{"format": "hookflow/v1", "id": "self", "name": "Self", "trigger": {"type": "manual"},
  "steps": [{"id": "log", "type": "transform", "expr": "payload"}, {"id": "back", "type": "workflow", "workflow": "self"}]}`,
	} {
		_, err := b.engine.SaveWorkflow(b.ctx, decode(t, def))
		var fe *workflows.FieldError
		if !errors.As(err, &fe) || fe.Field != "steps[1].workflow" || !strings.Contains(fe.Message, "circle") {
			t.Fatalf("SaveWorkflow = %v, want refused at steps[1].workflow", err)
		}
	}
}
