package web_test

import (
	"net/http"
	"testing"

	"github.com/hookflow/hookflow/engine"
)

func (b *bundle) testRun(id string, body any) engine.TestReport {
	b.t.Helper()
	r := b.api(http.MethodPost, "/api/v1/workflows/"+id+"/test", body)
	if r.status != http.StatusOK {
		b.t.Fatalf("test %s = %d %s", id, r.status, r.body)
	}
	var rep engine.TestReport
	r.decode(b.t, &rep)
	return rep
}

func TestWorkflowTestDry(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.create(relayDef("dry", b.recv.URL))
	rep := b.testRun("dry", map[string]any{"payload": map[string]any{"id": "t1", "status": "paid", "amount": 250}})
	if rep.Status != "succeeded" || len(rep.Steps) != 3 {
		t.Fatalf("report = %+v", rep)
	}
	for i, want := range []string{"paid", "shape", "notify"} {
		if s := rep.Steps[i]; s.Step != want || s.Status != "succeeded" || len(s.Input) == 0 {
			t.Errorf("step %d = %+v", i, s)
		}
	}
	jsonEqual(t, rep.Steps[1].Output, map[string]any{"order": "t1", "total": 2.5})
	jsonEqual(t, rep.Steps[2].Output, map[string]any{"sent": false})
	b.wantReceived(0)
	if ids := b.runIDs(""); len(ids) != 0 {
		t.Errorf("a test run was stored: %v", ids)
	}

	// A filter that says no ends the report there.
	rep = b.testRun("dry", map[string]any{"payload": map[string]any{"status": "open"}})
	if rep.Status != "filtered" || len(rep.Steps) != 1 {
		t.Errorf("filtered report = %+v", rep)
	}
}

func TestWorkflowTestSend(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.create(relayDef("send", b.recv.URL))
	rep := b.testRun("send", map[string]any{"send": true, "payload": map[string]any{"id": "s1", "status": "paid", "amount": 100}})
	if rep.Status != "succeeded" || len(rep.Steps) != 3 || rep.Steps[2].StatusCode != http.StatusOK {
		t.Fatalf("report = %+v", rep)
	}
	got := b.recv.Next(t)
	if got.Path != "/orders/s1" {
		t.Errorf("receiver got %s", got.Path)
	}
	jsonEqual(t, got.Body, map[string]any{"order": "s1", "total": 1})
}

func TestWorkflowTestLastEvent(t *testing.T) {
	t.Parallel()
	b := setup(t)
	w := b.create(relayDef("last", b.recv.URL))
	// No payload and nothing captured yet.
	wantError(t, b.api(http.MethodPost, "/api/v1/workflows/last/test", nil), http.StatusBadRequest, "no_sample")
	wantError(t, b.api(http.MethodPost, "/api/v1/workflows/last/test", map[string]any{"send": false}), http.StatusBadRequest, "no_sample")

	b.waitRun(b.trigger(w.TriggerURL, map[string]any{"id": "old", "status": "paid", "amount": 100}))
	b.waitRun(b.trigger(w.TriggerURL, map[string]any{"id": "new", "status": "paid", "amount": 700}))
	b.recv.Next(t)
	b.recv.Next(t)

	rep := b.testRun("last", nil)
	if rep.Status != "succeeded" || len(rep.Steps) != 3 {
		t.Fatalf("report = %+v", rep)
	}
	jsonEqual(t, rep.Steps[0].Input, map[string]any{"id": "new", "status": "paid", "amount": 700})
	jsonEqual(t, rep.Steps[1].Output, map[string]any{"order": "new", "total": 7})
	b.wantReceived(2)

	wantError(t, b.api(http.MethodPost, "/api/v1/workflows/nope/test", map[string]any{"payload": 1}), http.StatusNotFound, "not_found")
	wantError(t, b.api(http.MethodPost, "/api/v1/workflows/last/test", `{"payload": `), http.StatusBadRequest, "bad_json")
}
