package web_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"
)

// The no-code tests build workflows in the editor the way a person who
// writes no expressions does: fields picked from a captured sample,
// operators picked from a list, plain values typed ("payment.succeeded",
// "10000", "paid"), a formatter picked for a mapped field. No expression
// and no {{ }} is typed. Their screenshots go to the docs with
//
//	HOOKFLOW_SCREENSHOTS=$PWD/docs go test ./web -run TestNoCode

// paymentEvent is the event the payment tests capture and send.
func paymentEvent(amount int, vip bool) map[string]any {
	return map[string]any{"type": "payment.succeeded", "vip": vip,
		"data": map[string]any{"amount": amount, "currency": "usd", "customer": map[string]any{"name": "Ann"}}}
}

// label is the CSS selector of the control named label, under scope.
func label(scope, name string) string {
	return fmt.Sprintf(`%s [aria-label=%s]`, scope, jsString(name))
}

// startWithWebhook creates, from "New workflow", a workflow named name
// whose one step posts to the receiver at path, saves it and captures
// event as its sample through the test URL and Listen. It answers the
// workflow as stored.
func startWithWebhook(t *testing.T, b *bundle, u *ui, name, path string, event any) workflow {
	t.Helper()
	u.click("#new-workflow")
	u.click("#gallery-blank")
	u.waitPath("/workflows/new")
	u.typeInto("#wf-name", name)
	u.click(`[data-add-step="webhook"]`)
	u.typeInto(`[data-field="steps[0].url"]`, b.recv.URL+path)
	u.click("#save")
	u.waitJS("the new workflow's page opens", `/^\/workflows\/[a-z0-9-]+$/.test(location.pathname) && location.pathname !== '/workflows/new'`)
	id := strings.TrimPrefix(u.eval(`location.pathname`), "/workflows/")
	var wf workflow
	b.api(http.MethodGet, "/api/v1/workflows/"+id, nil).decode(t, &wf)
	testURL := strings.Replace(wf.TriggerURL, "/hooks/", "/hooks/test/", 1)

	u.click("#listen")
	u.waitText(".listen-status", "Waiting for a request")
	time.Sleep(300 * time.Millisecond) // the listener's baseline is taken
	if a := b.send(http.MethodPost, testURL, event); a.status != http.StatusOK {
		t.Fatalf("test URL = %d %s", a.status, a.body)
	}
	u.waitText(".sample-view", `"payment.succeeded"`)
	u.waitText("#sample-label", "Captured")
	if n := len(b.runIDs("?workflow=" + id)); n != 0 {
		t.Errorf("the test URL started %d runs, want none", n)
	}

	// The condition goes first: add a filter and move it up.
	u.click(`[data-add-step="filter"]`)
	u.click(`[aria-label="Move step 2 up"]`)
	u.waitJS("the filter is step 1", `document.querySelector('li.step')?.classList.contains('t-filter')`)
	return wf
}

// pickRule fills rule num of the condition at scope: the field picked from
// the sample, the operator from the list, and the value typed plainly.
func pickRule(u *ui, scope, num, field, op, value string) {
	u.t.Helper()
	u.fill(label(scope, "Rule "+num+" field"), field)
	u.waitJS("the operators of "+field, fmt.Sprintf(`!![...document.querySelectorAll(%s + ' option')].find(o => o.value === %s)`,
		jsString(label(scope, "Rule "+num+" operator")), jsString(op)))
	u.fill(label(scope, "Rule "+num+" operator"), op)
	valueBox := label(scope, "Rule "+num+" value")
	if value == "" {
		u.waitJS("the value box is hidden", fmt.Sprintf(`document.querySelector(%s).hidden`, jsString(valueBox)))
	} else {
		u.typeInto(valueBox, value)
	}
	ruleResult(u, scope, num, "hold") // "holds" or "does not hold": the rule is checked on the sample
}

// ruleResult waits until rule num of the condition at scope shows want.
func ruleResult(u *ui, scope, num, want string) {
	u.t.Helper()
	u.waitJS(fmt.Sprintf("rule %s shows %q", num, want), fmt.Sprintf(
		`(() => { const el = document.querySelector(%s); const r = el && el.closest('.cond-rule').querySelector('.cond-result'); return !!r && r.textContent.includes(%s) })()`,
		jsString(label(scope, "Rule "+num+" field")), jsString(want)))
}

