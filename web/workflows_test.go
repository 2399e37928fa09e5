package web_test

import (
	"net/http"
	"regexp"
	"strings"
	"sync"
	"testing"
)

func TestWorkflowCreate(t *testing.T) {
	t.Parallel()
	b := setup(t)
	w := b.create(relayDef("orders", b.recv.URL))
	if w.ID != "orders" || w.Revision != 1 || !w.Enabled || w.Name != "Relay orders" {
		t.Errorf("created = %+v", w)
	}
	if !strings.HasPrefix(w.TriggerURL, b.url+"/hooks/") || len(w.TriggerURL) < len(b.url+"/hooks/")+20 {
		t.Errorf("trigger_url = %q, want %s/hooks/<key>", w.TriggerURL, b.url)
	}

	// The same id again: 409, and the stored workflow is untouched.
	r := b.api(http.MethodPost, "/api/v1/workflows", relayDef("orders", b.recv.URL+"/other"))
	wantError(t, r, http.StatusConflict, "conflict")
	got := b.apiOK(http.MethodGet, "/api/v1/workflows/orders", nil, http.StatusOK)
	if got["revision"] != float64(1) || got["trigger_url"] != w.TriggerURL {
		t.Errorf("after 409: %v", got)
	}
}

// Concurrent creates of one id: one 201, the others 409, one revision.
func TestWorkflowCreateConcurrent(t *testing.T) {
	t.Parallel()
	b := setup(t)
	codes := make(chan int, 8)
	var wg sync.WaitGroup
	for range cap(codes) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			codes <- b.api(http.MethodPost, "/api/v1/workflows", relayDef("same", b.recv.URL)).status
		}()
	}
	wg.Wait()
	close(codes)
	created := 0
	for c := range codes {
		switch c {
		case http.StatusCreated:
			created++
		case http.StatusConflict:
		default:
			t.Errorf("concurrent create = %d", c)
		}
	}
	if created != 1 {
		t.Errorf("%d concurrent creates answered 201, want 1", created)
	}
	if got := b.apiOK(http.MethodGet, "/api/v1/workflows/same", nil, http.StatusOK); got["revision"] != float64(1) {
		t.Errorf("revision = %v, want 1", got["revision"])
	}
}

func TestWorkflowCreateGeneratesID(t *testing.T) {
	t.Parallel()
	b := setup(t)
	def := strings.Replace(relayDef("x", b.recv.URL), `"id": "x",`, "", 1)
	def = strings.Replace(def, `"Relay x"`, `"Shop Orders!"`, 1)
	w := b.create(def)
	if !regexp.MustCompile(`^shop-orders-[a-z0-9-]+$`).MatchString(w.ID) {
		t.Errorf("generated id = %q, want shop-orders-<suffix>", w.ID)
	}
	if w.TriggerURL == "" {
		t.Error("no trigger_url")
	}
	b.apiOK(http.MethodGet, "/api/v1/workflows/"+w.ID, nil, http.StatusOK)
	// A second create of the same id-less definition is another workflow.
	w2 := b.create(def)
	if w2.ID == w.ID || w2.TriggerURL == w.TriggerURL {
		t.Errorf("second create reused id %q / trigger URL", w2.ID)
	}
}

func TestWorkflowListAndGet(t *testing.T) {
	t.Parallel()
	b := setup(t)
	if got := b.apiOK(http.MethodGet, "/api/v1/workflows", nil, http.StatusOK); len(got["workflows"].([]any)) != 0 {
		t.Errorf("empty list = %v", got)
	}
	b.create(relayDef("b-flow", b.recv.URL))
	a := b.create(relayDef("a-flow", b.recv.URL))
	var list struct{ Workflows []workflow }
	b.api(http.MethodGet, "/api/v1/workflows", nil).decode(t, &list)
	if len(list.Workflows) != 2 || list.Workflows[0].ID != "a-flow" || list.Workflows[1].ID != "b-flow" {
		t.Fatalf("list = %+v", list.Workflows)
	}
	if list.Workflows[0].TriggerURL != a.TriggerURL {
		t.Errorf("list trigger_url = %q, want %q", list.Workflows[0].TriggerURL, a.TriggerURL)
	}
	var one workflow
	b.api(http.MethodGet, "/api/v1/workflows/a-flow", nil).decode(t, &one)
	if one.ID != "a-flow" || one.TriggerURL != a.TriggerURL || !strings.Contains(string(one.Definition), `"hookflow/v1"`) {
		t.Errorf("one = %+v", one)
	}
	wantError(t, b.api(http.MethodGet, "/api/v1/workflows/nope", nil), http.StatusNotFound, "not_found")
}

