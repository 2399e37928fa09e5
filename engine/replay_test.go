package engine

import (
	"errors"
	"strings"
	"testing"

	"github.com/hookflow/hookflow/internal/receivertest"
	"github.com/hookflow/hookflow/store"
	"github.com/hookflow/hookflow/workflows"
)

const replayable = `{
  "format": "hookflow/v1", "id": "replayable", "name": "Replayable",
  "trigger": {"type": "webhook"},
  "steps": [
    {"id": "shape", "type": "transform", "expr": "{order: payload.id, nonce: uuid()}"},
    {"id": "notify", "type": "webhook", "url": "{{ vars.recv }}/notify"},
    {"id": "audit", "type": "webhook", "url": "{{ vars.recv }}/audit",
     "body": "{nonce: steps.shape.nonce, notified: steps.notify.status}"}
  ]
}`

// TestReplay: a replay is a new run of the same event, from the start or
// from a named step with the earlier steps' outputs carried over.
func TestReplay(t *testing.T) {
	t.Parallel()
	b := setup(t)
	wf := b.save(replayable)
	orig := b.accept(wf, `{"id":"A-5"}`)
	b.waitStatus(orig, store.StatusSucceeded)
	shape := mustJSON(t, b.resultsOf(orig, "shape")[0].Output).(map[string]any)
	nonce := shape["nonce"].(string)

	t.Run("FromStart", func(t *testing.T) {
		r, err := b.engine.Replay(b.ctx, orig, "")
		if err != nil {
			t.Fatalf("Replay: %v", err)
		}
		if r.ReplayOf != orig || r.ID == orig || r.NextStep != 0 {
			t.Errorf("replay = %+v; want a new run of %s from step 0", r, orig)
		}
		if got := b.waitFinished(r.ID); got.Status != store.StatusSucceeded {
			t.Fatalf("replay = %s (%q), want succeeded", got.Status, got.Error)
		}
		rs := b.results(r.ID)
		if len(rs) != 3 {
			t.Fatalf("replay has %d step results, want 3", len(rs))
		}
		again := mustJSON(t, rs[0].Output).(map[string]any)
		if again["order"] != "A-5" || again["nonce"] == nonce {
			t.Errorf("replayed transform output = %v; want it run again (a new nonce)", again)
		}
	})

	t.Run("FromStep", func(t *testing.T) {
		before := len(b.recv.On("/notify"))
		r, err := b.engine.Replay(b.ctx, orig, "notify")
		if err != nil {
			t.Fatalf("Replay: %v", err)
		}
		if r.ReplayOf != orig || r.NextStep != 1 {
			t.Errorf("replay = %+v; want a run of %s from step 1", r, orig)
		}
		if got := b.waitFinished(r.ID); got.Status != store.StatusSucceeded {
			t.Fatalf("replay = %s (%q), want succeeded", got.Status, got.Error)
		}
		for step, want := range map[string]int{"shape": 1, "notify": 1, "audit": 1} {
			if got := len(b.resultsOf(r.ID, step)); got != want {
				t.Errorf("replay has %d results of %s, want %d", got, step, want)
			}
		}
		carried := b.resultsOf(r.ID, "shape")
		if len(carried) == 1 {
			jsonEqual(t, "carried transform output", carried[0].Output, `{"order":"A-5","nonce":"`+nonce+`"}`)
		}
		notify := b.recv.On("/notify")
		if len(notify) != before+1 {
			t.Fatalf("notify sent %d more times, want 1", len(notify)-before)
		}
		// The payload is the first run's transformed one, not the event's.
		jsonEqual(t, "notify body", notify[len(notify)-1].Body, `{"order":"A-5","nonce":"`+nonce+`"}`)
		audit := b.recv.On("/audit")
		jsonEqual(t, "audit body", audit[len(audit)-1].Body, `{"nonce":"`+nonce+`","notified":200}`)
		if id := notify[len(notify)-1].Header.Get("Webhook-Id"); id == notify[0].Header.Get("Webhook-Id") {
			t.Errorf("replay reused the first run's webhook-id %s; a replay is a new delivery", id)
		}
	})

	t.Run("UnknownStep", func(t *testing.T) {
		_, err := b.engine.Replay(b.ctx, orig, "nope")
		var fe *workflows.FieldError
		if !errors.As(err, &fe) || fe.Field != "from_step" {
			t.Errorf("Replay(unknown step) = %v, want a FieldError on from_step", err)
		}
	})

	t.Run("UnknownRun", func(t *testing.T) {
		_, err := b.engine.Replay(b.ctx, newID(), "")
		if !errors.Is(err, store.ErrNotFound) {
			t.Errorf("Replay(unknown run) = %v, want ErrNotFound", err)
		}
	})
}

// TestOnFailure: a run that fails for good starts the on_failure workflow
// with the failure's details as its payload.
// alertsWorkflow is the on_failure target of the tests below: it posts the
// failure notice to the receiver.
const alertsWorkflow = `{
  "format": "hookflow/v1", "id": "alerts", "name": "Alerts",
  "trigger": {"type": "manual"},
  "steps": [{"id": "page", "type": "webhook", "url": "{{ vars.recv }}/alerts"}]
}`

