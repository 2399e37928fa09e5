package engine

import (
	"bytes"
	"database/sql"
	"encoding/json"
	"net/http"
	"reflect"
	"sync/atomic"
	"testing"

	"github.com/hookflow/hookflow/bench"
	"github.com/hookflow/hookflow/internal/receivertest"
	"github.com/hookflow/hookflow/store"
)

// e2eRun accepts the bench's 1 KB payload for the bench's e2e workflow
// (filter, transform, webhook to the receiver) and waits for the run to
// succeed.
func (b *bundle) e2eRun(t *testing.T) string {
	t.Helper()
	def, err := bench.WorkflowDefinition(bench.ModeE2E, b.recv.URL)
	if err != nil {
		t.Fatalf("bench workflow: %v", err)
	}
	wf := b.save(string(def))
	ev := jsonEvent("")
	ev.Body = bench.DefaultPayload
	ev.Headers["x-bench-seq"] = "7"
	res, err := b.engine.Accept(b.ctx, AcceptParams{WorkflowID: wf.ID, Revision: wf.Revision, Event: ev})
	if err != nil {
		t.Fatalf("Accept: %v", err)
	}
	b.waitStatus(res.RunID, store.StatusSucceeded)
	return res.RunID
}

// storedBytes is what a run keeps in its event's body and its records'
// columns (the run's initial_steps, its step_results' input, output and
// error), as stored, and the stored input of its step step's attempts.
func storedBytes(t *testing.T, path, runID, step string) (total int, inputs []int) {
	t.Helper()
	db, err := sql.Open("sqlite", "file:"+path+"?mode=ro")
	if err != nil {
		t.Fatalf("open %s: %v", path, err)
	}
	defer db.Close()
	if err := db.QueryRow(`SELECT length(e.body) + length(r.initial_steps) + coalesce((SELECT
		sum(length(s.input) + length(s.output) + length(s.error)) FROM step_results s WHERE s.run_id = r.id), 0)
		FROM runs r JOIN events e ON e.id = r.event_id WHERE r.id = ?`, runID).Scan(&total); err != nil {
		t.Fatalf("stored bytes of run %s: %v", runID, err)
	}
	rows, err := db.Query(`SELECT length(input) FROM step_results WHERE run_id = ? AND step_id = ? ORDER BY seq`, runID, step)
	if err != nil {
		t.Fatalf("stored inputs of run %s: %v", runID, err)
	}
	defer rows.Close()
	for rows.Next() {
		var n int
		if err := rows.Scan(&n); err != nil {
			t.Fatalf("stored inputs of run %s: %v", runID, err)
		}
		inputs = append(inputs, n)
	}
	if err := rows.Err(); err != nil {
		t.Fatalf("stored inputs of run %s: %v", runID, err)
	}
	return total, inputs
}

// checkDelivery checks a webhook attempt's record reads back as made: its
// input is the request, whose body is the transform's recorded output,
// byte for byte.
func checkDelivery(t *testing.T, shape, deliver store.StepResult) {
	t.Helper()
	var req struct {
		Body    json.RawMessage   `json:"body"`
		Headers map[string]string `json:"headers"`
		Method  string            `json:"method"`
		URL     string            `json:"url"`
	}
	if err := json.Unmarshal(deliver.Input, &req); err != nil {
		t.Fatalf("deliver attempt %d: input %s: %v", deliver.Attempt, deliver.Input, err)
	}
	if !bytes.Equal(req.Body, shape.Output) || req.Method != http.MethodPost ||
		!reflect.DeepEqual(req.Headers, map[string]string{"x-source": "hookflow-bench"}) {
		t.Fatalf("deliver attempt %d: input %s; want the POST of the transform's output %s", deliver.Attempt, deliver.Input, shape.Output)
	}
}

// TestRunStorageE2E: a run of the bench's e2e workflow keeps its 1 KB event
// and its records in at most 1.5 times the event's body, the webhook's
// request holding the transform's output as a reference to it, and reads
// back whole.
func TestRunStorageE2E(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.recv.Handle(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusOK) }) // as the bench's receiver
	id := b.e2eRun(t)

	rs := b.results(id)
	if len(rs) != 3 || rs[0].StepID != "all" || rs[1].StepID != "shape" || rs[2].StepID != "deliver" {
		t.Fatalf("results = %+v; want all, shape, deliver", rs)
	}
	if !bytes.Equal(rs[0].Input, bench.DefaultPayload) || !bytes.Equal(rs[1].Input, bench.DefaultPayload) {
		t.Fatalf("filter and transform inputs are not the event's body")
	}
	checkDelivery(t, rs[1], rs[2])
	if hits := b.recv.Hits(); len(hits) != 1 || !bytes.Equal(hits[0].Body, rs[1].Output) {
		t.Fatalf("receiver got %d requests; want one with the transform's output", len(hits))
	}

	total, inputs := storedBytes(t, b.path, id, "deliver")
	if len(inputs) != 1 || inputs[0] > len(rs[2].Input)-len(rs[1].Output)+32 {
		t.Errorf("deliver's input stored in %v bytes; want at most %d (the request less the transform's output)",
			inputs, len(rs[2].Input)-len(rs[1].Output)+32)
	}
	if limit := len(bench.DefaultPayload) * 3 / 2; total > limit {
		t.Errorf("the run stores %d bytes for a %d-byte event; want at most %d", total, len(bench.DefaultPayload), limit)
	}
	t.Logf("the run stores %d bytes for a %d-byte event (%.2fx)", total, len(bench.DefaultPayload), float64(total)/float64(len(bench.DefaultPayload)))
}

// TestRunStorageRetried: a webhook attempt retried by a later claim (its
// state restored from the records) also keeps the transform's output as a
// reference, and every attempt reads back whole.
func TestRunStorageRetried(t *testing.T) {
	t.Parallel()
	b := setup(t)
	var calls atomic.Int32
	b.recv.Answer(func(receivertest.Hit) receivertest.Reply {
		if calls.Add(1) == 1 {
			return receivertest.Reply{Status: http.StatusServiceUnavailable}
		}
		return receivertest.Reply{}
	})
	id := b.e2eRun(t)

	rs := b.results(id)
	if len(rs) != 4 || rs[2].Status != store.StepRetrying || rs[3].Status != store.StepSucceeded {
		t.Fatalf("results = %+v; want all, shape, and deliver retried once", rs)
	}
	checkDelivery(t, rs[1], rs[2])
	checkDelivery(t, rs[1], rs[3])
	_, inputs := storedBytes(t, b.path, id, "deliver")
	for i, n := range inputs {
		if want := len(rs[2+i].Input) - len(rs[1].Output) + 32; n > want {
			t.Errorf("deliver attempt %d: input stored in %d bytes; want at most %d", i+1, n, want)
		}
	}
}
