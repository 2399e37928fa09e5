package engine

import (
	"context"
	"errors"
	"fmt"
	"syscall"
	"testing"
	"time"

	"github.com/hookflow/hookflow/actions"
	"github.com/hookflow/hookflow/internal/receivertest"
	"github.com/hookflow/hookflow/store"
)

// alertHits returns the receiver's requests to /alerts.
func alertHits(recv *receivertest.Receiver) []receivertest.Hit {
	var out []receivertest.Hit
	for _, h := range recv.Hits() {
		if h.Path == "/alerts" {
			out = append(out, h)
		}
	}
	return out
}

// TestIssueOpensOnce: 500 runs failing of one cause (the receiver's 422)
// make one issue counting 500, and on_failure fires once, for the
// failure that opened it, naming the issue. Resolved, the issue opens
// again on the next failure, which fires on_failure once more.
func TestIssueOpensOnce(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.recv.Answer(func(h receivertest.Hit) receivertest.Reply {
		if h.Path == "/orders" {
			return receivertest.Reply{Status: 422, Body: `{"error":"bad order"}`}
		}
		return receivertest.Reply{}
	})
	b.save(alertsWorkflow)
	wf := b.save(`{
  "format": "hookflow/v1", "id": "orders", "name": "Orders",
  "trigger": {"type": "webhook"},
  "steps": [{"id": "notify", "type": "webhook", "url": "{{ vars.recv }}/orders"}],
  "on_failure": "alerts"
}`)
	const n = 500
	for i := range n {
		b.accept(wf, fmt.Sprintf(`{"id":%d}`, i))
	}
	waitUntil(t, "500 failed runs", func() bool {
		c, err := b.db.RunCount(b.ctx, store.RunListParams{WorkflowID: "orders", Status: store.StatusFailed})
		return err == nil && c == n
	})
	waitUntil(t, "the alert", func() bool { return len(alertHits(b.recv)) >= 1 })
	// Every failure is written and dealt with once the engine has stopped.
	ctx, cancel := context.WithTimeout(b.ctx, waitFor)
	defer cancel()
	if err := b.engine.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	if alerts, err := b.db.RunCount(b.ctx, store.RunListParams{WorkflowID: "alerts"}); err != nil || alerts != 1 {
		t.Fatalf("on_failure runs = %d, %v; want 1", alerts, err)
	}
	hits := alertHits(b.recv)
	if len(hits) != 1 {
		t.Fatalf("alerts received = %d, want 1", len(hits))
	}
	issues, err := b.db.FailureIssueList(b.ctx, store.FailureIssueListParams{WorkflowID: "orders"})
	if err != nil || len(issues) != 1 {
		t.Fatalf("issues = %+v, %v; want 1", issues, err)
	}
	i := issues[0]
	if i.Count != n || i.Class != "http_422" || i.StepID != "notify" || i.State != store.IssueOpen {
		t.Errorf("issue = %+v; want 500 failures of notify, http_422, open", i)
	}
	got := mustJSON(t, hits[0].Body).(map[string]any)
	issue, _ := got["issue"].(map[string]any)
	if issue == nil || issue["id"] != i.ID || issue["class"] != "http_422" || got["count"] != float64(1) {
		t.Errorf("alert = %s; want the issue %s with count 1", hits[0].Body, i.ID)
	}

	// Resolved, the issue opens again on the next failure.
	if _, err := b.db.FailureIssueSetState(b.ctx, i.ID, store.IssueResolved, time.Now()); err != nil {
		t.Fatal(err)
	}
	e := b.newEngine(batchSpy{b.spy}, nil)
	b.start(e)
	b.engine = e
	r := b.accept(wf, `{"id":"again"}`)
	b.waitStatus(r, store.StatusFailed)
	waitUntil(t, "the second alert", func() bool { return len(alertHits(b.recv)) == 2 })
	again := mustJSON(t, alertHits(b.recv)[1].Body).(map[string]any)
	if issue, _ := again["issue"].(map[string]any); issue == nil || issue["id"] != i.ID || issue["reopened"] != true || again["count"] != float64(n+1) {
		t.Errorf("alert on reopening = %v; want the issue reopened with count %d", again, n+1)
	}
}

// TestOnFailureModeEvery: "on_failure_mode": "every" starts on_failure
// for each failed run, as before issues.
func TestOnFailureModeEvery(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.recv.Answer(func(h receivertest.Hit) receivertest.Reply {
		if h.Path == "/orders" {
			return receivertest.Reply{Status: 404}
		}
		return receivertest.Reply{}
	})
	b.save(alertsWorkflow)
	wf := b.save(`{
  "format": "hookflow/v1", "id": "orders", "name": "Orders",
  "trigger": {"type": "webhook"},
  "steps": [{"id": "notify", "type": "webhook", "url": "{{ vars.recv }}/orders"}],
  "on_failure": "alerts", "on_failure_mode": "every"
}`)
	for i := range 3 {
		b.waitStatus(b.accept(wf, fmt.Sprintf(`{"id":%d}`, i)), store.StatusFailed)
	}
	waitUntil(t, "three alerts", func() bool { return len(alertHits(b.recv)) == 3 })
}

// TestFailureClass: errors are told apart as the issues group them.
func TestFailureClass(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		err    error
		status int
		want   string
	}{
		{&actions.DeliveryError{Status: 503, Err: errors.New("503")}, 0, ClassHTTP5xx},
		{errors.New("x"), 404, "http_404"},
		{&actions.DeliveryError{Err: fmt.Errorf("dial: %w", syscall.ECONNREFUSED)}, 0, ClassConnectionRefused},
		{&actions.DeliveryError{Err: fmt.Errorf("timeout after 1s: %w", context.DeadlineExceeded)}, 0, ClassTimeout},
		{&actions.DeliveryError{Err: fmt.Errorf("%w: 10.0.0.1", actions.ErrEgressRefused)}, 0, ClassEgressRefused},
		{errors.New(`step "x": egress refused: 10.0.0.1 is private`), 0, ClassEgressRefused},
		{errors.New("something odd"), 0, ClassOther},
	} {
		if got := FailureClass(c.err, c.status); got != c.want {
			t.Errorf("FailureClass(%v, %d) = %s, want %s", c.err, c.status, got, c.want)
		}
	}
}

// TestExpressionFailureIssue: a run failing on an expression's error at
// run time is counted into an issue of class expression, for its step.
func TestExpressionFailureIssue(t *testing.T) {
	t.Parallel()
	b := setup(t)
	wf := b.save(`{
  "format": "hookflow/v1", "id": "shapes", "name": "Shapes",
  "trigger": {"type": "webhook"},
  "steps": [{"id": "shape", "type": "transform", "expr": "{n: int(payload.s)}"}]
}`)
	b.waitStatus(b.accept(wf, `{"s": "not a number"}`), store.StatusFailed)
	issues, err := b.db.FailureIssueList(b.ctx, store.FailureIssueListParams{WorkflowID: "shapes"})
	if err != nil || len(issues) != 1 || issues[0].Class != ClassExpression || issues[0].StepID != "shape" {
		t.Fatalf("issues = %+v, %v; want one of class expression for step shape", issues, err)
	}
}