func TestWorkflowPut(t *testing.T) {
	t.Parallel()
	b := setup(t)
	w := b.create(relayDef("orders", b.recv.URL))
	def := strings.Replace(relayDef("orders", b.recv.URL), "Relay orders", "Relay orders v2", 1)
	got := b.apiOK(http.MethodPut, "/api/v1/workflows/orders", def, http.StatusOK)
	if got["revision"] != float64(2) || got["name"] != "Relay orders v2" {
		t.Errorf("PUT = %v", got)
	}
	if got["trigger_url"] != w.TriggerURL {
		t.Errorf("PUT changed the trigger URL: %v, was %q", got["trigger_url"], w.TriggerURL)
	}
	// Without an id the URL's is used.
	noID := strings.Replace(def, `"id": "orders",`, "", 1)
	noID = strings.Replace(noID, "v2", "v3", 1)
	if got := b.apiOK(http.MethodPut, "/api/v1/workflows/orders", noID, http.StatusOK); got["revision"] != float64(3) {
		t.Errorf("PUT without id = %v", got)
	}

	// An id that is not the URL's: 422 on the id field, nothing stored.
	e := wantError(t, b.api(http.MethodPut, "/api/v1/workflows/orders", relayDef("other", b.recv.URL)),
		http.StatusUnprocessableEntity, "invalid_workflow")
	if e["field"] != "id" {
		t.Errorf("mismatch field = %v", e["field"])
	}
	if got := b.apiOK(http.MethodGet, "/api/v1/workflows/orders", nil, http.StatusOK); got["revision"] != float64(3) {
		t.Errorf("revision after refused PUT = %v", got["revision"])
	}
	wantError(t, b.api(http.MethodGet, "/api/v1/workflows/other", nil), http.StatusNotFound, "not_found")
	// PUT of an unknown workflow.
	wantError(t, b.api(http.MethodPut, "/api/v1/workflows/other", relayDef("other", b.recv.URL)), http.StatusNotFound, "not_found")
}

func TestWorkflowDelete(t *testing.T) {
	t.Parallel()
	b := setup(t)
	w := b.create(relayDef("doomed", b.recv.URL))
	b.trigger(w.TriggerURL, map[string]any{"status": "open"})
	r := b.api(http.MethodDelete, "/api/v1/workflows/doomed", nil)
	if r.status != http.StatusNoContent || len(r.body) != 0 {
		t.Fatalf("DELETE = %d %s", r.status, r.body)
	}
	wantError(t, b.api(http.MethodGet, "/api/v1/workflows/doomed", nil), http.StatusNotFound, "not_found")
	wantError(t, b.api(http.MethodDelete, "/api/v1/workflows/doomed", nil), http.StatusNotFound, "not_found")
	wantError(t, b.send(http.MethodPost, w.TriggerURL, map[string]any{}), http.StatusNotFound, "not_found")
	if ids := b.runIDs("workflow=doomed"); len(ids) != 0 {
		t.Errorf("runs left after delete: %v", ids)
	}
}

func TestWorkflowEnableDisable(t *testing.T) {
	t.Parallel()
	b := setup(t)
	w := b.create(relayDef("toggle", b.recv.URL))
	b.trigger(w.TriggerURL, map[string]any{})

	got := b.apiOK(http.MethodPost, "/api/v1/workflows/toggle/disable", nil, http.StatusOK)
	if got["enabled"] != false || got["revision"] != float64(1) {
		t.Errorf("disable = %v", got)
	}
	wantError(t, b.send(http.MethodPost, w.TriggerURL, map[string]any{}), http.StatusNotFound, "not_found")
	if def := got["definition"].(map[string]any); def["enabled"] != false {
		t.Errorf("disabled definition says enabled: %v", def)
	}

	got = b.apiOK(http.MethodPost, "/api/v1/workflows/toggle/enable", nil, http.StatusOK)
	if got["enabled"] != true || got["revision"] != float64(1) {
		t.Errorf("enable = %v", got)
	}
	b.trigger(w.TriggerURL, map[string]any{})
	wantError(t, b.api(http.MethodPost, "/api/v1/workflows/nope/enable", nil), http.StatusNotFound, "not_found")
}

