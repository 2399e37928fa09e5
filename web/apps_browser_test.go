package web_test

import (
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hookflow/hookflow/apps"
)

// browserApp is a custom app, as a user would write its file.
const browserApp = `{
  "format": "hookflow/app-v1", "id": "acme-crm-browser", "name": "Acme CRM", "category": "CRM",
  "description": "Creates leads in Acme CRM.",
  "icon": "<svg xmlns='http://www.w3.org/2000/svg' viewBox='0 0 32 32'><rect width='32' height='32' rx='7' fill='#c2410c'/></svg>",
  "actions": [{"id": "create_lead", "title": "Create a lead", "description": "Adds a lead to the pipeline.",
    "fields": [
      {"name": "base_url", "label": "API address", "kind": "text", "required": true},
      {"name": "token", "label": "API token", "kind": "secret", "required": true},
      {"name": "email", "label": "Email", "kind": "template", "required": true},
      {"name": "tier", "label": "Tier", "kind": "select", "options": [{"value": "gold", "label": "Gold"}, {"value": "silver", "label": "Silver"}]}
    ],
    "request": {"method": "POST", "url": "{{ with.base_url }}/leads",
      "headers": {"Authorization": "Bearer {{ with.token }}"},
      "body": {"email": "{{ with.email }}", "lead.tier": "{{ with.tier }}", "source": "hookflow"}}}]
}`

// TestAppsBrowser: a custom app loaded from a folder is found in the
// "Add a step" gallery by search, beside the built-in steps and shipped
// apps; its form, drawn from the app's file, is filled in; the saved
// workflow runs it against a local receiver.
func TestAppsBrowser(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "acme.json"), []byte(browserApp), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, errs, err := apps.LoadDir(dir); err != nil || len(errs) > 0 {
		t.Fatalf("LoadDir: %v %v", err, errs)
	}
	t.Cleanup(func() { apps.Remove("acme-crm-browser") })

	t.Parallel()
	skipWithoutChromium(t)
	b := setup(t, withVault())
	u := newUI(t, b.url)
	u.open("/#token=" + b.token)
	u.waitVisible("#new-workflow")
	b.apiOK(http.MethodPut, "/api/v1/secrets/acme_token", map[string]any{"value": "acme-secret-token"}, http.StatusNoContent)
	u.click("#new-workflow")
	u.click("#gallery-blank")
	u.waitPath("/workflows/new")
	u.typeInto("#wf-name", "New lead to Acme")

	// The gallery: built-in steps and apps by category; a search finds the app.
	u.click(`[data-open-gallery="steps"]`)
	u.waitText(".step-gallery", "Built-in steps", "Send a webhook", "Chat", "Slack", "Incidents", "PagerDuty", "CRM", "Acme CRM")
	u.eval(`(() => { document.querySelector('.add-step').scrollIntoView({block: 'start'}); return true })()`)
	u.screenshot("editor-apps.png", 1000)
	u.typeInto(".gallery-search", "acme")
	u.waitJS("the search leaves the app alone", `!document.querySelector('[data-gallery-item="app:slack"]') && !!document.querySelector('[data-gallery-item="app:acme-crm-browser"]')`)
	u.click(`[data-gallery-item="app:acme-crm-browser"]`)

	// The app's form: its action picked, its fields drawn from the file.
	u.waitText(`[data-field="steps[0].with"]`, "Acme CRM: Create a lead", "API address", "API token", "Email", "Tier")
	if got := u.eval(`document.querySelector('[data-field="steps[0].action"]').value`); got != "create_lead" {
		t.Errorf("action picked = %q", got)
	}
	u.fill(`[data-field="steps[0].with.base_url"]`, b.recv.URL+"/crm")
	u.fill(`[data-field="steps[0].with.token"]`, "{{ secrets.acme_token }}")
	u.fill(`[data-field="steps[0].with.email"]`, "{{ payload.email }}")
	u.fill(`[data-field="steps[0].with.tier"]`, "gold")
	u.eval(`(() => { document.querySelector('li.step').scrollIntoView({block: 'start'}); return true })()`)
	u.screenshot("editor-app-step.png")
	u.click("#save")
	u.waitJS("the new workflow's page opens", `/^\/workflows\/[a-z0-9-]+$/.test(location.pathname) && location.pathname !== '/workflows/new'`)
	id := strings.TrimPrefix(u.eval(`location.pathname`), "/workflows/")

	var wf workflow
	b.api(http.MethodGet, "/api/v1/workflows/"+id, nil).decode(t, &wf)
	var stored struct {
		Definition struct {
			Steps []json.RawMessage `json:"steps"`
		} `json:"definition"`
	}
	b.api(http.MethodGet, "/api/v1/workflows/"+id, nil).decode(t, &stored)
	if len(stored.Definition.Steps) != 1 {
		t.Fatalf("stored steps: %s", stored.Definition.Steps)
	}
	jsonEqual(t, stored.Definition.Steps[0], map[string]any{"id": "acme_crm_browser", "type": "app", "app": "acme-crm-browser", "action": "create_lead",
		"with": map[string]any{"base_url": b.recv.URL + "/crm", "token": "{{ secrets.acme_token }}", "email": "{{ payload.email }}", "tier": "gold"}})

	// The form is drawn again from the stored step.
	u.open("/workflows/" + id)
	u.waitJS("the stored values are shown", `document.querySelector('[data-field="steps[0].with.email"]')?.value === '{{ payload.email }}'`)

	if status := enableAndSend(t, b, u, wf, map[string]any{"email": "ann@example.com"}); status != "succeeded" {
		t.Fatalf("the run = %s", status)
	}
	got := b.recv.Next(t)
	if got.Path != "/crm/leads" || got.Header.Get("Authorization") != "Bearer acme-secret-token" {
		t.Errorf("the receiver got %s with Authorization %q", got.Path, got.Header.Get("Authorization"))
	}
	jsonEqual(t, got.Body, map[string]any{"email": "ann@example.com", "lead": map[string]any{"tier": "gold"}, "source": "hookflow"})
}
