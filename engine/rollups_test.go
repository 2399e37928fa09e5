package engine

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/url"
	"os"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/hookflow/hookflow/internal/receivertest"
	"github.com/hookflow/hookflow/store"
	"github.com/hookflow/hookflow/store/postgres"
)

// dashWorkflow is a workflow of one webhook step to the receiver's path.
func dashWorkflow(id, path string) string {
	return `{"format": "hookflow/v1", "id": "` + id + `", "name": "` + id + `", "trigger": {"type": "webhook"},
  "steps": [{"id": "send", "type": "webhook", "url": "{{ vars.recv }}` + path + `",
    "retry": {"max_attempts": 3, "initial": "10ms", "max": "20ms"}}]}`
}

const (
	// dashFilter ends every run as filtered, as it is accepted.
	dashFilter = `{"format": "hookflow/v1", "id": "dash-filter", "name": "Filter", "trigger": {"type": "webhook"},
  "steps": [{"id": "only", "type": "filter", "expr": "payload.keep == true"}]}`
	// dashDelay leaves its runs waiting an hour.
	dashDelay = `{"format": "hookflow/v1", "id": "dash-delay", "name": "Delay", "trigger": {"type": "webhook"},
  "steps": [{"id": "wait", "type": "delay", "for": "1h"}, {"id": "send", "type": "webhook", "url": "{{ vars.recv }}/ok"}]}`
)

// answerByPath answers /bad 400, the first hit on /flaky 503, the rest 200.
func answerByPath(h receivertest.Hit) receivertest.Reply {
	switch {
	case h.Path == "/bad":
		return receivertest.Reply{Status: 400}
	case h.Path == "/flaky" && h.PathN == 1:
		return receivertest.Reply{Status: 503}
	}
	return receivertest.Reply{}
}

// lastHour is the rollups of the hour up to now and the minute after, by
// minute.
func lastHour(t *testing.T, s store.Store, workflow string) store.Rollup {
	t.Helper()
	from := time.Now().UTC().Truncate(time.Minute).Add(-59 * time.Minute)
	bs, err := s.RollupQuery(context.Background(), store.RollupQueryParams{WorkflowID: workflow, From: from, Step: time.Minute, Buckets: 61})
	if err != nil {
		t.Fatalf("RollupQuery: %v", err)
	}
	var sum store.Rollup
	for i := range bs {
		sum.Add(&bs[i])
	}
	sum.Backlog, sum.OldestDue = 0, 0
	return sum
}

