package engine

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/hookflow/hookflow/internal/receivertest"
	"github.com/hookflow/hookflow/store"
	"github.com/hookflow/hookflow/workflows"
)

// loopWorkflow sends each line to the receiver; the step after the loop
// reads the loop's output and the payload as it came to the loop.
func loopWorkflow(concurrency int, onFailure string) string {
	return fmt.Sprintf(`{
  "format": "hookflow/v1", "id": "lines", "name": "Lines",
  "trigger": {"type": "webhook"},
  "steps": [
    {"id": "each_line", "type": "for_each", "items": "payload.lines", "concurrency": %d, "on_item_failure": %q, "steps": [
      {"id": "shape", "type": "transform", "expr": "{order: payload.order, sku: item.sku, n: index}"},
      {"id": "send", "type": "webhook", "url": "{{ vars.recv }}/line/{{ index }}", "body": "{sku: payload.sku, n: payload.n, shaped: steps.shape.sku}",
       "retry": {"max_attempts": 3, "initial": "10ms", "max": "20ms"}}
    ]},
    {"id": "after", "type": "transform", "expr": "{order: payload.order, count: steps.each_line.count, first: steps.each_line.results[0].status, inner: steps.send}"}
  ]
}`, concurrency, onFailure)
}

// lines is a payload of n order lines.
func lines(n int) string {
	var l []string
	for i := range n {
		l = append(l, fmt.Sprintf(`{"sku": "S%d"}`, i))
	}
	return `{"order": "A-1", "lines": [` + strings.Join(l, ",") + `]}`
}

// TestForEachDeliversEachItem: each item runs the inner steps, which see
// item, index and the loop's payload, each recorded under its item's
// path; the output holds each item's last output in order, and the step
// after the loop sees the loop's incoming payload. Each item's webhook has
// its own webhook-id.
func TestForEachDeliversEachItem(t *testing.T) {
	t.Parallel()
	b := setup(t)
	wf := b.save(loopWorkflow(1, "fail"))
	run := b.accept(wf, lines(3))
	if r := b.waitFinished(run); r.Status != store.StatusSucceeded {
		t.Fatalf("run = %s (%q)", r.Status, r.Error)
	}
	hits := b.recv.Hits()
	if len(hits) != 3 {
		t.Fatalf("receiver got %d requests, want 3", len(hits))
	}
	ids := map[string]bool{}
	for i, h := range hits {
		if h.Path != fmt.Sprintf("/line/%d", i) {
			t.Errorf("hit %d at %s", i, h.Path)
		}
		jsonEqual(t, "item body", h.Body, fmt.Sprintf(`{"sku": "S%d", "n": %d, "shaped": "S%d"}`, i, i, i))
		ids[h.WebhookID()] = true
	}
	if len(ids) != 3 {
		t.Errorf("webhook-ids %v: want one per item", ids)
	}
	var got []string
	for _, r := range b.results(run) {
		got = append(got, r.StepID+":"+r.Status)
	}
	want := "each_line[0].shape:succeeded each_line[0].send:succeeded each_line[1].shape:succeeded each_line[1].send:succeeded " +
		"each_line[2].shape:succeeded each_line[2].send:succeeded each_line:succeeded after:succeeded"
	if strings.Join(got, " ") != want {
		t.Errorf("records\n %s\nwant\n %s", strings.Join(got, " "), want)
	}
	// An inner step's record shows the item, not the whole payload.
	jsonEqual(t, "each_line[1].shape's input", b.resultsOf(run, "each_line[1].shape")[0].Input, `{"item": {"sku": "S1"}, "index": 1}`)
	loop := b.resultsOf(run, "each_line")[0]
	var out struct {
		Count   int              `json:"count"`
		Results []map[string]any `json:"results"`
	}
	if err := json.Unmarshal(loop.Output, &out); err != nil || out.Count != 3 || len(out.Results) != 3 || out.Results[2]["status"] != float64(200) {
		t.Errorf("loop output = %s (%v)", loop.Output, err)
	}
	jsonEqual(t, "after's output", b.resultsOf(run, "after")[0].Output, `{"order": "A-1", "count": 3, "first": 200, "inner": null}`)
}

