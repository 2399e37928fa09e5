package engine

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/hookflow/hookflow/internal/receivertest"
	"github.com/hookflow/hookflow/kinds"
	"github.com/hookflow/hookflow/store"
)

// oneWebhook is a workflow of one webhook step to the receiver's /hook,
// retried quickly.
const oneWebhook = `{
  "format": "hookflow/v1", "id": "one-webhook", "name": "One webhook",
  "trigger": {"type": "webhook"},
  "steps": [{"id": "notify", "type": "webhook", "url": "{{ vars.recv }}/hook",
    "retry": {"max_attempts": 3, "initial": "10ms", "max": "20ms"}}]
}`

func statuses(codes ...int) func(h receivertest.Hit) receivertest.Reply {
	return func(h receivertest.Hit) receivertest.Reply {
		if h.N <= len(codes) {
			return receivertest.Reply{Status: codes[h.N-1]}
		}
		return receivertest.Reply{}
	}
}

// TestWebhookRetries: 5xx is retried with backoff until it succeeds, with
// the same webhook-id on every attempt.
func TestWebhookRetries(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.recv.Answer(statuses(500, 500, 200))
	wf := b.save(oneWebhook)
	run := b.accept(wf, `{"order":"A-1"}`)

	r := b.waitFinished(run)
	if r.Status != store.StatusSucceeded || r.Error != "" {
		t.Fatalf("run = %s (%q), want succeeded", r.Status, r.Error)
	}
	if r.Attempt != 3 {
		t.Errorf("run claimed %d times, want 3", r.Attempt)
	}
	hits := b.recv.Hits()
	if len(hits) != 3 {
		t.Fatalf("receiver got %d requests, want 3", len(hits))
	}
	id := hits[0].Header.Get("Webhook-Id")
	for _, h := range hits {
		if got := h.Header.Get("Webhook-Id"); id == "" || got != id {
			t.Errorf("webhook-id of attempt %d = %q, want %q on every attempt", h.N, got, id)
		}
		jsonEqual(t, "body", h.Body, `{"order":"A-1"}`)
	}

	// The run went retrying, due again after the attempt that failed (full
	// jitter may make it due at once), twice, then succeeded.
	var got []string
	for _, u := range b.spy.updatesOf(run) {
		got = append(got, u.Status)
		if u.Status == store.StatusRetrying && !u.RunAt.After(hits[len(got)-1].At) {
			t.Errorf("retrying run due at %v, not after its failed attempt at %v", u.RunAt, hits[len(got)-1].At)
		}
		if u.Status == store.StatusRetrying && u.RunAt.Sub(u.Now) > 20*time.Millisecond {
			t.Errorf("retry due in %v, beyond retry.max 20ms", u.RunAt.Sub(u.Now))
		}
	}
	if want := []string{"retrying", "retrying", "succeeded"}; strings.Join(got, ",") != strings.Join(want, ",") {
		t.Errorf("run updates = %v, want %v", got, want)
	}

	rs := b.results(run)
	if len(rs) != 3 {
		t.Fatalf("%d step results, want 3", len(rs))
	}
	for i, want := range []struct {
		status string
		code   int
	}{{store.StepRetrying, 500}, {store.StepRetrying, 500}, {store.StepSucceeded, 200}} {
		r := rs[i]
		if r.StepID != "notify" || r.Attempt != i+1 || r.Status != want.status || r.StatusCode != want.code {
			t.Errorf("result %d = step %s attempt %d %s %d; want notify attempt %d %s %d",
				i, r.StepID, r.Attempt, r.Status, r.StatusCode, i+1, want.status, want.code)
		}
		if want.status == store.StepRetrying && !strings.Contains(r.Error, "500") {
			t.Errorf("result %d error = %q, want the 500", i, r.Error)
		}
	}
}

// TestWebhookClientErrorFails: a 4xx other than 408 and 429 fails at once.
func TestWebhookClientErrorFails(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.recv.Answer(statuses(400))
	wf := b.save(oneWebhook)
	run := b.accept(wf, `{}`)

	r := b.waitFinished(run)
	if r.Status != store.StatusFailed || !strings.Contains(r.Error, "400") || !strings.Contains(r.Error, `"notify"`) {
		t.Errorf("run = %s (%q), want failed naming the step and the 400", r.Status, r.Error)
	}
	rs := b.results(run)
	if len(rs) != 1 || rs[0].Status != store.StepFailed || rs[0].StatusCode != 400 || rs[0].Attempt != 1 {
		t.Errorf("step results = %+v, want one failed attempt with 400", rs)
	}
	if got := b.recv.Count(); got != 1 {
		t.Errorf("receiver got %d requests, want 1", got)
	}
}

