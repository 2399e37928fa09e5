package engine

import (
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/hookflow/hookflow/internal/receivertest"
	"github.com/hookflow/hookflow/store"
)

// acceptSync accepts a JSON body for a sync trigger and waits for the run's
// response.
func (b *bundle) acceptSync(wf store.Workflow, body string, timeout time.Duration) (string, Response, error) {
	b.t.Helper()
	res, err := b.engine.Accept(b.ctx, AcceptParams{WorkflowID: wf.ID, Revision: wf.Revision, Event: jsonEvent(body), Sync: true})
	if err != nil {
		b.t.Fatalf("Accept: %v", err)
	}
	resp, err := b.engine.AwaitResponse(b.ctx, res.RunID, timeout)
	return res.RunID, resp, err
}

// TestSyncRespond: a sync caller gets the respond step's status, headers
// and body, while the run goes on after it.
func TestSyncRespond(t *testing.T) {
	t.Parallel()
	b := setup(t)
	wf := b.save(`{
  "format": "hookflow/v1", "id": "sync", "name": "Sync",
  "trigger": {"type": "webhook", "response": {"mode": "sync", "timeout": "5s"}},
  "steps": [
    {"id": "shape", "type": "transform", "expr": "{order: payload.id}"},
    {"id": "answer", "type": "respond", "status": 201,
     "headers": {"X-Order": "{{ payload.order }}"}, "body": "{accepted: true, order: payload.order}"},
    {"id": "notify", "type": "webhook", "url": "{{ vars.recv }}/after"}
  ]
}`)
	run, resp, err := b.acceptSync(wf, `{"id":"A-7"}`, waitFor)
	if err != nil {
		t.Fatalf("AwaitResponse: %v", err)
	}
	want := Response{Status: 201, Headers: map[string]string{"X-Order": "A-7"},
		Body: map[string]any{"accepted": true, "order": "A-7"}}
	if !reflect.DeepEqual(resp, want) {
		t.Errorf("response = %+v, want %+v", resp, want)
	}
	if r := b.waitFinished(run); r.Status != store.StatusSucceeded {
		t.Errorf("run = %s (%q), want succeeded", r.Status, r.Error)
	}
	if got := len(b.recv.On("/after")); got != 1 {
		t.Errorf("step after respond sent %d times, want 1", got)
	}
}

// TestSyncWithoutRespond: a run without a respond step answers with its
// outcome: the final payload, or a 502 where it failed.
func TestSyncWithoutRespond(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.recv.Answer(func(h receivertest.Hit) receivertest.Reply {
		if h.Path == "/fail" {
			return receivertest.Reply{Status: 400}
		}
		return receivertest.Reply{}
	})
	wf := b.save(`{
  "format": "hookflow/v1", "id": "sync-outcome", "name": "Sync outcome",
  "trigger": {"type": "webhook", "response": {"mode": "sync"}},
  "steps": [
    {"id": "keep", "type": "filter", "expr": "payload.keep"},
    {"id": "shape", "type": "transform", "expr": "{order: payload.id}"},
    {"id": "notify", "type": "webhook", "url": "{{ vars.recv }}/{{ payload.order }}"}
  ]
}`)

	t.Run("Succeeded", func(t *testing.T) {
		_, resp, err := b.acceptSync(wf, `{"id":"ok","keep":true}`, waitFor)
		if err != nil {
			t.Fatal(err)
		}
		if want := (Response{Status: 200, Body: map[string]any{"order": "ok"}}); !reflect.DeepEqual(resp, want) {
			t.Errorf("response = %+v, want %+v", resp, want)
		}
	})
	t.Run("Filtered", func(t *testing.T) {
		run, resp, err := b.acceptSync(wf, `{"id":"ok","keep":false}`, waitFor)
		if err != nil {
			t.Fatal(err)
		}
		if want := (Response{Status: 200, Body: map[string]any{"run_id": run, "status": "filtered"}}); !reflect.DeepEqual(resp, want) {
			t.Errorf("response = %+v, want %+v", resp, want)
		}
	})
	t.Run("Failed", func(t *testing.T) {
		run, resp, err := b.acceptSync(wf, `{"id":"fail","keep":true}`, waitFor)
		if err != nil {
			t.Fatal(err)
		}
		r := b.waitFinished(run)
		body, _ := resp.Body.(map[string]any)
		e, _ := body["error"].(map[string]any)
		if resp.Status != 502 || e["code"] != "run_failed" || e["run_id"] != run || r.Error == "" {
			t.Errorf("response = %+v (run error %q); want 502 run_failed", resp, r.Error)
		}
		if msg, _ := e["message"].(string); strings.Contains(msg, "127.0.0.1") || strings.Contains(msg, r.Error) {
			t.Errorf("the public answer %q shows the run's error", msg)
		}
	})
}

// TestSyncTimeout: a run slower than the wait gives ErrResponseTimeout.
func TestSyncTimeout(t *testing.T) {
	t.Parallel()
	b := setup(t)
	release := make(chan struct{})
	t.Cleanup(func() { close(release) })
	b.recv.Answer(func(receivertest.Hit) receivertest.Reply { return receivertest.Reply{Block: release} })
	wf := b.save(`{
  "format": "hookflow/v1", "id": "sync-slow", "name": "Sync slow",
  "trigger": {"type": "webhook", "response": {"mode": "sync"}},
  "steps": [{"id": "notify", "type": "webhook", "url": "{{ vars.recv }}/slow"}]
}`)
	_, _, err := b.acceptSync(wf, `{}`, 100*time.Millisecond)
	if !errors.Is(err, ErrResponseTimeout) {
		t.Errorf("AwaitResponse = %v, want ErrResponseTimeout", err)
	}
}

// TestAwaitResponseFromStore: a run executed elsewhere (here: finished
// before anyone waited) is answered from the store.
func TestAwaitResponseFromStore(t *testing.T) {
	t.Parallel()
	b := setup(t)
	wf := b.save(`{
  "format": "hookflow/v1", "id": "stored", "name": "Stored",
  "trigger": {"type": "webhook", "response": {"mode": "sync"}},
  "steps": [
    {"id": "answer", "type": "respond", "status": 202, "body": "{queued: payload.id}"}
  ]
}`)
	run := b.accept(wf, `{"id":"A-1"}`) // not registered as sync
	b.waitStatus(run, store.StatusSucceeded)
	resp, err := b.engine.AwaitResponse(b.ctx, run, waitFor)
	if err != nil {
		t.Fatal(err)
	}
	if want := (Response{Status: 202, Headers: map[string]string{}, Body: map[string]any{"queued": "A-1"}}); !reflect.DeepEqual(resp, want) {
		t.Errorf("response = %+v, want %+v", resp, want)
	}
}
