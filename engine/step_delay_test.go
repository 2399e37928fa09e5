package engine

import (
	"testing"
	"time"

	"github.com/hookflow/hookflow/store"
)

// TestDelay: a delay step leaves the run waiting in the store until its
// time comes, then the run goes on at the next step.
func TestDelay(t *testing.T) {
	t.Parallel()
	c := newClock()
	b := setup(t, withClock(c))
	wf := b.save(`{
  "format": "hookflow/v1", "id": "later", "name": "Later",
  "trigger": {"type": "webhook"},
  "steps": [
    {"id": "shape", "type": "transform", "expr": "{order: payload.id}"},
    {"id": "wait", "type": "delay", "for": "1h"},
    {"id": "notify", "type": "webhook", "url": "{{ vars.recv }}/hook",
     "body": "{order: payload.order, until: steps.wait.until}"}
  ]
}`)
	run := b.accept(wf, `{"id":"A-3"}`)

	r := b.waitStatus(run, store.StatusWaiting)
	until := t0.Add(time.Hour)
	if !r.RunAt.Equal(until) || r.NextStep != 2 || r.LeaseOwner != "" {
		t.Errorf("waiting run = due %v, next step %d, lease %q; want due %v, at step 2, released", r.RunAt, r.NextStep, r.LeaseOwner, until)
	}
	wait := b.resultsOf(run, "wait")
	if len(wait) != 1 || wait[0].Status != store.StepWaiting {
		t.Fatalf("delay results = %+v, want one waiting", wait)
	}
	jsonEqual(t, "delay output", wait[0].Output, `{"until":"2026-11-22T13:00:00Z"}`)

	c.Advance(time.Hour - time.Second)
	time.Sleep(100 * time.Millisecond) // several polls: not due yet
	if got := b.recv.Count(); got != 0 {
		t.Fatalf("receiver got %d requests before the delay ended", got)
	}
	c.Advance(time.Second)
	if r := b.waitFinished(run); r.Status != store.StatusSucceeded {
		t.Fatalf("run = %s (%q), want succeeded", r.Status, r.Error)
	}
	hits := b.recv.Hits()
	if len(hits) != 1 {
		t.Fatalf("receiver got %d requests, want 1", len(hits))
	}
	// The resumed run has the payload and step outputs it had.
	jsonEqual(t, "body", hits[0].Body, `{"order":"A-3","until":"2026-11-22T13:00:00Z"}`)
	if got := len(b.resultsOf(run, "shape")); got != 1 {
		t.Errorf("transform ran %d times, want once", got)
	}
}

// TestDelayUntil: until computes the end; a time already past does not wait.
func TestDelayUntil(t *testing.T) {
	t.Parallel()
	c := newClock()
	b := setup(t, withClock(c))
	wf := b.save(`{
  "format": "hookflow/v1", "id": "until", "name": "Until",
  "trigger": {"type": "webhook"},
  "steps": [
    {"id": "wait", "type": "delay", "until": "payload.at"},
    {"id": "notify", "type": "webhook", "url": "{{ vars.recv }}/hook"}
  ]
}`)
	future := b.accept(wf, `{"at":"2026-11-22T12:30:00Z"}`)
	past := b.accept(wf, `{"at":"2026-11-22T11:00:00Z"}`)

	if r := b.waitStatus(future, store.StatusWaiting); !r.RunAt.Equal(t0.Add(30 * time.Minute)) {
		t.Errorf("run due %v, want %v", r.RunAt, t0.Add(30*time.Minute))
	}
	if r := b.waitFinished(past); r.Status != store.StatusSucceeded {
		t.Errorf("run with a past time = %s (%q), want succeeded at once", r.Status, r.Error)
	}
	c.Advance(30 * time.Minute)
	if r := b.waitFinished(future); r.Status != store.StatusSucceeded {
		t.Errorf("run = %s (%q), want succeeded", r.Status, r.Error)
	}
}

// TestWhenSkips: a step whose when is false is skipped and recorded so;
// the run goes on.
func TestWhenSkips(t *testing.T) {
	t.Parallel()
	b := setup(t)
	wf := b.save(`{
  "format": "hookflow/v1", "id": "route", "name": "Route",
  "trigger": {"type": "webhook"},
  "steps": [
    {"id": "sales", "type": "webhook", "when": "payload.topic == 'sales'", "url": "{{ vars.recv }}/sales"},
    {"id": "support", "type": "webhook", "when": "payload.topic == 'support'", "url": "{{ vars.recv }}/support"},
    {"id": "log", "type": "webhook", "url": "{{ vars.recv }}/log",
     "body": "{sales: steps.sales, support: steps.support.status}"}
  ]
}`)
	run := b.accept(wf, `{"topic":"support"}`)
	if r := b.waitFinished(run); r.Status != store.StatusSucceeded {
		t.Fatalf("run = %s (%q), want succeeded", r.Status, r.Error)
	}
	rs := b.results(run)
	if len(rs) != 3 || rs[0].Status != store.StepSkipped || rs[1].Status != store.StepSucceeded || rs[2].Status != store.StepSucceeded {
		t.Fatalf("step results = %+v; want skipped, succeeded, succeeded", rs)
	}
	if len(b.recv.On("/sales")) != 0 || len(b.recv.On("/support")) != 1 {
		t.Errorf("requests: %d to /sales, %d to /support; want 0 and 1", len(b.recv.On("/sales")), len(b.recv.On("/support")))
	}
	log := b.recv.On("/log")
	if len(log) != 1 {
		t.Fatalf("%d requests to /log, want 1", len(log))
	}
	jsonEqual(t, "log body", log[0].Body, `{"sales":null,"support":200}`)
}

// TestWhenError: a when that cannot be evaluated fails the run.
func TestWhenError(t *testing.T) {
	t.Parallel()
	b := setup(t)
	wf := b.save(`{
  "format": "hookflow/v1", "id": "bad-when", "name": "Bad when",
  "trigger": {"type": "webhook"},
  "steps": [{"id": "notify", "type": "webhook", "when": "payload.n > 1", "url": "{{ vars.recv }}/hook"}]
}`)
	run := b.accept(wf, `{"n":"many"}`)
	r := b.waitFinished(run)
	if r.Status != store.StatusFailed {
		t.Errorf("run = %s, want failed", r.Status)
	}
	if rs := b.results(run); len(rs) != 1 || rs[0].Status != store.StepFailed || rs[0].Error == "" {
		t.Errorf("step results = %+v, want one failed with the when error", rs)
	}
	if got := b.recv.Count(); got != 0 {
		t.Errorf("receiver got %d requests, want 0", got)
	}
}