// TestWebhookRetryAfter: a 503's Retry-After sets when the run is due again.
func TestWebhookRetryAfter(t *testing.T) {
	t.Parallel()
	c := newClock()
	b := setup(t, withClock(c))
	b.recv.Answer(func(h receivertest.Hit) receivertest.Reply {
		if h.N == 1 {
			return receivertest.Reply{Status: http.StatusServiceUnavailable, Header: map[string]string{"Retry-After": "120"}}
		}
		return receivertest.Reply{}
	})
	wf := b.save(oneWebhook)
	run := b.accept(wf, `{}`)

	r := b.waitStatus(run, store.StatusRetrying)
	rs := b.results(run)
	if len(rs) != 1 || rs[0].Status != store.StepRetrying || rs[0].StatusCode != 503 {
		t.Fatalf("step results = %+v, want one retrying attempt with 503", rs)
	}
	if wait := r.RunAt.Sub(rs[0].StartedAt); wait < 120*time.Second {
		t.Errorf("run due %v after the attempt, want at least the 120s of Retry-After", wait)
	}
	if r.NextStep != 0 || r.StepAttempt != 1 || r.LeaseOwner != "" {
		t.Errorf("retrying run = next step %d, step attempt %d, lease %q; want 0, 1, released", r.NextStep, r.StepAttempt, r.LeaseOwner)
	}

	c.Advance(119 * time.Second)
	time.Sleep(100 * time.Millisecond) // several polls: still not due
	if got := b.recv.Count(); got != 1 {
		t.Fatalf("receiver got %d requests before Retry-After passed, want 1", got)
	}
	c.Advance(time.Second)
	if r := b.waitFinished(run); r.Status != store.StatusSucceeded {
		t.Errorf("run = %s (%q), want succeeded", r.Status, r.Error)
	}
	if got := b.recv.Count(); got != 2 {
		t.Errorf("receiver got %d requests, want 2", got)
	}
}

// TestWebhookRedirectNotFollowed: a 3xx is a failure; its Location is never
// requested.
func TestWebhookRedirectNotFollowed(t *testing.T) {
	t.Parallel()
	b := setup(t)
	other := receivertest.New(t)
	b.recv.Answer(func(receivertest.Hit) receivertest.Reply {
		return receivertest.Reply{Status: http.StatusFound, Header: map[string]string{"Location": other.URL + "/elsewhere"}}
	})
	wf := b.save(oneWebhook)
	run := b.accept(wf, `{}`)

	r := b.waitFinished(run)
	if r.Status != store.StatusFailed || !strings.Contains(r.Error, "302") {
		t.Errorf("run = %s (%q), want failed with the 302", r.Status, r.Error)
	}
	if got := b.recv.Count(); got != 1 {
		t.Errorf("receiver got %d requests, want 1", got)
	}
	if got := other.Count(); got != 0 {
		t.Errorf("redirect target got %d requests, want 0", got)
	}
}

// TestWebhookGivesUp: after max_attempts the run fails for good.
func TestWebhookGivesUp(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.recv.Answer(func(receivertest.Hit) receivertest.Reply { return receivertest.Reply{Status: http.StatusBadGateway} })
	wf := b.save(oneWebhook)
	run := b.accept(wf, `{}`)

	r := b.waitFinished(run)
	if r.Status != store.StatusFailed || !strings.Contains(r.Error, "gave up after 3 attempts") {
		t.Errorf("run = %s (%q), want failed, having given up after 3 attempts", r.Status, r.Error)
	}
	rs := b.results(run)
	if len(rs) != 3 || rs[2].Status != store.StepFailed || rs[2].Attempt != 3 {
		t.Errorf("step results = %+v, want 2 retrying and a failed third", rs)
	}
	if got := b.recv.Count(); got != 3 {
		t.Errorf("receiver got %d requests, want 3", got)
	}
}

// TestWebhookConnectionRefused: a receiver that is down is retried too.
func TestWebhookConnectionRefused(t *testing.T) {
	t.Parallel()
	b := setup(t)
	down := receivertest.New(t)
	down.Server.Close()
	w := decode(t, oneWebhook)
	w.Vars = map[string]any{"recv": down.URL}
	res, err := b.engine.SaveWorkflow(b.ctx, w)
	if err != nil {
		t.Fatal(err)
	}
	run := b.accept(res.Workflow, `{}`)
	r := b.waitFinished(run)
	if r.Status != store.StatusFailed || !strings.Contains(r.Error, "gave up after 3 attempts") {
		t.Errorf("run = %s (%q), want failed after 3 attempts", r.Status, r.Error)
	}
}

