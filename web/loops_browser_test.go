package web_test

import (
	"fmt"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/hookflow/hookflow/internal/receivertest"
)

// TestEditorBrowserLoopsAndPaths: the run page shows a loop's items, each
// with its status, opening onto its own steps, and the paths taken; it
// replays only the failed items. The editor draws paths side by side.
func TestEditorBrowserLoopsAndPaths(t *testing.T) {
	b, u := loggedIn(t)
	var refuse atomic.Bool
	refuse.Store(true)
	b.recv.Answer(func(h receivertest.Hit) receivertest.Reply {
		if refuse.Load() && h.Path == "/line/1" {
			return receivertest.Reply{Status: http.StatusUnprocessableEntity, Body: `{"error": "unknown sku"}`}
		}
		return receivertest.Reply{}
	})
	wf := b.create(`{"format": "hookflow/v1", "id": "lines", "name": "Lines", "trigger": {"type": "webhook"},
	  "steps": [
	    {"id": "each_line", "type": "for_each", "items": "payload.lines", "on_item_failure": "continue",
	     "steps": [{"id": "send", "type": "webhook", "url": "` + b.recv.URL + `/line/{{ index }}", "body": "item"}]},
	    {"id": "route", "type": "paths", "paths": [
	      {"name": "big", "when": "payload.amount > 100", "steps": [{"id": "big_tag", "type": "transform", "expr": "{size: 'big'}"}]},
	      {"name": "small", "steps": [{"id": "small_tag", "type": "transform", "expr": "{size: 'small'}"}]}]}]}`)
	run := b.trigger(wf.TriggerURL, map[string]any{"amount": 500, "lines": []any{"a", "b", "c"}})
	if r := b.waitRun(run); r.Run.Status != "succeeded" {
		t.Fatalf("run = %s", r.Run.Status)
	}

	u.open("/runs/" + run)
	u.waitText(`details[data-group="each_line[1]"] summary`, "Item 1", "Failed")
	u.waitText(`details[data-group="each_line[2]"] summary`, "Item 2", "Succeeded")
	u.waitText(`section[aria-label="Items of each_line"]`, "3 items", "2 succeeded", "1 failed")
	u.waitText(`section[aria-label="Paths of route"]`, "Paths taken: big")
	u.click(`details[data-group="each_line[1]"] summary`)
	u.waitText(`details[data-group="each_line[1]"] li.attempt[data-step="each_line[1].send"]`, "HTTP 422")
	u.screenshot("run-items.png")

	refuse.Store(false)
	u.click(`[aria-label="Replay the failed items of each_line"]`)
	u.click("#confirm-ok")
	u.waitJS("the replay's page", fmt.Sprintf(`location.pathname.startsWith('/runs/') && location.pathname !== '/runs/%s'`, run))
	u.waitText(".meta-grid", "Replay of")
	replay := strings.TrimPrefix(u.eval(`location.pathname`), "/runs/")
	if r := b.waitRun(replay); r.Run.Status != "succeeded" {
		t.Fatalf("replay = %s", r.Run.Status)
	}
	if a, c := len(b.recv.On("/line/1")), len(b.recv.On("/line/0")); a != 2 || c != 1 {
		t.Errorf("item 1 sent %d times, item 0 %d; want 2 and 1 (only the failed item again)", a, c)
	}
	u.waitText(`details[data-group="each_line[1]"] summary`, "Item 1", "Succeeded")

	u.open("/workflows/lines")
	u.waitJS("the paths drawn", `!!document.querySelector('fieldset.list[data-field="steps[1].paths"]')`)
	side := u.eval(`(() => {
	  const rows = [...document.querySelectorAll('fieldset.list[data-field="steps[1].paths"] > .list-rows > .list-row')];
	  rows[0].scrollIntoView();
	  const [a, b] = rows.map((r) => r.getBoundingClientRect());
	  return rows.length + ' ' + (a.width > 0 && b.left >= a.right && Math.abs(a.top - b.top) < 2) + ' ' + JSON.stringify([a, b]) + getComputedStyle(rows[0].parentElement).display;
	})()`)
	if !strings.HasPrefix(side, "2 true") {
		t.Errorf("paths side by side: %s, want 2 rows, the second right of the first", side)
	}

	u.screenshot("editor-paths.png")

	// Paths move: the second before the first, saved so.
	u.click(`[aria-label="Move path 2 earlier"]`)
	u.eval(`document.getElementById('toast').textContent = '', 'ok'`)
	u.click("#save")
	u.waitJS("the save is answered", `/Saved revision/.test(document.getElementById('toast').textContent) || !document.getElementById('save-error').hidden`)
	var got struct {
		Definition struct {
			Steps []struct {
				Paths []struct {
					Name  string `json:"name"`
					When  string `json:"when"`
					Steps []struct {
						ID string `json:"id"`
					} `json:"steps"`
				} `json:"paths"`
			} `json:"steps"`
		} `json:"definition"`
	}
	b.api(http.MethodGet, "/api/v1/workflows/lines", nil).decode(t, &got)
	paths := got.Definition.Steps[1].Paths
	if len(paths) != 2 || paths[0].Name != "small" || paths[1].Name != "big" || paths[1].When != "payload.amount > 100" || paths[0].Steps[0].ID != "small_tag" {
		t.Errorf("paths after moving the second earlier = %+v", paths)
	}
}
