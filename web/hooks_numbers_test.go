package web_test

import (
	"net/http"
	"strings"
	"testing"
)

// A number beyond float64's range (1e400) would be read as ±Inf, which no
// run can record nor the API show: the trigger refuses it, naming where it
// is, whether the workflow decodes its payload at accept (relay) or only
// checks it there (pass), and whatever the body's announced type.
func TestHookNumberOutOfRange(t *testing.T) {
	t.Parallel()
	b := setup(t)
	workflows := map[string]string{
		"pass":  b.create(passDef("pass", b.recv.URL)).TriggerURL,
		"relay": b.create(relayDef("relay", b.recv.URL)).TriggerURL,
	}
	for _, tc := range []struct{ body, field string }{
		{`{"status": "paid", "a": {"b": [0, 1, 1e400]}}`, "payload.a.b[2]"},
		{`{"status": "paid", "x y": -1e999}`, `payload["x y"]`},
		{`{"status": "paid", "n": 1` + strings.Repeat("0", 400) + `}`, "payload.n"},
		{`-1.8e308`, "payload"},
	} {
		for id, url := range workflows {
			for _, ct := range []string{"application/json", ""} {
				headers := []string{}
				if ct != "" {
					headers = append(headers, "Content-Type", ct)
				}
				r := b.send(http.MethodPost, url, tc.body, headers...)
				e := wantError(t, r, http.StatusBadRequest, "bad_json")
				if e["field"] != tc.field {
					t.Errorf("%s, %q, type %q: field = %v, want %q", id, tc.body[:min(len(tc.body), 40)], ct, e["field"], tc.field)
				}
				if m, _ := e["message"].(string); !strings.Contains(m, "beyond the range") {
					t.Errorf("%s: message %q does not say what is wrong", id, m)
				}
			}
		}
	}
	for id := range workflows {
		if ids := b.runIDs("workflow=" + id); len(ids) != 0 {
			t.Errorf("%s: runs after refused bodies: %v", id, ids)
		}
		if evs := b.apiOK(http.MethodGet, "/api/v1/workflows/"+id+"/events", nil, http.StatusOK); len(evs["events"].([]any)) != 0 {
			t.Errorf("%s: events stored: %v", id, evs)
		}
	}
	// Within range, however large or small, numbers are taken.
	for id, url := range workflows {
		runID := b.trigger(url, map[string]any{"status": "paid", "id": "big", "amount": 1.7976931348623157e308, "tiny": 1e-320})
		if run := b.waitRun(runID); run.Run.Status != "succeeded" {
			t.Errorf("%s: run of in-range numbers = %+v", id, run.Run)
		}
	}
}

// The editor's test run refuses such a number in its sample payload the
// same way.
func TestWorkflowTestNumberOutOfRange(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.create(relayDef("relay", b.recv.URL))
	r := b.api(http.MethodPost, "/api/v1/workflows/relay/test", `{"payload": {"status": "paid", "amount": [1, 1e400]}}`)
	if e := wantError(t, r, http.StatusBadRequest, "bad_json"); e["field"] != "payload.amount[1]" {
		t.Errorf("field = %v, want payload.amount[1]", e["field"])
	}
}