// TestRollupsCountRuns: after a flush, the rollups hold every finished run
// by status (those ended as they were accepted, failed and cancelled ones
// too), every delivery attempt by outcome and a latency per run.
func TestRollupsCountRuns(t *testing.T) {
	t.Parallel()
	b := setup(t, withConfig(func(c *Config) { c.RollupEvery = time.Hour }))
	b.recv.Answer(answerByPath)
	ok, bad, flaky := b.save(dashWorkflow("dash-ok", "/ok")), b.save(dashWorkflow("dash-bad", "/bad")), b.save(dashWorkflow("dash-flaky", "/flaky"))
	filter, delay := b.save(dashFilter), b.save(dashDelay)
	var runs []string
	for range 3 {
		runs = append(runs, b.accept(ok, `{}`))
	}
	for range 2 {
		runs = append(runs, b.accept(bad, `{}`), b.accept(filter, `{"keep": false}`))
	}
	runs = append(runs, b.accept(flaky, `{}`))
	for _, id := range runs {
		b.waitFinished(id)
	}
	for _, id := range runs[3:] {
		if r := b.waitFinished(id); r.WorkflowID == filter.ID && len(b.spy.updatesOf(id)) != 0 {
			t.Errorf("filtered run updated %d times; want it ended as it was accepted", len(b.spy.updatesOf(id)))
		}
	}
	waiting := b.accept(delay, `{}`)
	b.waitStatus(waiting, store.StatusWaiting)
	if _, cancelled, err := b.engine.Cancel(b.ctx, waiting); err != nil || !cancelled {
		t.Fatalf("Cancel = %v, %v", cancelled, err)
	}
	if err := b.engine.FlushRollups(b.ctx); err != nil {
		t.Fatalf("FlushRollups: %v", err)
	}

	lat := func(n int64) (h store.Histogram) { h[0] = -n; return h } // only the count is compared
	for _, c := range []struct {
		wf   string
		want store.Rollup
	}{
		{ok.ID, store.Rollup{Succeeded: 3, Delivered: 3, Latency: lat(3)}},
		{bad.ID, store.Rollup{Failed: 2, DeliveryFailed: 2, Latency: lat(2)}},
		{flaky.ID, store.Rollup{Succeeded: 1, Delivered: 1, DeliveryRetried: 1, Latency: lat(1)}},
		{filter.ID, store.Rollup{Filtered: 2, Latency: lat(2)}},
		{delay.ID, store.Rollup{Cancelled: 1, Latency: lat(1)}},
		{"", store.Rollup{Succeeded: 4, Failed: 2, Filtered: 2, Cancelled: 1, Delivered: 4, DeliveryFailed: 2, DeliveryRetried: 1, Latency: lat(9)}},
	} {
		got := lastHour(t, b.db, c.wf)
		if n := got.Latency.Count(); n != -c.want.Latency[0] {
			t.Errorf("%q: %d latencies, want %d", c.wf, n, -c.want.Latency[0])
		}
		got.Latency, c.want.Latency = store.Histogram{}, store.Histogram{}
		if got != c.want {
			t.Errorf("%q rollups:\n got %+v\nwant %+v", c.wf, got, c.want)
		}
	}
	// A second flush adds nothing more.
	if err := b.engine.FlushRollups(b.ctx); err != nil {
		t.Fatalf("FlushRollups: %v", err)
	}
	if got := lastHour(t, b.db, ""); got.Runs() != 9 {
		t.Errorf("after a second flush: %d runs, want 9", got.Runs())
	}
}

// TestRollupsFlushAtShutdown: what the last runs counted is written when
// the engine shuts down, without waiting for the next flush.
func TestRollupsFlushAtShutdown(t *testing.T) {
	t.Parallel()
	b := setup(t, withConfig(func(c *Config) { c.RollupEvery = time.Hour }))
	wf := b.save(dashWorkflow("dash-ok", "/ok"))
	b.waitFinished(b.accept(wf, `{}`))
	if err := b.engine.Shutdown(b.ctx); err != nil {
		t.Fatalf("Shutdown: %v", err)
	}
	if got := lastHour(t, b.db, wf.ID); got.Succeeded != 1 || got.Delivered != 1 {
		t.Errorf("after shutdown: %+v, want 1 succeeded, 1 delivered", got)
	}
}

// TestRollupsSampleBacklog: the backlog sample counts queued and retrying
// runs, and the oldest due one's age, into the minute's rollup.
func TestRollupsSampleBacklog(t *testing.T) {
	t.Parallel()
	c := newClock()
	b := setup(t, notStarted(), withClock(c))
	wf := b.save(dashWorkflow("dash-ok", "/ok"))
	var ps []store.EventAcceptParams
	for range 3 {
		ev := jsonEvent(`{}`)
		ev.ID, ev.WorkflowID, ev.ReceivedAt = newID(), wf.ID, c.Now()
		ps = append(ps, store.EventAcceptParams{Event: ev, RunID: newID(), Revision: wf.Revision})
	}
	if _, err := b.db.EventAccept(b.ctx, ps); err != nil {
		t.Fatalf("EventAccept: %v", err)
	}
	c.Advance(90 * time.Second)
	if err := b.engine.SampleBacklog(b.ctx); err != nil {
		t.Fatalf("SampleBacklog: %v", err)
	}
	if err := b.engine.FlushRollups(b.ctx); err != nil {
		t.Fatalf("FlushRollups: %v", err)
	}
	bs, err := b.db.RollupQuery(b.ctx, store.RollupQueryParams{WorkflowID: wf.ID, From: t0, Step: time.Minute, Buckets: 5})
	if err != nil {
		t.Fatalf("RollupQuery: %v", err)
	}
	if len(bs) != 1 || !bs[0].Minute.Equal(t0.Add(time.Minute)) || bs[0].Backlog != 3 || bs[0].OldestDue != 90*time.Second {
		t.Errorf("rollups = %+v, want minute 1 with a backlog of 3, oldest due 90s", bs)
	}
}