// TestResumeAtFailedStep: a retried run resumes at the failed step; the
// earlier transform is not run again and its output is restored.
func TestResumeAtFailedStep(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.recv.Answer(func(h receivertest.Hit) receivertest.Reply {
		switch {
		case h.Path == "/first" && h.PathN == 1:
			return receivertest.Reply{Status: 500}
		case h.Path == "/first":
			return receivertest.Reply{Body: `{"id":"remote-1"}`}
		}
		return receivertest.Reply{}
	})
	wf := b.save(`{
  "format": "hookflow/v1", "id": "resume", "name": "Resume",
  "trigger": {"type": "webhook"},
  "steps": [
    {"id": "shape", "type": "transform", "expr": "{order: payload.id, nonce: uuid()}"},
    {"id": "first", "type": "webhook", "url": "{{ vars.recv }}/first",
     "retry": {"initial": "10ms", "max": "20ms"}},
    {"id": "second", "type": "webhook", "url": "{{ vars.recv }}/second",
     "body": "{shape: steps.shape, first: steps.first.body, payload: payload}"}
  ]
}`)
	run := b.accept(wf, `{"id":"A-9"}`)
	if r := b.waitFinished(run); r.Status != store.StatusSucceeded {
		t.Fatalf("run = %s (%q), want succeeded", r.Status, r.Error)
	}

	for step, want := range map[string]int{"shape": 1, "first": 2, "second": 1} {
		if got := len(b.resultsOf(run, step)); got != want {
			t.Errorf("step %s has %d results, want %d", step, got, want)
		}
	}
	shape := b.resultsOf(run, "shape")[0].Output
	first := b.recv.On("/first")
	second := b.recv.On("/second")
	if len(first) != 2 || len(second) != 1 {
		t.Fatalf("receiver got %d on /first and %d on /second, want 2 and 1", len(first), len(second))
	}
	for _, h := range first {
		jsonEqual(t, "first body", h.Body, string(shape))
	}
	jsonEqual(t, "second body", second[0].Body,
		`{"shape":`+string(shape)+`,"first":{"id":"remote-1"},"payload":`+string(shape)+`}`)
}

func TestBackoff(t *testing.T) {
	t.Parallel()
	p := kinds.RetryPolicy{MaxAttempts: 10, Initial: time.Second, Max: 10 * time.Second}
	for _, c := range []struct {
		attempt    int
		retryAfter time.Duration
		lo, hi     time.Duration
	}{
		{1, 0, 0, time.Second},
		{2, 0, 0, 2 * time.Second},
		{3, 0, 0, 4 * time.Second},
		{5, 0, 0, 10 * time.Second}, // 16s capped
		{50, 0, 0, 10 * time.Second},
		{1, time.Minute, time.Minute, time.Minute}, // Retry-After wins
	} {
		for range 100 {
			if d := kinds.Backoff(p, c.attempt, c.retryAfter); d < c.lo || d > c.hi {
				t.Fatalf("backoff(attempt %d, retry-after %v) = %v, want within [%v, %v]", c.attempt, c.retryAfter, d, c.lo, c.hi)
			}
		}
	}
}

// TestWebhookURLFromEvent: a value from the payload placed in the URL's
// path or query is escaped there, so the request, with its Authorization
// header, goes to the host the workflow names and to the path it means.
func TestWebhookURLFromEvent(t *testing.T) {
	t.Parallel()
	b := setup(t)
	wf := b.save(`{
  "format": "hookflow/v1", "id": "escaped-url", "name": "Escaped URL",
  "trigger": {"type": "webhook"},
  "steps": [{"id": "notify", "type": "webhook",
    "url": "{{ vars.recv }}/orders/{{ payload.order }}?note={{ payload.note }}",
    "headers": {"Authorization": "Bearer t0ken"}}]
}`)
	run := b.accept(wf, `{"order": "../admin?x=1#@evil.example/", "note": "a&b=c"}`)
	if r := b.waitFinished(run); r.Status != store.StatusSucceeded {
		t.Fatalf("run = %s (%q), want succeeded", r.Status, r.Error)
	}
	hits := b.recv.Hits()
	if len(hits) != 1 {
		t.Fatalf("receiver got %d requests, want 1", len(hits))
	}
	if want := "/orders/..%2Fadmin%3Fx%3D1%23%40evil.example%2F?note=a%26b%3Dc"; hits[0].URI != want {
		t.Errorf("request target %q, want %q", hits[0].URI, want)
	}
	if got := hits[0].Header.Get("Authorization"); got != "Bearer t0ken" {
		t.Errorf("Authorization = %q", got)
	}
}