func TestWorkflowCreateDisabled(t *testing.T) {
	t.Parallel()
	b := setup(t)
	def := strings.Replace(relayDef("off", b.recv.URL), `"name"`, `"enabled": false, "name"`, 1)
	w := b.create(def)
	if w.Enabled {
		t.Error("created enabled")
	}
	wantError(t, b.send(http.MethodPost, w.TriggerURL, map[string]any{}), http.StatusNotFound, "not_found")
}

func TestWorkflowRotateKey(t *testing.T) {
	t.Parallel()
	b := setup(t)
	w := b.create(relayDef("rotated", b.recv.URL))
	b.trigger(w.TriggerURL, map[string]any{})
	var nw workflow
	r := b.api(http.MethodPost, "/api/v1/workflows/rotated/rotate-key", nil)
	if r.status != http.StatusOK {
		t.Fatalf("rotate-key = %d %s", r.status, r.body)
	}
	r.decode(t, &nw)
	if nw.TriggerURL == "" || nw.TriggerURL == w.TriggerURL || nw.Revision != 1 {
		t.Fatalf("rotate-key = %+v (old URL %q)", nw, w.TriggerURL)
	}
	wantError(t, b.send(http.MethodPost, w.TriggerURL, map[string]any{}), http.StatusNotFound, "not_found")
	b.trigger(nw.TriggerURL, map[string]any{})
	wantError(t, b.api(http.MethodPost, "/api/v1/workflows/nope/rotate-key", nil), http.StatusNotFound, "not_found")
}

func TestWorkflowRevisions(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.create(relayDef("revs", b.recv.URL))
	def2 := strings.Replace(relayDef("revs", b.recv.URL), "Relay revs", "Second", 1)
	b.apiOK(http.MethodPut, "/api/v1/workflows/revs", def2, http.StatusOK)

	var list struct {
		Revisions []struct {
			Revision   int
			Definition any
		}
	}
	b.api(http.MethodGet, "/api/v1/workflows/revs/revisions", nil).decode(t, &list)
	if len(list.Revisions) != 2 || list.Revisions[0].Revision != 2 || list.Revisions[1].Revision != 1 {
		t.Fatalf("revisions = %+v, want 2 then 1", list.Revisions)
	}

	one := b.apiOK(http.MethodGet, "/api/v1/workflows/revs/revisions/1", nil, http.StatusOK)
	if one["revision"] != float64(1) || one["definition"].(map[string]any)["name"] != "Relay revs" {
		t.Errorf("revision 1 = %v", one)
	}
	two := b.apiOK(http.MethodGet, "/api/v1/workflows/revs/revisions/2", nil, http.StatusOK)
	if two["definition"].(map[string]any)["name"] != "Second" {
		t.Errorf("revision 2 = %v", two)
	}
	wantError(t, b.api(http.MethodGet, "/api/v1/workflows/revs/revisions/3", nil), http.StatusNotFound, "not_found")
	wantError(t, b.api(http.MethodGet, "/api/v1/workflows/revs/revisions/x", nil), http.StatusBadRequest, "bad_request")
	wantError(t, b.api(http.MethodGet, "/api/v1/workflows/nope/revisions", nil), http.StatusNotFound, "not_found")
}

func TestWorkflowEvents(t *testing.T) {
	t.Parallel()
	b := setup(t)
	w := b.create(relayDef("evs", b.recv.URL))
	if got := b.apiOK(http.MethodGet, "/api/v1/workflows/evs/events", nil, http.StatusOK); len(got["events"].([]any)) != 0 {
		t.Errorf("events before any = %v", got)
	}
	b.trigger(w.TriggerURL, map[string]any{"n": 1})
	b.trigger(w.TriggerURL, map[string]any{"n": 2}, "X-Custom", "yes")
	var evs struct {
		Events []struct {
			ID      string
			Source  string
			Method  string
			Headers map[string]string
			Body    map[string]any
		}
	}
	b.api(http.MethodGet, "/api/v1/workflows/evs/events", nil).decode(t, &evs)
	if len(evs.Events) != 2 {
		t.Fatalf("events = %+v", evs.Events)
	}
	last := evs.Events[0]
	if last.Body["n"] != float64(2) || last.Source != "webhook" || last.Method != http.MethodPost || last.Headers["x-custom"] != "yes" {
		t.Errorf("newest event = %+v", last)
	}
	b.api(http.MethodGet, "/api/v1/workflows/evs/events?limit=1", nil).decode(t, &evs)
	if len(evs.Events) != 1 {
		t.Errorf("limit=1 gave %d events", len(evs.Events))
	}
	wantError(t, b.api(http.MethodGet, "/api/v1/workflows/nope/events", nil), http.StatusNotFound, "not_found")
}

