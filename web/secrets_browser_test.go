package web_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
)

// TestSecretsBrowser: the Secrets page (in the main navigation) lists the
// secrets by name only, sets, replaces and deletes (after a confirmation)
// them, and never shows a value; a secret field offers the stored secrets
// and makes a new one in place, picked at once.
func TestSecretsBrowser(t *testing.T) {
	b, browser := loggedInWith(t, withVault())
	browser.acceptLeaving()
	const first, second, replaced = "crm-val-71c3e09a", "chat-val-2b8d4f61", "crm-val-rotated-9e5a"
	values := func() map[string]any {
		t.Helper()
		all, err := b.vault.All(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		return all
	}

	t.Run("the page", func(t *testing.T) {
		u := browser.in(t)
		u.click(u.byRole("link", "Secrets"))
		u.waitPath("/secrets")
		u.byRole("heading", "Secrets")
		u.waitVisible("#secrets-empty")
		if cur := u.eval(`document.querySelector('a[data-nav="secrets"]').getAttribute('aria-current')`); cur != "page" {
			t.Errorf("the Secrets nav entry is not marked current: %q", cur)
		}

		add := func(name, value string) {
			t.Helper()
			u.fill(u.byLabel("Name"), name)
			u.fill(u.byLabel("Value"), value)
			u.click(u.byRole("button", "Add secret"))
		}
		add("crm token", first)
		u.waitText("#secret-add-error", "no spaces or dashes")
		add("crm_token", first)
		u.waitVisible(`tr[data-secret="crm_token"]`)
		add("chat_key", second)
		u.waitVisible(`tr[data-secret="chat_key"]`)
		u.waitText(`tr[data-secret="crm_token"]`, "{{ secrets.crm_token }}")
		if got := values(); got["crm_token"] != first || got["chat_key"] != second {
			t.Errorf("stored %v", got)
		}
		u.screenshot("editor-secrets.png")
		add("crm_token", "again")
		u.waitText("#secret-add-error", "already set")

		// Replace: write-only, the old value is never shown.
		u.click(u.byRole("button", "Replace crm_token"))
		u.typeInto(u.byLabel("New value for crm_token"), replaced)
		u.click(u.byRole("button", "Save new value"))
		u.waitJS("the value is replaced", `!document.querySelector('tr.secret-replace[data-secret="crm_token"]') || document.querySelector('tr.secret-replace[data-secret="crm_token"]').hidden`)
		if got := values(); got["crm_token"] != replaced {
			t.Errorf("crm_token = %v after replacing", got["crm_token"])
		}
		page := u.eval(`document.body.innerHTML + [...document.querySelectorAll('input')].map((i) => i.value).join(' ')`)
		for _, v := range []string{first, second, replaced} {
			if strings.Contains(page, v) {
				t.Errorf("the page shows the value %s", v)
			}
		}

		// Delete asks first; Cancel keeps it.
		u.click(u.byRole("button", "Delete chat_key"))
		u.byRole("dialog", "Delete the secret “chat_key”?")
		u.click(u.byRole("button", "Cancel"))
		u.waitJS("the dialog is closed", `!document.querySelector('dialog[open]')`)
		if _, ok := values()["chat_key"]; !ok {
			t.Fatal("Cancel deleted the secret")
		}
		u.click(u.byRole("button", "Delete chat_key"))
		u.click("#confirm-ok")
		u.waitJS("chat_key is gone from the list", `!document.querySelector('tr[data-secret="chat_key"]')`)
		if _, ok := values()["chat_key"]; ok {
			t.Error("chat_key is still stored")
		}
	})

	t.Run("a secret field", func(t *testing.T) {
		u := browser.in(t)
		u.open("/workflows/new")
		u.typeInto("#wf-name", "Form intake")
		u.choose(u.byLabel("Authentication"), "Shared token")
		pick := u.byLabel("Secret: stored secret")
		u.waitJS("the stored secrets are offered", `[...document.querySelectorAll('.secret-pick option')].some((o) => o.textContent === 'crm_token')`)
		u.choose(pick, "crm_token")
		if got := u.eval(`document.querySelector('[data-field="trigger.auth.secret"]').value`); got != "{{ secrets.crm_token }}" {
			t.Errorf("picking crm_token gives %q", got)
		}

		// New secret…: a bad name is refused in place, a good one is set and picked.
		u.choose(pick, "New secret…")
		u.typeInto(u.byLabel("New secret name"), "form-key")
		u.typeInto(u.byLabel("New secret value"), "fk-4471")
		u.click(u.byRole("button", "Create secret"))
		u.waitText(".secret-new", "no spaces or dashes")
		u.fill(u.byLabel("New secret name"), "form_key")
		u.click(u.byRole("button", "Create secret"))
		u.waitJS("form_key is picked", `document.querySelector('.secret-pick').selectedOptions[0].textContent === 'form_key'`)
		if got := u.eval(`document.querySelector('[data-field="trigger.auth.secret"]').value`); got != "{{ secrets.form_key }}" {
			t.Errorf("the new secret gives %q", got)
		}
		if got := values(); got["form_key"] != "fk-4471" || len(got) != 2 {
			t.Errorf("stored %v, want crm_token and form_key", got)
		}

		// Saved as picked.
		u.click(`[data-add-step="webhook"]`)
		u.fill(`[data-field="steps[0].url"]`, b.recv.URL+"/intake")
		u.click("#save")
		u.waitJS("saved", `/^\/workflows\/form-intake/.test(location.pathname)`)
		id := strings.TrimPrefix(u.eval(`location.pathname`), "/workflows/")
		var w workflow
		b.api(http.MethodGet, "/api/v1/workflows/"+id, nil).decode(t, &w)
		if !strings.Contains(string(w.Definition), `"secret":"{{ secrets.form_key }}"`) {
			t.Errorf("saved definition: %s", w.Definition)
		}
	})
}
