package engine

import (
	"testing"

	"github.com/hookflow/hookflow/internal/receivertest"
	"github.com/hookflow/hookflow/store"
)

// TestCancelInFlight: a run cancelled while its first webhook is in flight
// finishes that call, which is recorded, and then ends cancelled: its
// second webhook is never sent.
func TestCancelInFlight(t *testing.T) {
	t.Parallel()
	b := setup(t)
	hold := make(chan struct{})
	arrived := make(chan struct{}, 1)
	b.recv.Answer(func(h receivertest.Hit) receivertest.Reply {
		if h.Path == "/first" {
			arrived <- struct{}{}
			return receivertest.Reply{Block: hold}
		}
		return receivertest.Reply{}
	})
	wf := b.save(`{
  "format": "hookflow/v1", "id": "two-calls", "name": "Two calls",
  "trigger": {"type": "webhook"},
  "steps": [
    {"id": "first", "type": "webhook", "url": "{{ vars.recv }}/first"},
    {"id": "second", "type": "webhook", "url": "{{ vars.recv }}/second"}
  ]
}`)
	id := b.accept(wf, `{"n": 1}`)
	<-arrived
	r, cancelled, err := b.engine.Cancel(b.ctx, id)
	if err != nil || cancelled || r.Status != store.StatusRunning {
		t.Fatalf("Cancel(in flight) = %s cancelled=%v, %v; want running, cancel asked", r.Status, cancelled, err)
	}
	close(hold)
	r = b.waitFinished(id)
	if r.Status != store.StatusCancelled || r.NextStep != 1 {
		t.Fatalf("run = %s at step %d, want cancelled after its first step", r.Status, r.NextStep)
	}
	if res := b.resultsOf(id, "first"); len(res) != 1 || res[0].Status != store.StepSucceeded {
		t.Errorf("the attempt in flight: %+v, want recorded as succeeded", res)
	}
	for _, h := range b.recv.Hits() {
		if h.Path == "/second" {
			t.Errorf("the second step was sent after the run was cancelled")
		}
	}
	if _, _, err := b.engine.Cancel(b.ctx, id); err == nil {
		t.Errorf("Cancel(cancelled run) succeeded, want a conflict")
	}
}
