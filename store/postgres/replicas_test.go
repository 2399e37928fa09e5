package postgres

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/hookflow/hookflow/store"
	"github.com/hookflow/hookflow/triggers"
)

// fanout turns each event into one outbound webhook: a transform, then the
// delivery, whose body names the event (n) and the run.
const fanout = `{
  "format": "hookflow/v1", "id": "fanout", "name": "Fan-out",
  "trigger": {"type": "webhook", "methods": ["POST"]},
  "steps": [
    {"id": "shape", "type": "transform", "expr": "{n: payload.n}"},
    {"id": "deliver", "type": "webhook", "url": "{{ vars.recv }}/deliver", "timeout": "1s",
     "body": "{n: payload.n, run: run.id, resumed: payload.resumed ?? false}",
     "retry": {"max_attempts": 5, "initial": "100ms", "max": "1s"}}
  ]
}`

// TestReplicasDeliverOnce: 400 events posted alternately to two, then
// three, replicas on one database are each delivered exactly once, and the
// replicas share the work.
func TestReplicasDeliverOnce(t *testing.T) {
	t.Parallel()
	testURL(t)
	for _, n := range []int{2, 3} {
		t.Run(fmt.Sprintf("%d replicas", n), func(t *testing.T) {
			t.Parallel()
			const events = 400
			c := newCluster(t, n)
			wf := c.save(fanout)
			acked := c.postAll(wf.HookKey, events, 16, c.replicas)
			if len(acked) != events {
				t.Fatalf("%d of %d events acknowledged", len(acked), events)
			}
			c.waitDelivered(wf.ID, acked)

			dels, total := c.deliveries()
			if len(dels) != events || total != events {
				t.Errorf("receiver got %d requests under %d webhook-ids, want %d of each", total, len(dels), events)
			}
			for id, d := range dels {
				if d.hits != 1 {
					t.Errorf("webhook-id %s (event %d, run %s) delivered %d times", id, d.n, d.run, d.hits)
				}
				if acked[d.n] != d.run {
					t.Errorf("event %d delivered by run %s, but its trigger answered run %s", d.n, d.run, acked[d.n])
				}
			}
			claimedBy := map[string]string{}
			for _, r := range c.replicas {
				runs := r.spy.claimedRuns()
				t.Logf("%s executed %d runs", r.name, len(runs))
				if len(runs) == 0 {
					t.Errorf("%s executed no run: the work is not shared", r.name)
				}
				for id := range runs {
					if other, ok := claimedBy[id]; ok {
						t.Errorf("run %s claimed by %s and %s", id, other, r.name)
					}
					claimedBy[id] = r.name
				}
			}
			if len(claimedBy) != events {
				t.Errorf("%d runs claimed, want %d (each once)", len(claimedBy), events)
			}
		})
	}
}

