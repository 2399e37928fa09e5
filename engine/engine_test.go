package engine

import (
	"encoding/json"
	"fmt"
	"net/http"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/hookflow/hookflow/internal/receivertest"
	"github.com/hookflow/hookflow/store"
)

const bigOrders = `{
  "format": "hookflow/v1",
  "id": "big-orders",
  "name": "Big orders",
  "trigger": {"type": "webhook", "methods": ["POST"]},
  "steps": [
    {"id": "big", "type": "filter", "expr": "payload.amount >= 1000"},
    {"id": "shape", "type": "transform",
     "expr": "{order: payload.id, total: payload.amount / 100.0, customer: upper(payload.customer)}"},
    {"id": "notify", "type": "webhook", "url": "{{ vars.recv }}/orders/{{ payload.order }}",
     "headers": {"X-Source": "hookflow", "X-Total": "{{ payload.total }}"}}
  ]
}`

// TestEndToEnd saves a filter -> transform -> webhook workflow, accepts
// twenty events of which half pass the filter, and checks what the
// receiver got and what the store recorded of every step.
func TestEndToEnd(t *testing.T) {
	t.Parallel()
	t.Run("WritesBatched", func(t *testing.T) {
		t.Parallel()
		testEndToEnd(t, setup(t))
	})
	t.Run("WritesSeparate", func(t *testing.T) {
		t.Parallel()
		testEndToEnd(t, setup(t, separateWrites()))
	})
}