// TestForEachConcurrencyBoundedAndOrdered: with concurrency 4, four items
// are sent at once, never more, and the results keep the items' order
// whatever order they finish in.
func TestForEachConcurrencyBoundedAndOrdered(t *testing.T) {
	t.Parallel()
	b := setup(t)
	release := make(chan struct{})
	b.recv.Answer(func(h receivertest.Hit) receivertest.Reply {
		if h.N <= 4 {
			return receivertest.Reply{Block: release}
		}
		return receivertest.Reply{Body: fmt.Sprintf(`{"path": %q}`, h.Path)}
	})
	wf := b.save(loopWorkflow(4, "fail"))
	run := b.accept(wf, lines(12))
	b.recv.Wait(t, 4) // four in flight at once, all held
	close(release)
	if r := b.waitFinished(run); r.Status != store.StatusSucceeded {
		t.Fatalf("run = %s (%q)", r.Status, r.Error)
	}
	if n, m := b.recv.Count(), b.recv.MaxInFlight(); n != 12 || m != 4 {
		t.Errorf("receiver got %d requests, at most %d at once; want 12, 4", n, m)
	}
	var out struct {
		Results []struct {
			Body map[string]any `json:"body"`
		} `json:"results"`
	}
	if err := json.Unmarshal(b.resultsOf(run, "each_line")[0].Output, &out); err != nil {
		t.Fatal(err)
	}
	for i, r := range out.Results {
		if i >= 4 && r.Body["path"] != fmt.Sprintf("/line/%d", i) {
			t.Errorf("results[%d] = %v, want item %d's answer", i, r.Body, i)
		}
	}
}

// TestForEachMaxItems: a list longer than max_items fails the step before
// any item runs, saying so.
func TestForEachMaxItems(t *testing.T) {
	t.Parallel()
	b := setup(t)
	def := strings.Replace(loopWorkflow(1, "fail"), `"concurrency": 1`, `"concurrency": 1, "max_items": 2`, 1)
	run := b.accept(b.save(def), lines(3))
	r := b.waitFinished(run)
	if r.Status != store.StatusFailed || !strings.Contains(r.Error, "3 items, more than max_items (2)") {
		t.Errorf("run = %s (%q), want failed over max_items", r.Status, r.Error)
	}
	if n := b.recv.Count(); n != 0 {
		t.Errorf("receiver got %d requests, want none", n)
	}
	if rs := b.results(run); len(rs) != 1 || rs[0].StepID != "each_line" {
		t.Errorf("records = %+v, want the loop's failure only", rs)
	}
}

// TestForEachItemFailure: with continue, a failed item's result is its
// error and the other items go on; with fail, the run fails at that item.
func TestForEachItemFailure(t *testing.T) {
	t.Parallel()
	for _, mode := range []string{"continue", "fail"} {
		t.Run(mode, func(t *testing.T) {
			t.Parallel()
			b := setup(t)
			b.recv.Answer(func(h receivertest.Hit) receivertest.Reply {
				if h.Path == "/line/1" {
					return receivertest.Reply{Status: 422}
				}
				return receivertest.Reply{}
			})
			run := b.accept(b.save(loopWorkflow(1, mode)), lines(3))
			r := b.waitFinished(run)
			if mode == "fail" {
				if r.Status != store.StatusFailed || !strings.Contains(r.Error, "item 1:") || !strings.Contains(r.Error, "422") {
					t.Errorf("run = %s (%q), want failed at item 1", r.Status, r.Error)
				}
				if n := b.recv.Count(); n != 2 {
					t.Errorf("receiver got %d requests, want 2 (items 0 and 1)", n)
				}
				return
			}
			if r.Status != store.StatusSucceeded {
				t.Fatalf("run = %s (%q)", r.Status, r.Error)
			}
			if n := b.recv.Count(); n != 3 {
				t.Errorf("receiver got %d requests, want 3", n)
			}
			var out struct {
				Results []map[string]any `json:"results"`
				Failed  int              `json:"failed"`
			}
			if err := json.Unmarshal(b.resultsOf(run, "each_line")[0].Output, &out); err != nil {
				t.Fatal(err)
			}
			msg, _ := out.Results[1]["error"].(string)
			if out.Failed != 1 || !strings.Contains(msg, "422") || out.Results[2]["status"] != float64(200) {
				t.Errorf("loop output = %+v", out)
			}
		})
	}
}

