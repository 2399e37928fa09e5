package triggers_test

import (
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/hookflow/hookflow/engine"
	"github.com/hookflow/hookflow/store"
	"github.com/hookflow/hookflow/store/sqlite"
	"github.com/hookflow/hookflow/triggers"
	"github.com/hookflow/hookflow/workflows"
)

func cronWorkflow(t *testing.T, id, schedule string) *workflows.Workflow {
	t.Helper()
	w, err := workflows.Decode([]byte(`{"format": "hookflow/v1", "id": "` + id + `", "name": "tick",
		"trigger": {"type": "cron", "schedule": "` + schedule + `", "timezone": "Europe/Berlin"},
		"steps": [{"id": "t", "type": "transform", "expr": "payload.scheduled_at"}]}`))
	if err != nil {
		t.Fatal(err)
	}
	return w
}

func countRuns(t *testing.T, s store.Store, id string) int {
	t.Helper()
	runs, err := s.RunList(context.Background(), store.RunListParams{WorkflowID: id, Limit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	return len(runs)
}

// cronStore is one scheduler's view of the shared store: it records how
// often the scheduler listed the workflows and the ticks it tried to
// start, once written (or found duplicates). It hides the store's batch writer, so every
// accept goes through EventAccept.
type cronStore struct {
	store.Store
	mu    sync.Mutex
	lists int
	ticks map[string]bool // workflow id and scheduled_at
}

func (s *cronStore) WorkflowHeads(ctx context.Context) ([]store.Workflow, error) {
	s.mu.Lock()
	s.lists++
	s.mu.Unlock()
	return s.Store.WorkflowHeads(ctx)
}

func (s *cronStore) EventAccept(ctx context.Context, ps []store.EventAcceptParams) ([]store.AcceptResult, error) {
	res, err := s.Store.EventAccept(ctx, ps)
	s.mu.Lock()
	for _, p := range ps {
		var ev struct {
			ScheduledAt string `json:"scheduled_at"`
		}
		_ = json.Unmarshal(p.Event.Body, &ev)
		s.ticks[p.Event.WorkflowID+" "+ev.ScheduledAt] = true
	}
	s.mu.Unlock()
	return res, err
}

func (s *cronStore) listed() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.lists > 0
}

// tried reports whether the scheduler tried to start workflow id's tick.
func (s *cronStore) tried(id string, tick time.Time) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.ticks[id+" "+tick.UTC().Format(time.RFC3339Nano)]
}

// fakeClock is the engines' clock; the test moves it.
type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) set(t time.Time) {
	c.mu.Lock()
	c.now = t
	c.mu.Unlock()
}

