package engine

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/hookflow/hookflow/internal/receivertest"
	"github.com/hookflow/hookflow/store"
)

// TestDeadWorkerRunIsTakenOver: a run claimed by a worker that died is
// claimed again once its lease expires, and finished.
func TestDeadWorkerRunIsTakenOver(t *testing.T) {
	t.Parallel()
	c := newClock()
	b := setup(t, withClock(c), notStarted())
	wf := b.save(`{
  "format": "hookflow/v1", "id": "takeover", "name": "Takeover",
  "trigger": {"type": "webhook"},
  "steps": [
    {"id": "shape", "type": "transform", "expr": "{order: payload.id}"},
    {"id": "notify", "type": "webhook", "url": "{{ vars.recv }}/hook",
     "body": "{order: payload.order, attempt: run.attempt}"}
  ]
}`)

	// Another replica accepted the event and claimed its run, then died.
	ev := jsonEvent(`{"id":"A-1"}`)
	ev.ID, ev.WorkflowID, ev.ReceivedAt = newID(), wf.ID, t0
	runID := newID()
	if _, err := b.db.EventAccept(b.ctx, []store.EventAcceptParams{{Event: ev, RunID: runID, Revision: wf.Revision}}); err != nil {
		t.Fatal(err)
	}
	claimed, err := b.db.RunClaim(b.ctx, store.RunClaimParams{Owner: "dead-worker", Limit: 1, Now: t0, LeaseFor: 30 * time.Second})
	if err != nil || len(claimed) != 1 || claimed[0].ID != runID {
		t.Fatalf("RunClaim = %+v, %v; want the run", claimed, err)
	}

	b.start(b.engine)
	time.Sleep(100 * time.Millisecond) // several polls while the lease holds
	if r, _ := b.db.RunGet(b.ctx, runID); r.LeaseOwner != "dead-worker" || r.Attempt != 1 {
		t.Fatalf("run taken from a live lease: owner %q, attempt %d", r.LeaseOwner, r.Attempt)
	}
	if got := b.recv.Count(); got != 0 {
		t.Fatalf("receiver got %d requests while the lease held", got)
	}

	c.Advance(31 * time.Second)
	r := b.waitFinished(runID)
	if r.Status != store.StatusSucceeded || r.Attempt != 2 {
		t.Errorf("run = %s, attempt %d; want succeeded on attempt 2", r.Status, r.Attempt)
	}
	hits := b.recv.Hits()
	if len(hits) != 1 {
		t.Fatalf("receiver got %d requests, want 1", len(hits))
	}
	// run.attempt counts attempts of the step, not claims of the run.
	jsonEqual(t, "body", hits[0].Body, `{"order":"A-1","attempt":1}`)

	// The dead worker, were it to wake, can no longer write.
	err = b.db.RunUpdate(b.ctx, store.RunUpdateParams{ID: runID, Owner: "dead-worker", Attempt: 1,
		Status: store.StatusFailed, Error: "stale", Now: t0})
	if !errors.Is(err, store.ErrLeaseLost) {
		t.Errorf("stale RunUpdate = %v, want ErrLeaseLost", err)
	}
}

// TestShutdownReleasesInFlightRun: a run whose webhook outlasts the
// shutdown deadline is given back, queued at that step, and a new engine on
// the same database finishes it.
func TestShutdownReleasesInFlightRun(t *testing.T) {
	t.Parallel()
	b := setup(t)
	release := make(chan struct{})
	t.Cleanup(func() { close(release) })
	b.recv.Answer(func(h receivertest.Hit) receivertest.Reply {
		if h.Path == "/slow" && h.PathN == 1 {
			return receivertest.Reply{Block: release}
		}
		return receivertest.Reply{}
	})
	wf := b.save(`{
  "format": "hookflow/v1", "id": "slow", "name": "Slow",
  "trigger": {"type": "webhook"},
  "steps": [
    {"id": "fast", "type": "webhook", "url": "{{ vars.recv }}/fast"},
    {"id": "slow", "type": "webhook", "url": "{{ vars.recv }}/slow"}
  ]
}`)
	run := b.accept(wf, `{"n":1}`)
	waitUntil(t, "the slow request", func() bool { return len(b.recv.On("/slow")) == 1 })

	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if err := b.engine.Shutdown(ctx); err != nil {
		t.Fatalf("Shutdown: %v", err)
	}
	r, err := b.db.RunGet(b.ctx, run)
	if err != nil {
		t.Fatal(err)
	}
	if r.Status != store.StatusQueued || r.LeaseOwner != "" || !r.LeaseUntil.IsZero() || r.NextStep != 1 || r.StepAttempt != 0 {
		t.Errorf("released run = %s, lease %q until %v, next step %d, step attempt %d; want queued, no lease, at step 1, attempt 0",
			r.Status, r.LeaseOwner, r.LeaseUntil, r.NextStep, r.StepAttempt)
	}
	if rs := b.results(run); len(rs) != 1 || rs[0].StepID != "fast" {
		t.Errorf("step results = %+v, want only the finished first step", rs)
	}
	if _, err := b.engine.Accept(b.ctx, AcceptParams{WorkflowID: wf.ID, Revision: wf.Revision, Event: jsonEvent(`{}`)}); !errors.Is(err, ErrNotStarted) {
		t.Errorf("Accept after Shutdown = %v, want ErrNotStarted", err)
	}

	// A restart: the store reopened, a new engine.
	if err := b.db.Close(); err != nil {
		t.Fatal(err)
	}
	b.db = openStore(t, b.path)
	e2 := b.newEngine(b.db, nil)
	b.start(e2)
	r = b.waitFinished(run)
	if r.Status != store.StatusSucceeded || r.Attempt != 2 {
		t.Errorf("run = %s, attempt %d; want succeeded on attempt 2", r.Status, r.Attempt)
	}
	if got := len(b.recv.On("/fast")); got != 1 {
		t.Errorf("first step sent %d times, want once", got)
	}
	slow := b.recv.On("/slow")
	if len(slow) != 2 || slow[0].Header.Get("Webhook-Id") != slow[1].Header.Get("Webhook-Id") {
		t.Errorf("slow step sent %d times; want twice with one webhook-id", len(slow))
	}
}