// TestForEachInnerRetryHoldsOnlyItsItem: an inner webhook's retry makes
// its item wait while the next items go on; the run retries at the loop,
// resumes that item at the retried step, and sends no other item again.
func TestForEachInnerRetryHoldsOnlyItsItem(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.recv.Answer(func(h receivertest.Hit) receivertest.Reply {
		if h.Path == "/line/1" && h.PathN == 1 {
			return receivertest.Reply{Status: 503}
		}
		return receivertest.Reply{}
	})
	run := b.accept(b.save(loopWorkflow(1, "fail")), lines(4))
	if r := b.waitFinished(run); r.Status != store.StatusSucceeded {
		t.Fatalf("run = %s (%q)", r.Status, r.Error)
	}
	var paths []string
	for _, h := range b.recv.Hits() {
		paths = append(paths, h.Path)
	}
	if got := strings.Join(paths, " "); got != "/line/0 /line/1 /line/2 /line/3 /line/1" {
		t.Errorf("requests %s; want items 2 and 3 sent before item 1's retry", got)
	}
	loops := b.resultsOf(run, "each_line")
	if len(loops) != 2 || loops[0].Status != store.StepRetrying || loops[1].Status != store.StepSucceeded {
		t.Errorf("loop attempts = %+v, want retrying then succeeded", loops)
	}
	if n := len(b.resultsOf(run, "each_line[1].shape")); n != 1 {
		t.Errorf("item 1's shape ran %d times, want once", n)
	}
	sends := b.resultsOf(run, "each_line[1].send")
	if len(sends) != 2 || sends[1].Attempt != 2 {
		t.Errorf("item 1's sends = %+v", sends)
	}
	hits := b.recv.On("/line/1")
	if hits[0].WebhookID() != hits[1].WebhookID() {
		t.Errorf("item 1's retry has webhook-id %q, first %q: want the same", hits[1].WebhookID(), hits[0].WebhookID())
	}
}

// TestForEachInnerDelayWaitsItsTime: a delay inside makes its item wait,
// not the items after it; the item is taken up once its time has come,
// not when the run resumes for an earlier one.
func TestForEachInnerDelayWaitsItsTime(t *testing.T) {
	t.Parallel()
	clk := newClock()
	b := setup(t, withClock(clk))
	wf := b.save(`{
  "format": "hookflow/v1", "id": "paced", "name": "Paced",
  "trigger": {"type": "webhook"},
  "steps": [
    {"id": "each", "type": "for_each", "items": "payload.at", "steps": [
      {"id": "pause", "type": "delay", "until": "item"},
      {"id": "send", "type": "webhook", "url": "{{ vars.recv }}/after/{{ index }}"}
    ]}
  ]
}`)
	run := b.accept(wf, `{"at": ["2026-11-22T12:01:00Z", "2026-11-22T12:10:00Z"]}`)
	if r := b.waitStatus(run, store.StatusWaiting); !r.RunAt.Equal(t0.Add(time.Minute)) {
		t.Fatalf("waiting until %v, want the first item's time", r.RunAt)
	}
	clk.Advance(2 * time.Minute)
	waitUntil(t, "the loop waiting again, for item 1", func() bool { return len(b.resultsOf(run, "each")) == 2 })
	if r := b.waitStatus(run, store.StatusWaiting); !r.RunAt.Equal(t0.Add(10 * time.Minute)) {
		t.Fatalf("waiting until %v, want item 1's time", r.RunAt)
	}
	if hits := b.recv.Hits(); len(hits) != 1 || hits[0].Path != "/after/0" {
		t.Fatalf("requests %+v; want item 0's only", hits)
	}
	clk.Advance(10 * time.Minute)
	if r := b.waitFinished(run); r.Status != store.StatusSucceeded {
		t.Fatalf("run = %s (%q)", r.Status, r.Error)
	}
	if n, m := len(b.recv.On("/after/0")), len(b.recv.On("/after/1")); n != 1 || m != 1 {
		t.Errorf("item 0 sent %d times, item 1 %d; want once each", n, m)
	}
}

