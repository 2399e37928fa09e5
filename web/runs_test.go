package web_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"testing"
	"time"
)

func TestRunsList(t *testing.T) {
	t.Parallel()
	b := setup(t)
	relay := b.create(relayDef("relay", b.recv.URL))
	pass := b.create(passDef("pass", b.recv.URL))

	var all []string // in the order made
	for i := range 3 {
		status := "paid"
		if i == 1 {
			status = "open" // filtered
		}
		all = append(all, b.trigger(relay.TriggerURL, map[string]any{"id": i, "status": status, "amount": 100}))
		all = append(all, b.trigger(pass.TriggerURL, map[string]any{"i": i}))
	}
	for _, id := range all {
		b.waitRun(id)
	}
	newest := slices.Clone(all)
	slices.Reverse(newest)

	if got := b.runIDs(""); !slices.Equal(got, newest) {
		t.Errorf("runs = %v, want newest first %v", got, newest)
	}
	var relayRuns []string
	for i, id := range newest {
		if i%2 == 1 {
			relayRuns = append(relayRuns, id)
		}
	}
	if got := b.runIDs("workflow=relay"); !slices.Equal(got, relayRuns) {
		t.Errorf("workflow=relay: %v, want %v", got, relayRuns)
	}
	if got := b.runIDs("workflow=relay&status=filtered"); !slices.Equal(got, []string{all[2]}) {
		t.Errorf("filtered relay runs = %v, want %v", got, all[2])
	}
	if got := b.runIDs("status=succeeded"); len(got) != 5 || slices.Contains(got, all[2]) {
		t.Errorf("succeeded runs = %v", got)
	}
	if got := b.runIDs("workflow=none"); len(got) != 0 {
		t.Errorf("unknown workflow runs = %v", got)
	}
	since := url.QueryEscape(time.Now().Add(-time.Hour).UTC().Format(time.RFC3339))
	if got := b.runIDs("since=" + since); len(got) != 6 {
		t.Errorf("since an hour ago: %d runs", len(got))
	}
	until := url.QueryEscape(time.Now().Add(-time.Hour).UTC().Format(time.RFC3339))
	if got := b.runIDs("until=" + until); len(got) != 0 {
		t.Errorf("until an hour ago: %d runs", len(got))
	}
}

func TestRunsPagination(t *testing.T) {
	t.Parallel()
	b := setup(t)
	w := b.create(passDef("paged", b.recv.URL))
	var made []string
	for i := range 7 {
		made = append(made, b.trigger(w.TriggerURL, map[string]any{"i": i}))
	}
	slices.Reverse(made)

	var seen []string
	cursor := ""
	for page := 0; ; page++ {
		if page > 10 {
			t.Fatal("pagination does not end")
		}
		q := "workflow=paged&limit=3"
		if cursor != "" {
			q += "&cursor=" + url.QueryEscape(cursor)
		}
		var out struct {
			Runs []struct {
				ID string `json:"id"`
			} `json:"runs"`
			NextCursor string `json:"next_cursor"`
		}
		r := b.api(http.MethodGet, "/api/v1/runs?"+q, nil)
		if r.status != http.StatusOK {
			t.Fatalf("page %d = %d %s", page, r.status, r.body)
		}
		r.decode(t, &out)
		if len(out.Runs) > 3 {
			t.Fatalf("page %d has %d runs, limit 3", page, len(out.Runs))
		}
		for _, x := range out.Runs {
			seen = append(seen, x.ID)
		}
		if out.NextCursor == "" {
			break
		}
		cursor = out.NextCursor
	}
	if !slices.Equal(seen, made) {
		t.Errorf("pages = %v\nwant    %v (no overlap, no gap)", seen, made)
	}
}

func TestRunsListBadQuery(t *testing.T) {
	t.Parallel()
	b := setup(t)
	for _, q := range []string{"limit=0", "limit=-1", "limit=abc", "limit=1001", "status=done", "since=yesterday", "until=2026-01-02"} {
		r := b.api(http.MethodGet, "/api/v1/runs?"+q, nil)
		wantError(t, r, http.StatusBadRequest, "bad_request")
	}
}

