package engine

import (
	"fmt"
	"os"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/hookflow/hookflow/store"
)

// laterWorkflow waits ten minutes, then posts to the receiver.
const laterWorkflow = `{
  "format": "hookflow/v1", "id": "later", "name": "Ten minutes later",
  "trigger": {"type": "webhook"},
  "steps": [
    {"id": "wait", "type": "delay", "for": "10m"},
    {"id": "notify", "type": "webhook", "url": "{{ vars.recv }}/later"}
  ]
}`

// waitingRuns stores n runs of wf as an engine leaves them in its first
// step, a delay, until due (a thousand to a transaction), and returns their
// ids.
func (b *bundle) waitingRuns(wf store.Workflow, n int, due time.Time) []string {
	b.t.Helper()
	ids := make([]string, 0, n)
	for len(ids) < n {
		size := min(n-len(ids), 1000)
		accepts := make([]store.EventAcceptParams, size)
		updates := make([]store.RunUpdateParams, size)
		for i := range accepts {
			ev := jsonEvent(fmt.Sprintf(`{"n":%d}`, len(ids)+i))
			ev.ID, ev.WorkflowID, ev.ReceivedAt = newID(), wf.ID, due.Add(-10*time.Minute)
			id := newID()
			accepts[i] = store.EventAcceptParams{Event: ev, RunID: id, Revision: wf.Revision,
				Owner: "earlier", LeaseUntil: due}
			updates[i] = store.RunUpdateParams{ID: id, Owner: "earlier", Attempt: 1, Status: store.StatusWaiting,
				NextStep: 1, RunAt: due, Now: ev.ReceivedAt, Results: []store.StepResult{{RunID: id, StepID: "wait",
					Attempt: 1, Status: store.StepWaiting, Input: []byte(`{}`), StartedAt: ev.ReceivedAt}}}
			ids = append(ids, id)
		}
		if _, err := b.db.EventAccept(b.ctx, accepts); err != nil {
			b.t.Fatalf("EventAccept: %v", err)
		}
		if errs, err := b.db.RunUpdateMany(b.ctx, updates); err != nil || errs[0] != nil {
			b.t.Fatalf("RunUpdateMany: %v, %v", err, errs[0])
		}
	}
	return ids
}

// steadyLoad accepts events of wf from four callers, each a few
// milliseconds after the last, until the test ends: runs that workers take
// as they are accepted, and finish all the time.
func (b *bundle) steadyLoad(wf store.Workflow) {
	b.t.Helper()
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			for {
				select {
				case <-stop:
					return
				case <-time.After(2 * time.Millisecond):
				}
				_, _ = b.engine.Accept(b.ctx, AcceptParams{WorkflowID: wf.ID, Revision: wf.Revision, Event: jsonEvent(`{}`)})
			}
		})
	}
	b.t.Cleanup(func() { close(stop); wg.Wait() }) // before the engine stops
}

// TestDueRunsClaimedUnderSteadyLoad is issue 15's "due runs left waiting":
// runs waiting in a delay come due while other runs keep the workers
// freeing up more often than the poll interval, and are claimed all the
// same. (The dispatcher used to set its poll timer anew each time a worker
// freed up, so under such a load it never fired.)
func TestDueRunsClaimedUnderSteadyLoad(t *testing.T) {
	t.Parallel()
	c := newClock()
	b := setup(t, withClock(c), notStarted(), withConfig(func(cfg *Config) { cfg.PollInterval = time.Second }))
	later := b.save(laterWorkflow)
	busy := b.save(oneWebhook)
	ids := b.waitingRuns(later, 50, t0.Add(10*time.Minute))
	b.start(b.engine)
	b.steadyLoad(busy)
	waitUntil(t, "the load under way", func() bool { return len(b.recv.On("/hook")) >= 50 })

	c.Advance(11 * time.Minute)
	for _, id := range ids {
		if r := b.waitFinished(id); r.Status != store.StatusSucceeded {
			t.Errorf("run %s = %s, %q; want succeeded", id, r.Status, r.Error)
		}
	}
	if n := len(b.recv.On("/later")); n != len(ids) {
		t.Errorf("receiver got %d requests of the runs that came due, want %d", n, len(ids))
	}
}

