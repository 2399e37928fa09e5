package engine

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/hookflow/hookflow/internal/receivertest"
	"github.com/hookflow/hookflow/store"
)

// stepsOf lists a run's recorded attempts as "step:status".
func stepsOf(rs []store.StepResult) string {
	var out []string
	for _, r := range rs {
		out = append(out, r.StepID+":"+r.Status)
	}
	return strings.Join(out, " ")
}

// TestRunAtAccept checks that the filters and transforms leading a workflow
// are executed and stored with the accepted event: a run they end is
// stored finished and never written again; any other goes on from the
// state they left to its webhook step, recorded once per attempt.
func TestRunAtAccept(t *testing.T) {
	t.Parallel()
	b := setup(t, withConfig(func(c *Config) { c.PollInterval = time.Hour }))
	wf := b.save(bigOrders)
	b.settled()

	small := b.accept(wf, `{"id":"a1","amount":5,"customer":"ann"}`)
	// As soon as Accept returns the run is finished: no worker was needed.
	r, err := b.db.RunGet(b.ctx, small)
	if err != nil {
		t.Fatalf("RunGet: %v", err)
	}
	if r.Status != store.StatusFiltered || r.NextStep != 1 || r.FinishedAt.IsZero() || r.LeaseOwner != "" {
		t.Fatalf("filtered run right after Accept = %s at %d, finished %v, lease %q; want filtered at 1, finished, no lease",
			r.Status, r.NextStep, r.FinishedAt, r.LeaseOwner)
	}
	if got := stepsOf(b.results(small)); got != "big:filtered" {
		t.Errorf("filtered run's steps = %q, want big:filtered", got)
	}

	big := b.accept(wf, `{"id":"b1","amount":2500,"customer":"bob"}`)
	// The filter and the transform are stored with the event.
	if got := b.results(big); len(got) < 2 || stepsOf(got[:2]) != "big:succeeded shape:succeeded" {
		t.Fatalf("steps stored with the event = %q; want big and shape succeeded", stepsOf(got))
	} else {
		jsonEqual(t, "shape output", got[1].Output, `{"order":"b1","total":25,"customer":"BOB"}`)
	}
	b.waitStatus(big, store.StatusSucceeded)
	if got := stepsOf(b.results(big)); got != "big:succeeded shape:succeeded notify:succeeded" {
		t.Errorf("delivered run's steps = %q; want each step once", got)
	}
	hits := b.recv.Wait(t, 1)
	if hits[0].Path != "/orders/b1" {
		t.Errorf("delivered to %s, want /orders/b1", hits[0].Path)
	}
	jsonEqual(t, "delivered body", hits[0].Body, `{"order":"b1","total":25,"customer":"BOB"}`)

	// Only the delivered run was ever updated, once, when it ended.
	if u := b.spy.updatesOf(small); len(u) != 0 {
		t.Errorf("the run filtered at accept was updated %d times, want never", len(u))
	}
	if u := b.spy.updatesOf(big); len(u) != 1 || u[0].Status != store.StatusSucceeded {
		t.Errorf("updates of the delivered run = %+v; want one, succeeded", u)
	}
}

// TestRunAtAcceptOnlyPureSteps checks a workflow of filters and transforms
// only: its runs succeed as they are accepted.
func TestRunAtAcceptOnlyPureSteps(t *testing.T) {
	t.Parallel()
	b := setup(t)
	wf := b.save(`{"format": "hookflow/v1", "id": "pure", "name": "Pure",
		"trigger": {"type": "webhook"},
		"steps": [
			{"id": "vip", "type": "filter", "expr": "payload.vip"},
			{"id": "skip", "type": "transform", "when": "false", "expr": "{}"},
			{"id": "tag", "type": "transform", "expr": "{name: payload.name, tag: 'vip'}"}
		]}`)
	run := b.accept(wf, `{"vip":true,"name":"Ann"}`)
	r, err := b.db.RunGet(b.ctx, run)
	if err != nil || r.Status != store.StatusSucceeded || r.NextStep != 3 {
		t.Fatalf("run right after Accept = %+v, %v; want succeeded at step 3", r, err)
	}
	got := b.results(run)
	if stepsOf(got) != "vip:succeeded skip:skipped tag:succeeded" {
		t.Fatalf("steps = %q", stepsOf(got))
	}
	jsonEqual(t, "tag output", got[2].Output, `{"name":"Ann","tag":"vip"}`)
}

