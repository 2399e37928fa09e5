package web_test

import (
	"fmt"
	"strings"
	"testing"
)

// unnamedControls is JavaScript listing the controls of the page (input,
// select, textarea, button) that have no accessible name: no aria-label,
// aria-labelledby, label, text or title. Hidden inputs and controls a
// screen reader is told to skip (aria-hidden) are left out.
const unnamedControls = `(() => {
  // The text a screen reader reads: without what is aria-hidden.
  const raw = (n) => n.nodeType === 3 ? n.textContent
    : n.nodeType === 1 && n.getAttribute('aria-hidden') !== 'true' ? [...n.childNodes].map(raw).join('') : '';
  const text = (el) => (el ? raw(el).replace(/\s+/g, ' ').trim() : '');
  const nameOf = (el) => {
    const by = el.getAttribute('aria-labelledby');
    if (by) {
      const t = by.split(/\s+/).map((id) => text(document.getElementById(id))).join(' ').trim();
      if (t) return t;
    }
    const aria = (el.getAttribute('aria-label') || '').trim();
    if (aria) return aria;
    if (el.labels) for (const l of el.labels) if (text(l)) return text(l);
    if (el.tagName === 'BUTTON' && text(el)) return text(el);
    if (el.tagName === 'INPUT' && ['button', 'submit', 'reset'].includes(el.type) && el.value) return el.value;
    return (el.getAttribute('title') || '').trim();
  };
  const out = [];
  for (const el of document.querySelectorAll('input, select, textarea, button')) {
    if (el.type === 'hidden' || el.closest('[aria-hidden="true"]')) continue;
    if (!nameOf(el)) {
      out.push(el.outerHTML.slice(0, 160) + (el.closest('[data-field]') ? ' in ' + el.closest('[data-field]').dataset.field : ''));
    }
  }
  return JSON.stringify(out);
})()`

// TestEditorBrowserAccessible walks the workflow list, the editor (with a
// step of every kind, and a saved workflow's trigger URLs), the run list
// and a run's page, and fails on any control without an accessible name;
// on each navigation the focus is on the page's heading, and previews are
// not live regions.
func TestEditorBrowserAccessible(t *testing.T) {
	b, u := loggedIn(t)
	u.acceptLeaving()
	w := b.create(fmt.Sprintf(`{"format": "hookflow/v1", "id": "named", "name": "Named",
		"trigger": {"type": "webhook", "auth": {"type": "token", "secret": "s3cret", "header": "X-Token"}},
		"steps": [{"id": "shape", "type": "transform", "expr": "{order: payload.id}"},
		          {"id": "notify", "type": "webhook", "url": "{{ vars.recv }}/orders/{{ payload.order }}", "headers": {"X-A": "b"}}],
		"vars": {"recv": %q}}`, b.recv.URL))
	run := b.trigger(w.TriggerURL, map[string]any{"id": "A-1"}, "X-Token", "s3cret")
	b.waitRun(run)

	check := func(t *testing.T, page string) {
		t.Helper()
		if got := u.in(t).eval(unnamedControls); got != "[]" {
			t.Errorf("%s: controls without an accessible name:\n%s", page, strings.ReplaceAll(got, `","`, "\n"))
		}
	}
	focusOnHeading := func(t *testing.T, page, want string) {
		t.Helper()
		u.in(t).waitJS(page+": the focus is on the heading", fmt.Sprintf(`(() => { const a = document.activeElement;
			return !!a && a.tagName === 'H1' && a.getAttribute('tabindex') === '-1' && a.textContent.includes(%s) })()`, jsString(want)))
	}

	t.Run("workflow list", func(t *testing.T) {
		u := u.in(t)
		u.click(`a[data-nav="workflows"]`)
		u.waitVisible(`a[href="/workflows/named"]`)
		focusOnHeading(t, "list", "Workflows")
		// The check finds a control without a name (an icon button, a bare input).
		got := u.eval(`(() => { const b = document.createElement('button'); b.id = 'nameless'; b.innerHTML = '<span aria-hidden="true">✕</span> ';
			const i = document.createElement('input'); i.id = 'nameless-input'; document.body.append(b, i);
			const found = ` + unnamedControls + `; b.remove(); i.remove(); return found })()`)
		if !strings.Contains(got, `id=\"nameless\"`) || !strings.Contains(got, `id=\"nameless-input\"`) {
			t.Errorf("the check missed a nameless button and input: %s", got)
		}
		check(t, "the workflow list")
	})

	t.Run("editor with a step of every kind", func(t *testing.T) {
		u := u.in(t)
		u.click("#new-workflow")
		u.click("#gallery-blank")
		u.waitVisible("#wf-name")
		focusOnHeading(t, "new workflow", "New workflow")
		n := u.eval(`String(document.querySelectorAll('[data-add-step]').length)`)
		if n == "0" {
			t.Fatal("no add-step buttons")
		}
		u.eval(`[...document.querySelectorAll('[data-add-step]')].forEach((b) => b.click()), 'ok'`)
		u.waitJS("a card per kind", fmt.Sprintf(`document.querySelectorAll('ol.steps > li.step').length === %s`, n))
		u.eval(`document.querySelectorAll('details').forEach((d) => { d.open = true }), 'ok'`)
		check(t, "the editor of a new workflow")
	})

	t.Run("editor of a saved workflow", func(t *testing.T) {
		u := u.in(t)
		u.open("/workflows/named")
		u.waitVisible("#trigger-url")
		u.waitVisible("#test-url")
		focusOnHeading(t, "editor", "Workflow Named")
		u.eval(`document.querySelectorAll('details').forEach((d) => { d.open = true }), 'ok'`)
		u.click("#test")
		u.waitVisible("#test-result")
		check(t, "the editor of a saved workflow")
		// The function reference's dialog too.
		u.eval(`document.querySelector('.fn-ref-btn').id = 'fn-ref-a11y', 'ok'`)
		u.click("#fn-ref-a11y")
		u.waitVisible("#fn-search")
		check(t, "the function reference")
		u.click("#fn-close")
		u.waitJS("the dialog is closed", `!document.querySelector('dialog')`)
		if n := u.eval(`String(document.querySelectorAll('.preview').length)`); n == "0" {
			t.Fatal("no previews on the page")
		}
		if live := u.eval(`String(document.querySelectorAll('.preview[aria-live]:not([aria-live="off"]), .preview [aria-live]:not([aria-live="off"])').length)`); live != "0" {
			t.Errorf("%s previews are live regions: each keystroke would be announced", live)
		}
	})

	t.Run("runs", func(t *testing.T) {
		u := u.in(t)
		u.click(`a[data-nav="runs"]`)
		u.waitVisible(fmt.Sprintf(`tr[data-run="%s"]`, run))
		focusOnHeading(t, "runs", "Runs")
		check(t, "the run list")
		u.click(fmt.Sprintf(`tr[data-run="%s"] a[href^="/runs/"]`, run))
		u.waitText(".meta-grid", "named")
		focusOnHeading(t, "run", "Run")
		u.eval(`document.querySelectorAll('details').forEach((d) => { d.open = true }), 'ok'`)
		check(t, "a run's page")
	})
}