// TestReplicaDiesBeforeFinishing: a replica acknowledges events (their
// runs created leased to it, as an engine accepts them) and dies without a
// word, one run with its first step recorded; once the lease expires the
// others deliver every run, the dead replica's too, each exactly once,
// resuming at the step it had reached.
func TestReplicaDiesBeforeFinishing(t *testing.T) {
	t.Parallel()
	const live, dead = 80, 40
	c := newCluster(t, 2)
	wf := c.save(fanout)
	ctx := context.Background()

	// The dead replica's accepts: what its engine writes for events it
	// acknowledged, then nothing more.
	diedAt := time.Now()
	acked := map[int]string{}
	ps := make([]store.EventAcceptParams, dead)
	for i := range ps {
		n := live + i
		ps[i] = store.EventAcceptParams{
			Event: store.Event{ID: uuid.Must(uuid.NewV7()).String(), WorkflowID: wf.ID, Source: "webhook", Method: "POST",
				Headers: map[string]string{"content-type": "application/json"}, Body: fmt.Appendf(nil, `{"n":%d}`, n),
				ReceivedAt: diedAt},
			RunID: uuid.Must(uuid.NewV7()).String(), Revision: wf.Revision,
			Owner: "replica-dead", LeaseUntil: diedAt.Add(leaseFor),
		}
		acked[n] = ps[i].RunID
	}
	if _, err := c.replicas[0].db.EventAccept(ctx, ps); err != nil {
		t.Fatalf("dead replica's EventAccept: %v", err)
	}
	// Its first run got as far as recording its first step, with an output
	// the transform would not make, to see the survivors resume rather than
	// redo it.
	resumed, resumedN := ps[0].RunID, live
	if err := c.replicas[0].db.RunUpdate(ctx, store.RunUpdateParams{
		ID: resumed, Owner: "replica-dead", Attempt: 1, Status: store.StatusRunning, NextStep: 1,
		Results: []store.StepResult{{StepID: "shape", StepIndex: 0, Attempt: 1, Status: store.StepSucceeded,
			Input: []byte(`{}`), Output: fmt.Appendf(nil, `{"n":%d,"resumed":true}`, resumedN), StartedAt: diedAt}},
		Now: diedAt,
	}); err != nil {
		t.Fatalf("dead replica's RunUpdate: %v", err)
	}
	deadRuns := map[string]bool{}
	for _, p := range ps {
		deadRuns[p.RunID] = true
	}

	// The live replicas acknowledge more meanwhile.
	for n, run := range c.postAll(wf.HookKey, live, 8, c.replicas) {
		acked[n] = run
	}
	if len(acked) != live+dead {
		t.Fatalf("%d of %d events acknowledged", len(acked), live+dead)
	}
	c.waitDelivered(wf.ID, acked)

	dels, total := c.deliveries()
	if total != live+dead || len(dels) != live+dead {
		t.Errorf("receiver got %d requests under %d webhook-ids, want %d of each", total, len(dels), live+dead)
	}
	var resumedBody []byte
	for _, d := range dels {
		if d.hits != 1 {
			t.Errorf("event %d (run %s) delivered %d times", d.n, d.run, d.hits)
		}
		if d.run == resumed {
			resumedBody = d.body
		}
		if deadRuns[d.run] {
			if after := d.first.Sub(diedAt); after < leaseFor {
				t.Errorf("dead replica's run %s delivered %v after it died, before its %v lease expired", d.run, after, leaseFor)
			}
			if r, err := c.replicas[1].db.RunGet(ctx, d.run); err != nil || r.Attempt != 2 || r.Status != store.StatusSucceeded {
				t.Errorf("dead replica's run: %+v, %v; want succeeded at attempt 2", r, err)
			}
		}
	}
	var body struct {
		N       int  `json:"n"`
		Resumed bool `json:"resumed"`
	}
	if err := json.Unmarshal(resumedBody, &body); err != nil || body.N != resumedN || !body.Resumed {
		t.Errorf("run resumed after its recorded first step sent %s; want the recorded output (n %d, resumed)", resumedBody, resumedN)
	}
	for _, r := range c.replicas {
		t.Logf("%s executed %d runs", r.name, len(r.spy.claimedRuns()))
	}
}

// TestReplicaKilledMidFlight: one of three replicas is killed (as by
// SIGKILL) while it is sending; the others deliver every event any replica
// acknowledged, the killed one's included, once its leases expire. A run
// is delivered twice only where the killed replica had it: it may have
// sent the request and died before recording it (at-least-once, the same
// webhook-id both times). The engine extends a run's lease to the step's
// timeout plus 30s before sending, so this waits about 31s.
func TestReplicaKilledMidFlight(t *testing.T) {
	if testing.Short() {
		t.Skip("waits for a killed replica's leases to expire (about 31s); skipped with -short")
	}
	t.Parallel()
	const events = 300
	c := newCluster(t, 3)
	c.recvDelay.Store(int64(20 * time.Millisecond)) // keep deliveries in flight
	wf := c.save(fanout)
	victim := c.replicas[0]

	var (
		acked    map[int]string
		killedAt time.Time
		wg       sync.WaitGroup
	)
	wg.Go(func() {
		for {
			if _, total := c.deliveries(); total >= 60 {
				killedAt = time.Now()
				victim.kill()
				return
			}
			time.Sleep(2 * time.Millisecond)
		}
	})
	acked = c.postAll(wf.HookKey, events, 8, c.replicas)
	wg.Wait()
	if len(acked) < events*2/3 {
		t.Fatalf("only %d of %d events acknowledged", len(acked), events)
	}
	c.waitDelivered(wf.ID, acked)
	recovered := time.Since(killedAt)

	victimRuns := victim.spy.claimedRuns()
	dels, total := c.deliveries()
	redelivered := 0
	for _, d := range dels {
		if d.hits > 1 {
			redelivered++
			if !victimRuns[d.run] {
				t.Errorf("run %s delivered %d times, but the killed replica never had it", d.run, d.hits)
			}
		}
	}
	perEvent := c.byN()
	for n := range acked {
		if perEvent[n] != 1 {
			t.Errorf("event %d delivered under %d webhook-ids, want 1 (one run)", n, perEvent[n])
		}
	}
	taken := 0
	for id := range victimRuns {
		r, err := c.replicas[1].db.RunGet(context.Background(), id)
		if err != nil || r.Status != store.StatusSucceeded {
			t.Errorf("killed replica's run %s: %s, %v; want succeeded", id, r.Status, err)
		}
		if r.Attempt > 1 {
			taken++
		}
	}
	t.Logf("%d events acknowledged, %d requests for %d webhook-ids; the killed replica had %d runs, "+
		"%d taken over by the others, %d redelivered; everything delivered %v after the kill",
		len(acked), total, len(dels), len(victimRuns), taken, redelivered, recovered.Round(time.Millisecond))
	if taken == 0 {
		t.Errorf("no run taken over from the killed replica: it was not killed mid-flight")
	}
}