func TestWorkflowInvalid(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.create(relayDef("exists", b.recv.URL))
	good := relayDef("bad", b.recv.URL)
	for _, tc := range []struct {
		name, def    string
		status       int
		code, field  string
		step         string
		wantPosition bool
	}{
		{"malformed", `{"format": "hookflow/v1", "id": "bad",`, http.StatusBadRequest, "bad_json", "definition", "", false},
		{"not JSON", `hello`, http.StatusBadRequest, "bad_json", "definition", "", false},
		{"empty", ``, http.StatusBadRequest, "bad_json", "definition", "", false},
		{"unknown top field", strings.Replace(good, `"name"`, `"bogus": 1, "name"`, 1), http.StatusUnprocessableEntity, "invalid_workflow", "bogus", "", false},
		{"unknown step field", strings.Replace(good, `"type": "transform",`, `"type": "transform", "colour": "red",`, 1),
			http.StatusUnprocessableEntity, "invalid_workflow", "steps[1].colour", "", false},
		{"broken expression", strings.Replace(good, `{order: payload.id, total: payload.amount / 100.0}`, `{order: payload.id,, total}`, 1),
			http.StatusUnprocessableEntity, "invalid_workflow", "steps[1].expr", "shape", true},
		{"bad id", strings.Replace(good, `"id": "bad"`, `"id": "Bad!"`, 1), http.StatusUnprocessableEntity, "invalid_workflow", "id", "", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			for _, m := range []string{http.MethodPost, http.MethodPut} {
				path, def := "/api/v1/workflows", tc.def
				if m == http.MethodPut {
					path += "/exists"
					def = strings.Replace(def, `"id": "bad"`, `"id": "exists"`, 1)
				}
				e := wantError(t, b.api(m, path, def), tc.status, tc.code)
				if e["field"] != tc.field {
					t.Errorf("%s field = %v, want %q (%v)", m, e["field"], tc.field, e)
				}
				if tc.step != "" && e["step"] != tc.step {
					t.Errorf("%s step = %v, want %q", m, e["step"], tc.step)
				}
				if tc.wantPosition {
					// At the second "," of {order: payload.id,, total}.
					if l, c := e["line"], e["column"]; l != float64(1) || c != float64(20) {
						t.Errorf("%s line, column = %v, %v", m, l, c)
					}
					if !strings.Contains(e["message"].(string), "shape") {
						t.Errorf("%s message %q does not name the step", m, e["message"])
					}
				}
			}
		})
	}
	// Nothing was stored by the refused requests.
	var list struct{ Workflows []workflow }
	b.api(http.MethodGet, "/api/v1/workflows", nil).decode(t, &list)
	if len(list.Workflows) != 1 || list.Workflows[0].Revision != 1 {
		t.Errorf("workflows stored: %+v", list.Workflows)
	}
	if got := b.apiOK(http.MethodGet, "/api/v1/workflows/exists/revisions", nil, http.StatusOK); len(got["revisions"].([]any)) != 1 {
		t.Errorf("revisions of exists: %v", got)
	}
}

func TestWorkflowBaseURL(t *testing.T) {
	t.Parallel()
	b := setup(t, withBaseURL("https://hooks.example.com/"))
	w := b.create(relayDef("public", b.recv.URL))
	if !strings.HasPrefix(w.TriggerURL, "https://hooks.example.com/hooks/") {
		t.Errorf("trigger_url = %q, want it on the base URL", w.TriggerURL)
	}
	// The key works on this server.
	key := strings.TrimPrefix(w.TriggerURL, "https://hooks.example.com")
	b.trigger(b.url+key, map[string]any{})
}

func TestAPIBodyLimit(t *testing.T) {
	t.Parallel()
	b := setup(t)
	big := `{"format": "hookflow/v1", "name": "` + strings.Repeat("x", 9<<20) + `"}`
	for _, p := range []string{"/api/v1/workflows", "/api/v1/import", "/api/v1/expr"} {
		wantError(t, b.api(http.MethodPost, p, big), http.StatusRequestEntityTooLarge, "body_too_large")
	}
	if got := b.apiOK(http.MethodGet, "/api/v1/workflows", nil, http.StatusOK); len(got["workflows"].([]any)) != 0 {
		t.Errorf("stored: %v", got)
	}
}
