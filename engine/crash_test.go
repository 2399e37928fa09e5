package engine

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/hookflow/hookflow/internal/receivertest"
	"github.com/hookflow/hookflow/store"
)

// crashedRun stores a run of wf as a process that died executing it
// would leave it, crashes times over: created claimed at accept by the
// first, then claimed again (its lease run out) by each next one, which
// died in it too. Its last lease has expired. The claims leave aside the
// workflows in others.
func (b *bundle) crashedRun(wf store.Workflow, crashes int, others ...string) string {
	b.t.Helper()
	at := time.Now().Add(-time.Hour)
	ev := jsonEvent(`{"id":"A-1"}`)
	ev.ID, ev.WorkflowID, ev.ReceivedAt = newID(), wf.ID, at
	id := newID()
	if _, err := b.db.EventAccept(b.ctx, []store.EventAcceptParams{{Event: ev, RunID: id, Revision: wf.Revision,
		Owner: "dead-0", LeaseUntil: at.Add(time.Second)}}); err != nil {
		b.t.Fatal(err)
	}
	for i := 1; i < crashes; i++ {
		at = at.Add(time.Minute)
		runs, err := b.db.RunClaim(b.ctx, store.RunClaimParams{Owner: fmt.Sprintf("dead-%d", i), Limit: 1, Now: at,
			LeaseFor: time.Second, ExcludeWorkflows: others})
		if err != nil || len(runs) != 1 || runs[0].ID != id {
			b.t.Fatalf("RunClaim = %+v, %v; want run %s", runs, err, id)
		}
	}
	if r, err := b.db.RunGet(b.ctx, id); err != nil || r.UnrecordedClaims != crashes {
		b.t.Fatalf("run %s: %d unrecorded claims, %v; want %d", id, r.UnrecordedClaims, err, crashes)
	}
	return id
}

// TestRunThatCrashedItsWorkerIsFailed: a run whose last three executions
// each ended with its process gone is failed with ErrCrashedWorker when
// claimed again, without executing any of it, and starts its on_failure
// workflow; a run that crashed twice is executed once more.
func TestRunThatCrashedItsWorkerIsFailed(t *testing.T) {
	t.Parallel()
	b := setup(t, notStarted())
	b.save(alertsWorkflow)
	fragile := b.save(`{
  "format": "hookflow/v1", "id": "fragile", "name": "Fragile",
  "trigger": {"type": "webhook"},
  "steps": [
    {"id": "shape", "type": "transform", "expr": "{id: payload.id}"},
    {"id": "notify", "type": "webhook", "url": "{{ vars.recv }}/fragile"}
  ],
  "on_failure": "alerts"
}`)
	sturdy := b.save(`{
  "format": "hookflow/v1", "id": "sturdy", "name": "Sturdy",
  "trigger": {"type": "webhook"},
  "steps": [{"id": "notify", "type": "webhook", "url": "{{ vars.recv }}/sturdy"}]
}`)
	poisoned := b.crashedRun(fragile, DefaultCrashLimit, "sturdy")
	survivor := b.crashedRun(sturdy, DefaultCrashLimit-1, "fragile")

	b.start(b.engine)
	r := b.waitFinished(poisoned)
	if r.Status != store.StatusFailed || r.Error != ErrCrashedWorker.Error() {
		t.Errorf("run that crashed %d times = %s, %q; want failed, %q", DefaultCrashLimit, r.Status, r.Error, ErrCrashedWorker)
	}
	if r.NextStep != 0 || len(b.results(poisoned)) != 0 {
		t.Errorf("failed run at step %d with %d step attempts; want nothing of it executed", r.NextStep, len(b.results(poisoned)))
	}
	if r := b.waitFinished(survivor); r.Status != store.StatusSucceeded {
		t.Errorf("run that crashed %d times = %s, %q; want it executed once more, and succeeded", DefaultCrashLimit-1, r.Status, r.Error)
	}
	alert := waitHitOn(t, b.recv, "/alerts")
	got := mustJSON(t, alert.Body).(map[string]any)
	for k, want := range map[string]any{"run_id": poisoned, "workflow": "fragile", "step": "shape", "error": ErrCrashedWorker.Error()} {
		if got[k] != want {
			t.Errorf("alert %s = %v, want %v", k, got[k], want)
		}
	}
	if n := len(b.recv.On("/fragile")); n != 0 {
		t.Errorf("the failed run sent %d requests, want none", n)
	}
}

