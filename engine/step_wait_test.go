package engine

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/hookflow/hookflow/store"
)

// approvalDef asks for an approval with the wait step's resume URL, waits
// for it, and reports what came.
const approvalDef = `{
  "format": "hookflow/v1", "id": "approve", "name": "Approve",
  "trigger": {"type": "webhook"},
  "steps": [
    {"id": "ask", "type": "webhook", "url": "{{ vars.recv }}/ask",
     "body": "{order: payload.id, link: resumeURL('approval')}"},
    {"id": "approval", "type": "wait", "timeout": "1h", "on_timeout": "%s"},
    {"id": "done", "type": "webhook", "url": "{{ vars.recv }}/done",
     "body": "{order: payload.id, approval: steps.approval}"}
  ]
}`

// askedToken is the token of the resume URL the run sent to /ask.
func (b *bundle) askedToken(t *testing.T) string {
	t.Helper()
	hits := b.recv.Wait(t, 1)
	var body struct{ Link string }
	if err := json.Unmarshal(hits[0].Body, &body); err != nil {
		t.Fatalf("ask body %s: %v", hits[0].Body, err)
	}
	_, tok, ok := strings.Cut(body.Link, "/hooks/resume/")
	if !ok || tok == "" {
		t.Fatalf("link %q is not a resume URL", body.Link)
	}
	return tok
}

// TestWaitResumed: the run waits, without a worker, until its resume URL's
// token is used; the step's output is what the request brought; a second
// request is refused, as is a token not made by the engine.
func TestWaitResumed(t *testing.T) {
	t.Parallel()
	c := newClock()
	b := setup(t, withClock(c))
	wf := b.save(strings.Replace(approvalDef, "%s", "fail", 1))
	run := b.accept(wf, `{"id":"A-1"}`)
	tok := b.askedToken(t)
	r := b.waitStatus(run, store.StatusWaiting)
	if r.LeaseOwner != "" || r.NextStep != 1 || !r.RunAt.Equal(t0.Add(time.Hour)) {
		t.Fatalf("waiting run = owner %q, next %d, due %v; want released at step 1 until %v", r.LeaseOwner, r.NextStep, r.RunAt, t0.Add(time.Hour))
	}
	if strings.Contains(tok, run) {
		t.Errorf("token %q holds the run id in clear", tok)
	}
	if _, err := b.engine.ResumeByToken(b.ctx, tok+"x", ResumeRequest{Method: "GET"}); !errors.Is(err, ErrBadResumeToken) {
		t.Errorf("a changed token: %v, want ErrBadResumeToken", err)
	}
	c.Advance(time.Minute)
	got, err := b.engine.ResumeByToken(b.ctx, tok, ResumeRequestOf("POST", map[string]string{"content-type": "application/json"},
		[]byte(`{"approved":true,"by":"ann"}`), "note=ok"))
	if err != nil || got != run {
		t.Fatalf("ResumeByToken = %q, %v; want run %s", got, err, run)
	}
	if f := b.waitFinished(run); f.Status != store.StatusSucceeded {
		t.Fatalf("run = %s (%q), want succeeded", f.Status, f.Error)
	}
	done := b.recv.On("/done")
	if len(done) != 1 {
		t.Fatalf("%d requests to /done, want 1", len(done))
	}
	jsonEqual(t, "done body", done[0].Body, `{"order":"A-1","approval":{"resumed":true,"method":"POST",
		"body":{"approved":true,"by":"ann"},"query":{"note":"ok"},"at":"2026-11-22T12:01:00Z"}}`)
	if _, err := b.engine.ResumeByToken(b.ctx, tok, ResumeRequest{Method: "POST"}); !errors.Is(err, store.ErrConflict) {
		t.Errorf("a second request: %v, want a conflict", err)
	}
	if n := len(b.recv.On("/ask")); n != 1 {
		t.Errorf("the ask step ran %d times, want once", n)
	}
}

// TestWaitTimesOut: with no request, fail fails the run when the time is
// up, and continue goes on with timed_out; a request after that is refused.
func TestWaitTimesOut(t *testing.T) {
	t.Parallel()
	for _, onTimeout := range []string{"fail", "continue"} {
		t.Run(onTimeout, func(t *testing.T) {
			t.Parallel()
			c := newClock()
			b := setup(t, withClock(c))
			wf := b.save(strings.Replace(approvalDef, "%s", onTimeout, 1))
			run := b.accept(wf, `{"id":"A-2"}`)
			tok := b.askedToken(t)
			b.waitStatus(run, store.StatusWaiting)
			c.Advance(time.Hour)
			f := b.waitFinished(run)
			if onTimeout == "fail" {
				if f.Status != store.StatusFailed || !strings.Contains(f.Error, "timed out") {
					t.Fatalf("run = %s (%q), want failed, timed out", f.Status, f.Error)
				}
				if n := len(b.recv.On("/done")); n != 0 {
					t.Errorf("%d requests to /done after a failed wait", n)
				}
			} else {
				if f.Status != store.StatusSucceeded {
					t.Fatalf("run = %s (%q), want succeeded", f.Status, f.Error)
				}
				done := b.recv.On("/done")
				if len(done) != 1 {
					t.Fatalf("%d requests to /done, want 1", len(done))
				}
				jsonEqual(t, "done body", done[0].Body, `{"order":"A-2","approval":{"resumed":false,"timed_out":true}}`)
			}
			if _, err := b.engine.ResumeByToken(b.ctx, tok, ResumeRequest{Method: "GET"}); !errors.Is(err, store.ErrConflict) {
				t.Errorf("a request after the timeout: %v, want a conflict", err)
			}
		})
	}
}