// enableAndSend enables the workflow and sends it a real event: the run's
// final status.
func enableAndSend(t *testing.T, b *bundle, u *ui, wf workflow, event any) string {
	t.Helper()
	if u.eval(`String(document.querySelector('#wf-enabled').checked)`) != "true" {
		u.click("#wf-enabled")
		u.waitJS("the workflow is enabled", `document.querySelector('#wf-enabled').checked && !document.querySelector('#wf-enabled').disabled`)
	}
	return b.waitRun(b.trigger(wf.TriggerURL, event)).Run.Status
}

// TestNoCodePaymentToSlack builds "payment webhook -> only continue if type
// is payment.succeeded and amount > 10000 -> post 'Ann paid 120.00 USD' to a
// Slack incoming webhook" from an empty editor, without typing an
// expression or {{ }}; a real event then delivers exactly that message.
func TestNoCodePaymentToSlack(t *testing.T) {
	b, u := loggedIn(t)
	wf := startWithWebhook(t, b, u, "Payment to Slack", "/services/T000/B000/slack", paymentEvent(12000, false))

	// ---- the condition: picked fields and operators, plain values -----------
	cond := `[data-field="steps[0].match"]`
	u.click(label(cond, "Add rule"))
	pickRule(u, cond, "1", "payload.type", "eq", "payment.succeeded")
	u.click(label(cond, "Add rule"))
	pickRule(u, cond, "2", "payload.data.amount", "gt", "10000")
	ruleResult(u, cond, "1", `was "payment.succeeded"`)
	ruleResult(u, cond, "2", "was 12000")
	u.waitText(cond+" .cond-status", "the condition holds")
	if ops := u.eval(`[...document.querySelector(` + jsString(label(cond, "Rule 2 operator")) + `).options].map(o => o.value).join(',')`); strings.Contains(ops, "starts_with") {
		t.Errorf("a number field is offered text operators: %s", ops)
	}
	u.screenshot("nocode-condition.png")

	// ---- the message: a picked field, text, a picked field as money --------
	body := `[data-field="steps[1].body"]`
	u.click(label(body, "Add field"))
	u.typeInto(label(body, "Field 1 name"), "text")
	u.click(label(body, "Insert data into field 1"))
	u.click(label(body, "Pick payload.data.customer.name"))
	u.click(body + " .data-picker .btn.primary")
	u.waitText(body+" .reads-as", "customer › name")
	u.typeInto(label(body, "Field 1 value"), " paid ")
	u.click(label(body, "Insert data into field 1"))
	u.click(label(body, "Pick payload.data.amount"))
	u.fill(body+" .data-picker select", "formatMoney")
	u.waitText(body+" .data-picker", "Currency", "divide by 100")
	u.click(body + " .data-picker input[type=checkbox]")
	u.waitText(body+" .data-picker .preview", "120.00 USD")
	u.screenshot("nocode-mapping.png")
	u.click(body + " .data-picker .btn.primary")
	u.waitText(body+" .preview", "Ann paid 120.00 USD")
	u.waitText(body+" .reads-as", "customer › name", "data › amount as money")

	// ---- test, save, enable, a real event ----------------------------------
	u.click("#test")
	u.waitText("#test-result", "Succeeded")
	u.click("#save")
	u.waitText(".editor-meta", "revision 2")

	var stored struct {
		Definition struct {
			Steps []json.RawMessage `json:"steps"`
		} `json:"definition"`
	}
	b.api(http.MethodGet, "/api/v1/workflows/"+wf.ID, nil).decode(t, &stored)
	if len(stored.Definition.Steps) != 2 {
		t.Fatalf("stored steps: %s", stored.Definition.Steps)
	}
	jsonEqual(t, stored.Definition.Steps[0], map[string]any{"id": "filter", "type": "filter", "match": map[string]any{"all": []any{
		map[string]any{"field": "payload.type", "op": "eq", "value": "payment.succeeded"},
		map[string]any{"field": "payload.data.amount", "op": "gt", "value": 10000}}}})
	var send struct {
		Body map[string]any `json:"body"`
	}
	if err := json.Unmarshal(stored.Definition.Steps[1], &send); err != nil {
		t.Fatal(err)
	}
	if got := send.Body["text"]; got != "{{ payload.data.customer.name }} paid {{ formatMoney(payload.data.amount / 100, payload.data.currency) }}" {
		t.Errorf("stored body text = %v", got)
	}

	if status := enableAndSend(t, b, u, wf, paymentEvent(12000, false)); status != "succeeded" {
		t.Fatalf("the run = %s", status)
	}
	got := b.recv.Next(t)
	if got.Path != "/services/T000/B000/slack" {
		t.Errorf("the receiver got %s", got.Path)
	}
	jsonEqual(t, got.Body, map[string]any{"text": "Ann paid 120.00 USD"})
}