// TestForEachResumesBetweenItems: an engine stopped with an item in
// flight gives the run back at the loop; another engine resumes it at that
// item: every item is delivered, those before it once.
func TestForEachResumesBetweenItems(t *testing.T) {
	t.Parallel()
	b := setup(t)
	block := make(chan struct{})
	b.recv.Answer(func(h receivertest.Hit) receivertest.Reply {
		if h.N == 3 {
			return receivertest.Reply{Block: block}
		}
		return receivertest.Reply{}
	})
	run := b.accept(b.save(loopWorkflow(1, "fail")), lines(5))
	b.recv.Wait(t, 3)
	waitUntil(t, "item 1 on record while item 2 is in flight", func() bool {
		return len(b.resultsOf(run, "each_line[1].send")) == 1
	})
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	_ = b.engine.Shutdown(ctx)
	close(block)
	b.waitStatus(run, store.StatusQueued)

	again := b.newEngine(b.spy, nil)
	b.start(again)
	if r := b.waitFinished(run); r.Status != store.StatusSucceeded {
		t.Fatalf("run = %s (%q)", r.Status, r.Error)
	}
	count := map[string]int{}
	ids := map[string]string{}
	for _, h := range b.recv.Hits() {
		count[h.Path]++
		if prev, ok := ids[h.Path]; ok && prev != h.WebhookID() {
			t.Errorf("%s sent again with webhook-id %q, first %q", h.Path, h.WebhookID(), prev)
		}
		ids[h.Path] = h.WebhookID()
	}
	for i := range 5 {
		p := fmt.Sprintf("/line/%d", i)
		want := 1
		if i == 2 {
			want = 2 // cut off in flight, then again
		}
		if count[p] != want {
			t.Errorf("%s delivered %d times, want %d", p, count[p], want)
		}
	}
	for _, p := range []string{"each_line[0].send", "each_line[1].send", "each_line[0].shape"} {
		if n := len(b.resultsOf(run, p)); n != 1 {
			t.Errorf("%s recorded %d times, want once", p, n)
		}
	}
}

// pathsWorkflow routes big orders through a loop over their lines and
// small ones to a single call.
const pathsWorkflow = `{
  "format": "hookflow/v1", "id": "route", "name": "Route",
  "trigger": {"type": "webhook"},
  "steps": [
    {"id": "route", "type": "paths", "mode": "first", "paths": [
      {"name": "big", "when": {"field": "payload.amount", "op": "gt", "value": 100}, "steps": [
        {"id": "each", "type": "for_each", "items": "payload.lines", "steps": [
          {"id": "line", "type": "webhook", "url": "{{ vars.recv }}/big/{{ index }}", "body": "item"}
        ]},
        {"id": "mark", "type": "transform", "expr": "{size: 'big', lines: steps.each.count}"}
      ]},
      {"name": "small", "steps": [
        {"id": "one", "type": "webhook", "url": "{{ vars.recv }}/small", "body": "payload"},
        {"id": "tag", "type": "transform", "expr": "{size: 'small'}"}
      ]}
    ]},
    {"id": "after", "type": "webhook", "url": "{{ vars.recv }}/after", "body": "{payload: payload, taken: steps.route.taken}"}
  ]
}`