// TestShutdownWaitsForRuns: with time enough, Shutdown lets the runs in
// flight finish.
func TestShutdownWaitsForRuns(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.recv.Answer(func(receivertest.Hit) receivertest.Reply { return receivertest.Reply{Delay: 100 * time.Millisecond} })
	wf := b.save(oneWebhook)
	run := b.accept(wf, `{}`)
	b.recv.Wait(t, 1)
	ctx, cancel := context.WithTimeout(context.Background(), waitFor)
	defer cancel()
	if err := b.engine.Shutdown(ctx); err != nil {
		t.Fatalf("Shutdown: %v", err)
	}
	if r, _ := b.db.RunGet(b.ctx, run); r.Status != store.StatusSucceeded {
		t.Errorf("run after Shutdown = %s, want succeeded", r.Status)
	}
}

// TestConcurrencyLimit: a workflow with concurrency 1 never has two runs
// executing at once.
func TestConcurrencyLimit(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.recv.Answer(func(receivertest.Hit) receivertest.Reply { return receivertest.Reply{Delay: 30 * time.Millisecond} })
	wf := b.save(`{
  "format": "hookflow/v1", "id": "serial", "name": "Serial",
  "trigger": {"type": "webhook"},
  "steps": [{"id": "notify", "type": "webhook", "url": "{{ vars.recv }}/hook"}],
  "concurrency": 1
}`)
	var runs []string
	for i := range 5 {
		runs = append(runs, b.accept(wf, fmt.Sprintf(`{"n":%d}`, i)))
	}
	for _, id := range runs {
		b.waitStatus(id, store.StatusSucceeded)
	}
	if got := b.recv.Count(); got != 5 {
		t.Errorf("receiver got %d requests, want 5", got)
	}
	if got := b.recv.MaxInFlight(); got != 1 {
		t.Errorf("receiver had %d requests at once, want 1", got)
	}
}

// TestConcurrencyUnlimited: without a limit the same runs overlap, so the
// test above would see a broken limit.
func TestConcurrencyUnlimited(t *testing.T) {
	t.Parallel()
	b := setup(t)
	release := make(chan struct{})
	var once sync.Once
	t.Cleanup(func() { once.Do(func() { close(release) }) })
	b.recv.Answer(func(receivertest.Hit) receivertest.Reply { return receivertest.Reply{Block: release} })
	wf := b.save(oneWebhook)
	for i := range 5 {
		b.accept(wf, fmt.Sprintf(`{"n":%d}`, i))
	}
	waitUntil(t, "5 requests at once", func() bool { return b.recv.MaxInFlight() == 5 })
	once.Do(func() { close(release) })
}

// TestNoClaimWithoutDueRuns checks that runs handed to workers as they are
// accepted cost no claim: the engine asks the store for due runs at start,
// at its poll interval (an hour here) and when runs are left queued, not
// each time a worker frees up.
func TestNoClaimWithoutDueRuns(t *testing.T) {
	t.Parallel()
	b := setup(t, withConfig(func(c *Config) { c.PollInterval = time.Hour }))
	wf := b.save(bigOrders)
	b.settled()
	before := b.spy.claimCount()
	for i := range 30 {
		run := b.accept(wf, fmt.Sprintf(`{"id":"o%d","amount":5000,"customer":"c"}`, i))
		b.waitStatus(run, store.StatusSucceeded)
	}
	if n := b.spy.claimCount() - before; n != 0 {
		t.Errorf("%d claims for 30 runs handed to workers at accept; want none", n)
	}
}