// TestRunAtAcceptFailureLeftToWorker checks that a transform failing at accept
// is not recorded there: the worker runs it again and fails the run once,
// as for any failing step.
func TestRunAtAcceptFailureLeftToWorker(t *testing.T) {
	t.Parallel()
	b := setup(t)
	wf := b.save(`{"format": "hookflow/v1", "id": "broken", "name": "Broken",
		"trigger": {"type": "webhook"},
		"steps": [
			{"id": "ok", "type": "filter", "expr": "true"},
			{"id": "bad", "type": "transform", "expr": "{x: payload.customer.name}"},
			{"id": "send", "type": "webhook", "url": "{{ vars.recv }}/never"}
		]}`)
	run := b.accept(wf, `{"customer":null}`)
	r := b.waitFinished(run)
	if r.Status != store.StatusFailed || !strings.Contains(r.Error, `step "bad"`) {
		t.Fatalf("run = %s, %q; want failed at step bad", r.Status, r.Error)
	}
	if got := stepsOf(b.results(run)); got != "ok:succeeded bad:failed" {
		t.Errorf("steps = %q; want the filter once and the failed transform once", got)
	}
	if n := b.recv.Count(); n != 0 {
		t.Errorf("receiver got %d requests, want none", n)
	}
}

// TestRunAtAcceptLeavesSecretsToWorker checks that a step whose record had a
// secret value redacted is not run at accept: a worker resuming from that
// record would send the placeholder instead of the secret.
func TestRunAtAcceptLeavesSecretsToWorker(t *testing.T) {
	t.Parallel()
	b := setup(t, notStarted(), withConfig(func(c *Config) {
		c.Secrets = func(context.Context) (map[string]any, error) {
			return map[string]any{"api": "s3cr3t-value"}, nil
		}
	}))
	for _, tc := range []struct{ name, expr string }{
		{"plain", "{order: payload.order}"},
		{"secret", "{order: payload.order, token: secrets.api}"},
	} {
		wf := b.save(`{"format": "hookflow/v1", "id": "` + tc.name + `", "name": "At accept",
			"trigger": {"type": "webhook"},
			"steps": [
				{"id": "shape", "type": "transform", "expr": "` + tc.expr + `"},
				{"id": "send", "type": "webhook", "url": "{{ vars.recv }}/x"}
			]}`)
		ev := jsonEvent(`{"order": 7}`)
		ev.WorkflowID = wf.ID
		p := store.EventAcceptParams{Event: ev, RunID: newID(), Revision: wf.Revision}
		st := b.engine.runAtAccept(b.ctx, &p, nil)
		switch tc.name {
		case "plain":
			if st == nil || p.NextStep != 1 || len(p.Results) != 1 {
				t.Errorf("plain transform: state %v, next step %d, %d results; want it run at accept", st != nil, p.NextStep, len(p.Results))
			}
		case "secret":
			if st != nil || p.NextStep != 0 || len(p.Results) != 0 || p.Status != "" {
				t.Errorf("transform holding a secret: state %v, next step %d, %d results, status %q; want it left to the worker",
					st != nil, p.NextStep, len(p.Results), p.Status)
			}
		}
	}
}