// TestPathsNestedLoop: the first path that holds runs (a loop inside it
// recorded as route.big.each[1].line), the run goes on with the payload
// that path left, and the output names the path taken.
func TestPathsNestedLoop(t *testing.T) {
	t.Parallel()
	b := setup(t)
	wf := b.save(pathsWorkflow)

	big := b.accept(wf, `{"amount": 500, "lines": [{"sku": "a"}, {"sku": "b"}]}`)
	if r := b.waitFinished(big); r.Status != store.StatusSucceeded {
		t.Fatalf("big run = %s (%q)", r.Status, r.Error)
	}
	if n := len(b.resultsOf(big, "route.big.each[1].line")); n != 1 {
		t.Errorf("route.big.each[1].line recorded %d times, want once", n)
	}
	after := b.recv.On("/after")
	if len(after) != 1 {
		t.Fatalf("after sent %d times", len(after))
	}
	jsonEqual(t, "after (big)", after[0].Body, `{"payload": {"size": "big", "lines": 2}, "taken": ["big"]}`)
	if n := len(b.recv.On("/big/1")); n != 1 {
		t.Errorf("line 1 sent %d times", n)
	}

	small := b.accept(wf, `{"amount": 5, "lines": []}`)
	if r := b.waitFinished(small); r.Status != store.StatusSucceeded {
		t.Fatalf("small run = %s (%q)", r.Status, r.Error)
	}
	after = b.recv.On("/after")
	jsonEqual(t, "after (small)", after[len(after)-1].Body, `{"payload": {"size": "small"}, "taken": ["small"]}`)
	if n := len(b.recv.On("/small")); n != 1 {
		t.Errorf("small path sent %d times", n)
	}
	if rs := b.resultsOf(small, "route.small.one"); len(rs) != 1 {
		t.Errorf("route.small.one records = %+v", rs)
	}
}

// TestPathsAllAndResume: mode all runs every path that holds, in order,
// each from the payload the one before left; a retry inside the second
// resumes there, without asking the conditions again nor running the
// first path again, and the payload the paths left survives the resume.
func TestPathsAllAndResume(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.recv.Answer(func(h receivertest.Hit) receivertest.Reply {
		if h.Path == "/two" && h.PathN == 1 {
			return receivertest.Reply{Status: 503}
		}
		return receivertest.Reply{}
	})
	wf := b.save(`{
  "format": "hookflow/v1", "id": "fanout", "name": "Fan out",
  "trigger": {"type": "webhook"},
  "steps": [
    {"id": "route", "type": "paths", "mode": "all", "paths": [
      {"name": "a", "when": "payload.n > 0", "steps": [
        {"id": "one", "type": "webhook", "url": "{{ vars.recv }}/one"},
        {"id": "grow", "type": "transform", "expr": "{n: payload.n + 1}"}
      ]},
      {"name": "b", "when": "payload.n < 0", "steps": [{"id": "never", "type": "webhook", "url": "{{ vars.recv }}/never"}]},
      {"name": "c", "steps": [
        {"id": "two", "type": "webhook", "url": "{{ vars.recv }}/two", "retry": {"max_attempts": 3, "initial": "10ms", "max": "10ms"}},
        {"id": "twice", "type": "transform", "expr": "{n: payload.n * 2}"}
      ]}
    ]},
    {"id": "after", "type": "webhook", "url": "{{ vars.recv }}/after"}
  ]
}`)
	run := b.accept(wf, `{"n": 1}`)
	if r := b.waitFinished(run); r.Status != store.StatusSucceeded {
		t.Fatalf("run = %s (%q)", r.Status, r.Error)
	}
	var paths []string
	for _, h := range b.recv.Hits() {
		paths = append(paths, h.Path)
	}
	if got := strings.Join(paths, " "); got != "/one /two /two /after" {
		t.Errorf("requests %s", got)
	}
	jsonEqual(t, "/two's body", b.recv.On("/two")[1].Body, `{"n": 2}`)
	jsonEqual(t, "/after's body", b.recv.On("/after")[0].Body, `{"n": 4}`)
	routes := b.resultsOf(run, "route")
	last := routes[len(routes)-1]
	var out map[string]any
	_ = json.Unmarshal(last.Output, &out)
	if fmt.Sprint(out["taken"]) != "[a c]" {
		t.Errorf("route's output = %s", last.Output)
	}
}

