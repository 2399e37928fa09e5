package sqlite

import (
	"context"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/hookflow/hookflow/store"
)

func TestInlineResultsRoundTrip(t *testing.T) {
	t.Parallel()
	body := []byte(`{"order":"A-1"}`)
	in := []store.StepResult{
		{StepID: "paid", StepIndex: 0, Attempt: 1, Status: store.StepSucceeded, Input: body, InputIsEventBody: true,
			Output: []byte("true"), StartedAt: time.Unix(1700000000, 123456789).UTC(), Duration: 1500 * time.Nanosecond},
		{StepID: "shape", StepIndex: 1, Attempt: 2, Status: store.StepFailed, Input: []byte(`{"x":1}`),
			Output: []byte{}, Error: "transform: " + strings.Repeat("é", 300), StatusCode: -1,
			StartedAt: time.Unix(1700000001, 0).UTC(), Duration: time.Hour},
		{StepID: "", Status: "", Input: nil, Output: nil}, // zero values survive too
	}
	got, err := decodeInlineResults("run-1", encodeInlineResults(in), body)
	if err != nil {
		t.Fatalf("decode: %v", err)
	}
	want := make([]store.StepResult, len(in))
	for i, r := range in {
		r.RunID, r.InputIsEventBody = "run-1", false
		r.Input, r.Output = store.NonNil(r.Input), store.NonNil(r.Output)
		if r.StartedAt.IsZero() {
			r.StartedAt = fromNanos(0)
		}
		want[i] = r
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("round trip:\n got %+v\nwant %+v", got, want)
	}

	if got, err := decodeInlineResults("run-1", encodeInlineResults(nil), body); err != nil || got != nil {
		t.Errorf("no steps decode to %v, %v; want nil, nil", got, err)
	}
}

// TestInlineResultsCorrupt: every truncation and a few damaged bytes give an
// error, never a panic or a silently short list.
func TestInlineResultsCorrupt(t *testing.T) {
	t.Parallel()
	b := encodeInlineResults([]store.StepResult{
		{StepID: "a", Attempt: 1, Status: store.StepSucceeded, Input: []byte("{}"), Output: []byte("1")},
		{StepID: "b", Attempt: 1, Status: store.StepFiltered, InputIsEventBody: true, Output: []byte("false")},
	})
	for n := 1; n < len(b); n++ {
		if got, err := decodeInlineResults("r", b[:n], nil); err == nil {
			t.Errorf("decoding the first %d of %d bytes = %+v, want an error", n, len(b), got)
		}
	}
	if _, err := decodeInlineResults("r", append(append([]byte{}, b...), 0), nil); err == nil {
		t.Error("trailing byte accepted")
	}
	bad := append([]byte{}, b...)
	bad[0] = 9
	if _, err := decodeInlineResults("r", bad, nil); err == nil || !strings.Contains(err.Error(), "version 9") {
		t.Errorf("version 9: err = %v, want unknown version", err)
	}
	huge := []byte{inlineResultsVersion, 0xff, 0xff, 0xff, 0xff, 0x0f}
	if _, err := decodeInlineResults("r", huge, nil); err == nil {
		t.Error("a count beyond the data accepted")
	}
}

// TestLargeInlineResultsAreRows: records too large for the run's row are
// step_results rows, listed as they were given, before later attempts.
func TestLargeInlineResultsAreRows(t *testing.T) {
	t.Parallel()
	s := open(t, t.TempDir()+"/large.db")
	ctx := context.Background()
	now := time.Now()
	if _, err := s.WorkflowSave(ctx, store.WorkflowSaveParams{ID: "wf", Name: "wf", Enabled: true,
		Definition: []byte(`{}`), HookKey: "k", Now: now}); err != nil {
		t.Fatal(err)
	}
	step := func(id string, size int) store.StepResult {
		return store.StepResult{StepID: id, Attempt: 1, Status: store.StepSucceeded,
			Input: []byte(`"` + strings.Repeat("x", size) + `"`), Output: []byte("1"), StartedAt: now}
	}
	rows := func(run string) int {
		t.Helper()
		var n int
		if err := s.reader.QueryRow(`SELECT count(*) FROM step_results WHERE run_id = ?`, run).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	names := func(run string) string {
		t.Helper()
		got, err := s.StepResultList(ctx, run)
		if err != nil {
			t.Fatal(err)
		}
		var ids []string
		for _, r := range got {
			ids = append(ids, r.StepID)
		}
		return strings.Join(ids, ",")
	}
	accept := func(ev, run string, results ...store.StepResult) {
		t.Helper()
		if _, err := s.EventAccept(ctx, []store.EventAcceptParams{{
			Event: store.Event{ID: ev, WorkflowID: "wf", Source: "webhook", Method: "POST", Body: []byte(`{}`), ReceivedAt: now},
			RunID: run, Revision: 1, Owner: "me", LeaseUntil: now.Add(time.Hour), NextStep: len(results), Results: results,
		}}); err != nil {
			t.Fatal(err)
		}
	}
	accept("ev-small", "small", step("a", 10), step("b", 10))
	accept("ev-large", "large", step("a", 10), step("b", maxInlineResults))
	if n := rows("small"); n != 0 {
		t.Errorf("small records: %d step_results rows, want 0 (kept in the run's row)", n)
	}
	if n := rows("large"); n != 2 {
		t.Errorf("large records: %d step_results rows, want 2", n)
	}
	if err := s.RunUpdate(ctx, store.RunUpdateParams{ID: "large", Owner: "me", Attempt: 1, Status: store.StatusSucceeded,
		NextStep: 3, Results: []store.StepResult{step("c", 10)}, Now: now}); err != nil {
		t.Fatal(err)
	}
	if got := names("large"); got != "a,b,c" {
		t.Errorf("large run's steps %s, want a,b,c", got)
	}
	if _, err := s.RunInsert(ctx, store.RunInsertParams{ID: "replay", WorkflowID: "wf", Revision: 1, EventID: "ev-large",
		NextStep: 2, Results: []store.StepResult{step("a", 10), step("b", maxInlineResults)}, Now: now}); err != nil {
		t.Fatal(err)
	}
	if n, got := rows("replay"), names("replay"); n != 2 || got != "a,b" {
		t.Errorf("replay: %d rows, steps %s; want 2 rows, a,b", n, got)
	}
}
