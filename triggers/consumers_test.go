package triggers_test

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hookflow/hookflow/engine"
	"github.com/hookflow/hookflow/kinds"
	"github.com/hookflow/hookflow/store"
	"github.com/hookflow/hookflow/store/sqlite"
	"github.com/hookflow/hookflow/triggers"
	"github.com/hookflow/hookflow/workflows"
)

// The test-feed trigger is a consumer whose broker is a feed the test
// holds: each Consume takes deliveries from its workflow's feed and
// answers each with Accept's error.
func init() {
	workflows.RegisterTrigger(workflows.TriggerKind{
		Doc: workflows.Doc{Type: "test-feed", Title: "Test feed", Summary: "A consumer fed by a test."},
		New: func() workflows.TriggerSettings { return &feedSettings{} },
	})
}

type feedSettings struct {
	URL  string `json:"url"`
	Tag  string `json:"tag,omitempty"`
	Fail bool   `json:"fail,omitempty"`
}

type feedTrigger struct {
	url  *workflows.Template
	tag  string
	fail bool
}

func (s *feedSettings) Compile(b *workflows.TriggerBuild) (any, error) {
	u, err := b.Template("url", s.URL)
	if err != nil {
		return nil, err
	}
	return &feedTrigger{url: u, tag: s.Tag, fail: s.Fail}, nil
}

// feed is one workflow's broker.
type feed struct {
	in     chan kinds.Delivery
	acked  chan error
	mu     sync.Mutex
	starts []string // each Consume's tag and rendered url
	active int
}

var feeds sync.Map // workflow id -> *feed

func feedOf(id string) *feed {
	f, _ := feeds.LoadOrStore(id, &feed{in: make(chan kinds.Delivery), acked: make(chan error)})
	return f.(*feed)
}

func (f *feed) started() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.starts...)
}

func (f *feed) running() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.active
}

func (t *feedTrigger) Consume(ctx context.Context, host kinds.ConsumerHost) error {
	f := feedOf(host.WorkflowID())
	u, err := host.Render(t.url)
	f.mu.Lock()
	f.starts = append(f.starts, t.tag+" "+u)
	f.active++
	if f.active > 1 {
		panic("two consumers of one workflow at once")
	}
	f.mu.Unlock()
	defer func() {
		f.mu.Lock()
		f.active--
		f.mu.Unlock()
	}()
	if err != nil {
		return err
	}
	if t.fail {
		return fmt.Errorf("cannot connect to %s", u)
	}
	host.State(kinds.ConsumerConnected, nil)
	for {
		select {
		case <-ctx.Done():
			return nil
		case d := <-f.in:
			err := host.Accept(ctx, d)
			select {
			case f.acked <- err:
			case <-ctx.Done():
				return nil
			}
		}
	}
}

func feedWorkflow(t *testing.T, id, trigger string) *workflows.Workflow {
	t.Helper()
	w, err := workflows.Decode([]byte(`{"format": "hookflow/v1", "id": "` + id + `", "name": "feed",
		"trigger": ` + trigger + `,
		"vars": {"host": "broker.internal"},
		"steps": [{"id": "t", "type": "transform", "expr": "{body: payload, subject: trigger.meta.subject, source: trigger.source, h: trigger.headers['x-id']}"}]}`))
	if err != nil {
		t.Fatal(err)
	}
	return w
}

type consumersBundle struct {
	ctx  context.Context
	s    store.Store
	e    *engine.Engine
	c    *triggers.Consumers
	mu   sync.Mutex
	seen []string // OnState calls: "id state [removed]"
}

func (b *consumersBundle) events() []string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]string(nil), b.seen...)
}

func setupConsumers(t *testing.T, secrets map[string]any) *consumersBundle {
	t.Helper()
	ctx := context.Background()
	s, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "consumers.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	e, err := engine.New(engine.Config{Store: s, PollInterval: 50 * time.Millisecond,
		Secrets: func(context.Context) (map[string]any, error) { return secrets, nil }})
	if err != nil {
		t.Fatal(err)
	}
	if err := e.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = e.Shutdown(context.Background()) })
	b := &consumersBundle{ctx: ctx, s: s, e: e}
	b.c = triggers.NewConsumers(triggers.ConsumersConfig{Engine: e, Refresh: time.Hour,
		MinBackoff: 10 * time.Millisecond, MaxBackoff: 20 * time.Millisecond,
		OnState: func(id string, st triggers.TriggerState, removed bool) {
			b.mu.Lock()
			defer b.mu.Unlock()
			line := id + " " + st.State
			if removed {
				line += " removed"
			}
			b.seen = append(b.seen, line)
		}})
	cctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		b.c.Run(cctx)
	}()
	t.Cleanup(func() {
		cancel()
		<-done
	})
	return b
}