// TestRollupsTwoEnginesPostgres: two engines sharing a PostgreSQL
// database each flush their own counts, which add up.
func TestRollupsTwoEnginesPostgres(t *testing.T) {
	t.Parallel()
	dbURL := postgresSchema(t)
	open := func() store.Store {
		db, err := postgres.Open(context.Background(), dbURL)
		if err != nil {
			t.Fatalf("postgres.Open: %v", err)
		}
		t.Cleanup(func() { _ = db.Close() })
		return db
	}
	b := setup(t, notStarted())
	pg1, pg2 := open(), open()
	one := b.newEngine(pg1, func(c *Config) { c.RollupEvery = time.Hour })
	two := b.newEngine(pg2, func(c *Config) { c.RollupEvery = time.Hour })
	b.start(one)
	b.start(two)
	w, err := one.SaveWorkflow(b.ctx, decode(t, dashWorkflow("dash-ok", b.recv.URL+"/ok")))
	if err != nil {
		t.Fatalf("SaveWorkflow: %v", err)
	}
	const n = 20
	var runs []string
	for i := range 2 * n {
		e := one
		if i%2 == 1 {
			e = two
		}
		res, err := e.Accept(b.ctx, AcceptParams{WorkflowID: w.Workflow.ID, Revision: w.Workflow.Revision, Event: jsonEvent(`{}`)})
		if err != nil {
			t.Fatalf("Accept: %v", err)
		}
		runs = append(runs, res.RunID)
	}
	for _, id := range runs {
		waitUntil(t, "run "+id+" finished", func() bool {
			r, err := pg1.RunGet(b.ctx, id)
			return err == nil && store.Finished(r.Status)
		})
	}
	for _, e := range []*Engine{one, two} {
		if err := e.FlushRollups(b.ctx); err != nil {
			t.Fatalf("FlushRollups: %v", err)
		}
	}
	if got := lastHour(t, pg1, w.Workflow.ID); got.Succeeded != 2*n || got.Delivered != 2*n || got.Latency.Count() != 2*n {
		t.Errorf("rollups of two engines = %+v, want %d runs succeeded and delivered", got, 2*n)
	}
}

// postgresSchema is a fresh schema of the test PostgreSQL, dropped when
// the test ends, as a URL; it skips the test where there is none (and
// fails it under CI, which always has one).
func postgresSchema(t testing.TB) string {
	t.Helper()
	base := os.Getenv("HOOKFLOW_TEST_POSTGRES")
	if base == "" {
		if os.Getenv("CI") != "" {
			t.Fatal("HOOKFLOW_TEST_POSTGRES is not set under CI")
		}
		t.Skip("PostgreSQL tests skipped: set HOOKFLOW_TEST_POSTGRES to a database URL, " +
			"e.g. postgres://postgres@127.0.0.1:5432/test?sslmode=disable")
	}
	rnd := make([]byte, 6)
	_, _ = rand.Read(rnd)
	schema := "hf_engine_" + hex.EncodeToString(rnd)
	exec := func(ctx context.Context, sql string) error {
		conn, err := pgx.Connect(ctx, base)
		if err != nil {
			return err
		}
		defer conn.Close(ctx)
		_, err = conn.Exec(ctx, sql)
		return err
	}
	if err := exec(context.Background(), "CREATE SCHEMA "+schema); err != nil {
		t.Fatalf("create schema: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if err := exec(ctx, "DROP SCHEMA "+schema+" CASCADE"); err != nil {
			t.Errorf("drop schema %s: %v", schema, err)
		}
	})
	u, err := url.Parse(base)
	if err != nil {
		t.Fatalf("parse HOOKFLOW_TEST_POSTGRES: %v", err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	q.Set("pool_max_conns", "8")
	u.RawQuery = q.Encode()
	return u.String()
}
