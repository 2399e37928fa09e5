package web_test

import (
	"net/http"
	"strings"
	"testing"
)

// TestAuditRecordsChanges: each kind of change to a workflow and its runs
// is recorded once, with the revisions before and after where there are
// some; reads and previews are not recorded; an import records each
// workflow it created or changed, none it left as it was.
func TestAuditRecordsChanges(t *testing.T) {
	t.Parallel()
	b := setup(t)
	one, two := passDef("aud-one", b.recv.URL), passDef("aud-two", b.recv.URL)
	b.importDefs("[" + one + "," + two + "]")
	b.importDefs("[" + one + "," + strings.Replace(two, `"name": "`, `"name": "Renamed `, 1) + "]")
	b.apiOK(http.MethodPost, "/api/v1/workflows/aud-one/disable", nil, http.StatusOK)
	b.apiOK(http.MethodPost, "/api/v1/workflows/aud-one/enable", nil, http.StatusOK)
	b.apiOK(http.MethodPost, "/api/v1/workflows/aud-two/revisions/1/rollback", nil, http.StatusOK)
	run := b.apiOK(http.MethodPost, "/api/v1/workflows/aud-one/runs", map[string]any{"payload": map[string]any{"n": 1}}, http.StatusAccepted)["run_id"].(string)
	b.waitRun(run)
	replay := b.apiOK(http.MethodPost, "/api/v1/runs/"+run+"/replay", nil, http.StatusAccepted)["run_id"].(string)
	b.apiOK(http.MethodGet, "/api/v1/workflows", nil, http.StatusOK)
	b.apiOK(http.MethodPost, "/api/v1/expr", map[string]any{"expr": "1 + 1", "payload": map[string]any{}}, http.StatusOK)
	b.apiOK(http.MethodDelete, "/api/v1/workflows/aud-two", nil, http.StatusNoContent)

	log := b.audit("?limit=1000")
	type want struct {
		action, target string
		before, after  int
	}
	var got []want
	for i := len(log) - 1; i >= 0; i-- { // oldest first
		e := log[i]
		if e.Actor != "admin token" || e.Via != "bearer" {
			t.Errorf("entry %+v: want the admin token by bearer", e)
		}
		got = append(got, want{e.Action, e.Target, e.RevisionBefore, e.RevisionAfter})
	}
	wantLog := []want{
		{"workflow.import", "aud-one", 0, 1},
		{"workflow.import", "aud-two", 0, 1},
		{"workflow.import", "aud-two", 1, 2},
		{"workflow.disable", "aud-one", 1, 1},
		{"workflow.enable", "aud-one", 1, 1},
		{"workflow.rollback", "aud-two", 2, 3},
		{"run.start", "aud-one", 0, 0},
		{"run.replay", run, 0, 0},
		{"workflow.delete", "aud-two", 3, 0},
	}
	if len(got) != len(wantLog) {
		t.Fatalf("audit log =\n%+v\nwant\n%+v", got, wantLog)
	}
	for i := range wantLog {
		if got[i] != wantLog[i] {
			t.Errorf("entry %d = %+v, want %+v", i, got[i], wantLog[i])
		}
	}
	if !strings.Contains(string(log[1].Detail), replay) {
		t.Errorf("the replay's entry does not name the new run %s: %s", replay, log[1].Detail)
	}
}
