package engine

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/hookflow/hookflow/store"
	"github.com/hookflow/hookflow/workflows"
)

// countOrders counts orders per customer, and sends each order with its
// customer's count.
const countOrders = `{
  "format": "hookflow/v1", "id": "count-orders", "name": "Count orders",
  "trigger": {"type": "webhook"},
  "steps": [
    {"id": "count", "type": "storage", "op": "incr", "key": "orders:{{ payload.customer.id }}", "ttl": "720h"},
    {"id": "recent", "type": "storage", "op": "append", "key": "recent", "value": "payload.id", "max_len": 2, "scope": "global"},
    {"id": "notify", "type": "webhook", "url": "{{ vars.recv }}/orders",
     "body": "{order: payload.id, nth: steps.count.value}"}
  ]
}`

// TestStorageCountsOrdersPerCustomer: an incr step counts across runs,
// per customer, and its output is the count after it.
func TestStorageCountsOrdersPerCustomer(t *testing.T) {
	t.Parallel()
	c := newClock()
	b := setup(t, withClock(c))
	wf := b.save(countOrders)
	var runs []string
	for i, cust := range []string{"ada", "bob", "ada", "ada", "bob"} {
		runs = append(runs, b.accept(wf, `{"id":"O-`+string(rune('1'+i))+`","customer":{"id":"`+cust+`"}}`))
	}
	for _, id := range runs {
		if r := b.waitFinished(id); r.Status != store.StatusSucceeded {
			t.Fatalf("run %s = %s (%q), want succeeded", id, r.Status, r.Error)
		}
	}
	for cust, want := range map[string]string{"ada": "3", "bob": "2"} {
		e, err := b.db.KVGet(b.ctx, store.KVGetParams{Scope: "count-orders", Key: "orders:" + cust, Now: c.Now()})
		if err != nil || string(e.Value) != want {
			t.Errorf("orders:%s = %s, %v; want %s", cust, e.Value, err, want)
		}
		if want := t0.Add(720 * time.Hour); !e.ExpiresAt.Equal(want) {
			t.Errorf("orders:%s expires at %v, want %v", cust, e.ExpiresAt, want)
		}
	}
	// Each of ada's runs saw its own count: 1, 2 and 3 in some order.
	var nth []int
	for _, h := range b.recv.Hits() {
		var body struct {
			Order string `json:"order"`
			Nth   int    `json:"nth"`
		}
		if err := json.Unmarshal(h.Body, &body); err != nil {
			t.Fatal(err)
		}
		if body.Order == "O-1" || body.Order == "O-3" || body.Order == "O-4" {
			nth = append(nth, body.Nth)
		}
	}
	slices.Sort(nth)
	if !slices.Equal(nth, []int{1, 2, 3}) {
		t.Errorf("ada's orders were sent with counts %v, want 1, 2, 3", nth)
	}
	// The global list keeps the last two orders.
	e, err := b.db.KVGet(b.ctx, store.KVGetParams{Scope: store.KVGlobal, Key: "recent", Now: c.Now()})
	var recent []string
	if err != nil || json.Unmarshal(e.Value, &recent) != nil || len(recent) != 2 {
		t.Errorf("recent = %s, %v; want two orders", e.Value, err)
	}
	// Another workflow's keys are its own.
	_, err = b.db.KVGet(b.ctx, store.KVGetParams{Scope: "other", Key: "orders:ada", Now: c.Now()})
	if err == nil {
		t.Error("orders:ada found in another workflow's scope")
	}
}

// TestStorageIncrOnceAfterCrash: a process that applied a run's incr and
// died before recording the step leaves the run to another, which does not
// apply the incr again: the count equals the runs that finished.
func TestStorageIncrOnceAfterCrash(t *testing.T) {
	t.Parallel()
	b := setup(t, notStarted())
	wf := b.save(`{
  "format": "hookflow/v1", "id": "counter", "name": "Counter",
  "trigger": {"type": "webhook"},
  "steps": [{"id": "count", "type": "storage", "op": "incr", "key": "runs"}]
}`)
	id := b.crashedRun(wf, 1)
	// What the dead process wrote, through the step, before it died.
	w := store.KVWrite{Scope: wf.ID, Key: "runs", OpID: id + "/count", Now: time.Now()}
	if _, err := b.db.KVIncr(b.ctx, store.KVIncrParams{KVWrite: w, By: 1}); err != nil {
		t.Fatal(err)
	}
	b.start(b.engine)
	if r := b.waitFinished(id); r.Status != store.StatusSucceeded {
		t.Fatalf("run = %s (%q), want succeeded", r.Status, r.Error)
	}
	res := b.resultsOf(id, "count")
	if len(res) != 1 {
		t.Fatalf("count results = %+v, want one", res)
	}
	jsonEqual(t, "count output", res[0].Output, `{"key":"runs","value":1}`)
	if e, err := b.db.KVGet(b.ctx, store.KVGetParams{Scope: wf.ID, Key: "runs"}); err != nil || string(e.Value) != "1" {
		t.Fatalf("runs = %s, %v; want 1 (applied once)", e.Value, err)
	}
	// A new run applies it again.
	if r := b.waitFinished(b.accept(wf, `{}`)); r.Status != store.StatusSucceeded {
		t.Fatalf("second run = %s (%q)", r.Status, r.Error)
	}
	if e, err := b.db.KVGet(b.ctx, store.KVGetParams{Scope: wf.ID, Key: "runs"}); err != nil || string(e.Value) != "2" {
		t.Fatalf("runs = %s, %v; want 2", e.Value, err)
	}
}

