package web_test

import (
	"strings"
	"testing"
)

// TestEditorBrowserNestedWaits: on the run page, each item of a loop that
// waits shows its own resume URL, Copy, Approve and Resume; approving one
// item leaves the other waiting, and resuming it finishes the run.
func TestEditorBrowserNestedWaits(t *testing.T) {
	b, u := loggedIn(t)
	w := b.create(loopApprovalWorkflow("approve-lines", b.recv.URL))
	runID := b.trigger(w.TriggerURL, map[string]any{"lines": []string{"L1", "L2"}})
	b.waitsUntil(runID, "each_line[0].approval=waiting", "each_line[1].approval=waiting")

	u.open("/runs/" + runID)
	first, second := "each_line[0].approval", "each_line[1].approval"
	for _, step := range []string{first, second} {
		u.waitVisible(`button[aria-label="Approve step ` + step + `"]`)
		u.waitVisible(`button[aria-label="Resume step ` + step + `"]`)
		u.waitVisible(`button[aria-label="Copy the resume URL of step ` + step + `"]`)
		u.waitVisible(`section[aria-label="Waiting at step ` + step + `"]`)
	}
	urlOf := func(step string) string {
		return u.eval(`(() => { const l = [...document.querySelectorAll('label')].find((l) => l.textContent === 'Resume URL of step ` + step + `');
			return l ? document.getElementById(l.htmlFor).value : '' })()`)
	}
	u1, u2 := urlOf(first), urlOf(second)
	if !strings.HasPrefix(u1, b.url+"/hooks/resume/") || !strings.HasPrefix(u2, b.url+"/hooks/resume/") || u1 == u2 {
		u.fail("resume URLs = %q and %q, want one of its own for each item", u1, u2)
	}

	u.click(`button[aria-label="Approve step ` + first + `"]`)
	u.waitJS("the first item's wait is gone", `!document.querySelector('section[aria-label="Waiting at step `+first+`"]')`)
	u.waitVisible(`button[aria-label="Resume step ` + second + `"]`)
	if run := b.getRun(runID); run.Run.Status != "waiting" {
		t.Fatalf("run = %s after approving one item of two, want waiting", run.Run.Status)
	}
	u.click(`button[aria-label="Resume step ` + second + `"]`)
	u.waitJS("the run succeeds", `!!document.querySelector('.page-head .pill.st-succeeded')`)
	done := b.recv.On("/done")
	if len(done) != 2 || string(done[0].Body) != `{"approval":{"approved":true},"line":"L1"}` || string(done[1].Body) != `{"approval":{},"line":"L2"}` {
		t.Fatalf("requests to /done: %d %v", len(done), done)
	}
}