// waitHitOn waits for the first hit on a path.
func waitHitOn(t *testing.T, rc *receivertest.Receiver, path string) receivertest.Hit {
	t.Helper()
	waitUntil(t, "a request to "+path, func() bool { return len(rc.On(path)) > 0 })
	return rc.On(path)[0]
}

// TestCrashLimitSetting: the limit is a setting; negative means none.
func TestCrashLimitSetting(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		limit, crashes int
		want           string
	}{
		{limit: 1, crashes: 1, want: store.StatusFailed},
		{limit: 5, crashes: 4, want: store.StatusSucceeded},
		{limit: 5, crashes: 5, want: store.StatusFailed},
		{limit: -1, crashes: 20, want: store.StatusSucceeded},
	} {
		t.Run(fmt.Sprintf("limit %d, %d crashes", c.limit, c.crashes), func(t *testing.T) {
			t.Parallel()
			b := setup(t, notStarted(), withConfig(func(cfg *Config) { cfg.CrashLimit = c.limit }))
			id := b.crashedRun(b.save(oneWebhook), c.crashes)
			b.start(b.engine)
			if r := b.waitFinished(id); r.Status != c.want {
				t.Errorf("run = %s, %q; want %s", r.Status, r.Error, c.want)
			}
		})
	}
}

// TestGracefulRestartsDoNotFailARun: a run whose step outlasts four
// shutdowns in a row, each giving it back unrecorded, is no run that
// crashed its worker: the fifth engine executes it to the end.
func TestGracefulRestartsDoNotFailARun(t *testing.T) {
	t.Parallel()
	b := setup(t)
	release := make(chan struct{})
	var once sync.Once
	t.Cleanup(func() { once.Do(func() { close(release) }) })
	const restarts = DefaultCrashLimit + 1
	b.recv.Answer(func(h receivertest.Hit) receivertest.Reply {
		if h.N <= restarts {
			return receivertest.Reply{Block: release} // until the shutdown cancels it
		}
		return receivertest.Reply{}
	})
	wf := b.save(oneWebhook)
	run := b.accept(wf, `{}`)
	e := b.engine
	for i := 1; i <= restarts; i++ {
		b.recv.Wait(t, i)
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
		err := e.Shutdown(ctx)
		cancel()
		if err != nil {
			t.Fatalf("Shutdown %d: %v", i, err)
		}
		if r, _ := b.db.RunGet(b.ctx, run); r.Status != store.StatusQueued || r.UnrecordedClaims != 0 {
			t.Fatalf("after shutdown %d: run %s with %d unrecorded claims; want queued with none", i, r.Status, r.UnrecordedClaims)
		}
		e = b.newEngine(b.db, nil)
		b.start(e)
	}
	if r := b.waitFinished(run); r.Status != store.StatusSucceeded {
		t.Errorf("run after %d graceful restarts = %s, %q; want succeeded", restarts, r.Status, r.Error)
	}
}

// TestConcurrencyReleasesAreNotCrashes: runs of a workflow at its
// concurrency limit, claimed and given back again and again while they
// wait their turn, all execute.
func TestConcurrencyReleasesAreNotCrashes(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.recv.Answer(func(receivertest.Hit) receivertest.Reply { return receivertest.Reply{Delay: 20 * time.Millisecond} })
	wf := b.save(`{
  "format": "hookflow/v1", "id": "serial", "name": "Serial",
  "trigger": {"type": "webhook"},
  "steps": [{"id": "notify", "type": "webhook", "url": "{{ vars.recv }}/hook"}],
  "concurrency": 1
}`)
	var runs []string
	for i := range 12 {
		runs = append(runs, b.accept(wf, fmt.Sprintf(`{"n":%d}`, i)))
	}
	released := 0
	for _, id := range runs {
		r := b.waitFinished(id)
		if r.Status != store.StatusSucceeded {
			t.Errorf("run %s = %s, %q; want succeeded", id, r.Status, r.Error)
		}
		n := 0
		for _, u := range b.spy.updatesOf(id) {
			if u.Status == store.StatusQueued {
				n++
			}
		}
		released = max(released, n)
	}
	t.Logf("a run was given back up to %d times", released)
	if released <= DefaultCrashLimit {
		t.Fatalf("no run was given back more than %d times: the test did not hold runs back long enough", DefaultCrashLimit)
	}
}