// TestReplicasCron: two replicas with a scheduler each on one database fire
// an @every 1s workflow once per tick: both schedulers accept every tick,
// the idempotency key "cron:<tick>" lets one run through. The replicas'
// clock is the test's: each tick waits until both schedulers accepted it.
func TestReplicasCron(t *testing.T) {
	t.Parallel()
	const ticks = 3
	clock := &fakeClock{now: time.Now().UTC().Truncate(time.Second)}
	c := newClusterClock(t, 2, clock.Now)
	wf := c.save(`{
  "format": "hookflow/v1", "id": "tick", "name": "Tick",
  "trigger": {"type": "cron", "schedule": "@every 1s"},
  "steps": [{"id": "deliver", "type": "webhook", "url": "{{ vars.recv }}/tick", "body": "{run: run.id}"}]
}`)
	ctx, cancel := context.WithCancel(context.Background())
	var (
		wg    sync.WaitGroup
		crons []*triggers.Cron
	)
	for _, r := range c.replicas {
		cron := triggers.NewCron(triggers.CronConfig{Engine: r.engine, Refresh: 100 * time.Millisecond})
		crons = append(crons, cron)
		wg.Go(func() { cron.Run(ctx) })
	}
	c.waitUntil("both schedulers to load the workflow", func() bool {
		return c.replicas[0].spy.listed() && c.replicas[1].spy.listed()
	})
	for i := 1; i <= ticks; i++ {
		clock.add(time.Second)
		for _, cron := range crons {
			cron.Reload() // the test's clock does not wake them
		}
		c.waitUntil(fmt.Sprintf("both schedulers to accept tick %d", i), func() bool {
			a, _ := c.replicas[0].spy.cronStats()
			b, _ := c.replicas[1].spy.cronStats()
			return a >= i && b >= i
		})
	}
	cancel()
	wg.Wait()

	runs, err := c.replicas[0].db.RunList(context.Background(), store.RunListParams{WorkflowID: wf.ID, Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	keys := map[string]bool{}
	for _, r := range runs {
		ev, err := c.replicas[0].db.EventGet(context.Background(), r.EventID)
		if err != nil {
			t.Fatal(err)
		}
		if keys[ev.IdempotencyKey] {
			t.Errorf("tick %s started two runs", ev.IdempotencyKey)
		}
		keys[ev.IdempotencyKey] = true
	}
	if len(runs) != ticks {
		t.Errorf("%d ticks accepted by both schedulers started %d runs, want one each", ticks, len(runs))
	}
	duplicates := 0
	for _, r := range c.replicas {
		accepts, dups := r.spy.cronStats()
		t.Logf("%s's scheduler accepted %d ticks, %d of them already taken", r.name, accepts, dups)
		if accepts != ticks {
			t.Errorf("%s's scheduler accepted %d ticks, want %d", r.name, accepts, ticks)
		}
		duplicates += dups
	}
	if duplicates != ticks {
		t.Errorf("%d ticks found taken by the other scheduler, want %d (one of each tick's two accepts)", duplicates, ticks)
	}
	c.waitDelivered(wf.ID, nil)
	dels, total := c.deliveries()
	if len(dels) != len(runs) || total != len(runs) {
		t.Errorf("receiver got %d requests under %d webhook-ids for %d runs, want one each", total, len(dels), len(runs))
	}
}

// TestReplicasSeeSavedWorkflow: a workflow saved through one replica is
// served by another's trigger at once when new, and once its trigger cache
// (a second) has passed when revised or disabled. The replicas' clock is
// the test's, so the second is one step of it.
func TestReplicasSeeSavedWorkflow(t *testing.T) {
	t.Parallel()
	clock := &fakeClock{now: time.Now().UTC()}
	c := newClusterClock(t, 2, clock.Now)
	a, b := c.replicas[0], c.replicas[1]
	def := func(expr string, enabled bool) string {
		return fmt.Sprintf(`{"format": "hookflow/v1", "id": "edit", "name": "Edit", "enabled": %v,
			"trigger": {"type": "webhook"}, "steps": [{"id": "t", "type": "transform", "expr": %q}]}`, enabled, expr)
	}
	wf := c.saveOn(a, def("1", true))
	// served asks replica b: the status and, for a 202, the run's revision.
	served := func() (int, int) {
		t.Helper()
		status, resp, err := c.post(b, wf.HookKey, `{}`)
		if err != nil {
			t.Fatal(err)
		}
		if status != http.StatusAccepted {
			return status, 0
		}
		id, _ := resp["run_id"].(string)
		r, err := b.db.RunGet(context.Background(), id)
		if err != nil {
			t.Fatalf("RunGet(%q): %v", id, err)
		}
		return status, r.Revision
	}
	if status, rev := served(); status != http.StatusAccepted || rev != 1 {
		t.Fatalf("new workflow on the other replica: %d, revision %d; want 202 at once, revision 1", status, rev)
	}

	// b has revision 1 cached: the new revision is served once the cache's
	// second has passed on b's clock.
	saved := c.saveOn(a, def("2", true))
	clock.add(time.Second)
	if status, rev := served(); status != http.StatusAccepted || rev != saved.Revision {
		t.Fatalf("a second after revision %d was saved: %d, revision %d", saved.Revision, status, rev)
	}

	c.saveOn(a, def("2", false))
	clock.add(time.Second)
	if status, _ := served(); status != http.StatusNotFound {
		t.Errorf("a second after the workflow was disabled: %d, want 404", status)
	}
}

// TestReplicasSyncResponse: a sync trigger on replica a whose run goes on
// on replica b still answers with the respond step (a polls the store). The
// run starts on a, which accepted it; its first step is refused once (503)
// and retried, and the retry is claimed by b (a claims nothing).
func TestReplicasSyncResponse(t *testing.T) {
	t.Parallel()
	c := newCluster(t, 2)
	a, b := c.replicas[0], c.replicas[1]
	a.spy.noClaim.Store(true)
	c.failFirst.Store(true)
	wf := c.save(`{
  "format": "hookflow/v1", "id": "ask", "name": "Ask",
  "trigger": {"type": "webhook", "response": {"mode": "sync", "timeout": "10s"}},
  "steps": [
    {"id": "check", "type": "webhook", "url": "{{ vars.recv }}/check", "body": "{run: run.id}",
     "retry": {"max_attempts": 3, "initial": "100ms", "max": "200ms"}},
    {"id": "answer", "type": "respond", "status": 201, "body": "{order: payload.order, answered: true}"}
  ]
}`)
	var runs []string
	for i := range 3 {
		start := time.Now()
		status, resp, err := c.post(a, wf.HookKey, fmt.Sprintf(`{"order": "A-%d"}`, i))
		if err != nil {
			t.Fatal(err)
		}
		if status != http.StatusCreated || resp["order"] != fmt.Sprintf("A-%d", i) || resp["answered"] != true {
			t.Fatalf("sync answer from replica a = %d %v; want 201 with the respond step's body", status, resp)
		}
		t.Logf("sync answer across replicas in %v", time.Since(start).Round(time.Millisecond))
		dels, _ := c.deliveries()
		for _, d := range dels {
			if d.hits == 2 && !slices.Contains(runs, d.run) {
				runs = append(runs, d.run)
			}
		}
	}
	if len(runs) != 3 {
		t.Fatalf("%d runs had their step retried, want 3", len(runs))
	}
	claimed := b.spy.claimedRuns()
	for _, id := range runs {
		if !claimed[id] {
			t.Errorf("run %s was not finished by replica b", id)
		}
		if r, err := b.db.RunGet(context.Background(), id); err != nil || r.Status != store.StatusSucceeded || r.Attempt != 2 {
			t.Errorf("run %s: %s at attempt %d, %v; want succeeded at attempt 2 (a, then b)", id, r.Status, r.Attempt, err)
		}
	}
}
