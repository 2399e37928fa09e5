package web_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
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

	t.Run("a field the sample lacks is named, with the one meant", func(t *testing.T) {
		u := browser.in(t)
		u.open("/workflows/shaped")
		// In a template, against the payload the transform before it made.
		u.fill(`[data-field="steps[1].url"]`, "{{ vars.recv }}/orders/{{ payload.ordr }}")
		u.waitText(`[data-preview-for="steps[1].url"]`, "field ordr is not in the sample; did you mean order?")
		// Where the missing field fails the expression too.
		u.fill(`[data-field="steps[0].expr"]`, "{order: payload.id, total: payload.amout / 100.0}")
		u.waitText(`[data-preview-for="steps[0].expr"] .preview-hint`, "field amout is not in the sample; did you mean amount?")
	})

	t.Run("a condition rule's field the sample lacks is named", func(t *testing.T) {
		u := browser.in(t)
		w := b.create(`{"format": "hookflow/v1", "id": "ruled", "name": "Ruled",
			"trigger": {"type": "webhook"},
			"steps": [{"id": "big", "type": "filter",
			           "match": {"all": [{"field": "payload.amount", "op": "gt", "value": 100},
			                             {"any": [{"field": "payload.stauts", "op": "eq", "value": "paid"}]}]}}]}`)
		b.waitRun(b.trigger(w.TriggerURL, map[string]any{"amount": 1250, "status": "paid"}))
		u.open("/workflows/ruled")
		// The condition builder names it at the rule's live result.
		u.waitText(`[data-field="steps[0].match"] .cond-field-hint`, "field stauts is not in the sample; did you mean status?")
		if got := u.eval(`[...document.querySelectorAll('[data-field="steps[0].match"] .cond-field-hint')].map((e) => e.textContent).join(' | ')`); strings.Contains(got, "amount") {
			t.Errorf("a field the sample has is flagged: %q", got)
		}
	})

	t.Run("a URL preview with null or an empty part is flagged", func(t *testing.T) {
		u := browser.in(t)
		u.open("/workflows/shaped")
		url := `[data-preview-for="steps[1].url"]`
		u.waitText(url, "/orders/A-7")
		if n := u.eval(`String(document.querySelectorAll('[data-preview-for="steps[1].url"] .preview-hint').length)`); n != "0" {
			t.Errorf("%s warnings on a good URL", n)
		}
		u.fill(`[data-field="steps[1].url"]`, "{{ vars.recv }}/orders/{{ payload.nothing }}")
		u.waitText(url, "the URL has null in it")
		u.fill(`[data-field="steps[1].url"]`, "{{ vars.recv }}/orders//{{ payload.order }}")
		u.waitText(url, "the URL has an empty part")
		u.fill(`[data-field="steps[1].url"]`, "{{ vars.recv }}/orders/{{ payload.order }}")
		u.waitJS("the warning goes once the URL is mended", `!document.querySelector('[data-preview-for="steps[1].url"] .preview-hint') && document.querySelector('[data-preview-for="steps[1].url"]').textContent.includes('/orders/A-7')`)
	})

	t.Run("saving an enabled workflow whose step fails on the sample asks first", func(t *testing.T) {
		u := browser.in(t)
		w := b.create(`{"format": "hookflow/v1", "id": "fails", "name": "Fails",
			"trigger": {"type": "webhook"},
			"steps": [{"id": "shape", "type": "transform", "expr": "{order: payload.id}"},
			          {"id": "notify", "type": "transform", "expr": "{order: payload.order}"}]}`)
		b.waitRun(b.trigger(w.TriggerURL, map[string]any{"id": "A-7"}))
		u.open("/workflows/fails")
		u.waitVisible(`[data-field="steps[1].expr"]`)
		u.fill(`[data-field="steps[1].expr"]`, "{order: upper(payload.order) + payload.order * 2}")
		u.click("#save")
		u.waitText(".modal", "Step notify fails on the sample", "Save anyway?")
		u.eval(`[...document.querySelectorAll('.modal button')].find((b) => b.textContent === 'Cancel').click(), 'ok'`)
		u.waitJS("still unsaved", `document.getElementById('save-state').textContent === 'Unsaved changes'`)
		if got := b.apiOK("GET", "/api/v1/workflows/fails", nil, 200)["revision"]; fmt.Sprint(got) != "1" {
			t.Fatalf("revision %v after Cancel, want 1", got)
		}
		u.click("#save")
		u.click("#confirm-ok")
		u.waitJS("saved", `document.querySelector('.editor-meta').textContent.includes('revision 2')`)

		// A disabled workflow is saved without the question.
		u.click("#wf-enabled")
		u.waitJS("disabled", `!document.getElementById('wf-enabled').checked && !document.getElementById('wf-enabled').disabled`)
		u.fill("#wf-name", "Fails, disabled")
		u.click("#save")
		u.waitJS("saved without a question", `document.querySelector('.editor-meta').textContent.includes('revision 3')`)
		if n := u.eval(`String(document.querySelectorAll('.modal').length)`); n != "0" {
			t.Errorf("%s dialogs open saving a disabled workflow", n)
		}
	})

	t.Run("autocomplete offers the data at the step, steps, vars and functions", func(t *testing.T) {
		u := browser.in(t)
		u.open("/workflows/shaped")
		url := `[data-field="steps[1].url"]`
		u.waitText(`[data-preview-for="steps[1].url"]`, "/orders/A-7")
		if got := u.eval(`document.querySelector('[data-field="steps[1].url"]').getAttribute('role')`); got != "combobox" {
			t.Fatalf("the URL field's role is %q, want combobox", got)
		}
		u.fill(url, "")
		// The payload as the transform before the step leaves it.
		u.typeInto(url, "{{ payload.to")
		u.waitJS("the list offers payload.total", `(() => {
			const el = document.querySelector('[data-field="steps[1].url"]');
			const list = document.getElementById(el.getAttribute('aria-controls'));
			return el.getAttribute('aria-expanded') === 'true' && !list.hidden && list.getAttribute('role') === 'listbox' &&
				[...list.querySelectorAll('[role=option]')].map((o) => o.textContent).join('|') === 'payload.total12.5' &&
				el.getAttribute('aria-activedescendant') === list.querySelector('[role=option]').id })()`)
		u.do("Enter", chromedp.SendKeys(url, kb.Enter))
		u.waitJS("payload.total is taken", `document.querySelector('[data-field="steps[1].url"]').value === '{{ payload.total' &&
			document.querySelector('[data-field="steps[1].url"]').getAttribute('aria-expanded') === 'false'`)

		// The earlier steps and their tested outputs; Down moves, Escape closes.
		u.typeInto(url, " }}/{{ steps.")
		u.waitJS("the list offers the earlier step", `(() => {
			const el = document.querySelector('[data-field="steps[1].url"]');
			const opts = [...document.getElementById(el.getAttribute('aria-controls')).querySelectorAll('[role=option]')].map((o) => o.querySelector('.ac-label').textContent);
			return opts.join(',') === 'steps.shape,steps.shape.order,steps.shape.total' })()`)
		u.do("Down", chromedp.SendKeys(url, kb.ArrowDown))
		u.waitJS("the second is active", `(() => { const el = document.querySelector('[data-field="steps[1].url"]');
			return document.getElementById(el.getAttribute('aria-activedescendant')).textContent.startsWith('steps.shape.order') })()`)
		u.do("Escape", chromedp.SendKeys(url, kb.Escape))
		u.waitJS("closed", `document.querySelector('[data-field="steps[1].url"]').getAttribute('aria-expanded') === 'false'`)
		u.do("Ctrl+Space", chromedp.KeyEvent(" ", chromedp.KeyModifiers(chromedp.ModifierCtrl)))
		u.waitJS("open again", `document.querySelector('[data-field="steps[1].url"]').getAttribute('aria-expanded') === 'true'`)
		u.do("Tab", chromedp.SendKeys(url, kb.Tab))
		u.waitJS("steps.shape is taken", `document.querySelector('[data-field="steps[1].url"]').value.endsWith('{{ steps.shape')`)

		// Vars, and functions with their signatures.
		u.typeInto(url, ".order }}/{{ vars.re")
		u.waitText(`.ac-list:not([hidden])`, "vars.recv")
		u.do("Enter", chromedp.SendKeys(url, kb.Enter))
		u.typeInto(url, " }}/{{ formatMo")
		u.waitText(`.ac-list:not([hidden])`, "formatMoney(amount, currency)")
		u.do("Enter", chromedp.SendKeys(url, kb.Enter))
		u.waitJS("the function is taken", `document.querySelector('[data-field="steps[1].url"]').value.endsWith('{{ vars.recv }}/{{ formatMoney(')`)
	})

	t.Run("the function reference is searchable and inserts a call", func(t *testing.T) {
		u := browser.in(t)
		u.open("/workflows/shaped")
		u.waitVisible(`[data-field="steps[0].expr"]`)
		u.eval(`document.querySelector('[data-field="steps[0].expr"]').closest('.field').querySelector('.fn-ref-btn').id = 'fn-ref-0', 'ok'`)
		if got := u.eval(`document.getElementById('fn-ref-0').getAttribute('aria-label')`); !strings.HasPrefix(got, "Functions for ") {
			t.Errorf("the function reference button is named %q", got)
		}
		u.click("#fn-ref-0")
		u.waitVisible("#fn-search")
		if u.eval(`String(document.activeElement.id)`) != "fn-search" {
			t.Errorf("the search field has no focus")
		}
		u.typeInto("#fn-search", "money")
		u.waitJS("one function found", `document.querySelectorAll('.fn-item').length === 1 && document.querySelector('.fn-item').dataset.fn === 'formatMoney'`)
		u.waitText(".fn-item", "formatMoney(amount, currency)", `formatMoney(120, "usd")`, "120.00 USD")
		u.click("#fn-close")
		u.waitJS("closed, the focus back in the field", `!document.querySelector('dialog') && document.activeElement === document.querySelector('[data-field="steps[0].expr"]')`)
		u.fill(`[data-field="steps[0].expr"]`, "")
		u.click("#fn-ref-0")
		u.typeInto("#fn-search", "date")
		u.waitJS("the date functions", `[...document.querySelectorAll('.fn-item')].map((e) => e.dataset.fn).includes('formatDate')`)
		u.click(`[aria-label="Insert formatDate"]`)
		u.waitJS("the call is inserted", `document.querySelector('[data-field="steps[0].expr"]').value === 'formatDate()' && document.activeElement === document.querySelector('[data-field="steps[0].expr"]')`)
	})
}