// TestDueRunFromTheStoreClaimedWhenDue: a run that comes due in the store
// (put there before this engine started) is claimed then, not at the next
// poll an hour later.
func TestDueRunFromTheStoreClaimedWhenDue(t *testing.T) {
	t.Parallel()
	b := setup(t, notStarted(), withConfig(func(cfg *Config) { cfg.PollInterval = time.Hour }))
	due := time.Now().Add(300 * time.Millisecond)
	id := b.waitingRuns(b.save(laterWorkflow), 1, due)[0]
	b.start(b.engine)
	if r := b.waitFinished(id); r.Status != store.StatusSucceeded {
		t.Errorf("run = %s, %q; want succeeded", r.Status, r.Error)
	}
	if hits := b.recv.On("/later"); len(hits) != 1 || hits[0].At.Before(due) {
		t.Errorf("receiver got %d requests (first at %v); want one, once the run was due at %v", len(hits), hits, due)
	}
}

// TestDelayResumesWhenDue: a run this engine puts in a short delay
// resumes when the delay ends, not at the next poll an hour later.
func TestDelayResumesWhenDue(t *testing.T) {
	t.Parallel()
	b := setup(t, withConfig(func(cfg *Config) { cfg.PollInterval = time.Hour }))
	b.settled()
	wf := b.save(`{
  "format": "hookflow/v1", "id": "soon", "name": "A moment later",
  "trigger": {"type": "webhook"},
  "steps": [
    {"id": "wait", "type": "delay", "for": "300ms"},
    {"id": "notify", "type": "webhook", "url": "{{ vars.recv }}/soon"}
  ]
}`)
	sent := time.Now()
	run := b.accept(wf, `{}`)
	if r := b.waitFinished(run); r.Status != store.StatusSucceeded {
		t.Errorf("run = %s, %q; want succeeded", r.Status, r.Error)
	}
	if hits := b.recv.On("/soon"); len(hits) != 1 || hits[0].At.Sub(sent) < 300*time.Millisecond {
		t.Errorf("receiver got %d requests; want one, 300ms or more after the event", len(hits))
	}
}

// TestDueRunsAtScale is the scenario of issue 15's "due runs left
// waiting" at its scale: 100,000 runs waiting in a ten-minute delay, an
// engine restarted on them, a steady load on another workflow, and then
// all of them come due. Every one is delivered. It checks the scale, not
// the cause (TestDueRunsClaimedUnderSteadyLoad holds that): at this size
// the load's own pauses (the writer's checkpoints) let even the old
// dispatcher's timer fire now and then. It takes minutes, so it runs only
// with HOOKFLOW_TEST_SCALE set (to the number of runs, or 1 for 100,000).
func TestDueRunsAtScale(t *testing.T) {
	n, _ := strconv.Atoi(os.Getenv("HOOKFLOW_TEST_SCALE"))
	if n <= 0 {
		t.Skip("HOOKFLOW_TEST_SCALE is not set")
	}
	if n == 1 {
		n = 100_000
	}
	c := newClock()
	b := setup(t, withClock(c), notStarted())
	later := b.save(laterWorkflow)
	busy := b.save(oneWebhook)
	start := time.Now()
	b.waitingRuns(later, n, t0.Add(10*time.Minute))
	t.Logf("%d waiting runs stored in %v", n, time.Since(start).Round(time.Millisecond))

	// The restart: the store opened anew, an engine started on it.
	if err := b.db.Close(); err != nil {
		t.Fatal(err)
	}
	b.db = openStore(t, b.path)
	b.spy = &spyStore{Store: b.db}
	b.engine = b.newEngine(batchSpy{b.spy}, func(cfg *Config) { cfg.PollInterval = 500 * time.Millisecond }) // serve's
	b.start(b.engine)
	b.steadyLoad(busy)
	waitUntil(t, "the load under way", func() bool { return len(b.recv.On("/hook")) >= 50 })

	c.Advance(11 * time.Minute)
	start = time.Now()
	const within = 10 * time.Minute
	deadline := start.Add(within)
	var first time.Duration
	for {
		got := len(b.recv.On("/later"))
		if got > 0 && first == 0 {
			first = time.Since(start)
		}
		if got >= n {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d of %d runs delivered within %v of coming due (%d claims)", got, n, within, b.spy.claimCount())
		}
		time.Sleep(100 * time.Millisecond)
	}
	elapsed := time.Since(start)
	t.Logf("%d runs delivered in %v after coming due (%.0f/s; the first after %v), %d claims", n, elapsed.Round(time.Millisecond),
		float64(n)/elapsed.Seconds(), first.Round(time.Millisecond), b.spy.claimCount())
}