// TestLoopsAndPathsCompileErrors: mistakes inside are named by their path
// in the definition.
func TestLoopsAndPathsCompileErrors(t *testing.T) {
	t.Parallel()
	for def, want := range map[string]string{
		`[{"id": "a", "type": "transform", "expr": "payload"}, {"id": "each", "type": "for_each", "items": "payload.l", "steps": [{"id": "s", "type": "webhook", "url": "ftp://x"}]}]`:                `steps[1].steps[0].url`,
		`[{"id": "each", "type": "for_each", "steps": [{"id": "s", "type": "webhook", "url": "https://x"}]}]`:                                                                                         `steps[0].items`,
		`[{"id": "each", "type": "for_each", "items": "payload.", "steps": [{"id": "s", "type": "webhook", "url": "https://x"}]}]`:                                                                    `steps[0].items`,
		`[{"id": "each", "type": "for_each", "items": "payload.l", "concurrency": 33, "steps": [{"id": "s", "type": "webhook", "url": "https://x"}]}]`:                                                `steps[0].concurrency`,
		`[{"id": "each", "type": "for_each", "items": "payload.l", "max_items": -1, "steps": [{"id": "s", "type": "webhook", "url": "https://x"}]}]`:                                                  `steps[0].max_items`,
		`[{"id": "each", "type": "for_each", "items": "payload.l", "on_item_failure": "skip", "steps": [{"id": "s", "type": "webhook", "url": "https://x"}]}]`:                                        `steps[0].on_item_failure`,
		`[{"id": "each", "type": "for_each", "items": "payload.l", "steps": []}]`:                                                                                                                     `steps[0].steps`,
		`[{"id": "a", "type": "transform", "expr": "payload"}, {"id": "r", "type": "paths", "paths": [{"name": "x", "steps": [{"id": "s", "type": "webhook", "url": "ftp://x"}]}]}]`:                  `steps[1].paths[0].steps[0].url`,
		`[{"id": "r", "type": "paths", "paths": [{"name": "x", "steps": [{"id": "s", "type": "transform", "expr": "1"}]}, {"name": "x", "steps": [{"id": "t", "type": "transform", "expr": "1"}]}]}]`: `steps[0].paths[1].name`,
		`[{"id": "r", "type": "paths", "paths": [{"name": "x", "when": {"field": "nope.a", "op": "eq", "value": 1}, "steps": [{"id": "s", "type": "transform", "expr": "1"}]}]}]`:                     `steps[0].paths[0].when.field`,
		`[{"id": "r", "type": "paths", "mode": "some", "paths": [{"name": "x", "steps": [{"id": "s", "type": "transform", "expr": "1"}]}]}]`:                                                          `steps[0].mode`,
		`[{"id": "r", "type": "paths", "paths": []}]`: `steps[0].paths`,
		`[{"id": "r", "type": "paths", "paths": [{"name": "x", "steps": [{"id": "each", "type": "for_each", "items": "payload.l", "steps": [{"id": "s", "type": "webhook", "url": "https://x", "colour": 1}]}]}]}]`: `steps[0].paths[0].steps[0].steps[0].colour`,
	} {
		w, err := workflows.Decode([]byte(`{"format": "hookflow/v1", "name": "n", "trigger": {"type": "manual"}, "steps": ` + def + `}`))
		if err == nil {
			_, err = workflows.Compile(w)
		}
		var fe *workflows.FieldError
		if !errors.As(err, &fe) || fe.Field != want {
			t.Errorf("%s:\n %v, want an error at %s", def, err, want)
		}
	}
}

// TestForEachInATestRun: a test run of a loop, items at once, shows each
// item's steps and sends nothing.
func TestForEachInATestRun(t *testing.T) {
	t.Parallel()
	b := setup(t)
	c, err := compileDefinition([]byte(loopWorkflow(4, "fail")))
	if err != nil {
		t.Fatal(err)
	}
	ev := jsonEvent(lines(6))
	rep := b.engine.Test(b.ctx, c, &ev, TestOptions{})
	if rep.Status != store.StatusSucceeded {
		t.Fatalf("test run %s", rep.Status)
	}
	seen := map[string]string{}
	for _, s := range rep.Steps {
		seen[s.Step] = s.Type + ":" + s.Status
	}
	for i := range 6 {
		if got := seen[fmt.Sprintf("each_line[%d].send", i)]; got != "webhook:succeeded" {
			t.Errorf("each_line[%d].send = %q", i, got)
		}
	}
	if seen["each_line"] != "for_each:succeeded" || seen["after"] != "transform:succeeded" {
		t.Errorf("steps = %v", seen)
	}
	if n := b.recv.Count(); n != 0 {
		t.Errorf("a test run without send made %d requests", n)
	}
}