// TestDedupeWindow: a dedupe step lets a key through once, ends a repeat
// within the window as filtered (duplicate), and lets it through again
// once the window has passed.
func TestDedupeWindow(t *testing.T) {
	t.Parallel()
	c := newClock()
	b := setup(t, withClock(c))
	wf := b.save(`{
  "format": "hookflow/v1", "id": "leads", "name": "Leads",
  "trigger": {"type": "webhook"},
  "steps": [
    {"id": "once", "type": "dedupe", "key": "{{ lower(payload.email) }}", "window": "1h"},
    {"id": "crm", "type": "webhook", "url": "{{ vars.recv }}/leads"}
  ]
}`)
	lead := func(email string) store.Run {
		t.Helper()
		return b.waitFinished(b.accept(wf, `{"email":"`+email+`"}`))
	}
	if r := lead("ada@example.com"); r.Status != store.StatusSucceeded {
		t.Fatalf("first lead = %s (%q), want succeeded", r.Status, r.Error)
	}
	c.Advance(59 * time.Minute)
	r := lead("ADA@example.com")
	if r.Status != store.StatusFiltered {
		t.Fatalf("repeat within the window = %s (%q), want filtered", r.Status, r.Error)
	}
	once := b.resultsOf(r.ID, "once")
	if len(once) != 1 || once[0].Status != store.StepFiltered || !strings.HasPrefix(once[0].Error, "duplicate: ") {
		t.Fatalf("dedupe results = %+v, want one filtered as a duplicate", once)
	}
	jsonEqual(t, "dedupe output", once[0].Output, `{"key":"ada@example.com","duplicate":true,"first_seen":"2026-11-22T12:00:00Z"}`)
	if r := lead("bob@example.com"); r.Status != store.StatusSucceeded {
		t.Fatalf("another lead = %s (%q), want succeeded", r.Status, r.Error)
	}
	c.Advance(time.Minute)
	if r := lead("ada@example.com"); r.Status != store.StatusSucceeded {
		t.Fatalf("repeat after the window = %s (%q), want succeeded", r.Status, r.Error)
	}
	if got := b.recv.Count(); got != 3 {
		t.Errorf("the CRM got %d leads, want 3", got)
	}
}

// TestStorageTestRunWritesNothing: a test run shows what a write would
// make of the entry, and writes nothing.
func TestStorageTestRunWritesNothing(t *testing.T) {
	t.Parallel()
	b := setup(t)
	wf := b.save(countOrders)
	if _, err := b.db.KVSet(b.ctx, store.KVSetParams{KVWrite: store.KVWrite{Scope: wf.ID, Key: "orders:ada"}, Value: json.RawMessage(`4`)}); err != nil {
		t.Fatal(err)
	}
	w := decode(t, countOrders)
	w.Vars = map[string]any{"recv": b.recv.URL}
	cw, err := workflows.Compile(w)
	if err != nil {
		t.Fatal(err)
	}
	ev := jsonEvent(`{"id":"O-9","customer":{"id":"ada"}}`)
	rep := b.engine.Test(b.ctx, cw, &ev, TestOptions{})
	if rep.Status != store.StatusSucceeded || len(rep.Steps) != 3 {
		t.Fatalf("test run = %+v", rep)
	}
	jsonEqual(t, "count output", rep.Steps[0].Output, `{"key":"orders:ada","value":5,"test":true}`)
	jsonEqual(t, "recent output", rep.Steps[1].Output, `{"key":"recent","value":["O-9"],"length":1,"test":true}`)
	if e, err := b.db.KVGet(b.ctx, store.KVGetParams{Scope: wf.ID, Key: "orders:ada"}); err != nil || string(e.Value) != "4" {
		t.Errorf("orders:ada = %s, %v; want 4, unchanged", e.Value, err)
	}
	if _, err := b.db.KVGet(b.ctx, store.KVGetParams{Scope: store.KVGlobal, Key: "recent"}); err == nil {
		t.Error("a test run wrote the recent list")
	}
}

// TestPruneKV: the retention sweep deletes expired keys, and keeps the
// others.
func TestPruneKV(t *testing.T) {
	t.Parallel()
	c := newClock()
	b := setup(t, withClock(c))
	for key, ttl := range map[string]time.Duration{"short": time.Hour, "long": 48 * time.Hour, "kept": 0} {
		w := store.KVWrite{Scope: "w", Key: key, Now: c.Now()}
		if ttl > 0 {
			w.ExpiresAt = c.Now().Add(ttl)
		}
		if _, err := b.db.KVSet(b.ctx, store.KVSetParams{KVWrite: w, Value: json.RawMessage(`1`)}); err != nil {
			t.Fatal(err)
		}
	}
	c.Advance(2 * time.Hour)
	if n, err := b.engine.PruneKV(b.ctx); err != nil || n != 1 {
		t.Fatalf("PruneKV = %d, %v; want 1 (short)", n, err)
	}
	list, err := b.db.KVList(b.ctx, store.KVListParams{Scope: "w", Now: t0})
	if err != nil || len(list) != 2 || list[0].Key != "kept" || list[1].Key != "long" {
		t.Fatalf("keys left = %+v, %v; want kept and long", list, err)
	}
}
