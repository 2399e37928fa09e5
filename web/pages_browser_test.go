package web_test

import (
	"crypto/rand"
	"fmt"
	"testing"

	"github.com/hookflow/hookflow/secrets"
	"github.com/hookflow/hookflow/store/sqlite"
)

// What the browser tests of the gallery, the Secrets page, the schedule
// picker, the workflow list and replays share: finding controls the way a
// screen reader names them.

// loggedInWith is loggedIn with setup's options.
func loggedInWith(t *testing.T, opts ...func(*options)) (*bundle, *ui) {
	t.Helper()
	t.Parallel()
	skipWithoutChromium(t)
	b := setup(t, opts...)
	u := newUI(t, b.url)
	u.open("/#token=" + b.token)
	u.waitVisible("#new-workflow")
	return b, u
}

// newTestVault is a secrets vault over the test's store, with a fresh key.
func newTestVault(t *testing.T, st *sqlite.Store) *secrets.Vault {
	t.Helper()
	key := make([]byte, secrets.KeySize)
	if _, err := rand.Read(key); err != nil {
		t.Fatal(err)
	}
	v, err := secrets.New(st, key)
	if err != nil {
		t.Fatalf("secrets.New: %v", err)
	}
	return v
}

// mark waits for the visible element a JavaScript finder returns, tags it
// and returns a CSS selector for it.
func (u *ui) mark(what, finder string) string {
	u.t.Helper()
	js := fmt.Sprintf(`(() => { const el = (%s)(); if (!el) return '';
		if (!el.dataset.t) el.dataset.t = 't' + Math.random().toString(36).slice(2); return el.dataset.t })()`, finder)
	u.waitJS(what+" is on the page", js+` !== ''`)
	return fmt.Sprintf(`[data-t=%q]`, u.eval(js))
}

// visibleJS is a JavaScript function telling whether an element is shown.
const visibleJS = `(el) => !!el && !!(el.offsetWidth || el.offsetHeight || el.getClientRects().length)`

// byLabel is the visible control a label names: a <label>'s text (its
// first words, before "optional"), a legend's group, or an aria-label.
func (u *ui) byLabel(label string) string {
	u.t.Helper()
	return u.mark("the control labelled "+label, fmt.Sprintf(`() => {
		const want = %s, vis = %s, norm = (s) => (s || '').replace(/\s+/g, ' ').trim();
		for (const l of document.querySelectorAll('label')) {
			const own = norm([...l.childNodes].filter((n) => n.nodeType === 3 || !n.matches || !n.matches('.opt, .kind, input, select, textarea')).map((n) => n.textContent).join(' '));
			const c = l.control;
			if (own === want && vis(c)) return c;
		}
		return [...document.querySelectorAll('[aria-label]')].find((e) => e.getAttribute('aria-label') === want && vis(e)) || null;
	}`, jsString(label), visibleJS))
}

// byRole is the visible element of a role (button, link, checkbox, dialog,
// heading) whose accessible name is name: its aria-label, or its text.
func (u *ui) byRole(role, name string) string {
	u.t.Helper()
	sel := map[string]string{
		"button": `button, [role="button"], input[type="submit"]`, "link": `a[href]`, "heading": `h1, h2, h3`,
		"dialog": `dialog[open]`, "checkbox": `input[type="checkbox"]`, "row": `tr`, "status": `[role="status"]`,
	}[role]
	if sel == "" {
		u.t.Fatalf("byRole: no selector for role %s", role)
	}
	return u.mark(fmt.Sprintf("the %s %q", role, name), fmt.Sprintf(`() => {
		const want = %s, vis = %s, norm = (s) => (s || '').replace(/\s+/g, ' ').trim();
		const nameOf = (e) => {
			if (e.getAttribute('aria-label')) return e.getAttribute('aria-label');
			if (e.getAttribute('aria-labelledby')) return norm(e.getAttribute('aria-labelledby').split(' ').map((id) => document.getElementById(id)?.textContent).join(' '));
			if (e.labels && e.labels.length) return norm(e.labels[0].textContent);
			return norm(e.textContent);
		};
		return [...document.querySelectorAll(%s)].find((e) => vis(e) && nameOf(e) === want) || null;
	}`, jsString(name), visibleJS, jsString(sel)))
}

// choose picks the option of a select by its text, as a person would.
func (u *ui) choose(sel, option string) {
	u.t.Helper()
	u.waitVisible(sel)
	got := u.eval(fmt.Sprintf(`(() => { const s = document.querySelector(%s);
		const o = [...s.options].find((o) => o.textContent.trim() === %s); if (!o) return 'no option';
		s.focus(); s.value = o.value; s.dispatchEvent(new Event('input', {bubbles: true})); s.dispatchEvent(new Event('change', {bubbles: true})); return 'ok' })()`,
		jsString(sel), jsString(option)))
	if got != "ok" {
		u.fail("choose %q in %s: %s", option, sel, got)
	}
}
