package web_test

import (
	"testing"
)

// TestDestinationsBrowser: the Destinations page lists a paused
// destination with its failures, last error and the runs waiting on it;
// "Resume now" opens it, and the waiting runs are delivered.
func TestDestinationsBrowser(t *testing.T) {
	b, u := loggedIn(t)
	up, got := b.pauseDestination(4)
	key := got.Destinations[0].Key

	u.open("/destinations")
	u.waitText(".destinations-table", "paused", key, "502", "4")
	u.screenshot("editor-destinations.png")
	up.Store(true)
	u.click(u.byRole("button", "Resume now: "+key))
	u.waitJS("the destination open", `document.querySelector('tr.destination-row')?.classList.contains('destination-open')`)
	for _, id := range b.runIDs("workflow=orders") {
		if run := b.waitRun(id); run.Run.Status != "succeeded" {
			t.Errorf("run %s = %s, want succeeded", id, run.Run.Status)
		}
	}
}