func TestRunGet(t *testing.T) {
	t.Parallel()
	b := setup(t)
	w := b.create(relayDef("detail", b.recv.URL))
	id := b.trigger(w.TriggerURL, map[string]any{"id": "o1", "status": "paid", "amount": 300}, "X-Trace", "t-1")
	run := b.waitRun(id)
	if run.Run.ID != id || run.Run.Workflow != "detail" || run.Run.Revision != 1 || run.Run.Status != "succeeded" {
		t.Errorf("run = %+v", run.Run)
	}
	if run.Event.ID != run.Run.EventID || run.Event.Source != "webhook" || run.Event.Method != http.MethodPost ||
		run.Event.Headers["x-trace"] != "t-1" {
		t.Errorf("event = %+v", run.Event)
	}
	if body, _ := run.Event.Body.(map[string]any); body["id"] != "o1" {
		t.Errorf("event body = %v", run.Event.Body)
	}
	if len(run.Steps) != 3 {
		t.Fatalf("steps = %+v", run.Steps)
	}
	for i, want := range []string{"paid", "shape", "notify"} {
		s := run.Steps[i]
		if s.Step != want || s.Index != i || s.Attempt != 1 || s.Status != "succeeded" {
			t.Errorf("step %d = %+v", i, s)
		}
	}
	jsonEqual(t, run.Steps[0].Input, map[string]any{"id": "o1", "status": "paid", "amount": 300})
	jsonEqual(t, run.Steps[0].Output, true)
	jsonEqual(t, run.Steps[1].Output, map[string]any{"order": "o1", "total": 3})
	notify := run.Steps[2]
	if notify.StatusCode != http.StatusOK {
		t.Errorf("notify status_code = %d", notify.StatusCode)
	}
	var in struct {
		Method string
		URL    string
		Body   any
	}
	if err := json.Unmarshal(notify.Input, &in); err != nil || in.URL != b.recv.URL+"/orders/o1" || in.Method != http.MethodPost {
		t.Errorf("notify input = %s (%v)", notify.Input, err)
	}
	var out struct {
		Status int
		Body   any
	}
	if err := json.Unmarshal(notify.Output, &out); err != nil || out.Status != http.StatusOK {
		t.Errorf("notify output = %s (%v)", notify.Output, err)
	}
	wantError(t, b.api(http.MethodGet, "/api/v1/runs/no-such-run", nil), http.StatusNotFound, "not_found")
}

func TestRunFailedRecorded(t *testing.T) {
	t.Parallel()
	b := setup(t)
	def := `{"format": "hookflow/v1", "id": "failing", "name": "Failing",
	  "trigger": {"type": "webhook"},
	  "steps": [{"id": "call", "type": "webhook", "url": "` + b.recv.URL + `/fail"}]}`
	w := b.create(def)
	run := b.waitRun(b.trigger(w.TriggerURL, map[string]any{}))
	if run.Run.Status != "failed" || run.Run.Error == "" {
		t.Errorf("run = %+v", run.Run)
	}
	if len(run.Steps) != 1 || run.Steps[0].StatusCode != http.StatusBadRequest || run.Steps[0].Status != "failed" || run.Steps[0].Error == "" {
		t.Errorf("steps = %+v", run.Steps)
	}
}

func TestRunReplay(t *testing.T) {
	t.Parallel()
	b := setup(t)
	w := b.create(relayDef("again", b.recv.URL))
	orig := b.trigger(w.TriggerURL, map[string]any{"id": "r1", "status": "paid", "amount": 500})
	first := b.waitRun(orig)
	b.recv.Next(t)

	// From the start.
	got := b.apiOK(http.MethodPost, "/api/v1/runs/"+orig+"/replay", nil, http.StatusAccepted)
	id, _ := got["run_id"].(string)
	if id == "" || id == orig {
		t.Fatalf("replay = %v", got)
	}
	replay := b.waitRun(id)
	if replay.Run.ReplayOf != orig || replay.Run.EventID != first.Run.EventID || replay.Run.Status != "succeeded" || len(replay.Steps) != 3 {
		t.Errorf("replay = %+v, %d steps", replay.Run, len(replay.Steps))
	}
	jsonEqual(t, b.recv.Next(t).Body, map[string]any{"order": "r1", "total": 5})

	// From a step: the earlier steps' outputs are carried over.
	got = b.apiOK(http.MethodPost, "/api/v1/runs/"+orig+"/replay", map[string]any{"from_step": "notify"}, http.StatusAccepted)
	id, _ = got["run_id"].(string)
	partial := b.waitRun(id)
	if partial.Run.ReplayOf != orig || partial.Run.Status != "succeeded" {
		t.Errorf("partial replay = %+v", partial.Run)
	}
	if n := len(partial.Steps); n != 3 || partial.Steps[2].Step != "notify" {
		t.Errorf("partial replay steps = %+v", partial.Steps)
	}
	jsonEqual(t, b.recv.Next(t).Body, map[string]any{"order": "r1", "total": 5})

	// An unknown step: 422 on from_step, no run.
	before := b.runIDs("workflow=again")
	e := wantError(t, b.api(http.MethodPost, "/api/v1/runs/"+orig+"/replay", map[string]any{"from_step": "nope"}),
		http.StatusUnprocessableEntity, "invalid_workflow")
	if e["field"] != "from_step" {
		t.Errorf("field = %v", e["field"])
	}
	wantError(t, b.api(http.MethodPost, "/api/v1/runs/"+orig+"/replay", `{"from_step": `), http.StatusBadRequest, "bad_json")
	wantError(t, b.api(http.MethodPost, "/api/v1/runs/no-such-run/replay", nil), http.StatusNotFound, "not_found")
	if after := b.runIDs("workflow=again"); len(after) != len(before) || len(after) != 3 {
		t.Errorf("runs after refused replays = %v, before %v", after, before)
	}
	b.wantReceived(3)
}
