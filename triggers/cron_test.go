package triggers_test

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/hookflow/hookflow/engine"
	"github.com/hookflow/hookflow/store"
	"github.com/hookflow/hookflow/store/sqlite"
	"github.com/hookflow/hookflow/triggers"
	"github.com/hookflow/hookflow/workflows"
)

func newCronEngine(t *testing.T, s store.Store) *engine.Engine {
	t.Helper()
	e, err := engine.New(engine.Config{Store: s, PollInterval: 50 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	if err := e.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = e.Shutdown(context.Background()) })
	return e
}

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

// TestCronEverySecond: an @every 1s workflow fires about once a second, and
// stops once disabled; two schedulers on one store start one run per tick.
func TestCronEverySecond(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "cron.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	e1, e2 := newCronEngine(t, s), newCronEngine(t, s)
	if _, err := e1.SaveWorkflow(ctx, cronWorkflow(t, "tick", "@every 1s")); err != nil {
		t.Fatal(err)
	}
	cctx, cancel := context.WithCancel(ctx)
	defer cancel()
	for _, e := range []*engine.Engine{e1, e2} {
		go triggers.NewCron(triggers.CronConfig{Engine: e, Refresh: 100 * time.Millisecond}).Run(cctx)
	}
	time.Sleep(3500 * time.Millisecond)
	n := countRuns(t, s, "tick")
	if n < 2 || n > 5 {
		t.Fatalf("@every 1s ran %d times in 3.5s with two schedulers; want about 3", n)
	}
	runs, _ := s.RunList(ctx, store.RunListParams{WorkflowID: "tick", Limit: 100})
	ticks := map[string]bool{}
	for _, r := range runs {
		ev, err := s.EventGet(ctx, r.EventID)
		if err != nil {
			t.Fatal(err)
		}
		if ticks[ev.IdempotencyKey] {
			t.Fatalf("tick %s started two runs", ev.IdempotencyKey)
		}
		ticks[ev.IdempotencyKey] = true
	}
	if _, err := s.WorkflowSetEnabled(ctx, "tick", false); err != nil {
		t.Fatal(err)
	}
	time.Sleep(300 * time.Millisecond) // let both schedulers reload
	before := countRuns(t, s, "tick")
	time.Sleep(2 * time.Second)
	if after := countRuns(t, s, "tick"); after != before {
		t.Fatalf("disabled workflow still fired: %d runs, then %d", before, after)
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
