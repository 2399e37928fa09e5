package web_test

import (
	"fmt"
	"strings"
	"testing"
)

// TestReplaysBrowser: a failed run's page lists its replays, newest first,
// and says whether the latest resolved it; a replay links back to its
// source; the runs list's "Hide resolved" leaves out the failed runs whose
// latest replay succeeded.
func TestReplaysBrowser(t *testing.T) {
	b, u := loggedIn(t)
	_, ids := replayedWorkflow(t, b, "Flaky")
	short := func(id string) string { return id[:8] + "…" + id[len(id)-4:] }

	u.open("/runs/" + ids["a"])
	u.waitText("#replays", "Replays of this run", "Resolved: its latest replay succeeded.", short(ids["a1"]), short(ids["a2"]))
	if got := u.eval(`[...document.querySelectorAll('#replays li')].map((li) => li.dataset.run).join(',')`); got != ids["a2"]+","+ids["a1"] {
		t.Errorf("replays listed %s, want newest first %s,%s", got, ids["a2"], ids["a1"])
	}
	u.click(u.byRole("link", fmt.Sprintf("Replay %s (succeeded)", ids["a2"])))
	u.waitPath("/runs/" + ids["a2"])
	u.waitText(".meta-grid", "Replay of")
	u.click(fmt.Sprintf(`.meta-grid a[href="/runs/%s"]`, ids["a"]))
	u.waitPath("/runs/" + ids["a"])
	u.waitVisible("#replays")

	u.open("/runs/" + ids["b"])
	u.waitText("#replays", "Not resolved yet: its latest replay is failed.", short(ids["b1"]))

	// A run never replayed shows no replays section.
	u.open("/runs/" + ids["a2"])
	u.waitText(".meta-grid", "Replay of")
	if u.eval(`String(!!document.querySelector('#replays') && !document.querySelector('#replays').hidden)`) != "false" {
		t.Error("a run without replays shows a replays section")
	}

	rows := func() string {
		return u.eval(`[...document.querySelectorAll('tr.run-row')].map((tr) => tr.dataset.run).join(',')`)
	}
	all := strings.Join([]string{ids["b1"], ids["a1"], ids["b"], ids["a"]}, ",")
	unresolved := strings.Join([]string{ids["b1"], ids["a1"], ids["b"]}, ",")
	u.open("/runs?status=failed")
	u.waitJS("four failed runs", `document.querySelectorAll('tr.run-row').length === 4`)
	if got := rows(); got != all {
		t.Errorf("failed runs %s, want %s", got, all)
	}
	u.click(u.byLabel("Hide resolved"))
	u.waitJS("three unresolved runs", `location.search.includes('unresolved=1') && document.querySelectorAll('tr.run-row').length === 3`)
	if got := rows(); got != unresolved {
		t.Errorf("unresolved failed runs %s, want %s", got, unresolved)
	}
	// A replay in the list links to the run it replays.
	u.click(fmt.Sprintf(`tr[data-run="%s"] a[aria-label="Replay of %s"]`, ids["a1"], ids["a"]))
	u.waitPath("/runs/" + ids["a"])
	u.open("/runs?status=failed&unresolved=1")
	u.waitJS("the box stays ticked", `document.getElementById('runs-unresolved')?.checked && document.querySelectorAll('tr.run-row').length === 3`)
	u.click(u.byLabel("Hide resolved"))
	u.waitJS("four failed runs again", `!location.search.includes('unresolved') && document.querySelectorAll('tr.run-row').length === 4`)
}
