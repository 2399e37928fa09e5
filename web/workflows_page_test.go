package web_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"testing"
)

// listPage is a page of GET /api/v1/workflows?limit=N.
type listPage struct {
	Workflows []struct {
		ID       string `json:"id"`
		Activity struct {
			LastRun *struct {
				ID string `json:"id"`
			} `json:"last_run"`
		} `json:"activity"`
	} `json:"workflows"`
	Total      int      `json:"total"`
	NextCursor *string  `json:"next_cursor"`
	Tags       []string `json:"tags"`
}

// TestWorkflowListPages: the list a page at a time, filtered by words and
// tag, ordered by name or last run, walks every match once; a saved
// revision's new tags are seen; bad paging is a 400 naming the parameter.
func TestWorkflowListPages(t *testing.T) {
	t.Parallel()
	b := setup(t)
	names := []string{"Zeta orders", "alpha orders", "Beta refunds", "gamma orders", "Delta leads", "epsilon orders", "eta refunds"}
	for i, name := range names {
		tags := `["ops"]`
		if i%2 == 0 {
			tags = `["Billing", "ops"]`
		}
		b.create(fmt.Sprintf(`{"format": "hookflow/v1", "id": "wf-%d", "name": %q, "tags": %s,
  "trigger": {"type": "webhook"}, "steps": []}`, i, name, tags))
	}
	page := func(query string) listPage {
		t.Helper()
		var p listPage
		r := b.api(http.MethodGet, "/api/v1/workflows?"+query, nil)
		if r.status != http.StatusOK {
			t.Fatalf("GET ?%s = %d %s", query, r.status, r.body)
		}
		if err := json.Unmarshal(r.body, &p); err != nil {
			t.Fatal(err)
		}
		return p
	}
	walk := func(query string) (ids []string, total int) {
		t.Helper()
		cursor := ""
		for range 10 {
			p := page(query + "&cursor=" + cursor)
			total = p.Total
			for _, w := range p.Workflows {
				ids = append(ids, w.ID)
			}
			if p.NextCursor == nil {
				return ids, total
			}
			cursor = *p.NextCursor
		}
		t.Fatalf("?%s: more than 10 pages", query)
		return nil, 0
	}
	ids, total := walk("limit=3")
	if want := []string{"wf-1", "wf-2", "wf-4", "wf-5", "wf-6", "wf-3", "wf-0"}; !slices.Equal(ids, want) || total != 7 {
		t.Errorf("by name, 3 a page: %v (total %d), want %v", ids, total, want)
	}
	if ids, total := walk("limit=2&q=ORDERS"); !slices.Equal(ids, []string{"wf-1", "wf-5", "wf-3", "wf-0"}) || total != 4 {
		t.Errorf("q=ORDERS: %v (total %d)", ids, total)
	}
	if ids, _ := walk("limit=2&q=orders%20wf-0"); !slices.Equal(ids, []string{"wf-0"}) {
		t.Errorf("q with two words: %v, want wf-0", ids)
	}
	if ids, _ := walk("limit=50&tag=billing"); !slices.Equal(ids, []string{"wf-2", "wf-4", "wf-6", "wf-0"}) {
		t.Errorf("tag=billing: %v", ids)
	}
	if p := page("limit=1"); !slices.Equal(p.Tags, []string{"Billing", "ops"}) {
		t.Errorf("tags %v, want [Billing ops]", p.Tags)
	}

	// The newest run first: wf-5, then wf-3, then the rest by name.
	for _, id := range []string{"wf-3", "wf-5"} {
		var w workflow
		b.api(http.MethodGet, "/api/v1/workflows/"+id, nil).decode(t, &w)
		b.waitRun(b.trigger(w.TriggerURL, map[string]any{"n": 1}))
	}
	p := page("limit=3&sort=last_run")
	if got := []string{p.Workflows[0].ID, p.Workflows[1].ID, p.Workflows[2].ID}; !slices.Equal(got, []string{"wf-5", "wf-3", "wf-1"}) {
		t.Errorf("by last run: %v, want [wf-5 wf-3 wf-1]", got)
	}
	if p.Workflows[0].Activity.LastRun == nil {
		t.Errorf("a page's workflow has no activity: %+v", p.Workflows[0])
	}
	// By name, the activity read for the page's workflows alone.
	for _, query := range []string{"limit=50", "limit=2&cursor=3"} {
		for _, w := range page(query).Workflows {
			if ran := w.ID == "wf-3" || w.ID == "wf-5"; (w.Activity.LastRun != nil) != ran {
				t.Errorf("?%s: %s's last run %+v, want one: %v", query, w.ID, w.Activity.LastRun, ran)
			}
		}
	}

	// A new revision's tags count at once.
	b.apiOK(http.MethodPut, "/api/v1/workflows/wf-1", []byte(`{"format": "hookflow/v1", "id": "wf-1", "name": "alpha orders", "tags": ["vip"],
  "trigger": {"type": "webhook"}, "steps": []}`), http.StatusOK)
	if ids, _ := walk("limit=5&tag=vip"); !slices.Equal(ids, []string{"wf-1"}) {
		t.Errorf("tag=vip after a save: %v", ids)
	}

	for _, q := range []string{"limit=0", "limit=501", "limit=x", "limit=5&cursor=-1", "limit=5&sort=size"} {
		r := b.api(http.MethodGet, "/api/v1/workflows?"+q, nil)
		if r.status != http.StatusBadRequest {
			t.Errorf("?%s = %d, want 400", q, r.status)
		}
	}
}