// TestRunAtAcceptQueuedRunsStartOver checks the runs an accept could not hand
// to a worker (all busy): they are stored queued at their first step with
// no records, and the worker that claims them later records each step
// once.
func TestRunAtAcceptQueuedRunsStartOver(t *testing.T) {
	t.Parallel()
	b := setup(t, withConfig(func(c *Config) { c.Workers = 1 }))
	release := make(chan struct{})
	b.recv.Answer(func(receivertest.Hit) receivertest.Reply { return receivertest.Reply{Block: release} })
	wf := b.save(bigOrders)
	var runs []string
	for i := range 6 { // one worker, two places: four runs queue
		runs = append(runs, b.accept(wf, fmt.Sprintf(`{"id":"o%d","amount":5000,"customer":"c"}`, i)))
	}
	queued := 0
	for _, id := range runs {
		r, err := b.db.RunGet(b.ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		if r.Status == store.StatusQueued {
			queued++
			if got := b.results(id); r.NextStep != 0 || len(got) != 0 {
				t.Errorf("queued run at step %d with %d records; want step 0, none", r.NextStep, len(got))
			}
		}
	}
	if queued == 0 {
		t.Fatal("no run was queued; the test needs a busy engine")
	}
	close(release)
	for _, id := range runs {
		b.waitStatus(id, store.StatusSucceeded)
		if got := stepsOf(b.results(id)); got != "big:succeeded shape:succeeded notify:succeeded" {
			t.Errorf("run %s steps = %q; want each step once", id, got)
		}
	}
}

// TestRunAtAcceptDeferredPayload checks a payload that LazyPayload left
// undecoded: a step that does not read it leaves it so, a later step that
// does (here a webhook, run by a worker from the state the accept left)
// sees it whole, and a body sent on as it is goes byte for byte.
func TestRunAtAcceptDeferredPayload(t *testing.T) {
	t.Parallel()
	b := setup(t, withConfig(func(c *Config) { c.PollInterval = time.Hour }))
	wf := b.save(`{"format": "hookflow/v1", "id": "lazy", "name": "Lazy",
		"trigger": {"type": "webhook"},
		"steps": [
			{"id": "orders", "type": "filter", "expr": "trigger.headers['x-kind'] == 'order'"},
			{"id": "relay", "type": "webhook", "url": "{{ vars.recv }}/as-is"},
			{"id": "notify", "type": "webhook", "url": "{{ vars.recv }}/orders/{{ payload.id }}",
			 "body": "{id: payload.id, n: payload.items[1].n}"}
		]}`)
	const body = `{ "id":"o-7",  "items":[{"n":1},{"n":2}], "note":"\u00e9" }`
	event := func(kind string) store.Event {
		ev := jsonEvent(body)
		ev.Headers["x-kind"] = kind
		ev.WorkflowID, ev.ID = wf.ID, newID()
		return ev
	}

	ev := event("order")
	payload := LazyPayload(&ev)
	if !payload.Deferred || !payload.JSON || payload.Value != nil {
		t.Fatalf("LazyPayload of a JSON body = %+v; want deferred", payload)
	}
	p := store.EventAcceptParams{Event: ev, RunID: newID(), Revision: wf.Revision}
	st := b.engine.runAtAccept(b.ctx, &p, &payload)
	if st == nil || p.NextStep != 1 || !p.Results[0].InputIsEventBody {
		t.Fatalf("run at accept: state %v, next step %d, results %+v; want the filter run, its input the body", st != nil, p.NextStep, p.Results)
	}
	if !st.payloadPending {
		t.Error("the filter on headers decoded the payload")
	}
	if got, _ := st.payload().(map[string]any); got["id"] != "o-7" {
		t.Errorf("payload once decoded = %#v", st.payload())
	}

	for _, kind := range []string{"invoice", "order"} {
		ev := event(kind)
		payload := LazyPayload(&ev)
		res, err := b.engine.Accept(b.ctx, AcceptParams{WorkflowID: wf.ID, Revision: wf.Revision, Event: ev, Payload: &payload})
		if err != nil {
			t.Fatalf("Accept: %v", err)
		}
		if kind == "invoice" {
			if r, err := b.db.RunGet(b.ctx, res.RunID); err != nil || r.Status != store.StatusFiltered {
				t.Errorf("the invoice's run = %+v, %v; want filtered at accept", r, err)
			}
			continue
		}
		b.waitStatus(res.RunID, store.StatusSucceeded)
	}
	hits := b.recv.Wait(t, 2)
	byPath := map[string]string{}
	for _, h := range hits {
		byPath[h.Path] = string(h.Body)
	}
	if got := byPath["/as-is"]; got != body {
		t.Errorf("body sent on = %q, want the event's %q", got, body)
	}
	jsonEqual(t, "body built from the payload", []byte(byPath["/orders/o-7"]), `{"id":"o-7","n":2}`)
}

// TestPreparePayload: the body is decoded at once for a workflow that
// reads its payload, and only checked for one that never does.
func TestPreparePayload(t *testing.T) {
	t.Parallel()
	ev := jsonEvent(`{"n": 1}`)
	for def, deferred := range map[string]bool{
		`{"format": "hookflow/v1", "name": "h", "trigger": {"type": "webhook"},
		  "steps": [{"id": "f", "type": "filter", "expr": "trigger.headers['x'] == '1'"}]}`: true,
		`{"format": "hookflow/v1", "name": "p", "trigger": {"type": "webhook"},
		  "steps": [{"id": "f", "type": "filter", "expr": "payload.n == 1"}]}`: false,
	} {
		c, err := compileDefinition([]byte(def))
		if err != nil {
			t.Fatal(err)
		}
		p := PreparePayload(c, &ev)
		if p.Deferred != deferred || !p.JSON || (deferred != (p.Value == nil)) {
			t.Errorf("%s: Deferred %v, JSON %v, Value %v; want deferred %v", c.Workflow.Name, p.Deferred, p.JSON, p.Value, deferred)
		}
	}
}
