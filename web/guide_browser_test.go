package web_test

import (
	"fmt"
	"strings"
	"testing"
)

// TestEditorBrowserGuide walks what guides a new user through the editor:
// a workflow saved with only a trigger, previews that see the data as it
// arrives at each step, plain hints, autocomplete and accessible names.
func TestEditorBrowserGuide(t *testing.T) {
	b, browser := loggedIn(t)
	browser.acceptLeaving()

	t.Run("a trigger first, steps later", func(t *testing.T) {
		u := browser.in(t)
		u.open("/workflows/new")
		u.waitText(".steps-empty", "No steps yet")
		u.typeInto("#wf-name", "Orders first")
		u.click("#save")
		u.waitJS("the saved page", `/^\/workflows\/orders-first/.test(location.pathname)`)
		u.waitVisible("#trigger-url")
		u.waitVisible("#test-url")
		hook := u.eval(`document.getElementById('trigger-url').value`)
		test := u.eval(`document.getElementById('test-url').value`)
		if !strings.Contains(hook, "/hooks/") || !strings.Contains(test, "/hooks/test/") {
			t.Fatalf("trigger URL %q, test URL %q", hook, test)
		}
		if u.eval(`document.querySelector('label[for="test-url"]').textContent`) != "Test URL" {
			t.Errorf("the test URL has no label")
		}
		// The URL works at once: the event is recorded, the run succeeds.
		run := b.waitRun(b.trigger(hook, map[string]any{"order": "A-1"}))
		if run.Run.Status != "succeeded" || len(run.Steps) != 0 {
			t.Errorf("run of a workflow with no steps = %+v, %d steps", run.Run, len(run.Steps))
		}
	})

	t.Run("a step after a transform previews the transformed payload", func(t *testing.T) {
		u := browser.in(t)
		w := b.create(fmt.Sprintf(`{"format": "hookflow/v1", "id": "shaped", "name": "Shaped",
			"trigger": {"type": "webhook"},
			"steps": [{"id": "shape", "type": "transform", "expr": "{order: payload.id, total: payload.amount / 100.0}"},
			          {"id": "notify", "type": "webhook", "url": "{{ vars.recv }}/orders/{{ payload.order }}"}],
			"vars": {"recv": %q}}`, b.recv.URL))
		b.waitRun(b.trigger(w.TriggerURL, map[string]any{"id": "A-7", "amount": 1250}))
		u.open("/workflows/shaped")
		url := `[data-preview-for="steps[1].url"]`
		u.waitText(url, b.recv.URL+"/orders/A-7")
		if got := u.eval(`document.querySelector('[data-preview-for="steps[1].url"]').textContent`); strings.Contains(got, "null") {
			t.Errorf("URL preview %q has null", got)
		}
		// An edit of the transform shows in the later step's preview.
		u.fill(`[data-field="steps[0].expr"]`, "{order: payload.id + '-x'}")
		u.waitText(url, "/orders/A-7-x")
	})
}