// deliver hands the workflow's consumer one delivery and returns Accept's
// answer.
func deliver(t *testing.T, id string, d kinds.Delivery) error {
	t.Helper()
	f := feedOf(id)
	select {
	case f.in <- d:
	case <-time.After(10 * time.Second):
		t.Fatalf("no consumer of %s took the delivery", id)
	}
	select {
	case err := <-f.acked:
		return err
	case <-time.After(10 * time.Second):
		t.Fatalf("the consumer of %s did not answer", id)
	}
	return nil
}

func waitRun(t *testing.T, s store.Store, runID string) store.Run {
	t.Helper()
	var r store.Run
	waitUntil(t, "run "+runID+" to finish", func() bool {
		var err error
		r, err = s.RunGet(context.Background(), runID)
		return err == nil && r.FinishedAt.After(time.Time{})
	})
	return r
}

// TestConsumersAcceptAndFollowWorkflow: a consumer trigger's workflow gets
// its consumer, whose deliveries start runs that see trigger.meta and
// trigger.headers; a redelivery with the same idempotency key starts
// nothing; a new revision restarts the consumer with its new settings,
// never two at once; disabling stops it and enabling starts it again;
// deleting stops it.
func TestConsumersAcceptAndFollowWorkflow(t *testing.T) {
	t.Parallel()
	b := setupConsumers(t, map[string]any{"broker": "feed://user:s3cret-pass@broker"})
	id := "feed-follow"
	if _, err := b.e.SaveWorkflow(b.ctx, feedWorkflow(t, id, `{"type": "test-feed", "url": "{{ secrets.broker }}/{{ vars.host }}", "tag": "one"}`)); err != nil {
		t.Fatal(err)
	}
	b.c.Reload()
	f := feedOf(id)
	waitUntil(t, "the consumer to connect", func() bool {
		st, ok := b.c.State(id)
		return ok && st.State == kinds.ConsumerConnected
	})
	if got := f.started(); len(got) != 1 || got[0] != "one feed://user:s3cret-pass@broker/broker.internal" {
		t.Fatalf("consumer starts = %q, want one with the url rendered from the secret and the var", got)
	}
	if st, _ := b.c.State(id); st.Type != "test-feed" || st.Since.IsZero() {
		t.Errorf("state = %+v, want type test-feed and a time", st)
	}

	d := kinds.Delivery{Body: []byte(`{"n": 1}`), Headers: map[string]string{"x-id": "m-1"},
		Meta: map[string]any{"subject": "orders.paid", "sequence": uint64(7)}, IdempotencyKey: "feed:7"}
	if err := deliver(t, id, d); err != nil {
		t.Fatalf("Accept: %v", err)
	}
	runs := waitRuns(t, b.s, id, 1)
	r := waitRun(t, b.s, runs[0].ID)
	if r.Status != store.StatusSucceeded {
		t.Fatalf("run = %s (%s), want succeeded", r.Status, r.Error)
	}
	ev, err := b.s.EventGet(b.ctx, r.EventID)
	if err != nil {
		t.Fatal(err)
	}
	if ev.Source != "test-feed" || ev.IdempotencyKey != "feed:7" || ev.Meta["sequence"] != float64(7) || ev.Headers["x-id"] != "m-1" {
		t.Errorf("event = %+v, want source test-feed, key feed:7, meta sequence 7, header x-id", ev)
	}
	steps, err := b.s.StepResultList(b.ctx, r.ID)
	if err != nil || len(steps) != 1 {
		t.Fatalf("steps = %d, %v", len(steps), err)
	}
	if out := string(steps[0].Output); out != `{"body":{"n":1},"h":"m-1","source":"test-feed","subject":"orders.paid"}` {
		t.Errorf("transform output = %s", out)
	}
	// A redelivery is accepted (the broker may ack it) and starts nothing.
	d.Meta = map[string]any{"subject": "orders.paid", "redelivered": true}
	if err := deliver(t, id, d); err != nil {
		t.Fatalf("Accept of the redelivery: %v", err)
	}
	if n := countRuns(t, b.s, id); n != 1 {
		t.Fatalf("a redelivery made %d runs, want 1", n)
	}

	// A new revision: the consumer starts again with its settings.
	if _, err := b.e.SaveWorkflow(b.ctx, feedWorkflow(t, id, `{"type": "test-feed", "url": "feed://other", "tag": "two"}`)); err != nil {
		t.Fatal(err)
	}
	b.c.Reload()
	waitUntil(t, "the new revision's consumer", func() bool { return len(f.started()) == 2 })
	if got := f.started(); got[1] != "two feed://other" {
		t.Fatalf("second start = %q, want the new revision's", got[1])
	}
	if err := deliver(t, id, kinds.Delivery{Body: []byte(`plain text`)}); err != nil {
		t.Fatalf("Accept: %v", err)
	}
	runs = waitRuns(t, b.s, id, 2)
	if runs[0].Revision != 2 {
		t.Errorf("run of the new consumer has revision %d, want 2", runs[0].Revision)
	}

	// Disabled: stopped, and its state gone; enabled: started again.
	if _, err := b.s.WorkflowSetEnabled(b.ctx, id, false); err != nil {
		t.Fatal(err)
	}
	b.c.Reload()
	waitUntil(t, "the consumer to stop", func() bool {
		_, ok := b.c.State(id)
		return !ok && f.running() == 0
	})
	if _, err := b.s.WorkflowSetEnabled(b.ctx, id, true); err != nil {
		t.Fatal(err)
	}
	b.c.Reload()
	waitUntil(t, "the consumer to start again", func() bool { return len(f.started()) == 3 && f.running() == 1 })

	// Deleted: stopped.
	if err := b.s.WorkflowDelete(b.ctx, id); err != nil {
		t.Fatal(err)
	}
	b.c.Reload()
	waitUntil(t, "the deleted workflow's consumer to stop", func() bool {
		_, ok := b.c.State(id)
		return !ok && f.running() == 0
	})
	if ev := strings.Join(b.events(), "\n"); !strings.Contains(ev, id+" connected") || !strings.Contains(ev, id+" stopped removed") {
		t.Errorf("state changes seen:\n%s\nwant connected and removed", ev)
	}
}