func testEndToEnd(t *testing.T, b *bundle) {
	wf := b.save(bigOrders)

	type order struct {
		run  string
		id   string
		pass bool
		body string
	}
	var orders []order
	for i := range 20 {
		o := order{id: fmt.Sprintf("ord-%02d", i), pass: i%2 == 0}
		amount := 50 + i
		if o.pass {
			amount = 1000 + i
		}
		o.body = fmt.Sprintf(`{"id":%q,"amount":%d,"customer":"cust-%d"}`, o.id, amount, i)
		o.run = b.accept(wf, o.body)
		orders = append(orders, o)
	}

	for _, o := range orders {
		r := b.waitFinished(o.run)
		want := store.StatusFiltered
		if o.pass {
			want = store.StatusSucceeded
		}
		if r.Status != want || r.Error != "" || r.FinishedAt.IsZero() || r.LeaseOwner != "" {
			t.Errorf("run of %s = %s (error %q, finished %v, lease %q); want %s, no error, finished, released",
				o.id, r.Status, r.Error, r.FinishedAt, r.LeaseOwner, want)
		}
	}

	hits := b.recv.Hits()
	if len(hits) != 10 {
		t.Fatalf("receiver got %d requests, want 10", len(hits))
	}
	byPath := map[string]receivertest.Hit{}
	for _, h := range hits {
		byPath[h.Path] = h
	}
	webhookIDs := map[string]bool{}
	for i, o := range orders {
		if !o.pass {
			if _, ok := byPath["/orders/"+o.id]; ok {
				t.Errorf("filtered order %s was delivered", o.id)
			}
			continue
		}
		h, ok := byPath["/orders/"+o.id]
		if !ok {
			t.Errorf("order %s was not delivered", o.id)
			continue
		}
		total := fmt.Sprintf("%g", float64(1000+i)/100)
		wantBody := fmt.Sprintf(`{"order":%q,"total":%s,"customer":"CUST-%d"}`, o.id, total, i)
		jsonEqual(t, "body of "+o.id, h.Body, wantBody)
		if h.Method != http.MethodPost {
			t.Errorf("method = %s, want POST", h.Method)
		}
		for name, want := range map[string]string{
			"Content-Type": "application/json", "X-Source": "hookflow", "X-Total": total, "User-Agent": "Hookflow",
		} {
			if got := h.Header.Get(name); got != want {
				t.Errorf("%s of %s = %q, want %q", name, o.id, got, want)
			}
		}
		id := h.Header.Get("Webhook-Id")
		if id == "" || h.Header.Get("Webhook-Timestamp") == "" {
			t.Errorf("order %s: webhook-id %q, webhook-timestamp %q; want both", o.id, id, h.Header.Get("Webhook-Timestamp"))
		}
		if webhookIDs[id] {
			t.Errorf("webhook-id %s sent twice", id)
		}
		webhookIDs[id] = true

		// Every step attempt is recorded with its input and output.
		rs := b.results(o.run)
		if len(rs) != 3 {
			t.Fatalf("run of %s has %d step results, want 3: %+v", o.id, len(rs), rs)
		}
		for j, step := range []string{"big", "shape", "notify"} {
			r := rs[j]
			if r.StepID != step || r.StepIndex != j || r.Attempt != 1 || r.Status != store.StepSucceeded || r.Error != "" || r.StartedAt.IsZero() {
				t.Errorf("result %d of %s = %+v; want step %s, index %d, attempt 1, succeeded", j, o.id, r, step, j)
			}
		}
		jsonEqual(t, "filter input", rs[0].Input, o.body)
		jsonEqual(t, "filter output", rs[0].Output, `true`)
		jsonEqual(t, "transform input", rs[1].Input, o.body)
		jsonEqual(t, "transform output", rs[1].Output, wantBody)
		jsonEqual(t, "webhook input", rs[2].Input, fmt.Sprintf(
			`{"method":"POST","url":%q,"headers":{"x-source":"hookflow","x-total":%q},"body":%s}`,
			b.recv.URL+"/orders/"+o.id, total, wantBody))
		if rs[2].StatusCode != 200 {
			t.Errorf("webhook status code = %d, want 200", rs[2].StatusCode)
		}
		out, _ := mustJSON(t, rs[2].Output).(map[string]any)
		if out["status"] != 200.0 || !reflect.DeepEqual(out["body"], map[string]any{"ok": true}) {
			t.Errorf("webhook output = %s; want status 200 and the receiver's body", rs[2].Output)
		}
		if hs, _ := out["headers"].(map[string]any); hs["content-type"] != "application/json" {
			t.Errorf("webhook output headers = %v; want the receiver's, lower case", out["headers"])
		}
	}

	// A filtered run records the filter's attempt and nothing after it.
	for _, o := range orders {
		if o.pass {
			continue
		}
		rs := b.results(o.run)
		if len(rs) != 1 || rs[0].StepID != "big" || rs[0].Status != store.StepFiltered {
			t.Fatalf("filtered run of %s has results %+v; want only the filter, filtered", o.id, rs)
		}
		jsonEqual(t, "filter input", rs[0].Input, o.body)
		jsonEqual(t, "filter output", rs[0].Output, `false`)
	}
}