// waitUntil polls cond until it holds, failing the test after 10s.
func waitUntil(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// TestCronEverySecond: an @every 1s workflow fires once for each second
// its clock passes, and not once disabled; two schedulers on one store,
// both trying every tick, start one run per tick. The clock is the
// engines' own, moved by the test; each step waits until both schedulers
// have tried the tick, and a second workflow's ticks prove the schedulers
// went on after the first was disabled.
func TestCronEverySecond(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "cron.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	t0 := time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC)
	clock := &fakeClock{now: t0}
	views := []*cronStore{{Store: s, ticks: map[string]bool{}}, {Store: s, ticks: map[string]bool{}}}
	var (
		engines []*engine.Engine
		crons   []*triggers.Cron
	)
	for _, v := range views {
		e, err := engine.New(engine.Config{Store: v, PollInterval: 50 * time.Millisecond, Now: clock.Now})
		if err != nil {
			t.Fatal(err)
		}
		if err := e.Start(); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = e.Shutdown(context.Background()) })
		engines = append(engines, e)
		crons = append(crons, triggers.NewCron(triggers.CronConfig{Engine: e, Refresh: 100 * time.Millisecond}))
	}
	for _, id := range []string{"tick", "witness"} {
		if _, err := engines[0].SaveWorkflow(ctx, cronWorkflow(t, id, "@every 1s")); err != nil {
			t.Fatal(err)
		}
	}
	cctx, cancel := context.WithCancel(ctx)
	defer cancel()
	for _, c := range crons {
		go c.Run(cctx)
	}
	waitUntil(t, "both schedulers to load the workflows", func() bool { return views[0].listed() && views[1].listed() })
	// step moves the clock to tick and waits until both schedulers have
	// tried workflow id's tick.
	step := func(tick time.Time, id string) {
		t.Helper()
		clock.set(tick)
		for _, c := range crons {
			c.Reload() // the test's clock does not wake them
		}
		waitUntil(t, "both schedulers to try "+id+" at "+tick.Format(time.TimeOnly), func() bool {
			return views[0].tried(id, tick) && views[1].tried(id, tick)
		})
	}

	for i := 1; i <= 3; i++ {
		step(t0.Add(time.Duration(i)*time.Second), "tick")
	}
	runs, err := s.RunList(ctx, store.RunListParams{WorkflowID: "tick", Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	ticks := map[string]bool{}
	for _, r := range runs {
		ev, err := s.EventGet(ctx, r.EventID)
		if err != nil {
			t.Fatal(err)
		}
		ticks[ev.IdempotencyKey] = true
	}
	if len(runs) != 3 || len(ticks) != 3 {
		t.Fatalf("3 ticks tried by two schedulers started %d runs for %d ticks (%v); want one run per tick", len(runs), len(ticks), ticks)
	}

	if _, err := s.WorkflowSetEnabled(ctx, "tick", false); err != nil {
		t.Fatal(err)
	}
	// Both schedulers read the workflows before they fire at a time past
	// their next reload, so once each has tried the witness's next tick,
	// the disabled workflow's would have been tried then too.
	last := t0.Add(4 * time.Second)
	step(last, "witness")
	for i, v := range views {
		if v.tried("tick", last) {
			t.Errorf("scheduler %d tried the disabled workflow's tick", i+1)
		}
	}
	if n := countRuns(t, s, "tick"); n != 3 {
		t.Errorf("the disabled workflow has %d runs, want still 3", n)
	}
}

func TestCronNextFires(t *testing.T) {
	t.Parallel()
	c, err := workflows.Compile(cronWorkflow(t, "daily", "30 9 * * *"))
	if err != nil {
		t.Fatal(err)
	}
	from := time.Date(2026, 3, 28, 12, 0, 0, 0, time.UTC)
	got := c.NextFires(from, 2)
	// 09:30 in Berlin: CET (UTC+1) on the 29th is after the switch to CEST (UTC+2).
	want := []string{"2026-03-29T07:30:00Z", "2026-03-30T07:30:00Z"}
	for i := range want {
		if got[i].UTC().Format(time.RFC3339) != want[i] {
			t.Fatalf("next fires %v, want %v", got, want)
		}
	}
	if _, err := workflows.Compile(cronWorkflow(t, "bad", "61 * * * *")); err == nil {
		t.Fatal("a bad schedule compiled")
	}
}

// versionStore counts a scheduler's reads of the workflows and of their
// version.
type versionStore struct {
	store.Store
	mu              sync.Mutex
	lists, versions int
}

func (s *versionStore) WorkflowHeads(ctx context.Context) ([]store.Workflow, error) {
	s.mu.Lock()
	s.lists++
	s.mu.Unlock()
	return s.Store.WorkflowHeads(ctx)
}

func (s *versionStore) WorkflowsVersion(ctx context.Context) (int64, error) {
	s.mu.Lock()
	s.versions++
	s.mu.Unlock()
	return s.Store.WorkflowsVersion(ctx)
}

func (s *versionStore) counts() (lists, versions int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.lists, s.versions
}

// versionEngine is a started engine on a fresh SQLite file, its store
// seen through a versionStore that counts the scheduler's reads.
func versionEngine(t *testing.T) (*engine.Engine, store.Store, *versionStore) {
	t.Helper()
	s, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "hookflow.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	view := &versionStore{Store: s}
	e, err := engine.New(engine.Config{Store: view, PollInterval: 50 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	if err := e.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = e.Shutdown(context.Background()) })
	return e, s, view
}

// TestCronReadsWorkflowsOnlyOnChange: an idle scheduler asks only for the
// workflows' version, however often it refreshes, and reads the workflows
// again once one is saved (by any replica: the version is in the store).
func TestCronReadsWorkflowsOnlyOnChange(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e, s, view := versionEngine(t)
	if _, err := e.SaveWorkflow(ctx, cronWorkflow(t, "daily", "0 9 * * *")); err != nil {
		t.Fatal(err)
	}
	cctx, cancel := context.WithCancel(ctx)
	defer cancel()
	go triggers.NewCron(triggers.CronConfig{Engine: e, Refresh: 2 * time.Millisecond}).Run(cctx)
	waitUntil(t, "30 refreshes", func() bool { _, v := view.counts(); return v >= 30 })
	if lists, versions := view.counts(); lists != 1 {
		t.Fatalf("an idle scheduler read the workflows %d times in %d refreshes, want once", lists, versions)
	}
	// Saved through the store directly, as another replica would.
	if _, err := s.WorkflowSetEnabled(ctx, "daily", false); err != nil {
		t.Fatal(err)
	}
	waitUntil(t, "the workflows read again after a change", func() bool { l, _ := view.counts(); return l == 2 })
	_, v0 := view.counts()
	waitUntil(t, "30 more refreshes", func() bool { _, v := view.counts(); return v >= v0+30 })
	if lists, _ := view.counts(); lists != 2 {
		t.Fatalf("the workflows were read %d times after one change, want 2", lists)
	}
}

// TestLoadCompilesOnlyItsOwnWorkflows: the scheduler and the consumers'
// supervisor pick their workflows by trigger alone. Of many webhook
// workflows and one scheduled one, only the scheduled one is held
// compiled once both have loaded: compiling every stored workflow at each
// start cost seconds and hundreds of megabytes with thousands of them.
func TestLoadCompilesOnlyItsOwnWorkflows(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e, s, view := versionEngine(t)
	for i := range 20 {
		w, err := workflows.Decode([]byte(fmt.Sprintf(`{"format": "hookflow/v1", "id": "hook-%02d", "name": "hook",
			"trigger": {"type": "webhook"},
			"steps": [{"id": "t", "type": "transform", "expr": "{order: payload.id}"}]}`, i)))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.WorkflowSave(ctx, store.WorkflowSaveParams{ID: w.ID, Name: w.Name, Enabled: true, Definition: mustJSON(t, w)}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := s.WorkflowSave(ctx, store.WorkflowSaveParams{ID: "daily", Name: "tick", Enabled: true,
		Definition: mustJSON(t, cronWorkflow(t, "daily", "0 9 * * *"))}); err != nil {
		t.Fatal(err)
	}
	cctx, cancel := context.WithCancel(ctx)
	defer cancel()
	cons := triggers.NewConsumers(triggers.ConsumersConfig{Engine: e, Refresh: time.Hour})
	go cons.Run(cctx)
	go triggers.NewCron(triggers.CronConfig{Engine: e, Refresh: 2 * time.Millisecond}).Run(cctx)
	waitUntil(t, "the scheduler and the consumers to read the workflows", func() bool { l, _ := view.counts(); return l >= 2 })
	waitUntil(t, "the scheduled workflow compiled", func() bool { return e.CompiledRevisions() >= 1 })
	_, v0 := view.counts()
	waitUntil(t, "10 more refreshes", func() bool { _, v := view.counts(); return v >= v0+10 })
	if n := e.CompiledRevisions(); n != 1 {
		t.Fatalf("%d revisions compiled after loading 20 webhook workflows and a scheduled one, want 1 (the scheduled)", n)
	}
}

func mustJSON(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
