package web_test

import (
	"fmt"
	"strings"
	"testing"
)

// TestWorkflowListBrowser: a list of 30 workflows is searched by name,
// filtered by tag (from the tag list or a row's tag), and sorted by name,
// last run and failures; the choice stays in the address across a reload.
func TestWorkflowListBrowser(t *testing.T) {
	b, u := loggedIn(t)
	hooks := map[string]string{}
	for _, g := range []struct{ prefix, tags string }{
		{"Billing sync", `["billing"]`}, {"Chat relay", `["chat"]`}, {"Order import", `["orders", "billing"]`},
	} {
		for i := 1; i <= 10; i++ {
			name := fmt.Sprintf("%s %02d", g.prefix, i)
			id := strings.ToLower(strings.ReplaceAll(name, " ", "-"))
			path := "/ok"
			if id == "order-import-03" {
				path = "/fail"
			}
			w := b.create(fmt.Sprintf(`{"format": "hookflow/v1", "id": %q, "name": %q, "tags": %s, "trigger": {"type": "webhook"},
				"steps": [{"id": "send", "type": "webhook", "url": %q, "retry": {"max_attempts": 1}}]}`, id, name, g.tags, b.recv.URL+path))
			hooks[id] = w.TriggerURL
		}
	}
	for _, id := range []string{"order-import-03", "order-import-03", "billing-sync-07", "chat-relay-05"} { // chat-relay-05 runs last
		b.waitRun(b.trigger(hooks[id], map[string]any{}))
	}

	visible := func() []string {
		t.Helper()
		s := u.eval(`[...document.querySelectorAll('.wf-table tbody tr[data-workflow]')].filter((tr) => !tr.hidden).map((tr) => tr.dataset.workflow).join(',')`)
		if s == "" {
			return nil
		}
		return strings.Split(s, ",")
	}
	waitShown := func(n int) {
		t.Helper()
		u.waitJS(fmt.Sprintf("%d workflows shown", n), fmt.Sprintf(`[...document.querySelectorAll('.wf-table tbody tr[data-workflow]')].filter((tr) => !tr.hidden).length === %d`, n))
	}

	u.open("/")
	waitShown(30)
	u.waitText(".wf-shown", "30 workflows")
	if got := visible(); got[0] != "billing-sync-01" || got[29] != "order-import-10" {
		t.Errorf("by name: first %s, last %s", got[0], got[29])
	}
	u.waitText(`tr[data-workflow="order-import-03"]`, "orders", "billing")

	search := u.byLabel("Search by name")
	u.typeInto(search, "relay")
	waitShown(10)
	u.waitText(".wf-shown", "10 of 30 workflows")
	u.typeInto(search, " 05")
	waitShown(1)
	if got := visible(); len(got) != 1 || got[0] != "chat-relay-05" {
		t.Errorf("search relay 05 shows %v", got)
	}
	u.fill(search, "no such thing")
	waitShown(0)
	u.waitVisible("tr.wf-none")
	u.click(u.byRole("button", "Clear the filters"))
	waitShown(30)

	// Tags: from the list, and from a row's tag.
	u.choose(u.byLabel("Tag"), "chat")
	waitShown(10)
	u.choose(u.byLabel("Tag"), "All tags")
	waitShown(30)
	u.click(`tr[data-workflow="order-import-03"] [aria-label="Show only tag orders"]`)
	waitShown(10)
	if v := u.eval(`document.getElementById(document.querySelector('label[for^="wf-tag"]').htmlFor).value`); v != "orders" {
		t.Errorf("the tag list shows %q after clicking a row's tag", v)
	}
	u.choose(u.byLabel("Tag"), "billing")
	waitShown(20)

	// Sorting: failures first, then the newest run first.
	u.choose(u.byLabel("Sort by"), "Failures, most first")
	u.waitJS("the failing workflow comes first", `document.querySelector('.wf-table tbody tr[data-workflow]:not([hidden])').dataset.workflow === 'order-import-03'`)
	u.waitText(`tr[data-workflow="order-import-03"] .fail-count`, "2")
	u.choose(u.byLabel("Tag"), "All tags")
	u.choose(u.byLabel("Sort by"), "Last run, newest first")
	u.waitJS("the newest run comes first", `document.querySelector('.wf-table tbody tr[data-workflow]:not([hidden])').dataset.workflow === 'chat-relay-05'`)
	if got := visible(); got[1] != "billing-sync-07" || got[2] != "order-import-03" {
		t.Errorf("by last run: %v", got[:4])
	}

	// Kept in the address.
	u.typeInto(u.byLabel("Search by name"), "import")
	waitShown(10)
	u.waitJS("the address keeps the filters", `location.search.includes('q=import') && location.search.includes('sort=last_run')`)
	u.open("/" + u.eval(`location.search`))
	waitShown(10)
	if got := visible(); got[0] != "order-import-03" {
		t.Errorf("after a reload, first %s", got[0])
	}
	if v := u.eval(`document.querySelector('input[type="search"]').value`); v != "import" {
		t.Errorf("search after reload = %q", v)
	}
}