// TestResumeURLNamesAWaitStep: resumeURL of a step that is not a wait
// step fails the step that asks for it.
func TestResumeURLNamesAWaitStep(t *testing.T) {
	t.Parallel()
	b := setup(t)
	wf := b.save(`{
  "format": "hookflow/v1", "id": "bad-link", "name": "Bad link",
  "trigger": {"type": "webhook"},
  "steps": [
    {"id": "ask", "type": "webhook", "url": "{{ vars.recv }}/ask", "body": "{link: resumeURL('ask')}"}
  ]
}`)
	run := b.accept(wf, `{}`)
	if f := b.waitFinished(run); f.Status != store.StatusFailed || !strings.Contains(f.Error, `no wait step "ask"`) {
		t.Fatalf("run = %s (%q), want failed naming the step", f.Status, f.Error)
	}
}

// TestWaitResumedOnAnotherEngine: the wait lives in the store, and resume
// URLs are signed with the store's key: an engine that did not make the
// URL (another replica, or the same server restarted) takes it, and runs
// the rest.
func TestWaitResumedOnAnotherEngine(t *testing.T) {
	t.Parallel()
	b := setup(t)
	wf := b.save(strings.Replace(approvalDef, "%s", "fail", 1))
	run := b.accept(wf, `{"id":"A-9"}`)
	tok := b.askedToken(t)
	b.waitStatus(run, store.StatusWaiting)
	ctx, cancel := context.WithTimeout(b.ctx, 5*time.Second)
	defer cancel()
	if err := b.engine.Shutdown(ctx); err != nil {
		t.Fatalf("Shutdown: %v", err)
	}

	other := b.newEngine(b.db, nil)
	b.start(other)
	if _, err := other.ResumeByToken(b.ctx, tok, ResumeRequest{Method: "POST", Body: map[string]any{"approved": true}}); err != nil {
		t.Fatalf("ResumeByToken on another engine: %v", err)
	}
	if r := b.waitFinished(run); r.Status != store.StatusSucceeded {
		t.Fatalf("run = %s (%q), want succeeded", r.Status, r.Error)
	}
	if n := len(b.recv.On("/ask")); n != 1 {
		t.Errorf("the ask step ran %d times, want once", n)
	}
	jsonEqual(t, "done", b.recv.On("/done")[0].Body, `{"order":"A-9","approval":{"resumed":true,"method":"POST","body":{"approved":true},"query":{},"at":"`+
		mustRFC3339(t, b.resultsOf(run, "approval"))+`"}}`)
}

// mustRFC3339 is the at of the last attempt's output of a wait step.
func mustRFC3339(t *testing.T, rs []store.StepResult) string {
	t.Helper()
	if len(rs) == 0 {
		t.Fatal("no attempts")
	}
	var out struct{ At string }
	if err := json.Unmarshal(rs[len(rs)-1].Output, &out); err != nil || out.At == "" {
		t.Fatalf("output %s: %v", rs[len(rs)-1].Output, err)
	}
	return out.At
}

// TestWaitNested: a wait step among nested steps (each round of a loop)
// has a resume URL of its own per round, and the run waits at each in
// turn; a resumed round is not asked again.
func TestWaitNested(t *testing.T) {
	t.Parallel()
	b := setup(t)
	wf := b.save(`{
  "format": "hookflow/v1", "id": "each-approve", "name": "Each approve",
  "trigger": {"type": "webhook"},
  "steps": [
    {"id": "rounds", "type": "test_repeat", "times": 2, "steps": [
      {"id": "ask", "type": "webhook", "url": "{{ vars.recv }}/ask", "body": "{link: resumeURL('approval')}"},
      {"id": "approval", "type": "wait", "timeout": "1h"}
    ]},
    {"id": "done", "type": "webhook", "url": "{{ vars.recv }}/done", "body": "steps.rounds"}
  ]
}`)
	run := b.accept(wf, `{}`)
	var tokens []string
	for round := range 2 {
		hits := b.recv.Wait(t, round+1)
		var body struct{ Link string }
		if err := json.Unmarshal(hits[round].Body, &body); err != nil {
			t.Fatal(err)
		}
		_, tok, _ := strings.Cut(body.Link, "/hooks/resume/")
		tokens = append(tokens, tok)
		b.waitStatus(run, store.StatusWaiting)
		if _, err := b.engine.ResumeByToken(b.ctx, tok, ResumeRequest{Method: "POST", Body: map[string]any{"round": round}}); err != nil {
			t.Fatalf("round %d: ResumeByToken: %v", round, err)
		}
	}
	if tokens[0] == tokens[1] {
		t.Errorf("both rounds have the resume URL %s", tokens[0])
	}
	if r := b.waitFinished(run); r.Status != store.StatusSucceeded {
		t.Fatalf("run = %s (%q), want succeeded", r.Status, r.Error)
	}
	if n := len(b.recv.On("/ask")); n != 2 {
		t.Errorf("asked %d times, want once per round", n)
	}
	var done struct {
		Results []struct {
			Resumed bool           `json:"resumed"`
			Body    map[string]any `json:"body"`
		} `json:"results"`
	}
	if err := json.Unmarshal(b.recv.On("/done")[0].Body, &done); err != nil || len(done.Results) != 2 ||
		done.Results[1].Body["round"] != float64(1) || !done.Results[0].Resumed {
		t.Fatalf("done = %s (%v)", b.recv.On("/done")[0].Body, err)
	}
}