// TestNoCodeOrGroup builds "type is payment.succeeded AND (amount > 10000
// OR vip is true)" with a group inside the rules, and checks it against
// real events: a small payment from a VIP passes, one from anyone else is
// filtered, naming the rule that failed.
func TestNoCodeOrGroup(t *testing.T) {
	b, u := loggedIn(t)
	wf := startWithWebhook(t, b, u, "Big or VIP payments", "/vip", paymentEvent(500, true))

	cond := `[data-field="steps[0].match"]`
	u.click(label(cond, "Add rule"))
	pickRule(u, cond, "1", "payload.type", "eq", "payment.succeeded")
	u.click(label(cond, "Add group"))
	if m := u.eval(`document.querySelector(` + jsString(label(cond, "Combine group 2")) + `).value`); m != "any" {
		t.Errorf("a group in an AND group starts as %q, want any (OR)", m)
	}
	pickRule(u, cond, "2.1", "payload.data.amount", "gt", "10000")
	u.click(label(cond, "Add rule to group 2"))
	pickRule(u, cond, "2.2", "payload.vip", "is_true", "")
	ruleResult(u, cond, "2.1", "does not hold")
	ruleResult(u, cond, "2.2", "holds")
	u.waitText(cond+" .cond-status", "the condition holds")

	u.click("#test")
	u.waitText("#test-result", "Succeeded")
	u.click("#save")
	u.waitText(".editor-meta", "revision 2")
	var stored struct {
		Definition struct {
			Steps []json.RawMessage `json:"steps"`
		} `json:"definition"`
	}
	b.api(http.MethodGet, "/api/v1/workflows/"+wf.ID, nil).decode(t, &stored)
	jsonEqual(t, stored.Definition.Steps[0], map[string]any{"id": "filter", "type": "filter", "match": map[string]any{"all": []any{
		map[string]any{"field": "payload.type", "op": "eq", "value": "payment.succeeded"},
		map[string]any{"any": []any{
			map[string]any{"field": "payload.data.amount", "op": "gt", "value": 10000},
			map[string]any{"field": "payload.vip", "op": "is_true"}}}}}})

	if status := enableAndSend(t, b, u, wf, paymentEvent(500, true)); status != "succeeded" {
		t.Fatalf("the VIP's run = %s, want succeeded", status)
	}
	if hit := b.recv.Next(t); hit.Path != "/vip" {
		t.Errorf("the receiver got %s", hit.Path)
	}
	run := b.waitRun(b.trigger(wf.TriggerURL, paymentEvent(500, false)))
	if run.Run.Status != "filtered" {
		t.Fatalf("the other run = %s, want filtered", run.Run.Status)
	}
	if why := run.Run.Error + stepErrors(run); !strings.Contains(why, "none of payload.data.amount gt, payload.vip is_true") {
		t.Errorf("the filtered run says %q", why)
	}
	if n := b.recv.Count(); n != 1 {
		t.Errorf("the receiver got %d requests, want 1", n)
	}
}

// stepErrors joins a run's step errors.
func stepErrors(r runDetail) string {
	var s []string
	for _, st := range r.Steps {
		s = append(s, st.Error)
	}
	return strings.Join(s, "; ")
}