func TestOnFailure(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.recv.Answer(func(h receivertest.Hit) receivertest.Reply {
		if h.Path == "/orders" {
			return receivertest.Reply{Status: 422, Body: `{"error":"bad order"}`}
		}
		return receivertest.Reply{}
	})
	b.save(alertsWorkflow)
	wf := b.save(`{
  "format": "hookflow/v1", "id": "orders", "name": "Orders",
  "trigger": {"type": "webhook"},
  "steps": [
    {"id": "shape", "type": "transform", "expr": "{id: payload.id}"},
    {"id": "notify", "type": "webhook", "url": "{{ vars.recv }}/orders"}
  ],
  "on_failure": "alerts"
}`)
	run := b.accept(wf, `{"id":"A-1"}`)
	r := b.waitFinished(run)
	if r.Status != store.StatusFailed {
		t.Fatalf("run = %s, want failed", r.Status)
	}
	alerts := b.recv.Wait(t, 2)
	var alert *receivertest.Hit
	for i := range alerts {
		if alerts[i].Path == "/alerts" {
			alert = &alerts[i]
		}
	}
	if alert == nil {
		t.Fatalf("no alert: %d requests", len(alerts))
	}
	got := mustJSON(t, alert.Body).(map[string]any)
	for k, want := range map[string]any{"run_id": run, "workflow": "orders", "workflow_name": "Orders", "step": "notify", "error": r.Error} {
		if got[k] != want {
			t.Errorf("alert %s = %v, want %v", k, got[k], want)
		}
	}
	if !strings.Contains(r.Error, "422") {
		t.Errorf("run error = %q, want the 422", r.Error)
	}
	if _, ok := got["failed_at"].(string); !ok {
		t.Errorf("alert has no failed_at: %s", alert.Body)
	}

	// The alert is a run of its own, of a "failure" event.
	runs, err := b.db.RunList(b.ctx, store.RunListParams{WorkflowID: "alerts"})
	if err != nil || len(runs) != 1 {
		t.Fatalf("alerts runs = %d, %v; want 1", len(runs), err)
	}
	b.waitStatus(runs[0].ID, store.StatusSucceeded)
	ev, err := b.db.EventGet(b.ctx, runs[0].EventID)
	if err != nil || ev.Source != "failure" {
		t.Errorf("alert event = %+v, %v; want source failure", ev, err)
	}
}

// TestOnFailureNotForSuccess: only failures start the on_failure workflow.
func TestOnFailureNotForSuccess(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.save(alertsWorkflow)
	wf := b.save(`{
  "format": "hookflow/v1", "id": "fine", "name": "Fine",
  "trigger": {"type": "webhook"},
  "steps": [
    {"id": "only_big", "type": "filter", "expr": "payload.n > 1"},
    {"id": "notify", "type": "webhook", "url": "{{ vars.recv }}/ok"}
  ],
  "on_failure": "alerts"
}`)
	b.waitStatus(b.accept(wf, `{"n":1}`), store.StatusFiltered)
	b.waitStatus(b.accept(wf, `{"n":2}`), store.StatusSucceeded)
	runs, err := b.db.RunList(b.ctx, store.RunListParams{WorkflowID: "alerts"})
	if err != nil || len(runs) != 0 {
		t.Errorf("alerts runs = %d, %v; want none", len(runs), err)
	}
}

// TestOnFailureDuringShutdown: when a run fails as the engine stops (Accept
// refuses), its failure notice is written to the store directly, queued for
// the next start, rather than dropped.
func TestOnFailureDuringShutdown(t *testing.T) {
	t.Parallel()
	b := setup(t, notStarted())
	b.save(alertsWorkflow)
	wf := b.save(`{
  "format": "hookflow/v1", "id": "orders", "name": "Orders",
  "trigger": {"type": "webhook"},
  "steps": [{"id": "notify", "type": "webhook", "url": "{{ vars.recv }}/orders"}],
  "on_failure": "alerts"
}`)
	c, err := b.engine.Compiled(b.ctx, wf.ID, wf.Revision)
	if err != nil {
		t.Fatal(err)
	}
	b.engine.startOnFailure(c.Workflow, store.Run{ID: "run-1", WorkflowID: wf.ID}, "notify", "POST /orders: 422", nil)

	runs, err := b.db.RunList(b.ctx, store.RunListParams{WorkflowID: "alerts"})
	if err != nil || len(runs) != 1 || runs[0].Status != store.StatusQueued {
		t.Fatalf("alerts runs = %+v, %v; want one queued run", runs, err)
	}
	ev, err := b.db.EventGet(b.ctx, runs[0].EventID)
	if err != nil {
		t.Fatal(err)
	}
	got := mustJSON(t, ev.Body).(map[string]any)
	if got["run_id"] != "run-1" || got["workflow"] != "orders" || got["step"] != "notify" || got["error"] != "POST /orders: 422" {
		t.Errorf("failure notice = %v", got)
	}
}