// TestAcceptGroupCommit accepts 500 events at once: each gets its own run,
// all are durable when Accept returns, they share transactions, and every
// one is delivered.
func TestAcceptGroupCommit(t *testing.T) {
	t.Parallel()
	b := setup(t)
	wf := b.save(`{
  "format": "hookflow/v1", "id": "fanin", "name": "Fan-in",
  "trigger": {"type": "webhook"},
  "steps": [{"id": "forward", "type": "webhook", "url": "{{ vars.recv }}/in", "body": "{n: payload.n}"}]
}`)

	const n = 500
	ids := make([]string, n)
	errs := make([]error, n)
	var ready, done = make(chan struct{}), make(chan int, n)
	for i := range n {
		go func() {
			<-ready
			res, err := b.engine.Accept(b.ctx, AcceptParams{WorkflowID: wf.ID, Revision: wf.Revision,
				Event: jsonEvent(fmt.Sprintf(`{"n":%d}`, i))})
			ids[i], errs[i] = res.RunID, err
			if err == nil && res.Duplicate {
				errs[i] = fmt.Errorf("duplicate")
			}
			done <- i
		}()
	}
	close(ready)
	for range n {
		<-done
	}

	seen := map[string]bool{}
	for i := range n {
		if errs[i] != nil || ids[i] == "" {
			t.Fatalf("Accept %d = %q, %v", i, ids[i], errs[i])
		}
		if seen[ids[i]] {
			t.Fatalf("run id %s returned twice", ids[i])
		}
		seen[ids[i]] = true
	}
	batches, events := b.spy.acceptStats()
	t.Logf("%d accepts in %d transactions", events, batches)
	if events != n || batches >= n {
		t.Errorf("%d events in %d transactions; want %d events sharing fewer transactions", events, batches, n)
	}

	// Durable: every run and event is in the store.
	runs, err := b.db.RunList(b.ctx, store.RunListParams{WorkflowID: wf.ID, Limit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	evs, err := b.db.EventListByWorkflow(b.ctx, wf.ID, 1000)
	if err != nil {
		t.Fatal(err)
	}
	if len(runs) != n || len(evs) != n {
		t.Fatalf("store has %d runs and %d events, want %d of each", len(runs), len(evs), n)
	}
	for _, r := range runs {
		if !seen[r.ID] {
			t.Errorf("stored run %s was not returned by Accept", r.ID)
		}
	}

	// Delivered: each once, with its own body. Every run ends with its own
	// fsynced write, so on a loaded machine under -race this takes longer
	// than one run's wait.
	start := time.Now()
	waitWithin(t, 6*waitFor, fmt.Sprintf("%d deliveries", n), func() bool { return b.recv.Count() >= n })
	t.Logf("%d runs delivered in %v", n, time.Since(start).Round(time.Millisecond))
	hits := b.recv.Hits()
	for _, id := range ids {
		b.waitStatus(id, store.StatusSucceeded)
	}
	if got := b.recv.Count(); got != n {
		t.Errorf("receiver got %d requests, want %d", got, n)
	}
	got := map[string]bool{}
	for _, h := range hits {
		got[string(h.Body)] = true
	}
	for i := range n {
		if body := fmt.Sprintf(`{"n":%d}`, i); !got[body] {
			t.Errorf("body %s not delivered", body)
		}
	}
}

// TestAcceptIdempotency: a repeated idempotency key answers with the first
// run and starts nothing, one at a time or in one batch.
func TestAcceptIdempotency(t *testing.T) {
	t.Parallel()
	b := setup(t)
	wf := b.save(`{
  "format": "hookflow/v1", "id": "dedup", "name": "Dedup",
  "trigger": {"type": "webhook", "idempotency_key": "trigger.headers['x-delivery']"},
  "steps": [{"id": "forward", "type": "webhook", "url": "{{ vars.recv }}/in"}]
}`)
	accept := func(key string) store.AcceptResult {
		t.Helper()
		ev := jsonEvent(`{"n":1}`)
		ev.IdempotencyKey = key
		answers := 0
		res, err := b.engine.Accept(b.ctx, AcceptParams{WorkflowID: wf.ID, Revision: wf.Revision, Event: ev,
			Answer: func(store.AcceptResult) { answers++ }})
		if err != nil {
			t.Fatalf("Accept: %v", err)
		}
		// A duplicate is answered by the caller (200, the first run).
		if want := map[bool]int{false: 1, true: 0}[res.Duplicate]; answers != want {
			t.Errorf("Accept(%s) called Answer %d times (duplicate: %v); want %d", key, answers, res.Duplicate, want)
		}
		return res
	}

	first := accept("delivery-1")
	second := accept("delivery-1")
	if first.Duplicate || !second.Duplicate || second.RunID != first.RunID {
		t.Errorf("Accept twice = %+v, %+v; want the same run, the second a duplicate", first, second)
	}
	other := accept("delivery-2")
	if other.Duplicate || other.RunID == first.RunID {
		t.Errorf("Accept(other key) = %+v; want a new run", other)
	}

	// Concurrent duplicates, likely in one transaction: one run between them.
	const n = 20
	results := make(chan store.AcceptResult, n)
	for range n {
		go func() {
			ev := jsonEvent(`{"n":3}`)
			ev.IdempotencyKey = "delivery-3"
			res, err := b.engine.Accept(b.ctx, AcceptParams{WorkflowID: wf.ID, Revision: wf.Revision, Event: ev})
			if err != nil {
				res.RunID = "error: " + err.Error()
			}
			results <- res
		}()
	}
	var runID string
	fresh := 0
	for range n {
		res := <-results
		if strings.HasPrefix(res.RunID, "error") || res.RunID == "" {
			t.Fatalf("Accept = %+v", res)
		}
		if runID != "" && res.RunID != runID {
			t.Errorf("duplicates answered with runs %s and %s", runID, res.RunID)
		}
		runID = res.RunID
		if !res.Duplicate {
			fresh++
		}
	}
	if fresh != 1 {
		t.Errorf("%d of %d accepts with one key started a run, want 1", fresh, n)
	}

	runs, err := b.db.RunList(b.ctx, store.RunListParams{WorkflowID: wf.ID})
	if err != nil {
		t.Fatal(err)
	}
	if len(runs) != 3 {
		t.Fatalf("store has %d runs, want 3 (one per key)", len(runs))
	}
	for _, r := range runs {
		b.waitStatus(r.ID, store.StatusSucceeded)
	}
	if got := b.recv.Count(); got != 3 {
		t.Errorf("receiver got %d requests, want 3", got)
	}
}

// TestAcceptNotStarted: Accept needs a started engine.
func TestAcceptNotStarted(t *testing.T) {
	t.Parallel()
	b := setup(t, notStarted())
	wf := b.save(bigOrders)
	_, err := b.engine.Accept(b.ctx, AcceptParams{WorkflowID: wf.ID, Revision: wf.Revision, Event: jsonEvent(`{}`)})
	if err != ErrNotStarted {
		t.Errorf("Accept before Start = %v, want ErrNotStarted", err)
	}
}

// TestTriggerInfo: expressions see the request the trigger received.
func TestTriggerInfo(t *testing.T) {
	t.Parallel()
	b := setup(t)
	wf := b.save(`{
  "format": "hookflow/v1", "id": "echo", "name": "Echo",
  "trigger": {"type": "webhook"},
  "steps": [{"id": "echo", "type": "webhook", "url": "{{ vars.recv }}/echo",
    "body": "{method: trigger.method, source: trigger.source, sig: trigger.headers['x-sig'], q: trigger.query.page, raw: trigger.body, payload: payload, run: run.workflow, attempt: run.attempt}"}]
}`)
	ev := store.Event{Source: "webhook", Method: http.MethodPut, Query: "page=2",
		Headers: map[string]string{"content-type": "application/x-www-form-urlencoded", "x-sig": "abc"},
		Body:    []byte("name=Jane+Doe&tag=a&tag=b")}
	res, err := b.engine.Accept(b.ctx, AcceptParams{WorkflowID: wf.ID, Revision: wf.Revision, Event: ev})
	if err != nil {
		t.Fatal(err)
	}
	b.waitStatus(res.RunID, store.StatusSucceeded)
	hits := b.recv.On("/echo")
	if len(hits) != 1 {
		t.Fatalf("receiver got %d requests, want 1", len(hits))
	}
	want, _ := json.Marshal(map[string]any{
		"method": "PUT", "source": "webhook", "sig": "abc", "q": "2", "raw": "name=Jane+Doe&tag=a&tag=b",
		"payload": map[string]any{"name": "Jane Doe", "tag": []string{"a", "b"}}, "run": "echo", "attempt": 1,
	})
	jsonEqual(t, "echo", hits[0].Body, string(want))
}