// TestNoCodeBuilderDetails: the operators follow the field's kind of value
// (yes/no, date, list, text), an operator without a value hides the value
// box, "is one of" takes a list, a field not in the sample is typed as a
// path, a rule left incomplete is refused at its row, a condition given as
// an expression shows as one and is swapped for rules that offer an
// earlier step's output as tested, and a mapping keeps a value nobody
// edited as it was.
func TestNoCodeBuilderDetails(t *testing.T) {
	b, u := loggedIn(t)
	b.create(fmt.Sprintf(`{"format": "hookflow/v1", "id": "details", "name": "Details", "trigger": {"type": "webhook"},
	  "steps": [
	    {"id": "check", "type": "filter", "match": {"field": "payload.kind", "op": "eq", "value": "order"}},
	    {"id": "shape", "type": "transform", "set": {"total": "{{ payload.amount }}", "n": 3}},
	    {"id": "send", "type": "webhook", "url": %q, "when": "steps.shape.total > 1"}]}`, b.recv.URL+"/d"))
	u.open("/workflows/details")
	u.waitVisible(`li.step[data-step="send"]`)
	u.click("#edit-sample")
	u.fill("#sample-text", `{"kind": "order", "amount": 12000, "paid": true, "at": "2026-05-01T12:00:00Z", "tags": ["rush"]}`)
	cond := `[data-field="steps[0].match"]`
	// The rules offer the new sample's fields.
	u.waitJS("the sample's fields are offered", `[...document.querySelector(`+jsString(label(cond, "Rule 1 field"))+`).options].some(o => o.value === 'payload.paid')`)
	u.click("#edit-sample")
	u.waitText("#sample-label", "Edited by hand")
	ops := func(num string) string {
		return u.eval(`[...document.querySelector(` + jsString(label(cond, "Rule "+num+" operator")) + `).options].map(o => o.value).join(' ')`)
	}
	// A match that is one rule shows as one row.
	u.waitJS("the stored rule shows", `document.querySelector(`+jsString(label(cond, "Rule 1 field"))+`)?.value === 'payload.kind'`)
	ruleResult(u, cond, "1", `was "order"`)

	u.click(label(cond, "Add rule"))
	u.fill(label(cond, "Rule 2 field"), "payload.paid")
	u.waitJS("a yes/no field's operators", `document.querySelector(`+jsString(label(cond, "Rule 2 operator"))+`).value === 'is_true'`)
	if o := ops("2"); o != "is_true is_false exists not_exists" {
		t.Errorf("a yes/no field offers %q", o)
	}
	u.waitJS("no value box for is true", `document.querySelector(`+jsString(label(cond, "Rule 2 value"))+`).hidden`)
	ruleResult(u, cond, "2", "holds · was true")

	u.click(label(cond, "Add rule"))
	u.fill(label(cond, "Rule 3 field"), "payload.at")
	u.waitJS("a date's operators", `document.querySelector(`+jsString(label(cond, "Rule 3 operator"))+`).value === 'before'`)
	if o := ops("3"); !strings.HasPrefix(o, "before after") || strings.Contains(o, "contains") {
		t.Errorf("a date offers %q", o)
	}
	u.fill(label(cond, "Rule 3 operator"), "after")
	u.typeInto(label(cond, "Rule 3 value"), "2026-01-01")
	ruleResult(u, cond, "3", "holds")

	u.click(label(cond, "Add rule"))
	u.fill(label(cond, "Rule 4 field"), "payload.tags")
	if o := ops("4"); !strings.HasPrefix(o, "contains not_contains") || strings.Contains(o, "gt") {
		t.Errorf("a list offers %q", o)
	}
	u.typeInto(label(cond, "Rule 4 value"), "rush")
	ruleResult(u, cond, "4", "holds")

	// A field the sample does not have: its path typed.
	u.click(label(cond, "Add rule"))
	u.fill(label(cond, "Rule 5 field"), " other") // "Other field (type its path)…"
	u.fill(label(cond, "Rule 5 field path"), "payload.coupon")
	u.fill(label(cond, "Rule 5 operator"), "not_exists")
	ruleResult(u, cond, "5", "holds · was missing")

	// Text: "is one of" takes a list typed as a, b.
	u.fill(label(cond, "Rule 1 operator"), "in")
	u.fill(label(cond, "Rule 1 value"), "order, refund")
	ruleResult(u, cond, "1", "holds")
	u.click(label(cond, "Remove rule 2"))
	u.waitJS("the rules are renumbered", `document.querySelector(`+jsString(label(cond, "Rule 2 field"))+`)?.value === 'payload.at'`)

	// A rule left without a field is refused at its row.
	u.click(label(cond, "Add rule"))
	u.click("#save")
	u.waitText("#save-error", "Not saved", "steps[0].match.all[4]")
	u.click(label(cond, "Remove rule 5"))

	// The last step's condition is an expression; after a test, rules
	// offer the transform's output.
	u.click("#test")
	u.waitText("#test-result", "Succeeded")
	when := `[data-field="steps[2].when"]`
	if u.eval(`String(document.querySelector('li.step[data-step="send"] details.when-box').open)`) != "true" {
		t.Error("a step with a when does not show it open")
		u.click(`li.step[data-step="send"] details.when-box > summary`)
	}
	if v := u.eval(`document.querySelector('textarea[data-field="steps[2].when"]')?.value ?? 'no text area'`); v != "steps.shape.total > 1" {
		t.Errorf("a when given as an expression shows as %q", v)
	}
	u.click(when + ` [role="switch"]`)
	u.click("#confirm-ok")
	u.click(label(when, "Add rule"))
	u.waitJS("the transform's output is offered", `[...document.querySelector(`+jsString(label(when, "Rule 1 field"))+`).options].some(o => o.value === 'steps.shape.total')`)
	if g := u.eval(`[...document.querySelector(` + jsString(label(when, "Rule 1 field")) + `).querySelectorAll('optgroup')].map(g => g.label).join('|')`); !strings.Contains(g, "Payload (as step shape left it)|Step check's output|Step shape's output") {
		t.Errorf("the last step is offered %q", g)
	}
	pickRule(u, when, "1", "steps.shape.total", "gt", "100")
	ruleResult(u, when, "1", "holds · was 12000")
	// What cannot be a number gets a hint in plain words.
	u.fill(label(when, "Rule 1 value"), "100 USD")
	u.waitText(when+" .cond-hint", "is a number: type digits only")
	u.fill(label(when, "Rule 1 value"), "100")
	u.waitJS("the hint is gone", `document.querySelector('[data-field="steps[2].when"] .cond-hint').textContent === ''`)

	// The transform keeps the incoming fields.
	u.click(`li.step[data-step="shape"] input[type="checkbox"][data-field="steps[1].keep"]`)
	u.click("#save")
	u.waitText(".editor-meta", "revision 2")

	var stored struct {
		Definition struct {
			Steps []json.RawMessage `json:"steps"`
		} `json:"definition"`
	}
	b.api(http.MethodGet, "/api/v1/workflows/details", nil).decode(t, &stored)
	jsonEqual(t, stored.Definition.Steps[0], map[string]any{"id": "check", "type": "filter", "match": map[string]any{"all": []any{
		map[string]any{"field": "payload.kind", "op": "in", "value": []any{"order", "refund"}},
		map[string]any{"field": "payload.at", "op": "after", "value": "2026-01-01"},
		map[string]any{"field": "payload.tags", "op": "contains", "value": "rush"},
		map[string]any{"field": "payload.coupon", "op": "not_exists"}}}})
	jsonEqual(t, stored.Definition.Steps[1], map[string]any{"id": "shape", "type": "transform",
		"set": map[string]any{"total": "{{ payload.amount }}", "n": 3}, "keep": true})
	var send struct {
		When any `json:"when"`
	}
	if err := json.Unmarshal(stored.Definition.Steps[2], &send); err != nil {
		t.Fatal(err)
	}
	want := map[string]any{"all": []any{map[string]any{"field": "steps.shape.total", "op": "gt", "value": float64(100)}}}
	if g, _ := json.Marshal(send.When); string(g) != mustJSON(want) {
		t.Errorf("stored when = %s, want %s", g, mustJSON(want))
	}
}

func mustJSON(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}