// TestConsumersRetryFailing: a Consume that returns an error is started
// again after a backoff, its state retrying with the error, the secret in
// it hidden.
func TestConsumersRetryFailing(t *testing.T) {
	t.Parallel()
	b := setupConsumers(t, map[string]any{"pw": "hunter22"})
	id := "feed-retry"
	if _, err := b.e.SaveWorkflow(b.ctx, feedWorkflow(t, id, `{"type": "test-feed", "url": "feed://user:{{ secrets.pw }}@{{ vars.host }}", "fail": true}`)); err != nil {
		t.Fatal(err)
	}
	b.c.Reload()
	f := feedOf(id)
	waitUntil(t, "three attempts", func() bool { return len(f.started()) >= 3 })
	var st triggers.TriggerState
	waitUntil(t, "the retrying state", func() bool {
		var ok bool
		st, ok = b.c.State(id)
		return ok && st.State == kinds.ConsumerRetrying
	})
	if strings.Contains(st.Error, "hunter22") || !strings.Contains(st.Error, "cannot connect to feed://user:[redacted]@broker.internal") {
		t.Errorf("state error = %q, want the url with its password hidden", st.Error)
	}
	if _, ok := b.c.States()[id]; !ok {
		t.Errorf("States() lacks %s", id)
	}
}

// TestConsumersIgnoreOthers: webhook and cron workflows get no consumer.
func TestConsumersIgnoreOthers(t *testing.T) {
	t.Parallel()
	b := setupConsumers(t, nil)
	if _, err := b.e.SaveWorkflow(b.ctx, cronWorkflow(t, "tick", "@every 1h")); err != nil {
		t.Fatal(err)
	}
	if _, err := b.e.SaveWorkflow(b.ctx, feedWorkflow(t, "feed-witness", `{"type": "test-feed", "url": "feed://x"}`)); err != nil {
		t.Fatal(err)
	}
	b.c.Reload()
	waitUntil(t, "the witness's consumer", func() bool { _, ok := b.c.State("feed-witness"); return ok })
	if states := b.c.States(); len(states) != 1 {
		t.Errorf("states = %v, want the feed workflow's only", states)
	}
}

func waitRuns(t *testing.T, s store.Store, id string, n int) []store.Run {
	t.Helper()
	var runs []store.Run
	waitUntil(t, fmt.Sprintf("%d runs of %s", n, id), func() bool {
		var err error
		runs, err = s.RunList(context.Background(), store.RunListParams{WorkflowID: id, Limit: 100})
		return err == nil && len(runs) >= n
	})
	return runs
}
